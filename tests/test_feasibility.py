"""Tests of the exact ordered fill and the feasibility oracle (selection/_feasibility.py)."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.strategies import SelectionProblem, meets_constraints, selection_problems

from ran_events.errors import InfeasibleSelection, InvalidValue
from ran_events.selection.constraints import _feasibility as feasibility
from ran_events.selection.constraints._feasibility import (
    Allocation,
    FeasibilityOracle,
    SkipReason,
    allocate,
    can_admit,
    is_valid_selection,
)
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota

# --------------------------------------------------------------------------------------------
# A brute-force reference for small pools


def _valid(profiles: Sequence[Profile], constraints: Constraints, chosen: Sequence[int]) -> bool:
    return not is_valid_selection(profiles, constraints, chosen)


def _best_in_order(
    profiles: Sequence[Profile], constraints: Constraints, order: Sequence[int]
) -> tuple[int, ...] | None:
    """The lexicographically first valid selection of the largest size, in ``order``."""
    best: tuple[int, ...] | None = None
    best_key: tuple[int, tuple[bool, ...]] | None = None
    for mask in itertools.product((True, False), repeat=len(order)):
        chosen = tuple(i for i, keep in zip(order, mask, strict=True) if keep)
        if len(chosen) > constraints.capacity:
            continue
        if not meets_constraints(profiles, constraints, chosen):
            continue
        key = (len(chosen), mask)
        if best_key is None or key > best_key:
            best, best_key = chosen, key
    return best


def _completable(
    profiles: Sequence[Profile],
    constraints: Constraints,
    chosen: Sequence[int],
    pool: Sequence[int],
    size: int | None = None,
) -> bool:
    extra = [i for i in dict.fromkeys(pool) if i not in chosen]
    for r in range(len(extra) + 1):
        for more in itertools.combinations(extra, r):
            full = [*chosen, *more]
            if (size is None or len(full) == size) and meets_constraints(
                profiles, constraints, full
            ):
                return True
    return False


# --------------------------------------------------------------------------------------------
# Exactness against brute force


@settings(max_examples=400, deadline=None)
@given(selection_problems())
def test_allocate_is_the_first_fullest_valid_selection(problem: SelectionProblem) -> None:
    profiles, constraints, order = problem
    expected = _best_in_order(profiles, constraints, order)
    if expected is None:
        with pytest.raises(InfeasibleSelection) as caught:
            allocate(profiles, constraints, order)
        assert caught.value.conflicts
        return
    result = allocate(profiles, constraints, order)
    assert result.selected == expected
    assert result.target == len(expected)
    assert is_valid_selection(profiles, constraints, result.selected) == []
    assert set(result.skipped) == set(order) - set(result.selected)
    assert all(reason.sentence for reason in result.skipped.values())
    attributes = constraints.attributes
    for (attribute, value), count in result.counts.items():
        a = attributes.index(attribute)
        assert count == sum(1 for i in result.selected if profiles[i][a] == value)


def _first_of_size(
    profiles: Sequence[Profile], constraints: Constraints, order: Sequence[int], size: int
) -> tuple[int, ...] | None:
    """The lexicographically first valid selection of exactly ``size``, in ``order``."""
    for mask in itertools.product((True, False), repeat=len(order)):
        chosen = tuple(i for i, keep in zip(order, mask, strict=True) if keep)
        if len(chosen) == size and meets_constraints(profiles, constraints, chosen):
            return chosen
    return None


@settings(max_examples=300, deadline=None)
@given(selection_problems(max_applicants=8), st.data())
def test_allocate_with_a_size_is_the_first_valid_selection_of_that_size(
    problem: SelectionProblem, data: st.DataObject
) -> None:
    profiles, constraints, order = problem
    size = data.draw(st.integers(0, constraints.capacity))
    expected = _first_of_size(profiles, constraints, order, size)
    if expected is None:
        with pytest.raises(InfeasibleSelection) as caught:
            allocate(profiles, constraints, order, size=size)
        most = _best_in_order(profiles, constraints, order)
        if most is not None and len(most) < size:
            assert caught.value.conflicts[0] == (
                f"the constraints allow at most {len(most)} of the {size} places to be filled"
            )
        return
    result = allocate(profiles, constraints, order, size=size)
    assert result.selected == expected
    assert result.target == size
    assert set(result.skipped) == set(order) - set(result.selected)


@settings(max_examples=150, deadline=None)
@given(selection_problems(), st.randoms(use_true_random=False))
def test_allocate_ignores_how_profiles_are_listed(
    problem: SelectionProblem, random: st.Random
) -> None:
    profiles, constraints, order = problem
    listing = list(range(len(profiles)))
    random.shuffle(listing)  # profile i is listed at listing[i]
    relisted: list[Profile] = [()] * len(profiles)
    for i, place in enumerate(listing):
        relisted[place] = profiles[i]
    back = {place: i for i, place in enumerate(listing)}
    relisted_order = [listing[i] for i in order]
    if _best_in_order(profiles, constraints, order) is None:
        with pytest.raises(InfeasibleSelection) as first_error:
            allocate(profiles, constraints, order)
        with pytest.raises(InfeasibleSelection) as second_error:
            allocate(relisted, constraints, relisted_order)
        assert first_error.value.conflicts == second_error.value.conflicts
        return
    first = allocate(profiles, constraints, order)
    second = allocate(relisted, constraints, relisted_order)
    assert tuple(back[i] for i in second.selected) == first.selected
    assert {back[i]: reason for i, reason in second.skipped.items()} == dict(first.skipped)
    assert second.target == first.target
    assert dict(second.counts) == dict(first.counts)


@settings(max_examples=200, deadline=None)
@given(selection_problems(max_applicants=8), st.data())
def test_can_admit_and_can_complete_match_brute_force(
    problem: SelectionProblem, data: st.DataObject
) -> None:
    profiles, constraints, _order = problem
    assume(profiles)
    everyone = range(len(profiles))
    selected = data.draw(st.lists(st.sampled_from(everyone), unique=True, max_size=3))
    candidate = data.draw(st.sampled_from([i for i in everyone if i not in selected] or [0]))
    pool = data.draw(st.lists(st.sampled_from(everyone), unique=True))
    assume(candidate not in selected)
    expected = _completable(profiles, constraints, [*selected, candidate], pool)
    assert can_admit(profiles, constraints, selected, candidate, pool) == expected
    size = data.draw(st.integers(0, 6))
    oracle = FeasibilityOracle(profiles, constraints)
    assert oracle.can_complete(selected, pool, size=size) == _completable(
        profiles, constraints, selected, pool, size
    )


@settings(max_examples=200, deadline=None)
@given(selection_problems())
def test_oracle_max_fill_and_witness(problem: SelectionProblem) -> None:
    profiles, constraints, _order = problem
    expected = _best_in_order(profiles, constraints, range(len(profiles)))
    oracle = FeasibilityOracle(profiles, constraints)
    if expected is None:
        with pytest.raises(InfeasibleSelection):
            oracle.check_feasible()
        return
    oracle.check_feasible()
    assert oracle.max_fill() == len(expected)
    witness = oracle.witness()
    assert len(witness) == len(expected)
    assert meets_constraints(profiles, constraints, witness)


@settings(max_examples=200, deadline=None)
@given(selection_problems(), st.data())
def test_is_valid_selection_agrees_with_an_independent_check(
    problem: SelectionProblem, data: st.DataObject
) -> None:
    profiles, constraints, _order = problem
    chosen = data.draw(st.permutations(range(len(profiles))))[: data.draw(st.integers(0, 9))]
    problems = is_valid_selection(profiles, constraints, chosen)
    assert (problems == []) == meets_constraints(profiles, constraints, chosen)


# --------------------------------------------------------------------------------------------
# Hand-solved facts


def _yes_no(attribute: str, value: str, low: int, high: int | None) -> Quota:
    return Quota(attribute=attribute, value=value, min=low, max=high)


AGE_GROUP = Constraints(
    capacity=2,
    quotas=(
        _yes_no("age", "child", 1, 2),
        _yes_no("age", "adult", 1, 2),
        _yes_no("group", "A", 1, 2),
        _yes_no("group", "B", 1, 2),
    ),
)
AGE_GROUP_POOL: list[Profile] = [
    ("child", "A"),
    ("adult", "A"),
    ("child", "B"),
    ("child", "B"),
    ("adult", "B"),
]


def test_age_and_group_quotas_are_feasible() -> None:
    result = allocate(AGE_GROUP_POOL, AGE_GROUP, range(5))
    assert result.selected == (0, 4)
    assert result.target == 2
    assert result.skipped[1] == SkipReason(
        code="quota-reserve",
        constraint=AGE_GROUP.quotas[3],
        value="B",
        sentence="the place left is needed for group=B (min 1, 0 selected)",
    )
    assert FeasibilityOracle(AGE_GROUP_POOL, AGE_GROUP).max_fill() == 2


THREE_YES = Constraints(
    capacity=2, quotas=tuple(_yes_no(name, "yes", 1, 1) for name in ("a", "b", "c"))
)
ALL_YES_FIRST: list[Profile] = [
    ("yes", "yes", "yes"),
    ("yes", "no", "no"),
    ("no", "yes", "no"),
    ("no", "no", "yes"),
]


def test_three_exactly_one_quotas_with_an_all_yes_applicant_fill_one_place() -> None:
    # (yes, yes, yes) alone meets "exactly one yes" on all three attributes; any pair breaks
    # a maximum or misses a minimum, so one place is the most that can be filled.
    pool = ALL_YES_FIRST
    result = allocate(pool, THREE_YES, [1, 2, 3, 0])
    assert result.selected == (0,)
    assert result.target == 1
    assert result.skipped[1].code == "quota-reserve"


def test_three_exactly_one_quotas_with_an_all_yes_applicant_cannot_fill_two_places() -> None:
    # The fact: a selection that must fill both places does not exist.
    pool = ALL_YES_FIRST
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(pool, THREE_YES, [1, 2, 3, 0], size=2)
    error = caught.value
    assert error.conflicts == (
        "the constraints allow at most 1 of the 2 places to be filled",
        "a=yes min 1",
        "b=yes min 1",
        "c=yes min 1",
        "a=yes min 1 max 1",
        "b=yes min 1 max 1",
        "c=yes min 1 max 1",
    )
    assert error.relaxations == (
        'fill only 1 place (parameter fill = "most")',
        "drop the minimum a=yes min 1",
        "drop the minimum b=yes min 1",
        "drop the minimum c=yes min 1",
    )
    assert allocate(pool, THREE_YES, [1, 2, 3, 0], size=1).selected == (0,)
    with pytest.raises(InfeasibleSelection, match="at most 1 of the 2 places"):
        FeasibilityOracle(pool, THREE_YES, size=2).max_fill()


def test_an_exact_size_below_the_most_fills_that_many() -> None:
    constraints = Constraints(capacity=4, quotas=(_yes_no("role", "prison", 1, None),))
    pool = _roles("police", "police", "prison", "police", "youth")
    result = allocate(pool, constraints, range(5), size=2)
    assert result.selected == (0, 2)
    assert result.target == 2
    assert result.skipped[1].sentence == (
        "the place left is needed for role=prison (min 1, 0 selected)"
    )
    assert result.skipped[3] == SkipReason(
        code="capacity", sentence="all 2 places to fill are taken (capacity 4)"
    )
    oracle = FeasibilityOracle(pool, constraints, size=2)
    assert oracle.max_fill() == 2
    assert len(oracle.witness()) == 2
    assert oracle.can_complete([0], [1, 3]) is False
    assert oracle.can_complete([0], [2])
    assert oracle.can_complete([2], [], size=1)


def test_an_exact_size_that_the_minimums_exceed_says_how_many_can_be_filled() -> None:
    # Not "at most": here the minimums need more places than asked for.
    constraints = Constraints(
        capacity=5,
        quotas=(_yes_no("role", "prison", 2, None), _yes_no("role", "exit", 1, None)),
    )
    pool = _roles("prison", "prison", "exit", "police")
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(pool, constraints, range(4), size=2)
    assert caught.value.conflicts[0] == (
        "no selection of exactly 2 places meets the constraints (4 can)"
    )
    assert caught.value.relaxations[0] == "fill 4 places"


def test_an_exact_size_without_any_valid_selection_gives_the_plain_diagnosis() -> None:
    pool: list[Profile] = [("yes", "no", "no"), ("no", "yes", "no"), ("no", "no", "yes")]
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(pool, THREE_YES, [0, 1, 2], size=2)
    assert caught.value.conflicts[-1] == "capacity 2"


@pytest.mark.parametrize("size", [-1, 3])
def test_a_size_outside_the_capacity_is_refused(size: int) -> None:
    with pytest.raises(InvalidValue, match="size"):
        allocate([("yes", "yes", "yes")], THREE_YES, [0], size=size)


def test_three_exactly_one_quotas_without_it_are_infeasible_and_named() -> None:
    pool: list[Profile] = [("yes", "no", "no"), ("no", "yes", "no"), ("no", "no", "yes")]
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(pool, THREE_YES, [0, 1, 2])
    error = caught.value
    assert error.conflicts == ("a=yes min 1", "b=yes min 1", "c=yes min 1", "capacity 2")
    assert error.relaxations[0] == "raise capacity to 3"
    assert "drop the minimum a=yes min 1" in error.relaxations
    assert "a=yes min 1" in str(error)


# --------------------------------------------------------------------------------------------
# Diagnosis


def _roles(*roles: str) -> list[Profile]:
    return [(role,) for role in roles]


def test_a_minimum_above_the_eligible_applicants_is_named() -> None:
    constraints = Constraints(capacity=10, quotas=(_yes_no("role", "exit", 4, None),))
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(_roles("exit", "exit", "police"), constraints, [0, 1, 2])
    assert caught.value.conflicts == ("role=exit min 4 but only 2 eligible applicants",)
    assert caught.value.relaxations == ("lower role=exit min to 2",)


def test_minimums_above_the_capacity_are_named() -> None:
    constraints = Constraints(
        capacity=40,
        quotas=(_yes_no("role", "prison", 25, None), _yes_no("role", "exit", 20, None)),
    )
    pool = _roles(*(["prison"] * 30 + ["exit"] * 30))
    with pytest.raises(InfeasibleSelection) as caught:
        FeasibilityOracle(pool, constraints).check_feasible()
    assert caught.value.conflicts == ("sum of role minimums 45 exceeds capacity 40",)
    assert "raise capacity to 45" in caught.value.relaxations


def test_a_minimum_above_its_maximum_or_cap_is_named() -> None:
    constraints = Constraints(
        capacity=10,
        quotas=(_yes_no("role", "exit", 4, 3), _yes_no("role", "police", 3, None)),
        caps=(Cap(attribute="role", limit=2),),
    )
    with pytest.raises(InfeasibleSelection) as caught:
        FeasibilityOracle(_roles(*["exit", "police"] * 5), constraints).check_feasible()
    assert caught.value.conflicts == (
        "role=exit min 4 exceeds its max 3",
        "role=exit min 4 exceeds the cap role <= 2 each",
        "role=police min 3 exceeds the cap role <= 2 each",
    )
    # Three conflicts: no change of one bound is enough, so each relaxation combines them.
    assert caught.value.relaxations
    for remedy in caught.value.remedies:
        relaxed = remedy.relax(constraints)
        FeasibilityOracle(_roles(*["exit", "police"] * 5), relaxed).check_feasible()
    assert any("raise the role cap to" in text for text in caught.value.relaxations)


def test_a_cap_that_starves_a_minimum_is_found_by_the_deletion_filter() -> None:
    # Both prison applicants work for the same organisation, capped at one each.
    constraints = Constraints(
        capacity=5,
        quotas=(_yes_no("role", "prison", 2, None), _yes_no("role", "police", 1, None)),
        caps=(Cap(attribute="organisation", limit=1),),
    )
    pool: list[Profile] = [("x", "prison"), ("x", "prison"), ("y", "police")]
    with pytest.raises(InfeasibleSelection) as caught:
        allocate(pool, constraints, [0, 1, 2])
    assert caught.value.conflicts == ("role=prison min 2", "organisation <= 1 each")
    assert caught.value.relaxations == ("lower role=prison min to 1",)


# --------------------------------------------------------------------------------------------
# Skip reasons


def test_caps_maxima_and_capacity_are_given_as_reasons() -> None:
    constraints = Constraints(
        capacity=3,
        quotas=(_yes_no("role", "police", 0, 1),),
        caps=(Cap(attribute="country", limit=1),),
    )
    pool: list[Profile] = [
        ("BE", "police"),
        ("BE", "youth"),
        ("FR", "police"),
        ("FR", "youth"),
        ("NL", "youth"),
        ("DE", "youth"),
    ]
    result = allocate(pool, constraints, range(6))
    assert result.selected == (0, 3, 4)
    assert result.skipped == {
        1: SkipReason(
            code="cap",
            constraint=constraints.caps[0],
            value="BE",
            sentence="country=BE already at its cap of 1",
        ),
        2: SkipReason(
            code="max",
            constraint=constraints.quotas[0],
            value="police",
            sentence="role=police already at its max of 1",
        ),
        5: SkipReason(code="capacity", sentence="all 3 places filled"),
    }


def test_a_shortfall_says_how_many_places_can_be_filled() -> None:
    constraints = Constraints(capacity=5, caps=(Cap(attribute="country", limit=1),))
    result = allocate([("BE",), ("BE",), ("FR",)], constraints, [0, 1, 2])
    assert result.selected == (0, 2)
    assert result.skipped[1].code == "cap"
    constraints = Constraints(capacity=1, caps=(Cap(attribute="country", limit=1),))
    result = allocate([("BE",), ("FR",)], constraints, [0, 1])
    assert result.skipped[1].sentence == "all 1 places filled"
    constraints = Constraints(capacity=3, caps=(Cap(attribute="country", limit=1),))
    result = allocate([("BE",), ("BE",)], constraints, [0, 1])
    assert result.skipped[1] == SkipReason(
        code="cap",
        constraint=constraints.caps[0],
        value="BE",
        sentence="country=BE already at its cap of 1",
    )


def test_an_applicant_that_would_prevent_a_full_selection_is_skipped_to_fill() -> None:
    # Country and organisation capped at one: taking (P, X) first leaves nobody compatible.
    constraints = Constraints(
        capacity=2,
        caps=(Cap(attribute="country", limit=1), Cap(attribute="org", limit=1)),
    )
    pool: list[Profile] = [("P", "X"), ("Q", "X"), ("P", "Y")]
    result = allocate(pool, constraints, [0, 1, 2])
    assert result.selected == (1, 2)
    assert result.skipped[0] == SkipReason(
        code="fill",
        sentence="admitting would leave too few compatible applicants to fill all 2 places",
    )
    assert result.solver_calls >= 1
    full = allocate(pool, Constraints(capacity=3, caps=constraints.caps), [0, 1, 2])
    assert full.skipped[0].sentence == (
        "admitting would leave too few compatible applicants to fill all 2 places"
    )


PRISON_ONE_PER_COUNTRY = Constraints(
    capacity=3,
    quotas=(_yes_no("role", "prison", 1, None),),
    caps=(Cap(attribute="country", limit=1),),
)


def test_an_applicant_that_would_starve_a_minimum_is_skipped_by_the_solver() -> None:
    # The only prison applicants are from BE, capped at 1: a BE youth worker must wait.
    pool: list[Profile] = [("BE", "youth"), ("FR", "youth"), ("BE", "prison"), ("BE", "youth")]
    result = allocate(pool, PRISON_ONE_PER_COUNTRY, [0, 1, 2, 3])
    assert result.selected == (1, 2)
    assert result.skipped[0] == SkipReason(
        code="quota-reserve",
        sentence="admitting would leave no way to meet role=prison min 1 with the applicants left",
    )
    assert result.skipped[3].code == "cap"


def test_a_repeated_blocked_type_keeps_its_reason() -> None:
    pool: list[Profile] = [
        ("BE", "youth"),
        ("BE", "youth"),
        ("FR", "youth"),
        ("BE", "prison"),
    ]
    result = allocate(pool, PRISON_ONE_PER_COUNTRY, [0, 1, 2, 3])
    assert result.selected == (2, 3)
    assert result.skipped[1] == result.skipped[0]
    assert result.skipped[0].code == "quota-reserve"


def test_several_unmet_minimums_are_listed() -> None:
    constraints = Constraints(
        capacity=3,
        quotas=(_yes_no("role", "prison", 1, None), _yes_no("role", "exit", 1, None)),
    )
    pool = _roles("police", "police", "prison", "exit")
    result = allocate(pool, constraints, [0, 1, 2, 3])
    assert result.selected == (0, 2, 3)
    assert result.skipped[1].sentence == (
        "the 2 places left are needed for role=prison (min 1, 0 selected), "
        "role=exit (min 1, 0 selected)"
    )


# --------------------------------------------------------------------------------------------
# Validation and the lazy import


def test_is_valid_selection_lists_every_broken_constraint() -> None:
    constraints = Constraints(
        capacity=2,
        quotas=(_yes_no("role", "prison", 1, None), _yes_no("role", "police", 0, 1)),
        caps=(Cap(attribute="country", limit=1),),
    )
    pool: list[Profile] = [("BE", "police"), ("BE", "police"), ("FR", "police")]
    assert is_valid_selection(pool, constraints, [0, 1, 2, 2]) == [
        "an applicant is selected more than once",
        "4 selected but the capacity is 2",
        "role=prison min 1 but 0 selected",
        "role=police max 1 but 4 selected",
        "country=BE: 2 selected, cap 1",
        "country=FR: 2 selected, cap 1",
    ]


@pytest.mark.parametrize(
    ("profiles", "order", "field"),
    [
        ([("BE",)], [1], "order"),
        ([("BE",)], [0, 0], "order"),
        ([("BE", "x")], [0], "profiles[0]"),
    ],
)
def test_bad_input_is_refused(profiles: list[Profile], order: list[int], field: str) -> None:
    constraints = Constraints(capacity=1, caps=(Cap(attribute="country", limit=1),))
    with pytest.raises(InvalidValue) as caught:
        allocate(profiles, constraints, order)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "constraints",
    [
        Constraints(capacity=-1),
        Constraints(capacity=1, quotas=(_yes_no("role", "x", -1, None),)),
        Constraints(capacity=1, quotas=(_yes_no("role", "x", 0, -1),)),
        Constraints(capacity=1, caps=(Cap(attribute="role", limit=-1),)),
    ],
)
def test_negative_bounds_are_refused(constraints: Constraints) -> None:
    with pytest.raises(InvalidValue):
        FeasibilityOracle([], constraints)


def test_allocation_is_frozen_and_compares_without_solver_calls() -> None:
    result = allocate(AGE_GROUP_POOL, AGE_GROUP, range(5))
    twin = Allocation(
        selected=result.selected,
        skipped=dict(result.skipped),
        target=result.target,
        counts=dict(result.counts),
        solver_calls=result.solver_calls + 7,
    )
    assert twin == result
    with pytest.raises(TypeError):
        result.skipped[9] = result.skipped[1]  # type: ignore[index]


def test_importing_the_package_does_not_import_scipy() -> None:
    code = (
        "import sys, ran_events, ran_events.selection.constraints._feasibility; "
        "print('scipy' in sys.modules, 'numpy' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.split() == ["False", "False"]


# --------------------------------------------------------------------------------------------
# The shortcuts against a walk that asks the solver about every applicant


@pytest.fixture
def checked_witness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-check the allocator's witness in full after every admission."""
    monkeypatch.setattr(feasibility, "_CHECK_WITNESS", True)


