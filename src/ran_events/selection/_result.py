"""What a selection returns: one explained decision per registration, a constraint report
and a record that reproduces it.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeAlias, TypeVar

import attrs

from ran_events import tz
from ran_events.errors import UnknownRegistration
from ran_events.models import Registration, RegistrationStatus, SelectionRules

__all__ = [
    "ConstraintReport",
    "Decision",
    "FrozenMapping",
    "Offer",
    "Outcome",
    "ParamValue",
    "Reason",
    "SelectionRecord",
    "SelectionResult",
    "bounds_text",
]

ParamValue: TypeAlias = str | int | float | bool | tuple[str, ...] | None
"""A value of a reason's parameters: JSON-able scalars and lists of text."""


_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenMapping(dict[_K, _V]):
    """A read-only copy of a mapping that, unlike ``types.MappingProxyType``, can be pickled.

    The frozen results of a selection (reasons, placings, a fair lottery's draw) hold their
    tables in one, so they travel to and from the workers of any
    :class:`concurrent.futures.Executor` (threads, processes, dask.distributed). It is a
    ``dict`` whose changing methods raise ``TypeError``.
    """

    __slots__ = ()

    def _read_only(self, *_args: object, **_kwargs: object) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __repr__(self) -> str:
        return f"FrozenMapping({dict(self)!r})"

    def __reduce__(self) -> tuple[type[FrozenMapping[_K, _V]], tuple[dict[_K, _V]]]:
        return (type(self), (dict(self),))


def _frozen_params(value: Mapping[str, ParamValue]) -> Mapping[str, ParamValue]:
    return FrozenMapping(value)


