"""Printing an event's schedule in several zones (shared by ``demo`` and ``check``)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import tz
from ..models import Event
from ._base import Console


def print_schedule(event: Event, zones: Sequence[str], console: Console) -> None:
    """Print each session, then the registration window, in each of ``zones``."""
    console.out(f"{event.title}")
    console.out(
        f"  {event.id} | {event.language} | {event.capacity} places | zone {event.timezone}"
    )
    if event.online is not None:
        console.out(f"  online: {event.online.platform} {event.online.url}")
    width = max(len(z) for z in zones)
    for session in event.sessions:
        cancelled = " (cancelled)" if session.status.value == "cancelled" else ""
        console.out(f"  {session.kind.value} {session.id!r}: {session.title}{cancelled}")
        for name in zones:
            console.out(
                f"    {name:<{width}}  {tz.format_range(session.start, session.end, name)}"
            )
    window = event.registration
    console.out("  registration")
    for name in zones:
        opens = tz.format_instant(window.opens, name)
        closes = tz.format_deadline(window.closes, name)
        console.out(f"    {name:<{width}}  opens {opens}; closes {closes}")
