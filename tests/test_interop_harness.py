"""The interop harness is an honest oracle: it gets right answers right and wrong ones wrong.

Hand-written objects only; nothing here needs ``ran_events.ics``. Readers that are missing
skip these tests locally and fail them under ``CI=true`` (see ``tests/interop/readers.py``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from tests.interop import readers
from tests.interop.octets import RULES, check_octets
from tests.interop.readers import (
    ICAL,
    ICALJS,
    LIBICAL,
    VOBJECT,
    RadicaleClient,
    Reader,
    require,
)

pytestmark = pytest.mark.interop

UTC = dt.UTC
NOON_Z = dt.datetime(2023, 9, 20, 12, tzinfo=UTC)
ONE_Z = dt.datetime(2023, 9, 20, 13, tzinfo=UTC)

BRUSSELS = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Brussels",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]

EVENT = [
    "BEGIN:VEVENT",
    "UID:webinar-1@example.org",
    "DTSTAMP:20230901T080000Z",
    "DTSTART;TZID=Europe/Brussels:20230920T140000",
    "DTEND;TZID=Europe/Brussels:20230920T150000",
    "SEQUENCE:0",
    "SUMMARY:Webinar\\, part 1",
    'ORGANIZER;CN="Org, The":mailto:org@example.org',
    "ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVI",
    " DUAL:mailto:jane@example.org",
    "END:VEVENT",
]


def calendar(
    event: list[str] | None = None,
    *,
    method: str | None = "REQUEST",
    zone: list[str] | None = None,
    head: tuple[str, ...] = (),
) -> bytes:
    """Build a CRLF-terminated VCALENDAR around one VEVENT (defaults: the valid invite)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ran_events//interop test//EN"]
    if method is not None:
        lines.append(f"METHOD:{method}")
    lines += [*head, *(BRUSSELS if zone is None else zone), *(EVENT if event is None else event)]
    lines.append("END:VCALENDAR")
    return "".join(f"{line}\r\n" for line in lines).encode()


def replace(old: str, *new: str, event: list[str] | None = None) -> list[str]:
    """Return the event lines with the line ``old`` replaced by ``new`` (nothing deletes it)."""
    source = EVENT if event is None else event
    assert old in source
    index = source.index(old)
    return [*source[:index], *new, *source[index + 1 :]]


