"""Applying replies, withdrawals and lapsed offers to the store; the messages they imply.

The store holds the registrations (status and history), the selection record, the offers and
the outgoing message log. Each function here reads them, decides, writes every status
change as a history entry naming its source (``by``: the reply, ``withdraw`` or ``expire``),
and queues the messages the change implies:

* a freed place goes to the waiting list as :func:`ran_events.selection.promote` gives it
  (the first admissible in order, quotas and caps kept): the promoted person gets an offer
  e-mail saying until when to accept (``[registration] offer_hours``, default 48 hours) and
  the REQUEST invites of the sessions; the offer is recorded in the store;
* a person who leaves gets a CANCEL for the sessions still in their calendar.

A reply is applied only when it is for a session of the event, from someone invited to that
session (the message log has an invite to that UID for them), not older than the latest
message sent for it (SEQUENCE), sent from the attendee's own address, and not applied
before. Anything else is refused with a reason code, and changes nothing.
"""

from __future__ import annotations

import datetime as _dt
import enum
import itertools
from collections.abc import Callable, Iterable, Sequence
from email.message import EmailMessage
from typing import Final

import attrs

from .. import tz
from ..delivery import queue_email
from ..errors import ConcurrentChange, ReplayMismatch, UnknownRegistration
from ..ics import CalendarObject, PartStat, Reply, cancel, invite, session_uid
from ..imip import cancellation_email, invitation_email, offer_email
from ..models import Event, Registration, RegistrationStatus, StatusChange
from ..selection import (
    Decision,
    Outcome,
    SelectionResult,
    canonical_sha256,
    expire_offers,
    promote,
    record_from_text,
    replay,
    respond,
)
from ..selection import Offer as SelectionOffer
from ..store import Offer, QueuedMessage, Store

__all__ = [
    "Refusal",
    "ReplyOutcome",
    "apply_replies",
    "apply_reply",
    "expire",
    "withdraw",
]

_S = RegistrationStatus
BATCH_SIZE: Final = 500
"""Replies applied per store transaction by :func:`apply_replies` (other writers of the
store wait at most that long: about a tenth of a second on SQLite)."""
ATTEMPTS: Final = 3
"""How many times :func:`apply_replies` applies a transaction's replies when another process
changes one of their registrations meanwhile (each time on what the store holds then)."""
_HOLDS_PLACE: Final = (_S.SELECTED, _S.CONFIRMED)


class Refusal(enum.StrEnum):
    """Why a reply changed nothing."""

    UNKNOWN_UID = "unknown-uid"
    """The UID is not a session of the event."""
    NOT_INVITED = "not-invited"
    """The attendee has no registration, or was never sent an invite to that session."""
    STALE = "stale-sequence"
    """The reply answers an older invite than the latest sent for that session."""
    SPOOFED = "spoofed"
    """The e-mail's From is not the attendee's address."""
    DUPLICATE = "duplicate"
    """The same reply was applied before."""
    NO_PLACE = "no-place"
    """The registration holds no place to accept or decline (declined, withdrawn, lapsed)."""


@attrs.frozen(kw_only=True)
class ReplyOutcome:
    """What applying one reply (or a withdrawal, or an expiry) did.

    Attributes:
        applied: whether anything changed.
        code: what happened (``confirmed``, ``declined``, ``withdrawn``, ``tentative``,
            ``unchanged``, ``expired``) or, when not applied, the :class:`Refusal`.
        sentence: the same in words, for the organiser.
        registration_id: the registration concerned (``None`` when none was found).
        promoted: the registrations offered the freed place, in order.
        queued: the Message-IDs of the messages queued.
        reply: the reply applied (``None`` for a withdrawal or an expiry).
    """

    applied: bool
    code: str
    sentence: str
    registration_id: str | None = None
    promoted: tuple[str, ...] = ()
    queued: tuple[str, ...] = ()
    reply: Reply | None = None


