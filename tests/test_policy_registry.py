"""Tests of the policy registry: built-ins, registered factories, entry points, tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest
from tests.test_panel_policy import LastIdsPanel
from tests.test_selection import NOW, event_with, registration

from ran_events.errors import InvalidPolicyConfig, RanEventsWarning, UnknownPolicy
from ran_events.models import Registration, SelectionRules
from ran_events.selection import (
    BUILTIN_POLICIES,
    ENTRY_POINT_GROUP,
    FirstComePolicy,
    LotteryPolicy,
    Placing,
    Policy,
    PolicyRegistry,
    ScorePolicy,
    replay,
    select,
)
from ran_events.selection import _registry as registry_module


def test_an_unknown_policy_lists_the_known_ones() -> None:
    registry = PolicyRegistry(entry_points=False)
    with pytest.raises(UnknownPolicy) as caught:
        registry.create("raffle", seed=1)
    assert caught.value.known == ("fair-lottery", "first-come", "lottery", "score")
    assert "known: fair-lottery, first-come, lottery, score" in str(caught.value)


@attrs.frozen
class ReversePolicy:
    """Last registration id first: a third-party policy for the tests."""

    @property
    def name(self) -> str:
        return "reverse"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        ids = sorted((r.id for r in registrations), reverse=True)
        return [Placing(registration_id=rid, summary="") for rid in ids]


def reverse_factory(*, seed: int | None, parameters: Mapping[str, Any]) -> Policy:
    return ReversePolicy()


def test_a_registered_policy_is_used_by_name_and_replayed() -> None:
    registry = PolicyRegistry(entry_points=False)
    registry.register("reverse", reverse_factory)
    with pytest.raises(InvalidPolicyConfig, match="replace=True"):
        registry.register("reverse", reverse_factory)
    assert "reverse" in registry
    event = event_with(SelectionRules(policy="reverse"), capacity=2)
    pool = [registration(i) for i in range(4)]
    result = select(event, pool, now=NOW, registry=registry)
    assert [d.registration_id for d in result.selected] == ["r003", "r002"]
    assert result.selected[0].sentence == "selected: reverse rank 1"
    assert replay(result.record, pool, registry=registry) == result


class FakeEntryPoint:
    def __init__(self, name: str, target: object) -> None:
        self.name = name
        self.value = f"tests:{name}"
        self._target = target

    def load(self) -> object:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_entry_points_add_policies_and_a_broken_one_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    found = [
        FakeEntryPoint("reverse", reverse_factory),
        FakeEntryPoint("broken", ImportError("no module named plugin")),
        FakeEntryPoint("lottery", reverse_factory),  # a built-in name wins
    ]

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == ENTRY_POINT_GROUP
        return found

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    registry = PolicyRegistry()
    with pytest.warns(RanEventsWarning, match="'broken'.*no module named plugin"):
        names = registry.names()
    assert names == ("fair-lottery", "first-come", "lottery", "reverse", "score")
    assert isinstance(registry.create("lottery", seed=1), LotteryPolicy)
    assert isinstance(registry.create("reverse"), ReversePolicy)
    assert repr(registry) == "PolicyRegistry(5 policies)"


def test_a_policy_from_a_selection_table() -> None:
    registry = PolicyRegistry(entry_points=False)
    table = {"policy": "score", "seed": 0, "parameters": {"weights": {"x": 1}, "require": {}}}
    policy = registry.from_config(table)
    assert isinstance(policy, ScorePolicy)
    assert isinstance(registry.from_config({}), FirstComePolicy)
    with pytest.raises(InvalidPolicyConfig, match=r"selection\.weights"):
        registry.from_config({"policy": "score", "weights": {}})
    with pytest.raises(InvalidPolicyConfig, match=r"selection\.seed"):
        registry.from_config({"policy": "lottery", "seed": "7"})
    assert registry_module.default_registry() is registry_module.default_registry()


def test_built_in_policies_are_entry_point_strings_loaded_on_first_use() -> None:
    registry = PolicyRegistry(entry_points=False)
    assert registry.names() == tuple(sorted(BUILTIN_POLICIES))
    for name, value in BUILTIN_POLICIES.items():
        assert isinstance(value, str)
        assert ":" in value
        parameters = {"weights": {"x": 1}} if name == "score" else {}
        policy = registry.create(name, seed=1, parameters=parameters)
        assert policy.name == name


def test_a_policy_can_be_registered_by_its_module_and_attribute() -> None:
    registry = PolicyRegistry(entry_points=False)
    registry.register("last-ids", "tests.test_panel_policy:last_ids")
    assert "last-ids" in registry
    assert isinstance(registry.create("last-ids"), LastIdsPanel)
    registry.register("missing", "tests.test_policy_registry:no_such_factory")
    with pytest.raises(AttributeError, match="no_such_factory"):
        registry.create("missing")