def icalendar_generated() -> bytes:
    """The same invite with the VTIMEZONE that icalendar 7's add_missing_timezones() writes."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//ran_events//interop test//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = icalendar.Event()
    brussels = zoneinfo.ZoneInfo("Europe/Brussels")
    event.add("uid", "webinar-1@example.org")
    event.add("dtstamp", dt.datetime(2023, 9, 1, 8, tzinfo=UTC))
    event.add("dtstart", dt.datetime(2023, 9, 20, 14, tzinfo=brussels))
    event.add("dtend", dt.datetime(2023, 9, 20, 15, tzinfo=brussels))
    event.add("summary", "Webinar")
    event.add("organizer", icalendar.vCalAddress("mailto:org@example.org"))
    event.add("attendee", icalendar.vCalAddress("mailto:jane@example.org"))
    cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    assert b"RDATE:" in data  # the RDATE-list form of ICALENDAR.md section 1
    return data


# --------------------------------------------------------------------------------------------
# The correct compact VTIMEZONE: every reader agrees on 12:00Z


def test_libical_places_compact_vtimezone_at_noon_utc() -> None:
    require(LIBICAL)
    result = readers.libical_check(calendar())
    assert [(e.uid, e.dtstart_utc, e.dtend_utc) for e in result.events] == [
        ("webinar-1@example.org", NOON_Z, ONE_Z)
    ]
    assert result.errors == ()


def test_icaljs_places_compact_vtimezone_at_noon_utc() -> None:
    require(ICALJS)
    events = readers.icaljs_times(calendar())
    assert [(e.uid, e.dtstart_utc, e.dtend_utc, e.problems) for e in events] == [
        ("webinar-1@example.org", NOON_Z, ONE_Z, ())
    ]


def test_vobject_places_compact_vtimezone_at_noon_utc() -> None:
    require(VOBJECT)
    [event] = readers.vobject_parse(calendar())
    assert (event.uid, event.dtstart_utc) == ("webinar-1@example.org", NOON_Z)


def test_ical_places_compact_vtimezone_at_noon_utc() -> None:
    require(ICAL)
    events = readers.ical_parse(calendar())
    assert [(e.uid, e.dtstart_utc, e.dtend_utc) for e in events] == [
        ("webinar-1@example.org", NOON_Z, ONE_Z)
    ]


def test_readers_use_the_embedded_block_not_a_zone_database() -> None:
    """A VTIMEZONE claiming +05:00 summer time moves the event for libical, ical.js, vobject."""
    for reader in (LIBICAL, ICALJS, VOBJECT, ICAL):
        require(reader)
    bogus = [line.replace("+0200", "+0500") for line in BRUSSELS]
    data = calendar(zone=bogus)
    nine_z = dt.datetime(2023, 9, 20, 9, tzinfo=UTC)
    assert [e.dtstart_utc for e in readers.libical_check(data).events] == [nine_z]
    assert [e.dtstart_utc for e in readers.icaljs_times(data)] == [nine_z]
    assert [e.dtstart_utc for e in readers.vobject_parse(data)] == [nine_z]
    # ``ical`` resolves the IANA name itself: it cannot see a wrong block.
    assert [e.dtstart_utc for e in readers.ical_parse(data)] == [NOON_Z]


def test_tzid_without_vtimezone_is_reported_not_guessed() -> None:
    require(LIBICAL)
    require(ICALJS)
    data = calendar(zone=[])
    [lib] = readers.libical_check(data).events
    [js] = readers.icaljs_times(data)
    for event in (lib, js):
        assert event.dtstart_utc is None
        assert any("no embedded VTIMEZONE for TZID=Europe/Brussels" in p for p in event.problems)


# --------------------------------------------------------------------------------------------
# icalendar 7's generated VTIMEZONE: the oracle detects the one-hour bug


def test_icaljs_detects_icalendar_generated_vtimezone_an_hour_late() -> None:
    require(ICALJS)
    [event] = readers.icaljs_times(icalendar_generated())
    assert event.dtstart_utc == ONE_Z


def test_vobject_detects_icalendar_generated_vtimezone_an_hour_late() -> None:
    require(VOBJECT)
    [event] = readers.vobject_parse(icalendar_generated())
    assert event.dtstart_utc == ONE_Z


def test_libical_reads_icalendar_generated_vtimezone_correctly() -> None:
    """Measured: libical 3 reads the whole RDATE list, so it alone does not catch the bug."""
    require(LIBICAL)
    [event] = readers.libical_check(icalendar_generated()).events
    assert event.dtstart_utc == NOON_Z


def test_ical_ignores_the_generated_block() -> None:
    require(ICAL)
    [event] = readers.ical_parse(icalendar_generated())
    assert event.dtstart_utc == NOON_Z


# --------------------------------------------------------------------------------------------
# libical's RFC 5546 restriction check


def test_valid_request_passes_restriction_check() -> None:
    require(LIBICAL)
    result = readers.libical_check(calendar())
    assert result.restriction_ok
    assert result.restriction_errors == ()
    assert result.parse_errors == ()


@pytest.mark.parametrize(
    ("method", "event", "needle"),
    [
        ("REQUEST", replace('ORGANIZER;CN="Org, The":mailto:org@example.org'), "ORGANIZER"),
        (
            "REQUEST",
            replace(
                "ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVI",
                event=replace(" DUAL:mailto:jane@example.org"),
            ),
            "ATTENDEE",
        ),
        ("REQUEST", replace("SEQUENCE:0", "STATUS:CANCELLED"), "STATUS"),
        ("CANCEL", replace("SEQUENCE:0", "STATUS:CANCELLED"), "SEQUENCE"),
        ("CANCEL", replace("UID:webinar-1@example.org"), "UID"),
    ],
    ids=[
        "request-no-organizer",
        "request-no-attendee",
        "request-cancelled",
        "cancel-no-sequence",
        "cancel-no-uid",
    ],
)
def test_restriction_check_reports_itip_errors(method: str, event: list[str], needle: str) -> None:
    require(LIBICAL)
    result = readers.libical_check(calendar(event, method=method))
    assert not result.restriction_ok
    assert any(needle in e.message for e in result.restriction_errors), result.errors


def test_valid_cancel_passes_restriction_check() -> None:
    require(LIBICAL)
    event = replace("SEQUENCE:0", "SEQUENCE:1", "STATUS:CANCELLED")
    result = readers.libical_check(calendar(event, method="CANCEL"))
    assert result.restriction_ok, result.errors


# --------------------------------------------------------------------------------------------
# Radicale: storage and server-side time-range queries


def test_radicale_stores_and_finds_the_event_at_noon_utc(radicale: RadicaleClient) -> None:
    data = calendar(method=None)
    assert radicale.put("cal/webinar.ics", data) == 201
    stored = radicale.get("cal/webinar.ics")
    assert stored is not None
    assert b"UID:webinar-1@example.org" in stored
    assert radicale.time_range_report("cal/", NOON_Z, ONE_Z) == ["webinar-1@example.org"]
    two_z = dt.datetime(2023, 9, 20, 14, tzinfo=UTC)
    assert radicale.time_range_report("cal/", ONE_Z, two_z) == []
    assert radicale.get("cal/absent.ics") is None


def test_radicale_places_icalendar_generated_vtimezone_an_hour_late(
    radicale: RadicaleClient,
) -> None:
    assert radicale.put("cal/generated.ics", icalendar_generated()) == 201
    two_z = dt.datetime(2023, 9, 20, 14, tzinfo=UTC)
    assert radicale.time_range_report("cal/", NOON_Z, ONE_Z) == []
    assert radicale.time_range_report("cal/", ONE_Z, two_z) == ["webinar-1@example.org"]


# --------------------------------------------------------------------------------------------
# require(): skip locally, fail under CI


MISSING = Reader(name="missing", probe=lambda: "not installed here")


def test_require_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="missing unavailable: not installed here"):
        require(MISSING)


def test_require_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing unavailable"):
        require(MISSING)


def test_require_passes_when_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require(Reader(name="present", probe=lambda: None))


# --------------------------------------------------------------------------------------------
# The octet-level checker


def test_octets_accept_the_valid_invite() -> None:
    assert check_octets(calendar()) == []
    assert check_octets(calendar(method="PUBLISH", head=("X-WR-CALNAME:Webinars",))) == []


def test_octets_accept_a_multibyte_fold_at_a_character_boundary() -> None:
    summary = "SUMMARY:" + "é" * 33  # 8 + 66 octets
    folded = summary[:41] + "\r\n " + summary[41:]
    assert len(summary[:41].encode()) == 74
    data = calendar(replace("SUMMARY:Webinar\\, part 1", folded))
    assert check_octets(data) == []


def _fold_inside_character() -> bytes:
    line = ("SUMMARY:" + "é" * 40).encode()
    good = calendar(replace("SUMMARY:Webinar\\, part 1", "@@"))
    return good.replace(b"@@", line[:41] + b"\r\n " + line[41:])


def _fold_inside_escape() -> bytes:
    return calendar(replace("SUMMARY:Webinar\\, part 1", "SUMMARY:Webinar\\", " , part 1"))


BAD_SAMPLES: dict[str, bytes] = {
    "crlf": calendar().replace(b"SEQUENCE:0\r\n", b"SEQUENCE:0\n"),
    "line-length": calendar(replace("SUMMARY:Webinar\\, part 1", "SUMMARY:" + "x" * 68)),
    "fold-utf8": _fold_inside_character(),
    "fold-escape": _fold_inside_escape(),
    "utf8": calendar().replace(b"part 1", b"part \xff"),
    "bare-cr-lf": calendar().replace(b"part 1", b"part\r 1"),
    "syntax": calendar().replace(b"END:VEVENT", b"END:VTODO"),
    "text-escape": calendar(replace("SUMMARY:Webinar\\, part 1", "SUMMARY:Webinar\\: part 1")),
    "text-unescaped": calendar(replace("SUMMARY:Webinar\\, part 1", "SUMMARY:Webinar, part 1")),
    "param-quote": calendar(
        replace(
            'ORGANIZER;CN="Org, The":mailto:org@example.org',
            "ORGANIZER;CN=Org, The:mailto:org@example.org",
        )
    ),
    "version": calendar(head=("VERSION:2.0",)),
    "prodid": calendar().replace(b"PRODID:-//ran_events//interop test//EN\r\n", b""),
    "tzid-missing": calendar(zone=[]),
    "tzid-order": calendar(zone=[]).replace(b"END:VCALENDAR", "\r\n".join(BRUSSELS).encode())
    + b"\r\nEND:VCALENDAR\r\n",
    "tzid-utc": calendar(
        replace(
            "DTSTAMP:20230901T080000Z",
            "DTSTAMP:20230901T080000Z",
            "RECURRENCE-ID;TZID=UTC:20230920T120000",
        )
    ),
    "floating": calendar(
        replace(
            "DTEND;TZID=Europe/Brussels:20230920T150000",
            "DTEND:20230920T150000",
        )
    ),
    "datetime-form": calendar(
        replace(
            "DTSTART;TZID=Europe/Brussels:20230920T140000",
            "DTSTART;TZID=Europe/Brussels:20230920T140000+0200",
        )
    ),
    "dtstamp-utc": calendar(replace("DTSTAMP:20230901T080000Z", "DTSTAMP:20230901T080000")),
    "cardinality": calendar(replace("UID:webinar-1@example.org")),
    "dtend-duration": calendar(
        replace(
            "DTEND;TZID=Europe/Brussels:20230920T150000",
            "DTEND;TZID=Europe/Brussels:20230920T150000",
            "DURATION:PT1H",
        )
    ),
    "x-wr-calname": calendar(head=("X-WR-CALNAME:Webinars",)),
}


def test_every_rule_has_a_bad_sample() -> None:
    assert sorted(BAD_SAMPLES) == sorted(RULES)


@pytest.mark.parametrize("rule", sorted(BAD_SAMPLES))
def test_octets_report_each_rule(rule: str) -> None:
    problems = check_octets(BAD_SAMPLES[rule])
    assert any(p.startswith(f"{rule}: ") for p in problems), problems


@pytest.mark.parametrize(
    ("rule", "data"),
    [
        ("crlf", calendar().rstrip(b"\r\n")),
        ("crlf", calendar().replace(b"\r\n", b"\n")),
        ("bare-cr-lf", calendar().replace(b"part 1", b"part\n 1")),
        ("param-quote", calendar().replace(b'CN="Org, The"', b"CN=Org; The")),
        ("param-quote", calendar().replace(b'CN="Org, The"', b"CN=Org: The")),
        ("text-escape", calendar().replace(b"part 1", b"part 1\\")),
        ("cardinality", calendar().replace(b"SEQUENCE:0", b"DTSTAMP:20230901T090000Z")),
        ("version", calendar().replace(b"VERSION:2.0", b"VERSION:1.0")),
        ("x-wr-calname", calendar(method="CANCEL", head=("X-WR-CALNAME:Webinars",))),
    ],
)
def test_octets_more_bad_samples(rule: str, data: bytes) -> None:
    assert any(p.startswith(f"{rule}: ") for p in check_octets(data))


def test_octets_accept_folded_multivalued_parameters_and_dates() -> None:
    event = replace(
        "SEQUENCE:0",
        "SEQUENCE:0",
        "CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL=WebEx:https://example.org/j",
        "CATEGORIES:talk,webinar",
        "EXDATE;VALUE=DATE:20230921",
    )
    assert check_octets(calendar(event)) == []
