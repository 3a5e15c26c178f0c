"""Every kind of object ran_events.ics writes, read by independent readers (ICALENDAR.md 7).

Readers: the project's octet checker, libical 3 (RFC 5546 restriction check, UTC from the
embedded VTIMEZONE), vobject with validation, the ``ical`` package's strict parser, ical.js
under Node.js, and a Radicale CalDAV server on 127.0.0.1. A missing reader skips locally and
fails under ``CI=true`` (``tests.interop.readers.require``).
"""

from __future__ import annotations

import datetime as dt

import attrs
import icalendar
import pytest
from tests.interop.octets import check_octets
from tests.interop.readers import (
    ICAL,
    ICALJS,
    LIBICAL,
    VOBJECT,
    RadicaleClient,
    ical_parse,
    icaljs_times,
    libical_check,
    require,
    vobject_parse,
)

from ran_events import examples, ics, tz
from ran_events.models import Event, Registration, RegistrationWindow, Session

pytestmark = pytest.mark.interop

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2023, 9, 12, 9, 0, tzinfo=dt.UTC)

#: One zone with DST, one without, one southern, one that dropped DST inside the span.
ZONES = {
    "Europe/Brussels": [(2023, 9, 20, 14, 0), (2023, 3, 27, 9, 0), (2023, 10, 30, 9, 0)],
    "Asia/Tokyo": [(2023, 9, 20, 14, 0), (2024, 1, 15, 9, 0)],
    "Australia/Sydney": [(2023, 9, 20, 14, 0), (2023, 10, 2, 9, 0), (2024, 4, 8, 9, 0)],
    "America/Mexico_City": [(2021, 6, 1, 10, 0), (2022, 10, 31, 10, 0), (2023, 6, 1, 10, 0)],
}

#: The time oracle's table: dates in the weeks of DST changes, both hemispheres.
TABLE = {
    "Europe/Brussels": [(2023, 3, 25, 23, 30), (2023, 3, 26, 3, 30), (2023, 3, 27, 1, 0),
                        (2023, 10, 28, 23, 0), (2023, 10, 29, 3, 30), (2023, 10, 30, 1, 0),
                        (2024, 3, 31, 3, 0), (2024, 10, 27, 4, 0), (2023, 1, 5, 12, 0)],
    "America/New_York": [(2023, 3, 11, 23, 0), (2023, 3, 12, 3, 30), (2023, 11, 5, 3, 0),
                         (2023, 11, 4, 12, 0)],
    "Australia/Sydney": [(2023, 4, 1, 12, 0), (2023, 4, 2, 3, 30), (2023, 10, 1, 3, 0),
                         (2023, 9, 30, 12, 0)],
    "America/Mexico_City": [(2022, 4, 3, 3, 0), (2022, 10, 30, 3, 0), (2023, 4, 2, 12, 0),
                            (2023, 10, 29, 12, 0)],
    "Asia/Tokyo": [(2023, 3, 26, 3, 0), (2023, 10, 29, 3, 0)],
    "Asia/Kolkata": [(2023, 6, 1, 9, 30)],
    "America/Santiago": [(2023, 4, 2, 12, 0), (2023, 9, 3, 12, 0)],
}  # fmt: skip


def event_in(zone: str, walls: list[tuple[int, int, int, int, int]]) -> Event:
    """The webinar moved to ``zone``, one 90-minute session at each wall time."""
    base = examples.webinar()
    sessions = []
    for index, wall in enumerate(walls):
        start = tz.localize(dt.datetime(*wall), zone, disambiguate="compatible")
        end = tz.to_zone(tz.to_utc(start) + dt.timedelta(minutes=90), zone)
        sessions.append(
            Session(
                id=f"s{index}",
                title=f"Session {index}",
                start=start,
                end=end,
                kind="breakout",
            )
        )
    first = tz.to_utc(min(s.start for s in sessions))
    window = RegistrationWindow(opens=first - dt.timedelta(days=30), closes=first)
    return attrs.evolve(base, timezone=zone, sessions=tuple(sessions), registration=window)


