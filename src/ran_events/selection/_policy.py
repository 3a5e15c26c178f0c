"""Selection policies (the order applicants are considered in) and eligibility rules.

A :class:`Policy` turns the eligible registrations into an order, each with a
:class:`Placing` that says why it stands where it does. The built-in policies:

* ``first-come``: by ``submitted_at``, then registration id;
* ``lottery``: by ticket, the SHA-256 of (seed, event id, registration id), so the order
  never depends on the input order, Python's hash seed or the platform;
* ``score``: by declared weights over the form answers (highest first), ties broken by
  lottery ticket.

Randomness is only ever a SHA-256 ticket; there is no global random generator and no
hidden default seed (a seed of 0 is a seed).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _json_text
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from ran_events.errors import InvalidPolicyConfig
from ran_events.models import Registration
from ran_events.selection._result import FrozenMapping, Reason

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "FILL_PARAMETER",
    "REQUIRE_PARAMETER",
    "EligibilityRule",
    "FirstComePolicy",
    "LotteryPolicy",
    "Placing",
    "Policy",
    "PolicyFactory",
    "RequiredValueRule",
    "ScorePolicy",
    "TargetGroupRule",
    "TicketPolicy",
    "eligibility_rules",
    "lottery_ticket",
    "policy_parameters",
    "refuse_unknown_parameters",
    "required_seed",
]

REQUIRE_PARAMETER = "require"
"""The key of ``SelectionRules.parameters`` holding required values (an eligibility rule,
not a policy parameter): ``{"casework": "yes"}`` or ``{"gender": ["female", "male"]}``."""

FILL_PARAMETER = "fill"
"""The key of ``SelectionRules.parameters`` saying how many places to fill (read by the
engine, not a policy parameter): ``"capacity"`` (the default) or ``"most"``."""


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return FrozenMapping(value)


@attrs.frozen(kw_only=True)
class Placing:
    """Where a policy puts one registration, and why.

    Attributes:
        registration_id: the registration placed.
        summary: the policy's reason in words, e.g. ``"ticket 3fa2c1d09b7e"`` or
            ``"score 7.5 (experience 3 x 2 = 6, casework yes x 1.5 = 1.5)"``.
        components: the numbers behind it (score components, JSON-able).
    """

    registration_id: str
    summary: str
    components: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)


@runtime_checkable
class Policy(Protocol):
    """Protocol of a selection policy: a named, parameterised order of registrations.

    A policy must be deterministic: the same registrations (in any order) and parameters give
    the same order on every machine. Register a factory for it in a
    :class:`~ran_events.selection.PolicyRegistry` (or the entry-point group
    ``ran_events.policies``) to use it by name.
    """

    @property
    def name(self) -> str:
        """The name it is registered under (``"lottery"``)."""
        ...

    @property
    def parameters(self) -> Mapping[str, Any]:
        """Its parameters as JSON-able data, recorded with every selection it makes."""
        ...

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """Return one placing per registration, first to be considered first.

        Args:
            registrations: the eligible registrations, in no particular order.
            event_id: the event's id (the lottery hashes it into the tickets).

        Returns:
            Every registration exactly once, in the policy's order.
        """
        ...


@runtime_checkable
class TicketPolicy(Policy, Protocol):
    """Protocol of a policy whose order depends on the registration ids alone (a lottery).

    :meth:`ranking` gives that order without building the placings; it must agree with
    :meth:`~Policy.order`. :func:`~ran_events.selection.simulate` asks for it on every run,
    which is much faster than placing every registration.

    Part of the contract: the :class:`Placing` that :meth:`~Policy.order` gives a
    registration depends on its id alone (not on the other registrations given), so
    :func:`~ran_events.selection.select` takes the order from :meth:`ranking` and asks
    :meth:`~Policy.order` only for the placings of the selected (the reasons of their rank).
    """

    def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
        """The positions in ``registration_ids`` in the order :meth:`~Policy.order` places
        their registrations (``[2, 0, 1]``: the third id first)."""
        ...


@runtime_checkable
class _RankingBuffer(Protocol):
    """A ticket policy that gives its ranking as a buffer of integers (the engine's shortcut)."""

    def _ranking_buffer(
        self, registration_ids: Sequence[str], *, event_id: str
    ) -> memoryview | None: ...


class PolicyFactory(Protocol):
    """Protocol of what a :class:`PolicyRegistry` maps a name to: builds a configured policy.

    Raises:
        InvalidPolicyConfig: the seed or a parameter is missing or invalid.
    """

    def __call__(self, *, seed: int | None, parameters: Mapping[str, Any]) -> Policy: ...


def refuse_unknown_parameters(
    name: str, parameters: Mapping[str, Any], allowed: Sequence[str]
) -> None:
    """Raise unless every key of ``parameters`` is one the policy ``name`` allows.

    Raises:
        InvalidPolicyConfig: naming the first unknown key (and a close allowed one).
    """
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1, cutoff=0.75)
        raise InvalidPolicyConfig(
            f"selection.parameters.{unknown[0]}",
            parameters[unknown[0]],
            f"only {', '.join(allowed)} for the {name!r} policy"
            if allowed
            else f"no parameters for the {name!r} policy",
            detail=f"unknown parameter {unknown[0]!r}"
            + (f"; did you mean {close[0]!r}?" if close else ""),
        )


