"""Declared policy parameters: types, defaults, ranges, choices, checked in one place.

A policy written outside this package declares its parameters once::

    PARAMETERS = PolicyParameters(
        policy="weighted-lottery",
        parameters=(
            Parameter(name="weights", kind=dict, attributes=True),
            Parameter(name="floor", kind=float, default=0.0, min=0.0),
        ),
    )

and its factory calls ``PARAMETERS.validate(parameters)``: every refusal is an
:class:`~ran_events.errors.InvalidPolicyConfig` whose field is the parameter's path in the
event file (``selection.parameters.floor``), so ``ran-events check`` reports it with its line.
When the factory is a classmethod of a class with a ``PARAMETERS`` attribute (or has one
itself), :func:`~ran_events.selection.rule_problems` also checks that the keys of a table
declared with ``attributes=True`` are attributes an applicant can have.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from ran_events.errors import InvalidPolicyConfig
from ran_events.selection._policy import refuse_unknown_parameters, required_seed

__all__ = ["REQUIRED", "Parameter", "PolicyParameters", "declared_parameters"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()
"""The ``default`` of a :class:`Parameter` that must be given."""

_KINDS: Final[Mapping[type, str]] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a text",
    dict: "a table",
    list: "a list",
}


def _kind(value: type) -> type:
    if value not in _KINDS:
        raise InvalidPolicyConfig("kind", value, "one of " + ", ".join(k.__name__ for k in _KINDS))
    return value


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Parameter:
    """One parameter a policy accepts.

    Attributes:
        name: its key in ``[selection.parameters]``.
        kind: ``bool``, ``int``, ``float`` (a whole number is accepted), ``str``, ``dict``
            (a table) or ``list``.
        default: its value when not given; :data:`REQUIRED` (the default) when it must be.
        min: the smallest number accepted (``int`` and ``float``).
        max: the largest number accepted.
        choices: the values accepted, when only some are.
        check: called with the value once its kind is right; returns the value to use
            (converted) or raises :class:`ValueError` (an
            :class:`~ran_events.errors.InvalidPolicyConfig` too) saying what is wrong.
        attributes: the keys of the table (or the items of the list) are applicant
            attributes: ``ran-events check`` reports one no applicant can have.
        description: what it does, in a sentence (for documentation).

    Raises:
        InvalidPolicyConfig: an unknown ``kind``.
    """

    name: str
    kind: type = attrs.field(converter=_kind)
    default: Any = REQUIRED
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = attrs.field(default=(), converter=_tuple)
    check: Callable[[Any], Any] | None = None
    attributes: bool = False
    description: str = ""

    @property
    def required(self) -> bool:
        """Whether it must be given."""
        return self.default is REQUIRED

    @property
    def expected(self) -> str:
        """What it accepts, in words: ``a number >= 0``."""
        words = _KINDS[self.kind]
        if self.choices:
            words = "one of " + ", ".join(repr(c) for c in self.choices)
        if self.min is not None and self.max is not None:
            words += f" from {self.min:g} to {self.max:g}"
        elif self.min is not None:
            words += f" >= {self.min:g}"
        elif self.max is not None:
            words += f" <= {self.max:g}"
        return words

    def value_of(self, given: Mapping[str, Any], *, policy: str) -> Any:
        """The value to use: ``given[name]`` checked, or the default.

        Raises:
            InvalidPolicyConfig: missing while required, of another kind, out of range,
                not one of the choices, or refused by ``check``.
        """
        field = f"selection.parameters.{self.name}"
        if self.name not in given:
            if self.required:
                raise InvalidPolicyConfig(
                    f"{self.name} is missing; expected {self.expected}",
                    parameter=self.name,
                    policy=policy,
                )
            return self.default
        value = given[self.name]
        if not self._is_kind(value) or (self.choices and value not in self.choices):
            raise InvalidPolicyConfig(field, value, self.expected, policy=policy)
        if self.kind in (int, float) and (
            (self.min is not None and value < self.min)
            or (self.max is not None and value > self.max)
        ):
            raise InvalidPolicyConfig(field, value, self.expected, policy=policy)
        if self.check is None:
            return value
        try:
            return self.check(value)
        except InvalidPolicyConfig as exc:
            raise exc.with_policy(policy) from None
        except ValueError as exc:
            raise InvalidPolicyConfig(
                field, value, self.expected, detail=str(exc), policy=policy
            ) from exc

    def _is_kind(self, value: object) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self.kind is float:
            return isinstance(value, int | float) and math.isfinite(value)
        if self.kind is dict:
            return isinstance(value, Mapping)
        if self.kind is list:
            return isinstance(value, list | tuple)
        return isinstance(value, self.kind)


@attrs.frozen(kw_only=True)
class PolicyParameters:
    """The parameters one policy accepts, declared; :meth:`validate` checks a configuration.

    Attributes:
        policy: the policy's name (named in every refusal).
        parameters: what it accepts; any other key is refused.
    """

    policy: str
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=_tuple)

    @property
    def names(self) -> tuple[str, ...]:
        """The accepted keys, in declaration order."""
        return tuple(p.name for p in self.parameters)

    def validate(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` checked against the declaration, with the defaults filled in.

        Raises:
            InvalidPolicyConfig: an unknown key (naming a close accepted one), or the first
                declared parameter (in declaration order) that is missing or invalid.
        """
        try:
            refuse_unknown_parameters(self.policy, given, self.names)
        except InvalidPolicyConfig as exc:
            raise exc.with_policy(self.policy) from None
        return {p.name: p.value_of(given, policy=self.policy) for p in self.parameters}

    def seed(self, seed: int | None) -> int:
        """``seed``, checked: a policy that draws lots needs one (0 is a seed).

        Raises:
            InvalidPolicyConfig: no seed, or one that is not a whole number.
        """
        try:
            return required_seed(self.policy, seed)
        except InvalidPolicyConfig as exc:
            raise exc.with_policy(self.policy) from None

    def attribute_names(self, given: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, attribute) for each applicant attribute ``given`` names in a parameter
        declared with ``attributes=True``: what ``ran-events check`` looks up."""
        named: list[tuple[str, str]] = []
        for parameter in self.parameters:
            value = given.get(parameter.name)
            if not parameter.attributes or not isinstance(value, Mapping | list | tuple):
                continue
            field = f"selection.parameters.{parameter.name}"
            named.extend((f"{field}.{key}", str(key)) for key in _sorted_keys(value))
        return named


def _sorted_keys(value: Mapping[Any, Any] | Sequence[Any]) -> list[Any]:
    return sorted(value, key=str)


def declared_parameters(factory: object) -> PolicyParameters | None:
    """The :class:`PolicyParameters` a policy factory declares: its own ``PARAMETERS``
    attribute, or that of the class it is a classmethod of; ``None`` when neither exists."""
    for owner in (factory, getattr(factory, "__self__", None)):
        found = getattr(owner, "PARAMETERS", None)
        if isinstance(found, PolicyParameters):
            return found
    return None
