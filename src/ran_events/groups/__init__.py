"""Small groups and parallel workshops: who meets in which room.

Small groups (``_balanced``): :func:`assign_groups` splits participants into groups that mix
the balanced attributes, keep the ``apart`` ones apart and maximise diversity;
:func:`reassign` repairs an assignment after late withdrawals moving as few people as
possible. The groups CSV (``_csv``) carries an assignment to other tools.

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

# Workshops (engineer workshops): the names of ._workshops are imported here.

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "AssignmentRow",
    "AssignmentsFile",
    "Group",
    "GroupAssignment",
    "Relaxation",
    "assign_groups",
    "assignments_csv_text",
    "diversity",
    "group_ticket",
    "read_assignments_csv",
    "reassign",
    "write_assignments_csv",
]