def required_seed(name: str, seed: int | None) -> int:
    """``seed``, checked: the policy ``name`` draws lottery tickets and needs one.

    Raises:
        InvalidPolicyConfig: no seed, or one that is not a whole number.
    """
    if seed is None:
        raise InvalidPolicyConfig(
            "selection.seed",
            None,
            f"a whole number (the {name!r} policy draws lottery tickets; 0 is a valid seed)",
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidPolicyConfig("selection.seed", seed, "a whole number")
    return seed


# --------------------------------------------------------------------------------------------
# Tickets


def lottery_ticket(seed: int, event_id: str, registration_id: str) -> str:
    """The lottery ticket of one registration: hex SHA-256 of (seed, event id, registration id).

    The three values are encoded as a JSON array (unambiguous whatever the ids contain), so a
    ticket is the same on every machine and Python version and independent of the others.

    Args:
        seed: the lottery's seed.
        event_id: the event's id.
        registration_id: the registration's id.

    Returns:
        64 hex digits; a lottery orders by ticket, then registration id.
    """
    return _tickets(seed, event_id)(registration_id)


def _ticket_prefix(seed: int, event_id: str) -> bytes:
    """The start of a ticket's hashed text: the JSON array's seed and event id."""
    return f"[{int(seed)}, {_json_text(event_id)}, ".encode("ascii")


@functools.lru_cache(maxsize=1 << 16)  # a simulation draws the same ids' tickets every run
def _ticket_suffix(registration_id: str) -> bytes:
    """The end of a ticket's hashed text: the JSON array's registration id."""
    return _json_text(registration_id).encode("ascii") + b"]"


def _tickets(seed: int, event_id: str) -> Callable[[str], str]:
    """:func:`lottery_ticket` with the seed and event fixed (the JSON prefix encoded once)."""
    prefix = _ticket_prefix(seed, event_id)
    sha256 = hashlib.sha256

    def ticket(registration_id: str) -> str:
        return sha256(prefix + _ticket_suffix(registration_id)).hexdigest()

    return ticket


# --------------------------------------------------------------------------------------------
# Built-in policies


@attrs.frozen
class FirstComePolicy:
    """First come, first considered: by ``submitted_at`` (as an instant), then id."""

    @property
    def name(self) -> str:
        """``"first-come"``."""
        return "first-come"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """No parameters."""
        return {}

    @classmethod
    def from_parameters(
        cls, *, seed: int | None, parameters: Mapping[str, Any]
    ) -> FirstComePolicy:
        """Build it from configuration (no parameters; any seed is ignored).

        Raises:
            InvalidPolicyConfig: a parameter is given.
        """
        refuse_unknown_parameters("first-come", parameters, ())
        return cls()

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """By submission instant, then registration id."""
        ranked = sorted(registrations, key=lambda r: (r.submitted_at.astimezone(_dt.UTC), r.id))
        return [
            Placing(
                registration_id=r.id,
                summary=f"submitted {r.submitted_at.isoformat()}",
                components={"submitted_at": r.submitted_at.isoformat()},
            )
            for r in ranked
        ]


@attrs.frozen(kw_only=True)
class LotteryPolicy:
    """A lottery: by ticket (:func:`lottery_ticket`), then registration id.

    Raises:
        InvalidPolicyConfig: no seed (there is no default seed).
    """

    seed: int

    def __attrs_post_init__(self) -> None:
        required_seed("lottery", self.seed)

    @property
    def name(self) -> str:
        """``"lottery"``."""
        return "lottery"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """No parameters beyond the seed."""
        return {}

    @classmethod
    def from_parameters(cls, *, seed: int | None, parameters: Mapping[str, Any]) -> LotteryPolicy:
        """Build it from configuration.

        Raises:
            InvalidPolicyConfig: no seed, or a parameter is given.
        """
        refuse_unknown_parameters("lottery", parameters, ())
        return cls(seed=required_seed("lottery", seed))

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """By ticket, then registration id."""
        ids = [r.id for r in registrations]
        tickets = list(map(_tickets(self.seed, event_id), ids))  # one hash a registration
        heads = b"".join([bytes.fromhex(ticket[:16]) for ticket in tickets])
        placings = []
        for i in _by_heads(heads, lambda i: (tickets[i], ids[i])).tolist():
            ticket = tickets[i]
            placings.append(
                Placing(
                    registration_id=ids[i],
                    summary=f"ticket {ticket[:12]}",
                    components={"ticket": ticket},
                )
            )
        return placings

    def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
        """The positions in ``registration_ids`` in lottery order (that of :meth:`order`)."""
        ranked: list[int] = self._ranked(registration_ids, event_id).tolist()
        return ranked

    def _ranking_buffer(
        self, registration_ids: Sequence[str], *, event_id: str
    ) -> memoryview | None:
        """:meth:`ranking` as a buffer of machine integers (8 bytes a registration, where a
        list takes 40), or ``None`` when a subclass ranks in its own way."""
        if type(self).ranking is not LotteryPolicy.ranking:
            return None
        return self._ranked(registration_ids, event_id).data

    def _ranked(self, registration_ids: Sequence[str], event_id: str) -> NDArray[np.intp]:
        """The positions by ticket, then id, then position, as an array (see :func:`_by_heads`).

        The first 8 bytes of each ticket's digest are held in one buffer (some 40 bytes a
        registration in all, where a list of digests and positions takes some 140).
        """
        prefix = _ticket_prefix(self.seed, event_id)
        sha256, suffix = hashlib.sha256, _ticket_suffix
        heads = bytearray(8 * len(registration_ids))
        chunk = 1 << 10  # the digests of one chunk at a time
        for start in range(0, len(registration_ids), chunk):
            heads[8 * start : 8 * (start + chunk)] = b"".join(
                [
                    sha256(prefix + suffix(rid)).digest()[:8]
                    for rid in registration_ids[start : start + chunk]
                ]
            )
        tickets = _tickets(self.seed, event_id)
        return _by_heads(heads, lambda i: (tickets(registration_ids[i]), registration_ids[i]))


def _by_heads(heads: bytes | bytearray, tie: Callable[[int], tuple[str, str]]) -> NDArray[np.intp]:
    """The positions in lottery order, given the first 8 bytes of each ticket's digest.

    Sorted on those bytes (the hex of a digest keeps the order of its bytes); when two are
    equal (a repeated id; for two ids, odds of 1 in 10^7 among a million) all are put in
    order by ``tie(position)`` (the whole ticket, then the id), then the position.
    """
    import numpy as np  # noqa: PLC0415 - numpy only when a lottery is drawn

    keys = np.frombuffer(heads, dtype=">u8") if heads else np.zeros(0, dtype=">u8")
    ranked = np.argsort(keys, kind="stable")
    in_order = keys[ranked]
    if np.any(in_order[1:] == in_order[:-1]):
        ranked = np.array(sorted(range(len(keys)), key=tie), dtype=np.intp)
    return ranked


Weight = float | Mapping[str, float]


def _check_weights(value: object) -> dict[str, Weight]:
    field = "selection.parameters.weights"
    if not isinstance(value, Mapping) or not value:
        raise InvalidPolicyConfig(
            field,
            value,
            "a table of attribute -> number, or attribute -> {value = number}, e.g. "
            "{experience = 2, casework = 1.5}",
        )
    checked: dict[str, Weight] = {}
    for attribute, weight in value.items():
        if isinstance(weight, Mapping):
            table: dict[str, float] = {}
            for choice, points in weight.items():
                table[str(choice)] = _number(f"{field}.{attribute}.{choice}", points)
            checked[str(attribute)] = _frozen(table)
        else:
            checked[str(attribute)] = _number(f"{field}.{attribute}", weight)
    return checked


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidPolicyConfig(field, value, "a finite number")
    return float(value)


def _fmt(value: float) -> str:
    return f"{value:g}"


@attrs.frozen(kw_only=True)
class ScorePolicy:
    """Highest score first; ties broken by lottery ticket.

    A number weight multiplies a numeric answer (a scale value; yes = 1, no = 0; the number of
    choices of a multiple-choice answer). A table weight gives points per value (each chosen
    value of a multiple-choice answer counts). The score is the sum over the weighted
    attributes, taken in sorted order; a missing answer scores 0.

    Raises:
        InvalidPolicyConfig: no seed, or weights that are not numbers.
    """

    seed: int
    weights: Mapping[str, Weight] = attrs.field(converter=_check_weights)

    def __attrs_post_init__(self) -> None:
        required_seed("score", self.seed)

    @property
    def name(self) -> str:
        """``"score"``."""
        return "score"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """``{"weights": {...}}``."""
        return {
            "weights": {
                a: dict(w) if isinstance(w, Mapping) else w
                for a, w in sorted(self.weights.items())
            }
        }

    @classmethod
    def from_parameters(cls, *, seed: int | None, parameters: Mapping[str, Any]) -> ScorePolicy:
        """Build it from configuration: ``weights`` is required.

        Raises:
            InvalidPolicyConfig: no seed, no weights, or an unknown parameter.
        """
        refuse_unknown_parameters("score", parameters, ("weights",))
        return cls(seed=required_seed("score", seed), weights=parameters.get("weights"))

    def components(self, registration: Registration) -> dict[str, float]:
        """The points each weighted attribute gives ``registration``.

        Raises:
            InvalidPolicyConfig: a number weight on an answer that is not a number.
        """
        points: dict[str, float] = {}
        for attribute, weight in sorted(self.weights.items()):
            if isinstance(weight, Mapping):
                answer = registration.answers.get(attribute)
                chosen = (
                    answer
                    if isinstance(answer, tuple)
                    else (v,)
                    if (v := registration.value_of(attribute)) is not None
                    else ()
                )
                points[attribute] = sum(weight.get(choice, 0.0) for choice in chosen)
            else:
                points[attribute] = weight * self._numeric(registration, attribute)
        return points

    @staticmethod
    def _numeric(registration: Registration, attribute: str) -> float:
        answer: object = registration.answers.get(attribute)
        if answer is None:
            answer = registration.value_of(attribute)
        if answer is None:
            return 0.0
        if isinstance(answer, bool):
            return 1.0 if answer else 0.0
        if isinstance(answer, int):
            return float(answer)
        if isinstance(answer, tuple):
            return float(len(answer))
        text = str(answer).strip().lower()
        if text in ("yes", "no"):
            return 1.0 if text == "yes" else 0.0
        try:
            number = float(text)
        except ValueError:
            raise InvalidPolicyConfig(
                f"selection.parameters.weights.{attribute}",
                answer,
                "a table of points per value for a text answer, e.g. {female = 1}",
                detail=f"registration {registration.id} answered a text",
            ) from None
        return number if math.isfinite(number) else 0.0

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """Highest score first, then by lottery ticket, then registration id."""
        keyed = []
        tickets = _tickets(self.seed, event_id)
        for r in registrations:
            parts = self.components(r)
            total = math.fsum(parts.values())
            ticket = tickets(r.id)
            keyed.append((-total, ticket, r.id, parts))
        keyed.sort(key=lambda item: item[:3])
        placings = []
        for negative, ticket, rid, parts in keyed:
            shown = ", ".join(f"{a} {_fmt(p)}" for a, p in parts.items())
            placings.append(
                Placing(
                    registration_id=rid,
                    summary=f"score {_fmt(-negative + 0.0)} ({shown})",
                    components={"score": -negative + 0.0, **parts, "ticket": ticket},
                )
            )
        return placings


# --------------------------------------------------------------------------------------------
# Eligibility


class EligibilityRule(Protocol):
    """Protocol of an eligibility rule: a reason to reject a registration, or ``None``."""

    def check(self, registration: Registration) -> Reason | None:
        """Why ``registration`` is not eligible, or ``None`` when it is."""
        ...


@attrs.frozen(kw_only=True)
class TargetGroupRule:
    """Only registrants whose role is one of the event's target groups are eligible."""

    groups: tuple[str, ...] = attrs.field(converter=_texts)

    def check(self, registration: Registration) -> Reason | None:
        """A ``not-target-group`` reason when the role is not a target group."""
        role = registration.value_of("role")
        if role in self.groups:
            return None
        return _not_target_group(role, self.groups)


@functools.lru_cache(maxsize=1024)  # one shared reason per role: a million rejections share few
def _not_target_group(role: str | None, groups: tuple[str, ...]) -> Reason:
    sentence = (
        "no role given; the target groups are " + ", ".join(groups)
        if role is None
        else f"role {role!r} is not a target group"
    )
    return Reason(
        code="not-target-group", params={"role": role, "target_groups": groups}, sentence=sentence
    )


@attrs.frozen(kw_only=True)
class RequiredValueRule:
    """Only registrations whose ``attribute`` has one of the ``accepted`` values are eligible."""

    attribute: str
    accepted: tuple[str, ...] = attrs.field(converter=_texts)

    def check(self, registration: Registration) -> Reason | None:
        """A ``required-value`` reason when the value is missing or not accepted."""
        value = registration.value_of(self.attribute)
        if value in self.accepted:
            return None
        return _required_value(self.attribute, value, self.accepted)


@functools.lru_cache(maxsize=1024)  # one shared reason per value met
def _required_value(attribute: str, value: str | None, accepted: tuple[str, ...]) -> Reason:
    wanted = " or ".join(repr(a) for a in accepted)
    shown = "no answer" if value is None else repr(value)
    return Reason(
        code="required-value",
        params={"attribute": attribute, "value": value, "accepted": accepted},
        sentence=f"{attribute} is {shown}; {wanted} is required",
    )


def eligibility_rules(
    target_groups: Sequence[str], parameters: Mapping[str, Any]
) -> list[EligibilityRule]:
    """The eligibility rules of a selection: the target groups, then required values.

    Args:
        target_groups: the event's target groups (no rule when empty).
        parameters: ``SelectionRules.parameters``; its :data:`REQUIRE_PARAMETER` entry maps
            an attribute to the value (or list of values) it must have.

    Returns:
        The rules, in the order they are checked.

    Raises:
        InvalidPolicyConfig: ``require`` is not a table of attribute -> value(s).
    """
    rules: list[EligibilityRule] = []
    if target_groups:
        rules.append(TargetGroupRule(groups=tuple(target_groups)))
    required = parameters.get(REQUIRE_PARAMETER, {})
    field = f"selection.parameters.{REQUIRE_PARAMETER}"
    if not isinstance(required, Mapping):
        raise InvalidPolicyConfig(field, required, 'a table such as {casework = "yes"}')
    for attribute, accepted in sorted(required.items()):
        values = [accepted] if isinstance(accepted, str | bool | int) else accepted
        if not isinstance(values, list | tuple) or not values:
            raise InvalidPolicyConfig(f"{field}.{attribute}", accepted, "a value or a list")
        texts = tuple(("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values)
        rules.append(RequiredValueRule(attribute=str(attribute), accepted=texts))
    return rules


def policy_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``SelectionRules.parameters`` without the engine's entries (``require``, ``fill``):
    what the policy gets."""
    return {k: v for k, v in parameters.items() if k not in (REQUIRE_PARAMETER, FILL_PARAMETER)}