def attendee() -> Registration:
    return attrs.evolve(examples.synthetic_applicants(1, seed=11)[0], status="selected")


def objects(zone: str) -> dict[str, bytes]:
    """Every kind of object for an event in ``zone``: publish, request, update, cancel."""
    event = event_in(zone, ZONES[zone])
    person = attrs.evolve(attendee(), event_id=event.id)
    moved = event.revise(title=event.title + " (moved link)")
    return {
        "publish": ics.publish(event, now=NOW),
        "request": ics.invite(event, person, sessions=["s0"], now=NOW)[0].data,
        "update": ics.invite(moved, person, sessions=["s0"], now=LATER)[0].data,
        "cancel": ics.cancel(moved, person, sessions=["s0"], now=LATER)[0].data,
        "cancel-session": ics.cancel(moved.cancel_session("s1"), now=LATER)[0].data,
    }


def expected_starts(data: bytes, event: Event) -> dict[str, dt.datetime]:
    uids = {str(v["UID"]) for v in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    return {
        ics.session_uid(event, s): tz.to_utc(s.start)
        for s in event.sessions
        if ics.session_uid(event, s) in uids
    }


CASES = [(zone, kind) for zone in ZONES for kind in objects(zone)]


@pytest.mark.parametrize(("zone", "kind"), CASES)
def test_every_object_passes_every_reader(zone: str, kind: str) -> None:
    data = objects(zone)[kind]
    event = event_in(zone, ZONES[zone])
    want = expected_starts(data, event)
    assert check_octets(data) == []

    require(LIBICAL)
    result = libical_check(data)
    assert result.restriction_ok, result.restriction_errors
    assert result.parse_errors == ()
    assert {e.uid: e.dtstart_utc for e in result.events} == want

    require(VOBJECT)
    assert {e.uid: e.dtstart_utc for e in vobject_parse(data)} == want

    require(ICAL)
    assert {e.uid: e.dtstart_utc for e in ical_parse(data)} == want

    require(ICALJS)
    times = icaljs_times(data)
    assert all(not t.problems for t in times), [t.problems for t in times]
    assert {t.uid: t.dtstart_utc for t in times} == want


@pytest.mark.parametrize("zone", sorted(TABLE))
def test_utc_from_the_embedded_vtimezone_is_the_tz_database(zone: str) -> None:
    event = event_in(zone, TABLE[zone])
    data = ics.publish(event, now=NOW)
    want = {ics.session_uid(event, s): tz.to_utc(s.start) for s in event.sessions}
    ends = {ics.session_uid(event, s): tz.to_utc(s.end) for s in event.sessions}
    require(LIBICAL)
    assert {e.uid: e.dtstart_utc for e in libical_check(data).events} == want
    require(ICALJS)
    times = icaljs_times(data)
    assert {t.uid: t.dtstart_utc for t in times} == want
    assert {t.uid: t.dtend_utc for t in times} == ends


def _vevent_properties(data: bytes) -> list[tuple[str, bytes]]:
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    items = vevent.property_items(recursive=True, sorted=True)
    return sorted(
        (name, value if isinstance(value, bytes) else str(value).encode())
        for name, value in items
        if name not in ("BEGIN", "END")
    )


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_radicale_stores_each_session_at_its_true_utc_time(
    zone: str, radicale: RadicaleClient
) -> None:
    event = event_in(zone, ZONES[zone])
    person = attrs.evolve(attendee(), event_id=event.id)
    for obj in ics.invite(event, person, now=NOW):
        path = f"cal/{obj.session_id}.ics"
        assert radicale.put(path, obj.data) in (201, 204)
        back = radicale.get(path)
        assert back is not None
        assert _vevent_properties(back) == _vevent_properties(obj.data)
    hour = dt.timedelta(hours=1)
    for session in event.sessions:
        uid = ics.session_uid(event, session)
        start, end = tz.to_utc(session.start), tz.to_utc(session.end)
        assert uid in radicale.time_range_report("cal/", start, end)
        assert uid not in radicale.time_range_report("cal/", start - hour, start)
        assert uid not in radicale.time_range_report("cal/", end, end + hour)
