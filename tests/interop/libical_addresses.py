"""Print, as JSON, the ORGANIZER and ATTENDEE addresses of every VEVENT as libical 3 reads them.

Run with the *system* Python (it imports ``gi``), like ``libical_check.py``; the object is
read from standard input. Output: ``{"events": [{"organizer": str | null, "attendees": [str]}]}``.
This file is standalone on purpose: it must not import the project or anything from the venv.
"""

from __future__ import annotations

import json
import sys


def _all(component: object, first: str, following: str, kind: object) -> list[object]:
    out = []
    item = getattr(component, first)(kind)
    while item is not None:
        out.append(item)
        item = getattr(component, following)(kind)
    return out


def main() -> None:
    import gi  # only the system Python has it; importing this file elsewhere must work

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib

    kinds, props = ICalGLib.ComponentKind, ICalGLib.PropertyKind
    root = ICalGLib.Component.new_from_string(sys.stdin.buffer.read().decode("utf-8"))
    events = []
    for vevent in _all(root, "get_first_component", "get_next_component", kinds.VEVENT_COMPONENT):
        organizer = vevent.get_first_property(props.ORGANIZER_PROPERTY)
        attendees = _all(
            vevent, "get_first_property", "get_next_property", props.ATTENDEE_PROPERTY
        )
        events.append(
            {
                "organizer": organizer.get_organizer() if organizer is not None else None,
                "attendees": [a.get_attendee() for a in attendees],
            }
        )
    json.dump({"events": events}, sys.stdout)


if __name__ == "__main__":
    main()
