"""Tests of ran_events.ics: the writer's rules, the VTIMEZONE, templates, reading back."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import zoneinfo
from pathlib import Path

import attrs
import icalendar
import icalendar.timezone.zoneinfo
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.interop.octets import check_octets

from ran_events import examples, ics, tz
from ran_events.errors import IcsError, InvalidValue
from ran_events.models import Event, OnlineMeeting, Organiser, Registration, Session, Venue

GOLDEN = Path(__file__).parent / "golden"
_BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_invites.py"
_spec = importlib.util.spec_from_file_location("bench_invites", _BENCH)
assert _spec is not None
assert _spec.loader is not None
bench_invites = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_invites)
reference_invite = bench_invites.reference_invite
NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2023, 9, 12, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def webinar() -> Event:
    return examples.webinar()


@pytest.fixture
def selected() -> Registration:
    return attrs.evolve(examples.synthetic_applicants(1, seed=7)[0], status="selected")


def _moved(event: Event) -> Event:
    start = tz.localize(dt.datetime(2023, 9, 20, 15, 0), event.timezone)
    return event.reschedule("plenary", start=start, end=start + dt.timedelta(minutes=30))


def _parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def _events(data: bytes) -> list[icalendar.cal.Component]:
    return list(_parse(data).walk("VEVENT"))


# -- golden files: byte-stable output -------------------------------------------------------


def _golden_objects(webinar: Event, selected: Registration) -> dict[str, bytes]:
    moved = _moved(webinar)
    return {
        "webinar-publish.ics": ics.publish(webinar, now=NOW),
        "webinar-request.ics": ics.invite(webinar, selected, sessions=["plenary"], now=NOW)[
            0
        ].data,
        "webinar-update.ics": ics.invite(moved, selected, sessions=["plenary"], now=LATER)[0].data,
        "webinar-cancel.ics": ics.cancel(moved, selected, sessions=["plenary"], now=LATER)[0].data,
    }


def test_output_matches_the_golden_files(webinar: Event, selected: Registration) -> None:
    for name, data in _golden_objects(webinar, selected).items():
        path = GOLDEN / name
        if os.environ.get("RAN_EVENTS_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        assert data == path.read_bytes(), name


def test_every_object_passes_the_octet_check(webinar: Event, selected: Registration) -> None:
    for name, data in _golden_objects(webinar, selected).items():
        assert check_octets(data) == [], name


# -- iTIP content ---------------------------------------------------------------------------


def test_publish_has_one_vevent_per_session_an_organizer_and_no_attendee(webinar: Event) -> None:
    calendar = _parse(ics.publish(webinar, now=NOW))
    assert calendar["METHOD"] == "PUBLISH"
    vevents = list(calendar.walk("VEVENT"))
    assert [str(v["UID"]) for v in vevents] == [
        "ran-mh-pcve-2023+plenary@example.org",
        "ran-mh-pcve-2023+cases@example.org",
    ]
    for vevent in vevents:
        assert str(vevent["ORGANIZER"]) == "mailto:ran-practitioners@example.org"
        assert "ATTENDEE" not in vevent
        assert vevent.decoded("DTSTART").astimezone(dt.UTC).hour in (12, 13)


def test_a_request_names_only_its_attendee_with_rsvp(
    webinar: Event, selected: Registration
) -> None:
    objects = ics.invite(webinar, selected, now=NOW)
    assert [o.session_id for o in objects] == ["plenary", "cases"]
    for obj in objects:
        (vevent,) = _events(obj.data)
        attendee = vevent["ATTENDEE"]
        assert not isinstance(attendee, list)
        assert str(attendee) == f"mailto:{selected.email}"
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["CN"] == selected.registrant.name
        assert vevent["STATUS"] == "CONFIRMED"
        assert vevent["TRANSP"] == "OPAQUE"
        assert vevent.decoded("URL") == webinar.online.url if webinar.online else False
        assert str(vevent["CONFERENCE"]) == "https://example.webex.com/meet/ran-mh"
        assert b"FEATURE=AUDIO,VIDEO;LABEL=WebEx:" in obj.data
        (alarm,) = vevent.walk("VALARM")
        assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
        assert b"X-WR-CALNAME" not in obj.data


def test_reminders_are_configurable(webinar: Event, selected: Registration) -> None:
    (obj,) = ics.invite(
        webinar, selected, sessions=["cases"], now=NOW, reminders=(dt.timedelta(days=1, hours=2),)
    )
    assert b"TRIGGER:-P1DT2H\r\n" in obj.data
    (none,) = ics.invite(webinar, selected, sessions=["cases"], now=NOW, reminders=())
    assert b"VALARM" not in none.data
    with pytest.raises(InvalidValue, match="reminders"):
        ics.invite(webinar, selected, now=NOW, reminders=(dt.timedelta(0),))


def test_updates_and_cancels_keep_the_uid_and_raise_the_sequence(
    webinar: Event, selected: Registration
) -> None:
    first = ics.invite(webinar, selected, sessions=["plenary"], now=NOW)[0]
    moved = _moved(webinar)
    update = ics.invite(moved, selected, sessions=["plenary"], now=LATER)[0]
    withdrawn = ics.cancel(moved, selected, sessions=["plenary"], now=LATER)[0]
    listing = _events(ics.publish(moved, now=LATER))[0]
    uids = {first.uid, update.uid, withdrawn.uid, str(listing["UID"])}
    assert uids == {"ran-mh-pcve-2023+plenary@example.org"}
    assert (first.sequence, update.sequence, withdrawn.sequence) == (0, 1, 2)
    (vevent,) = _events(update.data)
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTAMP") == LATER
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2023, 9, 20, 13, tzinfo=dt.UTC
    )
    (cancelled,) = _events(withdrawn.data)
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == 2
    assert not cancelled.walk("VALARM")
    assert _parse(withdrawn.data)["METHOD"] == "CANCEL"


def test_a_cancelled_session_is_cancelled_for_everyone_and_not_invited(
    webinar: Event, selected: Registration
) -> None:
    event = webinar.cancel_session("cases")
    (obj,) = ics.cancel(event, now=NOW)
    assert obj.session_id == "cases"
    assert obj.registration_id is None
    assert obj.sequence == event.revision + 1
    assert b"ATTENDEE" not in obj.data
    assert [o.session_id for o in ics.invite(event, selected, now=NOW)] == ["plenary"]
    with pytest.raises(InvalidValue, match="confirmed session"):
        ics.invite(event, selected, sessions=["cases"], now=NOW)
    with pytest.raises(InvalidValue, match="cancelled session"):
        ics.cancel(webinar, now=NOW)
    listing = {str(v["UID"]): v for v in _events(ics.publish(event, now=NOW))}
    assert listing["ran-mh-pcve-2023+cases@example.org"]["STATUS"] == "CANCELLED"


def test_someone_not_selected_gets_no_invite(webinar: Event, selected: Registration) -> None:
    for status in ("submitted", "waitlisted"):
        with pytest.raises(InvalidValue, match="only selected participants"):
            ics.invite(webinar, attrs.evolve(selected, status=status), now=NOW)
    with pytest.raises(InvalidValue, match="event_id"):
        ics.invite(webinar, attrs.evolve(selected, event_id="other"), now=NOW)
    with pytest.raises(KeyError, match="nope"):
        ics.invite(webinar, selected, sessions=["nope"], now=NOW)


def test_now_defaults_to_the_current_time_and_must_be_aware(
    webinar: Event, selected: Registration
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    (vevent,) = _events(ics.invite(webinar, selected, sessions=["cases"])[0].data)
    assert before <= vevent.decoded("DTSTAMP") <= dt.datetime.now(dt.UTC)
    with pytest.raises(TypeError, match="naive"):
        ics.invite(webinar, selected, now=dt.datetime(2023, 9, 7))


def test_a_second_occurrence_in_the_autumn_fold_is_written_in_utc(webinar: Event) -> None:
    second = tz.localize(dt.datetime(2023, 10, 29, 2, 30), webinar.timezone, disambiguate="later")
    session = Session(id="late", title="Late", start=second, end=second + dt.timedelta(hours=1))
    event = attrs.evolve(webinar, sessions=(session,))
    data = ics.publish(event, now=NOW)
    assert b"DTSTART:20231029T013000Z\r\n" in data
    assert b"DTEND;TZID=Europe/Brussels:20231029T033000\r\n" in data
    assert ics.from_ics(data, registration=event.registration, capacity=30).sessions == (session,)


@pytest.mark.parametrize(
    ("zone", "wall", "utc"),
    [
        ("Europe/Lisbon", dt.datetime(2024, 10, 27, 1, 10), dt.datetime(2024, 10, 27, 0, 10)),
        ("America/New_York", dt.datetime(2025, 11, 2, 1, 30), dt.datetime(2025, 11, 2, 5, 30)),
        ("Europe/Brussels", dt.datetime(2040, 10, 28, 2, 15), dt.datetime(2040, 10, 28, 0, 15)),
    ],
)
def test_a_first_occurrence_in_the_autumn_fold_is_written_in_utc_too(
    webinar: Event, zone: str, wall: dt.datetime, utc: dt.datetime
) -> None:
    """libical, ical.js, vobject and Radicale read a TZID time in the fold as the second."""
    first = tz.localize(wall, zone, disambiguate="earlier")
    assert first == utc.replace(tzinfo=dt.UTC)
    end = tz.to_zone(tz.to_utc(first) + dt.timedelta(minutes=30), zone)
    session = Session(id="s", title="Fold", start=first, end=end)
    event = attrs.evolve(webinar, timezone=zone, sessions=(session,))
    event = attrs.evolve(event, registration=attrs.evolve(event.registration, closes=first))
    data = ics.publish(event, now=NOW)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z\r\n".encode() in data
    assert f"DTEND:{utc + dt.timedelta(minutes=30):%Y%m%dT%H%M%S}Z\r\n".encode() in data
    assert b";TZID=" not in data  # no time of this event is in the zone's local time
    assert ics.from_ics(data, registration=event.registration).sessions == event.sessions


def test_zoneinfo_sessions_in_the_fold_read_back_equal(webinar: Event) -> None:
    """PEP 495: a zoneinfo datetime with fold=1 never equals one of another zone."""
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    first = dt.datetime(2024, 10, 27, 1, 10, tzinfo=lisbon)
    second = first.replace(fold=1)
    session = Session(id="s", title="Fold", start=first, end=second)
    window = attrs.evolve(webinar.registration, closes=first)
    event = attrs.evolve(
        webinar, timezone="Europe/Lisbon", sessions=(session,), registration=window
    )
    back = ics.from_ics(ics.publish(event, now=NOW), registration=window)
    assert back.sessions == event.sessions == (session,)
    assert back.sessions[0].duration == dt.timedelta(hours=1)


def test_sessions_after_2037_are_written_and_read_back_at_the_tz_database_time(
    webinar: Event,
) -> None:
    start = tz.localize(dt.datetime(2040, 7, 11, 14), "Europe/Brussels")
    session = Session(id="s", title="2040", start=start, end=start + dt.timedelta(hours=3))
    window = attrs.evolve(webinar.registration, closes=start)
    event = attrs.evolve(webinar, sessions=(session,), registration=window)
    data = ics.publish(event, now=NOW)
    # In UTC: vobject and Radicale may read a TZID time with pytz's table (stops in 2037).
    assert b"DTSTART:20400711T120000Z\r\n" in data
    block = ics.vtimezone("Europe/Brussels", 2040, 2040).decode()
    assert "BEGIN:DAYLIGHT" in block
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in block
    back = ics.from_ics(data, registration=window, capacity=webinar.capacity)
    assert back.sessions == event.sessions
    assert tz.to_utc(back.sessions[0].start) == dt.datetime(2040, 7, 11, 12, tzinfo=dt.UTC)


def test_from_ics_reads_tzid_times_with_the_library_database_not_the_machine(
    webinar: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine whose zoneinfo is older (or newer) than the library's must not move sessions."""
    data = ics.publish(webinar, now=NOW)

    class OtherSystemData:  # what icalendar finds on the machine: +01:00 all year
        ZoneInfoNotFoundError = zoneinfo.ZoneInfoNotFoundError
        available_timezones = staticmethod(zoneinfo.available_timezones)

        @staticmethod
        def ZoneInfo(name: str) -> zoneinfo.ZoneInfo:
            return zoneinfo.ZoneInfo("Etc/GMT-1")

    monkeypatch.setattr(icalendar.timezone.zoneinfo, "zoneinfo", OtherSystemData)
    back = ics.from_ics(data, registration=webinar.registration, capacity=webinar.capacity)
    assert back.sessions == webinar.sessions


