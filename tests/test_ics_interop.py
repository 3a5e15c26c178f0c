"""Every kind of object ran_events.ics writes, read by independent readers (ICALENDAR.md 7).

Readers: the project's octet checker, libical 3 (RFC 5546 restriction check, UTC from the
embedded VTIMEZONE), vobject with validation, the ``ical`` package's strict parser, ical.js
under Node.js, and a Radicale CalDAV server on 127.0.0.1. A missing reader skips locally and
fails under ``CI=true`` (``tests.interop.readers.require``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import icalendar
import pytest
from tests.interop.addresses import (
    ical_addresses,
    icaljs_addresses,
    libical_addresses,
    vobject_addresses,
)
from tests.interop.octets import check_octets
from tests.interop.readers import (
    ICAL,
    ICALJS,
    LIBICAL,
    VOBJECT,
    RadicaleClient,
    Reader,
    ical_parse,
    icaljs_times,
    libical_check,
    require,
    vobject_parse,
)

from ran_events import examples, ics, normalise_email, tz
from ran_events.errors import InvalidEmail
from ran_events.models import Event, Organiser, Registration, RegistrationWindow, Session

pytestmark = pytest.mark.interop

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2023, 9, 12, 9, 0, tzinfo=dt.UTC)

#: One zone with DST, one without, one southern, one that dropped DST inside the span; years
#: after 2037 (beyond pytz's own tables) and both occurrences of wall times in autumn folds
#: (a sixth element 1 means the second occurrence).
ZONES: dict[str, list[tuple[int, ...]]] = {
    "Europe/Brussels": [(2023, 9, 20, 14, 0), (2023, 3, 27, 9, 0), (2023, 10, 30, 9, 0),
                        (2040, 7, 11, 14, 0)],
    "Asia/Tokyo": [(2023, 9, 20, 14, 0), (2024, 1, 15, 9, 0)],
    "Australia/Sydney": [(2023, 9, 20, 14, 0), (2023, 10, 2, 9, 0), (2024, 4, 8, 9, 0),
                         (2041, 4, 7, 2, 30)],
    "America/Mexico_City": [(2021, 6, 1, 10, 0), (2022, 10, 31, 10, 0), (2023, 6, 1, 10, 0)],
    "Europe/Lisbon": [(2024, 10, 27, 1, 10), (2024, 10, 27, 1, 10, 1), (2040, 7, 11, 14, 0),
                      (2040, 10, 28, 1, 30)],
    "America/New_York": [(2025, 10, 20, 9, 0), (2025, 11, 2, 1, 30), (2025, 11, 2, 1, 30, 1),
                         (2040, 3, 11, 3, 0), (2040, 11, 4, 1, 15)],
}  # fmt: skip

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
    "Asia/Tehran": [(2017, 3, 21, 12, 0), (2017, 3, 23, 12, 0), (2018, 9, 21, 12, 0),
                    (2018, 9, 23, 12, 0), (2019, 3, 22, 12, 0)],
    "America/Asuncion": [(2009, 10, 17, 12, 0), (2009, 10, 19, 12, 0), (2010, 4, 10, 12, 0),
                         (2010, 4, 12, 12, 0), (2010, 10, 2, 12, 0), (2010, 10, 4, 12, 0)],
}  # fmt: skip


def event_in(zone: str, walls: list[tuple[int, ...]]) -> Event:
    """The webinar moved to ``zone``, one 90-minute session at each wall time.

    A wall time in a fold is its first occurrence, or its second if a sixth element is 1.
    """
    base = examples.webinar()
    sessions = []
    for index, wall in enumerate(walls):
        choice = "later" if wall[5:] == (1,) else "compatible"
        start = tz.localize(dt.datetime(*wall[:5]), zone, disambiguate=choice)
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


def rescheduled(event: Event, session_id: str, wall: tuple[int, int, int, int, int]) -> Event:
    """``event`` with one session moved to the wall time ``wall``, its duration kept."""
    session = event.session(session_id)
    start = tz.localize(dt.datetime(*wall), event.timezone, disambiguate="compatible")
    end = tz.to_zone(tz.to_utc(start) + (session.end - session.start), event.timezone)
    return event.reschedule(session_id, start=start, end=end)


def moved_to_31_october(event: Event) -> Event:
    """The update of every zone: session s0 moved to 31 October of its year, same wall time.

    That crosses the autumn change in Brussels (and Mexico City in 2021), the spring change
    in Sydney and no change in Tokyo: the session's UTC time moves by a week plus the change.
    """
    wall = tz.to_zone(event.session("s0").start, event.timezone)
    return rescheduled(event, "s0", (wall.year, 10, 31, wall.hour, wall.minute))


def objects(zone: str) -> dict[str, tuple[Event, bytes]]:
    """Every kind of object for an event in ``zone``, with the event (revision) it describes.

    publish and request at revision 0; update: s0 rescheduled (revision 1); cancel: s0
    withdrawn from the attendee at revision 1; cancel-session: s1 cancelled for everyone.
    """
    event = event_in(zone, ZONES[zone])
    person = attrs.evolve(attendee(), event_id=event.id)
    moved = moved_to_31_october(event)
    gone = moved.cancel_session("s1")
    return {
        "publish": (event, ics.publish(event, now=NOW)),
        "request": (event, ics.invite(event, person, sessions=["s0"], now=NOW)[0].data),
        "update": (moved, ics.invite(moved, person, sessions=["s0"], now=LATER)[0].data),
        "cancel": (moved, ics.cancel(moved, person, sessions=["s0"], now=LATER)[0].data),
        "cancel-session": (gone, ics.cancel(gone, now=LATER)[0].data),
    }


def expected_starts(data: bytes, event: Event) -> dict[str, dt.datetime]:
    uids = {str(v["UID"]) for v in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    return {
        ics.session_uid(event, s): tz.to_utc(s.start)
        for s in event.sessions
        if ics.session_uid(event, s) in uids
    }


def expected_ends(data: bytes, event: Event) -> dict[str, dt.datetime]:
    return {
        uid: start + dt.timedelta(minutes=90)
        for uid, start in expected_starts(data, event).items()
    }


CASES = [(zone, kind) for zone in ZONES for kind in objects(zone)]


@pytest.mark.parametrize(("zone", "kind"), CASES)
def test_every_object_passes_every_reader(zone: str, kind: str) -> None:
    event, data = objects(zone)[kind]
    want, ends = expected_starts(data, event), expected_ends(data, event)
    assert check_octets(data) == []

    require(LIBICAL)
    result = libical_check(data)
    assert result.restriction_ok, result.restriction_errors
    assert result.parse_errors == ()
    assert {e.uid: e.dtstart_utc for e in result.events} == want
    assert {e.uid: e.dtend_utc for e in result.events} == ends

    require(VOBJECT)
    assert {e.uid: e.dtstart_utc for e in vobject_parse(data)} == want
    assert {e.uid: e.dtend_utc for e in vobject_parse(data)} == ends

    require(ICAL)
    assert {e.uid: e.dtstart_utc for e in ical_parse(data)} == want
    assert {e.uid: e.dtend_utc for e in ical_parse(data)} == ends

    require(ICALJS)
    times = icaljs_times(data)
    assert all(not t.problems for t in times), [t.problems for t in times]
    assert {t.uid: t.dtstart_utc for t in times} == want
    assert {t.uid: t.dtend_utc for t in times} == ends


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


def test_the_vtimezone_of_2040_places_local_times_right_in_libical_and_icaljs() -> None:
    """After 2037 the writer uses UTC, but its VTIMEZONE must still be right for readers."""
    event = event_in("Europe/Brussels", [(2040, 3, 25, 3, 30), (2040, 10, 28, 3, 30)])
    data = ics.publish(event, now=NOW)
    for session in event.sessions:
        utc = tz.to_utc(session.start)
        local = tz.wall_time(session.start)
        data = data.replace(
            f"DTSTART:{utc:%Y%m%dT%H%M%S}Z".encode(),
            f"DTSTART;TZID=Europe/Brussels:{local:%Y%m%dT%H%M%S}".encode(),
        )
    assert data.count(b"DTSTART;TZID=") == 2
    want = {ics.session_uid(event, s): tz.to_utc(s.start) for s in event.sessions}
    assert set(want.values()) == {
        dt.datetime(2040, 3, 25, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2040, 10, 28, 2, 30, tzinfo=dt.UTC),
    }
    require(LIBICAL)
    assert {e.uid: e.dtstart_utc for e in libical_check(data).events} == want
    require(ICALJS)
    assert {t.uid: t.dtstart_utc for t in icaljs_times(data)} == want


def _properties(data: bytes) -> list[tuple[str, bytes]]:
    """Every property of a calendar, its components' included, in a canonical order.

    Radicale re-serialises what it stores (vobject sorts properties and parameters and
    quotes parameters its own way), so "read back equal" is equality of these.
    """
    items = icalendar.Calendar.from_ical(data).property_items(recursive=True, sorted=True)
    return sorted(
        (name, value if isinstance(value, bytes) else str(value).encode())
        for name, value in items
        if name not in ("BEGIN", "END")
    )


def _stored(data: bytes) -> icalendar.cal.Component:
    calendar = icalendar.Calendar.from_ical(data)
    assert "METHOD" not in calendar  # a CalDAV resource never has one (RFC 4791 4.1)
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def _store(
    radicale: RadicaleClient, path: str, resource: bytes, status: int
) -> icalendar.cal.Component:
    """PUT ``resource`` (201 new, 204 replaced), GET it back equal; return its VEVENT."""
    assert radicale.put(path, resource) == status, path
    back = radicale.get(path)
    assert back is not None
    assert _properties(back) == _properties(resource)
    return _stored(back)


def _assert_found_at(
    radicale: RadicaleClient, collection: str, event: Event, session_id: str
) -> None:
    """The time-range REPORT finds the session in its true UTC window and not an hour off."""
    session = event.session(session_id)
    uid = ics.session_uid(event, session)
    start, end = tz.to_utc(session.start), tz.to_utc(session.end)
    hour = dt.timedelta(hours=1)
    assert uid in radicale.time_range_report(collection, start, end)
    assert uid not in radicale.time_range_report(collection, start - hour, start)
    assert uid not in radicale.time_range_report(collection, end, end + hour)


def _assert_not_at(
    radicale: RadicaleClient, collection: str, event: Event, session_id: str
) -> None:
    session = event.session(session_id)
    found = radicale.time_range_report(
        collection, tz.to_utc(session.start), tz.to_utc(session.end)
    )
    assert ics.session_uid(event, session) not in found


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_radicale_stores_every_kind_at_its_true_utc_time(
    zone: str, radicale: RadicaleClient
) -> None:
    made = objects(zone)

    # PUBLISH, as a client imports a listing: one resource per UID (ics.as_resources). The
    # listing itself, with METHOD and several UIDs, is refused by the server.
    event, listing = made["publish"]
    radicale.mkcalendar("listing/")
    assert radicale.put("listing/all.ics", listing) == 400
    resources = ics.as_resources(listing)
    assert list(resources) == [ics.session_uid(event, s) for s in event.sessions]
    for session in event.sessions:
        resource = resources[ics.session_uid(event, session)]
        assert _store(radicale, f"listing/{session.id}.ics", resource, 201)["SEQUENCE"] == 0
    for session in event.sessions:
        _assert_found_at(radicale, "listing/", event, session.id)

    # The attendee's calendar: the REQUEST, then the update PUT over it (the same UID at
    # another path is a no-uid-conflict), then the CANCEL over it.
    request_event, request = made["request"]
    assert radicale.put("cal/other.ics", ics.as_resource(made["update"][1])) == 201
    assert radicale.put("cal/s0.ics", ics.as_resource(request)) == 409  # same UID elsewhere
    assert radicale.request("DELETE", "cal/other.ics").status in (200, 204)
    assert _store(radicale, "cal/s0.ics", ics.as_resource(request), 201)["SEQUENCE"] == 0
    _assert_found_at(radicale, "cal/", request_event, "s0")
    moved, update = made["update"]
    stored = _store(radicale, "cal/s0.ics", ics.as_resource(update), 204)
    assert (stored["SEQUENCE"], stored["STATUS"]) == (1, "CONFIRMED")
    _assert_found_at(radicale, "cal/", moved, "s0")
    _assert_not_at(radicale, "cal/", request_event, "s0")
    # A CANCEL stored by the attendee's client keeps the event, STATUS:CANCELLED: a
    # time-range query ignores STATUS, so it is still found, at its (new) true time.
    withdrawn_event, withdrawn = made["cancel"]
    stored = _store(radicale, "cal/s0.ics", ics.as_resource(withdrawn), 204)
    assert (stored["SEQUENCE"], stored["STATUS"]) == (2, "CANCELLED")
    assert "ATTENDEE" in stored
    _assert_found_at(radicale, "cal/", withdrawn_event, "s0")

    # The organiser's listing: a session cancelled for everyone replaces its resource.
    gone, cancelled = made["cancel-session"]
    stored = _store(radicale, "listing/s1.ics", ics.as_resource(cancelled), 204)
    assert (stored["SEQUENCE"], stored["STATUS"]) == (gone.revision + 1, "CANCELLED")
    _assert_found_at(radicale, "listing/", gone, "s1")


def test_an_update_across_a_dst_change_moves_the_session_to_the_tz_database_time() -> None:
    # 24 Oct 2023 14:00 Brussels is 12:00Z (CEST); a week later, 31 Oct 14:00 is 13:00Z (CET).
    event = event_in("Europe/Brussels", [(2023, 10, 24, 14, 0)])
    moved = rescheduled(event, "s0", (2023, 10, 31, 14, 0))
    person = attrs.evolve(attendee(), event_id=event.id)
    (first,) = ics.invite(event, person, now=NOW)
    (update,) = ics.invite(moved, person, now=LATER)
    before = dt.datetime(2023, 10, 24, 12, 0, tzinfo=dt.UTC)
    after = dt.datetime(2023, 10, 31, 13, 0, tzinfo=dt.UTC)
    assert (tz.to_utc(event.sessions[0].start), tz.to_utc(moved.sessions[0].start)) == (
        before,
        after,
    )
    require(LIBICAL)
    require(ICALJS)
    for read in (lambda d: libical_check(d).events, icaljs_times):
        (old,) = read(first.data)
        (new,) = read(update.data)
        assert old.uid == new.uid == first.uid
        assert (old.sequence, new.sequence) == (0, 1)
        assert (old.dtstart_utc, new.dtstart_utc) == (before, after)
        assert new.dtend_utc == after + dt.timedelta(minutes=90)


ADDRESS_READERS = [
    (LIBICAL, libical_addresses),
    (ICALJS, icaljs_addresses),
    (VOBJECT, vobject_addresses),
    (ICAL, ical_addresses),
]


#: The IDN mailboxes as a URI carries them (the domain in its ASCII form, RFC 6068).
IDN_ORGANIZER = "mailto:ran@xn--bcher-kva.example"
IDN_ATTENDEE = "mailto:anna.petrova@xn--e1afmkfd.xn--p1ai"


def _idn_event_and_attendee() -> tuple[Event, ics.Attendee]:
    """The webinar organised from an IDN domain, and a recipient at another IDN domain."""
    organiser = Organiser(name="RAN Brüssel", email="ran@bücher.example")
    event = attrs.evolve(examples.webinar(), organiser=organiser)
    who = ics.Attendee(registration_id="r1", name="Анна", email="anna.petrova@пример.рф")
    return event, who


@pytest.mark.parametrize(
    ("reader", "read"), ADDRESS_READERS, ids=[r.name for r, _ in ADDRESS_READERS]
)
def test_an_idn_address_is_read_back_as_the_same_mailbox(
    reader: Reader, read: Callable[[bytes], list[list[str]]]
) -> None:
    """ORGANIZER and ATTENDEE with IDN domains: every reader sees the same mailboxes.

    The domain is written in its ASCII form (a URI is ASCII, RFC 6068); a non-ASCII local
    part is refused before anything is written (it would need SMTPUTF8), so none appears.
    """
    event, who = _idn_event_and_attendee()
    with pytest.raises(InvalidEmail, match="SMTPUTF8"):
        ics.Attendee(registration_id="r2", name="Zoë", email="zoë@bücher.example")
    for data in (ics.invite(event, who, now=NOW)[0].data, ics.publish(event, now=NOW)):
        require(reader)
        for organizer, *attendees in read(data):
            assert organizer == IDN_ORGANIZER
            assert normalise_email(organizer.removeprefix("mailto:")) == "ran@bücher.example"
            for attendee in attendees:
                assert attendee == IDN_ATTENDEE
                assert normalise_email(attendee.removeprefix("mailto:")) == who.email


def test_radicale_keeps_idn_addresses_as_written(radicale: RadicaleClient) -> None:
    """An invite to an IDN mailbox stored in Radicale comes back with the same mailboxes.

    Radicale parses and re-serialises what it stores (through vobject): GET and the
    calendar-query REPORT must both give the ORGANIZER and ATTENDEE as written, with their
    non-ASCII display names.
    """
    event, who = _idn_event_and_attendee()
    request = ics.invite(event, who, now=NOW)[0]
    resource = ics.as_resource(request)
    stored = _store(radicale, "cal/idn.ics", resource, 201)
    assert str(stored["ORGANIZER"]) == IDN_ORGANIZER
    assert stored["ORGANIZER"].params["CN"] == "RAN Brüssel"
    assert str(stored["ATTENDEE"]) == IDN_ATTENDEE
    assert stored["ATTENDEE"].params["CN"] == "Анна"
    back = radicale.get("cal/idn.ics")
    assert back is not None
    assert vobject_addresses(back) == [[IDN_ORGANIZER, IDN_ATTENDEE]]
    session = event.session(request.session_id)
    assert radicale.time_range_report(
        "cal/", tz.to_utc(session.start), tz.to_utc(session.end)
    ) == [request.uid]


def test_parameters_written_by_icalendar_read_alike_in_every_reader() -> None:
    """The event's parameters are quoted by icalendar, only where RFC 5545 needs it.

    A label with spaces and parentheses stays unquoted (``LABEL=MS Teams (EU)``), a label
    with a comma is quoted, FEATURE is an unquoted list; every reader must accept the object
    and vobject and icalendar read the same values.
    """
    event, who = event_in("Europe/Brussels", ZONES["Europe/Brussels"][:1]), attendee()
    assert event.online is not None
    for label, written in (
        ("MS Teams (EU)", b"LABEL=MS Teams (EU):"),
        ("Zoom, EU", b'LABEL="Zoom, EU":'),
    ):
        changed = attrs.evolve(event, online=attrs.evolve(event.online, platform=label))
        data = ics.invite(changed, attrs.evolve(who, event_id=event.id), now=NOW)[0].data
        assert written in data
        assert b";FEATURE=AUDIO,VIDEO;" in data
        assert check_octets(data) == []
        (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert vevent["CONFERENCE"].params["LABEL"] == label
        require(LIBICAL)
        result = libical_check(data)
        assert result.restriction_ok, result.restriction_errors
        assert result.parse_errors == ()
        require(VOBJECT)
        import vobject

        parsed = vobject.readOne(data.decode())
        assert parsed.vevent.conference.params["LABEL"] == [label]
        assert parsed.vevent.conference.params["FEATURE"] == ["AUDIO", "VIDEO"]
        require(ICAL)
        assert len(ical_parse(data)) == 1
        require(ICALJS)
        assert all(not t.problems for t in icaljs_times(data))
