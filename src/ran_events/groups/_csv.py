"""The groups CSV: ``registration_id, group, session_id, reason``.

A public format (other tools read it): UTF-8, a header row, one row per placement.

- ``registration_id``: the participant's registration id.
- ``group``: the group's label: ``1``, ``2``, ... for small groups (``ran-events groups``),
  the choice slot for workshops (``ran-events workshops``). Not empty.
- ``session_id``: the event's session the group meets in (its breakout room), or empty when
  the event has none.
- ``reason``: why the participant is there, in words.

A registration appears once per group and once per session: a second row with the same
``registration_id`` and ``group``, or the same ``registration_id`` and (non-empty)
``session_id``, is refused at its line. As in the decisions CSV, a cell a spreadsheet would
run as a formula is written after an apostrophe, and the reader takes it away again.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Final

import attrs

from ran_events._atomic import write_atomic
from ran_events._spreadsheet import neutralise, restore
from ran_events.intake import RejectedRow
from ran_events.intake.csv import _undecodable, open_text, table_records

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "AssignmentRow",
    "AssignmentsFile",
    "assignments_csv_text",
    "read_assignments_csv",
    "write_assignments_csv",
]

ASSIGNMENT_COLUMNS: Final = ("registration_id", "group", "session_id", "reason")
"""The columns of the groups CSV, in order."""


@attrs.frozen(kw_only=True)
class AssignmentRow:
    """One placement: a registration in a group (and the session it meets in).

    Attributes:
        registration_id: the participant's registration id.
        group: the group's label (``"1"``, ``"2"``, ... for small groups).
        session_id: the session the group meets in, or ``""``.
        reason: why the participant is there, in words.
        line: the 1-based line the row starts on when read from a file (the header is line
            1); ``0`` for a row built in code.
    """

    registration_id: str
    group: str
    session_id: str = ""
    reason: str = ""
    line: int = 0


def _rows(value: Iterable[AssignmentRow]) -> tuple[AssignmentRow, ...]:
    return tuple(value)


def _rejected(value: Iterable[RejectedRow]) -> tuple[RejectedRow, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class AssignmentsFile:
    """What :func:`read_assignments_csv` found: the valid rows and every other row, rejected.

    Attributes:
        rows: the valid rows, in the file's order.
        rejected: each row that was not valid (a wrong header included, at line 1), with its
            line, field, value, reason and code (:class:`~ran_events.intake.RejectedRow`).
    """

    rows: tuple[AssignmentRow, ...] = attrs.field(converter=_rows)
    rejected: tuple[RejectedRow, ...] = attrs.field(default=(), converter=_rejected)

    def __iter__(self) -> Iterator[AssignmentRow]:
        return iter(self.rows)

    @property
    def ok(self) -> bool:
        """Whether every row was valid."""
        return not self.rejected

    def rooms(self) -> dict[str, tuple[str, ...]]:
        """The session ids of each registration (its rooms), in the file's order.

        This is the mapping :func:`ran_events.ics.invite` takes to give each person only
        their own room; a row without a session adds nothing.
        """
        rooms: dict[str, tuple[str, ...]] = {}
        for row in self.rows:
            if row.session_id:
                rooms[row.registration_id] = (*rooms.get(row.registration_id, ()), row.session_id)
        return rooms


def assignments_csv_text(rows: Iterable[AssignmentRow]) -> str:
    """The groups CSV of ``rows`` as text (``\\r\\n`` line ends, as the csv module writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ASSIGNMENT_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                neutralise(row.registration_id),
                neutralise(row.group),
                neutralise(row.session_id),
                neutralise(row.reason),
            )
        )
    return buffer.getvalue()


def write_assignments_csv(path: str | os.PathLike[str], rows: Iterable[AssignmentRow]) -> None:
    """Write the groups CSV of ``rows`` to ``path``, atomically and readable by its owner only.

    A reader of ``path`` sees the old file or the whole new one, never half (the file holds
    registration ids, which are personal data: its mode is 0600).

    Args:
        path: the file (its folder is created if missing).
        rows: the placements, written in the order given.
    """
    write_atomic(Path(path), assignments_csv_text(rows))


def read_assignments_csv(source: str | os.PathLike[str] | IO[str]) -> AssignmentsFile:
    """Read a groups CSV, checking every row; never stops at the first bad one.

    Args:
        source: a path (UTF-8, with or without BOM) or an open text stream.

    Returns:
        The valid rows, and each invalid row as a :class:`~ran_events.intake.RejectedRow`
        naming its line and field (codes ``cell-count``, ``encoding``, ``missing``,
        ``duplicate-id``, ``unreadable``), or a single one (line 1, code ``header``) for a
        wrong header.
    """
    with open_text(source) as handle:
        return _read(handle)


def _read(handle: IO[str]) -> AssignmentsFile:
    rows: list[AssignmentRow] = []
    rejected: list[RejectedRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for record in table_records(handle, ASSIGNMENT_COLUMNS):
        if isinstance(record, RejectedRow):
            rejected.append(record)
            continue
        start, raw = record
        problem = _row_problem(raw, start, seen)
        if problem is not None:
            rejected.append(problem)
            continue
        registration_id, group, session_id, reason = (restore(c.strip()) for c in raw)
        seen[registration_id, "group", group] = start
        if session_id:
            seen[registration_id, "session_id", session_id] = start
        rows.append(
            AssignmentRow(
                registration_id=registration_id,
                group=group,
                session_id=session_id,
                reason=reason,
                line=start,
            )
        )
    return AssignmentsFile(rows=rows, rejected=rejected)


def _row_problem(
    cells: list[str], line: int, seen: dict[tuple[str, str, str], int]
) -> RejectedRow | None:
    undecodable = _undecodable(ASSIGNMENT_COLUMNS, cells)
    if undecodable is not None:
        return RejectedRow(line=line, problems=(undecodable,))
    registration_id, group, session_id, _reason = (restore(c.strip()) for c in cells)
    for column, value in (("registration_id", registration_id), ("group", group)):
        if not value:
            return RejectedRow.single(
                line,
                field=column,
                value=None,
                reason=f"empty; expected a {column}",
                code="missing",
            )
    for column, value in (("group", group), ("session_id", session_id)):
        earlier = seen.get((registration_id, column, value))
        if value and earlier is not None:
            return RejectedRow.single(
                line,
                field=column,
                value=value,
                reason=f"{registration_id} is already in {column} {value} at line {earlier}; "
                f"expected each registration once per {column}",
                code="duplicate-id",
            )
    return None