def _source(reply: Reply) -> str:
    """The ``by`` of a change made by a reply: names it so that it is recognised again."""
    stamp = reply.dtstamp.isoformat() if reply.dtstamp is not None else "-"
    sequence = "-" if reply.sequence is None else str(reply.sequence)
    return f"reply {reply.partstat.value} {reply.uid} seq {sequence} at {stamp}"


def _refused(reply: Reply, code: Refusal, sentence: str, rid: str | None = None) -> ReplyOutcome:
    return ReplyOutcome(
        applied=False, code=code.value, sentence=sentence, registration_id=rid, reply=reply
    )


@attrs.define
class _Batch:
    """What a batch of replies reads from the store, read once and kept up to date.

    Reading the registrations, the offers, the message log or the selection's state for
    every reply would make a batch quadratic: each is read when first needed, and every
    change this module makes goes through here, so the copy stays what the store holds
    (a change made meanwhile by another process still ends in
    :class:`~ran_events.errors.ConcurrentChange`, as each write compares the status first).
    """

    store: Store
    event_id: str
    whole: bool = False
    """Read every registration at once when first needed (a batch), else one at a time
    until the selection's state needs them all."""
    _index: dict[str, list[QueuedMessage]] | None = None
    _registrations: dict[str, Registration] | None = None
    _by_email: dict[str, str] | None = None
    _offers: list[Offer] | None = None
    _selection: _Selection | None = None
    _changed: set[str] = attrs.Factory(set)

    # -- registrations

    def registrations(self) -> dict[str, Registration]:
        """The event's registrations by id, in the backend's order."""
        if self._registrations is None:
            self._registrations = {r.id: r for r in self.store.backend(self.event_id)}
            self._by_email = {r.email: r.id for r in self._registrations.values()}
        return self._registrations

    def find(self, address: str) -> Registration | None:
        """The registration of a normalised address (as :meth:`BookBackend.find`)."""
        if self._registrations is None and not self.whole:
            return self.store.backend(self.event_id).find(address)
        registrations = self.registrations()
        assert self._by_email is not None
        rid = self._by_email.get(address)
        return None if rid is None else registrations[rid]

    def get(self, registration_id: str) -> Registration:
        """The registration with this id (as :meth:`BookBackend.get`)."""
        if self._registrations is None and not self.whole:
            return self.store.backend(self.event_id).get(registration_id)
        return self.registrations()[registration_id]

    def replace(self, changed: Registration, *, expected: RegistrationStatus) -> None:
        """Store a status change (compare-and-set, as :meth:`BookBackend.replace_status`)."""
        self.store.backend(self.event_id).replace_status(changed.id, changed, expected=expected)
        if self._registrations is not None:
            self._registrations[changed.id] = changed
            self._changed.add(changed.id)

    # -- offers

    def offers(self) -> list[Offer]:
        """The event's offers, oldest first (as :meth:`Store.offers`)."""
        if self._offers is None:
            self._offers = self.store.offers(self.event_id)
        return self._offers

    def add_offer(
        self, registration_id: str, *, at: _dt.datetime, deadline: _dt.datetime, source: str
    ) -> None:
        offer = self.store.add_offer(
            self.event_id, registration_id, at=at, deadline=deadline, source=source
        )
        if self._offers is not None:
            self._offers.append(offer)

    def close_offer(self, offer: Offer, *, at: _dt.datetime, outcome: str) -> None:
        closed = self.store.close_offer(offer.id, at=at, outcome=outcome)
        if self._offers is not None:
            self._offers = [closed if o.id == offer.id else o for o in self._offers]

    # -- the selection's state

    def state(self, event: Event) -> SelectionResult | None:
        """:func:`_state`, computed once and then only for the registrations changed."""
        changed, self._changed = self._changed, set()
        registrations = self.registrations()
        if self._selection is None or not self._selection.follow(registrations, changed):
            self._selection = _Selection.of(self.store, event, registrations)
        return self._selection.state(registrations)

    # -- the message log

    def of(self, registration_id: str) -> list[QueuedMessage]:
        """The messages not failed for good that went, or go, to a registration."""
        if self._index is None:
            index: dict[str, list[QueuedMessage]] = {}
            for message in self.store.messages(self.event_id):
                if message.registration_id is not None and message.state != "failed":
                    index.setdefault(message.registration_id, []).append(message)
            self._index = index
        return self._index.get(registration_id, [])

    def add(self, messages: Iterable[QueuedMessage]) -> None:
        """Index messages just queued (without reading the log again)."""
        if self._index is None:
            return  # read in full when first needed
        for message in messages:
            if message.registration_id is not None:
                self._index.setdefault(message.registration_id, []).append(message)


