"""What ``select()`` with the fair lottery spends: the distribution against the rounding.

Run: ``.venv/bin/python benchmarks/bench_fair_select.py [--pools 600/60,b] [--repeats 2]``

``select()`` with the ``fair-lottery`` policy computes the LEXIMIN distribution, rounds it
to ``m = 1000`` equally likely panels (the record keeps them) and draws one. This runs the
whole of ``select()`` on two pools and splits its CPU time (``time.process_time``; the
machine is shared, so CPU time, not wall time) into the distribution
(``fair_distribution``), the rounding (``round_to_uniform``) and the rest (eligibility,
the profiles, the expansion to named panels, the decisions and the record). In the same
run, interleaved with the repeats, the previous rounding (the integer program, kept as
``LeximinOptions(rounding_program=True)``) rounds the same distribution. For both it
prints ``delta``, the largest difference between a group's rounded and expected places
per member, and the largest distance between an applicant's share of the ``m`` panels
and their probability (the guarantee is ``(1 + delta) / m``), in units of ``1/m``.
Target (issue 16): the rounding at most 20 % of the distribution's time.

Pools: ``600/60`` (any ``N/K``) is ``bench_leximin_scale.py``'s synthetic pool (quotas on
role, gender, country and experience, at most 2 per organisation); ``b`` is
``bench_fair.py``'s pool (b) (1,000 practitioners, 80 places, organisation <= 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs
from bench_fair import pool_b
from bench_leximin_scale import discrepancy, pool

from ran_events import tz
from ran_events.examples import webinar
from ran_events.models import Event, QuotaBounds, Registrant, Registration, SelectionRules
from ran_events.selection import select
from ran_events.selection.constraints import Constraints, Profile
from ran_events.selection.fair import _policy
from ran_events.selection.fair._leximin import (
    FairDistribution,
    LeximinOptions,
    round_to_uniform,
)

NOW = tz.localize(dt.datetime(2023, 9, 7, 10), "Europe/Brussels")  # noqa: DTZ001 - localized
REGISTRANT_FIELDS = ("role", "country", "organisation")


def registrations(
    profiles: Sequence[Profile], constraints: Constraints
) -> tuple[Event, list[Registration]]:
    """The webinar with these constraints as fair-lottery rules, and one applicant a profile."""
    quotas: dict[str, dict[str, QuotaBounds]] = {}
    for q in constraints.quotas:
        quotas.setdefault(q.attribute, {})[q.value] = QuotaBounds(min=q.min, max=q.max)
    rules = SelectionRules(
        policy="fair-lottery",
        seed=2023,
        quotas=quotas,
        caps={c.attribute: c.limit for c in constraints.caps},
    )
    attributes = constraints.attributes
    role = attributes.index("role")
    event = attrs.evolve(
        webinar(),
        capacity=constraints.capacity,
        selection=rules,
        target_groups=tuple(sorted({p[role] for p in profiles})),
    )
    pool = []
    for i, profile in enumerate(profiles):
        values = dict(zip(attributes, profile, strict=True))
        pool.append(
            Registration(
                id=f"a{i:05d}",
                event_id=event.id,
                registrant=Registrant(
                    name=f"Applicant {i}",
                    email=f"a{i}@example.org",
                    **{k: values.pop(k) for k in REGISTRANT_FIELDS if k in values},
                    attributes=values,
                ),
                submitted_at=NOW - dt.timedelta(days=3, seconds=i),
            )
        )
    return event, pool


def timed(spent: dict[str, float], key: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.process_time() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default="600/60,b")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; CPU seconds")
    for name in args.pools.split(","):
        if name == "b":
            profiles, constraints = pool_b()
        else:
            n, k = (int(x) for x in name.split("/"))
            profiles, constraints = pool(n, k)
        event, applicants = registrations(profiles, constraints)
        for _ in range(args.repeats):
            measure(name, event, applicants)


def measure(name: str, event: Event, applicants: Sequence[Registration]) -> None:
    """Run ``select()`` once, timing its parts, then the previous rounding; print both."""
    spent = {"distribution": 0.0, "rounding": 0.0}
    found: list[tuple[FairDistribution, Sequence[Sequence[int]]]] = []

    def rounding(dist: FairDistribution, m: int) -> Any:
        rounded = round_to_uniform(dist, m)
        found.append((dist, rounded))
        return rounded

    with_timers = {
        "fair_distribution": timed(spent, "distribution", _policy.fair_distribution),
        "round_to_uniform": timed(spent, "rounding", rounding),
    }
    saved = {key: getattr(_policy, key) for key in with_timers}
    start = time.process_time()
    for key, function in with_timers.items():
        setattr(_policy, key, function)
    try:
        result = select(event, applicants, now=NOW)
    finally:
        for key, function in saved.items():
            setattr(_policy, key, function)
    total = time.process_time() - start
    dist, rounded = found[0]
    m = len(rounded)
    start = time.process_time()
    previous = round_to_uniform(dist, m, options=LeximinOptions(rounding_program=True))
    before = time.process_time() - start
    share = spent["rounding"] / spent["distribution"]
    print(
        f"{name}: select() {total:.1f} s = distribution {spent['distribution']:.1f} s"
        f" + rounding {spent['rounding']:.2f} s ({share:.0%} of the distribution; "
        f"target <= 20 %: {'met' if share <= 0.2 else 'NOT met'}) + the rest "
        f"{total - spent['distribution'] - spent['rounding']:.2f} s; "
        f"{len(result.selected)} selected"
    )
    delta, deviation = discrepancy(dist, rounded, m)
    delta_before, deviation_before = discrepancy(dist, previous, m)
    print(
        f"  rounding to {m} panels: {spent['rounding']:.2f} s, delta {delta:.4f}/m, largest "
        f"deviation {deviation:.4f}/m; previous (integer program) {before:.2f} s, delta "
        f"{delta_before:.4f}/m, {deviation_before:.4f}/m: "
        f"{before / max(spent['rounding'], 1e-9):.0f}x faster"
    )


if __name__ == "__main__":
    main()
