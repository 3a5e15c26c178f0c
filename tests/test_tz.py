"""Tests of ran_events.tz: zones, localize with an explicit DST choice, deadlines, parsing."""

from __future__ import annotations

import datetime as dt
import inspect
import zoneinfo

import pytest
import pytz
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from tests.strategies import ZONES, naive_datetimes

from ran_events import eventfile, tz
from ran_events.errors import (
    AbbreviationMismatch,
    AmbiguousTimeError,
    AwareDatetimeError,
    DeadlineParseError,
    InvalidValue,
    NaiveDatetimeError,
    NonexistentTimeError,
    RanEventsError,
    ScheduleParseError,
    TimeRangeError,
    UnknownTimeZone,
    UnknownTimeZoneAbbreviation,
    WeekdayMismatch,
)

UTC = dt.UTC
H = dt.timedelta(hours=1)
M30 = dt.timedelta(minutes=30)

# ------------------------------------------------------------------------------------------
# DST of every EU member state, from the EU rule (last Sunday of March / October, 01:00 UTC)

EU_STANDARD_OFFSET = {
    "Europe/Vienna": 1, "Europe/Brussels": 1, "Europe/Sofia": 2, "Europe/Zagreb": 1,
    "Asia/Nicosia": 2, "Europe/Prague": 1, "Europe/Copenhagen": 1, "Europe/Tallinn": 2,
    "Europe/Helsinki": 2, "Europe/Paris": 1, "Europe/Berlin": 1, "Europe/Athens": 2,
    "Europe/Budapest": 1, "Europe/Dublin": 0, "Europe/Rome": 1, "Europe/Riga": 2,
    "Europe/Vilnius": 2, "Europe/Luxembourg": 1, "Europe/Malta": 1, "Europe/Amsterdam": 1,
    "Europe/Warsaw": 1, "Europe/Lisbon": 0, "Europe/Bucharest": 2, "Europe/Bratislava": 1,
    "Europe/Ljubljana": 1, "Europe/Madrid": 1, "Europe/Stockholm": 1,
}  # fmt: skip


def last_sunday(year: int, month: int) -> dt.date:
    """The last Sunday of a month (March and October have 31 days)."""
    last = dt.date(year, month, 31)
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


def test_last_sunday_helper() -> None:
    assert last_sunday(2023, 3) == dt.date(2023, 3, 26)
    assert last_sunday(2023, 10) == dt.date(2023, 10, 29)
    assert last_sunday(2024, 3) == dt.date(2024, 3, 31)
    assert last_sunday(2024, 10) == dt.date(2024, 10, 27)


EU_CASES = [
    pytest.param(zone, year, month, id=f"{zone}-{year}-{'gap' if month == 3 else 'fold'}")
    for zone in EU_STANDARD_OFFSET
    for year in (2023, 2024)
    for month in (3, 10)
]


@pytest.mark.parametrize(("zone", "year", "month"), EU_CASES)
def test_eu_gap_and_fold(zone: str, year: int, month: int) -> None:
    """The middle of the skipped (March) or repeated (October) hour, in every EU state."""
    switch = dt.datetime.combine(last_sunday(year, month), dt.time(1), tzinfo=UTC)
    standard = EU_STANDARD_OFFSET[zone] * H
    # The skipped/repeated local hour starts at the transition's standard-time wall clock.
    wall = (switch + standard).replace(tzinfo=None) + M30
    first, second = switch - M30, switch + M30  # the two readings of the wall time
    error = NonexistentTimeError if month == 3 else AmbiguousTimeError
    with pytest.raises(error) as info:
        tz.localize(wall, zone)
    assert info.value.wall == wall
    assert info.value.zone == zone
    assert [c.astimezone(UTC) for c in info.value.candidates] == [first, second]
    assert tz.localize(wall, zone, disambiguate="earlier") == first
    assert tz.localize(wall, zone, disambiguate="later") == second
    compatible = tz.localize(wall, zone, disambiguate="compatible")
    assert compatible == (second if month == 3 else first)
    # Every result carries the offset in force at its instant (not LMT, not a stale one).
    for value in (*info.value.candidates, compatible):
        assert value.utcoffset() == zoneinfo.ZoneInfo(zone).utcoffset(
            value.astimezone(UTC).astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
        )
    # Just outside the hour the wall time is unique and lands where the rule says.
    summer, winter = standard + H, standard
    before_offset, after_offset = (winter, summer) if month == 3 else (summer, winter)
    before = wall - M30 - dt.timedelta(microseconds=1)
    after = wall + M30
    assert tz.localize(before, zone) == (before - before_offset).replace(tzinfo=UTC)
    assert tz.localize(after, zone) == (after - after_offset).replace(tzinfo=UTC)


def test_dublin_negative_dst_gives_the_right_instants() -> None:
    """pytz models Irish time with a negative DST in winter; only the instants matter."""
    winter = tz.localize(dt.datetime(2023, 1, 15, 12), "Europe/Dublin")
    summer = tz.localize(dt.datetime(2023, 7, 15, 12), "Europe/Dublin")
    assert winter == dt.datetime(2023, 1, 15, 12, tzinfo=UTC)
    assert summer == dt.datetime(2023, 7, 15, 11, tzinfo=UTC)
    assert (winter.tzname(), summer.tzname()) == ("GMT", "IST")


