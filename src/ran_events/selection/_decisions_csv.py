"""The decisions CSV: ``registration_id, email, name, outcome, rank, reason``.

A public format (other tools read it): UTF-8, a header row, one row per decision in the
result's order (selected by rank, waitlisted by position, rejected by id). ``rank`` is the
place in the policy's order (empty for a registration rejected before ordering); ``reason``
is the decision's sentence.

The file is meant for people, who open it in a spreadsheet: a cell that would start a
formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first: names and addresses
come from a public form) is written after an apostrophe, and :func:`read_decisions_csv`
takes that apostrophe away again, so ids, addresses and names read back as they were.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Final

import attrs

from ran_events import _deprecation
from ran_events._spreadsheet import neutralise, restore
from ran_events.errors import FileProblem
from ran_events.intake import RejectedRow
from ran_events.intake.csv import open_text, table_records, write_text
from ran_events.models import mask_email
from ran_events.selection._result import Outcome, SelectionResult

__all__ = [
    "DECISION_COLUMNS",
    "DecisionRow",
    "DecisionsFile",
    "decisions_csv_text",
    "read_decisions_csv",
    "write_decisions_csv",
]

_SURROGATE: Final = re.compile("[\udc80-\udcff]")
"""A byte that was not UTF-8, as ``surrogateescape`` keeps it."""
_RANK: Final = re.compile(r"[0-9]{1,15}")
"""A rank: ASCII digits (``str.isdigit`` also takes ``²``, which ``int`` refuses), and few
enough of them for ``int`` (which refuses 4,300 and more)."""

DECISION_COLUMNS: Final = ("registration_id", "email", "name", "outcome", "rank", "reason")
"""The columns of the decisions CSV, in order."""


@attrs.frozen(kw_only=True)
class DecisionRow:
    """One valid row of a decisions CSV.

    Attributes:
        line: the 1-based line the row starts on (the header is line 1).
        registration_id, email, name, outcome, rank, reason: the row's cells, read
            (the ``repr`` masks the e-mail address).
    """

    line: int
    registration_id: str
    email: str = attrs.field(repr=mask_email)
    name: str
    outcome: Outcome
    rank: int | None
    reason: str


def _rows(value: Iterable[DecisionRow]) -> tuple[DecisionRow, ...]:
    return tuple(value)


def _rejected(value: Iterable[RejectedRow]) -> tuple[RejectedRow, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, init=False)
class DecisionsFile:
    """What :func:`read_decisions_csv` found: the valid rows and every other row, rejected.

    Attributes:
        rows: the valid rows, in the file's order.
        rejected: each row that was not valid (a wrong header included, at line 1), with its
            line, field, value, reason and code: the same
            :class:`~ran_events.intake.RejectedRow` as the applications readers report.
    """

    rows: tuple[DecisionRow, ...] = attrs.field(converter=_rows)
    rejected: tuple[RejectedRow, ...] = attrs.field(converter=_rejected)

    def __init__(
        self,
        *,
        rows: Iterable[DecisionRow],
        rejected: Iterable[RejectedRow] = (),
        problems: Iterable[FileProblem] | None = None,
    ) -> None:
        if problems is not None:  # the keyword of earlier releases
            _deprecation.warn("DecisionsFile(problems=...)", "DecisionsFile(rejected=...)")
            rejected = [*rejected, *map(_as_rejected, problems)]
        self.__attrs_init__(rows=rows, rejected=rejected)

    def __iter__(self) -> Iterator[DecisionRow]:
        return iter(self.rows)

    @property
    def ok(self) -> bool:
        """Whether every row was valid."""
        return not self.rejected

    @property
    def problems(self) -> tuple[FileProblem, ...]:
        """Deprecated: the rejected rows as :class:`~ran_events.errors.FileProblem` (line,
        field, value, message); use :attr:`rejected` (removed in ran_events 0.3)."""
        _deprecation.warn("DecisionsFile.problems", "DecisionsFile.rejected")
        return tuple(
            FileProblem(line=row.line, field=p.field, value=p.value, message=p.reason)
            for row in self.rejected
            for p in row.problems
        )


def _as_rejected(problem: FileProblem) -> RejectedRow:
    return RejectedRow.single(
        problem.line or 0,
        field=problem.field,
        value=problem.value,
        reason=problem.message,
        code="invalid-value",
    )


def decisions_csv_text(result: SelectionResult) -> str:
    """The decisions CSV of ``result`` as text (``\\r\\n`` line ends, as the csv module writes).

    A cell that a spreadsheet would run as a formula is written after an apostrophe (see the
    module's description); :func:`read_decisions_csv` reads it back as it was.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DECISION_COLUMNS)
    registrations = {r.id: r for r in result.registrations}
    for decision in result.decisions:
        registration = registrations[decision.registration_id]
        writer.writerow(
            (
                neutralise(decision.registration_id),
                neutralise(registration.registrant.email),
                neutralise(registration.registrant.name),
                decision.outcome.value,
                "" if decision.rank is None else decision.rank,
                neutralise(decision.sentence),
            )
        )
    return buffer.getvalue()


def write_decisions_csv(result: SelectionResult, target: str | os.PathLike[str] | IO[str]) -> None:
    """Write the decisions of ``result`` as CSV to a path or an open text stream.

    Args:
        result: the selection.
        target: a file path (UTF-8) or a text stream opened with ``newline=""``.
    """
    write_text(decisions_csv_text(result), target)


def read_decisions_csv(source: str | os.PathLike[str] | IO[str]) -> DecisionsFile:
    """Read a decisions CSV, checking every row; never stops at the first bad one.

    The apostrophe that :func:`write_decisions_csv` puts before a cell a spreadsheet would
    run as a formula is taken away (``'=1+1@example.org`` reads as ``=1+1@example.org``).

    Args:
        source: a path or an open text stream.

    Returns:
        The valid rows, and each invalid row as a :class:`~ran_events.intake.RejectedRow`
        (a row that is not UTF-8 or not readable as CSV included), or a single one (line 1,
        code ``header``) for a wrong header.
    """
    # bytes that are not UTF-8 are kept as surrogates, so that only their row is refused
    with open_text(source) as handle:
        return _read(handle)


def _read(handle: IO[str]) -> DecisionsFile:
    # The intake's record reader: a stray quote is reported on its own line and never
    # swallows the rows after it.
    rows: list[DecisionRow] = []
    rejected: list[RejectedRow] = []
    seen: dict[str, int] = {}
    for record in table_records(handle, DECISION_COLUMNS):
        if isinstance(record, RejectedRow):
            rejected.append(record)
            continue
        start, raw = record
        cells = [restore(c) for c in raw]
        problem = _row_problem(cells, start, seen)
        if problem is not None:
            rejected.append(problem)
            continue
        registration_id, email, name, outcome, rank, reason = (c.strip() for c in cells)
        seen[registration_id] = start
        rows.append(
            DecisionRow(
                line=start,
                registration_id=registration_id,
                email=email,
                name=name,
                outcome=Outcome(outcome),
                rank=int(rank) if rank else None,
                reason=reason,
            )
        )
    return DecisionsFile(rows=rows, rejected=rejected)


def _row_problem(cells: list[str], line: int, seen: dict[str, int]) -> RejectedRow | None:
    for column, cell in zip(DECISION_COLUMNS, cells, strict=True):
        if not cell.isascii() and _SURROGATE.search(cell):
            return RejectedRow.single(
                line,
                field=column,
                value=cell.encode("utf-8", "surrogateescape")[:60],
                reason="not UTF-8; expected the file saved as UTF-8",
                code="encoding",
            )
    registration_id, email, _name, outcome, rank, _reason = (c.strip() for c in cells)
    if not registration_id:
        return RejectedRow.single(
            line,
            field="registration_id",
            value=None,
            reason="empty; expected an id",
            code="missing",
        )
    if registration_id in seen:
        return RejectedRow.single(
            line,
            field="registration_id",
            value=registration_id,
            reason=f"repeats line {seen[registration_id]}; expected each id once",
            code="duplicate-id",
        )
    if "@" not in email:
        return RejectedRow.single(
            line,
            field="email",
            value=email,
            reason="expected an e-mail address",
            code="invalid-email",
        )
    if outcome not in {o.value for o in Outcome}:
        return RejectedRow.single(
            line,
            field="outcome",
            value=outcome,
            reason="expected " + ", ".join(o.value for o in Outcome),
            code="invalid-value",
        )
    if rank and (not _RANK.fullmatch(rank) or int(rank) < 1):
        return RejectedRow.single(
            line,
            field="rank",
            value=rank,
            reason="expected a whole number >= 1 or empty",
            code="invalid-value",
        )
    return None
