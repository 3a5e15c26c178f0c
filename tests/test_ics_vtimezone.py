"""Tests of ran_events.ics._vtimezone: the compact VTIMEZONE of a zone and a span of years."""

from __future__ import annotations

import datetime as dt
import re

import attrs
from tests.interop.octets import check_octets

from ran_events import ics
from ran_events.models import Event

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)


def test_a_utc_event_has_no_vtimezone(webinar: Event) -> None:
    event = attrs.evolve(webinar, timezone="UTC")
    data = ics.publish(event, now=NOW)
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20230920T120000Z\r\n" in data
    assert check_octets(data) == []


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


def test_a_rule_that_begins_after_the_span_is_left_out() -> None:
    # Paraguay 2009: the 3rd-Sunday rule ends with the span (UNTIL); the 1st-Sunday rule of
    # 2010 is not part of a 2009 calendar.
    observances = _observances(ics.vtimezone("America/Asuncion", 2009, 2009))
    daylight = [o for o in observances if o["KIND"] == "DAYLIGHT"]
    assert [(o["DTSTART"], o.get("RRULE")) for o in daylight] == [
        ("20081019T000000", "FREQ=YEARLY;BYMONTH=10;BYDAY=3SU;UNTIL=20091018T040000Z")
    ]
