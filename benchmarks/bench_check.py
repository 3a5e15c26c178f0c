"""Event files with many sessions: ``ran-events check`` and loading, 100,000 sessions.

Usage::

    .venv/bin/python benchmarks/bench_check.py [--sessions 100000] [--repeat 3]

An event file (TOML) with ``--sessions`` sessions of 50 minutes, eight a day from
2024-01-01 in Europe/Brussels (plenaries and breakouts in turn; 100,000 reach 2058), is
generated as text, then timed ``--repeat`` times, the rows interleaved (best and median of
wall-clock and CPU time; the machine may be shared: the target is judged on CPU time, and
the load average is printed):

- ``ran-events check FILE`` run in-process (its schedule output thrown away);
- loading alone (:func:`ran_events.eventfile.load`);
- the same file with every session id given twice, loaded: 50 % of the sessions are
  reported as duplicates, each with its line (the error path);
- the floor: ``tomllib.loads`` of the same text (parsing without checking anything).

Target: ``check`` of 100,000 sessions under 5 s of CPU time (it took 1,120 s while the
duplicate-session check compared each id with every earlier one, 36 s while each session
time went through pytz's conversions a dozen times). Each row is also given as a multiple of
the floor's CPU time in the same run: ``check`` cannot be faster than reading the TOML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

TARGET_CHECK_SECONDS = 5.0

_HEAD = """\
id = "bench-many-sessions"
title = "A event with many sessions"
timezone = "Europe/Brussels"
capacity = 30
target_groups = ["prison", "police"]

[organiser]
name = "RAN Practitioners"
email = "ran-practitioners@example.org"

[registration]
opens = "2023-11-01T00:00"
deadline = "2023-12-31"
"""


def event_text(sessions: int, *, repeat_ids: bool = False) -> str:
    """The TOML of an event with ``sessions`` sessions (ids repeated in pairs if asked)."""
    parts = [_HEAD]
    first_day = dt.date(2024, 1, 1)
    for index in range(sessions):  # eight a day, 09:00 to 17:00: wall times DST never skips
        day, hour = divmod(index, 8)
        begin = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time(9 + hour))
        end = begin + dt.timedelta(minutes=50)
        number = index // 2 if repeat_ids else index
        kind = "plenary" if index % 2 == 0 else "breakout"
        parts.append(
            f'\n[[sessions]]\nid = "s{number}"\ntitle = "Session {index}"\nkind = "{kind}"\n'
            f'start = "{begin:%Y-%m-%dT%H:%M}"\nend = "{end:%Y-%m-%dT%H:%M}"\n'
        )
    return "".join(parts)


def timed(
    actions: Sequence[tuple[str, Callable[[], object]]], repeat: int
) -> dict[str, tuple[float, float, float]]:
    """Best wall, median wall and best CPU seconds of ``repeat`` runs of each action.

    The actions take turns (one run of each, ``repeat`` times), so that a change in the
    machine's load falls on all of them alike.
    """
    walls: dict[str, list[float]] = {name: [] for name, _ in actions}
    cpus: dict[str, list[float]] = {name: [] for name, _ in actions}
    for _ in range(repeat):
        for name, action in actions:
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    return {
        name: (min(walls[name]), statistics.median(walls[name]), min(cpus[name]))
        for name, _ in actions
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from ran_events.cli import main as ran_events
    from ran_events.errors import EventFileError
    from ran_events.eventfile import load

    with tempfile.TemporaryDirectory() as folder:
        valid = Path(folder, "many.toml")
        valid.write_text(event_text(args.sessions), encoding="utf-8")
        repeated = Path(folder, "repeated.toml")
        repeated.write_text(event_text(args.sessions, repeat_ids=True), encoding="utf-8")
        text = valid.read_text(encoding="utf-8")

        def check() -> None:
            out, err = io.StringIO(), io.StringIO()
            status = ran_events(["check", str(valid)], stdout=out, stderr=err)
            if status != 0:
                raise SystemExit(f"check failed: {err.getvalue()[:500]}")

        def load_repeated() -> None:
            try:
                load(repeated)
            except EventFileError as exc:
                if len(exc.problems) != args.sessions // 2:
                    raise SystemExit(f"expected {args.sessions // 2} problems") from None
            else:
                raise SystemExit("the repeated ids were not reported")

        print(
            f"{args.sessions:,} sessions, {len(text) / 1e6:.1f} MB of TOML; "
            f"load average {os.getloadavg()[0]:.2f}; best / median wall, best CPU (s)"
        )
        floor = "tomllib.loads (floor)"
        rows = [
            ("ran-events check", check),
            ("eventfile.load", lambda: load(valid)),
            ("load, every id twice (error path)", load_repeated),
            (floor, lambda: tomllib.loads(text)),
        ]
        figures = timed(rows, args.repeat)
    floor_cpu = figures[floor][2]
    for name, (best, median, cpu) in figures.items():
        print(
            f"  {name:<36} {best:7.2f} / {median:7.2f}   cpu {cpu:7.2f}"
            f"   {cpu / floor_cpu:4.1f}x the floor"
        )
    check_cpu = figures["ran-events check"][2]
    met = check_cpu < TARGET_CHECK_SECONDS
    print(
        f"target: check under {TARGET_CHECK_SECONDS:.0f} s of CPU: {'met' if met else 'NOT met'} "
        f"({check_cpu:.2f} s; {check_cpu / floor_cpu:.1f}x the floor, "
        f"{check_cpu - floor_cpu:.2f} s beyond it)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
