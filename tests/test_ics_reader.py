"""Tests of ran_events.ics._reader: from_ics reads listings back, and says why it cannot."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import attrs
import icalendar
import icalendar.timezone.zoneinfo
import pytest

from ran_events import ics, tz
from ran_events.errors import IcsError
from ran_events.models import Event, OnlineMeeting, Venue

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)


def _moved(event: Event) -> Event:
    start = tz.localize(dt.datetime(2023, 9, 20, 15, 0), event.timezone)
    return event.reschedule("plenary", start=start, end=start + dt.timedelta(minutes=30))


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


def test_from_ics_reads_a_backslash_n_in_text_as_written(webinar: Event) -> None:
    """``\\N`` in user text is two characters, not a line break (icalendar's own TEXT
    escaping reads it as one: from_ics must not write the value back through it)."""
    path = "C:\\Nextcloud\\Notes\\N"
    plenary = attrs.evolve(webinar.session("plenary"), title=f"Open {path}", description=path)
    event = attrs.evolve(
        webinar,
        title=f"Files in {path}",
        description=path,
        sessions=(plenary, webinar.session("cases")),
        venue=Venue(name=path, city="Brussels"),
    )
    back = ics.from_ics(ics.publish(event, now=NOW))
    assert (back.title, back.description) == (event.title, path)
    assert (back.sessions[0].title, back.sessions[0].description) == (f"Open {path}", path)
    assert back.venue == event.venue


def test_from_ics_refuses_what_it_cannot_read() -> None:
    with pytest.raises(IcsError, match="not an iCalendar"):
        ics.from_ics(b"hello")
    with pytest.raises(IcsError, match="no VEVENT"):
        ics.from_ics(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")


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
