"""Typed usage examples of the public API; only mypy reads this file (see pyproject).

Each function is how a service would call the library; ``assert_type`` pins the types the
annotations promise, so a change that loosens them (``Any``) fails ``mypy --strict``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import assert_type

from ran_events import eventfile, intake, tz
from ran_events.errors import AmbiguousTimeError, EventFileError, FileProblem
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Event, Registration, Session
from ran_events.store import Offer, SqliteStore, Store, open_store


def schedule_in_a_zone() -> str:
    start, end = tz.parse_schedule("20 September 2023, 14.00\u201317:00 CEST")
    assert_type(start, dt.datetime)
    deadline = tz.end_of_day(dt.date(2023, 9, 6), "Europe/Brussels")
    assert_type(deadline, dt.datetime)
    stdlib = tz.localize(dt.datetime(2023, 9, 20, 14), zoneinfo.ZoneInfo("Europe/Brussels"))
    assert_type(tz.to_utc(stdlib), dt.datetime)
    return tz.format_range(start, end, "UTC")


def resolve_the_fold(wall: dt.datetime) -> dt.datetime:
    try:
        return tz.localize(wall, "Europe/Brussels")
    except AmbiguousTimeError as exc:
        assert_type(exc.candidates, tuple[dt.datetime, ...])
        return tz.localize(wall, "Europe/Brussels", disambiguate="later")


def load_an_event(path: str) -> Event | list[FileProblem]:
    try:
        event = eventfile.load(path)
    except EventFileError as exc:
        return list(exc.problems)
    assert_type(event.sessions, tuple[Session, ...])
    assert_type(eventfile.dumps(event), str)
    assert_type(eventfile.loads(eventfile.dumps(event, format="json"), format="json"), Event)
    return event.reschedule("plenary", start=event.start, end=event.end)


def a_pool() -> list[Registration]:
    event = webinar()
    pool = synthetic_applicants(10, seed=2023, event=event)
    assert_type(pool, list[Registration])
    return pool


def take_in_applications(path: str) -> tuple[Registration, ...]:
    """Every reader of applications gives the same report; every row has the same shape."""
    event = webinar()
    report = intake.read_csv(path, event, zone="Europe/Brussels")
    assert_type(report, intake.ImportReport)
    assert_type(intake.read_jsonl(path, event), intake.ImportReport)
    assert_type(intake.read_json(path), intake.ImportReport)
    for row in report.rejected:
        assert_type(row, intake.RejectedRow)
        assert_type((row.line, row.field, row.reason, row.code), tuple[int, str, str, str])
    intake.write_jsonl(report.accepted, path + ".jsonl")
    return report.accepted


def the_event_zone() -> dt.tzinfo:
    event = webinar()
    assert_type(event.zone, dt.tzinfo)
    assert_type(tz.localize(dt.datetime(2023, 9, 20, 14), zone=event.zone), dt.datetime)
    return event.zone


def keep_an_event_in_a_store(path: str) -> list[str]:
    """A service keeps its book in a store; every store is a Store, every book's backend a
    BookBackend, whatever keeps it."""
    embedded: Store = SqliteStore(path)  # the class satisfies the protocol
    embedded.close()
    with open_store(path) as store:
        assert_type(store, Store)
        book = store.book(webinar(), on_duplicate="replace")
        assert_type(book.backend, intake.BookBackend)
        assert_type(store.backend("ran-mh-pcve-2023"), intake.BookBackend)
        at = dt.datetime(2023, 9, 8, tzinfo=dt.UTC)
        offers = store.offers("ran-mh-pcve-2023", open_at=at)
        assert_type(offers, list[Offer])
        return store.integrity()
