"""A store in memory for the reply and delivery tests, until the SQLite store is merged.

It keeps the contract of :class:`ran_events.store.Store` for what the reply loop and delivery
use (registrations through a :class:`~ran_events.intake.MemoryBackend`, events, selection
records, offers, the message log); :func:`new_store` gives the real SQLite store instead once
``ran_events.store.SqliteStore`` exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ran_events import store as store_module
from ran_events.errors import ConcurrentChange, InvalidValue
from ran_events.intake import MemoryBackend, RegistrationBook
from ran_events.models import Event
from ran_events.store import Offer, QueuedMessage, StoredSelection


@attrs.define
class MemoryStore:
    schema_version: int = 0
    _events: dict[str, list[Event]] = attrs.Factory(dict)
    _backends: dict[str, MemoryBackend] = attrs.Factory(dict)
    _selections: list[StoredSelection] = attrs.Factory(list)
    _offers: list[Offer] = attrs.Factory(list)
    _messages: dict[str, QueuedMessage] = attrs.Factory(dict)

    def put_event(self, event: Event, *, at: dt.datetime, source: str = "") -> int:
        revisions = self._events.setdefault(event.id, [])
        if event in revisions:
            return revisions.index(event) + 1
        revisions.append(event)
        self._backends.setdefault(event.id, MemoryBackend())
        return len(revisions)

    def event(self, event_id: str, *, revision: int | None = None) -> Event:
        revisions = self._events[event_id]
        return revisions[-1 if revision is None else revision - 1]

    def book(self, event: Event, *, on_duplicate: Any = "reject") -> RegistrationBook:
        self.put_event(event, at=dt.datetime.now(dt.UTC))
        return RegistrationBook(event, on_duplicate=on_duplicate, backend=self._backends[event.id])

    def backend(self, event_id: str) -> MemoryBackend:
        return self._backends[event_id]

    def add_selection(
        self, event_id: str, record_json: str, *, at: dt.datetime, seed: int | None, policy: str
    ) -> int:
        number = len(self._selections) + 1
        self._selections.append(
            StoredSelection(
                id=number,
                event_id=event_id,
                at=at,
                seed=seed,
                policy=policy,
                record_json=record_json,
            )
        )
        return number

    def selections(self, event_id: str) -> list[StoredSelection]:
        return [s for s in self._selections if s.event_id == event_id]

    def add_offer(
        self,
        event_id: str,
        registration_id: str,
        *,
        at: dt.datetime,
        deadline: dt.datetime,
        source: str = "",
    ) -> Offer:
        self.backend(event_id).get(registration_id)
        offer = Offer(
            id=len(self._offers) + 1,
            event_id=event_id,
            registration_id=registration_id,
            at=at,
            deadline=deadline,
            source=source,
        )
        self._offers.append(offer)
        return offer

    def offers(self, event_id: str, *, open_at: dt.datetime | None = None) -> list[Offer]:
        return [
            o
            for o in self._offers
            if o.event_id == event_id and (open_at is None or o.is_open(open_at))
        ]

    def close_offer(self, offer_id: int, *, at: dt.datetime, outcome: str) -> Offer:
        offer = self._offers[offer_id - 1]
        if offer.closed_at is not None:
            raise ConcurrentChange(str(offer_id), "open", "closed")
        closed = attrs.evolve(offer, closed_at=at, outcome=outcome)
        self._offers[offer_id - 1] = closed
        return closed

    def queue_message(
        self,
        event_id: str,
        *,
        message_id: str,
        recipient: str,
        kind: str,
        data: bytes,
        at: dt.datetime,
        registration_id: str | None = None,
        uid: str | None = None,
        sequence: int | None = None,
    ) -> QueuedMessage:
        return self._messages.setdefault(
            message_id,
            QueuedMessage(
                message_id=message_id,
                event_id=event_id,
                recipient=recipient,
                kind=kind,
                data=data,
                queued_at=at,
                registration_id=registration_id,
                uid=uid,
                sequence=sequence,
            ),
        )

    def messages(self, event_id: str, *, state: str | None = None) -> list[QueuedMessage]:
        return [
            m
            for m in self._messages.values()
            if m.event_id == event_id and (state is None or m.state == state)
        ]

    def _message(self, message_id: str) -> QueuedMessage:
        if message_id not in self._messages:
            raise InvalidValue("message_id", message_id, "a queued message")
        return self._messages[message_id]

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        message = self._message(message_id)
        if message.state != "sent":
            self._messages[message_id] = attrs.evolve(message, state="sent", sent_at=at)

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, permanent: bool
    ) -> None:
        message = self._message(message_id)
        if message.state == "sent":
            return
        self._messages[message_id] = attrs.evolve(
            message,
            attempts=message.attempts + 1,
            last_error=error,
            state="failed" if permanent else message.state,
        )


def new_store() -> Any:
    """The SQLite store in memory when it exists, else :class:`MemoryStore`."""
    sqlite = getattr(store_module, "SqliteStore", None)
    return sqlite(":memory:") if sqlite is not None else MemoryStore()


def message_log() -> Any:
    return new_store()
