"""The policy registry: names to policy factories, built-ins and entry points.

Third-party packages add policies through the entry-point group ``ran_events.policies``;
each entry point's name is the policy name and it loads a
:class:`~ran_events.selection.PolicyFactory`::

    [project.entry-points."ran_events.policies"]
    seniority = "my_package.policies:SeniorityPolicy.from_parameters"

The built-in policies are registered the same way, by ``"module:attribute"`` strings that
are loaded when the policy is first used: the registry imports no policy module itself.
"""

from __future__ import annotations

import functools
import importlib.metadata
import warnings
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ran_events.errors import (
    InvalidPolicyConfig,
    RanEventsError,
    RanEventsWarning,
    UnknownPolicy,
)
from ran_events.models import SelectionRules
from ran_events.selection._policy import Policy, PolicyFactory, policy_parameters

__all__ = [
    "BUILTIN_POLICIES",
    "ENTRY_POINT_GROUP",
    "PolicyRegistry",
    "build_policy",
    "default_registry",
]

ENTRY_POINT_GROUP: Final = "ran_events.policies"
"""The entry-point group third-party policies are registered in."""

BUILTIN_POLICIES: Final[Mapping[str, str]] = {
    "fair-lottery": "ran_events.selection.fair:FairLotteryPolicy.from_parameters",
    "first-come": "ran_events.selection:FirstComePolicy.from_parameters",
    "lottery": "ran_events.selection:LotteryPolicy.from_parameters",
    "score": "ran_events.selection:ScorePolicy.from_parameters",
}
"""The built-in policies, as entry-point values (``"module:attribute"``) of their factories."""

_CONFIG_KEYS: Final = ("policy", "seed", "parameters", "quotas", "caps")


@attrs.define
class PolicyRegistry:
    """A mutable map from policy names to factories.

    Built with the built-in policies (``fair-lottery``, ``first-come``, ``lottery``,
    ``score``); with ``entry_points=True`` those of the ``ran_events.policies`` group are
    loaded on first lookup (a built-in name wins over an entry point; a broken entry point
    is skipped with a :class:`~ran_events.errors.RanEventsWarning`).
    """

    _factories: dict[str, PolicyFactory | str] = attrs.field(
        factory=lambda: dict(BUILTIN_POLICIES), alias="factories"
    )
    _entry_points: bool = attrs.field(default=True, alias="entry_points")
    _loaded: bool = attrs.field(default=False, init=False)

    def __repr__(self) -> str:
        return f"PolicyRegistry({len(self._factories)} policies)"

    def register(self, name: str, factory: PolicyFactory | str, *, replace: bool = False) -> None:
        """Register ``factory`` under ``name``.

        ``factory`` is the factory itself or, like an entry point's value, the
        ``"module:attribute"`` string of one, imported when the policy is first used.

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
        if isinstance(found, str):  # loaded on first use, as an entry point is
            found = self._factories[name] = _entry_point(name, found).load()
        return found

    def create(
        self, name: str, *, seed: int | None = None, parameters: Mapping[str, Any] | None = None
    ) -> Policy:
        """Build the policy ``name`` with its seed and parameters.

        Raises:
            UnknownPolicy: no policy has that name.
            InvalidPolicyConfig: the factory refused the seed or the parameters.
        """
        policy = build_policy(name, self.factory(name), seed=seed, parameters=parameters or {})
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
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
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


def build_policy(
    name: str, factory: PolicyFactory, *, seed: int | None, parameters: Mapping[str, Any]
) -> Policy:
    """``factory(seed=seed, parameters=parameters)``, its refusal naming the policy ``name``.

    A factory refuses with :class:`~ran_events.errors.InvalidPolicyConfig` (the policy's
    name is filled in when it has none) or, if written without this library's errors, with
    a plain :class:`ValueError`, turned into one.

    Raises:
        InvalidPolicyConfig: the factory refused the seed or the parameters.
    """
    try:
        return factory(seed=seed, parameters=dict(parameters))
    except InvalidPolicyConfig as exc:
        raise exc.with_policy(name) from None
    except RanEventsError:
        raise
    except ValueError as exc:
        raise InvalidPolicyConfig(str(exc), policy=name) from exc


def _entry_point(name: str, value: str) -> importlib.metadata.EntryPoint:
    """The entry point of the group :data:`ENTRY_POINT_GROUP` that ``value`` names."""
    return importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


@functools.cache
def default_registry() -> PolicyRegistry:
    """The registry :func:`~ran_events.selection.select` uses when none is given.

    One per process, with the built-ins and the entry points; register your own policies
    here or pass your own registry to ``select``.
    """
    return PolicyRegistry()
