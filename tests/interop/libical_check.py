"""Read one iCalendar object with libical 3 (ICalGLib) and report what it found, as JSON.

Run by :func:`tests.interop.readers.libical_check` with the *system* Python (``/usr/bin/python3``,
which can import ``gi`` once ``python3-gi`` and ``gir1.2-ical-3.0`` are installed). The object
is read from standard input as bytes; a JSON document is written to standard output:

``{"version": str, "restriction_ok": bool, "errors": [...], "events": [...]}``

* ``errors``: every ``X-LIC-ERROR`` property libical inserted while parsing and while running
  the RFC 5546 restriction check (``icalrestriction_check``), with its ``X-LIC-ERRORTYPE`` and
  the name of the component it was attached to.
* ``events``: for every VEVENT its UID, SEQUENCE and the UTC instants of DTSTART and DTEND.
  A ``TZID`` is resolved *only* against the VTIMEZONE embedded in the object (an
  ``icaltimezone`` built from that sub-component), never against libical's builtin zones.

This file is standalone on purpose: it must not import the project or anything from the venv.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

_K = ICalGLib.ComponentKind
_P = ICalGLib.PropertyKind


def _iterate(first: Any, following: Any, kind: Any) -> list[Any]:
    """Collect what libical's first/next iterator pair yields for ``kind``."""
    out = []
    item = first(kind)
    while item is not None:
        out.append(item)
        item = following(kind)
    return out


def _children(comp: Any, kind: Any) -> list[Any]:
    return _iterate(comp.get_first_component, comp.get_next_component, kind)


def _props(comp: Any, kind: Any) -> list[Any]:
    return _iterate(comp.get_first_property, comp.get_next_property, kind)


def _errors(comp: Any, sink: list[dict[str, str]]) -> None:
    name = ICalGLib.Component.kind_to_string(comp.isa())
    for prop in _props(comp, _P.XLICERROR_PROPERTY):
        param = prop.get_first_parameter(ICalGLib.ParameterKind.XLICERRORTYPE_PARAMETER)
        kind = param.as_ical_string().split("=", 1)[-1] if param is not None else ""
        sink.append({"type": kind, "message": prop.get_xlicerror(), "component": name})
    for child in _children(comp, _K.ANY_COMPONENT):
        _errors(child, sink)


def _embedded_zones(root: Any) -> dict[str, Any]:
    zones: dict[str, Any] = {}
    for vtz in _children(root, _K.VTIMEZONE_COMPONENT):
        tzid_prop = vtz.get_first_property(_P.TZID_PROPERTY)
        if tzid_prop is None:
            continue
        zone = ICalGLib.Timezone.new()
        if zone.set_component(vtz.clone()):
            zones[tzid_prop.get_tzid()] = zone
    return zones


def _iso(timet: int) -> str:
    return dt.datetime.fromtimestamp(timet, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(
    prop: Any, zones: dict[str, Any], problems: list[str], what: str
) -> tuple[str | None, int | None]:
    """Return (ISO UTC string, time_t) of a DTSTART/DTEND property, or (None, None)."""
    value = prop.get_value()
    if value is None:
        problems.append(f"{what}: no value")
        return None, None
    time = value.get_datetime()
    if time.is_date():
        problems.append(f"{what}: DATE value")
        return None, None
    if time.is_utc():
        timet = time.as_timet_with_zone(ICalGLib.Timezone.get_utc_timezone())
        return _iso(timet), timet
    param = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    if param is None:
        problems.append(f"{what}: floating time")
        return None, None
    tzid = param.get_tzid()
    zone = zones.get(tzid)
    if zone is None:
        problems.append(f"{what}: no embedded VTIMEZONE for TZID={tzid}")
        return None, None
    timet = time.as_timet_with_zone(zone)
    return _iso(timet), timet


def _event(vevent: Any, zones: dict[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    uid_prop = vevent.get_first_property(_P.UID_PROPERTY)
    start = end = None
    start_t = None
    start_prop = vevent.get_first_property(_P.DTSTART_PROPERTY)
    if start_prop is not None:
        start, start_t = _instant(start_prop, zones, problems, "DTSTART")
    else:
        problems.append("DTSTART: missing")
    end_prop = vevent.get_first_property(_P.DTEND_PROPERTY)
    duration_prop = vevent.get_first_property(_P.DURATION_PROPERTY)
    if end_prop is not None:
        end, _ = _instant(end_prop, zones, problems, "DTEND")
    elif duration_prop is not None and start_t is not None:
        end = _iso(start_t + duration_prop.get_duration().as_int())
    sequence_prop = vevent.get_first_property(_P.SEQUENCE_PROPERTY)
    return {
        "uid": uid_prop.get_uid() if uid_prop is not None else None,
        "sequence": sequence_prop.get_sequence() if sequence_prop is not None else None,
        "dtstart_utc": start,
        "dtend_utc": end,
        "problems": problems,
    }


def check(data: bytes) -> dict[str, Any]:
    """Parse ``data``, run the restriction check and return the report (see module doc)."""
    root = ICalGLib.Parser.parse_string(data.decode("utf-8", errors="replace"))
    if root is None:
        return {
            "version": ICalGLib._version,
            "restriction_ok": False,
            "errors": [{"type": "PARSE-ERROR", "message": "no component", "component": ""}],
            "events": [],
        }
    calendars = [root] if root.isa() == _K.VCALENDAR_COMPONENT else []
    if not calendars:
        calendars = _children(root, _K.VCALENDAR_COMPONENT)
    restriction_ok = bool(calendars)
    for cal in calendars:
        restriction_ok = bool(ICalGLib.restriction_check(cal)) and restriction_ok
    errors: list[dict[str, str]] = []
    _errors(root, errors)
    events: list[dict[str, Any]] = []
    for cal in calendars:
        zones = _embedded_zones(cal)
        events.extend(_event(ev, zones) for ev in _children(cal, _K.VEVENT_COMPONENT))
    return {
        "version": ICalGLib._version,
        "restriction_ok": restriction_ok,
        "errors": errors,
        "events": events,
    }


if __name__ == "__main__":
    json.dump(check(sys.stdin.buffer.read()), sys.stdout)
