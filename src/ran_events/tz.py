"""Time zones without DST mistakes: the only module of :mod:`ran_events` that imports pytz.

Zones are IANA names in the models (they serialise); this module turns them into tzinfo
objects, attaches zones to wall times with an explicit choice for the spring gap and the
autumn fold, computes deadlines, reads the date-and-time phrasings of real announcements and
formats ranges for people.

One tz database serves every computation, every calendar written and every calendar read
back: pytz's zone files, read whole (pytz's own tables stop in 2037; each zone here is
continued from the same file's 64-bit data and footer rule to the end of 2100). A pytz zone
or a ``zoneinfo.ZoneInfo`` given to a function is replaced by this database's zone of the
same name.

Rules that hold for every function here:

* A wall time is never combined with a zone by ``datetime(..., tzinfo=zone)`` (with pytz that
  gives the zone's local mean time, +00:18 for Brussels); every instant is computed from the
  tz database's offsets and returned normalised.
* A naive datetime where an instant is needed is a :class:`~ran_events.errors.NaiveDatetimeError`
  (a :class:`TypeError`).
* ``pytz`` zones and :class:`zoneinfo.ZoneInfo` objects are accepted wherever a zone is.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import io
import re
import struct
import zoneinfo
from bisect import bisect_right
from collections.abc import Mapping
from functools import lru_cache
from typing import Final, Literal, NamedTuple, cast

import pytz

from . import _deprecation
from .errors import (
    AbbreviationMismatch,
    AmbiguousTimeError,
    AwareDatetimeError,
    DeadlineParseError,
    InvalidValue,
    NaiveDatetimeError,
    NonexistentTimeError,
    ScheduleParseError,
    TimeRangeError,
    UnknownTimeZone,
    UnknownTimeZoneAbbreviation,
    WeekdayMismatch,
)

__all__ = [
    "ABBREVIATIONS",
    "Disambiguate",
    "Transition",
    "ZoneLike",
    "canonical",
    "check_aware",
    "countries",
    "end_of_day",
    "format_deadline",
    "format_instant",
    "format_range",
    "localize",
    "occurrences",
    "parse_deadline",
    "parse_schedule",
    "to_utc",
    "to_zone",
    "transitions",
    "wall_time",
    "zone",
    "zone_name",
]

ZoneLike = str | _dt.tzinfo
"""An IANA name, a configured abbreviation, a pytz zone or a :class:`zoneinfo.ZoneInfo`."""

Disambiguate = Literal["raise", "earlier", "later", "compatible"]
"""How to resolve a wall time that does not exist (gap) or exists twice (fold).

``raise``
    raise :class:`~ran_events.errors.NonexistentTimeError` or
    :class:`~ran_events.errors.AmbiguousTimeError`.
``earlier`` / ``later``
    take the earlier / later of the two candidate instants.
``compatible``
    RFC 5545's reading: a gap time moves forward by the gap's length, a fold time takes the
    earlier (first) occurrence. It never raises.
"""

_DISAMBIGUATIONS: Final = ("raise", "earlier", "later", "compatible")

ABBREVIATIONS: dict[str, str] = {
    "CET": "Europe/Brussels",
    "CEST": "Europe/Brussels",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "EET": "Europe/Helsinki",
    "EEST": "Europe/Helsinki",
    "GMT": "Etc/GMT",
    "BST": "Europe/London",
    "UTC": "UTC",
    "Z": "UTC",
    "EST": "America/New_York",
    "EDT": "America/New_York",
}
"""Zone abbreviations understood by :func:`zone` and :func:`parse_schedule`.