def apply_reply(
    store: Store,
    event: Event,
    reply: Reply,
    *,
    now: _dt.datetime,
    offer_hours: int | None = None,
) -> ReplyOutcome:
    """Apply one attendee's reply to the store.

    ``ACCEPTED`` confirms a selected registration (and closes its open offer as accepted);
    ``DECLINED`` declines a selected one or withdraws a confirmed one, offers the place to
    the waiting list and cancels the person's other sessions; ``DELEGATED`` is a decline
    (a place is personal: the delegate may apply); ``TENTATIVE`` is recorded in the history
    and otherwise treated as no answer.

    Args:
        store: the store holding the event's registrations, selection and message log.
        event: the event (as stored).
        reply: the reply (:func:`~ran_events.replies.read_reply`).
        now: when it is applied (aware): the time of the changes and the offers.
        offer_hours: how long a freed place is offered (default: the event's
            ``registration.offer_hours``).

    Returns:
        What changed, or why nothing did (:class:`Refusal`).

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        ConcurrentChange: the registration changed while the reply was applied (apply it
            again).
    """
    return _apply(
        store, event, reply, now=now, offer_hours=offer_hours, log=_Batch(store, event.id)
    )


def _apply(
    store: Store,
    event: Event,
    reply: Reply,
    *,
    now: _dt.datetime,
    offer_hours: int | None,
    log: _Batch,
) -> ReplyOutcome:
    tz.check_aware(now, "now")
    sessions = {session_uid(event, s): s.id for s in event.sessions}
    if reply.uid not in sessions:
        return _refused(reply, Refusal.UNKNOWN_UID, f"{reply.uid} is not a session of {event.id}")
    registration = log.find(reply.attendee)
    sent = (
        [m for m in log.of(registration.id) if m.uid == reply.uid]
        if registration is not None
        else []
    )
    if registration is None or not sent:
        return _refused(
            reply,
            Refusal.NOT_INVITED,
            f"{reply.attendee} was never invited to {reply.uid}",
            registration.id if registration is not None else None,
        )
    rid = registration.id
    if reply.from_address is not None and reply.from_address != reply.attendee:
        return _refused(
            reply,
            Refusal.SPOOFED,
            f"sent by {reply.from_address}, not by the attendee {reply.attendee}",
            rid,
        )
    by = _source(reply)
    if any(change.by == by for change in registration.history):
        return _refused(reply, Refusal.DUPLICATE, f"this reply was applied before ({by})", rid)
    left = registration.status in (_S.DECLINED, _S.WITHDRAWN)
    if left and reply.partstat in (PartStat.DECLINED, PartStat.DELEGATED):
        return ReplyOutcome(
            applied=False,
            code="unchanged",
            sentence=f"{rid} had left already ({registration.status.value})",
            registration_id=rid,
            reply=reply,
        )
    latest = max((m.sequence for m in sent if m.sequence is not None), default=None)
    if reply.sequence is not None and latest is not None and reply.sequence < latest:
        return _refused(
            reply,
            Refusal.STALE,
            f"answers SEQUENCE {reply.sequence} of {reply.uid}; the latest sent is {latest}",
            rid,
        )
    hours = event.registration.offer_hours if offer_hours is None else offer_hours
    if reply.partstat is PartStat.ACCEPTED:
        return _accept(registration, reply, by=by, now=now, log=log)
    if reply.partstat is PartStat.TENTATIVE:
        note = StatusChange(
            from_status=registration.status,
            to_status=registration.status,
            at=now,
            reason=f"tentative reply to {reply.uid}; treated as no answer"
            + (f": {reply.comment.strip()}" if reply.comment.strip() else ""),
            by=by,
        )
        changed = attrs.evolve(registration, history=(*registration.history, note))
        log.replace(changed, expected=registration.status)
        return ReplyOutcome(
            applied=True,
            code="tentative",
            sentence=f"{rid}: tentative, recorded; still {registration.status.value}",
            registration_id=rid,
            reply=reply,
        )
    if registration.status not in _HOLDS_PLACE:
        return _refused(
            reply,
            Refusal.NO_PLACE,
            f"{rid} is {registration.status.value}: no place to decline",
            rid,
        )
    what = "declined" if reply.partstat is PartStat.DECLINED else "delegated (a decline)"
    reason = f"{what} by reply to {reply.uid}" + (
        f": {reply.comment.strip()}" if reply.comment.strip() else ""
    )
    outcome = _vacate(
        store,
        event,
        registration,
        now=now,
        hours=hours,
        by=by,
        reason=reason,
        keep_uid=reply.uid,
        log=log,
    )
    return attrs.evolve(outcome, reply=reply)


