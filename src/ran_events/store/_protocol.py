"""The :class:`Store` protocol and the values it returns.

A store is one file (SQLite) or database (PostgreSQL) holding many events: each event's
revisions, its registrations with their full status history, its selection records, offers,
the log of its outgoing messages and an audit log. The layers above hand it opaque text
(selection records as JSON) and bytes (messages); it does not interpret them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Final, Literal, Protocol, TypeAlias, runtime_checkable

import attrs

from ..intake import BookBackend, OnDuplicate, RegistrationBook
from ..models import Event, Registration
from ..models._checks import _aware

OfferOutcome: TypeAlias = Literal["accepted", "declined", "expired", "withdrawn"]
"""How an offer of a place closed."""
OFFER_OUTCOMES: Final[tuple[str, ...]] = ("accepted", "declined", "expired", "withdrawn")

MessageState: TypeAlias = Literal["queued", "sent", "failed"]
"""Where an outgoing message stands: ``queued`` (to send, or to retry after a temporary
failure), ``sent``, or ``failed`` (a permanent failure)."""
MESSAGE_STATES: Final[tuple[str, ...]] = ("queued", "sent", "failed")

AssignmentKind: TypeAlias = Literal["groups", "workshops"]
"""Which assignment of an event: its small groups, or its parallel workshops."""
ASSIGNMENT_KINDS: Final[tuple[str, ...]] = ("groups", "workshops")


class AssignmentLike(Protocol):
    """A placement as :meth:`Store.put_assignments` takes it (a groups CSV row,
    :class:`~ran_events.groups.AssignmentRow`, or a :class:`StoredAssignment`)."""

    @property
    def registration_id(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def reason(self) -> str: ...


def _aware_or_none(name: str) -> Any:
    return attrs.validators.optional(_aware(name))


@attrs.frozen(kw_only=True)
class StoredSelection:
    """One selection record kept for an event.

    Attributes:
        id: the store's number for it (increasing in the order stored).
        event_id: the event.
        at: when it was stored.
        seed: the lottery seed (``None`` for a policy without one).
        policy: the policy's name.
        record_json: the record as the selection layer wrote it (``record_text``).
    """

    id: int
    event_id: str
    at: _dt.datetime = attrs.field(validator=_aware("at"))
    seed: int | None
    policy: str
    record_json: str


@attrs.frozen(kw_only=True)
class Offer:
    """A place offered to a registration (from the waiting list) until a deadline.

    Attributes:
        id: the store's number for it.
        event_id: the event.
        registration_id: who was offered the place.
        at: when it was offered.
        deadline: until when it may be accepted.
        closed_at: when it closed (``None`` while open).
        outcome: how it closed (:data:`OfferOutcome`; ``None`` while open).
        source: what made the offer (free text: a command, a service).
    """

    id: int
    event_id: str
    registration_id: str
    at: _dt.datetime = attrs.field(validator=_aware("at"))
    deadline: _dt.datetime = attrs.field(validator=_aware("deadline"))
    closed_at: _dt.datetime | None = attrs.field(
        default=None, validator=_aware_or_none("closed_at")
    )
    outcome: str | None = None
    source: str = ""

    def is_open(self, at: _dt.datetime) -> bool:
        """Whether the offer can still be accepted at ``at``: not closed, deadline not passed."""
        return self.closed_at is None and at < self.deadline


@attrs.frozen(kw_only=True)
class StoredAssignment:
    """One placement of a stored assignment (small groups or workshops) of an event.

    Attributes:
        registration_id: the participant's registration id (an id only: an erasure leaves
            it as it is).
        group: the group's label (``"1"``, ``"2"``, ... for small groups; the choice slot for
            workshops).
        session_id: the session the group meets in, or ``""``.
        reason: why the participant is there, in words.
        kind: :data:`AssignmentKind`.
        version: the version of the event's assignment of this kind (1, 2, ...).
        at: when that version was stored.
        by: who stored it ("" if not said).
    """

    registration_id: str
    group: str
    session_id: str = ""
    reason: str = ""
    kind: str
    version: int
    at: _dt.datetime = attrs.field(validator=_aware("at"))
    by: str = ""


@attrs.frozen(kw_only=True, repr=False)
class QueuedMessage:
    """One outgoing message in the store's log (delivery sends each exactly once).

    Attributes:
        message_id: its Message-ID (the log's key: queueing it again changes nothing).
        event_id: the event.
        recipient: the address it goes to.
        kind: what it is (``invitation``, ``decision``, ``cancellation``, ...).
        data: the whole message as bytes (RFC 5322).
        queued_at: when it was queued.
        state: :data:`MessageState`.
        sent_at: when it was sent (``None`` until then).
        attempts: how many failed attempts were recorded.
        last_error: the last failure's message ("" if none).
        registration_id: the registration it concerns, if any.
        uid: the iCalendar UID it carries, if any.
        sequence: the iCalendar SEQUENCE it carries, if any.
    """

    message_id: str
    event_id: str
    recipient: str
    kind: str
    data: bytes
    queued_at: _dt.datetime = attrs.field(validator=_aware("queued_at"))
    state: str = "queued"
    sent_at: _dt.datetime | None = attrs.field(default=None, validator=_aware_or_none("sent_at"))
    attempts: int = 0
    last_error: str = ""
    registration_id: str | None = None
    uid: str | None = None
    sequence: int | None = None

    def __repr__(self) -> str:  # the recipient and body are personal data: not in logs
        return (
            f"QueuedMessage(message_id={self.message_id!r}, event_id={self.event_id!r}, "
            f"kind={self.kind!r}, state={self.state!r}, attempts={self.attempts})"
        )


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One entry of a store's audit log (erasures, purges, migrations).

    Attributes:
        at: when.
        action: ``erase``, ``purge`` or ``migrate``.
        subject: what it concerned (a registration id, a schema step).
        by: who did it ("" if not said).
        event_id: the event (``None`` for a change of the whole store, such as a migration).
        detail: more, in words.
    """

    at: _dt.datetime = attrs.field(validator=_aware("at"))
    action: str
    subject: str
    by: str = ""
    event_id: str | None = None
    detail: str = ""


@runtime_checkable
class Store(Protocol):
    """Protocol: the state of events that outlives a process, shared by threads and processes.

    Implementations: :class:`~ran_events.store.SqliteStore` (embedded, the default) and
    :class:`~ran_events.store.PostgresStore` (services). Open one with
    :func:`~ran_events.store.open_store`. Every change is one transaction; every datetime
    given must be aware (:class:`~ran_events.errors.NaiveDatetimeError`).

    Per event, :meth:`backend` gives the :class:`~ran_events.intake.BookBackend` that a
    :class:`~ran_events.intake.RegistrationBook` keeps its registrations in (:meth:`book`
    makes that book). Across processes the store is the arbiter: one registration per
    normalised address and event, the latest ``submitted_at`` kept under
    ``on_duplicate="replace"``, status changes compare-and-set; a status is the last entry
    of an append-only history.
    """

    schema_version: int
    """The schema version of the open store (after migration: the newest this code knows)."""

    # -- registrations ----------------------------------------------------------------------

    def book(self, event: Event, *, on_duplicate: OnDuplicate = "reject") -> RegistrationBook:
        """Store ``event`` (:meth:`put_event`, now) and return its book kept in this store."""
        ...

    def backend(self, event_id: str) -> BookBackend:
        """The book backend of one event (stored already; else :class:`UnknownEvent`)."""
        ...

    # -- events ---------------------------------------------------------------------------

    def put_event(self, event: Event, *, at: _dt.datetime, source: str = "") -> int:
        """Store ``event`` as loaded; returns its revision (1, 2, ...).

        The same content as a stored revision returns that revision and adds nothing.
        """
        ...

    def event(self, event_id: str, *, revision: int | None = None) -> Event:
        """The event (its latest revision, or the one asked for).

        Raises:
            UnknownEvent: no such event or revision.
        """
        ...

    def event_ids(self) -> list[str]:
        """The ids of the events held, sorted."""
        ...

    # -- selection records ----------------------------------------------------------------

    def add_selection(
        self,
        event_id: str,
        record_json: str,
        *,
        at: _dt.datetime,
        seed: int | None,
        policy: str,
    ) -> int:
        """Keep one selection record (as the selection layer wrote it); returns its id."""
        ...

    def selections(self, event_id: str) -> list[StoredSelection]:
        """The event's selection records, oldest first."""
        ...

    # -- small groups and workshops ------------------------------------------------------

    def put_assignments(
        self,
        event_id: str,
        kind: str,
        rows: Iterable[AssignmentLike],
        *,
        at: _dt.datetime,
        by: str = "",
    ) -> int:
        """Store the event's assignment of ``kind`` (:data:`AssignmentKind`); returns its
        version (1, 2, ...).

        The rows replace the latest assignment of that kind as a new version; the older
        versions are kept (append-only). Rows equal (in order) to the latest version's return
        that version and add nothing, so a re-run that assigns the same is not a new version.

        Raises:
            InvalidValue: an unknown ``kind`` (``field`` ``kind``).
            UnknownEvent: the store holds no such event.
            UnknownRegistration: a row names a registration the event does not have.
        """
        ...

    def assignments(
        self, event_id: str, kind: str | None = None, *, version: int | None = None
    ) -> list[StoredAssignment]:
        """The latest version of the event's assignment of each kind (only ``kind`` if given),
        by kind, each in the order stored; ``[]`` when none is stored.

        An older version stays readable: ``version`` (with ``kind``) reads that one.

        Raises:
            InvalidValue: an unknown ``kind``, or a ``version`` without a ``kind`` (``field``
                ``kind``).
        """
        ...

    # -- offers ---------------------------------------------------------------------------

    def add_offer(
        self,
        event_id: str,
        registration_id: str,
        *,
        at: _dt.datetime,
        deadline: _dt.datetime,
        source: str = "",
    ) -> Offer:
        """Record a place offered to ``registration_id`` until ``deadline``.

        Raises:
            UnknownRegistration: the event has no such registration.
            TimeRangeError: ``deadline`` is not after ``at``.
        """
        ...

    def offers(self, event_id: str, *, open_at: _dt.datetime | None = None) -> list[Offer]:
        """The event's offers, oldest first (only those open at ``open_at`` if given)."""
        ...

    def close_offer(self, offer_id: int, *, at: _dt.datetime, outcome: str) -> Offer:
        """Close an open offer with ``outcome`` (:data:`OfferOutcome`).

        Raises:
            InvalidValue: an unknown outcome, or no such offer (``field`` ``offer_id``).
            ConcurrentChange: the offer was closed already.
        """
        ...

    # -- the outgoing message log ---------------------------------------------------------

    def queue_message(
        self,
        event_id: str,
        *,
        message_id: str,
        recipient: str,
        kind: str,
        data: bytes,
        at: _dt.datetime,
        registration_id: str | None = None,
        uid: str | None = None,
        sequence: int | None = None,
    ) -> QueuedMessage:
        """Queue an outgoing message; idempotent by ``message_id`` (the first is returned)."""
        ...

    def messages(self, event_id: str, *, state: str | None = None) -> list[QueuedMessage]:
        """The event's messages in the order queued (only those in ``state`` if given)."""
        ...

    def mark_sent(self, message_id: str, *, at: _dt.datetime) -> None:
        """Record that the message was sent (again: nothing changes).

        Raises:
            InvalidValue: no such message (``field`` ``message_id``).
        """
        ...

    def mark_failed(
        self, message_id: str, *, at: _dt.datetime, error: str, permanent: bool
    ) -> None:
        """Record a failed attempt: the message stays ``queued`` (to retry) unless
        ``permanent`` (then ``failed``). A sent message is not changed.

        Raises:
            InvalidValue: no such message (``field`` ``message_id``).
        """
        ...

    # -- personal data --------------------------------------------------------------------

    def erase(
        self, event_id: str, registration_id: str, *, at: _dt.datetime, by: str = ""
    ) -> Registration:
        """Erase a registration's personal data; returns the tombstone kept.

        Name, address, organisation, free-text answers and attributes not used by the
        event's rules are removed; the tombstone keeps the id, the status history, the
        submission time and the values the event's quotas and caps read (the organisation
        as a pseudonym, so caps still count), so stored selection records replay in
        pseudonymised form. The erasure is added to the history and to the audit log.

        Raises:
            UnknownRegistration: the event has no such registration.
        """
        ...

    def purge(
        self, event_id: str, *, older_than: _dt.timedelta, now: _dt.datetime, by: str = ""
    ) -> list[str]:
        """Erase every registration of the event last changed before ``now - older_than``
        (and not erased yet); returns their ids. Logged in the audit log."""
        ...

    def audit(self, event_id: str) -> list[AuditEntry]:
        """The audit log of one event, with the entries of the whole store, oldest first."""
        ...

    # -- maintenance ----------------------------------------------------------------------

    def integrity(self) -> list[str]:
        """Check the store; ``[]`` when consistent, else each problem as a sentence."""
        ...

    def close(self) -> None:
        """Close the store (its connections); closing twice is harmless."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """One transaction for many changes: ``with store.transaction(): ...``.

        Every change made inside the block (by any method of the store, in this process) is
        written when the block ends, together, or not at all if the block raises; one commit
        instead of one per change. Other processes see the changes when the block ends, and
        other writers wait for it (keep the block short: a batch of a few hundred changes).
        """
        ...
