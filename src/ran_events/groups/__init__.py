"""Small groups and parallel workshops: who meets in which room.

Workshops (``_workshops``): :func:`assign_workshops` places each selected participant in one
session of each choice slot of the event (parallel sessions marked ``choice = true``),
exactly, from their rankings, within each session's capacity; the result's
:meth:`WorkshopAssignment.rooms` is what :func:`ran_events.ics.invite` takes as ``rooms``.

This package takes plain registrations and the event: it imports neither
:mod:`ran_events.selection` nor :mod:`ran_events.ics`.
"""

from ._workshops import (
    WorkshopAssignment,
    WorkshopPlacement,
    assign_workshops,
    choice_summary,
    ordinal,
    rankings_of,
    workshop_ticket,
)

__all__ = [
    "WorkshopAssignment",
    "WorkshopPlacement",
    "assign_workshops",
    "choice_summary",
    "ordinal",
    "rankings_of",
    "workshop_ticket",
]
