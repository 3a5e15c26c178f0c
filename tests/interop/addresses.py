"""ORGANIZER and ATTENDEE addresses of an iCalendar object as each independent reader reads them.

Each function returns, for every VEVENT in file order, ``[ORGANIZER, ATTENDEE...]`` as the
reader gives the values (``mailto:`` URIs). Used by ``tests/test_ics_interop.py`` to check
that an address with an IDN domain is read back as the same mailbox.
"""

from __future__ import annotations

import shutil
from typing import Any

from tests.interop.readers import INTEROP_DIR, NODE_DIR, SYSTEM_PYTHON, _as_bytes, _run_json

__all__ = ["ical_addresses", "icaljs_addresses", "libical_addresses", "vobject_addresses"]


def _from_json(raw: Any) -> list[list[str]]:
    return [[str(e["organizer"]), *map(str, e["attendees"])] for e in raw["events"]]


def libical_addresses(ics: bytes) -> list[list[str]]:
    """The addresses as libical 3 reads them (``libical_addresses.py``, system Python)."""
    script = str(INTEROP_DIR / "libical_addresses.py")
    return _from_json(_run_json([SYSTEM_PYTHON, script], _as_bytes(ics), INTEROP_DIR))


def icaljs_addresses(ics: bytes) -> list[list[str]]:
    """The addresses as ical.js reads them (``node/icaljs_addresses.mjs``)."""
    node = shutil.which("node") or "node"
    script = str(NODE_DIR / "icaljs_addresses.mjs")
    return _from_json(_run_json([node, script], _as_bytes(ics), NODE_DIR))


def vobject_addresses(ics: bytes) -> list[list[str]]:
    """The addresses as vobject reads them (with validation)."""
    import vobject

    calendar = vobject.readOne(ics.decode("utf-8"), validate=True)
    return [
        [str(v.organizer.value), *(str(a.value) for a in v.contents.get("attendee", []))]
        for v in calendar.contents.get("vevent", [])
    ]


def ical_addresses(ics: bytes) -> list[list[str]]:
    """The addresses as the ``ical`` package's strict parser reads them."""
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    return [
        [str(e.organizer.uri if e.organizer else None), *(a.uri for a in e.attendees)]
        for e in calendar.events
    ]