def test_transitions_mark_irish_summer_time_as_daylight_time() -> None:
    """VTIMEZONE needs IST as DAYLIGHT even though the tz database flags GMT negative DST."""
    start = dt.datetime(2023, 1, 1, tzinfo=UTC)
    end = dt.datetime(2024, 1, 1, tzinfo=UTC)
    found = tz.transitions("Europe/Dublin", start, end)
    assert [(t.at, t.abbreviation, t.is_dst) for t in found] == [
        (dt.datetime(2022, 10, 30, 1, tzinfo=UTC), "GMT", False),
        (dt.datetime(2023, 3, 26, 1, tzinfo=UTC), "IST", True),
        (dt.datetime(2023, 10, 29, 1, tzinfo=UTC), "GMT", False),
    ]
    assert found[1].offset_before == dt.timedelta(0)
    assert found[1].offset_after == H


def test_transitions_brussels_and_zones_without_changes() -> None:
    start = dt.datetime(2023, 1, 1, tzinfo=UTC)
    end = dt.datetime(2024, 1, 1, tzinfo=UTC)
    brussels = tz.transitions("Europe/Brussels", start, end)
    assert [(t.at.month, t.offset_after, t.is_dst, t.abbreviation) for t in brussels] == [
        (10, H, False, "CET"),
        (3, 2 * H, True, "CEST"),
        (10, H, False, "CET"),
    ]
    assert tz.transitions("UTC", start, end) == []
    tokyo = tz.transitions(zoneinfo.ZoneInfo("Asia/Tokyo"), start, end)
    assert len(tokyo) == 1  # only the last change before start (1951): the offset in force
    assert tokyo[0].offset_after == 9 * H
    assert tokyo[0].at.year == 1951


# Transitions outside the EU, written out by hand from the zones' own rules.
# (zone, wall time, kind, earlier instant, later instant) in UTC.
OTHER_CASES = [
    # Sydney: DST ends the first Sunday of April 03:00 AEDT -> 02:00 AEST,
    # starts the first Sunday of October 02:00 AEST -> 03:00 AEDT.
    ("Australia/Sydney", dt.datetime(2023, 4, 2, 2, 30), "fold",
     dt.datetime(2023, 4, 1, 15, 30), dt.datetime(2023, 4, 1, 16, 30)),
    ("Australia/Sydney", dt.datetime(2023, 10, 1, 2, 30), "gap",
     dt.datetime(2023, 9, 30, 15, 30), dt.datetime(2023, 9, 30, 16, 30)),
    ("Australia/Sydney", dt.datetime(2024, 4, 7, 2, 30), "fold",
     dt.datetime(2024, 4, 6, 15, 30), dt.datetime(2024, 4, 6, 16, 30)),
    ("Australia/Sydney", dt.datetime(2024, 10, 6, 2, 30), "gap",
     dt.datetime(2024, 10, 5, 15, 30), dt.datetime(2024, 10, 5, 16, 30)),
    # New York: second Sunday of March 02:00 EST -> 03:00 EDT,
    # first Sunday of November 02:00 EDT -> 01:00 EST.
    ("America/New_York", dt.datetime(2023, 3, 12, 2, 30), "gap",
     dt.datetime(2023, 3, 12, 6, 30), dt.datetime(2023, 3, 12, 7, 30)),
    ("America/New_York", dt.datetime(2023, 11, 5, 1, 30), "fold",
     dt.datetime(2023, 11, 5, 5, 30), dt.datetime(2023, 11, 5, 6, 30)),
    ("America/New_York", dt.datetime(2024, 3, 10, 2, 30), "gap",
     dt.datetime(2024, 3, 10, 6, 30), dt.datetime(2024, 3, 10, 7, 30)),
    ("America/New_York", dt.datetime(2024, 11, 3, 1, 30), "fold",
     dt.datetime(2024, 11, 3, 5, 30), dt.datetime(2024, 11, 3, 6, 30)),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "wall", "kind", "first", "second"), OTHER_CASES)
def test_other_zones(
    zone: str, wall: dt.datetime, kind: str, first: dt.datetime, second: dt.datetime
) -> None:
    first, second = first.replace(tzinfo=UTC), second.replace(tzinfo=UTC)
    error = NonexistentTimeError if kind == "gap" else AmbiguousTimeError
    with pytest.raises(error) as info:
        tz.localize(wall, zone)
    assert list(info.value.candidates) == [first, second]
    assert tz.localize(wall, zone, disambiguate="earlier") == first
    assert tz.localize(wall, zone, disambiguate="later") == second
    expected = second if kind == "gap" else first
    assert tz.localize(wall, zone, disambiguate="compatible") == expected
    if kind == "gap":  # the result's wall time is shifted by the gap
        assert tz.wall_time(tz.localize(wall, zone, disambiguate="later")) == wall + H
        assert tz.wall_time(tz.localize(wall, zone, disambiguate="earlier")) == wall - H


@pytest.mark.parametrize(
    "wall",
    [dt.datetime(2023, 3, 26, 2, 30), dt.datetime(2023, 10, 29, 2, 30), dt.datetime(2024, 1, 1)],
)
def test_zone_without_dst(wall: dt.datetime) -> None:
    for choice in ("raise", "earlier", "later", "compatible"):
        value = tz.localize(wall, "Asia/Tokyo", disambiguate=choice)  # type: ignore[arg-type]
        assert value == (wall - 9 * H).replace(tzinfo=UTC)
        assert value.tzname() == "JST"


# ------------------------------------------------------------------------------------------
# One tz database, right in every year up to 2100

EEA_CAPITAL_ZONES = (*EU_STANDARD_OFFSET, "Atlantic/Reykjavik", "Europe/Vaduz", "Europe/Oslo")
DOCS_ZONES = ("Europe/Brussels", "Europe/Helsinki", "Europe/Lisbon", "America/New_York")


