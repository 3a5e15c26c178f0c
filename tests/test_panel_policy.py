"""Tests of what a policy declares through the public protocols (_panel, _policy, _registry).

A third-party panel policy, written here against ``ran_events.selection`` names only, is
decided by select() and replayed; simulate() asks every policy through the same protocols
as select(); the built-in policies are registered by entry-point strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest

from ran_events import tz
from ran_events.errors import InvalidPolicyConfig
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Registration, SelectionRules
from ran_events.selection import (
    Cap,
    Constraints,
    FairLotteryPolicy,
    FirstComePolicy,
    LotteryPolicy,
    Outcome,
    PanelDraw,
    PanelLotteryPolicy,
    PanelPolicy,
    Placing,
    PolicyRegistry,
    Reason,
    ScorePolicy,
    SelectionRecord,
    TicketPolicy,
    replay,
    select,
    simulate,
)

NOW = tz.localize(dt.datetime(2023, 9, 7, 10), "Europe/Brussels")
POOL = synthetic_applicants(30, seed=8)


@attrs.frozen
class LastIdsPanel:
    """Selects the highest ids that fit the capacity; only the selected get a note."""

    seen: list[Constraints] = attrs.field(factory=list, eq=False)

    @property
    def name(self) -> str:
        return "last-ids"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        ranked = sorted((r.id for r in registrations), reverse=True)
        return [Placing(registration_id=rid, summary="by id, last first") for rid in ranked]

    def draw_panel(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        record: SelectionRecord,
    ) -> PanelDraw:
        self.seen.append(constraints)
        panel = sorted((r.id for r in eligible), reverse=True)[: constraints.capacity]
        note = Reason(code="last-ids", sentence="one of the last ids")
        return PanelDraw(selected=panel, notes=dict.fromkeys(panel, note), record=record)


def last_ids(*, seed: int | None, parameters: Mapping[str, Any]) -> LastIdsPanel:
    return LastIdsPanel()


def registry_with_last_ids() -> PolicyRegistry:
    registry = PolicyRegistry(entry_points=False)
    registry.register("last-ids", last_ids)
    return registry


def last_ids_event(capacity: int = 3) -> Any:
    rules = SelectionRules(policy="last-ids", caps={"organisation": 2})
    return attrs.evolve(webinar(), capacity=capacity, selection=rules)


def test_a_third_party_panel_policy_chooses_the_selection_and_orders_the_waiting_list() -> None:
    registry = registry_with_last_ids()
    policy = registry.create("last-ids")
    assert isinstance(policy, PanelPolicy)
    assert not isinstance(policy, PanelLotteryPolicy)
    result = select(last_ids_event(), POOL, now=NOW, registry=registry)
    eligible = sorted(
        (d.registration_id for d in result if d.outcome is not Outcome.REJECTED), reverse=True
    )
    assert [d.registration_id for d in result.selected] == eligible[:3]
    assert result.selected[0].sentence == "selected: one of the last ids"
    assert [d.registration_id for d in result.waitlist] == eligible[3:]
    assert result.waitlist[0].codes == ("waitlist-position",)  # no note given: none shown
    assert result.transition_by == "selection:last-ids"
    assert replay(result.record, POOL, registry=registry) == result


def test_a_panel_policy_sees_the_events_constraints_as_public_types() -> None:
    registry = PolicyRegistry(entry_points=False)
    policy = LastIdsPanel()
    registry.register("last-ids", lambda *, seed, parameters: policy)
    select(last_ids_event(capacity=4), POOL, now=NOW, registry=registry)
    assert policy.seen == [Constraints(capacity=4, caps=(Cap(attribute="organisation", limit=2),))]


def test_simulate_refuses_a_panel_policy_that_has_no_distribution() -> None:
    with pytest.raises(InvalidPolicyConfig, match="PanelLotteryPolicy"):
        simulate(last_ids_event(), POOL, runs=2, seed=1, registry=registry_with_last_ids())


def test_the_policies_declare_what_they_need_through_the_protocols() -> None:
    fair = FairLotteryPolicy(seed=3)
    assert isinstance(fair, PanelLotteryPolicy)
    assert isinstance(fair, TicketPolicy)
    assert isinstance(LotteryPolicy(seed=3), TicketPolicy)
    for order_only in (FirstComePolicy(), ScorePolicy(seed=3, weights={"x": 1})):
        assert not isinstance(order_only, TicketPolicy | PanelPolicy)


@pytest.mark.parametrize("policy", [LotteryPolicy(seed=5), FairLotteryPolicy(seed=5)])
def test_the_ranking_is_the_order_of_the_placings(policy: LotteryPolicy) -> None:
    ids = [r.id for r in POOL]
    placed = [p.registration_id for p in policy.order(POOL[::-1], event_id="ev")]
    assert [ids[i] for i in policy.ranking(ids, event_id="ev")] == placed
    assert placed != sorted(ids)


@attrs.frozen
class TwiceFirst:
    """Places the first id twice and drops the last: a broken order."""

    @property
    def name(self) -> str:
        return "twice-first"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        ids = sorted(r.id for r in registrations)
        return [Placing(registration_id=rid, summary="") for rid in [ids[0], *ids[:-1]]]


def twice_first(*, seed: int | None, parameters: Mapping[str, Any]) -> TwiceFirst:
    return TwiceFirst()


def test_an_order_that_does_not_place_everyone_exactly_once_is_refused() -> None:
    registry = PolicyRegistry(entry_points=False)
    registry.register("twice-first", twice_first)
    event = attrs.evolve(last_ids_event(), selection=SelectionRules(policy="twice-first"))
    with pytest.raises(InvalidPolicyConfig, match="exactly once"):
        select(event, POOL, now=NOW, registry=registry)
    with pytest.raises(InvalidPolicyConfig, match="exactly once"):
        simulate(event, POOL, runs=1, seed=1, registry=registry)
