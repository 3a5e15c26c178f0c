"""The compact VTIMEZONE (ICALENDAR.md section 1) and the session times that refer to it."""

from __future__ import annotations

import datetime as _dt
from calendar import monthrange
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

import attrs

from .. import tz
from ..models import Event
from ._lines import _event_line, _line, _offset, _text_line, _utc_value

__all__ = ["vtimezone"]


_UTC_NAMES: Final = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}
)
_PYTZ_TABLES_END: Final = _dt.datetime(2038, 1, 1, tzinfo=_dt.UTC)
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@attrs.frozen
class _Onset:
    key: tuple[Any, ...]
    local: _dt.datetime
    at: _dt.datetime


def _yearly_rule(dates: Sequence[_dt.datetime]) -> str | None:
    """The BY* part of a yearly rule that yields exactly these onsets, or ``None``."""
    weekdays = {d.weekday() for d in dates}
    days = [d.day for d in dates]
    month = f"BYMONTH={dates[0].month}"
    if len(weekdays) == 1:
        weekday = _WEEKDAYS[dates[0].weekday()]
        if all(d.day + 7 > monthrange(d.year, d.month)[1] for d in dates):
            return f"{month};BYDAY=-1{weekday}"
        nths = {(day - 1) // 7 + 1 for day in days}
        if len(nths) == 1:
            return f"{month};BYDAY={nths.pop()}{weekday}"
        first = min(days)
        if max(days) - first <= 6:
            window = ",".join(str(first + k) for k in range(7))
            return f"{month};BYMONTHDAY={window};BYDAY={weekday}"
    if len(set(days)) == 1:
        return f"{month};BYMONTHDAY={days[0]}"
    return None


@lru_cache(maxsize=256)
def vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    """Return the compact VTIMEZONE of ``zone`` for the years ``first_year..last_year``.

    Each run of yearly changes that follow one rule becomes one observance with
    ``RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`` (``UNTIL`` when the rule ends inside the
    span); a change that follows no yearly rule is an observance of its own. The onset is
    the local time before the change (RFC 5545). The change in force when the span begins is
    included, so every instant of the span is covered; a zone that does not change in the
    span gets one STANDARD observance.

    Args:
        zone: an IANA zone name (not a UTC alias: UTC times are written with ``Z``).
        first_year: the first calendar year the object covers.
        last_year: the last calendar year it covers.

    Returns:
        The octets of the block, ``BEGIN:VTIMEZONE`` to ``END:VTIMEZONE``, CRLF-terminated.

    Raises:
        UnknownTimeZone: ``zone`` is not in the tz database.
    """
    name = tz.zone_name(zone)
    start = tz.localize(_dt.datetime(first_year, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    end = tz.localize(_dt.datetime(last_year + 1, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    # One year past the span too: a rule still in force after the span gets its RRULE even
    # when it has a single onset inside the span (a calendar of one summer).
    after = tz.localize(_dt.datetime(last_year + 2, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    changes = tz.transitions(name, start, after)
    inside = [c for c in changes if tz.to_utc(start) <= c.at < tz.to_utc(end)]
    lines = [_line("BEGIN", "VTIMEZONE"), _text_line("TZID", name)]
    if not inside:
        wall = tz.to_zone(start, name)
        offset = wall.utcoffset()
        assert offset is not None
        lines += [
            _line("BEGIN", "STANDARD"),
            _line("DTSTART", "19700101T000000"),
            _line("TZOFFSETFROM", _offset(offset)),
            _line("TZOFFSETTO", _offset(offset)),
            _text_line("TZNAME", wall.tzname() or name),
            _line("END", "STANDARD"),
        ]
    else:
        lines += _observances(changes, last_year, tz.to_utc(end))
    lines.append(_line("END", "VTIMEZONE"))
    return b"".join(lines)


def _observances(
    changes: Sequence[tz.Transition], last_year: int, span_end: _dt.datetime
) -> list[bytes]:
    groups: list[list[_Onset]] = []
    for change in changes:
        local = (change.at + change.offset_before).replace(tzinfo=None)
        key = (change.is_dst, change.offset_before, change.offset_after, change.abbreviation)
        onset = _Onset(key=(*key, local.month, local.time()), local=local, at=change.at)
        for group in groups:
            tail = group[-1]
            if (
                tail.key == onset.key
                and tail.local.year == local.year - 1
                and _yearly_rule([o.local for o in (*group, onset)]) is not None
            ):
                group.append(onset)
                break
        else:
            groups.append([onset])
    lines: list[bytes] = []
    for group in sorted(groups, key=lambda g: g[0].local):
        if group[0].at >= span_end:
            continue  # a rule that only begins after the span
        first = group[0]
        is_dst, before, after, abbreviation = first.key[:4]
        kind = "DAYLIGHT" if is_dst else "STANDARD"
        lines += [
            _line("BEGIN", kind),
            _line("DTSTART", first.local.strftime("%Y%m%dT%H%M%S")),
            _line("TZOFFSETFROM", _offset(before)),
            _line("TZOFFSETTO", _offset(after)),
        ]
        if len(group) > 1:
            rule = f"FREQ=YEARLY;{_yearly_rule([o.local for o in group])}"
            if group[-1].local.year <= last_year:  # not observed after the span: it ended
                rule += f";UNTIL={_utc_value(group[-1].at)}"
            lines.append(_line("RRULE", rule))
        lines += [_text_line("TZNAME", abbreviation), _line("END", kind)]
    return lines


def _zone_block(event: Event) -> bytes:
    if event.timezone in _UTC_NAMES:
        return b""
    years = [tz.to_zone(t, event.timezone).year for s in event.sessions for t in (s.start, s.end)]
    return vtimezone(event.timezone, min(years), max(years))


def _time_line(name: str, instant: _dt.datetime, zone: str) -> bytes:
    if zone in _UTC_NAMES:
        return _line(name, _utc_value(instant))
    wall = tz.wall_time(tz.to_zone(instant, zone))
    # A wall time in an autumn fold means its first occurrence by RFC 5545, but libical,
    # ical.js, vobject and Radicale take the second: both occurrences are written in UTC.
    # So are instants from 2038 on: vobject (and so Radicale) reads a TZID it has not
    # registered from the embedded block (it skips blocks that match UTC in 2000-2020, such
    # as Lisbon's, and keeps the first block per TZID per process) with pytz, whose tables
    # stop in 2037.
    if tz.occurrences(wall, zone) != 1 or instant >= _PYTZ_TABLES_END:
        return _line(name, _utc_value(instant))
    return _event_line(name, wall.strftime("%Y%m%dT%H%M%S"), {"TZID": zone})
