"""Figures for simulate (issue 6): lottery runs per second, and lottery against fair-lottery.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--runs N] [--workers W]``

The pool: the webinar with 40 places (prison >= 4, police <= 8, organisation <= 2) and
1,000 synthetic applicants. Prints the time of ``--runs`` lottery runs with a process pool
of ``--workers`` workers (target: 10,000 runs in under 30 s on 2 cores), checks that the
report equals the serial one on a smaller run count, and the smallest probability of
``lottery`` against ``fair-lottery``.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import attrs

from ran_events.examples import synthetic_applicants, webinar
from ran_events.selection import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    event = attrs.evolve(webinar(), capacity=40)
    pool = synthetic_applicants(1000, seed=2023, event=event)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as executor:
        lottery = simulate(event, pool, runs=args.runs, seed=1, executor=executor)
    elapsed = time.perf_counter() - start
    print(
        f"lottery: {args.runs} runs, 1000 applicants, 40 places, {args.workers} workers: "
        f"{elapsed:.1f} s (target < 30 s for 10,000 on 2 cores)"
    )
    small = min(args.runs, 500)
    with ProcessPoolExecutor(args.workers) as executor:
        pooled = simulate(event, pool, runs=small, seed=1, executor=executor)
    print(f"{small} runs: pooled == serial: {pooled == simulate(event, pool, runs=small, seed=1)}")
    start = time.perf_counter()
    fair = simulate(event, pool, runs=200, seed=1, policy="fair-lottery")
    print(f"fair-lottery (exact, LEXIMIN + 200 draws): {time.perf_counter() - start:.1f} s")
    for report in (lottery, fair):
        print(
            f"  {report.policy:<13} min {report.minimum:.4f}  max {report.maximum:.4f}  "
            f"Gini {report.gini:.3f}  ({len(report.estimates)} eligible)"
        )


if __name__ == "__main__":
    main()
