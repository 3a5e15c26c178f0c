"""Tests of the balanced small groups (ran_events.groups._balanced)."""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence

import attrs
import pytest

from ran_events import examples
from ran_events.errors import (
    FacilitatorCountError,
    GroupSizeError,
    InvalidValue,
    NoParticipants,
    UnknownGroupAttribute,
    UnknownRegistration,
)
from ran_events.groups import (
    GroupAssignment,
    assign_groups,
    diversity,
    reassign,
)
from ran_events.models import Event, Registrant, Registration, Session

AT = dt.datetime(2023, 9, 1, 12, 0, tzinfo=dt.UTC)


def person(rid: str, role: str, country: str, organisation: str, **answers: str) -> Registration:
    return Registration(
        id=rid,
        event_id="ran-mh-pcve-2023",
        registrant=Registrant(
            name=f"Person {rid}",
            email=f"{rid}@example.org",
            role=role,
            country=country,
            organisation=organisation,
        ),
        submitted_at=AT,
        answers=answers,
    )


def crossed_four() -> list[Registration]:
    """Four people whose rules cannot all hold in two groups (country gives way)."""
    return [
        person("A", "police", "BE", "X"),
        person("B", "prison", "FI", "X"),
        person("C", "police", "FI", "Y"),
        person("D", "prison", "BE", "Y"),
    ]


@pytest.fixture(scope="module")
def pool() -> list[Registration]:
    """Thirty synthetic applicants (the webinar's capacity)."""
    return examples.synthetic_applicants(30, seed=11)


def broken_rules(assignment: GroupAssignment) -> list[str]:
    """Every hard rule the assignment breaks, recomputed here from the participants."""
    people = {p.id: p for p in assignment.participants}
    k = len(assignment.groups)
    n = len(people)
    broken = []
    sizes = [len(g) for g in assignment.groups]
    if max(sizes) - min(sizes) > 1 or sum(sizes) != n:
        broken.append(f"sizes {sizes}")
    for attribute in assignment.balance:
        totals = Counter(p.value_of(attribute) or "" for p in people.values())
        for group in assignment.groups:
            counts = Counter(people[m].value_of(attribute) or "" for m in group.members)
            for value, total in totals.items():
                if not total // k <= counts[value] <= math.ceil(total / k):
                    broken.append(f"balance {attribute} {value} group {group.number}")
    for attribute in assignment.apart:
        totals = Counter(p.value_of(attribute) for p in people.values() if p.value_of(attribute))
        for group in assignment.groups:
            counts = Counter(people[m].value_of(attribute) for m in group.members)
            for value, total in totals.items():
                if counts[value] > math.ceil(total / k):
                    broken.append(f"apart {attribute} {value} group {group.number}")
    return broken


def split(assignment: GroupAssignment) -> list[list[str]]:
    return [list(g.members) for g in assignment.groups]


# --------------------------------------------------------------------------------------------
# The hard rules


def test_thirty_into_five_groups_of_six_keeping_every_rule(pool: list[Registration]) -> None:
    assignment = assign_groups(pool, size=6, seed=2023)
    assert [len(g) for g in assignment.groups] == [6] * 5
    assert sorted(m for g in split(assignment) for m in g) == sorted(p.id for p in pool)
    assert broken_rules(assignment) == []
    assert assignment.relaxed == ()


@pytest.mark.parametrize(
    ("n", "size", "groups", "sizes"), [(31, 6, None, {5, 6}), (23, None, 4, {5, 6})]
)
def test_sizes_differ_by_one_at_most(
    n: int, size: int | None, groups: int | None, sizes: set[int]
) -> None:
    people = examples.synthetic_applicants(n, seed=3)
    assignment = assign_groups(people, size=size, groups=groups, seed=1)
    assert {len(g) for g in assignment.groups} == sizes
    assert all(len(g) <= 6 for g in assignment.groups)
    assert broken_rules(assignment) == []