RAN events are announced in CEST, so ``CET`` and ``CEST`` stand for ``Europe/Brussels``. The
mapping is an ordinary dict: change it to suit (``ABBREVIATIONS["CET"] = "Europe/Berlin"``), or
pass ``abbreviations=`` to the functions that read them.
"""

_UTC = _dt.UTC


# ------------------------------------------------------------------------------------------
# Zones


@_deprecation.keyword_renamed("name", "zone", "ran_events.tz.zone")
def zone(zone: ZoneLike, *, abbreviations: Mapping[str, str] | None = None) -> _dt.tzinfo:
    """Return the tzinfo for an IANA name, a configured abbreviation or a tzinfo object.

    Args:
        zone: ``"Europe/Brussels"``, ``"CEST"``, a pytz zone or a ``zoneinfo.ZoneInfo``.
        abbreviations: the abbreviation mapping to use instead of :data:`ABBREVIATIONS`.

    Returns:
        A pytz zone whose table runs to 2100 (this library's one tz database). A pytz zone or
        a ``ZoneInfo`` with an IANA name is replaced by this library's zone of that name, so
        that every computation uses the same offsets; other tzinfo objects (``datetime.UTC``,
        fixed offsets) are returned unchanged.

    Raises:
        UnknownTimeZone: the name is not in the tz database (with close matches).

    >>> zone("CEST").zone
    'Europe/Brussels'
    """
    return _tzinfo(zone, abbreviations)


def _tzinfo(zone: ZoneLike, abbreviations: Mapping[str, str] | None = None) -> _dt.tzinfo:
    """:func:`zone`, for this module's functions (whose own parameter is called ``zone``)."""
    if isinstance(zone, _dt.tzinfo):
        key = _iana_key(zone)
        return zone if key is None else _pytz_zone(key)
    if not isinstance(zone, str):
        raise TypeError(f"a zone is an IANA name or a tzinfo, not {type(zone).__name__}")
    table = ABBREVIATIONS if abbreviations is None else abbreviations
    key = table.get(zone.strip(), zone.strip())
    return _pytz_zone(key)


@lru_cache(maxsize=512)
def _pytz_zone(key: str) -> _dt.tzinfo:
    try:
        base = pytz.timezone(key)
    except pytz.UnknownTimeZoneError:
        raise UnknownTimeZone(key, _suggest(key)) from None
    if not isinstance(base, pytz.tzinfo.DstTzInfo):
        return base  # a fixed offset (UTC, Etc/GMT+1): nothing to extend
    return _extended(base)


# The tz database of this library is pytz's zone files, read whole. pytz itself reads only
# their 32-bit part, whose transitions stop in 2037; the later years are in the 64-bit part
# and the rule in the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3"), which zoneinfo reads.
# Each zone is pytz's table continued with those transitions up to _TABLE_END, so that the
# same offsets serve writing, reading and every computation (localize, astimezone,
# VTIMEZONE rules), and a machine's own zoneinfo is never consulted.
_TABLE_END: Final = _dt.datetime(2101, 1, 1)  # noqa: DTZ001 - naive UTC, as pytz's tables
_V1_END: Final = _dt.datetime(2038, 1, 19, 3, 14, 7)  # noqa: DTZ001 - 2**31 s after 1970
# Offsets are probed every two weeks where the file lists changes (no period after 1970 is
# shorter: Morocco's month without DST in Ramadan is the shortest) and every four weeks where
# the footer's yearly rule applies; each change found is then located to the second.
_LISTED_STEP: Final = _dt.timedelta(days=14)
_RULE_STEP: Final = _dt.timedelta(days=28)
_EPOCH: Final = _dt.datetime(1970, 1, 1)  # noqa: DTZ001 - naive UTC
_SECOND: Final = _dt.timedelta(seconds=1)
_YEAR_52_WEEKS: Final = _dt.timedelta(weeks=52)
_YEAR_53_WEEKS: Final = _dt.timedelta(weeks=53)


def _zone_file(name: str) -> tuple[bytes, _dt.datetime | None, bool]:
    """A TZif file's octets, its last listed change (64-bit part) and whether its footer has
    a daylight-saving rule (RFC 8536)."""
    with pytz.open_resource(name) as source:  # type: ignore[attr-defined]  # untyped in stubs
        data: bytes = source.read()
    last: _dt.datetime | None = None
    if data[4:5] >= b"2":
        sizes = struct.unpack(">6l", data[20:44])  # isut, isstd, leap, time, type, char counts
        v1 = 44 + sizes[3] * 5 + sizes[4] * 6 + sizes[5] + sizes[2] * 8 + sizes[1] + sizes[0]
        count = struct.unpack(">l", data[v1 + 32 : v1 + 36])[0]
        if count:
            at = v1 + 44 + (count - 1) * 8
            last = _EPOCH + _dt.timedelta(seconds=struct.unpack(">q", data[at : at + 8])[0])
    footer = data.rstrip(b"\n").rpartition(b"\n")[2]
    return data, last, b"," in footer


def _extended(base: pytz.tzinfo.DstTzInfo) -> _dt.tzinfo:
    name = str(base.zone)
    times: list[_dt.datetime] = list(base._utc_transition_times)  # type: ignore[attr-defined]
    data, last_listed, has_rule = _zone_file(name)
    rules = zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=name)

    def info(utc_naive: _dt.datetime) -> tuple[_dt.timedelta, _dt.timedelta, str]:
        local = utc_naive.replace(tzinfo=_UTC).astimezone(rules)
        offset, dst = local.utcoffset(), local.dst()
        assert offset is not None
        assert dst is not None
        return offset, dst, local.tzname() or ""

    # pytz's table has every change up to the end of the 32-bit range, but offsets rounded
    # to the minute (Monrovia was -00:44:30 until 1972): each period's offset, daylight
    # saving and abbreviation are read again, to the second, from the whole file.
    infos = [info(times[1] - _dt.timedelta(seconds=1)), *(info(t) for t in times[1:])]
    probe, current = max(times[-1], _V1_END), infos[-1]
    listed_until = last_listed or _EPOCH
    end = _TABLE_END if has_rule else min(_TABLE_END, listed_until + _dt.timedelta(seconds=1))
    while probe < end:
        step = _LISTED_STEP if probe < listed_until else _RULE_STEP
        after = min(probe + step, end)
        if info(after) != current:
            low, high = probe, after  # the change is in (low, high]
            # A yearly rule repeats a change 52 or 53 weeks later: try that first, else halve
            # to the second.
            guesses = (times[-2] + _YEAR_52_WEEKS, times[-2] + _YEAR_53_WEEKS)
            for guess in guesses:
                if low < guess <= high and info(guess - _SECOND) == current != info(guess):
                    low, high = guess - _SECOND, guess
            while high - low > _SECOND:
                middle = (low + (high - low) / 2).replace(microsecond=0)
                if info(middle) == current:
                    low = middle
                else:
                    high = middle
            times.append(high)
            infos.append(info(high))
            current = infos[-1]
        probe = after
    zone_class = type(
        name,
        (_ExtendedZone,),
        {"zone": name, "_utc_transition_times": times, "_transition_info": infos},
    )
    made: _dt.tzinfo = zone_class()
    return made


_Period = tuple[_dt.timedelta, _dt.timedelta, str]  # offset, DST, abbreviation
_NAIVE_ANCHOR: Final = _dt.datetime(2000, 1, 1)  # noqa: DTZ001 - a wall time
_DAY: Final = _dt.timedelta(days=1)


