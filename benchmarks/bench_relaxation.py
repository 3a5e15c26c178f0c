"""How often the fair lottery's relaxation shortcut holds, and what it saves over the levels.

Run: ``.venv/bin/python benchmarks/bench_relaxation.py [--pools N] [--seed S]``

The fair lottery first computes the LEXIMIN of the LP relaxation and keeps it when a mix of
panels attains it; otherwise it goes level by level (``docs/fairness.md``). This script
draws ``--pools`` random pools: four attributes with skewed values (two genders, two age
bands, two education levels, four regions); 30 to 1,000 applicants in organisations of
heavy-tailed size, one region each; 4 to 30 places; quotas of 60-140 % of an even share per
value; in half of the pools at most 2 per organisation. It skips pools with no valid
selection and reports for each other pool whether the shortcut held, the time of
``fair_distribution`` and the time of the level-by-level column generation alone (the
baseline, measured in the same run with ``LeximinOptions(relaxation=False)``). The two
results must agree within 1e-6 per applicant; the script prints how far apart they are.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from ran_events.errors import InfeasibleSelection
from ran_events.selection.constraints import Cap, Constraints, Profile, Quota
from ran_events.selection.fair._leximin import LeximinOptions, fair_distribution

VALUES = {"a": ("o", "y"), "e": ("hi", "lo"), "g": ("f", "m"), "r": ("e", "n", "s", "w")}


def random_pool(rng: random.Random) -> tuple[list[Profile], Constraints]:
    """One pool: sizes, value weights and quota bands drawn from ``rng``."""
    size = rng.choice([30, 100, 300, 1000])
    places = rng.choice([4, 6, 10, 20, 30])
    weights = {a: [rng.random() + 0.2 for _ in values] for a, values in VALUES.items()}
    quotas = []
    for attribute, values in VALUES.items():
        share = places / len(values)
        for value in values:
            low = int(share * rng.uniform(0.6, 1.0))
            high = max(low, round(share * rng.uniform(1.0, 1.4)))
            quotas.append(Quota(attribute=attribute, value=value, min=low, max=high))
    capped = rng.random() < 0.5
    caps = (Cap(attribute="org", limit=2),) if capped else ()
    constraints = Constraints(capacity=places, quotas=tuple(quotas), caps=caps)
    profiles: list[Profile] = []
    organisation = 0
    while len(profiles) < size:
        # Organisations of heavy-tailed size (most send one or two people), one region each.
        members = min(size - len(profiles), 40, int(rng.paretovariate(1.3)))
        region = rng.choices(VALUES["r"], weights=weights["r"])[0]
        for _ in range(members):
            drawn = {a: rng.choices(values, weights=weights[a])[0] for a, values in VALUES.items()}
            drawn |= {"org": f"org{organisation}", "r": region}
            profiles.append(tuple(drawn[a] for a in constraints.attributes))
        organisation += 1
    return profiles, constraints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    held = failed = infeasible = 0
    ratios: list[float] = []
    worst = 0.0
    for number in range(args.pools):
        profiles, constraints = random_pool(rng)
        label = (
            f"pool {number:3d}: {len(profiles):4d} applicants, {constraints.capacity:2d} places"
            + (", org <= 2" if constraints.caps else "")
        )
        try:
            start = time.perf_counter()
            shortcut = fair_distribution(profiles, constraints)
            fast = time.perf_counter() - start
        except InfeasibleSelection:
            infeasible += 1
            print(f"{label}: no valid selection")
            continue
        start = time.perf_counter()
        levels = fair_distribution(profiles, constraints, options=LeximinOptions(relaxation=False))
        slow = time.perf_counter() - start
        gap = max(
            abs(a - b) for a, b in zip(shortcut.probabilities, levels.probabilities, strict=True)
        )
        worst = max(worst, gap)
        if shortcut.method == "relaxation":
            held += 1
        else:
            failed += 1
        ratios.append(slow / fast)
        print(
            f"{label}: shortcut {'held' if shortcut.method == 'relaxation' else 'out of reach'}, "
            f"{fast:6.2f} s; levels alone {slow:6.2f} s (ratio {slow / fast:5.1f}x); "
            f"largest difference {gap:.1e}"
        )
    print(
        f"\n{held} held, {failed} out of reach (levels ran), {infeasible} without a selection; "
        f"levels-alone time / fair_distribution time: median {statistics.median(ratios):.1f}x, "
        f"min {min(ratios):.1f}x, max {max(ratios):.1f}x; largest difference {worst:.1e} "
        f"({'within' if worst <= 1e-6 else 'NOT within'} 1e-6)"
    )


if __name__ == "__main__":
    main()