def reference(zone: str) -> zoneinfo.ZoneInfo:
    """The zone read whole from the zone file the library uses (64-bit data and footer)."""
    with pytz.open_resource(zone) as source:
        return zoneinfo.ZoneInfo.from_file(source, key=zone)


def rule_changes(zone: str, year: int) -> list[dt.datetime]:
    """The changes of ``year`` by the rules in force since 2007 (EU and US), in UTC."""
    if zone == "America/New_York":
        march = dt.date(year, 3, 8) + dt.timedelta(days=(6 - dt.date(year, 3, 8).weekday()) % 7)
        november = dt.date(year, 11, 1)
        november += dt.timedelta(days=(6 - november.weekday()) % 7)
        return [
            dt.datetime.combine(march, dt.time(7), tzinfo=UTC),  # 02:00 EST
            dt.datetime.combine(november, dt.time(6), tzinfo=UTC),  # 02:00 EDT
        ]
    if zone == "Atlantic/Reykjavik":
        return []
    return [
        dt.datetime.combine(last_sunday(year, month), dt.time(1), tzinfo=UTC) for month in (3, 10)
    ]


@pytest.mark.parametrize("zone", sorted({*EEA_CAPITAL_ZONES, *DOCS_ZONES}))
def test_every_hour_around_every_change_to_2100(zone: str) -> None:
    """Each change from 2024 to 2100 where the rule puts it; each hour around it as the file."""
    ref = reference(zone)
    expected = [at for year in range(2024, 2101) for at in rule_changes(zone, year)]
    span = (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2101, 1, 1, tzinfo=UTC))
    found = [change.at for change in tz.transitions(zone, *span) if change.at >= span[0]]
    assert found == expected
    for at in expected or [dt.datetime(2024 + k, 7, 1, tzinfo=UTC) for k in range(0, 77, 4)]:
        for hours in range(-3, 4):
            instant = at + hours * H
            mine = tz.to_zone(instant, zone)
            truth = instant.astimezone(ref)
            assert (mine.utcoffset(), mine.tzname()) == (truth.utcoffset(), truth.tzname())
            assert mine.replace(tzinfo=None) == truth.replace(tzinfo=None)
            wall = truth.replace(tzinfo=None)
            resolved = tz.localize(wall, zone, disambiguate="later" if truth.fold else "earlier")
            assert resolved == instant


def test_summer_after_2037_is_summer_time() -> None:
    """pytz's own tables stop in 2037: 2038 and later summers came out as winter time."""
    assert tz.localize(dt.datetime(2038, 7, 1, 12), "Europe/Brussels").utcoffset() == 2 * H
    start = tz.localize(dt.datetime(2040, 7, 11, 14), "Europe/Brussels")
    assert start == dt.datetime(2040, 7, 11, 12, tzinfo=UTC)
    assert start.tzname() == "CEST"
    parsed = tz.parse_schedule("Wednesday 11 July 2040, 14:00 - 17:00 CEST")
    assert parsed == (start, start + 3 * H)
    with pytest.raises(AmbiguousTimeError):
        tz.localize(dt.datetime(2040, 10, 28, 2, 30), "Europe/Brussels")
    assert tz.zone(pytz.timezone("Europe/Brussels")) is tz.zone("Europe/Brussels")
    given_by_pytz = pytz.timezone("Europe/Brussels").localize(dt.datetime(2040, 1, 1))
    assert tz.to_zone(given_by_pytz, "Europe/Brussels").utcoffset() == H


def test_every_zone_agrees_with_its_zone_file_from_1970_to_2100() -> None:
    """Each change of each IANA zone is real, and mid-January or mid-July agree, every year."""
    second = dt.timedelta(seconds=1)
    span = (dt.datetime(1970, 1, 1, tzinfo=UTC), dt.datetime(2101, 1, 1, tzinfo=UTC))
    for zone in pytz.all_timezones:
        ref = reference(tz.zone_name(zone))  # "CET", "EST": the configured abbreviations
        for change in tz.transitions(zone, *span):
            if change.at < span[0]:
                continue
            assert (change.at - second).astimezone(ref).utcoffset() == change.offset_before, zone
            assert change.at.astimezone(ref).utcoffset() == change.offset_after, zone
        mine = tz.zone(zone)
        for year in range(1970, 2101):
            instant = dt.datetime(year, 1 + 6 * (year % 2), 15, 12, tzinfo=UTC)
            assert instant.astimezone(mine).utcoffset() == instant.astimezone(ref).utcoffset()


def test_occurrences_of_a_wall_time() -> None:
    assert tz.occurrences(dt.datetime(2024, 10, 27, 1, 10), "Europe/Lisbon") == 2
    assert tz.occurrences(dt.datetime(2024, 3, 31, 1, 10), "Europe/Lisbon") == 0
    assert tz.occurrences(dt.datetime(2040, 10, 28, 2, 10), "Europe/Brussels") == 2
    assert tz.occurrences(dt.datetime(2040, 7, 11, 14), "Europe/Brussels") == 1
    with pytest.raises(TypeError, match="naive datetime"):
        tz.occurrences(dt.datetime(2040, 7, 11, 14, tzinfo=UTC), "Europe/Brussels")


def test_a_pickled_time_after_2037_comes_back_in_the_same_zone() -> None:
    import pickle

    start = tz.localize(dt.datetime(2040, 7, 11, 14), "Europe/Brussels")
    back = pickle.loads(pickle.dumps(start))
    assert back == start
    assert back.tzinfo is start.tzinfo
    later = back.tzinfo.normalize(back + 365 * 24 * H)  # type: ignore[union-attr]
    assert later.utcoffset() == 2 * H  # July 2041: by the zone's table to 2100, not pytz's