class _ExtendedZone(pytz.tzinfo.DstTzInfo):
    """A pytz zone whose table runs to 2100 (see :func:`_extended`); pickles as itself.

    Each instance is one period kind of the zone (its offset, DST and abbreviation), as in
    pytz. The lookups below are what ``astimezone`` does through pytz's ``fromutc`` (a
    bisection of the UTC transition table), without building datetimes on the way: they
    serve :func:`localize`, :func:`check_aware` and :func:`to_zone` on every session.
    """

    _walls: list[_dt.datetime] | None = None
    _anchor: _dt.datetime | None = None

    def _period_at(self, utc_naive: _dt.datetime) -> _Period:
        """The period in force at a UTC instant (naive), as pytz's ``fromutc`` finds it."""
        times: list[_dt.datetime] = self._utc_transition_times  # type: ignore[attr-defined]
        index = bisect_right(times, utc_naive)
        period: _Period = self._transition_info[index - 1 if index else 0]  # type: ignore[attr-defined]
        return period

    def _period_of(self, value: _dt.datetime) -> _Period:
        """The period in force at ``value``, a datetime of this instance (any year 2-9998).

        The UTC transition table shifted by this instance's offset and carrying it as tzinfo
        compares field by field with ``value`` (no conversion, no call of ``utcoffset``).
        """
        walls = self._walls
        if walls is None:
            offset = self._utcoffset or _dt.timedelta(0)  # (None only for pytz's base zone)
            times: list[_dt.datetime] = self._utc_transition_times  # type: ignore[attr-defined]
            # The first entry is the table's start (year 1): below every value checked.
            walls = [_dt.datetime.min.replace(tzinfo=self)]
            walls += [(t + offset).replace(tzinfo=self) for t in times[1:]]
            self._walls = walls
        index = bisect_right(walls, value)
        period: _Period = self._transition_info[index - 1 if index else 0]  # type: ignore[attr-defined]
        return period

    def _attach(self, wall: _dt.datetime) -> _dt.datetime:
        """``wall.replace(tzinfo=self)`` for a naive ``wall`` with fold 0, in two subtractions."""
        anchor = self._anchor
        if anchor is None:
            anchor = self._anchor = _NAIVE_ANCHOR.replace(tzinfo=self)
        return anchor + (wall - _NAIVE_ANCHOR)

    def _plain_wall(self, wall: _dt.datetime) -> _dt.datetime | None:
        """``wall`` (naive, fold 0) in this zone if no offset change is within a day of it.

        Read as UTC, ``wall`` and the day either side then lie in one period; every offset
        is less than a day, so that period's offset gives the only instant with this wall
        time: what :func:`localize` finds by probing, in one bisection. None otherwise.
        """
        times: list[_dt.datetime] = self._utc_transition_times  # type: ignore[attr-defined]
        index = bisect_right(times, wall)
        if not times[index - 1] <= wall - _DAY or (
            index < len(times) and times[index] <= wall + _DAY
        ):
            return None
        period = self._transition_info[index - 1]  # type: ignore[attr-defined]
        instance: _ExtendedZone = self._tzinfos[period]  # type: ignore[attr-defined]
        return instance._attach(wall)

    def _from_utc(self, utc_naive: _dt.datetime) -> _dt.datetime:
        """The wall time of a UTC instant (naive) in this zone: pytz's ``fromutc``."""
        period = self._period_at(utc_naive)
        instance: _ExtendedZone = self._tzinfos[period]  # type: ignore[attr-defined]
        return instance._attach(utc_naive + period[0])

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        state = (self._utcoffset, self._dst, self._tzname)  # type: ignore[attr-defined]
        return _unpickle, (self.zone, *state)


def _unpickle(
    name: str, offset: _dt.timedelta, dst: _dt.timedelta, abbreviation: str
) -> _dt.tzinfo:
    extended = _pytz_zone(name)
    found: _dt.tzinfo = extended._tzinfos.get((offset, dst, abbreviation), extended)  # type: ignore[attr-defined]
    return found


def _iana_key(tzinfo: _dt.tzinfo) -> str | None:
    """The IANA name of a pytz or zoneinfo zone that is not already this library's zone."""
    if isinstance(tzinfo, _ExtendedZone):
        return None
    key = getattr(tzinfo, "zone", None) or getattr(tzinfo, "key", None)
    if isinstance(key, str) and key in pytz.all_timezones_set:
        return key
    return None


def _suggest(name: str) -> list[str]:
    names = sorted(pytz.all_timezones_set)
    lowered = {n.lower(): n for n in names}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    tail = name.rsplit("/", 1)[-1].lower().replace(" ", "_")
    hits += [n.lower() for n in names if n.lower().rsplit("/", 1)[-1] == tail]
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(lowered[hit], None)
    return list(seen)[:3]


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.zone_name")
def zone_name(zone: ZoneLike) -> str:
    """Return the IANA name of a zone (what the models store).

    Raises:
        UnknownTimeZone: the tzinfo has no IANA name (e.g. a fixed ``timezone(timedelta)``).
    """
    if isinstance(zone, str):
        found = _tzinfo(zone)
        return zone_name(found)
    name = getattr(zone, "zone", None) or getattr(zone, "key", None)
    if isinstance(name, str):
        return name
    if zone is _UTC:
        return "UTC"
    raise UnknownTimeZone(repr(zone))


# ------------------------------------------------------------------------------------------
# Instants and wall times


# The last two datetimes of this library's zones that check_aware() found consistent, held
# (so never freed and their identity never reused): a datetime is immutable and the zone
# tables are fixed, so the same object need not be checked again. Session start and end are
# each checked by a converter, then by a validator, then by every conversion for display.
_CHECKED: Final[list[_dt.datetime | None]] = [None, None]


