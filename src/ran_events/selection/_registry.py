"""The policy registry: names to policy factories, built-ins and entry points.

Third-party packages add policies through the entry-point group ``ran_events.policies``;
each entry point's name is the policy name and it loads a
:class:`~ran_events.selection.PolicyFactory`::

    [project.entry-points."ran_events.policies"]
    seniority = "my_package.policies:SeniorityPolicy.from_parameters"
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ran_events.errors import InvalidPolicyConfig, RanEventsWarning, UnknownPolicy
from ran_events.models import SelectionRules
from ran_events.selection._policy import (
    FirstComePolicy,
    LotteryPolicy,
    Policy,
    PolicyFactory,
    ScorePolicy,
    policy_parameters,
)

__all__ = ["ENTRY_POINT_GROUP", "PolicyRegistry", "default_registry"]

ENTRY_POINT_GROUP: Final = "ran_events.policies"
"""The entry-point group third-party policies are registered in."""


def _fair_lottery(*, seed: int | None, parameters: Mapping[str, Any]) -> Policy:
    """The ``fair-lottery`` factory (its module builds on the engine, which imports this one)."""
    from ran_events.selection.fair._policy import FairLotteryPolicy  # noqa: PLC0415

    return FairLotteryPolicy.from_parameters(seed=seed, parameters=parameters)


_BUILTINS: Final[Mapping[str, PolicyFactory]] = {
    "fair-lottery": _fair_lottery,
    "first-come": FirstComePolicy.from_parameters,
    "lottery": LotteryPolicy.from_parameters,
    "score": ScorePolicy.from_parameters,
}

_CONFIG_KEYS: Final = ("policy", "seed", "parameters", "quotas", "caps")


@attrs.define
class PolicyRegistry:
    """A mutable map from policy names to factories.

    Built with the built-in policies (``fair-lottery``, ``first-come``, ``lottery``,
    ``score``); with ``entry_points=True`` those of the ``ran_events.policies`` group are
    loaded on first lookup (a built-in name wins over an entry point; a broken entry point
    is skipped with a :class:`~ran_events.errors.RanEventsWarning`).
    """

    _factories: dict[str, PolicyFactory] = attrs.field(
        factory=lambda: dict(_BUILTINS), alias="factories"
    )
    _entry_points: bool = attrs.field(default=True, alias="entry_points")
    _loaded: bool = attrs.field(default=False, init=False)

    def __repr__(self) -> str:
        return f"PolicyRegistry({len(self._factories)} policies)"

    def register(self, name: str, factory: PolicyFactory, *, replace: bool = False) -> None:
        """Register ``factory`` under ``name``.

        Raises:
            InvalidPolicyConfig: the name is empty, or taken and ``replace`` is false.
        """
        if not name or not name.strip():
            raise InvalidPolicyConfig("policy", name, "a non-empty name")
        self._load_entry_points()
        if name in self._factories and not replace:
            raise InvalidPolicyConfig(
                "policy", name, "a name not registered yet (or pass replace=True)"
            )
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        self._load_entry_points()
        return tuple(sorted(self._factories))

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def factory(self, name: str) -> PolicyFactory:
        """The factory registered under ``name``.

        Raises:
            UnknownPolicy: no policy has that name; the message lists the known ones.
        """
        found = self._factories.get(name)
        if found is None:
            self._load_entry_points()
            found = self._factories.get(name)
        if found is None:
            raise UnknownPolicy(name, self._factories)
        return found

    def create(
        self, name: str, *, seed: int | None = None, parameters: Mapping[str, Any] | None = None
    ) -> Policy:
        """Build the policy ``name`` with its seed and parameters.

        Raises:
            UnknownPolicy: no policy has that name.
            InvalidPolicyConfig: the factory refused the seed or the parameters.
        """
        factory = self.factory(name)
        policy = factory(seed=seed, parameters=dict(parameters or {}))
        if not isinstance(policy, Policy):
            raise InvalidPolicyConfig(
                "policy", name, "a factory that returns a Policy (name, parameters, order)"
            )
        return policy

    def from_rules(self, rules: SelectionRules) -> Policy:
        """The policy an event's :class:`~ran_events.models.SelectionRules` names.

        The ``require`` entry of the parameters is an eligibility rule and is not passed on.

        Raises:
            UnknownPolicy: the name is not registered.
            InvalidPolicyConfig: the seed or the parameters do not suit the policy.
        """
        return self.create(
            rules.policy, seed=rules.seed, parameters=policy_parameters(rules.parameters)
        )

    def from_config(self, table: Mapping[str, Any]) -> Policy:
        """The policy of a TOML ``[selection]`` table or an equivalent dict.

        ``policy`` names it (default ``first-come``), ``seed`` is its seed and ``parameters``
        its parameters; ``quotas`` and ``caps`` are allowed and ignored here.

        Raises:
            UnknownPolicy: the name is not registered.
            InvalidPolicyConfig: an unknown key, or a seed or parameters the policy refuses.
        """
        for key in table:
            if key not in _CONFIG_KEYS:
                raise InvalidPolicyConfig(
                    f"selection.{key}", table[key], f"one of the keys {', '.join(_CONFIG_KEYS)}"
                )
        name = table.get("policy", "first-come")
        if not isinstance(name, str):
            raise InvalidPolicyConfig("selection.policy", name, "a policy name")
        seed = table.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise InvalidPolicyConfig("selection.seed", seed, "a whole number")
        parameters = table.get("parameters", {})
        if not isinstance(parameters, Mapping):
            raise InvalidPolicyConfig("selection.parameters", parameters, "a table")
        return self.create(name, seed=seed, parameters=policy_parameters(parameters))

    def _load_entry_points(self) -> None:
        if self._loaded or not self._entry_points:
            return
        self._loaded = True
        from importlib.metadata import entry_points  # noqa: PLC0415 - only when needed

        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.name in self._factories:
                continue
            try:
                factory = entry.load()
            except Exception as exc:  # a broken plug-in must not break the rest
                warnings.warn(
                    f"selection policy {entry.name!r} ({entry.value}) could not be loaded: {exc}",
                    RanEventsWarning,
                    stacklevel=3,
                )
                continue
            self._factories[entry.name] = factory


@functools.cache
def default_registry() -> PolicyRegistry:
    """The registry :func:`~ran_events.selection.select` uses when none is given.

    One per process, with the built-ins and the entry points; register your own policies
    here or pass your own registry to ``select``.
    """
    return PolicyRegistry()