def _solver_only_walk(
    profiles: Sequence[Profile], constraints: Constraints, order: Sequence[int]
) -> tuple[int, ...]:
    oracle = FeasibilityOracle(profiles, constraints)
    target = FeasibilityOracle([profiles[i] for i in order], constraints).max_fill()
    chosen: list[int] = []
    for position, i in enumerate(order):
        if len(chosen) < target and oracle.can_complete(
            [*chosen, i], order[position + 1 :], size=target
        ):
            chosen.append(i)
    return tuple(chosen)


@pytest.mark.usefixtures("checked_witness")
@pytest.mark.parametrize("lookahead", [1, 8])
@pytest.mark.parametrize("seed", range(4))
def test_shortcuts_agree_with_the_solver_on_every_applicant(
    seed: int, lookahead: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short look-ahead makes the first, restricted solve run (and sometimes fail).
    monkeypatch.setattr(feasibility, "_LOOKAHEAD", lookahead)
    rng = random.Random(seed)
    countries = ["BE", "FR", "DE", "NL", "PL"]
    roles = ["prison", "police", "youth", "exit"]
    profiles: list[Profile] = []
    for _ in range(70):
        org = rng.randrange(25)
        profiles.append((countries[org % 5], f"org{org}", rng.choices(roles, [2, 5, 4, 1])[0]))
    # enough prison and exit workers, from distinct organisations, for the minimums
    profiles += [(countries[n], f"org{90 + n}", "prison" if n < 3 else "exit") for n in range(5)]
    constraints = Constraints(
        capacity=14,
        quotas=(
            _yes_no("role", "prison", 3, 6),
            _yes_no("role", "exit", 2, 4),
            _yes_no("role", "police", 0, 5),
            _yes_no("role", "youth", 1, None),
        ),
        caps=(Cap(attribute="country", limit=4), Cap(attribute="organisation", limit=2)),
    )
    order = list(range(len(profiles)))
    rng.shuffle(order)
    result = allocate(profiles, constraints, order)
    assert result.selected == _solver_only_walk(profiles, constraints, order)
    assert is_valid_selection(profiles, constraints, result.selected) == []
