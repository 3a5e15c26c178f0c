"""Printing an event's schedule in several zones (shared by ``demo`` and ``check``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .. import tz
from ..models import Event
from ._base import Console

_SESSIONS_AT_ONCE: Final = 1000


def print_schedule(event: Event, zones: Sequence[str], console: Console) -> None:
    """Print each session, then the registration window, in each of ``zones``."""
    console.out(f"{event.title}")
    console.out(
        f"  {event.id} | {event.language} | {event.capacity} places | zone {event.timezone}"
    )
    if event.online is not None:
        console.out(f"  online: {event.online.platform} {event.online.url}")
    width = max(len(z) for z in zones)
    targets = [(f"    {name:<{width}}  ", tz.zone(name)) for name in zones]  # looked up once
    sessions = event.sessions
    for first in range(0, len(sessions), _SESSIONS_AT_ONCE):
        lines: list[str] = []
        for session in sessions[first : first + _SESSIONS_AT_ONCE]:
            cancelled = " (cancelled)" if session.status.value == "cancelled" else ""
            lines.append(f"  {session.kind.value} {session.id!r}: {session.title}{cancelled}")
            lines.extend(
                label + tz.format_range(session.start, session.end, target)
                for label, target in targets
            )
        console.out("\n".join(lines))  # the same text as line by line, in fewer writes
    window = event.registration
    console.out("  registration")
    for name in zones:
        opens = tz.format_instant(window.opens, name)
        closes = tz.format_deadline(window.closes, name)
        console.out(f"    {name:<{width}}  opens {opens}; closes {closes}")
