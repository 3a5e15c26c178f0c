"""A registration service for one RAN event: a small Flask app in front of a ran_events store.

Run it (SQLite for one process; a ``postgresql://`` URL for several processes or machines)::

    RAN_EVENTS_EVENT=event.toml RAN_EVENTS_DB=ran.sqlite \
        flask --app "examples/service/app:app_from_environment()" run

Routes:

- ``POST /registrations`` (JSON: ``email``, ``name``, optional ``organisation``, ``country``,
  ``role`` and ``answers``) takes in an application: 201 with its id and status; a second
  application of the same address replaces the first (the latest ``submitted_at`` wins, in
  every process); 409 outside the registration window; 422 for invalid data, with the reason.
- ``GET /registrations/<id>``: its status and the history of its status (no personal data).
- ``POST /registrations/<id>/withdraw``: withdraw it; 409 when its status does not allow it
  or changed meanwhile (compare-and-set).
- ``GET /status``: how many registrations there are in each status.

The book does every check (window, form, address); the store makes each change atomic.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Flask, request

from ran_events import eventfile
from ran_events.errors import (
    ConcurrentChange,
    IllegalTransition,
    RanEventsError,
    RegistrationClosed,
    RegistrationNotOpen,
    UnknownRegistration,
)
from ran_events.models import Registrant, Registration
from ran_events.store import open_store

Clock = Callable[[], dt.datetime]
Answer = tuple[dict[str, Any], int]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _problem(status: int, error: Exception) -> Answer:
    return {"error": type(error).__name__, "detail": str(error)}, status


def _shown(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "status": registration.status.value,
        "submitted_at": registration.submitted_at.isoformat(),
        "history": [
            {"from": c.from_status.value, "to": c.to_status.value, "at": c.at.isoformat()}
            for c in registration.history
        ],
    }


def create_app(event_file: str, store_location: str, *, clock: Clock = _utc_now) -> Flask:
    """The service for the event in ``event_file``, kept in the store at ``store_location``.

    Args:
        event_file: the event file (TOML or JSON).
        store_location: a SQLite path or a ``postgresql://`` URL.
        clock: the time of each request (injected, so tests choose it).
    """
    event = eventfile.load(event_file)
    store = open_store(store_location)  # one per process, shared by its threads
    book = store.book(event, on_duplicate="replace")
    app = Flask(__name__)
    app.extensions["ran_events.store"] = store  # to close it when the app is done with

    @app.post("/registrations")
    def register() -> Answer:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return {"error": "BadRequest", "detail": "send a JSON object"}, 400
        try:
            registrant = Registrant(
                name=str(data.get("name", "")),
                email=str(data.get("email", "")),
                organisation=str(data.get("organisation", "")),
                country=str(data.get("country", "")),
                role=str(data.get("role", "")),
            )
            held = book.register(
                registrant, submitted_at=clock(), answers=data.get("answers") or {}, by="web"
            )
        except (RegistrationNotOpen, RegistrationClosed) as exc:
            return _problem(409, exc)
        except (RanEventsError, TypeError) as exc:  # invalid address, name, answers
            return _problem(422, exc)
        return _shown(held), 201

    @app.get("/registrations/<registration_id>")
    def show(registration_id: str) -> Answer:
        try:
            return _shown(book.get(registration_id)), 200
        except UnknownRegistration as exc:
            return _problem(404, exc)

    @app.post("/registrations/<registration_id>/withdraw")
    def withdraw(registration_id: str) -> Answer:
        try:
            held = book.transition(
                registration_id, "withdrawn", at=clock(), reason="withdrawn online", by="web"
            )
        except UnknownRegistration as exc:
            return _problem(404, exc)
        except (IllegalTransition, ConcurrentChange) as exc:
            return _problem(409, exc)
        return _shown(held), 200

    @app.get("/status")
    def status() -> Answer:
        counts = Counter(r.status.value for r in book)
        return {"event": event.id, "registrations": sum(counts.values()), **counts}, 200

    return app


def app_from_environment() -> Flask:  # pragma: no cover - what `flask --app` runs
    """The app for ``$RAN_EVENTS_EVENT`` in the store ``$RAN_EVENTS_DB``."""
    return create_app(os.environ["RAN_EVENTS_EVENT"], os.environ["RAN_EVENTS_DB"])
