"""Small groups and parallel workshops: who meets in which room.

Small groups (``_balanced``): :func:`assign_groups` splits participants into groups that mix
the balanced attributes, keep the ``apart`` ones apart and maximise diversity;
:func:`reassign` repairs an assignment after late withdrawals moving as few people as
possible. The groups CSV (``_csv``) carries an assignment to other tools.

Workshops (``_workshops``): :func:`assign_workshops` places each selected participant in one
session of each choice slot of the event (parallel sessions marked ``choice = true``),
exactly, from their rankings, within each session's capacity; the result's
:meth:`WorkshopAssignment.rooms` is what :func:`ran_events.ics.invite` takes as ``rooms``.

This package takes plain registrations and sessions: it imports neither
:mod:`ran_events.selection` nor :mod:`ran_events.ics`.
"""

from ._balanced import (
    Group,
    GroupAssignment,
    Relaxation,
    assign_groups,
    diversity,
    group_ticket,
    reassign,
)
from ._csv import (
    ASSIGNMENT_COLUMNS,
    AssignmentRow,
    AssignmentsFile,
    assignments_csv_text,
    read_assignments_csv,
    write_assignments_csv,
)
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
    "ASSIGNMENT_COLUMNS",
    "AssignmentRow",
    "AssignmentsFile",
    "Group",
    "GroupAssignment",
    "Relaxation",
    "WorkshopAssignment",
    "WorkshopPlacement",
    "assign_groups",
    "assign_workshops",
    "assignments_csv_text",
    "choice_summary",
    "diversity",
    "group_ticket",
    "ordinal",
    "rankings_of",
    "read_assignments_csv",
    "reassign",
    "workshop_ticket",
    "write_assignments_csv",
]