def _accept(
    registration: Registration,
    reply: Reply,
    *,
    by: str,
    now: _dt.datetime,
    log: _Batch,
) -> ReplyOutcome:
    rid = registration.id
    if registration.status is _S.CONFIRMED:
        return ReplyOutcome(
            applied=False,
            code="unchanged",
            sentence=f"{rid} had confirmed already",
            registration_id=rid,
            reply=reply,
        )
    if registration.status is not _S.SELECTED:
        return _refused(
            reply,
            Refusal.NO_PLACE,
            f"{rid} is {registration.status.value}: no place to accept",
            rid,
        )
    offers = [o for o in log.offers() if o.registration_id == rid and o.closed_at is None]
    if any(now >= o.deadline for o in offers):
        return _refused(
            reply,
            Refusal.NO_PLACE,
            f"{rid}: the offer lapsed at {min(o.deadline for o in offers).isoformat()}",
            rid,
        )
    confirmed = registration.transition(
        _S.CONFIRMED, at=now, reason=f"accepted by reply to {reply.uid}", by=by
    )
    log.replace(confirmed, expected=_S.SELECTED)
    for offer in offers:
        log.close_offer(offer, at=now, outcome="accepted")
    return ReplyOutcome(
        applied=True,
        code="confirmed",
        sentence=f"{rid}: confirmed",
        registration_id=rid,
        reply=reply,
    )


def apply_replies(
    store: Store,
    event: Event,
    replies: Iterable[Reply],
    *,
    now: _dt.datetime,
    offer_hours: int | None = None,
) -> list[ReplyOutcome]:
    """Apply replies in order (as :func:`apply_reply` each); one outcome per reply.

    Faster than one :func:`apply_reply` call per reply, with the same outcomes: the
    registrations, offers, message log and the selection's state are read once for the
    batch and then kept up to date, and the changes are written in one transaction per 500
    replies (:meth:`ran_events.store.Store.transaction`).

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        ConcurrentChange: other processes changed the registrations of one transaction's
            replies each of the 3 times they were applied, read again
            before each; the replies of that transaction are not applied, those before it
            are (apply the replies again: those are then refused as duplicates).
    """
    log = _Batch(store, event.id, whole=True)
    outcomes: list[ReplyOutcome] = []
    given = iter(replies)
    while batch := list(itertools.islice(given, BATCH_SIZE)):
        for attempt in range(1, ATTEMPTS + 1):  # pragma: no branch - the last one raises
            try:
                with store.transaction():
                    done = [
                        _apply(store, event, r, now=now, offer_hours=offer_hours, log=log)
                        for r in batch
                    ]
            except ConcurrentChange:
                # Another process changed a registration since the batch read it: the
                # transaction is rolled back, so read everything again and apply it anew.
                if attempt == ATTEMPTS:
                    raise
                log = _Batch(store, event.id, whole=True)
            else:
                outcomes += done
                break
    return outcomes


