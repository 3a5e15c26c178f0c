"""Tests of what plug-in authors write against: InvalidPolicyConfig with a message alone,
declared parameters (PolicyParameters) and their check by rule_problems and simulate."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
import pytest

from ran_events.errors import InvalidPolicyConfig, InvalidValue
from ran_events.examples import webinar
from ran_events.models import Registration
from ran_events.selection import (
    REQUIRED,
    LotteryPolicy,
    Parameter,
    Placing,
    PolicyParameters,
    PolicyRegistry,
    declared_parameters,
    rule_problems,
    simulate,
)
from ran_events.testing import feasible_pool

EVENT = webinar()


def test_a_message_alone_is_enough_and_the_registry_names_the_policy() -> None:
    def refusing(*, seed: int | None, parameters: Mapping[str, Any]) -> LotteryPolicy:
        raise InvalidPolicyConfig("weights must be positive", parameter="weights")

    alone = InvalidPolicyConfig("weights must be positive")
    assert alone.field == "selection.parameters"
    assert alone.policy is None
    assert str(alone) == (
        "selection.parameters: the policy refuses its parameters: weights must be positive"
    )
    registry = PolicyRegistry(entry_points=False)
    registry.register("careful", refusing)
    with pytest.raises(InvalidPolicyConfig) as caught:
        registry.create("careful", seed=1, parameters={"weights": -1})
    assert caught.value.policy == "careful"
    assert caught.value.field == "selection.parameters.weights"
    assert caught.value.message == "weights must be positive"
    assert str(caught.value) == (
        "selection.parameters.weights: the 'careful' policy refuses its parameters: "
        "weights must be positive"
    )


def test_the_old_form_keeps_its_message_and_a_name_once_given_stays() -> None:
    old = InvalidPolicyConfig("selection.seed", None, "a whole number", detail="none given")
    assert str(old) == "selection.seed: None is not valid (none given); expected a whole number"
    assert old.with_policy("lottery").policy == "lottery"
    assert old.with_policy("other").policy == "lottery"  # the first name is the refuser
    assert str(old).startswith("selection.seed: None is not valid")
    with pytest.raises(TypeError, match="a message alone"):
        InvalidPolicyConfig("selection.seed", None)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="a message alone"):
        InvalidPolicyConfig("f", 1, "x", parameter="y")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "error",
    [
        InvalidPolicyConfig("too many weights", parameter="weights", policy="weighted"),
        InvalidPolicyConfig("selection.seed", 1.5, "a whole number", policy="lottery"),
    ],
)
def test_both_forms_survive_pickling_as_from_a_worker_process(
    error: InvalidPolicyConfig,
) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is InvalidPolicyConfig
    assert (str(again), again.field, again.value, again.policy, again.message) == (
        str(error),
        error.field,
        error.value,
        error.policy,
        error.message,
    )


def test_a_plain_value_error_of_a_plug_in_becomes_one_naming_it() -> None:
    def sloppy(*, seed: int | None, parameters: Mapping[str, Any]) -> LotteryPolicy:
        raise ValueError("floor must be below 1")

    registry = PolicyRegistry(factories={"sloppy": sloppy}, entry_points=False)
    with pytest.raises(InvalidPolicyConfig, match="the 'sloppy' policy refuses its parameters"):
        registry.create("sloppy", seed=1)
    with pytest.raises(InvalidPolicyConfig) as caught:  # simulate names it too
        simulate(EVENT, [], runs=1, seed=1, policy="sloppy", registry=registry)
    assert caught.value.policy == "sloppy"
    assert isinstance(caught.value.__cause__, ValueError)


def test_the_librarys_other_errors_from_a_factory_pass_unchanged() -> None:
    def strict(*, seed: int | None, parameters: Mapping[str, Any]) -> LotteryPolicy:
        raise InvalidValue("selection.capacity", 0, "a capacity of at least 1")

    registry = PolicyRegistry(factories={"strict": strict}, entry_points=False)
    with pytest.raises(InvalidValue) as caught:
        registry.create("strict", seed=1)
    assert type(caught.value) is InvalidValue
    assert caught.value.field == "selection.capacity"


# --------------------------------------------------------------------------------------------
# Declared parameters

BOOST = PolicyParameters(
    policy="boost",
    parameters=(
        Parameter(name="weights", kind=dict, attributes=True, description="points per value"),
        Parameter(name="floor", kind=float, default=0.0, min=0.0, max=1.0),
        Parameter(name="rounds", kind=int, default=1, min=1),
        Parameter(name="mode", kind=str, default="sum", choices=("sum", "max")),
        Parameter(name="strict", kind=bool, default=False),
        Parameter(name="groups", kind=list, default=(), attributes=True),
        Parameter(name="cut", kind=float, default=10, max=100, check=round),
    ),
)


@attrs.frozen
class BoostPolicy:
    """A third-party lottery whose factory validates through declared parameters."""

    PARAMETERS: ClassVar[PolicyParameters] = BOOST
    seed: int
    settings: Mapping[str, Any]

    @property
    def name(self) -> str:
        return "boost"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return dict(self.settings)

    @classmethod
    def from_parameters(cls, *, seed: int | None, parameters: Mapping[str, Any]) -> BoostPolicy:
        return cls(seed=BOOST.seed(seed), settings=BOOST.validate(parameters))

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        return LotteryPolicy(seed=self.seed).order(registrations, event_id=event_id)


def test_validate_fills_defaults_and_converts() -> None:
    assert BOOST.names[:3] == ("weights", "floor", "rounds")
    assert BOOST.validate({"weights": {"role": 1}, "floor": 1, "cut": 12.6}) == {
        "weights": {"role": 1},
        "floor": 1,
        "rounds": 1,
        "mode": "sum",
        "strict": False,
        "groups": (),
        "cut": 13,
    }
    assert BOOST.parameters[0].required
    assert not BOOST.parameters[1].required
    assert repr(REQUIRED) == "REQUIRED"


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({}, "selection.parameters.weights", "weights is missing; expected a table"),
        ({"weights": [1]}, "selection.parameters.weights", "expected a table"),
        ({"weights": {}, "floor": 2}, "selection.parameters.floor", "a number from 0 to 1"),
        ({"weights": {}, "floor": True}, "selection.parameters.floor", "a number"),
        ({"weights": {}, "floor": float("nan")}, "selection.parameters.floor", "a number"),
        ({"weights": {}, "rounds": 1.0}, "selection.parameters.rounds", "a whole number >= 1"),
        ({"weights": {}, "rounds": 0}, "selection.parameters.rounds", "a whole number >= 1"),
        ({"weights": {}, "mode": "min"}, "selection.parameters.mode", "one of 'sum', 'max'"),
        ({"weights": {}, "strict": "yes"}, "selection.parameters.strict", "true or false"),
        ({"weights": {}, "groups": "role"}, "selection.parameters.groups", "a list"),
        ({"weights": {}, "cut": 101}, "selection.parameters.cut", "a number <= 100"),
        ({"weights": {}, "flor": 0.5}, "selection.parameters.flor", "did you mean 'floor'?"),
    ],
)
def test_every_refusal_names_the_parameter_the_policy_and_what_is_accepted(
    given: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidPolicyConfig) as caught:
        BoostPolicy.from_parameters(seed=1, parameters=given)
    assert caught.value.field == field
    assert caught.value.policy == "boost"
    assert words in str(caught.value)


def test_a_check_refusing_is_reported_with_its_reason_and_a_missing_seed_too() -> None:
    def positive(value: Mapping[str, Any]) -> Mapping[str, Any]:
        if any(v <= 0 for v in value.values()):
            raise ValueError("every weight must be positive")
        return value

    def named(value: Mapping[str, Any]) -> Mapping[str, Any]:
        raise InvalidPolicyConfig("no weights at all", parameter="weights")

    strict = PolicyParameters(
        policy="strict", parameters=(Parameter(name="weights", kind=dict, check=positive),)
    )
    with pytest.raises(InvalidPolicyConfig, match="every weight must be positive") as caught:
        strict.validate({"weights": {"a": -1}})
    assert caught.value.policy == "strict"
    other = PolicyParameters(
        policy="other", parameters=(Parameter(name="w", kind=dict, check=named),)
    )
    with pytest.raises(InvalidPolicyConfig, match="the 'other' policy refuses"):
        other.validate({"w": {}})
    with pytest.raises(InvalidPolicyConfig, match="the 'strict' policy draws lottery tickets"):
        strict.seed(None)
    assert strict.seed(0) == 0
    with pytest.raises(InvalidPolicyConfig, match="one of bool, int"):
        Parameter(name="x", kind=set)
    with pytest.raises(InvalidPolicyConfig, match="no parameters for the 'none' policy"):
        PolicyParameters(policy="none").validate({"x": 1})


def test_declared_parameters_are_found_on_the_factory_or_its_class() -> None:
    def factory(*, seed: int | None, parameters: Mapping[str, Any]) -> LotteryPolicy:
        return LotteryPolicy(seed=seed or 0)

    assert declared_parameters(BoostPolicy.from_parameters) is BOOST
    assert declared_parameters(factory) is None
    factory.PARAMETERS = BOOST  # type: ignore[attr-defined]
    assert declared_parameters(factory) is BOOST


def test_check_reports_a_plug_ins_bad_parameter_and_unknown_attributes() -> None:
    registry = PolicyRegistry(factories={"boost": BoostPolicy.from_parameters})
    rules = attrs.evolve(EVENT.selection, policy="boost", parameters={"weights": {}, "floor": 3})
    problems = rule_problems(attrs.evolve(EVENT, selection=rules), registry=registry)
    assert [(p.field, getattr(p, "policy", None)) for p in problems] == [
        ("selection.parameters.floor", "boost")
    ]
    parameters = {"weights": {"roel": 2, "casework": 1}, "groups": ["gendr"]}
    rules = attrs.evolve(EVENT.selection, policy="boost", parameters=parameters)
    problems = rule_problems(attrs.evolve(EVENT, selection=rules), registry=registry)
    assert [p.field for p in problems] == [
        "selection.parameters.weights.roel",
        "selection.parameters.groups.gendr",
    ]
    assert "did you mean 'role'?" in str(problems[0])
    assert "so the 'boost' policy would do nothing" in str(problems[0])


def test_a_policy_with_declared_parameters_selects_and_simulates() -> None:
    registry = PolicyRegistry(factories={"boost": BoostPolicy.from_parameters})
    pool = feasible_pool(EVENT, 60, seed=2)
    report = simulate(
        EVENT, pool, runs=5, seed=3, policy="boost", parameters={"weights": {}}, registry=registry
    )
    assert report.parameters["rounds"] == 1  # the defaults are recorded with the run
