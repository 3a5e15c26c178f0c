"""The state after the invites, for the reply-loop tests: a store with a selection made and
every invite and decision e-mail queued (what ``ran-events invites --db`` does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ran_events import examples
from ran_events.delivery import queue_email
from ran_events.ics import PartStat, Reply, invite, session_uid
from ran_events.imip import decision_email, invitation_email
from ran_events.models import Event, Registration, RegistrationStatus
from ran_events.selection import SelectionResult, record_text, select
from ran_events.store import SqliteStore

SELECTED_AT = dt.datetime(2023, 9, 8, 9, 0, tzinfo=dt.UTC)


def new_store() -> SqliteStore:
    """A SQLite store in memory."""
    return SqliteStore(":memory:")


@attrs.frozen
class Loop:
    """A store after the invites, and what was decided."""

    store: Any
    event: Event
    result: SelectionResult

    def registration(self, registration_id: str) -> Registration:
        return self.store.backend(self.event.id).get(registration_id)

    def status(self, registration_id: str) -> RegistrationStatus:
        return self.registration(registration_id).status

    def with_status(self, status: RegistrationStatus) -> list[Registration]:
        return [r for r in self.store.backend(self.event.id) if r.status is status]

    def reply(
        self,
        registration_id: str,
        partstat: PartStat | str,
        *,
        session: str = "plenary",
        sequence: int | None = 0,
        from_address: str | None = "",
        minute: int = 0,
    ) -> Reply:
        """The reply this registration's calendar program would send."""
        email = self.registration(registration_id).email
        return Reply(
            uid=session_uid(self.event, session),
            sequence=sequence,
            attendee=email,
            partstat=PartStat(partstat),
            dtstamp=SELECTED_AT + dt.timedelta(days=1, minutes=minute),
            from_address=email if from_address == "" else from_address,
        )


def after_invites(
    n: int = 120, *, seed: int = 3, event: Event | None = None, store: Any = None
) -> Loop:
    """A store holding ``n`` applications, selected (webinar rules), invites queued."""
    event = event or examples.webinar()
    store = store if store is not None else new_store()
    book = store.book(event)
    people = examples.synthetic_applicants(n, seed=seed, event=event)
    for person in people:
        book.add(person)
    result = select(event, list(book), now=SELECTED_AT)
    backend = store.backend(event.id)
    for registration in result.registrations:
        backend.replace_status(
            registration.id, registration, expected=RegistrationStatus.SUBMITTED
        )
    store.add_selection(
        event.id,
        record_text(result.record),
        at=SELECTED_AT,
        seed=event.selection.seed,
        policy=event.selection.policy,
    )
    for registration, decision in zip(result.registrations, result.decisions, strict=True):
        if decision.outcome.value == "selected":
            queue_invites(store, event, registration, now=SELECTED_AT)
        else:
            message = decision_email(event, registration, decision, now=SELECTED_AT)
            queue_email(store, event.id, registration, message, kind="decision", at=SELECTED_AT)
    return Loop(store=store, event=event, result=result)


def queue_invites(
    store: Any, event: Event, registration: Registration, *, now: dt.datetime
) -> list[str]:
    """Queue the invites of one selected registration (one per session); their Message-IDs."""
    return [
        queue_email(
            store,
            event.id,
            registration,
            invitation_email(event, registration, calendar),
            kind="invitation",
            at=now,
            uid=calendar.uid,
            sequence=calendar.sequence,
        ).message_id
        for calendar in invite(event, registration, now=now)
    ]
