"""Micro-benchmark of the exact ordered fill (``selection.constraints._feasibility.allocate``).

Pools are generated deterministically (seeded) and realistically: EU countries skewed by
size, organisations of Zipf-like sizes (so the cap of two per organisation binds), roles
skewed with a prison minimum above the prison share of applicants (so it binds), a cap per
country that binds for the large countries. The order is a seeded random permutation, as a
lottery would give.

Run: ``.venv/bin/python benchmarks/bench_allocator.py`` (``--sizes 1000:40`` to choose).
"""

from __future__ import annotations

import argparse
import math
import random
import time

from ran_events.selection.constraints import Cap, Constraints, Profile, Quota
from ran_events.selection.constraints._feasibility import allocate, is_valid_selection

# Rough population weights (millions) of the 27 EU member states.
COUNTRIES = {
    "DE": 84, "FR": 68, "IT": 59, "ES": 48, "PL": 37, "RO": 19, "NL": 18, "BE": 12,
    "CZ": 11, "SE": 10, "PT": 10, "GR": 10, "HU": 10, "AT": 9, "BG": 6, "DK": 6, "FI": 6,
    "SK": 5, "IE": 5, "HR": 4, "LT": 3, "SI": 2, "LV": 2, "EE": 1.4, "CY": 1, "LU": 0.7,
    "MT": 0.5,
}  # fmt: skip
ROLES = {"police": 30, "youth": 22, "social": 18, "community": 15, "prison": 8, "exit": 7}
# Share of the places per role: (min, max). The prison minimum exceeds its share of applicants.
ROLE_SHARES = {
    "police": (0.05, 0.25),
    "youth": (0.10, 0.30),
    "social": (0.05, 0.30),
    "community": (0.05, 0.30),
    "prison": (0.15, 0.30),
    "exit": (0.05, 0.15),
}


def make_pool(applicants: int, seed: int) -> list[Profile]:
    """Profiles ``(country, organisation, role)`` of a seeded synthetic pool."""
    rng = random.Random(seed)
    organisations = max(1, applicants // 5)
    names = list(COUNTRIES)
    homes = rng.choices(names, weights=list(COUNTRIES.values()), k=organisations)
    sizes = [1 / (rank + 1) ** 1.1 for rank in range(organisations)]
    rng.shuffle(sizes)
    chosen = rng.choices(range(organisations), weights=sizes, k=applicants)
    roles = rng.choices(list(ROLES), weights=list(ROLES.values()), k=applicants)
    return [(homes[org], f"org{org:06d}", role) for org, role in zip(chosen, roles, strict=True)]


def make_constraints(places: int) -> Constraints:
    """Role minimums and maximums, a cap per country, two per organisation."""
    quotas = tuple(
        Quota(
            attribute="role",
            value=role,
            min=math.ceil(low * places),
            max=math.floor(high * places),
        )
        for role, (low, high) in ROLE_SHARES.items()
    )
    caps = (
        Cap(attribute="country", limit=max(4, math.ceil(0.06 * places))),
        Cap(attribute="organisation", limit=2),
    )
    return Constraints(capacity=places, quotas=quotas, caps=caps)


def run(applicants: int, places: int, seed: int, repeat: int) -> None:
    profiles = make_pool(applicants, seed)
    constraints = make_constraints(places)
    order = list(range(applicants))
    random.Random(seed + 1).shuffle(order)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = allocate(profiles, constraints, order)
        times.append(time.perf_counter() - start)
    assert is_valid_selection(profiles, constraints, result.selected) == []
    types = len(set(profiles))
    codes: dict[str, int] = {}
    for reason in result.skipped.values():
        codes[reason.code] = codes.get(reason.code, 0) + 1
    walked = len(result.selected) + sum(n for code, n in codes.items() if code != "capacity")
    print(
        f"{applicants:>7} applicants {places:>5} places ({types} types): "
        f"best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s; "
        f"filled {len(result.selected)}/{result.target}; milp calls {result.solver_calls}; "
        f"decided before capacity {walked}; skips {dict(sorted(codes.items()))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["1000:40", "100000:1000"])
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        applicants, places = (int(part) for part in size.split(":"))
        run(applicants, places, args.seed, args.repeat)


if __name__ == "__main__":
    main()
