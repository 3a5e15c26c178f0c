"""Benchmark of a whole selection (``ran_events.selection.select``) against a plain sort.

A lottery with quotas on role (the six target groups, each with a minimum and a maximum),
a cap per country and at most two per organisation, on the seeded synthetic pool of
:func:`ran_events.examples.synthetic_applicants` (which also holds roles that are not target
groups, rejected by eligibility). The time covers everything ``select`` does: eligibility,
lottery tickets, the exact ordered fill, the explanations, the status changes, the record's
SHA-256 of the input. The baseline is a plain ``sorted()`` of the same registrations by
(submission time, id), measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_selection.py`` (``--sizes 1000:40`` to choose).
Targets: 1,000 applicants / 40 places under 0.2 s; 100,000 / 1,000 under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

import attrs

from ran_events import tz
from ran_events.examples import TARGET_GROUPS, synthetic_applicants, webinar
from ran_events.models import Event, QuotaBounds, Registration, SelectionRules
from ran_events.selection import select

TARGETS = {(1_000, 40): 0.2, (100_000, 1_000): 10.0}
NOW = tz.localize(dt.datetime(2023, 9, 7, 10), "Europe/Brussels")  # noqa: DTZ001 - localized


def event_for(places: int) -> Event:
    """The webinar with ``places`` places, role quotas, a country cap and two per organisation."""
    quotas = {
        "role": {
            role: QuotaBounds(min=max(1, places // 20), max=max(2, places * 3 // 10))
            for role in TARGET_GROUPS
        }
    }
    rules = SelectionRules(
        policy="lottery",
        seed=2023,
        quotas=quotas,
        caps={"country": max(4, places // 8), "organisation": 2},
    )
    return attrs.evolve(webinar(), capacity=places, selection=rules)


def best_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(applicants: int, places: int, fill: str = "capacity") -> None:
    pool: list[Registration] = synthetic_applicants(applicants, seed=1)
    event = event_for(places)
    if fill != "capacity":  # 1,000,000 / 5,000: the organisation cap allows only 3,888
        parameters = {**event.selection.parameters, "fill": fill}
        event = attrs.evolve(event, selection=attrs.evolve(event.selection, parameters=parameters))
    repeats = 5 if applicants <= 10_000 else 1
    result = select(event, pool, now=NOW)
    cpu = time.process_time()
    selection = best_of(repeats, lambda: select(event, pool, now=NOW))
    cpu = (time.process_time() - cpu) / repeats  # the mean CPU time of one select()
    baseline = best_of(repeats, lambda: sorted(pool, key=lambda r: (r.submitted_at, r.id)))
    counts = {o.value: n for o, n in result.counts().items()}
    met = all(report.satisfied for report in result.constraints)
    target = TARGETS.get((applicants, places))
    verdict = (
        ""
        if target is None
        else f"  target < {target:g} s: {'ok' if selection < target else 'MISSED'}"
    )
    print(
        f"{applicants:>7} applicants / {places:>5} places: select {selection:8.3f} s "
        f"({cpu:.3f} s CPU), "
        f"sorted() {baseline:7.4f} s, ratio {selection / baseline:7.1f}x; {counts}; "
        f"constraints met: {met}{verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        nargs="*",
        default=["1000:40", "10000:300", "100000:1000"],
        help="APPLICANTS:PLACES pairs",
    )
    parser.add_argument(
        "--fill", choices=("capacity", "most"), default="capacity", help="the fill parameter"
    )
    args = parser.parse_args()
    for size in args.sizes:
        applicants, places = (int(part) for part in size.split(":"))
        bench(applicants, places, args.fill)


if __name__ == "__main__":
    main()
