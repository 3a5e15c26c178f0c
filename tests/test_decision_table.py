"""Tests of the compact decisions of a selection: ``DecisionTable`` and the skip columns.

A large lottery's waiting list is held as columns and each decision is built when read; the
results must be exactly those built up front, decision by decision.
"""

from __future__ import annotations

import datetime as dt
import pickle
import tracemalloc
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest

from ran_events import tz
from ran_events.errors import InvalidPolicyConfig, InvalidValue, UnknownRegistration
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Event, QuotaBounds, Registration, RegistrationStatus, SelectionRules
from ran_events.selection import (
    Decision,
    DecisionTable,
    FirstComePolicy,
    LotteryPolicy,
    Outcome,
    Placing,
    Reason,
    ScorePolicy,
    SelectionResult,
    allocate,
    lottery_ticket,
    select,
)
from ran_events.selection import _result as result_module
from ran_events.selection._engine import (
    order_decisions,
    skip_reason,
    split_eligible,
    waitlist_reason,
)
from ran_events.selection._policy import Policy, eligibility_rules
from ran_events.selection._profiles import build_constraints, fill_of, profiles_of
from ran_events.selection._result import ParamValue
from ran_events.selection.constraints import Cap, Constraints, Quota

NOW = tz.localize(dt.datetime(2023, 9, 7, 10), "Europe/Brussels")


def eager_decisions(
    event: Event, pool: Sequence[Registration], policy: Policy
) -> tuple[Decision, ...]:
    """The decisions as ``select()`` built them before: every placing and decision up front."""
    rules = eligibility_rules(event.target_groups, event.selection.parameters)
    eligible, decisions = split_eligible(pool, rules)
    constraints = build_constraints(event.capacity, event.selection)
    placings = policy.order(eligible, event_id=event.id)
    by_id = {r.id: r for r in eligible}
    ordered = [by_id[p.registration_id] for p in placings]
    profiles = profiles_of(ordered, constraints)
    size = None
    if fill_of(event.selection.parameters) == "capacity":
        size = min(constraints.capacity, len(ordered))
    allocation = allocate(profiles, constraints, list(range(len(ordered))), size=size)
    mins = {(q.attribute, q.value): q.min for q in constraints.quotas if q.min}
    counts: dict[tuple[int, str], int] = {}
    for position in allocation.selected:
        placing = placings[position]
        sentence = f"{policy.name} rank {position + 1}"
        sentence += f" ({placing.summary})" if placing.summary else ""
        params: dict[str, ParamValue] = {
            "policy": policy.name,
            "rank": position + 1,
            "placing": placing.summary,
        }
        reasons = [Reason(code="rank", params=params, sentence=sentence)]
        for a, value in enumerate(profiles[position]):
            attribute = constraints.attributes[a]
            low, have = mins.get((attribute, value), 0), counts.get((a, value), 0)
            if have < low:
                reasons.append(
                    Reason(
                        code="quota-min",
                        params={"attribute": attribute, "value": value, "min": low},
                        sentence=f"counts towards {attribute}={value} min {low} "
                        f"({have} selected before)",
                    )
                )
            counts[a, value] = have + 1
        decisions[placing.registration_id] = Decision(
            registration_id=placing.registration_id,
            outcome=Outcome.SELECTED,
            rank=position + 1,
            reasons=reasons,
        )
    waiting = 0
    for position, registration in enumerate(ordered):
        skip = allocation.skipped.get(position)
        if skip is not None:
            waiting += 1
            decisions[registration.id] = Decision(
                registration_id=registration.id,
                outcome=Outcome.WAITLISTED,
                rank=position + 1,
                waitlist_position=waiting,
                reasons=(waitlist_reason(waiting), skip_reason(skip)),
            )
    return order_decisions(decisions.values())


def mixed_pool(size: int, seed: int) -> list[Registration]:
    """A synthetic pool (roles outside the target groups included) with some withdrawn."""
    pool = synthetic_applicants(size, seed=seed)
    return [
        r.transition(RegistrationStatus.WITHDRAWN, at=NOW) if i % 17 == 3 else r
        for i, r in enumerate(pool)
    ]


