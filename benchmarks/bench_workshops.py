"""Workshop placement of 500 people in 4 workshops, against first-come and serial dictatorship.

Usage::

    .venv/bin/python benchmarks/bench_workshops.py [--people 500] [--seed 15] [--draws 100]

A seeded synthetic pool: ``--people`` participants rank 4 workshops of equal capacity
(together 4 % more places than people) by a Plackett-Luce draw with a popularity skew
(weights 0.45, 0.30, 0.15, 0.10: workshop A is everyone's favourite far more often than D);
one in ten ranks only two workshops. Each person also has a submission time (uniform over the
registration window). Three ways to place them, each printed with how many got their 1st,
2nd, 3rd, 4th choice, a workshop they did not rank, and the total score (a 1st choice scores
4, a 4th 1, an unranked session 0):

- ``assign_workshops``: the library (exact maximum of the total score, lottery tie-break);
- first-come: in submission order, each takes their best workshop with a place left;
- random serial dictatorship: the same in a random order, once with ``--seed`` and on average
  over ``--draws`` orders (their spread as the smallest and largest total).

The exact placement's total is at least that of any order (it is the maximum over all
placements), so the script fails if it is not; its time is printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence

from ran_events import tz
from ran_events.groups import assign_workshops, choice_summary
from ran_events.models import (
    Event,
    Organiser,
    RegistrationWindow,
    Session,
    SessionKind,
)

WORKSHOPS = ("ws-a", "ws-b", "ws-c", "ws-d")
POPULARITY = (0.45, 0.30, 0.15, 0.10)
ZONE = "Europe/Brussels"


def event_for(people: int) -> Event:
    """An event with a plenary and 4 parallel workshops of equal capacity (4 % spare)."""

    def at(hour: int) -> dt.datetime:  # 20 April 2024 in Brussels is UTC+2
        return tz.to_zone(dt.datetime(2024, 4, 20, hour - 2, tzinfo=dt.UTC), ZONE)

    capacity = -(-people * 104 // 100 // len(WORKSHOPS))  # ceil of 104 % / 4
    sessions = [Session(id="plenary", title="Welcome", start=at(9), end=at(10))]
    sessions += [
        Session(
            id=sid,
            title=f"Workshop {sid[-1].upper()}",
            start=at(10),
            end=at(12),
            kind=SessionKind.BREAKOUT,
            choice=True,
            capacity=capacity,
        )
        for sid in WORKSHOPS
    ]
    return Event(
        id="bench-workshops",
        title="Workshops",
        timezone=ZONE,
        organiser=Organiser(name="RAN", email="ran@example.org"),
        sessions=sessions,
        registration=RegistrationWindow(
            opens=tz.to_utc(at(8)) - dt.timedelta(days=60), closes=at(8)
        ),
        capacity=people,
    )


def pool(people: int, seed: int) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Rankings (Plackett-Luce with the popularity skew) and the submission order."""
    rng = random.Random(seed)
    rankings: dict[str, tuple[str, ...]] = {}
    for n in range(people):
        left, weights, ranking = list(WORKSHOPS), list(POPULARITY), []
        while left:
            pick = rng.choices(range(len(left)), weights=weights)[0]
            ranking.append(left.pop(pick))
            weights.pop(pick)
        length = 2 if rng.random() < 0.1 else len(WORKSHOPS)
        rankings[f"r{n:04}"] = tuple(ranking[:length])
    submitted = {rid: rng.random() for rid in rankings}
    return rankings, sorted(rankings, key=submitted.__getitem__)


def serial_dictatorship(
    order: Sequence[str], rankings: Mapping[str, Sequence[str]], capacity: int
) -> dict[str, str]:
    """Each person in ``order`` takes their best workshop with a place left."""
    left = dict.fromkeys(WORKSHOPS, capacity)
    placed = {}
    for rid in order:
        wanted = [s for s in rankings[rid] if left[s]]
        choice = wanted[0] if wanted else next(s for s in WORKSHOPS if left[s])
        left[choice] -= 1
        placed[rid] = choice
    return placed