def test_a_zoneinfo_time_in_a_gap_is_refused_and_fold_one_is_kept() -> None:
    brussels = zoneinfo.ZoneInfo("Europe/Brussels")
    with pytest.raises(NonexistentTimeError) as info:
        tz.check_aware(dt.datetime(2023, 3, 26, 2, 30, tzinfo=brussels), "start")
    assert [c.astimezone(UTC).hour for c in info.value.candidates] == [0, 1]
    second = dt.datetime(2023, 10, 29, 2, 30, fold=1, tzinfo=brussels)
    assert tz.canonical(second) == dt.datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
    assert tz.canonical(second).utcoffset() == H
    assert tz.canonical(second.replace(fold=0)).utcoffset() == 2 * H
    aware_utc = dt.datetime(2023, 1, 1, tzinfo=UTC)
    assert tz.canonical(aware_utc) is aware_utc


def test_localize_accepts_zoneinfo_and_pytz_objects() -> None:
    wall = dt.datetime(2023, 10, 29, 2, 30)
    for zone in (zoneinfo.ZoneInfo("Europe/Brussels"), pytz.timezone("Europe/Brussels")):
        later = tz.localize(wall, zone, disambiguate="later")
        # (PEP 495: a zoneinfo time with fold=1 never compares equal across zones.)
        assert later.astimezone(UTC) == dt.datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
        assert later.utcoffset() == H
        with pytest.raises(AmbiguousTimeError) as info:
            tz.localize(wall, zone)
        assert info.value.zone == "Europe/Brussels"


def test_localize_refuses_aware_and_bad_arguments() -> None:
    aware = dt.datetime(2023, 9, 20, 14, tzinfo=UTC)
    with pytest.raises(AwareDatetimeError, match="to_zone") as info:
        tz.localize(aware, "Europe/Brussels")
    assert isinstance(info.value, TypeError)
    assert info.value.value is aware
    with pytest.raises(TypeError, match="naive datetime"):
        tz.localize(dt.date(2023, 9, 20), "Europe/Brussels")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="disambiguate"):
        tz.localize(dt.datetime(2023, 9, 20), "UTC", disambiguate="first")  # type: ignore[arg-type]


def test_localize_ignores_the_fold_attribute_of_the_input() -> None:
    """``fold=1`` is zoneinfo's way; here only ``disambiguate`` decides."""
    wall = dt.datetime(2023, 10, 29, 2, 30, fold=1)
    with pytest.raises(AmbiguousTimeError):
        tz.localize(wall, "Europe/Brussels")
    first = tz.localize(wall, "Europe/Brussels", disambiguate="earlier")
    assert first == dt.datetime(2023, 10, 29, 0, 30, tzinfo=UTC)  # not the fold=1 occurrence


def test_error_messages_name_the_wall_time_zone_and_choices() -> None:
    with pytest.raises(NonexistentTimeError) as gap:
        tz.localize(dt.datetime(2023, 3, 26, 2, 30), "Europe/Brussels")
    assert "2023-03-26T02:30:00 does not exist in Europe/Brussels" in str(gap.value)
    assert "compatible" in str(gap.value)
    with pytest.raises(AmbiguousTimeError) as fold:
        tz.localize(dt.datetime(2023, 10, 29, 2, 30), "Europe/Brussels")
    assert "2023-10-29T02:30:00+02:00 or 2023-10-29T02:30:00+01:00" in str(fold.value)
    assert isinstance(fold.value, ValueError)
    assert isinstance(fold.value, RanEventsError)


# ------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=300, deadline=None)
@given(wall=naive_datetimes(), zone=st.sampled_from(ZONES))
def test_compatible_never_raises_and_earlier_is_not_after_later(
    wall: dt.datetime, zone: str
) -> None:
    compatible = tz.localize(wall, zone, disambiguate="compatible")
    earlier = tz.localize(wall, zone, disambiguate="earlier")
    later = tz.localize(wall, zone, disambiguate="later")
    assert earlier <= later
    assert compatible in (earlier, later)
    for value in (compatible, earlier, later):
        # Normalised: the offset is the zone's at that instant.
        assert value.utcoffset() == value.astimezone(UTC).astimezone(tz.zone(zone)).utcoffset()


@settings(max_examples=300, deadline=None)
@given(wall=naive_datetimes(), zone=st.sampled_from(ZONES))
@example(wall=dt.datetime(2023, 9, 20, 14), zone="Europe/Brussels")
def test_localize_round_trips_outside_gaps_and_folds(wall: dt.datetime, zone: str) -> None:
    try:
        value = tz.localize(wall, zone)
    except (NonexistentTimeError, AmbiguousTimeError):
        assume(False)
        raise  # pragma: no cover - assume() stops the example
    back = tz.to_zone(tz.to_utc(value), zone)
    assert tz.wall_time(back) == wall
    assert back == value
    # The same answer as the standard library's zoneinfo (an independent implementation)
    # reading the same data (pytz's zone file: the machine's own tz database may be older or
    # newer, as Havana's and Casablanca's rules show).
    if 1970 <= wall.year <= 2100:
        with pytz.open_resource(zone) as data:
            reference = zoneinfo.ZoneInfo.from_file(data, key=zone)
        assert back.utcoffset() == wall.replace(tzinfo=reference).utcoffset()