def check_aware(value: object, field: str) -> _dt.datetime:
    """Return ``value`` if it is an aware, consistent datetime; raise otherwise.

    Consistent means its offset is the one its zone has at that instant: a datetime built
    with ``datetime(..., tzinfo=pytz_zone)`` carries the zone's local mean time and is refused,
    and so is a ``zoneinfo`` wall time that the clocks skip (2023-03-26 02:30 in Brussels),
    which ``zoneinfo`` would silently read with the offset before the gap.

    Raises:
        TypeError: ``value`` is not a datetime.
        NaiveDatetimeError: it has no zone.
        InvalidValue: its offset contradicts its zone (the pytz LMT mistake), or a zone's
            datetime lies in year 1 or 9999, where checking it through UTC would overflow.
        NonexistentTimeError: its wall time does not exist in its zone (spring gap).
    """
    recent = _CHECKED
    if value is recent[0] or value is recent[1]:
        return cast("_dt.datetime", value)  # checked a moment ago (see _CHECKED)
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{field}: expected a datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise NaiveDatetimeError(field, value)
    tz = value.tzinfo
    assert tz is not None
    if isinstance(tz, _dt.timezone):
        return value  # a fixed offset has no gap and no local mean time
    if not _dt.MINYEAR < value.year < _dt.MAXYEAR:
        # The consistency checks below go through UTC, which overflows at the ends.
        raise InvalidValue(field, value, "an instant that exists in UTC (years 2 to 9998)")
    if not isinstance(tz, pytz.BaseTzInfo):
        # zoneinfo and the like: a wall time in a spring gap has an offset all the same.
        back = value.astimezone(_UTC).astimezone(tz)
        if back.replace(tzinfo=None, fold=0) != value.replace(tzinfo=None, fold=0):
            wall = value.replace(tzinfo=None, fold=0)
            readings = {value.replace(fold=f).astimezone(_tzinfo(tz)) for f in (0, 1)}
            raise NonexistentTimeError(wall, str(getattr(tz, "key", tz)), sorted(readings))
    elif tz.zone not in ("UTC", None):
        if isinstance(tz, _ExtendedZone):  # this library's zones: the same lookup, faster
            expected: _dt.timedelta | None = tz._period_of(value)[0]
            if expected == offset:
                recent[1], recent[0] = recent[0], value
                return value
        else:
            # Through UTC: astimezone() to the value's own tzinfo returns it unchanged.
            expected = value.astimezone(_UTC).astimezone(tz).utcoffset()
        if expected != offset:
            raise InvalidValue(
                field,
                value,
                "a time localised with ran_events.tz.localize()",
                detail=f"offset {_fmt_offset(offset)} is not the offset of {tz.zone} then "
                f"({_fmt_offset(expected)}); datetime(..., tzinfo=pytz_zone) gives local "
                "mean time",
            )
    return value


def canonical(aware: _dt.datetime, field: str = "datetime") -> _dt.datetime:
    """Return the same instant with this library's zone of the same name, checked.

    A ``zoneinfo`` (or plain pytz) datetime becomes one of this library's zone (the tz
    database that writing and reading use), keeping the instant its ``fold`` chose; its
    offset is then fixed, so it compares equal to the same instant in any zone (a ``zoneinfo``
    datetime in an autumn fold compares unequal to every datetime of another zone).
    Datetimes in ``UTC`` or a fixed offset are returned unchanged.

    Raises:
        NaiveDatetimeError, InvalidValue, NonexistentTimeError: as :func:`check_aware`.
    """
    value = check_aware(aware, field)
    key = _iana_key(value.tzinfo)  # type: ignore[arg-type]  # aware: it has a tzinfo
    return value if key is None else value.astimezone(_pytz_zone(key))


def to_utc(aware: _dt.datetime) -> _dt.datetime:
    """Return the same instant in UTC (``tzinfo=datetime.UTC``).

    Raises:
        NaiveDatetimeError: ``aware`` has no zone.
    """
    return check_aware(aware, "datetime").astimezone(_UTC)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.to_zone")
def to_zone(aware: _dt.datetime, zone: ZoneLike) -> _dt.datetime:
    """Return the same instant as a wall time in ``zone`` (normalised, correct offset).

    Raises:
        NaiveDatetimeError: ``aware`` has no zone (attach one with :func:`localize`).
        UnknownTimeZone: ``zone`` is not a known zone.
    """
    own = aware.tzinfo if type(aware) is _dt.datetime else None
    if (
        isinstance(own, _ExtendedZone)
        and not aware.fold
        and _dt.MINYEAR < aware.year < _dt.MAXYEAR
        and own._tzinfos[own._period_of(aware)] is own  # type: ignore[attr-defined]
    ):
        # The period in force is the datetime's own: check_aware() would pass it, and in
        # its own zone it is already the wall time that astimezone() would give.
        target = _tzinfo(zone)
        if type(target) is type(own):
            return aware
        if target is pytz.utc:  # what astimezone(pytz.utc) gives, without its Python calls
            return _PYTZ_UTC_ANCHOR + (aware - _UTC_ANCHOR)
        return aware.astimezone(target)
    return check_aware(aware, "datetime").astimezone(_tzinfo(zone))


_UTC_ANCHOR: Final = _dt.datetime(2000, 1, 1, tzinfo=_UTC)
_PYTZ_UTC_ANCHOR: Final = _dt.datetime(2000, 1, 1, tzinfo=pytz.utc)


def wall_time(aware: _dt.datetime) -> _dt.datetime:
    """Return the naive wall time of an aware datetime (what a clock in its zone shows)."""
    return check_aware(aware, "datetime").replace(tzinfo=None)


def _offset_at(utc_naive: _dt.datetime, tz: _dt.tzinfo) -> _dt.timedelta:
    if isinstance(tz, _ExtendedZone):
        return tz._period_at(utc_naive)[0]
    local = utc_naive.replace(tzinfo=_UTC).astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    return offset


def _candidates(
    naive: _dt.datetime, tz: _dt.tzinfo
) -> tuple[list[_dt.datetime], list[_dt.timedelta]]:
    """Instants (UTC, naive) whose wall time in ``tz`` is ``naive``, and the nearby offsets."""
    probes = (naive - _dt.timedelta(days=1), naive, naive + _dt.timedelta(days=1))
    offsets = sorted({_offset_at(p, tz) for p in probes})
    found = sorted({naive - o for o in offsets if _offset_at(naive - o, tz) == o})
    return found, offsets


class _Unambiguous(NamedTuple):
    """The wall time happens once, at ``instant`` (UTC, naive)."""

    instant: _dt.datetime