def test_colleagues_are_apart_where_a_random_split_puts_them_together() -> None:
    # Four groups; each organisation sends four people, of four roles.
    people = [
        person(f"r{o}{i}", ["police", "prison", "youth", "social"][i], "BE", f"Org {o}")
        for o in range(4)
        for i in range(4)
    ]
    assignment = assign_groups(people, groups=4, balance=("role",), seed=5)
    for group in assignment.groups:
        members = [p for p in people if p.id in group.members]
        assert len({p.registrant.organisation for p in members}) == 4
        assert len({p.registrant.role for p in members}) == 4
    assert broken_rules(assignment) == []


def test_an_infeasible_rule_is_relaxed_last_first_and_recorded() -> None:
    # A (X, police, BE), B (X, prison, FI), C (Y, police, FI), D (Y, prison, BE): colleagues
    # apart and one police officer per group force {A, D}, {B, C}: two BE in one group.
    assignment = assign_groups(crossed_four(), groups=2, seed=1)
    assert sorted(sorted(g) for g in split(assignment)) == [["A", "D"], ["B", "C"]]
    assert {(r.rule, r.attribute) for r in assignment.relaxed} == {("balance", "country")}
    relaxation = assignment.relaxed[0]
    assert (relaxation.low, relaxation.high) == (1, 1)
    assert relaxation.groups == (1, 2)
    assert "while apart organisation, balance role hold" in relaxation.reason
    assert "balance country relaxed" in assignment.reason("A")


def test_a_facilitator_gets_one_group_and_not_their_colleagues() -> None:
    people = [person(f"p{i}", ["police", "prison"][i % 2], "BE", f"Org {i}") for i in range(6)]
    lead = person("lead", "police", "BE", "Org 0")
    assignment = assign_groups(people, groups=2, facilitators=[lead, "Anna"], seed=3)
    assert sorted(g.facilitator for g in assignment.groups) == ["Anna", "lead"]
    with_lead = next(g for g in assignment.groups if g.facilitator == "lead")
    assert "p0" not in with_lead.members  # Org 0
    assert "facilitator lead" in assignment.explain(with_lead)


# --------------------------------------------------------------------------------------------
# Diversity and reproducibility


def test_diversity_beats_a_random_split_and_is_what_it_says(pool: list[Registration]) -> None:
    assignment = assign_groups(pool, size=6, seed=2023)
    attributes = ("role", "country", "organisation")
    labels = [assignment.group_of(p.id).number for p in pool]
    assert assignment.diversity == diversity(pool, labels, attributes)
    rng = random.Random(1)
    for _ in range(20):
        random_labels = [i % 5 for i in range(30)]
        rng.shuffle(random_labels)
        assert diversity(pool, random_labels, attributes) < assignment.diversity


def test_the_exchange_method_raises_diversity_and_keeps_the_rules() -> None:
    from ran_events.groups import _balanced

    people = examples.synthetic_applicants(40, seed=4)
    attributes = ("role", "country", "organisation")
    distances = _balanced._distances(_balanced._codes(people, attributes))
    # A start that balances the roles only (the program's split for balance=("role",)).
    problem = _balanced._problem(people, (), 4, ("role",), ())
    start, _, _ = _balanced._solve(problem)
    kept = _balanced._exchange(distances, list(start), 4, _balanced._bounds(problem, start, []))
    assert Counter(kept) == Counter(start)  # swaps keep the sizes
    roles = Counter(p.registrant.role for p in people)
    for g in range(4):
        here = Counter(people[i].registrant.role for i in range(40) if kept[i] == g)
        assert all(total // 4 <= here[r] <= -(-total // 4) for r, total in roles.items())
    assert diversity(people, kept, attributes) > diversity(people, start, attributes)
    # Without rules, from the worst start (sorted by role), it climbs too.
    order = sorted(range(40), key=lambda i: (people[i].registrant.role, i))
    worst = [0] * 40
    for rank, i in enumerate(order):
        worst[i] = rank // 10
    free = _balanced._exchange(distances, list(worst), 4, [])
    assert diversity(people, free, attributes) > diversity(people, worst, attributes)


def test_input_order_does_not_matter(pool: list[Registration]) -> None:
    shuffled = list(pool)
    random.Random(7).shuffle(shuffled)
    assert split(assign_groups(shuffled, size=6, seed=9)) == split(
        assign_groups(pool, size=6, seed=9)
    )


def test_the_seed_changes_the_groups(pool: list[Registration]) -> None:
    assert split(assign_groups(pool, size=6, seed=1)) != split(assign_groups(pool, size=6, seed=2))


def test_the_same_groups_under_another_pythonhashseed(pool: list[Registration]) -> None:
    code = (
        "from ran_events import examples; from ran_events.groups import assign_groups; "
        "a = assign_groups(examples.synthetic_applicants(30, seed=11), size=6, seed=9); "
        "print([list(g.members) for g in a.groups])"
    )
    outputs = set()
    for hashseed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout.strip())
    assert outputs == {str(split(assign_groups(pool, size=6, seed=9)))}