@settings(max_examples=200, deadline=None)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 30)), zone=st.sampled_from(ZONES))
@example(day=dt.date(2023, 9, 2), zone="America/Santiago")  # midnight falls in the gap
@example(day=dt.date(2011, 12, 29), zone="Pacific/Apia")  # 30 December 2011 never happened
def test_end_of_day_is_the_first_instant_after_the_day(day: dt.date, zone: str) -> None:
    end = tz.end_of_day(day, zone)
    assert tz.to_zone(end, zone).date() > day
    just_before = tz.to_utc(end) - dt.timedelta(microseconds=1)  # (arithmetic in UTC)
    assert tz.to_zone(just_before, zone).date() == day


def test_end_of_day_of_the_deadline() -> None:
    end = tz.end_of_day(dt.date(2023, 9, 6), "Europe/Brussels")
    assert end == dt.datetime(2023, 9, 6, 22, tzinfo=UTC)
    assert end.isoformat() == "2023-09-07T00:00:00+02:00"
    with pytest.raises(TypeError, match="takes a date"):
        tz.end_of_day(dt.datetime(2023, 9, 6), "Europe/Brussels")


# ------------------------------------------------------------------------------------------
# Local mean time (the pytz trap)


def test_check_aware_rejects_pytz_local_mean_time() -> None:
    brussels = pytz.timezone("Europe/Brussels")
    lmt = dt.datetime(2023, 9, 20, 14, tzinfo=brussels)
    assert lmt.utcoffset() == dt.timedelta(minutes=18)  # what the trap gives
    with pytest.raises(InvalidValue, match="local mean time") as info:
        tz.check_aware(lmt, "start")
    assert info.value.field == "start"
    for function in (tz.to_utc, tz.wall_time):
        with pytest.raises(InvalidValue):
            function(lmt)
    with pytest.raises(InvalidValue):
        tz.to_zone(lmt, "UTC")


def test_check_aware_accepts_good_values_and_refuses_others() -> None:
    good = tz.localize(dt.datetime(2023, 9, 20, 14), "Europe/Brussels")
    assert tz.check_aware(good, "start") is good
    stdlib = dt.datetime(2023, 9, 20, 14, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))
    assert tz.check_aware(stdlib, "start") is stdlib
    utc = dt.datetime(2023, 9, 20, 12, tzinfo=pytz.utc)
    assert tz.check_aware(utc, "start") is utc
    with pytest.raises(NaiveDatetimeError, match="start") as naive:
        tz.check_aware(dt.datetime(2023, 9, 20, 14), "start")
    assert isinstance(naive.value, TypeError)
    with pytest.raises(TypeError, match="expected a datetime"):
        tz.check_aware("2023-09-20", "start")


MODERN = [z for z in pytz.common_timezones if not z.startswith(("Antarctica/", "Etc/"))]


@pytest.mark.parametrize("month", [1, 4, 7, 10])
def test_no_public_function_gives_local_mean_time(month: int) -> None:
    """Every zone in 2023: offsets are whole quarter hours and agree with zoneinfo."""
    wall = dt.datetime(2023, month, 15, 12)
    for name in MODERN:
        value = tz.localize(wall, name, disambiguate="compatible")
        offset = value.utcoffset()
        assert offset is not None
        assert offset.total_seconds() % 900 == 0, (name, offset)
        assert offset == wall.replace(tzinfo=zoneinfo.ZoneInfo(name)).utcoffset(), name
        assert tz.end_of_day(wall.date(), name).utcoffset() == offset or name in {
            "America/Santiago",
            "Pacific/Easter",
        }


def test_parsed_and_loaded_times_never_carry_local_mean_time() -> None:
    start, end = tz.parse_schedule("20 September 2023, 14.00\u201317:00 CEST")
    assert start.utcoffset() == end.utcoffset() == 2 * H
    from ran_events.examples import webinar

    event = webinar()
    loaded = eventfile.loads(eventfile.dumps(event))
    for session in loaded.sessions:
        assert session.start.utcoffset() == 2 * H
    assert loaded.registration.opens.utcoffset() == 2 * H


# ------------------------------------------------------------------------------------------
# Zones


def test_zone_names_abbreviations_and_objects() -> None:
    assert tz.zone_name(tz.zone("Europe/Brussels")) == "Europe/Brussels"
    assert tz.zone_name(tz.zone("CEST")) == "Europe/Brussels"
    assert tz.zone_name(tz.zone("CET")) == "Europe/Brussels"
    assert tz.zone_name(tz.zone(" Asia/Tokyo ")) == "Asia/Tokyo"
    # zoneinfo and pytz zones are accepted and replaced by the library's zone of that name:
    # one tz database for every computation.
    stdlib = zoneinfo.ZoneInfo("Europe/Paris")
    assert tz.zone(stdlib) is tz.zone("Europe/Paris")
    assert tz.zone_name(stdlib) == "Europe/Paris"
    pz = pytz.timezone("Europe/Rome")
    assert tz.zone(pz) is tz.zone("Europe/Rome")
    assert tz.zone(UTC) is UTC
    assert tz.zone_name(UTC) == "UTC"
    assert tz.zone_name("CEST") == "Europe/Brussels"
    with pytest.raises(UnknownTimeZone, match="unknown time zone"):
        tz.zone_name(dt.timezone(H))  # a fixed offset is not a zone
    with pytest.raises(TypeError, match="IANA name or a tzinfo"):
        tz.zone(3)  # type: ignore[arg-type]


