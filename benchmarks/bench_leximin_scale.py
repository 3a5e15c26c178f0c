"""Figures for LEXIMIN past 1,000 applicants (issue 16): ours against the previous algorithm.

Run: ``.venv/bin/python benchmarks/bench_leximin_scale.py [--sizes 500/50,1000/100]
[--baseline-up-to 1000] [--undecomposed-up-to 1000] [--levels-up-to 0] [--rounding]
[--profile]``

Pools from the library's synthetic generator (:func:`ran_events.examples.synthetic_applicants`,
seed 2023): quotas on role, gender, country and experience (bands of +-25 % around each
value's share of the pool, as in bench_fair.py) and at most 2 per organisation. For each
size: the CPU time (``time.process_time``; the machine is shared) of ``fair_distribution``
now, and of the previous algorithm (``benchmarks/_leximin_before.py``, the module as it was
before issue 16, kept verbatim) on the pools up to ``--baseline-up-to`` applicants, with the
ratio and the largest difference of the minimum and of the sorted probabilities (must be
<= 1e-6). ``--undecomposed-up-to`` does the same for ours without the decomposition of
the relaxation's target (``LeximinOptions(decompose=False)``: its check by Frank-Wolfe
candidates and column generation alone, as before the decomposition), and
``--levels-up-to`` for the exact levels over panels (``LeximinOptions(relaxation=False)``,
no shortcut through the relaxation). ``--rounding`` adds ``round_to_uniform(dist, 1000)``,
its share of the distribution's time (target <= 20 %) and its quality: ``delta``, the
largest difference between a group's rounded and expected places per member, and the
largest difference between an applicant's count of panels and ``1000 *`` their
probability, both in units of ``1 / 1000``. ``--profile`` runs ours under
cProfile and prints the functions of most cumulative time (the times then include the
profiler's overhead).
Targets: 2,000 / 100 < 30 s, 5,000 / 200 < 120 s.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Callable, Sequence
from typing import Any

import _leximin_before as before

from ran_events.examples import synthetic_applicants
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota
from ran_events.selection.fair._leximin import (
    FairDistribution,
    LeximinOptions,
    fair_distribution,
    round_to_uniform,
)

ATTRIBUTES = ("role", "gender", "country", "experience")
TARGETS = {(2000, 100): 30.0, (5000, 200): 120.0}
UNDECOMPOSED = LeximinOptions(decompose=False)
LEVELS = LeximinOptions(relaxation=False)


def pool(n: int, k: int, seed: int = 2023) -> tuple[list[Profile], Constraints]:
    """``n`` synthetic applicants, ``k`` places, quotas around the pool's shares, org <= 2."""
    rows = [
        {
            "role": r.registrant.role,
            "gender": str(r.answers["gender"]),
            "country": r.registrant.country,
            "experience": str(r.answers["experience"]),
            "organisation": r.registrant.organisation,
        }
        for r in synthetic_applicants(n, seed=seed)
    ]
    quotas = []
    for attribute in ATTRIBUTES:
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[attribute]] = counts.get(row[attribute], 0) + 1
        for value, count in sorted(counts.items()):
            share = count / n
            quotas.append(
                Quota(
                    attribute=attribute,
                    value=value,
                    min=int(0.75 * share * k),
                    max=max(1, round(1.25 * share * k + 0.5)),
                )
            )
    constraints = Constraints(
        capacity=k, quotas=tuple(quotas), caps=(Cap(attribute="organisation", limit=2),)
    )
    return [tuple(row[a] for a in constraints.attributes) for row in rows], constraints


def discrepancy(
    dist: FairDistribution, rounded: Sequence[Sequence[int]], m: int
) -> tuple[float, float]:
    """``(delta, deviation)`` of ``m`` rounded panels, in units of ``1 / m``: the largest
    ``|rounded - expected places|`` per member of a group, and per applicant."""
    hits = [0] * len(dist.probabilities)
    for panel in rounded:
        for i in panel:
            hits[i] += 1
    gap = [h - m * p for h, p in zip(hits, dist.probabilities, strict=True)]
    groups = dist.groups or tuple((i,) for i in range(len(gap)))
    delta = max(abs(sum(gap[i] for i in g)) / len(g) for g in groups)
    return delta, max(abs(x) for x in gap)


def compare(
    label: str,
    mine: float,
    ours: FairDistribution,
    solve: Callable[..., Any],
    *args: object,
    **kwargs: object,
) -> None:
    """Time ``solve(*args, **kwargs)`` (the same pool another way), compare probabilities."""
    start = time.process_time()
    old = solve(*args, **kwargs)
    theirs = time.process_time() - start
    gap = max(
        abs(a - b)
        for a, b in zip(sorted(ours.probabilities), sorted(old.probabilities), strict=True)
    )
    print(
        f"  {label} {theirs:.1f} s: ratio {theirs / mine:.2f}x; minimum "
        f"{min(old.probabilities):.6f} (difference "
        f"{abs(min(old.probabilities) - min(ours.probabilities)):.1e}), largest "
        f"difference of sorted probabilities {gap:.1e} (must be <= 1e-6: "
        f"{'ok' if gap <= 1e-6 else 'FAILED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500/50,1000/100")
    parser.add_argument("--baseline-up-to", type=int, default=1000)
    parser.add_argument("--undecomposed-up-to", type=int, default=1000)
    parser.add_argument("--levels-up-to", type=int, default=0)
    parser.add_argument("--rounding", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; CPU seconds")
    for size in args.sizes.split(","):
        n, k = (int(x) for x in size.split("/"))
        profiles, constraints = pool(n, k)
        profiler = cProfile.Profile() if args.profile else None
        start = time.process_time()
        if profiler is not None:
            profiler.enable()
        ours = fair_distribution(profiles, constraints)
        if profiler is not None:
            profiler.disable()
        mine = time.process_time() - start
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("_leximin", 15)
        target = TARGETS.get((n, k))
        verdict = "" if target is None else f" (target < {target:.0f} s: "
        verdict += "" if target is None else ("met)" if mine < target else "NOT met)")
        print(
            f"{n} / {k}: {len(ours.groups)} groups, ours {mine:.1f} s{verdict}, "
            f"{ours.method}, {ours.objective}, min {min(ours.probabilities):.6f}"
        )
        if args.rounding:
            start = time.process_time()
            rounded = round_to_uniform(ours, 1000)
            rounding = time.process_time() - start
            delta, deviation = discrepancy(ours, rounded, 1000)
            print(
                f"  rounding to 1000 panels {rounding:.2f} s = {rounding / mine:.0%} of the "
                f"distribution (target <= 20 %: {'met' if rounding <= 0.2 * mine else 'NOT met'})"
                f"; delta {delta:.4f} / m, largest deviation {deviation:.4f} / m"
            )
        others = (
            ("without the decomposition", args.undecomposed_up_to, UNDECOMPOSED),
            ("exact levels over panels", args.levels_up_to, LEVELS),
        )
        for label, limit, options in others:
            if n <= limit:
                solve = fair_distribution
                compare(label, mine, ours, solve, profiles, constraints, options=options)
        if n <= args.baseline_up_to:
            compare(
                "previous algorithm", mine, ours, before.fair_distribution, profiles, constraints
            )


if __name__ == "__main__":
    main()