class _Gap(NamedTuple):
    """The wall time never happens: the clocks skip it (spring forward).

    ``earlier`` reads it with the offset after the change, ``later`` with the offset before
    (both UTC, naive): ``later`` is the wall time moved forward by the gap's length.
    """

    earlier: _dt.datetime
    later: _dt.datetime


class _Fold(NamedTuple):
    """The wall time happens more than once: the clocks go back over it (autumn).

    ``instants`` holds each occurrence (UTC, naive), earliest first.
    """

    instants: tuple[_dt.datetime, ...]


def _read_wall(wall: _dt.datetime, tzinfo: _dt.tzinfo) -> _Unambiguous | _Gap | _Fold:
    """What the zone answers for a wall time (naive, fold 0): :func:`localize` applies the
    caller's choice to it in one ``match``."""
    found, offsets = _candidates(wall, tzinfo)
    if len(found) == 1:
        return _Unambiguous(found[0])
    if found:
        return _Fold(tuple(found))
    # With the offset before the gap (the smaller one for a spring-forward) the instant is
    # after the transition: that is the "moved forward" reading.
    before, after = _gap_offsets(wall, tzinfo, offsets)
    earlier, later = sorted([wall - before, wall - after])
    return _Gap(earlier, later)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.localize")
def localize(
    naive: _dt.datetime, zone: ZoneLike, *, disambiguate: Disambiguate = "raise"
) -> _dt.datetime:
    """Attach a zone to a wall time, choosing explicitly what a gap or fold time means.

    Args:
        naive: the wall time (no tzinfo).
        zone: the zone (name, abbreviation, pytz zone or ``ZoneInfo``).
        disambiguate: ``"raise"`` (default), ``"earlier"``, ``"later"`` or ``"compatible"``;
            see :data:`Disambiguate`.

    Returns:
        An aware datetime in ``zone`` with the offset in force at that instant. In a gap the
        result's wall time is shifted by the gap (02:30 in a spring gap becomes 03:30 with
        ``later``/``compatible``, 01:30 with ``earlier``).

    Raises:
        AwareDatetimeError: ``naive`` already has a zone (use :func:`to_zone`).
        NonexistentTimeError: the time is in a gap and ``disambiguate="raise"``.
        AmbiguousTimeError: the time is in a fold and ``disambiguate="raise"``.
        ValueError: ``disambiguate`` is not one of the four choices.

    >>> localize(datetime.datetime(2023, 9, 20, 14, 0), "Europe/Brussels").isoformat()
    '2023-09-20T14:00:00+02:00'
    """
    if not isinstance(naive, _dt.datetime):
        raise TypeError(f"expected a naive datetime, got {type(naive).__name__}")
    if naive.tzinfo is not None:
        raise AwareDatetimeError(naive)
    if disambiguate not in _DISAMBIGUATIONS:
        raise InvalidValue("disambiguate", disambiguate, " | ".join(_DISAMBIGUATIONS))
    tzinfo = _tzinfo(zone)
    wall = naive.replace(fold=0) if naive.fold else naive
    if isinstance(tzinfo, _ExtendedZone):
        plain = tzinfo._plain_wall(wall)  # the usual case: no offset change near
        if plain is not None:
            return plain
    match _read_wall(wall, tzinfo), disambiguate:
        case _Unambiguous(instant), _:
            pass
        case _Fold(instants), "raise":
            candidates = [_aware(c, tzinfo) for c in instants]
            raise AmbiguousTimeError(naive, zone_name(tzinfo), candidates)
        case _Gap(earlier, later), "raise":
            candidates = [_aware(c, tzinfo) for c in (earlier, later)]
            raise NonexistentTimeError(naive, zone_name(tzinfo), candidates)
        case _Fold(instants), "later":
            instant = instants[-1]
        case _Fold(instants), _:  # "earlier", "compatible": the first occurrence
            instant = instants[0]
        case _Gap(earlier, _), "earlier":
            instant = earlier
        case _Gap(_, later), _:  # pragma: no branch - the cases cover every reading
            # "later", "compatible": moved forward by the gap
            instant = later
    return _aware(instant, tzinfo)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.occurrences")
def occurrences(naive: _dt.datetime, zone: ZoneLike) -> int:
    """Return how many instants show the wall time ``naive`` in ``zone``.

    1 for an ordinary time, 2 in an autumn fold (the hour that repeats), 0 in a spring gap
    (the hour the clocks skip). Calendar writers use it: a wall time that is not unique is
    read differently by different calendar programs, so it is written in UTC.

    >>> occurrences(datetime.datetime(2024, 10, 27, 1, 10), "Europe/Lisbon")
    2
    """
    if not isinstance(naive, _dt.datetime) or naive.tzinfo is not None:
        raise TypeError(f"occurrences() takes a naive datetime, not {naive!r}")
    return len(_candidates(naive.replace(fold=0), _tzinfo(zone))[0])


def _gap_offsets(
    wall: _dt.datetime, tz: _dt.tzinfo, offsets: list[_dt.timedelta]
) -> tuple[_dt.timedelta, _dt.timedelta]:
    before = _offset_at(wall - max(offsets) - _dt.timedelta(hours=1), tz)
    after = _offset_at(wall - min(offsets) + _dt.timedelta(hours=1), tz)
    return before, after