def test_the_abbreviation_mapping_can_be_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tz.zone_name(tz.zone("CET", abbreviations={"CET": "Europe/Berlin"})) == "Europe/Berlin"
    monkeypatch.setitem(tz.ABBREVIATIONS, "CET", "Europe/Vienna")
    assert tz.zone_name(tz.zone("CET")) == "Europe/Vienna"
    start, _ = tz.parse_schedule("20 September 2023, 14:00-17:00 CET")
    assert tz.zone_name(start.tzinfo) == "Europe/Vienna"  # type: ignore[arg-type]
    start, _ = tz.parse_schedule(
        "20 September 2023, 14:00-17:00 IST", abbreviations={"IST": "Asia/Kolkata"}
    )
    assert start == dt.datetime(2023, 9, 20, 8, 30, tzinfo=UTC)


def test_unknown_zone_is_a_lookup_error_with_suggestions() -> None:
    with pytest.raises(UnknownTimeZone) as info:
        tz.zone("Europe/Brusels")
    assert isinstance(info.value, LookupError)
    assert info.value.suggestions[0] == "Europe/Brussels"
    assert "did you mean 'Europe/Brussels'" in str(info.value)
    with pytest.raises(UnknownTimeZone) as tail:
        tz.zone("Brussels")
    assert "Europe/Brussels" in tail.value.suggestions
    with pytest.raises(UnknownTimeZone) as nothing:
        tz.zone("Qqqq/Zzzz")
    assert nothing.value.suggestions == ()
    assert "did you mean" not in str(nothing.value)


def test_countries() -> None:
    assert tz.countries()["BE"] == "Belgium"
    assert "EL" not in tz.countries()


# ------------------------------------------------------------------------------------------
# Announcements: parse_schedule and format_range

WEBINAR = (dt.datetime(2023, 9, 20, 12, tzinfo=UTC), dt.datetime(2023, 9, 20, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    "text",
    [
        "20 September 2023, 14.00\u201317:00 CEST",
        "20 September 2023, 14.00-17:00 CEST",
        "Wednesday 20 September 2023, 14:00 - 17:00 CEST",
        "Wednesday 20 September 2023, 14:00 \u2013 17:00 CEST",
        "20/09/2023 14h00-17h00 CET",
        "20/09/2023 14h-17h CET",
        "20.09.2023 14:00 to 17:00 CEST",
        "Wed 20 Sep 2023, 14:00\u201317:00 CEST",
        "September 20, 2023 from 14:00 until 17:00 (CEST)",
        "2023-09-20 14:00-17:00 Europe/Brussels",
        "20 Sept 2023 at 14:00 \u2014 17:00 Europe/Paris",
        "20th September 2023, 12:00-15:00 UTC",
    ],
)
def test_parse_schedule_phrasings(text: str) -> None:
    start, end = tz.parse_schedule(text)
    assert (start, end) == WEBINAR
    assert start.utcoffset() in (2 * H, dt.timedelta(0))


def test_parse_schedule_without_zone_uses_the_zone_given() -> None:
    start, end = tz.parse_schedule("20 September 2023, 14:00-17:00", zone="Europe/Brussels")
    assert (start, end) == WEBINAR
    with pytest.raises(ScheduleParseError, match="zone=") as info:
        tz.parse_schedule("20 September 2023, 14:00-17:00")
    assert info.value.text == "20 September 2023, 14:00-17:00"


def test_parse_schedule_crossing_midnight() -> None:
    start, end = tz.parse_schedule("20 September 2023, 22:00 - 21 September 2023, 01:00 CEST")
    assert end - start == 3 * H
    assert end.date() == dt.date(2023, 9, 21)


def test_parse_schedule_in_the_fold_uses_the_abbreviation() -> None:
    first, _ = tz.parse_schedule("29 October 2023, 02:10-02:20 CEST")
    second, _ = tz.parse_schedule("29 October 2023, 02:10-02:20 CET")
    assert second - first == H
    with pytest.raises(AmbiguousTimeError):
        tz.parse_schedule("29 October 2023, 02:10-02:20 Europe/Brussels")
    with pytest.raises(AmbiguousTimeError):  # EET does not name a Brussels reading
        tz.parse_schedule("29 October 2023, 02:10-02:20 EET", abbreviations={"EET": "CET"})


def test_parse_schedule_weekday_contradicting_date() -> None:
    with pytest.raises(WeekdayMismatch) as info:
        tz.parse_schedule("Thursday 20 September 2023, 14:00 - 17:00 CEST")
    assert (info.value.weekday, info.value.actual) == ("Thursday", "Wednesday")
    assert info.value.date == dt.date(2023, 9, 20)
    assert "is a Wednesday, not a Thursday" in str(info.value)


def test_parse_schedule_abbreviation_contradicting_date() -> None:
    with pytest.raises(AbbreviationMismatch) as info:
        tz.parse_schedule("20 December 2023, 14:00-17:00 CEST")
    assert (info.value.abbreviation, info.value.actual) == ("CEST", "CET")
    assert info.value.zone == "Europe/Brussels"
    # The year-round names are accepted in summer (announcements write "14h00 CET").
    assert tz.parse_schedule("20/09/2023 14h00-17h00 CET") == WEBINAR


def test_parse_schedule_end_before_start() -> None:
    with pytest.raises(TimeRangeError) as info:
        tz.parse_schedule("20 September 2023, 17:00-14:00 CEST")
    assert info.value.end < info.value.start
    with pytest.raises(TimeRangeError):
        tz.parse_schedule("20 September 2023, 14:00-14:00 CEST")


def test_parse_schedule_unknown_abbreviation() -> None:
    with pytest.raises(UnknownTimeZoneAbbreviation) as info:
        tz.parse_schedule("20 September 2023, 14:00-17:00 XYZ")
    assert info.value.abbreviation == "XYZ"
    assert "CEST" in info.value.known
    assert isinstance(info.value, LookupError)
    assert "known: BST, CEST" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "a date, a start and end time and a zone"),
        ("", "a date, a start and end time and a zone"),
        ("20 Foo 2023, 14:00-17:00 CEST", "a month name instead of 'Foo'"),
        ("31 September 2023, 14:00-17:00 CEST", "a real calendar date"),
        ("Funday 20 September 2023, 14:00-17:00 CEST", "a weekday name instead of 'Funday'"),
        ("20 September 2023, 24:00-25:00 CEST", "hours 0-23"),
        ("20 September 2023, 14:00-17:61 CEST", "a time of day instead of 17:61"),
        ("20 September 2023, 14:00-25:00 CEST", "a time of day instead of 25:00"),
    ],
)
def test_parse_schedule_unreadable(text: str, expected: str) -> None:
    with pytest.raises(ScheduleParseError) as info:
        tz.parse_schedule(text)
    assert expected in info.value.expected
    assert expected in str(info.value)


