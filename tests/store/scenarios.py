"""Multi-process scenarios run against a store URL: concurrent registration, a killed import.

Each takes the URL of a fresh store (a SQLite path, a ``postgresql://`` URL), so that every
backend's tests, and ``benchmarks/bench_store.py``, run the same body.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs

from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import csv_text, registration_id
from ran_events.models import Registrant, Registration
from ran_events.store import open_store

BATCH = 10_000
"""Rows per transaction of a book's file import (``ran_events.intake.book._BATCH``)."""
_BASE = dt.datetime(2023, 8, 20, 8, 0, tzinfo=dt.UTC)
_EVENT_ID = webinar().id


@attrs.frozen
class Concurrent:
    """What :func:`register_from_processes` found."""

    attempts: int
    shared: int
    held: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether every address is held once, with its latest application."""
        return not self.problems


def _application(process: int, k: int, *, shared: bool) -> Registration:
    event_id = _EVENT_ID
    email = f"shared{k}@example.org" if shared else f"p{process}-{k}@example.org"
    return Registration(
        id=registration_id(event_id, email),
        event_id=event_id,
        registrant=Registrant(name=f"Person {process}-{k}", email=email, role="police"),
        # a shared address: each process its own second, the last process the latest
        submitted_at=_BASE + dt.timedelta(minutes=k, seconds=process),
        answers={"motivation": "m", "experience": 1, "casework": False, "gender": "female"},
    )


def _register(url: str, process: int, per_process: int, shared: int) -> None:
    plan = [(k, k < shared) for k in range(per_process)]
    random.Random(process).shuffle(plan)  # the shared ones come at different moments
    with open_store(url) as store:
        book = store.book(webinar(), on_duplicate="replace")
        for k, is_shared in plan:
            book.add(_application(process, k, shared=is_shared), by=f"process {process}")


def register_from_processes(
    url: str, *, processes: int = 8, per_process: int = 1_000
) -> Concurrent:
    """``processes`` spawned processes each register ``per_process`` applications (one
    transaction each) into the store at ``url``; 10 % of each one's addresses are shared by
    all, with a different ``submitted_at`` per process. Returns what the store holds then."""
    shared = per_process // 10
    with open_store(url) as store:
        store.put_event(webinar(), at=_BASE)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_register, args=(url, p, per_process, shared))
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    problems = [
        f"process {p} exited with {w.exitcode}" for p, w in enumerate(workers) if w.exitcode
    ]
    with open_store(url) as store:
        held = list(store.backend(webinar().id))
        problems.extend(store.integrity())
    by_email = {r.email: r for r in held}
    if len(by_email) != len(held):
        problems.append(f"{len(held) - len(by_email)} address(es) held more than once")
    expected: dict[str, dt.datetime] = {}
    for p in range(processes):
        for k in range(per_process):
            if k >= shared or p == processes - 1:  # a shared address: the last process's
                application = _application(p, k, shared=k < shared)
                expected[application.email] = application.submitted_at
    missing = expected.keys() - by_email.keys()
    if missing:
        problems.append(f"{len(missing)} application(s) lost, e.g. {sorted(missing)[:3]}")
    extra = by_email.keys() - expected.keys()
    if extra:
        problems.append(f"{len(extra)} unexpected address(es)")
    stale = [e for e, at in expected.items() if e in by_email and by_email[e].submitted_at != at]
    if stale:
        problems.append(f"{len(stale)} address(es) kept an older application, e.g. {stale[:3]}")
    return Concurrent(
        attempts=processes * per_process, shared=shared, held=len(held), problems=tuple(problems)
    )


@attrs.frozen
class Killed:
    """What :func:`kill_an_import` found."""

    rows: int
    held_after_kill: int
    killed_midway: bool
    problems_after_kill: tuple[str, ...]
    held_after_rerun: int


_IMPORT = """
import sys
from ran_events.examples import webinar
from ran_events.store import open_store
with open_store(sys.argv[1]) as store:
    store.book(webinar()).read_csv(sys.argv[2])
"""


def write_applications(path: Path, rows: int, *, seed: int = 2023) -> None:
    """An applications CSV of ``rows`` valid, distinct applications to the webinar."""
    path.write_text(csv_text(synthetic_applicants(rows, seed=seed)), encoding="utf-8")


def import_in_a_process(url: str, applications: Path) -> subprocess.Popen[bytes]:
    """Start importing ``applications`` into the store at ``url`` in a new process."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-c", _IMPORT, url, str(applications)], env=environment
    )


def kill_an_import(url: str, applications: Path, *, rows: int, seed: int) -> Killed:
    """Import ``applications`` (``rows`` rows) into the store at ``url`` in a subprocess,
    ``kill -9`` it at a moment drawn from ``seed`` once its first transaction is in, look
    at the store, import again."""
    event = webinar()
    with open_store(url) as store:
        store.put_event(event, at=_BASE)
        backend = store.backend(event.id)
        importing = import_in_a_process(url, applications)
        while len(backend) == 0 and importing.poll() is None:
            time.sleep(0.05)
        time.sleep(random.Random(seed).uniform(0.0, 2.0))
        killed_midway = importing.poll() is None
        if killed_midway:
            os.kill(importing.pid, signal.SIGKILL)
        importing.wait()
        problems = tuple(store.integrity())
        held = len(backend)
    rerun = import_in_a_process(url, applications)
    rerun.wait()
    with open_store(url) as store:
        final = len(store.backend(event.id))
    return Killed(
        rows=rows,
        held_after_kill=held,
        killed_midway=killed_midway,
        problems_after_kill=problems,
        held_after_rerun=final,
    )