def _reasons(value: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(value)


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _decisions(value: Iterable[Decision]) -> tuple[Decision, ...]:
    return tuple(value)


def _registrations(value: Iterable[Registration]) -> tuple[Registration, ...]:
    return tuple(value)


def _reports(value: Iterable[ConstraintReport]) -> tuple[ConstraintReport, ...]:
    return tuple(value)


def _offers(value: Iterable[Offer]) -> tuple[Offer, ...]:
    return tuple(value)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        tz.check_aware(value, attribute.name)


def _frozen_any(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return FrozenMapping(value)


def bounds_text(low: int, high: int | None) -> str:
    """Bounds in words: ``>= 4``, ``<= 8``, ``4..8`` or ``any`` (``low`` 0: no minimum)."""
    if high is None:
        return f">= {low}" if low else "any"
    return f"{low}..{high}" if low else f"<= {high}"


class Outcome(enum.StrEnum):
    """What a selection decided for one registration."""

    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"


@attrs.frozen(kw_only=True)
class Reason:
    """One reason behind a decision: a machine-readable code, its parameters and a sentence.

    Attributes:
        code: e.g. ``"rank"``, ``"cap"``, ``"quota-reserve"``, ``"not-target-group"``.
        params: the values the sentence is built from (JSON-able).
        sentence: the reason in words, e.g. ``"country=BE already at its cap of 4"``.
    """

    code: str
    params: Mapping[str, ParamValue] = attrs.field(factory=dict, converter=_frozen_params)
    sentence: str


@attrs.frozen(kw_only=True)
class Decision:
    """The outcome for one registration, with its rank and the reasons for it.

    Attributes:
        registration_id: the registration decided.
        outcome: selected, waitlisted or rejected.
        rank: the place in the policy's order among the eligible (1 first); ``None`` for a
            registration rejected before ordering.
        waitlist_position: 1 for the first on the waiting list; ``None`` when not waitlisted.
        reasons: why, most important first.
    """

    registration_id: str
    outcome: Outcome = attrs.field(converter=Outcome)
    rank: int | None = None
    waitlist_position: int | None = None
    reasons: tuple[Reason, ...] = attrs.field(default=(), converter=_reasons)

    @property
    def sentence(self) -> str:
        """The decision in words, e.g. ``"waitlisted: position 4; country=BE at its cap of 4"``."""
        if not self.reasons:
            return self.outcome.value
        return f"{self.outcome.value}: " + "; ".join(r.sentence for r in self.reasons)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of :attr:`reasons`, in order."""
        return tuple(r.code for r in self.reasons)


@attrs.frozen(kw_only=True)
class ConstraintReport:
    """How one constraint came out: its bounds and what the selection achieved.

    Attributes:
        kind: ``"capacity"``, ``"quota"`` or ``"cap"``.
        attribute: the attribute bounded (``None`` for the capacity).
        value: the value bounded; for a cap, the most selected value (``None`` if none).
        min: the lower bound (0 when none).
        max: the upper bound (``None`` when none); for a cap, its limit.
        achieved: how many selected have the value (for a cap: the most sharing one value;
            for the capacity: how many are selected).
        available: how many eligible applicants have the value (for the capacity and caps:
            how many are eligible).
    """

    kind: str
    attribute: str | None = None
    value: str | None = None
    min: int = 0
    max: int | None = None
    achieved: int
    available: int

    @property
    def satisfied(self) -> bool:
        """Whether ``min <= achieved <= max``."""
        return self.min <= self.achieved and (self.max is None or self.achieved <= self.max)

    @property
    def label(self) -> str:
        """What is bounded, in words: ``capacity``, ``role=prison``, ``organisation (each)``."""
        if self.kind == "capacity":
            return "capacity"
        if self.kind == "cap":
            return f"{self.attribute} (each)"
        return f"{self.attribute}={self.value}"

    @property
    def bounds(self) -> str:
        """The bounds in words: ``>= 4``, ``<= 8``, ``4..8`` or ``any``."""
        return bounds_text(self.min, self.max)


@attrs.frozen(kw_only=True)
class SelectionRecord:
    """Everything needed to reproduce a selection exactly from the same registrations.

    Attributes:
        event_id: the event selected for.
        capacity: the number of places.
        target_groups: the event's target groups (eligibility by role; empty: any role).
        rules: the policy name, its seed and parameters, the quotas and caps.
        policy_parameters: the parameters the policy reported for itself (JSON-able).
        input_sha256: SHA-256 of the canonical form of the registrations given (order-free).
        registration_count: how many registrations were given.
        decided_at: when the selection was made (the clock injected as ``now``).
        library_version: the version of ``ran_events`` that made it.

    Raises:
        NaiveDatetimeError: ``decided_at`` has no zone.
    """

    event_id: str
    capacity: int
    target_groups: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    rules: SelectionRules
    policy_parameters: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_any)
    input_sha256: str
    registration_count: int
    decided_at: _dt.datetime = attrs.field(validator=_aware)
    library_version: str

    @property
    def policy(self) -> str:
        """The policy's name."""
        return self.rules.policy

    @property
    def seed(self) -> int | None:
        """The policy's seed (``None`` when the policy takes none)."""
        return self.rules.seed


@attrs.frozen(kw_only=True)
class Offer:
    """A place offered to a waitlisted applicant, to accept by ``respond_by`` if set.

    Raises:
        NaiveDatetimeError: ``offered_at`` or ``respond_by`` has no zone.

    Attributes:
        registration_id: who is offered the place.
        offered_at: when.
        respond_by: the instant after which the offer lapses (``None``: no expiry).
        replaces: the registration whose place it is.
    """

    registration_id: str
    offered_at: _dt.datetime = attrs.field(validator=_aware)
    respond_by: _dt.datetime | None = attrs.field(default=None, validator=_aware)
    replaces: str


_STATUS = {
    Outcome.SELECTED: RegistrationStatus.SELECTED,
    Outcome.WAITLISTED: RegistrationStatus.WAITLISTED,
    Outcome.REJECTED: RegistrationStatus.REJECTED,
}


@attrs.frozen(kw_only=True)
class SelectionResult:
    """One decision per registration, the constraint report, the record and the registrations.

    Decisions are ordered selected (by rank), then waitlisted (by position), then rejected
    (by id), so a result does not depend on the order the registrations were given in;
    :attr:`registrations` (with their new status and history) are in the same order.

    Attributes:
        decisions: exactly one per registration.
        inputs: the registrations in the order of :attr:`decisions`, before the status
            changes of this result when ``transition_by`` is set, after them otherwise.
        transition_by: who the status changes are recorded as made by (``selection:NAME``),
            or ``None`` when ``inputs`` already carry them. The changes are applied on the
            first access to :attr:`registrations` (most of a large selection's cost otherwise).
        constraints: the capacity, each quota value and each cap with what was achieved.
        record: what reproduces this selection (see :func:`replay`).
        offers: places offered from the waiting list and not yet answered.
    """

    decisions: tuple[Decision, ...] = attrs.field(converter=_decisions)
    inputs: tuple[Registration, ...] = attrs.field(converter=_registrations, eq=False, repr=False)
    transition_by: str | None = attrs.field(default=None, eq=False, repr=False)
    constraints: tuple[ConstraintReport, ...] = attrs.field(converter=_reports)
    record: SelectionRecord
    offers: tuple[Offer, ...] = attrs.field(default=(), converter=_offers)

    @functools.cached_property
    def registrations(self) -> tuple[Registration, ...]:
        """The registrations with their new status and history, in the order of the decisions.

        Each submitted registration moves to the status of its outcome at
        ``record.decided_at``, with the decision's sentence as the reason.
        """
        by = self.transition_by
        if by is None:
            return self.inputs
        at = self.record.decided_at
        return tuple(
            registration.transition(
                _STATUS[decision.outcome], at=at, reason=decision.sentence, by=by
            )
            if registration.status is RegistrationStatus.SUBMITTED
            else registration
            for decision, registration in zip(self.decisions, self.inputs, strict=True)
        )

    def __iter__(self) -> Iterator[Decision]:
        return iter(self.decisions)

    def __len__(self) -> int:
        return len(self.decisions)

    def decision(self, registration_id: str) -> Decision:
        """The decision for one registration.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        for decision in self.decisions:
            if decision.registration_id == registration_id:
                return decision
        raise UnknownRegistration(registration_id)

    def registration(self, registration_id: str) -> Registration:
        """The registration with this id, with its new status.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        for registration in self.registrations:
            if registration.id == registration_id:
                return registration
        raise UnknownRegistration(registration_id)

    def _with(self, outcome: Outcome) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.outcome is outcome)

    @property
    def selected(self) -> tuple[Decision, ...]:
        """The selected, by rank."""
        return self._with(Outcome.SELECTED)

    @property
    def waitlist(self) -> tuple[Decision, ...]:
        """The waiting list, first position first."""
        return self._with(Outcome.WAITLISTED)

    @property
    def rejected(self) -> tuple[Decision, ...]:
        """The rejected, by registration id."""
        return self._with(Outcome.REJECTED)

    def counts(self) -> dict[Outcome, int]:
        """How many decisions have each outcome (every outcome present, zeros included)."""
        found = dict.fromkeys(Outcome, 0)
        for decision in self.decisions:
            found[decision.outcome] += 1
        return found
