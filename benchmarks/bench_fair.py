"""Figures for the fair quota lottery (issue 6): LEXIMIN against the plain quota lottery.

Run: ``.venv/bin python benchmarks/bench_fair.py [--draws N] [--only a|b]``

Two seeded pools:

(a) 750 applicants, 112 places, quotas on gender, age band, region and education (pool
    skewed towards the young, the highly educated and the capital; bands of +-25 % around
    population shares);
(b) 1,000 practitioners, 80 places, quotas on role (6 values), gender and country (EU-27),
    and at most 2 per organisation (organisation sizes from a heavy-tailed law).

For each: the LEXIMIN time, the number of panels, min/max probability, and the
per-applicant probabilities of the *plain quota lottery* (a random order, then an exact
ordered fill that admits an applicant only when the quotas can still be met), estimated by
simulation over ``--draws`` orders. The baseline uses
``ran_events.selection.constraints._feasibility.allocate`` when it exists, else a small
greedy fill with a MILP feasibility check defined
here (the script says which).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence

from ran_events.selection.constraints import Cap, Constraints, Profile, Quota
from ran_events.selection.fair._leximin import (
    FairDistribution,
    fair_distribution,
    round_to_uniform,
)

EU27 = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    names = sorted(shares)
    return rng.choices(names, weights=[shares[n] for n in names])[0]


def _bands(attribute: str, population: dict[str, float], k: int) -> list[Quota]:
    return [
        Quota(
            attribute=attribute,
            value=value,
            min=int(0.75 * share * k),
            max=max(1, round(1.25 * share * k + 0.5)),
        )
        for value, share in sorted(population.items())
    ]


def pool_a(seed: int = 6) -> tuple[list[Profile], Constraints]:
    """750 applicants, 112 places, four quota attributes with a skewed pool."""
    rng = random.Random(seed)
    gender_pop = {"female": 0.51, "male": 0.48, "other": 0.01}
    gender_pool = {"female": 0.45, "male": 0.54, "other": 0.01}
    age_pop = {"16-29": 0.2, "30-44": 0.25, "45-64": 0.33, "65+": 0.22}
    age_pool = {"16-29": 0.14, "30-44": 0.3, "45-64": 0.36, "65+": 0.2}
    region_pop = {"capital": 0.22, "north": 0.2, "south": 0.24, "east": 0.17, "west": 0.17}
    region_pool = {"capital": 0.34, "north": 0.17, "south": 0.2, "east": 0.12, "west": 0.17}
    edu_pop = {"low": 0.3, "middle": 0.42, "high": 0.28}
    edu_pool = {"low": 0.14, "middle": 0.38, "high": 0.48}
    k = 112
    quotas = (
        _bands("age", age_pop, k)
        + _bands("education", edu_pop, k)
        + _bands("gender", gender_pop, k)
        + _bands("region", region_pop, k)
    )
    constraints = Constraints(capacity=k, quotas=tuple(quotas))
    profiles: list[Profile] = []
    for _ in range(750):
        values = {
            "age": _pick(rng, age_pool),
            "education": _pick(rng, edu_pool),
            "gender": _pick(rng, gender_pool),
            "region": _pick(rng, region_pool),
        }
        profiles.append(tuple(values[a] for a in constraints.attributes))
    return profiles, constraints


def pool_b(seed: int = 6) -> tuple[list[Profile], Constraints]:
    """1,000 practitioners, 80 places: role, gender, country quotas and organisation <= 2."""
    rng = random.Random(seed)
    roles = {"community": 0.14, "exit": 0.05, "police": 0.3, "prison": 0.16}
    roles |= {"social": 0.17, "youth": 0.18}
    country_weight = dict.fromkeys(EU27, 1.0)
    for big, w in {"DE": 6, "FR": 5, "IT": 4, "ES": 4, "NL": 3, "BE": 4, "PL": 3, "SE": 2}.items():
        country_weight[big] = w
    profiles_raw: list[dict[str, str]] = []
    org = 0
    while len(profiles_raw) < 1000:
        # Heavy-tailed organisation sizes: most send 1-2 people, a few national bodies 10-40.
        size = min(1000 - len(profiles_raw), 40, max(1, int(rng.paretovariate(1.3))))
        country = _pick(rng, country_weight)
        role = _pick(rng, roles)
        for _ in range(size):
            profiles_raw.append(
                {
                    "country": country,
                    "gender": _pick(rng, {"female": 0.52, "male": 0.46, "other": 0.02}),
                    "organisation": f"org{org:04d}",
                    "role": role if rng.random() < 0.85 else _pick(rng, roles),
                }
            )
        org += 1
    k = 80
    quotas = [Quota(attribute="role", value=r, min=8, max=20) for r in sorted(roles)]
    quotas += [
        Quota(attribute="gender", value="female", min=34, max=46),
        Quota(attribute="gender", value="male", min=30, max=44),
    ]
    present = {row["country"] for row in profiles_raw}
    quotas += [
        Quota(attribute="country", value=c, min=1 if c in present else 0, max=6) for c in EU27
    ]
    constraints = Constraints(
        capacity=k, quotas=tuple(quotas), caps=(Cap(attribute="organisation", limit=2),)
    )
    profiles = [tuple(row[a] for a in constraints.attributes) for row in profiles_raw]
    return profiles, constraints


def _baseline_fill() -> tuple[
    str, Callable[[Sequence[Profile], Constraints, list[int]], list[int]]
]:
    try:
        from ran_events.selection.constraints._feasibility import allocate
    except ImportError:
        return "greedy fill with a MILP feasibility check (benchmark-local)", _greedy_fill

    def fill(profiles: Sequence[Profile], constraints: Constraints, order: list[int]) -> list[int]:
        return list(allocate(profiles, constraints, order).selected)

    return "ran_events.selection.constraints._feasibility.allocate (exact ordered fill)", fill


def _greedy_fill(
    profiles: Sequence[Profile], constraints: Constraints, order: list[int]
) -> list[int]:
    """Admit in order when a completion to ``capacity`` still exists (MILP over applicants)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(profiles)
    rows, lo, hi = [], [], []
    for quota in constraints.quotas:
        a = constraints.index(quota.attribute)
        rows.append([1.0 if p[a] == quota.value else 0.0 for p in profiles])
        lo.append(quota.min)
        hi.append(np.inf if quota.max is None else quota.max)
    for cap in constraints.caps:
        a = constraints.index(cap.attribute)
        for value in sorted({p[a] for p in profiles}):
            rows.append([1.0 if p[a] == value else 0.0 for p in profiles])
            lo.append(0)
            hi.append(cap.limit)
    rows.append([1.0] * n)
    lo.append(constraints.capacity)
    hi.append(constraints.capacity)
    matrix = LinearConstraint(np.array(rows), lo, hi)
    lower = np.zeros(n)
    upper = np.ones(n)
    chosen: list[int] = []
    for i in order:
        if len(chosen) == constraints.capacity:
            break
        upper_try = upper.copy()
        lower[i] = 1.0
        if (
            milp(
                np.zeros(n),
                integrality=np.ones(n),
                bounds=Bounds(lower, upper_try),
                constraints=matrix,
            ).status
            == 0
        ):
            chosen.append(i)
        else:
            lower[i] = 0.0
            upper[i] = 0.0
    return chosen