def withdraw(
    store: Store,
    event: Event,
    registration_id: str,
    *,
    now: _dt.datetime,
    offer_hours: int | None = None,
    reason: str = "withdrawn by the organiser",
    by: str = "withdraw",
) -> ReplyOutcome:
    """Withdraw a registration by hand (e.g. the person wrote to say so).

    A selected or confirmed one frees its place (offered on as by a declining reply) and
    gets a CANCEL of every session; a waitlisted one leaves the list.

    Raises:
        UnknownRegistration: no such registration.
        IllegalTransition: the registration is final already (declined, withdrawn...).
        NaiveDatetimeError: ``now`` has no zone.
    """
    tz.check_aware(now, "now")
    registration = store.backend(event.id).get(registration_id)
    hours = event.registration.offer_hours if offer_hours is None else offer_hours
    return _vacate(
        store,
        event,
        registration,
        now=now,
        hours=hours,
        by=by,
        reason=reason,
        keep_uid=None,
        status=_S.WITHDRAWN,
    )


def expire(
    store: Store, event: Event, now: _dt.datetime, *, offer_hours: int | None = None
) -> list[ReplyOutcome]:
    """End every open offer whose deadline has passed and offer each place to the next.

    A lapsed offer's registration is declined (``offer-lapsed``), gets a CANCEL of the
    invites it was sent, and the place goes to the waiting list with a new deadline.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
    """
    tz.check_aware(now, "now")
    hours = event.registration.offer_hours if offer_hours is None else offer_hours
    outcomes = []
    for offer in store.offers(event.id):
        if offer.closed_at is not None or now < offer.deadline:
            continue
        registration = store.backend(event.id).get(offer.registration_id)
        if registration.status is not _S.SELECTED:  # answered meanwhile
            store.close_offer(offer.id, at=now, outcome="expired")
            continue
        outcome = _vacate(
            store,
            event,
            registration,
            now=now,
            hours=hours,
            by="expire",
            reason=f"no answer to the offer by {offer.deadline.isoformat()}",
            keep_uid=None,
            lapsed=offer,
        )
        outcomes.append(outcome)
    return outcomes


# --------------------------------------------------------------------------------------------


def _vacate(
    store: Store,
    event: Event,
    registration: Registration,
    *,
    now: _dt.datetime,
    hours: int,
    by: str,
    reason: str,
    keep_uid: str | None,
    status: RegistrationStatus | None = None,
    lapsed: Offer | None = None,
    log: _Batch | None = None,
) -> ReplyOutcome:
    """The registration leaves (declined or withdrawn); its place is offered on."""
    log = log or _Batch(store, event.id)
    rid = registration.id
    held = registration.status in _HOLDS_PLACE
    if status is None:
        status = _S.DECLINED if registration.status is _S.SELECTED else _S.WITHDRAWN
    deadline = now + _dt.timedelta(hours=hours)
    promoted: list[Registration] = []
    state = log.state(event) if held else None
    if state is not None and rid in {d.registration_id for d in state.decisions}:
        if lapsed is not None:
            after = expire_offers(
                attrs.evolve(state, offers=_offers_of(log)),
                now=now,
                respond_by=deadline,
            )
        elif registration.status is _S.SELECTED:
            after = respond(state, rid, accept=False, now=now, respond_by=deadline)
        else:
            after = promote(state, rid, now=now, respond_by=deadline)
        before = {r.id: r.status for r in state.registrations}
        promoted = [
            r
            for r in after.registrations
            if r.status is _S.SELECTED and before.get(r.id) is _S.WAITLISTED
        ]
    left = registration.transition(status, at=now, reason=reason, by=by)
    log.replace(left, expected=registration.status)
    for offer in log.offers():
        if offer.registration_id == rid and offer.closed_at is None:
            outcome = "expired" if lapsed is not None else "declined"
            log.close_offer(offer, at=now, outcome=outcome)
    queued: list[QueuedMessage] = []
    if held:
        queued += _queue_cancel(store, event, left, keep_uid=keep_uid, now=now, log=log)
    written = []
    for person in promoted:
        current = log.get(person.id)
        sentence = person.history[-1].reason if person.history else "promoted"
        chosen = current.transition(_S.SELECTED, at=now, reason=sentence, by=by)
        log.replace(chosen, expected=current.status)
        log.add_offer(person.id, at=now, deadline=deadline, source=by)
        queued += _queue_offer(store, event, chosen, deadline=deadline, now=now)
        written.append(person.id)
    log.add(queued)
    verb = status.value if lapsed is None else "lapsed (no answer)"
    sentence = f"{rid}: {verb}"
    if held:
        sentence += (
            f"; place offered to {', '.join(written)} until {deadline.isoformat()}"
            if written
            else "; nobody on the waiting list can take the place"
        )
    return ReplyOutcome(
        applied=True,
        code="expired" if lapsed is not None else status.value,
        sentence=sentence,
        registration_id=rid,
        promoted=tuple(written),
        queued=tuple(m.message_id for m in queued),
    )


