"""The selection rules an event carries: QuotaBounds and SelectionRules (the seed commitment
has its own tests in test_seed_commitment.py)."""

from __future__ import annotations

import pytest

from ran_events.errors import InvalidValue
from ran_events.models import QuotaBounds, SelectionRules


def test_quota_bounds() -> None:
    assert QuotaBounds(min=4) == QuotaBounds(min=4, max=None)
    assert QuotaBounds(min=2, max=2).max == 2
    with pytest.raises(InvalidValue) as info:
        QuotaBounds(min=5, max=3)
    assert (info.value.field, info.value.value) == ("max", 3)
    with pytest.raises(InvalidValue, match="min"):
        QuotaBounds(min=-1)
    with pytest.raises(InvalidValue, match="max"):
        QuotaBounds(max=-1)


def test_selection_rules() -> None:
    rules = SelectionRules(
        policy="lottery",
        seed=2023,
        quotas={"role": {"prison": QuotaBounds(min=4)}},
        caps={"organisation": 2},
    )
    assert rules.quotas["role"]["prison"].min == 4
    assert SelectionRules().policy == "first-come"
    with pytest.raises(InvalidValue) as seed:
        SelectionRules(seed="2023")  # type: ignore[arg-type]
    assert seed.value.field == "selection.seed"
    with pytest.raises(InvalidValue) as cap:
        SelectionRules(caps={"organisation": -1})
    assert (cap.value.field, cap.value.value) == ("selection.caps.organisation", -1)
    with pytest.raises(InvalidValue):
        SelectionRules(seed=True)
    with pytest.raises(InvalidValue):
        SelectionRules(policy="")