def run(
    name: str, build: Callable[[], tuple[list[Profile], Constraints]], draws: int, target: float
) -> None:
    profiles, constraints = build()
    start = time.perf_counter()
    dist: FairDistribution = fair_distribution(profiles, constraints, time_limit=target)
    elapsed = time.perf_counter() - start
    probs = dist.probabilities
    verdict = "met" if elapsed < target else "NOT met"
    included = [p for i, p in enumerate(probs) if i not in dist.excluded]
    print(
        f"\n== {name}: {len(profiles)} applicants, {constraints.capacity} places, "
        f"{len(dist.groups)} groups of interchangeable applicants"
    )
    print(
        f"LEXIMIN: {elapsed:.2f} s (target < {target:.0f} s: {verdict}), "
        f"{len(dist.group_panels)} group panels, {len(dist.panels)} applicant panels, "
        f"{len(dist.excluded)} excluded"
    )
    print(f"objective reached: {dist.objective}")
    print(f"LEXIMIN probability: min {min(included):.4f}, max {max(probs):.4f}")
    start = time.perf_counter()
    rounded = round_to_uniform(dist, 1000)
    shares = [0.0] * len(profiles)
    for panel in rounded:
        for i in panel:
            shares[i] += 1 / 1000
    worst = max(abs(s - p) for s, p in zip(shares, probs, strict=True))
    print(
        f"rounded to 1000 panels in {time.perf_counter() - start:.2f} s: largest marginal "
        f"change {worst:.5f} = {worst * 1000:.2f}/m"
    )
    if draws <= 0:
        return
    label, fill = _baseline_fill()
    rng = random.Random(2023)
    hits = [0] * len(profiles)
    start = time.perf_counter()
    for _ in range(draws):
        order = list(range(len(profiles)))
        rng.shuffle(order)
        for i in fill(profiles, constraints, order):
            hits[i] += 1
    base_time = time.perf_counter() - start
    by_group = []
    for group in dist.groups:
        if group[0] in dist.excluded:
            continue
        by_group.append((sum(hits[i] for i in group), draws * len(group)))
    base_min = min(k / n for k, n in by_group)
    base_upper = min(_upper_bound(k, n) for k, n in by_group)
    base_min_individual = min(
        hits[i] / draws for i in range(len(profiles)) if i not in dist.excluded
    )
    print(f"plain quota lottery ({label}), {draws} draws in {base_time:.1f} s:")
    print(
        f"  min probability averaged per group {base_min:.4f}, 95 % upper bound "
        f"{base_upper:.4f} (min over individuals {base_min_individual:.4f}; "
        f"max {max(hits) / draws:.4f})"
    )
    ratio = min(included) / base_min if base_min > 0 else float("inf")
    print(
        f"  LEXIMIN min / plain-lottery min (per group) = {ratio:.2f}; "
        f"at least {min(included) / base_upper:.2f} with 95 % confidence"
    )


def _upper_bound(hits: int, trials: int) -> float:
    """Clopper-Pearson 95 % upper bound of a probability seen ``hits`` times in ``trials``.

    The trials of a group (its members over the draws) are treated as independent; members
    of one group in one draw are if anything negatively correlated (quotas and caps), so
    the bound is conservative in spirit, and taking the smallest over groups picks the
    group after seeing the data (a multiple-comparison caveat).
    """
    from scipy.stats import beta

    if hits >= trials:
        return 1.0
    return float(beta.ppf(0.95, hits + 1, trials - hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--draws", type=int, default=200, help="baseline simulation draws (0: no baseline)"
    )
    parser.add_argument("--only", choices=("a", "b"), help="run one pool")
    args = parser.parse_args()
    if args.only in (None, "a"):
        run("(a) citizens' pool", pool_a, args.draws, 20.0)
    if args.only in (None, "b"):
        run("(b) RAN practitioners with organisation <= 2", pool_b, args.draws, 60.0)


if __name__ == "__main__":
    main()
