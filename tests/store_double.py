"""The message log for the delivery tests: the real SQLite store once it is merged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs


@attrs.define
class _Message:
    message_id: str
    event_id: str
    recipient: str
    kind: str
    data: bytes
    queued_at: dt.datetime
    registration_id: str | None = None
    uid: str | None = None
    sequence: int | None = None
    state: str = "queued"
    sent_at: dt.datetime | None = None
    attempts: int = 0
    last_error: str = ""


@attrs.define
class _Log:
    rows: dict[str, _Message] = attrs.Factory(dict)

    def queue_message(self, event_id: str, *, message_id: str, at: dt.datetime, **kw: Any) -> Any:
        return self.rows.setdefault(
            message_id, _Message(message_id=message_id, event_id=event_id, queued_at=at, **kw)
        )

    def messages(self, event_id: str, *, state: str | None = None) -> list[Any]:
        return [
            m
            for m in self.rows.values()
            if m.event_id == event_id and (state is None or m.state == state)
        ]

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        self.rows[message_id].state = "sent"
        self.rows[message_id].sent_at = at

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, permanent: bool
    ) -> None:
        row = self.rows[message_id]
        row.attempts += 1
        row.last_error = error
        if permanent:
            row.state = "failed"


def message_log() -> Any:
    return _Log()