def _aware(utc_naive: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    if isinstance(tz, _ExtendedZone):
        return tz._from_utc(utc_naive)
    return utc_naive.replace(tzinfo=_UTC).astimezone(tz)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.end_of_day")
def end_of_day(date: _dt.date, zone: ZoneLike) -> _dt.datetime:
    """Return the first instant after the local day ``date`` in ``zone``.

    A deadline "Wednesday 6 September" is open until (not including) this instant. If the
    next midnight falls in a gap the day ends when the clocks jump.

    >>> end_of_day(datetime.date(2023, 9, 6), "Europe/Brussels").isoformat()
    '2023-09-07T00:00:00+02:00'
    """
    if isinstance(date, _dt.datetime) or not isinstance(date, _dt.date):
        raise TypeError(f"end_of_day() takes a date, not {type(date).__name__}")
    midnight = _dt.datetime.combine(date + _dt.timedelta(days=1), _dt.time())
    return localize(midnight, zone, disambiguate="compatible")


# ------------------------------------------------------------------------------------------
# Transitions (for VTIMEZONE blocks)


class Transition(NamedTuple):
    """One change of a zone's offset, as the tz database records it."""

    at: _dt.datetime
    """The instant of the change (UTC, aware)."""
    offset_before: _dt.timedelta
    offset_after: _dt.timedelta
    is_dst: bool
    """Whether the offset after the change is daylight-saving time."""
    abbreviation: str
    """The abbreviation in force after the change (``CEST``)."""


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.transitions")
def transitions(zone: ZoneLike, start: _dt.datetime, end: _dt.datetime) -> list[Transition]:
    """Return the offset changes of ``zone`` with ``start <= at < end`` (both aware).

    Also returns, as the first element when there is one, the last change before ``start``
    (so the offset in force at ``start`` is known); a zone that never changes gives ``[]``.
    """
    start_utc, end_utc = to_utc(start), to_utc(end)
    pz = _pytz_zone(zone_name(zone))
    times: list[_dt.datetime] = list(getattr(pz, "_utc_transition_times", []))
    infos: list[tuple[_dt.timedelta, _dt.timedelta, str]] = list(
        getattr(pz, "_transition_info", [])
    )
    result: list[Transition] = []
    naive_start = start_utc.replace(tzinfo=None)
    naive_end = end_utc.replace(tzinfo=None)
    previous_index = None
    for i in range(1, len(times)):
        if times[i] < naive_start:
            previous_index = i
            continue
        if times[i] >= naive_end:
            break
        result.append(_transition(times, infos, i))
    if previous_index is not None:
        result.insert(0, _transition(times, infos, previous_index))
    return result


def _transition(
    times: list[_dt.datetime], infos: list[tuple[_dt.timedelta, _dt.timedelta, str]], i: int
) -> Transition:
    offset, dst, abbreviation = infos[i]
    # Irish time is stored with a negative DST in winter (GMT = IST - 1h); calendars expect
    # the summer offset as daylight time, so a zero-DST period next to a negative one is DST.
    neighbours = (infos[j] for j in (i - 1, i + 1) if 0 <= j < len(infos))
    negative_next_door = any(d < _dt.timedelta(0) and o < offset for o, d, _ in neighbours)
    return Transition(
        at=times[i].replace(tzinfo=_UTC),
        offset_before=infos[i - 1][0],
        offset_after=offset,
        is_dst=dst > _dt.timedelta(0) or (not dst and negative_next_door),
        abbreviation=abbreviation,
    )


# ------------------------------------------------------------------------------------------
# Announcements: parsing and formatting

_MONTHS: Final = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NUMBER: Final = (
    {m: i for i, m in enumerate(_MONTHS, 1)}
    | {m[:3]: i for i, m in enumerate(_MONTHS, 1)}
    | {"sept": 9}
)
_WEEKDAYS: Final = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_NUMBER: Final = {d: i for i, d in enumerate(_WEEKDAYS)} | {
    d[:3]: i for i, d in enumerate(_WEEKDAYS)
}

_WEEKDAY_RE = r"(?:(?P<{n}wd>[A-Za-z]{{3,9}})\.?,?\s+)?"
_DATE_RE = (
    r"(?:(?P<{n}d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<{n}m1>[A-Za-z]{{3,9}})\.?,?\s+(?P<{n}y1>\d{{4}})"
    r"|(?P<{n}m2>[A-Za-z]{{3,9}})\.?\s+(?P<{n}d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<{n}y2>\d{{4}})"
    r"|(?P<{n}d3>\d{{1,2}})[/.](?P<{n}m3>\d{{1,2}})[/.](?P<{n}y3>\d{{4}})"
    r"|(?P<{n}y4>\d{{4}})-(?P<{n}m4>\d{{2}})-(?P<{n}d4>\d{{2}}))"
)
_TIME_RE = r"(?P<{n}h>\d{{1,2}})(?:[.:h](?P<{n}min>\d{{2}})|h)?"
_ZONE_RE = r"(?P<zone>[A-Za-z][A-Za-z_+\-/]*(?:/[A-Za-z_+\-]+)*)"
_SCHEDULE_PATTERN: Final = (
    r"^\s*"
    + _WEEKDAY_RE.format(n="s")
    + _DATE_RE.format(n="s")
    + r"\s*(?:,|\bat\b|\bfrom\b)?\s*(?:\bfrom\b\s*)?"
    + _TIME_RE.format(n="s")
    + r"\s*(?:-|\u2013|\u2014|\bto\b|\buntil\b)\s*"
    + r"(?:"
    + _WEEKDAY_RE.format(n="e")
    + _DATE_RE.format(n="e")
    + r"\s*,?\s*)?"
    + _TIME_RE.format(n="e")
    + r"\s*(?:\(?\s*"
    + _ZONE_RE
    + r"\s*\)?)?\s*\.?\s*$"
)


@lru_cache(maxsize=1)
def _schedule_re() -> re.Pattern[str]:
    # Compiled on first use: the pattern is large and most importers never parse text.
    return re.compile(_SCHEDULE_PATTERN)


_EXPECTED: Final = (
    "a date, a start and end time and a zone, e.g. '20 September 2023, 14.00\u201317:00 CEST', "
    "'Wednesday 20 September 2023, 14:00 - 17:00 CEST' or '20/09/2023 14h00-17h00 CET'"
)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.parse_schedule")
def parse_schedule(
    text: str,
    *,
    zone: ZoneLike | None = None,
    abbreviations: Mapping[str, str] | None = None,
) -> tuple[_dt.datetime, _dt.datetime]:
    """Read the date and time range of an announcement.

    Understands the phrasings of real announcements: ``"20 September 2023, 14.00–17:00
    CEST"``, ``"Wednesday 20 September 2023, 14:00 - 17:00 CEST"``, ``"20/09/2023
    14h00-17h00 CET"``, ``"2023-09-20 14:00-17:00 Europe/Brussels"``, en dash, em dash, hyphen
    or "to", 14.00 / 14:00 / 14h00 / 14h, an optional weekday (checked against the date) and an
    optional second date for ranges that cross midnight.

    An abbreviation is checked against the date: ``CEST`` in December is an error, and in the
    autumn fold it says which of the two times is meant. ``CET``, ``EET`` and ``WET`` are read
    as the zone's name all year round (announcements write "14h00 CET" in September); the
    summer names ``CEST``, ``EEST``, ``WEST`` and ``BST`` must match the date.

    Args:
        text: the announcement text.
        zone: the zone to use when the text names none.
        abbreviations: the abbreviation mapping instead of :data:`ABBREVIATIONS`.

    Returns:
        ``(start, end)``, aware, in the zone named.

    Raises:
        ScheduleParseError: the text is not in a form listed above, or names no zone and
            ``zone`` is not given.
        WeekdayMismatch: the weekday contradicts the date.
        UnknownTimeZoneAbbreviation: the zone word is neither a configured abbreviation nor
            an IANA name.
        AbbreviationMismatch: the abbreviation is not in force on that date.
        TimeRangeError: the end is not after the start.
        NonexistentTimeError: a time falls in a spring gap.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_schedule() takes a str, not {type(text).__name__}")
    match = _schedule_re().match(text)
    if match is None:
        raise ScheduleParseError(text, _EXPECTED)
    groups = match.groupdict()
    table = ABBREVIATIONS if abbreviations is None else abbreviations
    start_date = _read_date(text, groups, "s")
    end_date = _read_date(text, groups, "e") if _has_date(groups, "e") else start_date
    start_wall = _dt.datetime.combine(start_date, _read_time(text, groups, "s"))
    end_wall = _dt.datetime.combine(end_date, _read_time(text, groups, "e"))

    word = groups["zone"]
    abbreviation: str | None = None
    if word is None:
        if zone is None:
            raise ScheduleParseError(text, "a zone after the times (e.g. 'CEST') or zone=")
        tzinfo = _tzinfo(zone, abbreviations=table)
    elif word in table:
        abbreviation = word
        tzinfo = _tzinfo(table[word], abbreviations=table)
    elif "/" in word or word in pytz.all_timezones_set:
        tzinfo = _tzinfo(word, abbreviations=table)
    else:
        raise UnknownTimeZoneAbbreviation(word, table)

    start = _localize_announced(start_wall, tzinfo, abbreviation)
    end = _localize_announced(end_wall, tzinfo, abbreviation)
    if end <= start:
        raise TimeRangeError(start, end, f"schedule {text!r}")
    return start, end


_DEADLINE_PATTERN: Final = (
    r"^\s*" + _WEEKDAY_RE.format(n="s") + _DATE_RE.format(n="s") + r"\s*\.?\s*$"
)
_DEADLINE_EXPECTED: Final = (
    "a day, e.g. 'Wednesday 6 September 2023', '6 September 2023', 'September 6, 2023', "
    "'06/09/2023' or '2023-09-06'"
)


@lru_cache(maxsize=1)
def _deadline_re() -> re.Pattern[str]:
    return re.compile(_DEADLINE_PATTERN)


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.parse_deadline")
def parse_deadline(text: str, zone: ZoneLike) -> _dt.datetime:
    """Read a deadline as organisers write it: the end of that day in ``zone``.

    "Deadline Wednesday 6 September 2023" means applications are accepted until the end of
    that day where the event is; the weekday, when given, is checked against the date.

    Args:
        text: ``"Wednesday 6 September 2023"``, ``"6 September 2023"``, ``"Sept 6, 2023"``,
            ``"06/09/2023"`` (day first) or ``"2023-09-06"``, with or without the weekday.
        zone: the event's zone.

    Returns:
        The first instant after that day in ``zone`` (:func:`end_of_day`), aware, in ``zone``.

    Raises:
        DeadlineParseError: the text is not a day in one of the forms above.
        WeekdayMismatch: the weekday contradicts the date.
        UnknownTimeZone: ``zone`` is not a known zone.

    >>> parse_deadline("Wednesday 6 September 2023", "Europe/Brussels").isoformat()
    '2023-09-07T00:00:00+02:00'
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_deadline() takes a str, not {type(text).__name__}")
    match = _deadline_re().match(text)
    if match is None:
        raise DeadlineParseError(text, _DEADLINE_EXPECTED)
    groups = match.groupdict()
    try:
        day = _read_date(text, groups, "s")
    except ScheduleParseError as exc:
        raise DeadlineParseError(text, exc.expected) from None
    return end_of_day(day, zone)


def _has_date(groups: Mapping[str, str | None], n: str) -> bool:
    return any(groups[f"{n}y{i}"] for i in range(1, 5))


def _read_date(text: str, groups: Mapping[str, str | None], n: str) -> _dt.date:
    for i in range(1, 5):
        year = groups[f"{n}y{i}"]
        if year is None:
            continue
        month_text = groups[f"{n}m{i}"] or ""
        day_text = groups[f"{n}d{i}"] or ""
        if month_text.isdigit():
            month = int(month_text)
        else:
            number = _MONTH_NUMBER.get(month_text.lower())
            if number is None:
                raise ScheduleParseError(text, f"a month name instead of {month_text!r}")
            month = number
        try:
            date = _dt.date(int(year), month, int(day_text))
        except ValueError as exc:
            raise ScheduleParseError(text, f"a real calendar date ({exc})") from None
        _check_weekday(text, groups[f"{n}wd"], date)
        return date
    raise ScheduleParseError(text, _EXPECTED)  # pragma: no cover - the regex requires a date


def _check_weekday(text: str, word: str | None, date: _dt.date) -> None:
    if word is None:
        return
    number = _WEEKDAY_NUMBER.get(word.lower())
    if number is None:
        raise ScheduleParseError(text, f"a weekday name instead of {word!r}")
    if number != date.weekday():
        raise WeekdayMismatch(
            text, _WEEKDAYS[number].title(), date, _WEEKDAYS[date.weekday()].title()
        )


def _read_time(text: str, groups: Mapping[str, str | None], n: str) -> _dt.time:
    hour = int(groups[f"{n}h"] or "0")
    minute = int(groups[f"{n}min"] or "0")
    if hour == 24 and minute == 0:
        raise ScheduleParseError(text, "hours 0-23 (write 00:00 on the next day for midnight)")
    try:
        return _dt.time(hour, minute)
    except ValueError:
        raise ScheduleParseError(text, f"a time of day instead of {hour}:{minute:02d}") from None


def _localize_announced(
    wall: _dt.datetime, tzinfo: _dt.tzinfo, abbreviation: str | None
) -> _dt.datetime:
    if abbreviation is None or abbreviation in ("UTC", "Z", "GMT"):
        return localize(wall, tzinfo)
    try:
        value = localize(wall, tzinfo)
    except AmbiguousTimeError as exc:
        # In the fold the abbreviation says which of the two is meant.
        for candidate in exc.candidates:
            if candidate.tzname() == abbreviation:
                return candidate
        raise
    actual = value.tzname() or ""
    if actual != abbreviation and abbreviation not in _GENERIC_ABBREVIATIONS:
        raise AbbreviationMismatch(abbreviation, wall, zone_name(tzinfo), actual)
    return value


# Names that announcements use for the zone all year round ("14h00 CET" in September means
# Central European time, which is then CEST); the summer names are never used for winter.
_GENERIC_ABBREVIATIONS: Final = frozenset({"CET", "EET", "WET"})

_SHORT_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SHORT_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
)  # fmt: skip