def test_a_utc_event_has_no_vtimezone(webinar: Event) -> None:
    event = attrs.evolve(webinar, timezone="UTC")
    data = ics.publish(event, now=NOW)
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20230920T120000Z\r\n" in data
    assert check_octets(data) == []


# -- VTIMEZONE ------------------------------------------------------------------------------


def _observances(block: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    text = block.decode().replace("\r\n ", "")
    for kind, body in re.findall(r"BEGIN:(STANDARD|DAYLIGHT)\r\n(.*?)END:\1", text, re.DOTALL):
        entry = {"KIND": kind}
        entry.update(line.split(":", 1) for line in body.strip().split("\r\n"))
        found.append(entry)
    return found


def test_brussels_gets_one_daylight_and_one_standard_with_rrules() -> None:
    (standard, daylight) = _observances(ics.vtimezone("Europe/Brussels", 2023, 2023))
    assert daylight == {
        "KIND": "DAYLIGHT",
        "DTSTART": "20230326T020000",  # the local time *before* the change
        "TZOFFSETFROM": "+0100",
        "TZOFFSETTO": "+0200",
        # A rule still in force gets its RRULE even with one onset in the span (ICALENDAR.md
        # section 1: each observance with RRULE, as Google and Outlook write them).
        "RRULE": "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZNAME": "CEST",
    }
    assert standard["RRULE"] == "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"
    assert standard["DTSTART"] == "20221030T030000"
    several = _observances(ics.vtimezone("Europe/Brussels", 2023, 2025))
    assert [o["RRULE"] for o in several] == [
        "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    ]


def test_a_zone_without_dst_gets_a_single_standard() -> None:
    (only,) = _observances(ics.vtimezone("Asia/Tokyo", 2023, 2024))
    assert only == {
        "KIND": "STANDARD",
        "DTSTART": "19700101T000000",
        "TZOFFSETFROM": "+0900",
        "TZOFFSETTO": "+0900",
        "TZNAME": "JST",
    }


def test_sydney_has_daylight_in_october_and_standard_in_april() -> None:
    kinds = {o["KIND"]: o for o in _observances(ics.vtimezone("Australia/Sydney", 2023, 2024))}
    assert kinds["DAYLIGHT"]["RRULE"] == "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"
    assert kinds["DAYLIGHT"]["TZOFFSETTO"] == "+1100"
    assert kinds["STANDARD"]["RRULE"] == "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"
    assert kinds["STANDARD"]["DTSTART"].endswith("T030000")


def test_a_zone_that_dropped_dst_ends_its_rules_with_until() -> None:
    # Mexico City observed DST until October 2022 and not since.
    observances = _observances(ics.vtimezone("America/Mexico_City", 2021, 2023))
    rules = {o["KIND"]: o["RRULE"] for o in observances}
    assert rules == {
        "STANDARD": "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20221030T070000Z",
        "DAYLIGHT": "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20220403T080000Z",
    }
    (after,) = _observances(ics.vtimezone("America/Mexico_City", 2023, 2024))
    assert (after["KIND"], after["TZOFFSETTO"]) == ("STANDARD", "-0600")


def test_a_rule_that_is_not_nth_or_last_uses_a_day_window() -> None:
    # Israel: Friday before the last Sunday of March (days 23-29).
    rules = [o.get("RRULE", "") for o in _observances(ics.vtimezone("Asia/Jerusalem", 2015, 2024))]
    assert "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=23,24,25,26,27,28,29;BYDAY=FR" in rules


# -- the template is the full object --------------------------------------------------------


def _properties(component: icalendar.cal.Component) -> list[tuple[str, object, dict[str, str]]]:
    found = []
    for name, value in component.property_items(recursive=True, sorted=True):
        if name in ("BEGIN", "END"):
            continue
        found.append((name, value))
    return sorted(found, key=repr)  # type: ignore[arg-type]


def test_template_output_parses_to_the_same_properties_as_single_invites(
    webinar: Event,
) -> None:
    pool = [attrs.evolve(r, status="selected") for r in examples.synthetic_applicants(5, seed=3)]
    batch = [
        o for o in ics.invites_for(webinar, pool, now=NOW) if isinstance(o, ics.CalendarObject)
    ]
    singles = [o for r in pool for o in ics.invite(webinar, r, now=NOW)]
    assert [o.data for o in batch] == [o.data for o in singles]
    for obj, registration in zip(batch[::2], pool, strict=True):
        assert obj.registration_id == registration.id
        reference = reference_invite(webinar, registration, "plenary", NOW)
        ours = _parse(obj.data).walk("VEVENT")[0]
        theirs = reference.walk("VEVENT")[0]
        assert _properties(ours) == _properties(theirs)


def test_a_batch_reports_bad_registrations_and_goes_on(webinar: Event) -> None:
    pool = [attrs.evolve(r, status="selected") for r in examples.synthetic_applicants(4, seed=5)]
    pool[1] = attrs.evolve(pool[1], status="rejected")
    pool.append(pool[0])
    results = list(ics.invites_for(webinar, pool, sessions=["plenary"], now=NOW))
    failures = [r for r in results if isinstance(r, ics.InviteFailure)]
    assert [(f.registration_id, "status" in f.reason) for f in failures] == [
        (pool[1].id, True),
        (pool[0].id, False),
    ]
    assert "each registration once" in failures[1].reason
    invited = [r.registration_id for r in results if isinstance(r, ics.CalendarObject)]
    assert invited == [pool[0].id, pool[2].id, pool[3].id]


def test_a_batch_of_cancellations_names_each_withdrawn_attendee(webinar: Event) -> None:
    pool = examples.synthetic_applicants(2, seed=5)
    results = list(ics.invites_for(webinar, pool, method="CANCEL", now=NOW))
    objects = [r for r in results if isinstance(r, ics.CalendarObject) and r.method == "CANCEL"]
    assert objects == results
    assert [(o.registration_id, o.session_id) for o in objects] == [
        (pool[0].id, "plenary"),
        (pool[0].id, "cases"),
        (pool[1].id, "plenary"),
        (pool[1].id, "cases"),
    ]


# -- reading back ---------------------------------------------------------------------------


def test_from_ics_reads_the_listing_back(webinar: Event) -> None:
    revised = _moved(webinar).revise(
        online=OnlineMeeting(platform="WebEx", url="https://x.example/j", access_notes="PIN 1")
    )
    back = ics.from_ics(
        ics.publish(revised, now=NOW, join_link=True),
        registration=revised.registration,
        capacity=30,
    )
    assert (
        attrs.evolve(
            back,
            form=revised.form,
            selection=revised.selection,
            target_groups=revised.target_groups,
        )
        == revised
    )


def test_from_ics_refuses_what_it_cannot_read() -> None:
    with pytest.raises(IcsError, match="not an iCalendar"):
        ics.from_ics(b"hello")
    with pytest.raises(IcsError, match="no VEVENT"):
        ics.from_ics(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")


# -- user text is data, never structure ----------------------------------------------------

_NASTY = st.sampled_from(
    ["\r\n", "\n", "\r", ";", ",", '"', "\\", ":", "^", "^n", "\U0001f600", "שלום", "مرحبا",
     "ATTENDEE:mailto:evil@example.org", "\r\nATTENDEE:mailto:evil@example.org", "\t", "é"]
)  # fmt: skip
_TEXT = st.lists(st.text(min_size=0, max_size=8) | _NASTY, min_size=1, max_size=6).map("".join)
_NAME = _TEXT.filter(lambda t: ics.display_name(t) != "")


@settings(max_examples=60, deadline=None)
@given(title=_TEXT, session_title=_TEXT, description=_TEXT, organiser=_NAME, attendee=_NAME)
def test_user_text_round_trips_and_adds_no_property(
    title: str, session_title: str, description: str, organiser: str, attendee: str
) -> None:
    base = examples.webinar()
    assume(ics.clean_text(title).strip() and ics.clean_text(session_title).strip())
    event = attrs.evolve(
        base,
        title=ics.clean_text(title),
        description=ics.clean_text(description),
        organiser=Organiser(name=organiser, email="org@example.org"),
        sessions=(
            attrs.evolve(
                base.sessions[0],
                title=ics.clean_text(session_title),
                description=ics.clean_text(description),
            ),
        ),
    )
    who = ics.Attendee(registration_id="r1", name=attendee, email="someone@example.org")
    (obj,) = ics.invite(event, who, now=NOW)
    listing = ics.publish(event, now=NOW)
    for data in (obj.data, listing):
        assert check_octets(data) == []
        (vevent,) = _events(data)
        assert str(vevent["SUMMARY"]) == f"{event.title}: {event.sessions[0].title}"
        assert vevent["ORGANIZER"].params["CN"] == ics.display_name(organiser)
        names = {name for name, _ in vevent.property_items(recursive=False)}
        assert names <= EXPECTED_VEVENT_PROPERTIES
    (vevent,) = _events(obj.data)
    assert vevent["ATTENDEE"].params["CN"] == ics.display_name(attendee)
    assert str(vevent["ATTENDEE"]) == "mailto:someone@example.org"
    back = ics.from_ics(listing, registration=event.registration, capacity=30)
    assert (back.title, back.description, back.sessions) == (
        event.title,
        event.description,
        event.sessions,
    )
    assert back.organiser.name == ics.display_name(organiser)


EXPECTED_VEVENT_PROPERTIES = frozenset(
    [
        "BEGIN",
        "END",
        "UID",
        "SEQUENCE",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "URL",
        "CONFERENCE",
        "ORGANIZER",
        "ATTENDEE",
        "STATUS",
        "TRANSP",
        "X-RAN-SESSION-KIND",
    ]
)


def test_a_crlf_in_a_name_cannot_add_an_attendee(webinar: Event) -> None:
    who = ics.Attendee(
        registration_id="r1",
        name="Eve\r\nATTENDEE:mailto:evil@example.org",
        email="eve@example.org",
    )
    (obj,) = ics.invite(webinar, who, sessions=["plenary"], now=NOW)
    (vevent,) = _events(obj.data)
    assert str(vevent["ATTENDEE"]) == "mailto:eve@example.org"
    assert b"\r\nATTENDEE:mailto:evil" not in obj.data


# -- events without an online meeting, attendees without a name -----------------------------


def test_an_in_person_event_has_its_venue_as_location_and_no_join_link(
    webinar: Event, selected: Registration
) -> None:
    venue = Venue(name="Résidence Palace", address="Rue de la Loi 155", city="Brussels")
    event = attrs.evolve(webinar, online=None, venue=venue, description="")
    (obj,) = ics.invite(event, selected, sessions=["plenary"], now=NOW)
    (vevent,) = _events(obj.data)
    assert str(vevent["LOCATION"]) == venue.one_line()
    assert "URL" not in vevent
    assert "CONFERENCE" not in vevent
    assert "DESCRIPTION" not in vevent  # neither the session nor the event has one
    listing = ics.publish(event, now=NOW)
    assert b"\r\nDESCRIPTION:" not in listing.split(b"BEGIN:VTIMEZONE")[0]
    back = ics.from_ics(listing, registration=event.registration, capacity=30)
    assert (back.online, back.venue) == (None, venue)  # address and city kept apart
    assert back.description == ""


def test_a_venue_reads_back_whole_with_commas_and_next_to_a_link(webinar: Event) -> None:
    venue = Venue(
        name="Residence Palace, Polak room",
        address="Rue de la Loi 155; entrance B",
        city="Brussels",
        country="Belgium",
    )
    event = attrs.evolve(webinar, venue=venue)  # hybrid: the join link stays
    listing = ics.publish(event, now=NOW, join_link=True)
    back = ics.from_ics(listing, registration=event.registration)
    assert (back.venue, back.online) == (venue, webinar.online)
    # A calendar of another program: LOCATION is the venue's name (when there is no link).
    foreign = ics.publish(attrs.evolve(event, online=None), now=NOW)
    foreign = b"".join(
        line + b"\r\n" for line in foreign.split(b"\r\n") if line and b"X-RAN-VENUE" not in line
    )
    assert ics.from_ics(foreign, registration=event.registration).venue == Venue(
        name=venue.one_line()
    )
    blank = ics.publish(event, now=NOW).replace(
        b"X-RAN-VENUE-NAME:Residence Palace\\, Polak room", b"X-RAN-VENUE-NAME: "
    )
    with pytest.raises(IcsError, match="venue is not valid"):
        ics.from_ics(blank, registration=event.registration)


def test_an_event_with_neither_venue_nor_link_has_no_location(webinar: Event) -> None:
    event = attrs.evolve(webinar, online=None, venue=None)
    (vevent, _) = _events(ics.publish(event, now=NOW))
    assert "LOCATION" not in vevent
    assert "URL" not in vevent
    back = ics.from_ics(ics.publish(event, now=NOW), registration=event.registration)
    assert (back.online, back.venue) == (None, None)


def test_a_link_without_access_notes_reads_back_without_notes(webinar: Event) -> None:
    assert webinar.online is not None
    event = attrs.evolve(webinar, online=attrs.evolve(webinar.online, access_notes=""))
    listing = ics.publish(event, now=NOW, join_link=True)
    (vevent, _) = _events(listing)
    assert str(vevent["DESCRIPTION"]).endswith(f"Join online (WebEx): {webinar.online.url}")
    back = ics.from_ics(listing, registration=event.registration)
    assert back.online == event.online


def test_an_attendee_without_a_name_gets_no_cn(webinar: Event) -> None:
    who = ics.Attendee(registration_id="r1", name=' "\r\n ', email="Someone@Example.org")
    (obj,) = ics.invite(webinar, who, sessions=["plenary"], now=NOW)
    assert b"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE" in (
        obj.data.replace(b"\r\n ", b"")
    )
    (vevent,) = _events(obj.data)
    assert "CN" not in vevent["ATTENDEE"].params
    assert str(vevent["ATTENDEE"]) == "mailto:someone@example.org"


def test_an_attendee_needs_an_id_and_hides_its_address_in_repr() -> None:
    for empty in ("", "  "):
        with pytest.raises(InvalidValue, match="registration_id"):
            ics.Attendee(registration_id=empty, name="A", email="a@example.org")
    who = ics.Attendee(registration_id="r1", name="Ann", email="ann.peeters@example.org")
    assert repr(who) == "Attendee(registration_id='r1', email='a***@example.org')"
    assert "peeters" not in repr(who)
    assert ics.Attendee.of(who) is who


def test_object_file_names_name_the_attendee_or_the_cancellation(
    webinar: Event, selected: Registration
) -> None:
    who = ics.Attendee(registration_id="r/1 x", name="A", email="a@example.org")
    (obj,) = ics.invite(webinar, who, sessions=["cases"], now=NOW)
    assert obj.filename == f"{ics.filename_part('r/1 x')}-cases.ics"
    assert obj.filename.startswith("r_1_x+")
    (gone,) = ics.cancel(webinar.cancel_session("cases"), now=NOW)
    assert gone.filename == "cancel-cases.ics"
    assert "octets" in repr(obj)
    assert obj.data.decode() not in repr(obj)


# -- misuse of invite / cancel / invites_for -----------------------------------------------


def test_a_request_template_needs_an_attendee(webinar: Event) -> None:
    template = ics.InviteTemplate.build(webinar, sessions=["plenary"])
    with pytest.raises(InvalidValue, match="REQUEST names its recipient"):
        template.render(None, now=NOW)
    (cancel,) = ics.InviteTemplate.build(webinar, method="CANCEL", sessions=["plenary"]).render(
        None, now=NOW
    )
    assert b"ATTENDEE" not in cancel.data
    assert cancel.sequence == webinar.revision + 1


def test_a_cancel_for_a_registration_of_another_event_is_refused(
    webinar: Event, selected: Registration
) -> None:
    stranger = attrs.evolve(selected, event_id="another-event")
    with pytest.raises(InvalidValue, match="event_id") as caught:
        ics.cancel(webinar, stranger, now=NOW)
    results = list(ics.invites_for(webinar, [stranger], method="CANCEL", now=NOW))
    assert results == [
        ics.InviteFailure(registration_id=selected.id, reason=str(caught.value)),
    ]
    withdrawn = attrs.evolve(selected, status="withdrawn")
    assert [o.registration_id for o in ics.cancel(webinar, withdrawn, now=NOW)] == [
        selected.id
    ] * 2


def test_a_batch_invites_one_address_once(webinar: Event) -> None:
    first = ics.Attendee(registration_id="r1", name="A", email="same@example.org")
    second = ics.Attendee(registration_id="r2", name="B", email="Same@Example.org")
    results = list(ics.invites_for(webinar, [first, second], sessions=["plenary"], now=NOW))
    assert isinstance(results[0], ics.CalendarObject)
    assert isinstance(results[1], ics.InviteFailure)
    assert results[1].registration_id == "r2"
    assert "one invite per address (already r1)" in results[1].reason


# -- CalDAV resources ----------------------------------------------------------------------


def test_as_resources_splits_a_listing_per_uid_without_method(webinar: Event) -> None:
    listing = ics.publish(webinar, now=NOW)
    resources = ics.as_resources(listing)
    assert list(resources) == [ics.session_uid(webinar, s) for s in webinar.sessions]
    zone = ics.vtimezone("Europe/Brussels", 2023, 2023)
    for uid, resource in resources.items():
        assert check_octets(resource) == []
        calendar = _parse(resource)
        assert "METHOD" not in calendar
        assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
        assert zone in resource
        (vevent,) = calendar.walk("VEVENT")
        assert str(vevent["UID"]) == uid
        assert len(vevent.walk("VALARM")) == 1
    # Put together again (with METHOD), the resources are the listing.
    head = listing.split(b"BEGIN:VEVENT")[0]
    bodies = [b"BEGIN:VEVENT" + r.split(b"BEGIN:VEVENT", 1)[1] for r in resources.values()]
    rebuilt = head + b"".join(b[: -len(b"END:VCALENDAR\r\n")] for b in bodies)
    assert rebuilt + b"END:VCALENDAR\r\n" == listing


def test_as_resource_drops_only_the_method(webinar: Event, selected: Registration) -> None:
    (request,) = ics.invite(webinar, selected, sessions=["plenary"], now=NOW)
    resource = ics.as_resource(request)
    assert resource == request.data.replace(b"METHOD:REQUEST\r\n", b"")
    assert ics.as_resource(request.data) == resource
    (cancel,) = ics.cancel(webinar, selected, sessions=["plenary"], now=NOW)
    assert b"STATUS:CANCELLED\r\n" in ics.as_resource(cancel)


def test_as_resource_refuses_what_is_not_one_object_of_one_uid(webinar: Event) -> None:
    listing = ics.publish(webinar, now=NOW)
    with pytest.raises(IcsError, match="2 UIDs"):
        ics.as_resource(listing)
    with pytest.raises(IcsError, match="not one iCalendar object"):
        ics.as_resources(listing.replace(b"\r\n", b"\n"))
    with pytest.raises(IcsError, match="not one iCalendar object"):
        ics.as_resources(b"hello")
    with pytest.raises(IcsError, match="no VEVENT"):
        ics.as_resources(
            ics.vtimezone("Asia/Tokyo", 2023, 2023).join(
                [b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", b"END:VCALENDAR\r\n"]
            )
        )
    no_uid = re.sub(rb"UID:[^\r]*\r\n", b"", listing, count=1)
    with pytest.raises(IcsError, match="0 UID"):
        ics.as_resources(no_uid)


def test_as_resources_reads_folded_and_escaped_uids() -> None:
    uid = "a,b;" + "x" * 80 + "@example.org"
    escaped = uid.replace(",", "\\,").replace(";", "\\;").encode()
    data = b"".join(
        [
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n",
            b"UID:" + escaped[:60] + b"\r\n " + escaped[60:] + b"\r\n",
            b"BEGIN:VALARM\r\nUID:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ]
    )
    (found,) = ics.as_resources(data)
    assert found == uid


# -- reading back: what from_ics refuses, and why -------------------------------------------


def _broken(webinar: Event, old: bytes, new: bytes, count: int = 0) -> bytes:
    listing = ics.publish(webinar, now=NOW)
    assert re.search(old, listing), old
    return re.sub(old, new, listing, count=count)


_VTIMEZONE = rb"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n"
_LISTING_FAULTS = [
    (rb"DTSTART[^\r]*\r\n", b"", "plenary@example.org: no DTSTART"),
    (rb"DTEND[^\r]*\r\n", b"", "neither DTEND nor DURATION"),
    (rb"DTSTART;TZID=Europe/Brussels:", b"DTSTART:", "floating time"),
    (rb"DTSTART;TZID=Europe/Brussels:(\d{8})T\d{6}", rb"DTSTART;VALUE=DATE:\1", "or a date"),
    (rb"DTSTART;TZID=Europe/Brussels:\d{8}T\d{6}", b"DTSTART:2023-09-20", "not a date-time"),
    (rb"TZID=Europe/Brussels:", b"TZID=Mars/Base:", "TZID=Mars/Base, neither an IANA"),
    (rb"X-WR-TIMEZONE:Europe/Brussels", b"X-WR-TIMEZONE:Mars/Base", "'Mars/Base' is not in"),
    (rb"UID:ran-mh-pcve-2023\+plenary@", b"UID:plenary@", "not of the form"),
    (rb"UID:ran-mh-pcve-2023\+plenary@", b"UID:other+plenary@", "belong to 2 events"),
    (rb"\r\n(NAME|X-WR-CALNAME):[^\r]*(\r\n [^\r]*)*", b"", "no NAME or X-WR-CALNAME"),
    (rb"ORGANIZER[^\r]*\r\n", b"", "no ORGANIZER"),
    (rb":mailto:ran-practitioners@", b":https://ran-practitioners@", "not a mailto"),
    (rb":mailto:ran-practitioners@example.org", b":mailto:nobody", "not describe a valid event"),
    (rb"SEQUENCE:0", b"SEQUENCE:abc", "SEQUENCE abc is not a number"),
    (rb"SEQUENCE:0", b"SEQUENCE:-1", "revision"),
    (
        rb"DTEND;TZID=Europe/Brussels:20230920T153000",
        b"DTEND;TZID=Europe/Brussels:20230920T100000",
        "plenary@example.org: session 'plenary': end",
    ),
]


@pytest.mark.parametrize(("old", "new", "reason"), _LISTING_FAULTS)
def test_from_ics_says_what_is_wrong_with_a_listing(
    webinar: Event, old: bytes, new: bytes, reason: str
) -> None:
    data = _broken(webinar, old, new)
    if b"Mars/Base" in new and b"TZID" in new:
        data = re.sub(_VTIMEZONE, b"", data, flags=re.DOTALL)
    with pytest.raises(IcsError) as caught:
        ics.from_ics(data)
    assert reason in str(caught.value)


def test_from_ics_takes_the_zone_from_the_tz_database_when_the_vtimezone_is_missing(
    webinar: Event,
) -> None:
    data = re.sub(_VTIMEZONE, b"", ics.publish(webinar, now=NOW), flags=re.DOTALL)
    assert ics.from_ics(data, registration=webinar.registration).sessions == webinar.sessions
    # Without X-WR-TIMEZONE the zone is the first DTSTART's TZID, and UTC without one.
    no_name = data.replace(b"X-WR-TIMEZONE:Europe/Brussels\r\n", b"")
    assert ics.from_ics(no_name).timezone == "Europe/Brussels"
    utc = ics.publish(attrs.evolve(webinar, timezone="UTC"), now=NOW)
    assert ics.from_ics(utc.replace(b"X-WR-TIMEZONE:UTC\r\n", b"")).timezone == "UTC"


def test_from_ics_reads_duration_text_and_defaults(webinar: Event) -> None:
    data = _broken(webinar, rb"DTEND[^\r]*\r\n", b"DURATION:PT45M\r\n", count=1)
    data = data.replace(b"X-RAN-SESSION-KIND:plenary", b"X-RAN-SESSION-KIND:party")
    back = ics.from_ics(data.decode("utf-8"))  # text works as well as octets
    plenary = back.session("plenary")
    assert plenary.end - plenary.start == dt.timedelta(minutes=45)
    assert plenary.kind.value == "other"
    assert back.capacity == 1
    assert back.registration.closes == min(s.start for s in back.sessions)
    # X-WR-CALNAME alone, with escapes icalendar does not undo for unknown properties
    titled = _broken(webinar, rb"\r\nNAME:[^\r]*", b"")
    titled = re.sub(
        rb"X-WR-CALNAME:[^\r]*(\r\n [^\r]*)*", rb"X-WR-CALNAME:A\\, B\\; C\\nD", titled
    )
    assert ics.from_ics(titled).title == "A, B; C\nD"


# -- VTIMEZONE: rules on fixed dates, rules that changed -------------------------------------


def test_a_rule_on_a_fixed_date_uses_bymonthday() -> None:
    # Iran (until 2022): 22 March and 22 September, whatever the weekday, from 2017 to 2019;
    # 2020 (a leap year) changed on the 21st, so the rule ends with the span: UNTIL.
    observances = _observances(ics.vtimezone("Asia/Tehran", 2017, 2019))
    rules = [o.get("RRULE") for o in observances]
    assert "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=22;UNTIL=20190321T203000Z" in rules
    assert "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=22;UNTIL=20190921T193000Z" in rules


def test_a_weekday_rule_that_changed_starts_a_new_observance() -> None:
    # Paraguay: DST from the 3rd Sunday of October until 2009, the 1st Sunday from 2010.
    observances = _observances(ics.vtimezone("America/Asuncion", 2008, 2012))
    daylight = [o for o in observances if o["KIND"] == "DAYLIGHT"]
    assert [(o["DTSTART"], o["RRULE"]) for o in daylight] == [
        ("20071021T000000", "FREQ=YEARLY;BYMONTH=10;BYDAY=3SU;UNTIL=20091018T040000Z"),
        ("20101003T000000", "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
    ]


def test_from_ics_reads_a_listing_edited_by_another_client(webinar: Event) -> None:
    # No CONFERENCE (only URL), and a session description without the join block or the
    # event description: the link is still read, and the description kept as it is.
    listing = ics.publish(webinar, now=NOW, join_link=True)
    data = re.sub(rb"CONFERENCE[^\r]*\r\n( [^\r]*\r\n)*", b"", listing)
    data = re.sub(
        rb"(UID:ran-mh-pcve-2023\+plenary.*?)DESCRIPTION;LANGUAGE=en:.*?\r\n(?! )",
        rb"\1DESCRIPTION:Bring notes\r\n",
        data,
        flags=re.DOTALL,
    )
    back = ics.from_ics(data, registration=webinar.registration)
    assert webinar.online is not None
    assert back.online == OnlineMeeting(platform="online", url=webinar.online.url)
    assert back.session("plenary").description == "Bring notes"


def test_a_join_line_quoted_inside_a_description_stays_in_it(webinar: Event) -> None:
    assert webinar.online is not None
    quoted = f"Test the link first: Join online (WebEx): {webinar.online.url} works."
    plenary = attrs.evolve(webinar.sessions[0], description=quoted)
    event = attrs.evolve(webinar, sessions=(plenary, *webinar.sessions[1:]))
    listing = ics.publish(event, now=NOW, join_link=True)
    back = ics.from_ics(listing, registration=event.registration)
    assert back.session("plenary").description == quoted
    assert back.online == event.online


def test_a_rule_that_begins_after_the_span_is_left_out() -> None:
    # Paraguay 2009: the 3rd-Sunday rule ends with the span (UNTIL); the 1st-Sunday rule of
    # 2010 is not part of a 2009 calendar.
    observances = _observances(ics.vtimezone("America/Asuncion", 2009, 2009))
    daylight = [o for o in observances if o["KIND"] == "DAYLIGHT"]
    assert [(o["DTSTART"], o.get("RRULE")) for o in daylight] == [
        ("20081019T000000", "FREQ=YEARLY;BYMONTH=10;BYDAY=3SU;UNTIL=20091018T040000Z")
    ]


def test_a_listing_without_the_join_link_reads_back_without_online_or_venue(
    webinar: Event,
) -> None:
    assert webinar.online is not None
    plenary = attrs.evolve(webinar.sessions[0], description="Bring notes")
    event = attrs.evolve(
        webinar,
        sessions=(plenary, *webinar.sessions[1:]),
        online=attrs.evolve(webinar.online, access_notes="PIN 4711"),
    )
    listing = ics.publish(event, now=NOW)
    assert webinar.online.url.encode() not in listing
    assert b"4711" not in listing
    back = ics.from_ics(listing, registration=event.registration)
    assert (back.online, back.venue) == (None, None)
    assert back.session("plenary").description == "Bring notes"
    assert back.description == event.description


# -- bad input: only IcsError from the reader (issue 11, found by fuzzing) ------------------

_LISTING = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nNAME:Title\r\n"
    "X-WR-TIMEZONE:Europe/Brussels\r\nBEGIN:VEVENT\r\nUID:ev+plenary@example.org\r\n"
    "DTSTAMP:20230901T000000Z\r\nDTSTART:20230920T120000Z\r\nDTEND:20230920T130000Z\r\n"
    "SUMMARY:Title: Plenary\r\nORGANIZER;CN=Org:mailto:org@example.org\r\n"
    "CONFERENCE;VALUE=URI;LABEL=WebEx:https://example.org/x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _listing(old: str, new: str) -> str:
    assert old in _LISTING
    return _LISTING.replace(old, new, 1)


def test_the_small_listing_reads() -> None:
    event = ics.from_ics(_LISTING)
    assert (event.id, event.sessions[0].title, event.online) == (
        "ev",
        "Plenary",
        OnlineMeeting(platform="WebEx", url="https://example.org/x"),
    )


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("SUMMARY:Title: Plenary\r\n", "SUMMARY:Title: Plenary\r\nSUMMARY:Again\r\n",
         "ev+plenary@example.org: SUMMARY is given 2 times; expected once"),
        ("DTEND:20230920T130000Z\r\n", "DTEND:20230920T130000Z\r\nDTEND:20230920T140000Z\r\n",
         "DTEND is given 2 times"),
        ("X-WR-TIMEZONE:Europe/Brussels\r\n",
         "X-WR-TIMEZONE:Europe/Brussels\r\nX-WR-TIMEZONE:Europe/Paris\r\n",
         "the calendar: X-WR-TIMEZONE is given 2 times"),
        # found by fuzzing (from-ics/c5f0fe27f19ef56c): a venue part given twice
        ("END:VEVENT", "X-RAN-VENUE-NAME:Hall A\r\nX-RAN-VENUE-NAME:Hall B\r\nEND:VEVENT",
         "ev+plenary@example.org: X-RAN-VENUE-NAME is given 2 times; expected once"),
        ("DTEND:20230920T130000Z", "DURATION:XYZ", "DURATION 'XYZ' is not a duration"),
        ("DTEND:20230920T130000Z", "DURATION:P99999999D", "out of the years"),
        ("DTSTART:20230920T120000Z", "DTSTART:00010101T000000Z",
         "an instant in the years 1970 to 2100"),
        ("DTSTART:20230920T120000Z", "DTSTART:99991231T230000Z",
         "an instant in the years 1970 to 2100"),
        ("https://example.org/x", "ftp://example.org/x", "join link"),
        ("https://example.org/x", "http://[", "join link"),
        ("DTSTART:20230920T120000Z", "DTSTART;TZID=" + "A" * 300 + ":20230920T120000",
         "a TZID is not a zone name"),
        # found by fuzzing (from-ics/c068adce2db65498): icalendar's parser fails on it
        ("END:VCALENDAR", ("BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels\r\n"
                           "tzid:Europe/Brussels\r\nEND:VTIMEZONE\r\nEND:VCALENDAR"),
         "a VTIMEZONE gives its TZID 2 times (Europe/Brussels, Europe/Brussels); expected once"),
        # (and from-ics/0f867ca1bb1fc607: the second one after an observance)
        ("END:VCALENDAR", ("BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels\r\nBEGIN:STANDARD\r\n"
                           "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nTZID:Europe/X\r\n"
                           "END:VTIMEZONE\r\nEND:VCALENDAR"),
         "a VTIMEZONE gives its TZID 2 times (Europe/Brussels, Europe/X)"),
        # (and from-ics/34901103968722b8: END:VTIMEZONE closing a VEVENT begun inside it)
        ("END:VCALENDAR", ("BEGIN:VTIMEZONE\r\nBEGIN:VEVENT\r\nTZID:Europe/Brussels\r\n"
                           "END:VTIMEZONE\r\nEND:VEVENT\r\nEND:VCALENDAR"),
         "END:VTIMEZONE closes BEGIN:VEVENT; each END closes its BEGIN"),
    ],
)  # fmt: skip
def test_from_ics_raises_only_ics_errors(old: str, new: str, words: str) -> None:
    with pytest.raises(IcsError) as info:
        ics.from_ics(_listing(old, new))
    assert words in str(info.value)


def test_a_blank_location_is_no_venue() -> None:
    # found by fuzzing (from-ics/ae49bab76a57727d): LOCATION of a space raised InvalidValue
    conference = "CONFERENCE;VALUE=URI;LABEL=WebEx:https://example.org/x\r\n"
    assert ics.from_ics(_listing(conference, "LOCATION: \r\n")).venue is None
    assert ics.from_ics(_listing(conference, "LOCATION:Hall\r\n")).venue == Venue(name="Hall")


def test_several_conference_links_read_the_first() -> None:
    text = _listing(
        "END:VEVENT", "CONFERENCE;VALUE=URI;LABEL=Phone:tel:+32-2-555-0100\r\nEND:VEVENT"
    )
    assert ics.from_ics(text).online == ics.from_ics(_LISTING).online


def test_as_resources_refuses_a_uid_that_is_not_utf8() -> None:
    data = _LISTING.encode().replace(b"UID:ev+plenary", b"UID:ev\xe4+plenary")
    with pytest.raises(IcsError, match=r"UID .* is not UTF-8"):
        ics.as_resources(data)


def test_a_stamp_outside_the_accepted_years_is_an_invalid_value(webinar: Event) -> None:
    late = dt.datetime.fromisoformat("9999-12-31T23:00-12:00")  # overflowed on the way to UTC
    with pytest.raises(InvalidValue, match=r"now: .* expected an instant in the years"):
        ics.publish(webinar, now=late)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the fuzzer's input (tests/fuzz_corpus/from-ics/87bf394b92008edb): a lone CR in NAME
        ("NAME:Title\r\n", "NAME:Title\rX-WR-CALNAME:Other\r\n"),
        ("SUMMARY:Title: Plenary", "SUMMARY:Title: Ple\rnary"),
        ("SUMMARY:Title: Plenary", "SUMMARY:Title: Plenary\r\nDESCRIPTION:Bring\rnotes"),
        ("NAME:Title", "NAME:Ti\x01tle"),
        ("CN=Org", 'CN=" Or\\\\g"'),  # a name as display_name leaves it
    ],
)  # fmt: skip
def test_control_characters_in_text_are_read_as_the_writer_writes_them(old: str, new: str) -> None:
    # RFC 5545 TEXT has no raw CR or other control characters: the reader gives the text as
    # clean_text leaves it (CR is a line break, the rest dropped), and the organiser's name
    # as display_name leaves it, so what is read publishes and reads back the same.
    event = ics.from_ics(_listing(old, new))
    texts = [event.title, event.organiser.name]
    texts += [text for s in event.sessions for text in (s.title, s.description)]
    assert not any(ch in text for text in texts for ch in "\r\x01\\")
    assert ics.from_ics(ics.publish(event, now=NOW, join_link=True)) == event


def test_a_lone_cr_in_the_title_is_a_line_break_in_it() -> None:
    event = ics.from_ics(_listing("NAME:Title\r\n", "NAME:Title\rX-WR-CALNAME:Other\r\n"))
    assert event.title == "Title\nX-WR-CALNAME:Other"
