"""Tests of ran_events.ics._writer: the writer's rules, templates, invites and cancellations."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import importlib.util
import os
import zoneinfo
from pathlib import Path

import attrs
import icalendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.interop.octets import check_octets

from ran_events import examples, ics, tz
from ran_events.errors import IcsError, InvalidValue
from ran_events.ics import _writer
from ran_events.models import Event, Organiser, Registration, Session, Venue

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


def _moved(event: Event) -> Event:
    start = tz.localize(dt.datetime(2023, 9, 20, 15, 0), event.timezone)
    return event.reschedule("plenary", start=start, end=start + dt.timedelta(minutes=30))


def _parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def _events(data: bytes) -> list[icalendar.cal.Component]:
    return list(_parse(data).walk("VEVENT"))


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


def _uncached(event: Event, who: Registration, method: str = "REQUEST") -> list[bytes]:
    template = ics.InviteTemplate.build(event, method=method)  # type: ignore[arg-type]
    attendee = (
        ics.Attendee.of(who, event) if method == "REQUEST" else ics.cancel_attendee(event, who)
    )
    return [o.data for o in template.render(attendee, now=NOW)]


def test_single_invites_render_the_event_template_once(
    webinar: Event, selected: Registration, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Event] = []
    build = ics.InviteTemplate.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ics.InviteTemplate], event: Event, **kwargs: object) -> object:
        built.append(event)
        return build(cls, event, **kwargs)

    monkeypatch.setattr(ics.InviteTemplate, "build", classmethod(counting))
    pool = [attrs.evolve(r, status="selected") for r in examples.synthetic_applicants(5, seed=4)]
    singles = [[o.data for o in ics.invite(webinar, r, now=NOW)] for r in pool]
    assert len(built) == 1
    ics.invite(webinar, selected, sessions=["cases"], now=LATER)  # other arguments: a render
    ics.invite(webinar, selected, sessions=("cases",), now=NOW)  # the same ones: none
    assert len(built) == 2
    assert singles == [_uncached(webinar, r) for r in pool]


def test_a_changed_event_never_gets_a_stale_template(
    webinar: Event, selected: Registration
) -> None:
    start = tz.localize(dt.datetime(2023, 9, 20, 15, 0), webinar.timezone)
    changed = [
        webinar.revise(title="Another title"),  # SEQUENCE + 1
        webinar.reschedule("plenary", start=start, end=start + dt.timedelta(minutes=30)),
        webinar.cancel_session("cases"),
        attrs.evolve(webinar, title="A new title at the same revision"),
        attrs.evolve(webinar, revision=webinar.revision + 5),
        attrs.evolve(webinar),  # equal, another object
    ]
    for event in changed:
        ics.invite(webinar, selected, now=NOW)  # the old revision's template is cached
        ics.cancel(webinar, selected, now=NOW)
        assert [o.data for o in ics.invite(event, selected, now=NOW)] == _uncached(event, selected)
        assert [o.data for o in ics.cancel(event, selected, now=NOW)] == _uncached(
            event, selected, "CANCEL"
        )
    assert b"SUMMARY;LANGUAGE=en:Another title: " in ics.invite(changed[0], selected)[0].data


def test_the_template_cache_is_bounded_and_shared_by_threads(selected: Registration) -> None:
    events = [examples.webinar().revise(title=f"Webinar {n}") for n in range(80)]
    expected = {id(e): _uncached(e, selected) for e in events}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda e: (id(e), [o.data for o in ics.invite(e, selected, now=NOW)]), events * 3
            )
        )
    assert all(expected[key] == data for key, data in results)
    kept = _writer._cached_template.cache_info()
    assert kept.currsize <= _writer._TEMPLATES_KEPT < len(events)


def test_the_dtstamp_of_each_fold_occurrence_is_its_own(
    webinar: Event, selected: Registration
) -> None:
    zone = zoneinfo.ZoneInfo("Europe/Brussels")
    first = dt.datetime(2023, 10, 29, 2, 30, tzinfo=zone)
    second = first.replace(fold=1)
    assert first == second  # one zone: the fold does not count in comparisons
    stamps = [
        _events(ics.invite(webinar, selected, sessions=["cases"], now=when)[0].data)[0].decoded(
            "DTSTAMP"
        )
        for when in (first, second)
    ]
    assert stamps == [first.astimezone(dt.UTC), second.astimezone(dt.UTC)]
    assert stamps[1] - stamps[0] == dt.timedelta(hours=1)


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


def test_a_stamp_outside_the_accepted_years_is_an_invalid_value(webinar: Event) -> None:
    late = dt.datetime.fromisoformat("9999-12-31T23:00-12:00")  # overflowed on the way to UTC
    with pytest.raises(InvalidValue, match=r"now: .* expected an instant in the years"):
        ics.publish(webinar, now=late)
