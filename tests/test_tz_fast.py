"""Tests of ran_events.tz's own period lookups (the fast path of localize, check_aware, to_zone).

Event files with 100,000 sessions localise, check and convert every session time several
times: the library's zones answer from their own transition table with one bisection, never
through pytz's ``fromutc``, and the answers are those of the tz database (gaps, folds, years
after 2037 included).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import ZONES, naive_datetimes

from ran_events import tz
from ran_events.errors import AmbiguousTimeError, InvalidValue, NonexistentTimeError

UTC = dt.UTC


@pytest.fixture
def no_pytz_fromutc(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytz's own conversion, which builds two datetimes per call, may not be used."""

    def refuse(self: object, value: dt.datetime) -> dt.datetime:
        raise AssertionError("pytz's fromutc was called")

    monkeypatch.setattr(pytz.tzinfo.DstTzInfo, "fromutc", refuse)


@pytest.mark.usefixtures("no_pytz_fromutc")
@pytest.mark.parametrize(
    ("wall", "offset_hours", "name"),
    [
        (dt.datetime(2024, 1, 1, 9), 1, "CET"),
        (dt.datetime(2058, 7, 1, 16, 50), 2, "CEST"),  # after 2037: the extended table
        (dt.datetime(2100, 10, 31, 5), 1, "CET"),  # hours after the last change it has
    ],
)
def test_a_session_time_is_localised_checked_and_shown_without_pytz_conversions(
    wall: dt.datetime, offset_hours: int, name: str
) -> None:
    value = tz.localize(wall, "Europe/Brussels")
    assert value.utcoffset() == dt.timedelta(hours=offset_hours)
    assert value.tzname() == name
    assert tz.check_aware(value, "start") is value
    assert tz.to_zone(value, "Europe/Brussels") is value  # already the event's wall time
    assert tz.canonical(value) is value
    shown = tz.format_range(value, value + dt.timedelta(minutes=50), "Europe/Brussels")
    assert shown.endswith(f" {name}")


@pytest.mark.usefixtures("no_pytz_fromutc")
def test_gap_and_fold_times_are_resolved_without_pytz_conversions() -> None:
    gap, fold = dt.datetime(2024, 3, 31, 2, 30), dt.datetime(2024, 10, 27, 2, 30)
    with pytest.raises(NonexistentTimeError):
        tz.localize(gap, "Europe/Brussels")
    with pytest.raises(AmbiguousTimeError):
        tz.localize(fold, "Europe/Brussels")
    assert tz.localize(gap, "Europe/Brussels", disambiguate="later").isoformat() == (
        "2024-03-31T03:30:00+02:00"
    )
    assert tz.localize(fold, "Europe/Brussels", disambiguate="later").isoformat() == (
        "2024-10-27T02:30:00+01:00"
    )
    assert tz.occurrences(fold, "Europe/Brussels") == 2


@settings(max_examples=300, deadline=None)
@given(
    wall=naive_datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 12, 30)),
    name=st.sampled_from(ZONES),
)
def test_localize_agrees_with_zoneinfo_reading_the_same_files(
    wall: dt.datetime, name: str
) -> None:
    """Both readings of a wall time (fold 0 and 1) are the instants the library finds."""
    with pytz.open_resource(name) as source:  # type: ignore[attr-defined]  # untyped in stubs
        info = zoneinfo.ZoneInfo.from_file(source, key=name)
    readings = {wall.replace(tzinfo=info, fold=f).astimezone(UTC) for f in (0, 1)}
    exists = {r for r in readings if r.astimezone(info).replace(tzinfo=None, fold=0) == wall}
    found = {
        tz.localize(wall, name, disambiguate=how).astimezone(UTC) for how in ("earlier", "later")
    }
    if exists:
        assert found == exists
        assert tz.occurrences(wall, name) == len(exists)
    else:
        assert tz.occurrences(wall, name) == 0


def test_a_checked_instant_does_not_vouch_for_an_equal_one_with_the_wrong_offset() -> None:
    good = tz.localize(dt.datetime(2024, 7, 1, 12), "Europe/Brussels")
    assert tz.check_aware(good, "start") is good
    # The same wall time with the zone's winter period attached: a different offset.
    winter = tz.localize(dt.datetime(2024, 1, 1, 12), "Europe/Brussels").tzinfo
    wrong = good.replace(tzinfo=winter)
    with pytest.raises(InvalidValue, match="is not the offset of Europe/Brussels"):
        tz.check_aware(wrong, "start")
    lmt = dt.datetime(2024, 7, 1, 12, tzinfo=tz.zone("Europe/Brussels"))
    with pytest.raises(InvalidValue, match="local mean time"):
        tz.check_aware(lmt, "start")
    assert tz.check_aware(good, "start") is good


def test_to_zone_of_another_period_instance_gives_the_period_in_force() -> None:
    winter = tz.localize(dt.datetime(2024, 1, 1, 12), "Europe/Brussels")
    summer = tz.localize(dt.datetime(2024, 7, 1, 12), "Europe/Brussels")
    assert tz.to_zone(summer, "Europe/Brussels").tzname() == "CEST"
    assert tz.to_zone(winter, "Europe/Lisbon").isoformat() == "2024-01-01T11:00:00+00:00"
    assert tz.to_zone(summer, "UTC").isoformat() == "2024-07-01T10:00:00+00:00"
    folded = summer.replace(fold=1)  # fold means nothing to pytz: same instant, fold 0 back
    converted = tz.to_zone(folded, "Europe/Brussels")
    assert converted == summer
    assert converted.fold == 0
