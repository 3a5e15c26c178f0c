"""The testing kit's strategies: 100 feasible events with pools of 50 to 500 applicants.

Usage::

    .venv/bin/python benchmarks/bench_kit.py [--examples 100] [--repeat 3]

Hypothesis draws ``--examples`` cases from ``events()`` flat-mapped to
``applicant_pools(event, size=(50, 500))`` (its database off, no shrinking: the time of
generation alone), ``--repeat`` times; best and median of wall-clock and CPU time, and the
load average. Every case is checked to be feasible afterwards (``select`` fills every place
and :func:`~ran_events.testing.assert_meets_constraints` holds), outside the timing.

Target: 100 cases under 10 s (judged on CPU time: the machine may be shared, and the load
average is printed). Baseline printed beside it: building the same number of pools
with :func:`~ran_events.testing.feasible_pool` directly (no Hypothesis), the kit's floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ran_events.examples import webinar
from ran_events.models import Event, Registration
from ran_events.selection import select
from ran_events.testing import assert_meets_constraints, feasible_pool
from ran_events.testing.strategies import applicant_pools, events

TARGET_SECONDS = 10.0

Case = tuple[Event, list[Registration]]


def draw_cases(examples: int) -> list[Case]:
    """``examples`` cases drawn by the strategies, as a test would get them."""
    drawn: list[Case] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(events().flatmap(lambda e: st.tuples(st.just(e), applicant_pools(e, size=(50, 500)))))
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


def floor(examples: int) -> list[Case]:
    """The same number of pools built directly (sizes 50 to 500, the webinar)."""
    event = webinar()
    return [
        (event, feasible_pool(event, 50 + (450 * i) // max(examples - 1, 1), seed=i))
        for i in range(examples)
    ]


def timed(function: Callable[[int], list[Case]], examples: int) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    cases = function(examples)
    return time.perf_counter() - wall, time.process_time() - cpu, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    rows: dict[str, list[tuple[float, float, int]]] = {"strategies": [], "feasible_pool": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        rows["strategies"].append(timed(draw_cases, args.examples))
        rows["feasible_pool"].append(timed(floor, args.examples))
    for name, runs in rows.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{name:<14} {runs[0][2]:>4} cases: wall best {min(walls):.2f} s, median "
            f"{statistics.median(walls):.2f} s; CPU best {min(cpus):.2f} s, median "
            f"{statistics.median(cpus):.2f} s"
        )
    cases = draw_cases(args.examples)
    sizes = [len(pool) for _, pool in cases]
    for event, pool in cases:
        result = select(event, pool, now=event.registration.closes)
        assert len(result.selected) == event.capacity
        assert_meets_constraints(result, event)
    print(f"all {len(cases)} cases feasible; pool sizes {min(sizes)} to {max(sizes)}")
    best = min(r[1] for r in rows["strategies"])
    verdict = "met" if best < TARGET_SECONDS else "NOT met"
    print(
        f"target: {args.examples} cases under {TARGET_SECONDS:.0f} s of CPU time: {verdict} "
        f"({best:.2f} s)"
    )


if __name__ == "__main__":
    main()