def _offers_of(log: _Batch) -> tuple[SelectionOffer, ...]:
    return tuple(
        SelectionOffer(
            registration_id=o.registration_id,
            offered_at=o.at,
            respond_by=o.deadline,
            replaces=o.source or "?",
        )
        for o in log.offers()
        if o.closed_at is None
    )


def _queue_offer(
    store: Store,
    event: Event,
    registration: Registration,
    *,
    deadline: _dt.datetime,
    now: _dt.datetime,
) -> list[QueuedMessage]:
    queued = [
        queue_email(
            store,
            event.id,
            registration,
            offer_email(event, registration, deadline=deadline, now=now),
            kind="offer",
            at=now,
        )
    ]
    calendars = invite(event, registration, now=now)
    return queued + _queue_calendars(
        store, event, registration, calendars, invitation_email, kind="invitation", now=now
    )


def _queue_cancel(
    store: Store,
    event: Event,
    registration: Registration,
    *,
    keep_uid: str | None,
    now: _dt.datetime,
    log: _Batch,
) -> list[QueuedMessage]:
    """CANCEL the sessions whose invite the person was sent (except the one they declined)."""
    invited = {m.uid for m in log.of(registration.id) if m.uid is not None}
    sessions = [
        s.id
        for s in event.sessions
        if session_uid(event, s) in invited and session_uid(event, s) != keep_uid
    ]
    if not sessions:
        return []
    calendars = cancel(event, registration, sessions=sessions, now=now)
    return _queue_calendars(
        store, event, registration, calendars, cancellation_email, kind="cancellation", now=now
    )


def _queue_calendars(
    store: Store,
    event: Event,
    registration: Registration,
    calendars: Iterable[CalendarObject],
    email_of: Callable[..., EmailMessage],
    *,
    kind: str,
    now: _dt.datetime,
) -> list[QueuedMessage]:
    """Queue one e-mail per calendar object (an invitation or a CANCEL of each session)."""
    return [
        queue_email(
            store,
            event.id,
            registration,
            email_of(event, registration, calendar, now=now),
            kind=kind,
            at=now,
            uid=calendar.uid,
            sequence=calendar.sequence,
        )
        for calendar in calendars
    ]


# --------------------------------------------------------------------------------------------
# The selection's current state, as the selection layer's waiting-list functions take it


