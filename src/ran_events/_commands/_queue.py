"""``ran-events invites EVENT --db STORE``: queue the invites and decision e-mails in a store.

The store form of ``invites``: nothing is written to files; every message goes into the
store's message log for ``ran-events send``. A rerun queues only what the log lacks (a
registration that has its invites, or its decision e-mail, gets nothing new), so it is safe
to run again after more people were decided.
"""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

import attrs

from .. import ics, imip
from ..delivery import queue_email
from ..models import RegistrationStatus
from ._base import Console, UsageError
from ._stored import opened, shown_location, stored_event

if TYPE_CHECKING:
    from ..models import Event, Registration
    from ..store import Store

__all__ = ["QueueReport", "RowDecision", "queue_after_selection", "run_stored", "stored_rooms"]

_S = RegistrationStatus
_PLACE: Final = (_S.SELECTED, _S.CONFIRMED)
_NOT_SELECTED: Final = (_S.WAITLISTED, _S.REJECTED)


@attrs.frozen(kw_only=True)
class RowDecision:
    """A decision as :func:`ran_events.imip.decision_email` reads it, from a row of a
    decisions file or from a stored registration's history.

    Neither has the waiting-list position apart from the sentence.
    """

    registration_id: str
    outcome: str
    sentence: str
    waitlist_position: int | None = None


@attrs.frozen(kw_only=True)
class QueueReport:
    """What :func:`queue_after_selection` queued.

    Attributes:
        invites: invite e-mails queued (one per selected person and session).
        invited: people whose invites were queued.
        decisions: decision e-mails queued (waitlisted and rejected people).
        before: people who had their messages queued by an earlier run (nothing new).
        undecided: registrations no selection decided yet (nothing queued for them).
        failures: ``(registration id, reason)`` of people who could not be invited.
    """

    invites: int = 0
    invited: int = 0
    decisions: int = 0
    before: int = 0
    undecided: int = 0
    failures: tuple[tuple[str, str], ...] = ()


def _decision(registration: Registration) -> RowDecision:
    """The decision of a waitlisted or rejected registration, from its latest history entry."""
    reason = next(
        (c.reason for c in reversed(registration.history) if c.to_status is registration.status),
        "",
    )
    return RowDecision(
        registration_id=registration.id,
        outcome=registration.status.value,
        sentence=reason or registration.status.value,
    )


def queue_after_selection(
    store: Store,
    event: Event,
    *,
    now: datetime.datetime,
    rooms: ics.Rooms | None = None,
) -> QueueReport:
    """Queue the invites of everyone holding a place and a decision e-mail for everyone else
    decided, unless the message log has them already.

    Args:
        store: the store (its registrations and message log).
        event: the event as stored.
        now: the DTSTAMP of the invites and the Date of the e-mails.
        rooms: each participant's parallel sessions (:func:`ran_events.ics.invite`).
    """
    log: dict[str, set[str]] = {}
    for logged in store.messages(event.id):
        if logged.registration_id is not None and logged.state != "failed":
            log.setdefault(logged.registration_id, set()).add(logged.kind)
    registrations = list(store.backend(event.id))
    to_invite = [r for r in registrations if r.status in _PLACE and not log.get(r.id)]
    to_tell = [r for r in registrations if r.status in _NOT_SELECTED and not log.get(r.id)]
    decided = [r for r in registrations if r.status is not _S.SUBMITTED]
    failures: list[tuple[str, str]] = []
    by_id = {r.id: r for r in to_invite}
    invites = 0
    for item in ics.invites_for(event, to_invite, now=now, rooms=rooms):
        if isinstance(item, ics.InviteFailure):
            failures.append((item.registration_id, item.reason))
            continue
        registration = by_id[str(item.registration_id)]
        message = imip.invitation_email(event, registration, item)
        queue_email(
            store,
            event.id,
            registration,
            message,
            kind="invitation",
            at=now,
            uid=item.uid,
            sequence=item.sequence,
        )
        invites += 1
    for registration in to_tell:
        message = imip.decision_email(event, registration, _decision(registration), now=now)
        queue_email(store, event.id, registration, message, kind="decision", at=now)
    return QueueReport(
        invites=invites,
        invited=len(to_invite) - len(failures),
        decisions=len(to_tell),
        before=len(decided) - len(to_invite) - len(to_tell),
        undecided=len(registrations) - len(decided),
        failures=tuple(failures),
    )


def stored_rooms(store: Store, event_id: str) -> dict[str, tuple[str, ...]] | None:
    """Each person's rooms from the store's latest group and workshop assignments, or
    ``None`` when the store keeps none."""
    rooms: dict[str, tuple[str, ...]] = {}
    for row in store.assignments(event_id):
        if row.session_id:
            rooms[row.registration_id] = (*rooms.get(row.registration_id, ()), row.session_id)
    return rooms or None


def run_stored(
    args: argparse.Namespace,
    location: str,
    console: Console,
    *,
    now: datetime.datetime,
    read_rooms: Callable[[], tuple[Mapping[str, tuple[str, ...]] | None, int]],
) -> int:
    """``invites EVENT --db STORE``: queue what the log lacks, say what was queued."""
    for option, given in (("--out", args.out), ("--cancel", args.cancel)):
        if given:
            hint = " (withdraw people with ran-events withdraw)" if option == "--cancel" else ""
            raise UsageError(f"{option} is for the file form; with --db nothing is written{hint}")
    rooms, bad_rows = read_rooms()
    with opened(location) as store:
        event = stored_event(store, str(args.event))
        if not store.selections(event.id):
            raise UsageError(
                f"{shown_location(location)}: nothing is selected for {event.id} yet; run "
                "ran-events select EVENT --db ... first"
            )
        if rooms is None:
            rooms = stored_rooms(store, event.id)
        if rooms is None and event.parallel_sessions:
            console.err(
                f"{args.event}: warning: sessions {', '.join(sorted(event.parallel_sessions))} "
                "run in parallel and everyone gets all of them; give --groups GROUPS.csv "
                "(ran-events groups or workshops) so each person gets only their own"
            )
        report = queue_after_selection(store, event, now=now, rooms=rooms)
    for registration_id, reason in report.failures:
        console.err(f"{shown_location(location)}: registration {registration_id}: {reason}")
    where = shown_location(location)
    if report.invites or report.decisions:
        console.out(
            f"queued {report.invites} invite(s) for {report.invited} selected and "
            f"{report.decisions} decision e-mail(s) for the others in {where}; send them with "
            "ran-events send"
        )
    else:
        console.out(f"nothing new to queue for {event.id} in {where}")
    if report.before:
        console.out(f"  {report.before} decided registration(s) had their messages queued before")
    if report.undecided:
        console.out(f"  {report.undecided} registration(s) not decided yet: nothing queued")
    return 1 if report.failures or bad_rows else 0