def event_for(policy: str, places: int, **parameters: Any) -> Event:
    quotas = {"role": {"police": QuotaBounds(min=2, max=places // 2)}}
    rules = SelectionRules(
        policy=policy,
        seed=None if policy == "first-come" else 11,
        quotas=quotas,
        caps={"country": max(2, places // 4), "organisation": 1},
        parameters=parameters,
    )
    return attrs.evolve(webinar(), capacity=places, selection=rules)


POLICIES: Mapping[str, Policy] = {
    "lottery": LotteryPolicy(seed=11),
    "first-come": FirstComePolicy(),
    "score": ScorePolicy(seed=11, weights={"role": {"police": 2.0, "prison": 1.0}}),
}


@pytest.mark.parametrize("name", sorted(POLICIES))
@pytest.mark.parametrize(("size", "places", "fill"), [(400, 20, "capacity"), (900, 60, "most")])
def test_the_compact_decisions_equal_those_built_up_front(
    name: str, size: int, places: int, fill: str
) -> None:
    """Decision for decision (codes, params, sentences, order), and the inputs in that order."""
    parameters = {"weights": {"role": {"police": 2, "prison": 1}}} if name == "score" else {}
    event = event_for(name, places, fill=fill, **parameters)
    pool = mixed_pool(size, seed=places)
    result = select(event, pool, now=NOW)
    expected = eager_decisions(event, pool, POLICIES[name])
    counts = result.counts()
    assert counts[Outcome.WAITLISTED] > places
    assert counts[Outcome.REJECTED] > size // 17
    assert result.decisions == expected
    assert expected == result.decisions  # the tuple side defers to the table
    assert tuple(result.decisions) == expected
    assert [result.decisions[i] for i in range(len(expected))] == list(expected)
    assert [r.id for r in result.inputs] == [d.registration_id for d in expected]
    assert list(result.decisions.registration_ids()) == [d.registration_id for d in expected]
    assert result.waitlist == tuple(d for d in expected if d.outcome is Outcome.WAITLISTED)
    assert result.selected == tuple(d for d in expected if d.outcome is Outcome.SELECTED)
    assert result.rejected == tuple(d for d in expected if d.outcome is Outcome.REJECTED)
    for decision in expected[:: max(1, len(expected) // 25)]:
        assert result.decision(decision.registration_id) == decision
    for unhashable in (result.decisions, expected):  # as the tuple: reasons hold dicts
        with pytest.raises(TypeError, match="unhashable"):
            hash(unhashable)
    eager = attrs.evolve(result, decisions=expected)
    assert eager == result
    assert result == eager


@pytest.fixture(scope="module")
def lottery_result() -> SelectionResult:
    return select(event_for("lottery", 30, fill="most"), mixed_pool(600, seed=4), now=NOW)


def test_a_result_pickles_to_an_equal_compact_result(lottery_result: SelectionResult) -> None:
    copy = pickle.loads(pickle.dumps(lottery_result))
    assert copy == lottery_result
    assert tuple(copy.decisions) == tuple(lottery_result.decisions)
    assert copy.registrations == lottery_result.registrations
    # still columns: the pickle is a fraction of that of the decisions built
    built = pickle.dumps(tuple(lottery_result.decisions))
    assert len(pickle.dumps(lottery_result.decisions)) * 2 < len(built)


def test_slices_and_indices_are_those_of_the_tuple(lottery_result: SelectionResult) -> None:
    table = lottery_result.decisions
    full = tuple(table)
    n = len(full)
    selected = len(lottery_result.selected)
    cuts = [0, 1, selected - 1, selected, selected + 3, n // 2, n - 40, n - 1, n, n + 5, -7]
    for start in cuts:
        for stop in cuts:
            part = table[start:stop]
            assert isinstance(part, DecisionTable)
            assert part == full[start:stop]
            assert len(part) == len(full[start:stop])
    assert table[::3] == full[::3]
    assert table[-5::-2] == full[-5::-2]
    assert table[-1] == full[-1]
    assert table[selected] == full[selected]
    for index in (n, -n - 1):
        with pytest.raises(IndexError):
            table[index]
    assert full[5] in table
    assert table.index(full[9]) == 9
    assert table.count(full[2]) == 1


def test_equality_against_other_sequences(lottery_result: SelectionResult) -> None:
    table = lottery_result.decisions
    full = tuple(table)
    assert table == DecisionTable(full)
    assert DecisionTable(full) == table
    assert table != full[:-1]
    assert table != DecisionTable(full[:-1])
    changed = (*full[:-1], attrs.evolve(full[-1], rank=99))
    assert table != changed
    assert table != DecisionTable(changed)
    moved = list(full)
    moved[40] = attrs.evolve(moved[40], reasons=moved[41].reasons)
    assert table[30:50] != tuple(moved[30:50])
    assert table != tuple(moved)
    assert table != list(full)  # like a tuple, never equal to a list
    assert DecisionTable() == ()
    assert len(DecisionTable()) == 0
    assert repr(table) == (
        f"DecisionTable({len(full)} decisions: {len(lottery_result.selected)} selected, "
        f"{len(lottery_result.waitlist)} waitlisted, {len(lottery_result.rejected)} rejected)"
    )


def test_two_selections_compare_column_by_column(lottery_result: SelectionResult) -> None:
    again = select(event_for("lottery", 30, fill="most"), mixed_pool(600, seed=4), now=NOW)
    assert again.decisions == lottery_result.decisions
    other = select(event_for("lottery", 30, fill="most"), mixed_pool(600, seed=5), now=NOW)
    assert other.decisions != lottery_result.decisions
    shifted = select(event_for("lottery", 31, fill="most"), mixed_pool(600, seed=4), now=NOW)
    assert shifted.decisions != lottery_result.decisions


def test_outcomes_and_lookups_build_no_waitlisted_decision(
    lottery_result: SelectionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    row = result_module._WaitlistBlock.row

    def counted(block: result_module._WaitlistBlock, i: int) -> Decision:
        built.append(i)
        return row(block, i)

    monkeypatch.setattr(result_module._WaitlistBlock, "row", counted)
    waiting = lottery_result.waitlist
    assert len(lottery_result.selected) == 30
    assert len(lottery_result.rejected) > 30
    assert sum(lottery_result.counts().values()) == len(lottery_result)
    assert len(waiting) > 400
    assert built == []
    last = waiting[-1]
    assert built == [len(waiting) - 1]
    assert last.waitlist_position == len(waiting)
    assert last.codes[0] == "waitlist-position"
    assert lottery_result.decision(last.registration_id) == last
    with pytest.raises(UnknownRegistration):
        lottery_result.decision("nobody")


def test_a_lottery_places_only_the_selected() -> None:
    """The order comes from the tickets; the placings (rank reasons) only for the selected."""
    given: list[int] = []

    @attrs.frozen
    class CountingLottery(LotteryPolicy):
        def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
            given.append(len(registrations))
            return super().order(registrations, event_id=event_id)

    event = event_for("lottery", 20)
    pool = mixed_pool(500, seed=2)
    result = _engine_select(event, pool, CountingLottery(seed=11))
    assert given == [20]
    assert result.decisions == eager_decisions(event, pool, LotteryPolicy(seed=11))


def _engine_select(event: Event, pool: Sequence[Registration], policy: Policy) -> SelectionResult:
    from ran_events.selection import PolicyRegistry

    registry = PolicyRegistry()
    registry.register("lottery", lambda *, seed, parameters: policy, replace=True)
    return select(event, pool, now=NOW, registry=registry)


def test_a_ticket_policy_must_rank_and_place_every_registration_once() -> None:
    event = event_for("lottery", 10)
    pool = mixed_pool(200, seed=3)

    @attrs.frozen
    class RepeatingRanking(LotteryPolicy):
        def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
            return [0, *super().ranking(registration_ids, event_id=event_id)[1:], 0][1:]

    @attrs.frozen
    class ShortRanking(LotteryPolicy):
        def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
            return super().ranking(registration_ids, event_id=event_id)[1:]

    @attrs.frozen
    class SilentOrder(LotteryPolicy):
        def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
            return super().order(registrations, event_id=event_id)[1:]

    for policy in (RepeatingRanking(seed=1), ShortRanking(seed=1), SilentOrder(seed=1)):
        with pytest.raises(InvalidPolicyConfig, match="exactly once"):
            _engine_select(event, pool, policy)


def test_a_ticket_policy_of_its_own_is_ranked_by_its_ranking() -> None:
    @attrs.frozen
    class ReversedLottery(LotteryPolicy):  # its own ranking(), and the order() to match
        def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
            return super().ranking(registration_ids, event_id=event_id)[::-1]

        def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
            return super().order(registrations, event_id=event_id)[::-1]

    event = event_for("lottery", 15, fill="most")
    pool = mixed_pool(300, seed=6)
    result = _engine_select(event, pool, ReversedLottery(seed=11))
    assert result.decisions == eager_decisions(event, pool, ReversedLottery(seed=11))
    assert result.decisions != eager_decisions(event, pool, LotteryPolicy(seed=11))


def test_a_lottery_with_a_repeated_id_breaks_the_tie_by_position() -> None:
    ids = ["b", "a", "b", "c", "a"]
    expected = sorted(range(len(ids)), key=lambda i: (lottery_ticket(5, "e", ids[i]), ids[i], i))
    assert LotteryPolicy(seed=5).ranking(ids, event_id="e") == expected
    placed = LotteryPolicy(seed=5).order(
        [attrs.evolve(r, id=i) for r, i in zip(synthetic_applicants(5, seed=1), ids, strict=True)],
        event_id="e",
    )
    assert [p.registration_id for p in placed] == [ids[i] for i in expected]


def test_a_large_lottery_selection_peaks_at_a_few_hundred_bytes_an_applicant() -> None:
    """The memory of issue 16: a placing and a decision per applicant took ~1 KB each."""
    pool = synthetic_applicants(20_000, seed=3)
    event = event_for("lottery", 100, fill="most")
    select(event, pool[:50], now=NOW)  # the modules' own caches, before measuring
    tracemalloc.start()
    try:
        select(event, pool, now=NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / len(pool) < 450


# --------------------------------------------------------------------------------------------
# The skip columns of allocate()


CONSTRAINTS = Constraints(
    capacity=3,
    quotas=(Quota(attribute="role", value="a", min=0, max=1),),
    caps=(Cap(attribute="org", limit=1),),
)
PROFILES = [("x", "a"), ("x", "a"), ("y", "b"), ("z", "a"), ("x", "b"), ("w", "b"), ("v", "a")]


@pytest.mark.parametrize(
    "order", [range(7), range(6, -1, -1), [5, 2, 0, 6, 1], range(1, 6), range(0)]
)
def test_the_skips_are_a_read_only_mapping_in_walk_order(order: Sequence[int]) -> None:
    allocation = allocate(PROFILES, CONSTRAINTS, order, size=None)
    skipped = allocation.skipped
    expected = dict(skipped.items())
    assert list(skipped) == [i for i in order if i not in allocation.selected]
    assert list(expected) == list(skipped)
    assert len(skipped) == len(expected)
    assert skipped == expected
    assert expected == dict(skipped)
    for i in range(-1, 9):
        assert (i in skipped) is (i in expected)
        assert skipped.get(i) == expected.get(i)
    text: object = "0"
    assert text not in skipped
    assert skipped.get(0.5) is None  # type: ignore[call-overload]
    with pytest.raises(KeyError):
        skipped[99]
    with pytest.raises(TypeError):
        skipped[0] = expected.get(0)  # type: ignore[index]
    assert pickle.loads(pickle.dumps(allocation)) == allocation
    assert repr(skipped) == f"FrozenMapping({expected!r})"
    assert attrs.evolve(allocation, skipped=expected) == allocation


def test_a_range_order_is_still_checked() -> None:
    with pytest.raises(InvalidValue, match="order"):
        allocate(PROFILES, CONSTRAINTS, range(2, 9))