@attrs.define
class _Selection:
    """The latest stored selection brought up to the registrations' current statuses.

    The selection is replayed from its record and the registrations as they were given to
    it (their history before the selection's entries); then each decision follows the
    registration's status now (holding a place: selected; waiting: waitlisted; else
    rejected). Its :meth:`state` is ``None`` when no selection is stored or it cannot be
    replayed. A batch replays once and then follows only the registrations it changed.
    """

    selected_at: _dt.datetime | None
    given: dict[str, tuple[Registration, bool]]
    base: SelectionResult | None = None
    following: dict[str, Decision] = attrs.Factory(dict)

    @classmethod
    def of(cls, store: Store, event: Event, current: dict[str, Registration]) -> _Selection:
        """Replay the event's latest stored selection on the registrations ``current``."""
        stored = store.selections(event.id)
        if not stored:
            return cls(selected_at=None, given={})
        given = {rid: _as_given(r, stored[-1].at) for rid, r in current.items()}
        # ``ran-events select --db`` gives a selection only the registrations not decided
        # yet; the library's callers may give every one (withdrawn ones too): try both
        decided = tuple(r for r, by_selection in given.values() if by_selection)
        everyone = tuple(r for r, _ in given.values())
        selection = cls(selected_at=stored[-1].at, given=given)
        for inputs in (decided, everyone) if len(decided) < len(everyone) else (everyone,):
            try:
                selection.base = _replayed(stored[-1].record_json, inputs)
                break
            except (ReplayMismatch, UnknownRegistration, ValueError):
                continue
        if selection.base is not None:
            selection.following = {
                d.registration_id: _following(d, current[d.registration_id])
                for d in selection.base.decisions
                if d.registration_id in current
            }
        return selection

    def follow(self, current: dict[str, Registration], changed: set[str]) -> bool:
        """Follow the registrations ``changed`` since; ``False`` when one of them changed as
        given to the selection (then it must be replayed again)."""
        if self.selected_at is None:
            return True
        if any(
            _as_given(current[rid], self.selected_at) != self.given.get(rid) for rid in changed
        ):
            return False
        for rid in changed & self.following.keys():  # only when there is a base
            assert self.base is not None
            # the table's own index of ids, built once per replayed selection (cached)
            self.following[rid] = _following(self.base.decision(rid), current[rid])
        return True

    def state(self, current: dict[str, Registration]) -> SelectionResult | None:
        """The selection's state now, as the selection layer's waiting-list functions take it."""
        if self.base is None:
            return None
        decisions = [
            self.following[d.registration_id]
            for d in self.base.decisions
            if d.registration_id in self.following
        ]
        return attrs.evolve(
            self.base,
            decisions=decisions,
            inputs=[current[d.registration_id] for d in decisions],
            transition_by=None,
            offers=(),
        )


def _following(decision: Decision, registration: Registration) -> Decision:
    """A replayed decision following its registration's status now."""
    if registration.status in _HOLDS_PLACE:
        outcome, position = Outcome.SELECTED, None
    elif registration.status is _S.WAITLISTED:
        outcome, position = Outcome.WAITLISTED, decision.waitlist_position
    else:
        outcome, position = Outcome.REJECTED, None
    return attrs.evolve(decision, outcome=outcome, waitlist_position=position)


_DECIDED: Final = (_S.SELECTED, _S.WAITLISTED, _S.REJECTED)


def _as_given(registration: Registration, selected_at: _dt.datetime) -> tuple[Registration, bool]:
    """The registration as it was given to the selection (before its first change by it),
    and whether the selection decided it.

    The selection's change is the first one made by ``selection:POLICY`` (the library's), or
    the first from submitted to a decision at the time the selection was stored (the
    ``ran-events select --db`` command's, recorded as made by the command).
    """
    for index, change in enumerate(registration.history):
        by_command = (
            change.from_status is _S.SUBMITTED
            and change.to_status in _DECIDED
            and change.at == selected_at
        )
        if change.by.startswith("selection:") or by_command:
            earlier = registration.history[:index]
            return attrs.evolve(registration, status=change.from_status, history=earlier), True
    return registration, False


_REPLAYED: dict[tuple[str, str], SelectionResult] = {}
_REPLAYED_KEPT: Final = 8


def _replayed(record_json: str, inputs: Sequence[Registration]) -> SelectionResult:
    """The selection replayed; kept by record and input hash (neither ever changes)."""
    key = (record_json, canonical_sha256(inputs))
    found = _REPLAYED.get(key)
    if found is None:
        found = replay(record_from_text(record_json), list(inputs))
        if len(_REPLAYED) >= _REPLAYED_KEPT:
            _REPLAYED.pop(next(iter(_REPLAYED)))
        _REPLAYED[key] = found
    return found
