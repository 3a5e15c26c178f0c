"""Figures for policy experiments as data (issue 17): rows() and to_csv() of a comparison.

Run: ``.venv/bin/python benchmarks/bench_experiments.py [--applicants N] [--repeat R]``

The comparison: the webinar with 400 places (its role quotas scaled to the pool, and
organisation <= 2) and ``--applicants`` eligible synthetic applicants (default 10,000),
three policies (``lottery``, ``first-come``, ``score`` by experience), a few runs each;
building it is not timed. Timed, best of ``--repeat``: ``comparison.rows()`` and
``comparison.to_csv(path)`` (target: both, together, under 1 s for 10,000 applicants x 3
policies), against the baseline an analyst writes by hand over the same report: a
``csv.DictWriter`` loop over ``report.estimates.values()`` with the attributes of each
estimate. The two files must hold the same table.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import QuotaBounds
from ran_events.selection import Comparison, compare

TARGET_SECONDS = 1.0


def hand_written(comparison: Comparison, path: Path) -> None:
    """The baseline: what an analyst writes by hand with csv.DictWriter (no formula guard)."""
    attributes = list(comparison[0].attributes)
    columns = ["registration_id", "policy", "probability", "low", "high", "runs", "exact"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns + attributes)
        writer.writeheader()
        for report in comparison:
            for e in report.estimates.values():
                writer.writerow(
                    {
                        "registration_id": e.registration_id,
                        "policy": report.label,
                        "probability": e.probability,
                        "low": e.low,
                        "high": e.high,
                        "runs": report.runs,
                        "exact": e.exact,
                        **e.attributes,
                    }
                )


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = webinar()
    event = attrs.evolve(
        base,
        capacity=400,
        selection=attrs.evolve(
            base.selection,
            quotas={"role": {"prison": QuotaBounds(min=40), "police": QuotaBounds(max=80)}},
        ),
    )
    # --applicants eligible ones: the synthetic pool also has roles that are no target group.
    drawn = synthetic_applicants(args.applicants * 5 // 4, seed=2023, event=event)
    pool = [r for r in drawn if r.registrant.role in event.target_groups][: args.applicants]
    start = time.perf_counter()
    comparison = compare(
        event,
        pool,
        ["lottery", "first-come", ("score", {"weights": {"experience": 1}})],
        runs=3,
        seed=1,
    )
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(
        f"comparison of {len(comparison)} policies x {len(comparison[0].estimates):,} eligible "
        f"applicants built in {time.perf_counter() - start:.1f} s (not timed below)"
    )
    with tempfile.TemporaryDirectory() as folder:
        ours, theirs = Path(folder) / "ours.csv", Path(folder) / "theirs.csv"
        rows = best(args.repeat, comparison.rows)
        alone = best(args.repeat, lambda: comparison.to_csv(ours))
        both = best(args.repeat, lambda: (comparison.rows(), comparison.to_csv(ours)))
        baseline = best(args.repeat, lambda: hand_written(comparison, theirs))
        with ours.open(encoding="utf-8", newline="") as a, theirs.open(newline="") as b:
            same = list(csv.DictReader(a)) == list(csv.DictReader(b))
    count = sum(len(r.estimates) for r in comparison)
    print(f"rows(): {count:,} rows in {rows:.3f} s")
    print(f"to_csv() alone: {alone:.3f} s")
    print(
        f"rows() + to_csv(): {both:.3f} s (target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if both < TARGET_SECONDS else 'NOT met'})"
    )
    print(
        f"baseline, a hand-written csv.DictWriter loop: {baseline:.3f} s "
        f"(rows() + to_csv() / baseline = {both / baseline:.2f}x); same table: {same}"
    )


if __name__ == "__main__":
    main()