def _fmt_offset(offset: _dt.timedelta | None) -> str:
    total = int((offset or _dt.timedelta()).total_seconds()) // 60
    sign = "+" if total >= 0 else "\u2212"
    hours, minutes = divmod(abs(total), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _abbreviation(value: _dt.datetime) -> str:
    name = value.tzname() or ""
    if name and name[0].isalpha():
        return name
    return _fmt_offset(value.utcoffset())


def _day(value: _dt.datetime) -> str:
    return (
        f"{_SHORT_DAYS[value.weekday()]} {value.day} {_SHORT_MONTHS[value.month - 1]} {value.year}"
    )


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.format_range")
def format_range(start: _dt.datetime, end: _dt.datetime, zone: ZoneLike) -> str:
    """Format a time range for people, in ``zone``, English, independent of the locale.

    ``"Wed 20 Sep 2023, 14:00–17:00 CEST"``; a range that crosses midnight shows both days
    (``"Wed 20 Sep 2023, 22:00 – Thu 21 Sep 2023, 01:00 CEST"``) and a range across a DST
    change shows both abbreviations. Zones whose abbreviation is numeric show ``UTC±hh:mm``.

    Raises:
        NaiveDatetimeError: ``start`` or ``end`` has no zone.
        TimeRangeError: ``end`` is not after ``start``.
    """
    target = _tzinfo(zone)
    local_start = to_zone(start, target)
    local_end = to_zone(end, target)
    if local_end <= local_start:
        raise TimeRangeError(start, end, "format_range")
    first, last = _abbreviation(local_start), _abbreviation(local_end)
    start_text = _clock(local_start)
    if first != last:
        start_text += f" {first}"
    if local_start.date() == local_end.date():
        return f"{_day(local_start)}, {start_text}\u2013{_clock(local_end)} {last}"
    return (
        f"{_day(local_start)}, {start_text} \u2013 {_day(local_end)}, {_clock(local_end)} {last}"
    )


def _clock(value: _dt.datetime) -> str:
    return "%02d:%02d" % (value.hour, value.minute)  # noqa: UP031 - %H:%M, 7x faster


def countries() -> Mapping[str, str]:
    """Return the ISO 3166-1 alpha-2 country codes and names that the tz database lists."""
    return pytz.country_names


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.format_deadline")
def format_deadline(closes: _dt.datetime, zone: ZoneLike, *, with_zone: bool = False) -> str:
    """Format a deadline the way organisers give it: ``"end of Wed 6 Sep 2023"``.

    A deadline that is the end of a day in ``zone`` (what :func:`parse_deadline` and a date in
    an event file give) is shown as that day; any other instant as :func:`format_instant`.

    Args:
        closes: the first instant no longer accepted (aware).
        zone: the zone to show it in.
        with_zone: add the zone's name to a day (``"end of Wed 6 Sep 2023
            (Europe/Brussels)"``), for text read without the zone nearby.

    Raises:
        NaiveDatetimeError: ``closes`` has no zone.

    >>> format_deadline(end_of_day(datetime.date(2023, 9, 6), "CEST"), "Europe/Brussels")
    'end of Wed 6 Sep 2023'
    """
    local = to_zone(closes, zone)
    day = local.date() - _dt.timedelta(days=1)
    if end_of_day(day, zone) != closes:
        return format_instant(closes, zone)
    text = f"end of {_day(_dt.datetime.combine(day, _dt.time()))}"
    return f"{text} ({zone_name(zone)})" if with_zone else text


@_deprecation.keyword_renamed("tz", "zone", "ran_events.tz.format_instant")
def format_instant(instant: _dt.datetime, zone: ZoneLike) -> str:
    """Format one instant for people in ``zone``: ``"Thu 7 Sep 2023, 00:00 CEST"``.

    Raises:
        NaiveDatetimeError: ``instant`` has no zone.
    """
    local = to_zone(instant, zone)
    return f"{_day(local)}, {_clock(local)} {_abbreviation(local)}"
