"""Printing an event's schedule in several zones (shared by ``demo`` and ``check``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .. import tz
from ..models import Event, Session
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
    slot_of = {s.id: slot.id for slot in event.choice_slots for s in slot.sessions}
    for first in range(0, len(sessions), _SESSIONS_AT_ONCE):
        lines: list[str] = []
        for session in sessions[first : first + _SESSIONS_AT_ONCE]:
            cancelled = " (cancelled)" if session.status.value == "cancelled" else ""
            lines.append(f"  {session.kind.value} {session.id!r}: {session.title}{cancelled}")
            if session.room or session.online or session.capacity or session.choice:
                lines.append("    " + _place(session, slot_of.get(session.id)))
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


def _place(session: Session, slot: str | None) -> str:
    """``room Room 1 | online: WebEx URL | 15 places | choice in slot-1``: what is set."""
    parts = [f"room {session.room}"] if session.room else []
    if session.online is not None:
        parts.append(f"online: {session.online.platform} {session.online.url}")
    if session.capacity is not None:
        parts.append(f"{session.capacity} places")
    if session.choice:
        parts.append(f"choice in {slot}" if slot else "choice (cancelled)")
    return " | ".join(parts)
