"""What a selection returns: one explained decision per registration, a constraint report
and a record that reproduces it.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import functools
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NoReturn, TypeAlias, TypeVar, overload

import attrs

from ran_events import tz
from ran_events.errors import UnknownRegistration
from ran_events.models import Registration, RegistrationStatus, SelectionRules

__all__ = [
    "ConstraintReport",
    "Decision",
    "DecisionTable",
    "FrozenMapping",
    "Offer",
    "Outcome",
    "ParamValue",
    "Reason",
    "SelectionRecord",
    "SelectionResult",
    "bounds_text",
    "waitlist_reason",
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


def _decisions(value: Iterable[Decision]) -> DecisionTable:
    return value if isinstance(value, DecisionTable) else DecisionTable(value)


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


def waitlist_reason(position: int) -> Reason:
    """The ``waitlist-position`` reason: ``"position 4"``."""
    return Reason(
        code="waitlist-position", params={"position": position}, sentence=f"position {position}"
    )


class _WaitlistBlock:
    """Waitlisted decisions as columns: each :class:`Decision` is built when it is read.

    Row ``i`` is the decision of ``registration_ids[i]``: waitlisted at rank ``ranks[i]`` and
    position ``positions[i]``, with the reasons ``(waitlist_reason(positions[i]),
    *reasons[reason_index[i]])``. A row takes some 28 bytes (the id is shared with the
    registration) where a built decision with its reasons takes about 500.
    """

    __slots__ = ("positions", "ranks", "reason_index", "reasons", "registration_ids")

    def __init__(
        self,
        registration_ids: Iterable[str],
        ranks: Iterable[int],
        positions: Iterable[int],
        reason_index: Iterable[int],
        reasons: Iterable[tuple[Reason, ...]],
    ) -> None:
        self.registration_ids = tuple(registration_ids)
        self.ranks = array("q", ranks)
        self.positions = array("q", positions)
        self.reason_index = array("i", reason_index)
        self.reasons = tuple(reasons)

    def __len__(self) -> int:
        return len(self.registration_ids)

    def row(self, i: int) -> Decision:
        """The decision of row ``i`` (built now)."""
        position = self.positions[i]
        return Decision(
            registration_id=self.registration_ids[i],
            outcome=Outcome.WAITLISTED,
            rank=self.ranks[i],
            waitlist_position=position,
            reasons=(waitlist_reason(position), *self.reasons[self.reason_index[i]]),
        )

    def __iter__(self) -> Iterator[Decision]:
        return map(self.row, range(len(self)))

    def part(self, rows: slice) -> _WaitlistBlock:
        """The rows ``rows`` as a block of their own."""
        return _WaitlistBlock(
            self.registration_ids[rows],
            self.ranks[rows],
            self.positions[rows],
            self.reason_index[rows],
            self.reasons,
        )

    def same_rows(self, other: _WaitlistBlock) -> bool:
        """Whether the rows are equal, compared column by column (no decision built)."""
        return (
            self.registration_ids == other.registration_ids
            and self.ranks == other.ranks
            and self.positions == other.positions
            and [self.reasons[i] for i in self.reason_index]
            == [other.reasons[i] for i in other.reason_index]
        )

    def __reduce__(self) -> tuple[type[_WaitlistBlock], tuple[object, ...]]:
        return (
            type(self),
            (self.registration_ids, self.ranks, self.positions, self.reason_index, self.reasons),
        )


_Part: TypeAlias = "tuple[Decision, ...] | _WaitlistBlock"


def _table_of(parts: Iterable[_Part]) -> DecisionTable:
    """A table of the rows of ``parts``, in order (how a table is unpickled)."""
    table = DecisionTable()
    table._set_parts(tuple(part for part in parts if len(part)))
    return table


def _same_part(mine: _Part, theirs: _Part) -> bool:
    if isinstance(mine, _WaitlistBlock) and isinstance(theirs, _WaitlistBlock):
        return mine.same_rows(theirs)
    return len(mine) == len(theirs) and all(a == b for a, b in zip(mine, theirs, strict=True))


class DecisionTable(Sequence[Decision]):
    """The decisions of a selection: a read-only sequence that builds waitlisted ones on access.

    A large selection's waiting list is held as columns (id, rank, position, an index into
    the reasons it shares) and each :class:`Decision` is built when it is read, equal to the
    one built up front (same codes, parameters and sentences). Otherwise it behaves like the
    tuple of its decisions: ``len``, indexing, slicing (a table), iteration, ``==`` against
    tuples and other tables, hashing, pickling.

    Args:
        decisions: the decisions, in their order.
    """

    __slots__ = ("_index", "_parts", "_starts")

    def __init__(self, decisions: Iterable[Decision] = ()) -> None:
        rows = tuple(decisions)
        self._set_parts((rows,) if rows else ())

    def _set_parts(self, parts: tuple[_Part, ...]) -> None:
        self._parts = parts
        self._starts = list(itertools.accumulate((len(p) for p in parts), initial=0))
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> Decision: ...

    @overload
    def __getitem__(self, index: slice) -> DecisionTable: ...

    def __getitem__(self, index: int | slice) -> Decision | DecisionTable:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return DecisionTable(self[i] for i in range(start, stop, step))
            parts: list[_Part] = []
            for part, first in zip(self._parts, self._starts, strict=False):
                low, high = max(start - first, 0), min(stop - first, len(part))
                if low < high:
                    parts.append(
                        part[low:high] if isinstance(part, tuple) else part.part(slice(low, high))
                    )
            return _table_of(parts)
        row = index + len(self) if index < 0 else index
        if not 0 <= row < len(self):
            raise IndexError("decision index out of range")
        p = bisect.bisect_right(self._starts, row) - 1
        part = self._parts[p]
        row -= self._starts[p]
        return part[row] if isinstance(part, tuple) else part.row(row)

    def __iter__(self) -> Iterator[Decision]:
        return itertools.chain.from_iterable(self._parts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DecisionTable):
            if len(self) != len(other):
                return False
            if self._starts == other._starts:
                return all(map(_same_part, self._parts, other._parts))
            return all(a == b for a, b in zip(self, other, strict=True))
        if isinstance(other, tuple):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self, other, strict=True)
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n} {outcome.value}" for outcome, n in self.counts().items())
        return f"DecisionTable({len(self)} decisions: {shown})"

    def __reduce__(self) -> tuple[Any, tuple[tuple[_Part, ...]]]:
        return (_table_of, (self._parts,))

    def registration_ids(self) -> Iterator[str]:
        """The registration ids, in the order of the decisions (no decision is built)."""
        for part in self._parts:
            if isinstance(part, tuple):
                yield from (d.registration_id for d in part)
            else:
                yield from part.registration_ids

    def find(self, registration_id: str) -> Decision | None:
        """The decision for one registration, or ``None`` (an index is built on first use)."""
        if self._index is None:
            self._index = {rid: row for row, rid in enumerate(self.registration_ids())}
        row = self._index.get(registration_id)
        return None if row is None else self[row]

    def with_outcome(self, outcome: Outcome) -> DecisionTable:
        """The decisions with ``outcome``, in order (a waiting list block is kept as is)."""
        parts: list[_Part] = []
        for part in self._parts:
            if isinstance(part, tuple):
                parts.append(tuple(d for d in part if d.outcome is outcome))
            elif outcome is Outcome.WAITLISTED:
                parts.append(part)
        return _table_of(parts)

    def counts(self) -> dict[Outcome, int]:
        """How many decisions have each outcome (every outcome present, zeros included)."""
        found = dict.fromkeys(Outcome, 0)
        for part in self._parts:
            if isinstance(part, tuple):
                for decision in part:
                    found[decision.outcome] += 1
            else:
                found[Outcome.WAITLISTED] += len(part)
        return found


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
        decisions: exactly one per registration, as a :class:`DecisionTable` (a read-only
            sequence; the constructor takes any iterable of decisions).
        inputs: the registrations in the order of :attr:`decisions`, before the status
            changes of this result when ``transition_by`` is set, after them otherwise.
        transition_by: who the status changes are recorded as made by (``selection:NAME``),
            or ``None`` when ``inputs`` already carry them. The changes are applied on the
            first access to :attr:`registrations` (most of a large selection's cost otherwise).
        constraints: the capacity, each quota value and each cap with what was achieved.
        record: what reproduces this selection (see :func:`replay`).
        offers: places offered from the waiting list and not yet answered.
    """

    decisions: DecisionTable = attrs.field(converter=_decisions)
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
        found = self.decisions.find(registration_id)
        if found is None:
            raise UnknownRegistration(registration_id)
        return found

    def registration(self, registration_id: str) -> Registration:
        """The registration with this id, with its new status.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        for registration in self.registrations:
            if registration.id == registration_id:
                return registration
        raise UnknownRegistration(registration_id)

    @property
    def selected(self) -> DecisionTable:
        """The selected, by rank."""
        return self.decisions.with_outcome(Outcome.SELECTED)

    @property
    def waitlist(self) -> DecisionTable:
        """The waiting list, first position first (its decisions are built when read)."""
        return self.decisions.with_outcome(Outcome.WAITLISTED)

    @property
    def rejected(self) -> DecisionTable:
        """The rejected, by registration id."""
        return self.decisions.with_outcome(Outcome.REJECTED)

    def counts(self) -> dict[Outcome, int]:
        """How many decisions have each outcome (every outcome present, zeros included)."""
        return self.decisions.counts()