# --------------------------------------------------------------------------------------------
# Explanations, sessions, rows


def test_explain_counts_each_value_of_each_balanced_attribute() -> None:
    people = [
        person("a", "police", "FI", "o1"),
        person("b", "police", "SE", "o2"),
        person("c", "prison", "BE", "o3"),
        person("d", "prison", "DE", "o4"),
        person("e", "youth", "NL", "o5"),
    ]
    assignment = assign_groups(people, groups=1, seed=1)
    assert assignment.explain(1) == "group 1: 2 police, 2 prison, 1 youth; BE, DE, FI, NL, SE"
    assert assignment.composition(assignment.groups[0])["role"] == Counter(
        police=2, prison=2, youth=1
    )
    assert assignment.reason("e") == (
        "group 1: youth, NL, placed to mix role and country; "
        "no one else from the same organisation"
    )
    with pytest.raises(InvalidValue, match="a group number from 1 to 1"):
        assignment.explain(2)
    with pytest.raises(UnknownRegistration):
        assignment.reason("zz")


def test_a_missing_value_is_a_value_of_its_own() -> None:
    people = [person("a", "police", "", "o1"), person("b", "police", "FI", "o2")]
    assignment = assign_groups(people, groups=1, seed=1)
    assert assignment.explain(1) == "group 1: 2 police; FI, no country"


def test_groups_meet_in_the_event_breakout_sessions(webinar: Event) -> None:
    people = examples.synthetic_applicants(12, seed=2)
    shared = assign_groups(people, groups=3, seed=1, event=webinar)
    assert {g.session_id for g in shared.groups} == {"cases"}
    cases = next(s for s in webinar.sessions if s.id == "cases")
    rooms = [attrs.evolve(cases, id=f"room-{i}") for i in range(3)]
    plenary = [s for s in webinar.sessions if s.id != "cases"]
    event = attrs.evolve(webinar, sessions=[*plenary, *rooms])
    own = assign_groups(people, groups=3, seed=1, event=event)
    assert [g.session_id for g in own.groups] == ["room-0", "room-1", "room-2"]
    assert own.rooms()[own.groups[1].members[0]] == ("room-1",)
    none = assign_groups(people, groups=3, seed=1)
    assert {g.session_id for g in none.groups} == {""}
    assert none.rooms() == {}
    rows = own.rows()
    assert [(r.group, r.session_id) for r in rows[:1]] == [("1", "room-0")]
    assert rows[0].reason.startswith("group 1 (room-0): ")
    assert isinstance(plenary[0], Session)


# --------------------------------------------------------------------------------------------
# Reassignment


def test_a_withdrawal_that_breaks_nothing_moves_nobody(pool: list[Registration]) -> None:
    assignment = assign_groups(pool, size=6, seed=2023)
    harmless = []
    for p in pool:
        rest = attrs.evolve(
            assignment,
            participants=[q for q in pool if q.id != p.id],
            groups=tuple(
                attrs.evolve(g, members=tuple(m for m in g.members if m != p.id))
                for g in assignment.groups
            ),
        )
        if broken_rules(rest) == []:
            harmless.append(p.id)
    assert harmless
    again = reassign(assignment, withdrawn=[harmless[0]])
    assert again.moved == ()
    assert split(again) == [[m for m in g if m != harmless[0]] for g in split(assignment)]