def counts_of(
    placed: Mapping[str, str], rankings: Mapping[str, Sequence[str]]
) -> tuple[dict[int | None, int], int]:
    """(counts of 1st, 2nd, ... and None, total score) of a placement."""
    ranks = [
        rankings[rid].index(s) + 1 if s in rankings[rid] else None for rid, s in placed.items()
    ]
    counter = Counter(ranks)
    ordered: dict[int | None, int] = {r: counter[r] for r in range(1, len(WORKSHOPS) + 1)}
    ordered[None] = counter[None]
    score = sum(len(WORKSHOPS) + 1 - r for r in ranks if r is not None)
    return ordered, score


def row(name: str, counts: Mapping[int | None, int], score: float, note: str = "") -> str:
    cells = "".join(f"{counts.get(r, 0):>7}" for r in (1, 2, 3, 4, None))
    return f"{name:<34}{cells}{score:>10.1f}  {note}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args(argv)

    event = event_for(args.people)
    capacity = event.session("ws-a").capacity
    assert capacity is not None
    rankings, by_submission = pool(args.people, args.seed)
    first_choice = Counter(r[0] for r in rankings.values())
    print(
        f"{args.people} people, 4 workshops of {capacity} places; first choices: "
        + ", ".join(f"{s} {first_choice[s]}" for s in WORKSHOPS)
    )

    started = time.perf_counter()
    result = assign_workshops(list(rankings), event, seed=args.seed, rankings=rankings)
    cold = time.perf_counter() - started  # with the first import of scipy
    started = time.perf_counter()
    again = assign_workshops(list(rankings), event, seed=args.seed, rankings=rankings)
    elapsed = time.perf_counter() - started
    assert again == result
    ours = {p.registration_id: p.session_id for p in result.placements}
    ours_counts, ours_score = counts_of(ours, rankings)
    assert ours_score == result.total_score
    assert choice_summary(result.choice_counts())  # (the library's own counts agree)

    fc_counts, fc_score = counts_of(
        serial_dictatorship(by_submission, rankings, capacity), rankings
    )
    rng = random.Random(args.seed)
    draws = []
    for _ in range(args.draws):
        order = list(rankings)
        rng.shuffle(order)
        draws.append(counts_of(serial_dictatorship(order, rankings, capacity), rankings))
    rsd_counts, rsd_score = draws[0]
    mean_counts = {
        r: round(statistics.fmean(c[r] for c, _ in draws), 1) for r in (1, 2, 3, 4, None)
    }
    scores = [s for _, s in draws]

    print(f"{'':<34}{'1st':>7}{'2nd':>7}{'3rd':>7}{'4th':>7}{'unrkd':>7}{'score':>10}")
    timing = f"{elapsed * 1000:.0f} ms ({cold * 1000:.0f} ms with scipy's import)"
    print(row("assign_workshops (exact)", ours_counts, ours_score, timing))
    print(row("first-come", fc_counts, fc_score))
    print(row("random serial dictatorship", rsd_counts, rsd_score, f"seed {args.seed}"))
    print(
        row(
            f"  mean of {args.draws} random orders",
            mean_counts,
            statistics.fmean(scores),
            f"score {min(scores)} to {max(scores)}",
        )
    )
    gain_fc = ours_score / fc_score
    gain_rsd = ours_score / statistics.fmean(scores)
    print(f"total score: exact / first-come = {gain_fc:.3f}; exact / mean RSD = {gain_rsd:.3f}")
    if ours_score < max(fc_score, *scores):
        print("FAIL: an order gave a higher total than the exact placement")
        return 1
    print("ok: the exact placement's total is at least that of every order tried")
    return 0


if __name__ == "__main__":
    sys.exit(main())