def test_parse_schedule_in_a_gap_and_type_errors() -> None:
    with pytest.raises(NonexistentTimeError):
        tz.parse_schedule("26 March 2023, 02:30-04:00 CEST")
    with pytest.raises(TypeError, match="takes a str"):
        tz.parse_schedule(b"20 September 2023")  # type: ignore[arg-type]


def test_format_range_in_any_zone() -> None:
    start, end = WEBINAR
    brussels = tz.format_range(start, end, "Europe/Brussels")
    assert brussels == "Wed 20 Sep 2023, 14:00\u201317:00 CEST"
    assert tz.format_range(start, end, "UTC") == "Wed 20 Sep 2023, 12:00\u201315:00 UTC"
    new_york = tz.format_range(start, end, "America/New_York")
    assert new_york == "Wed 20 Sep 2023, 08:00\u201311:00 EDT"
    assert tz.format_range(start, end, zoneinfo.ZoneInfo("Europe/Lisbon")) == (
        "Wed 20 Sep 2023, 13:00\u201316:00 WEST"
    )
    assert tz.format_range(start, end, "America/Sao_Paulo") == (
        "Wed 20 Sep 2023, 09:00\u201312:00 UTC\u221203:00"
    )
    assert tz.format_range(start, end, "Asia/Kathmandu") == (
        "Wed 20 Sep 2023, 17:45\u201320:45 UTC+05:45"
    )


def test_format_range_crossing_midnight_and_dst() -> None:
    start, end = WEBINAR
    assert tz.format_range(start, end, "Asia/Tokyo") == (
        "Wed 20 Sep 2023, 21:00 \u2013 Thu 21 Sep 2023, 00:00 JST"
    )
    a = tz.localize(dt.datetime(2023, 10, 29, 1), "Europe/Brussels")
    b = tz.localize(dt.datetime(2023, 10, 29, 4), "Europe/Brussels")
    assert tz.format_range(a, b, "Europe/Brussels") == "Sun 29 Oct 2023, 01:00 CEST\u201304:00 CET"
    with pytest.raises(TimeRangeError):
        tz.format_range(end, start, "UTC")
    with pytest.raises(NaiveDatetimeError):
        tz.format_range(dt.datetime(2023, 9, 20), end, "UTC")


@pytest.mark.parametrize(
    "text",
    [
        "Wednesday 6 September 2023",
        "Wed, 6 Sept 2023",
        "6 September 2023",
        "September 6, 2023",
        "06/09/2023",
        "2023-09-06",
    ],
)
def test_parse_deadline_is_the_end_of_the_day_in_the_zone(text: str) -> None:
    closes = tz.parse_deadline(text, "Europe/Brussels")
    assert closes == dt.datetime(2023, 9, 6, 22, tzinfo=UTC)
    assert closes.isoformat() == "2023-09-07T00:00:00+02:00"
    assert tz.parse_deadline(text, "America/New_York") == dt.datetime(2023, 9, 7, 4, tzinfo=UTC)


def test_parse_deadline_refuses_a_wrong_weekday_and_other_text() -> None:
    with pytest.raises(WeekdayMismatch, match="is a Wednesday, not a Tuesday"):
        tz.parse_deadline("Tuesday 6 September 2023", "Europe/Brussels")
    for text in ("soon", "6 September 2023, 17:00", "31 February 2023", "6 Foo 2023"):
        with pytest.raises(DeadlineParseError, match="as a deadline") as info:
            tz.parse_deadline(text, "Europe/Brussels")
        assert isinstance(info.value, ValueError)
        assert info.value.text == text
    with pytest.raises(TypeError, match="takes a str"):
        tz.parse_deadline(dt.date(2023, 9, 6), "Europe/Brussels")  # type: ignore[arg-type]


def test_format_deadline_shows_the_day_the_organiser_gave() -> None:
    closes = tz.parse_deadline("Wednesday 16 October 2024", "Europe/Helsinki")
    assert tz.format_deadline(closes, "Europe/Helsinki") == "end of Wed 16 Oct 2024"
    assert (
        tz.format_deadline(closes, "Europe/Helsinki", with_zone=True)
        == "end of Wed 16 Oct 2024 (Europe/Helsinki)"
    )
    # Elsewhere the end of that day is an instant like any other.
    assert tz.format_deadline(closes, "Europe/Brussels") == "Wed 16 Oct 2024, 23:00 CEST"
    five_pm = tz.localize(dt.datetime(2024, 10, 16, 17), "Europe/Helsinki")
    assert tz.format_deadline(five_pm, "Europe/Helsinki") == "Wed 16 Oct 2024, 17:00 EEST"
    # A day whose next midnight is skipped (Santiago, 2 September 2023) ends at 01:00.
    santiago = tz.end_of_day(dt.date(2023, 9, 2), "America/Santiago")
    assert tz.format_deadline(santiago, "America/Santiago") == "end of Sat 2 Sep 2023"


