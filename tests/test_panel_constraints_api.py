"""A third-party panel policy that keeps quotas and caps, written against the public names of
``ran_events.selection`` only (Constraints, profiles_of, allocate, is_valid_selection)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest
from tests.test_panel_policy import LastIdsPanel

import ran_events.selection as public
from ran_events.examples import webinar
from ran_events.models import Registration
from ran_events.selection import (
    Constraints,
    PanelDraw,
    PolicyRegistry,
    Reason,
    SelectionRecord,
    allocate,
    is_valid_selection,
    profiles_of,
    replay,
    select,
)
from ran_events.testing import assert_meets_constraints, feasible_pool

EVENT = attrs.evolve(webinar(), selection=attrs.evolve(webinar().selection, policy="youngest-ids"))


class YoungestIdsPanel(LastIdsPanel):
    """Fills the places from the highest ids down (its order is LastIdsPanel's), keeping
    every quota and cap, which LastIdsPanel ignores."""

    @property
    def name(self) -> str:
        return "youngest-ids"

    def draw_panel(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        record: SelectionRecord,
    ) -> PanelDraw:
        profiles = profiles_of(eligible, constraints)
        order = sorted(range(len(eligible)), key=lambda i: eligible[i].id, reverse=True)
        size = min(constraints.capacity, len(eligible))
        allocation = allocate(profiles, constraints, order, size=size)
        assert is_valid_selection(profiles, constraints, allocation.selected) == []
        panel = [eligible[i].id for i in allocation.selected]
        note = Reason(code="youngest-ids", sentence="among the highest ids the rules allow")
        return PanelDraw(selected=panel, notes=dict.fromkeys(panel, note), record=record)


def youngest(*, seed: int | None, parameters: Mapping[str, Any]) -> YoungestIdsPanel:
    return YoungestIdsPanel()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_public_panel_policy_keeps_the_quotas_and_caps(seed: int) -> None:
    registry = PolicyRegistry(factories={"youngest-ids": youngest}, entry_points=False)
    pool = feasible_pool(EVENT, 120, seed=seed)
    result = select(EVENT, pool, now=EVENT.registration.closes, registry=registry)
    assert len(result.selected) == EVENT.capacity
    assert_meets_constraints(result, EVENT)
    assert replay(result.record, pool, registry=registry) == result


def test_the_constraints_api_is_exported_by_ran_events_selection() -> None:
    for name in ("Allocation", "Constraints", "allocate", "is_valid_selection", "profiles_of"):
        assert name in public.__all__
