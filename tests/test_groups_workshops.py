"""ran_events.groups._workshops: exact workshop placement from rankings, within capacities."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from collections import Counter
from collections.abc import Mapping, Sequence

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.workshop_events import workshops_event

from ran_events.errors import InvalidValue, WorkshopCapacityError
from ran_events.examples import synthetic_applicants, webinar
from ran_events.groups import (
    WorkshopAssignment,
    assign_workshops,
    choice_summary,
    ordinal,
    rankings_of,
    workshop_ticket,
)
from ran_events.models import Event, Registrant, Registration

SUBMITTED = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)


def registration(
    rid: str, ranking: Sequence[str] = (), event: Event | None = None
) -> Registration:
    answers = {"workshops": tuple(ranking)} if ranking else {}
    return Registration(
        id=rid,
        event_id=(event or workshops_event()).id,
        registrant=Registrant(name=f"Person {rid}", email=f"{rid}@example.org"),
        submitted_at=SUBMITTED,
        answers=answers,
        status="selected",
    )


def with_capacities(event: Event, **capacity: int | None) -> Event:
    sessions = tuple(
        attrs.evolve(s, capacity=capacity[s.id.replace("-", "_")])
        if s.id.replace("-", "_") in capacity
        else s
        for s in event.sessions
    )
    return attrs.evolve(event, sessions=sessions)


def score(assignment: WorkshopAssignment) -> int:
    return assignment.total_score


# -- the rules hold ----------------------------------------------------------------------------


def test_everyone_gets_one_workshop_within_the_capacities() -> None:
    event = workshops_event()
    rng = random.Random(7)
    people = [
        registration(f"r{i:02}", rng.sample(["ws-a", "ws-b", "ws-c"], k=rng.randint(0, 3)))
        for i in range(40)
    ]
    result = assign_workshops(people, event, seed=1)
    assert Counter(p.registration_id for p in result.placements) == {r.id: 1 for r in people}
    assert all(count <= 15 for count in result.session_counts().values())
    assert sum(result.session_counts().values()) == 40
    assert set(result.rooms()) == {r.id for r in people}


def test_first_choices_are_given_while_places_last() -> None:
    event = workshops_event()
    people = [registration(f"r{i:02}", ["ws-a", "ws-b", "ws-c"]) for i in range(20)]
    result = assign_workshops(people, event, seed=3)
    assert result.choice_counts() == {1: 15, 2: 5}
    assert result.session_counts() == {"ws-a": 15, "ws-b": 5, "ws-c": 0}
    assert result.total_score == 15 * 3 + 5 * 2
    assert result.summary() == "1st choice: 15, 2nd choice: 5"


def test_the_total_beats_serving_people_one_by_one() -> None:
    # Serial dictatorship in any order gives someone ws-a and leaves the one person who
    # can only take ws-a (everything else unwanted) to a session they did not rank.
    event = with_capacities(workshops_event(), ws_a=1, ws_b=1, ws_c=1)
    people = [registration("flexible", ["ws-a", "ws-b"]), registration("only-a", ["ws-a"])]
    result = assign_workshops(people, event, seed=0)
    assert result.placement("only-a").session_id == "ws-a"
    assert result.placement("flexible").session_id == "ws-b"
    assert result.placement("flexible").rank == 2


def test_a_second_choice_is_explained_by_the_full_first_choice() -> None:
    event = with_capacities(workshops_event(), ws_a=1)
    people = [registration("r1", ["ws-a", "ws-b"]), registration("r2", ["ws-a", "ws-b"])]
    result = assign_workshops(people, event, seed=11)
    second = next(p for p in result.placements if p.rank == 2)
    first = next(p for p in result.placements if p.rank == 1)
    assert second.reason == (
        f"slot-1: ws-b, 2nd choice (ws-a (1st) is full: 1 of 1 places; "
        f"lottery position {second.lottery_position})"
    )
    assert first.reason == "slot-1: ws-a, 1st choice"
    # the tie (same rankings, one place) went to the better ticket
    assert first.lottery_position < second.lottery_position


def test_someone_who_ranked_nothing_gets_a_place_left_and_is_told_so() -> None:
    result = assign_workshops([registration("quiet")], workshops_event(), seed=1)
    placement = result.placement("quiet", "slot-1")
    assert placement.rank is None
    assert "ranked none of this slot's sessions" in placement.reason
    assert result.choice_counts() == {None: 1}
    assert result.summary() == "not ranked: 1"
    assert result.total_score == 0


def test_a_cancelled_workshop_is_skipped_and_the_next_choice_moves_up() -> None:
    event = workshops_event().cancel_session("ws-a")
    result = assign_workshops([registration("r1", ["ws-a", "ws-c", "ws-b"])], event, seed=1)
    assert (result.placement("r1").session_id, result.placement("r1").rank) == ("ws-c", 1)


def test_each_slot_is_placed_from_its_own_part_of_the_ranking() -> None:
    event = workshops_event()
    late = tuple(
        attrs.evolve(s, id=s.id.replace("ws", "pm"), start=s.start + dt.timedelta(hours=4),
                     end=s.end + dt.timedelta(hours=4))
        for s in event.sessions[1:4]
    )  # fmt: skip
    event = attrs.evolve(event, sessions=(*event.sessions, *late))
    assert [s.id for s in event.choice_slots] == ["slot-1", "slot-2"]
    result = assign_workshops(
        ["r1"], event, seed=5, rankings={"r1": ["pm-b", "ws-c", "pm-a", "ws-a"]}
    )
    assert result.rooms() == {"r1": ("ws-c", "pm-b")}
    assert [p.rank for p in result.placements] == [1, 1]
    assert result.choice_counts("slot-2") == {1: 1}


def test_rankings_come_from_the_answers_to_the_ranking_questions() -> None:
    event = workshops_event()
    people = [registration("r1", ["ws-b", "ws-a"]), registration("r2")]
    assert rankings_of(event, people) == {"r1": ("ws-b", "ws-a"), "r2": ()}
    # rankings= replaces the answers of the people it names
    result = assign_workshops(
        people, event, seed=1, rankings={"r1": ["ws-c"], "not-placed": ["ws-a"]}
    )
    assert result.placement("r1").session_id == "ws-c"
    assert {p.registration_id for p in result.placements} == {"r1", "r2"}


# -- exact: the best total, ties to the better ticket ----------------------------------------


def _brute_force(
    order: Sequence[str],
    ranks: Mapping[str, Mapping[str, int]],
    capacities: Mapping[str, int],
    unranked: int,
) -> tuple[int, int]:
    """The best (total rank, tie-break total) over every placement, by enumeration."""
    best: tuple[int, int] | None = None
    sessions = sorted(capacities)
    for choice in itertools.product(sessions, repeat=len(order)):
        if any(choice.count(s) > capacities[s] for s in sessions):
            continue
        r = [ranks[rid].get(s, unranked) for rid, s in zip(order, choice, strict=True)]
        key = (sum(r), sum((len(order) - i) * x for i, x in enumerate(r)))
        best = key if best is None or key < best else best
    assert best is not None
    return best


@settings(max_examples=60, deadline=None)
@given(
    rankings=st.lists(
        st.lists(st.sampled_from(["ws-a", "ws-b", "ws-c"]), unique=True, max_size=3),
        min_size=1,
        max_size=6,
    ),
    capacities=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(0, 4)),
    seed=st.integers(0, 2**32),
)
def test_the_placement_is_the_best_there_is(
    rankings: list[list[str]], capacities: tuple[int, int, int], seed: int
) -> None:
    event = workshops_event()
    caps = dict(zip(["ws-a", "ws-b", "ws-c"], capacities, strict=True))
    if caps["ws-c"] == 0:  # no capacity of its own: as many places as people
        caps["ws-c"] = len(rankings)
        event = with_capacities(event, ws_a=capacities[0], ws_b=capacities[1], ws_c=None)
    else:
        event = with_capacities(event, ws_a=capacities[0], ws_b=capacities[1], ws_c=capacities[2])
    ids = [f"r{i}" for i in range(len(rankings))]
    given_rankings = dict(zip(ids, rankings, strict=True))
    if sum(caps.values()) < len(ids):
        with pytest.raises(WorkshopCapacityError):
            assign_workshops(ids, event, seed=seed, rankings=given_rankings)
        return
    result = assign_workshops(ids, event, seed=seed, rankings=given_rankings)
    order = sorted(ids, key=lambda rid: workshop_ticket(seed, event.id, rid))
    ranks = {rid: {s: i for i, s in enumerate(r, 1)} for rid, r in given_rankings.items()}
    got = [ranks[rid].get(result.placement(rid).session_id, 4) for rid in order]
    ours = (sum(got), sum((len(order) - i) * x for i, x in enumerate(got)))
    assert ours == _brute_force(order, ranks, caps, unranked=4)
    assert all(n <= caps[s] for s, n in result.session_counts().items())


def test_the_result_does_not_depend_on_the_input_order() -> None:
    event = workshops_event()
    rng = random.Random(2)
    people = [
        registration(f"r{i:02}", rng.sample(["ws-a", "ws-b", "ws-c"], k=2)) for i in range(40)
    ]
    first = assign_workshops(people, event, seed=9)
    shuffled = list(people)
    random.Random(3).shuffle(shuffled)
    assert assign_workshops(shuffled, event, seed=9) == first
    assert assign_workshops(people, event, seed=10) != first  # the seed decides the ties


def test_the_ticket_is_the_hash_of_the_seed_event_and_registration() -> None:
    text = '["workshops", 2023, "ran-ws", "r-0001"]'
    assert workshop_ticket(2023, "ran-ws", "r-0001") == hashlib.sha256(text.encode()).hexdigest()


# -- refusals ----------------------------------------------------------------------------------


def test_too_few_places_name_the_slot_and_the_shortfall() -> None:
    event = with_capacities(workshops_event(), ws_a=2, ws_b=2, ws_c=2)
    with pytest.raises(WorkshopCapacityError, match=r"slot-1 \(ws-a, ws-b, ws-c\) has 6 places "
                       r"for 8 people: 2 short") as caught:  # fmt: skip
        assign_workshops([f"r{i}" for i in range(8)], event, seed=1)
    assert (caught.value.slot, caught.value.shortfall) == ("slot-1", 2)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("participants", "rankings", "seed", "match"),
    [
        (["r1", "r1"], None, 1, "each participant once"),
        ([""], None, 1, "a Registration or a registration id"),
        (["r1"], {"r1": ["plenary"]}, 1, "choice session ids"),
        (["r1"], {"r1": ["ws-a", "ws-a"]}, 1, "each session once"),
        (["r1"], {"r1": "ws-a"}, 1, "not a text"),
        (["r1"], None, True, "a whole number"),
    ],
)
def test_bad_input_is_refused(
    participants: list[str], rankings: dict[str, object] | None, seed: object, match: str
) -> None:
    with pytest.raises(InvalidValue, match=match):
        assign_workshops(participants, workshops_event(), seed=seed, rankings=rankings)  # type: ignore[arg-type]


def test_a_registration_of_another_event_is_refused() -> None:
    other = attrs.evolve(registration("r1"), event_id="another")
    with pytest.raises(InvalidValue, match="a registration for event 'ran-families-2024'"):
        assign_workshops([other], workshops_event(), seed=1)


def test_an_event_without_choice_sessions_places_nobody() -> None:
    result = assign_workshops(["r1"], webinar(), seed=1)
    assert (result.placements, result.rooms(), result.summary()) == ((), {}, "nobody placed")


def test_nobody_to_place_gives_an_empty_assignment() -> None:
    result = assign_workshops([], workshops_event(), seed=1)
    assert result.placements == ()
    assert result.session_counts() == {"ws-a": 0, "ws-b": 0, "ws-c": 0}


def test_placement_of_someone_unknown_is_a_key_error() -> None:
    result = assign_workshops(["r1"], workshops_event(), seed=1)
    with pytest.raises(KeyError, match="no placement of 'r2' in slot-1"):
        result.placement("r2", "slot-1")
    with pytest.raises(KeyError, match="no placement of 'r2'"):
        result.placement("r2")


def test_ordinals_and_summaries_read_as_english() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "111th"
    ]  # fmt: skip
    assert choice_summary({1: 3, 3: 1, None: 2}) == "1st choice: 3, 3rd choice: 1, not ranked: 2"


def test_the_benchmark_runs_and_the_exact_total_is_the_best(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "bench_workshops.py"
    spec = importlib.util.spec_from_file_location("bench_workshops", path)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--people", "60", "--draws", "5"]) == 0
    assert "ok: the exact placement's total is at least" in capsys.readouterr().out


def test_the_synthetic_pool_ranks_every_workshop_and_spans_a_dst_change() -> None:
    # The study visit's window (1 March to 1 April 2024) crosses the change to summer time:
    # submissions late in the window used to keep the winter offset and were refused.
    event = workshops_event()
    pool = synthetic_applicants(200, seed=4, event=event)
    assert all(event.registration.is_open(r.submitted_at) for r in pool)
    assert all(sorted(r.answers["workshops"]) == ["ws-a", "ws-b", "ws-c"] for r in pool)
    firsts = Counter(r.answers["workshops"][0] for r in pool)
    assert firsts["ws-a"] > firsts["ws-b"] > firsts["ws-c"]  # the popularity skew
    event.form.check({"workshops": pool[0].answers["workshops"]})