def test_format_instant() -> None:
    deadline = tz.end_of_day(dt.date(2023, 9, 6), "Europe/Brussels")
    assert tz.format_instant(deadline, "Europe/Brussels") == "Thu 7 Sep 2023, 00:00 CEST"
    assert tz.format_instant(deadline, "UTC") == "Wed 6 Sep 2023, 22:00 UTC"


ALPHABETIC = {  # zone -> its abbreviations, for the round trip
    "Europe/Brussels": {"CET": "Europe/Brussels", "CEST": "Europe/Brussels"},
    "Europe/Lisbon": {"WET": "Europe/Lisbon", "WEST": "Europe/Lisbon"},
    "Europe/Helsinki": {"EET": "Europe/Helsinki", "EEST": "Europe/Helsinki"},
    "America/New_York": {"EST": "America/New_York", "EDT": "America/New_York"},
    "Asia/Tokyo": {"JST": "Asia/Tokyo"},
    "Australia/Sydney": {"AEST": "Australia/Sydney", "AEDT": "Australia/Sydney"},
    "UTC": {"UTC": "UTC"},
}


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(sorted(ALPHABETIC)),
    start=st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31)),
    minutes=st.integers(1, 23 * 60),
)
@example(zone="Europe/Brussels", start=dt.datetime(2023, 9, 20, 12), minutes=180)
@example(zone="Asia/Tokyo", start=dt.datetime(2023, 9, 20, 12), minutes=180)
def test_format_then_parse_round_trips(zone: str, start: dt.datetime, minutes: int) -> None:
    begin = start.replace(second=0, microsecond=0, tzinfo=UTC)
    finish = begin + dt.timedelta(minutes=minutes)
    local_begin, local_finish = tz.to_zone(begin, zone), tz.to_zone(finish, zone)
    assume(local_begin.tzname() == local_finish.tzname())  # no DST change inside
    text = tz.format_range(begin, finish, zone)
    assert tz.parse_schedule(text, abbreviations=ALPHABETIC[zone]) == (begin, finish)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
        dt.datetime(9999, 12, 31, 23, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
    ],
)
def test_check_aware_refuses_a_zone_time_at_the_ends_of_the_calendar(value: dt.datetime) -> None:
    # Checked through UTC, these would overflow: a named error instead of OverflowError.
    with pytest.raises(InvalidValue, match="years 2 to 9998"):
        tz.check_aware(value, "start")


def test_check_aware_takes_a_fixed_offset_at_the_ends_of_the_calendar() -> None:
    value = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert tz.check_aware(value, "submitted_at") is value


# ------------------------------------------------------------------------------------------
# One keyword for a zone: zone= (the old keywords still work, with a warning)

_SUMMER = dt.datetime(2023, 9, 20, 14)
_AT = dt.datetime(2023, 9, 20, 12, tzinfo=dt.UTC)
# (function, arguments before the zone, old keyword, keyword arguments after the zone)
_ZONE_CALLS = [
    ("zone", (), "name", {}),
    ("zone_name", (), "tz", {}),
    ("to_zone", (_AT,), "tz", {}),
    ("localize", (_SUMMER,), "tz", {}),
    ("occurrences", (_SUMMER,), "tz", {}),
    ("end_of_day", (dt.date(2023, 9, 6),), "tz", {}),
    ("transitions", (), "tz", {"start": _AT, "end": _AT + dt.timedelta(days=400)}),
    ("parse_schedule", ("20 September 2023, 14:00-17:00",), "tz", {}),
    ("parse_deadline", ("Wednesday 6 September 2023",), "tz", {}),
    ("format_range", (_AT, _AT + 3 * H), "tz", {}),
    ("format_deadline", (_AT,), "tz", {}),
    ("format_instant", (_AT,), "tz", {}),
]


def test_every_zone_parameter_of_the_public_functions_is_called_zone() -> None:
    with_a_zone = set()
    for name in tz.__all__:
        function = getattr(tz, name)
        if not inspect.isfunction(function):
            continue
        for parameter in inspect.signature(function).parameters.values():
            if "ZoneLike" in str(parameter.annotation):
                assert parameter.name == "zone", f"tz.{name}({parameter.name}=)"
                with_a_zone.add(name)
    assert with_a_zone == {name for name, *_ in _ZONE_CALLS}  # the table below is complete


@pytest.mark.parametrize(("name", "args", "old", "after"), _ZONE_CALLS)
def test_the_old_zone_keyword_warns_and_gives_the_same_result(
    name: str, args: tuple[object, ...], old: str, after: dict[str, object]
) -> None:
    function = getattr(tz, name)
    expected = function(*args, zone="Europe/Helsinki", **after)
    message = rf"ran_events\.tz\.{name}\({old}=\.\.\.\) is deprecated.*use zone="
    with pytest.warns(DeprecationWarning, match=message) as seen:
        assert function(*args, **{old: "Europe/Helsinki"}, **after) == expected
    assert seen[0].filename == __file__  # the warning points at the caller
    with pytest.raises(TypeError, match=rf"zone= and its old name {old}="):
        function(*args, zone="Europe/Helsinki", **{old: "UTC"}, **after)