def test_two_withdrawals_from_one_group_move_the_fewest(pool: list[Registration]) -> None:
    assignment = assign_groups(pool, size=6, seed=2023)
    gone = assignment.groups[0].members[:2]
    again = reassign(assignment, withdrawn=gone)
    assert broken_rules(again) == []
    assert 1 <= len(again.moved) <= 3
    assert sorted(len(g) for g in again.groups) == [5, 5, 6, 6, 6]
    assert "moved after withdrawals" in again.reason(again.moved[0])


def test_a_newcomer_is_placed_moving_few(pool: list[Registration]) -> None:
    assignment = assign_groups(pool[:29], size=6, seed=2023)
    again = reassign(assignment, added=[pool[29]])
    assert len(again.moved) <= 2
    assert pool[29].id not in again.moved
    assert len(again.participants) == 30
    assert broken_rules(again) == []


def test_reassign_refuses_unknown_and_too_many_withdrawals(pool: list[Registration]) -> None:
    assignment = assign_groups(pool[:6], groups=3, seed=1)
    with pytest.raises(UnknownRegistration):
        reassign(assignment, withdrawn=["nobody"])
    with pytest.raises(GroupSizeError, match="at least 3 people left"):
        reassign(assignment, withdrawn=[p.id for p in pool[:4]])


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"size": 6, "groups": 5}, GroupSizeError, "exactly one of size and groups"),
        ({}, GroupSizeError, "exactly one of size and groups"),
        ({"size": 1}, GroupSizeError, "at least 2"),
        ({"size": 31}, GroupSizeError, "at most 30"),
        ({"groups": 31}, GroupSizeError, "1 to 30 groups"),
        ({"size": 6, "balance": ("shoe size",)}, UnknownGroupAttribute, "shoe size"),
        ({"size": 6, "facilitators": ["a", "b"]}, FacilitatorCountError, "5 facilitators"),
    ],
)
def test_bad_arguments_are_specific_errors(
    pool: list[Registration], kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        assign_groups(pool, seed=1, **kwargs)  # type: ignore[arg-type]


def test_an_unknown_attribute_names_the_known_ones(pool: list[Registration]) -> None:
    with pytest.raises(UnknownGroupAttribute) as caught:
        assign_groups(pool, size=6, apart=("employer",), seed=1)
    assert caught.value.field == "apart"
    assert {"role", "country", "organisation", "motivation"} <= set(caught.value.known)
    assert isinstance(caught.value, ValueError)


def test_no_participants_and_repeats_are_refused(pool: Sequence[Registration]) -> None:
    with pytest.raises(NoParticipants):
        assign_groups([], size=6, seed=1)
    with pytest.raises(InvalidValue, match="each registration once"):
        assign_groups([pool[0], pool[0], pool[1]], groups=1, seed=1)


def test_an_answer_can_be_balanced() -> None:
    people = [
        person(f"p{i}", "police", "BE", f"o{i}", language=["fr", "nl"][i % 2]) for i in range(4)
    ]
    assignment = assign_groups(people, groups=2, balance=("language",), seed=1)
    for group in assignment.groups:
        assert sorted(assignment.composition(group)["language"].elements()) == ["fr", "nl"]


def test_reassign_keeps_the_facilitators_and_places_a_newcomer(pool: list[Registration]) -> None:
    assignment = assign_groups(pool[:12], groups=2, facilitators=["Anna", "Bram"], seed=4)
    newcomer = person("late", "police", "", "")
    again = reassign(assignment, withdrawn=[pool[0].id], added=[newcomer])
    assert [g.facilitator for g in again.groups] == [g.facilitator for g in assignment.groups]
    assert "late" in {m for g in again.groups for m in g.members}
    assert "no one else from the same" not in again.reason("late")  # no organisation given
    assert broken_rules(again) == []
