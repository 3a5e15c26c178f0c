"""Applications as CSV, and the one CSV line reader of the library.

:class:`Records` reads a CSV text one record at a time, each with the line it starts on,
and reports a stray quote on its own line instead of letting it swallow the rows after it.
It is the reader of every CSV file the library takes in: applications here, decisions in
:mod:`ran_events.selection` (semi-public: other layers of the library use it; its rows are
reported as :class:`~ran_events.intake.RowProblem`). :func:`open_text` opens a file the way
every reader does.

The applications layout (:data:`~ran_events.intake.CSV_COLUMNS`, then answers, then
attributes) is read by :func:`ran_events.intake.read_csv` (through :func:`take_in`) and
written by :func:`csv_text` / :func:`write_csv`.
"""

from __future__ import annotations

import contextlib
import csv
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final, TypeAlias

from .. import _deprecation
from .._spreadsheet import neutralise
from ..errors import InvalidValue
from ..models import Answer, Question, Registration
from .report import ImportReport, RejectedRow, RowProblem
from .rows import (
    _REQUIRED,
    _SURROGATE,
    CONSENT_COLUMNS,
    CSV_COLUMNS,
    _encoding_problem,
    _Intake,
)

__all__ = [
    "Record",
    "Records",
    "Source",
    "TableRecord",
    "csv_text",
    "open_text",
    "table_records",
    "write_csv",
]

Source: TypeAlias = "str | os.PathLike[str] | IO[str]"
"""What a reader reads: a path, or an open text stream (opened with ``newline=""``)."""


@contextlib.contextmanager
def open_text(source: Source) -> Iterator[IO[str]]:
    """Open a path as UTF-8 (with or without BOM; bytes that are not UTF-8 kept as
    surrogates so that only their row is rejected) or use a text stream as given."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            yield handle
    else:
        yield source


Record: TypeAlias = tuple[int, list[str], "RowProblem | None"]
"""A CSV record: the line it starts on, its cells, and why it cannot be read (or ``None``)."""

TableRecord: TypeAlias = "tuple[int, list[str]] | RejectedRow"
"""What :func:`table_records` yields: a record to check (line, cells), or one refused."""


_LINE_ENDS: Final = ("\n", "\r")


def _left_open(text: str) -> bool:
    """Whether ``text``, the last line of a file, leaves a quoted field open."""
    reader = csv.reader((text, "\n"))
    with contextlib.suppress(csv.Error):  # a cell over the field size limit is not open
        next(reader, None)
    return reader.line_num > 1


class Records:
    """The records of a CSV text, each with the line it starts on, holding one record at a time.

    A quoted field may hold a line break, so a record can run over several lines. A record
    that does so but does not have :attr:`width` cells (or is cut off by the csv module's
    field size limit) is a stray quote, not a line break: an opening quote with no closing
    one would otherwise swallow every line up to the next quote in the file, or the rest of
    the file. Its first line (where the quoted field began) is reported as unreadable and
    the lines after it are read again as records of their own. So no line is lost, and
    unless a quoted line break is legitimately open each line is one record.
    """

    def __init__(self, handle: Iterable[str]) -> None:
        self.width: int | None = None  # None: any record over several lines is refused
        self._source = iter(handle)
        self._again: list[str] = []  # lines to read again, the next one last
        self._kept: list[str] = []  # the lines of the record being read

    def _lines(self) -> Iterator[str]:
        again, kept = self._again, self._kept
        while again:
            text = again.pop()
            kept.append(text)
            yield text
        for text in self._source:
            kept.append(text)
            yield text

    def __iter__(self) -> Iterator[Record]:
        reader = csv.reader(self._lines())
        kept = self._kept
        line = 0  # the last line read
        while True:
            kept.clear()
            error: csv.Error | None = None
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                cells, error = [], exc
            start = line + 1
            line += len(kept)
            if (
                len(kept) > 1
                and (error is not None or len(cells) != self.width or self._holds_a_row())
            ) or (
                error is None
                and (len(cells) != self.width or cells[-1][-1:] in _LINE_ENDS)
                and _left_open(kept[0])
            ):
                yield start, cells, self._stray_quote(start, len(cells), error)
                self._again.extend(reversed(kept[1:]))
                line = start
                reader = csv.reader(self._lines())
            elif error is not None:
                problem = RowProblem(
                    field="", value=None, reason=f"unreadable CSV: {error}", code="unreadable"
                )
                yield start, cells, problem
            else:
                yield start, cells, None

    def _holds_a_row(self) -> bool:
        """Whether a line after the first of the record is a whole row by itself (the
        quote opened on the first line was closed by the opening quote of a later row).

        The line that closes a legitimate quoted line break has an odd number of quotes (the
        closing one; quotes inside a quoted field are doubled); a whole row has an even one.
        """
        for text in self._kept[1:]:
            if text.count('"') % 2:
                continue
            try:
                cells = next(csv.reader((text,), strict=True), [])
            except csv.Error:  # the line leaves a quoted field open, or closes one
                continue
            if len(cells) == self.width:
                return True
        return False

    def _stray_quote(self, line: int, cells: int, error: csv.Error | None) -> RowProblem:
        kept = self._kept
        end = line + len(kept) - 1
        if error is not None:
            found = f"the csv module stopped at line {end}: {error}"
        elif cells == self.width:
            found = f"read that way, the row would swallow the rows up to line {end}"
        else:
            found = f"read that way, the row would run to line {end} and have {cells} cells"
            if self.width is not None:
                found += f"; the header has {self.width}"
        return RowProblem(
            field="",
            value=kept[0].rstrip("\r\n")[:80],
            reason=f"unbalanced quote: a quoted field begins on line {line} and is not closed "
            f"on it ({found}); the lines after it are read as rows of their own",
            code="unbalanced-quote",
        )


def table_records(handle: IO[str], columns: Sequence[str]) -> Iterator[TableRecord]:
    """The records of a CSV file with the fixed header ``columns``, for its reader to check.

    Yields each record that is not blank as ``(line, cells)`` with exactly
    ``len(columns)`` cells, and each record that cannot be a row as a
    :class:`~ran_events.intake.RejectedRow`: unreadable (a stray quote included, code
    ``unreadable`` or ``unbalanced-quote``), the wrong number of cells (code
    ``cell-count``), or a wrong header (line 1, code ``header``; nothing follows it).
    """
    records = Records(handle)
    lines = iter(records)
    first = next(lines, None)
    header = first[1] if first is not None and first[2] is None else None
    if header is None or tuple(h.strip() for h in header) != tuple(columns):
        yield RejectedRow.single(
            1,
            field="header",
            value=header,
            reason=f"expected the columns {', '.join(columns)}",
            code="header",
        )
        return
    records.width = len(columns)
    for start, cells, unreadable in lines:
        if unreadable is not None:
            yield RejectedRow(line=start, problems=(unreadable,))
        elif len(cells) != len(columns):
            if any(c.strip() for c in cells):
                yield RejectedRow.single(
                    start,
                    field="",
                    value=len(cells),
                    reason=f"{len(cells)} cells; expected {len(columns)}",
                    code="cell-count",
                )
        elif any(c.strip() for c in cells):
            yield start, cells


# ------------------------------------------------------------------------------------------
# Applications


def take_in(intake: _Intake, source: Source, source_name: str | None) -> ImportReport:
    """Read an applications CSV row by row into ``intake``.

    See :func:`ran_events.intake.read_csv`.
    """
    with open_text(source) as handle:
        records = Records(handle)
        rows = iter(records)
        header = _read_header(rows, source_name)
        columns = _Columns(header, intake.questions)
        width = records.width = len(header)
        for start, cells, unreadable in rows:
            if unreadable is None and (not cells or (len(cells) == 1 and not cells[0].strip())):
                continue  # a blank line is not a row
            problem = unreadable or _undecodable(header, cells)
            if problem is None and len(cells) != width:
                problem = RowProblem(
                    field="",
                    value=len(cells),
                    reason=f"the row has {len(cells)} cells; the header has {width}",
                    code="cell-count",
                )
            if problem is not None:
                intake.unread(start, [problem])
                continue
            cells.append(None)  # type: ignore[arg-type] # the value of an absent column
            intake.cells(start, *columns.standard(cells), *columns.split(cells))
    return intake.report()


def _undecodable(header: Sequence[str], cells: Sequence[str]) -> RowProblem | None:
    joined = "".join(cells)
    if joined.isascii() or not _SURROGATE.search(joined):
        return None
    for position, cell in enumerate(cells):
        if not cell.isascii() and _SURROGATE.search(cell):
            field = header[position] if position < len(header) else ""
            return _encoding_problem(field, cell)
    return None


_Standard: TypeAlias = tuple[
    str | None, str | None, str | None, str | None, str | None, str | None, str | None
]
"""The values of :data:`~ran_events.intake.CSV_COLUMNS` in a row (``None``: no such column)."""


class _Columns:
    """Where each column of a CSV header goes: a standard field, an answer, an attribute."""

    def __init__(self, header: Sequence[str], questions: Mapping[str, Question]) -> None:
        # The cells of CSV_COLUMNS, in that order, from a row with None appended (for a
        # column the header lacks).
        self.standard: Callable[[Sequence[str | None]], _Standard] = operator.itemgetter(
            *(header.index(name) if name in header else len(header) for name in CSV_COLUMNS)
        )
        self.answers = [
            (i, name)
            for i, name in enumerate(header)
            if name in questions and name not in CSV_COLUMNS
        ]
        self.attributes = [
            (i, name)
            for i, name in enumerate(header)
            if name not in questions and name not in CSV_COLUMNS
        ]

    def split(self, cells: Sequence[str]) -> tuple[dict[str, object], dict[str, object]]:
        """The answers and the attributes of a row."""
        return (
            {name: cells[i] for i, name in self.answers},
            {name: cells[i] for i, name in self.attributes},
        )


def _read_header(records: Iterator[Record], source_name: str | None) -> list[str]:
    where = source_name or "the applications"
    for line, cells, problem in records:
        if problem is not None:
            raise InvalidValue(
                "header", f"line {line}", f"a readable header row ({problem.reason})"
            )
        if not cells or not any(c.strip() for c in cells):
            continue
        header = [c.strip() for c in cells]
        header[0] = header[0].lstrip("\ufeff")
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise InvalidValue(
                "header",
                ",".join(header),
                f"a header row with the columns {', '.join(_REQUIRED)} "
                f"(missing: {', '.join(missing)})",
            )
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated or "" in header:
            raise InvalidValue(
                "header",
                ",".join(header),
                f"each column named once (repeated or empty: {repeated or ['']})",
            )
        return header
    raise InvalidValue("header", "", f"a header row in {where}; the file is empty")


def _answer_text(value: Answer) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


class _LineFeedRows:
    """A file for :func:`csv.writer` that ends rows with LF.

    The writer is made with CRLF row ends so that it quotes a cell holding a lone carriage
    return (with ``lineterminator="\\n"`` it would not, and the reader would split the row
    there); each row it writes, in one call, gets its CRLF replaced by an LF.
    """

    def __init__(self) -> None:
        self.rows: list[str] = []

    def write(self, row: str) -> None:
        self.rows.append(row[:-2] + "\n")


def _consent_cells(registration: Registration) -> tuple[str, str]:
    consent = registration.consent
    return ("yes", consent.at.isoformat()) if consent else ("", "")


def csv_text(
    registrations: Iterable[Registration],
    *,
    questions: Sequence[str] = (),
    neutralise_formulas: bool = False,
) -> str:
    """Return the registrations as an applications CSV that
    :func:`~ran_events.intake.read_csv` reads back.

    Columns: :data:`~ran_events.intake.CSV_COLUMNS`, then the answers (``questions`` first,
    in that order, then any other answered question in first-seen order), then the
    attributes, then (only when a registration holds consent)
    :data:`~ran_events.intake.CONSENT_COLUMNS`. Several choices are joined by ``;``, yes/no
    as ``yes``/``no``. Status and history are not part of the CSV layout: use
    :func:`~ran_events.intake.write_json` for a lossless copy.

    This is an exchange format: every value is written exactly as held, a cell starting
    with ``=``, ``+``, ``-`` or ``@`` included, which a spreadsheet would run as a formula.
    For a file meant to be opened in a spreadsheet, pass ``neutralise_formulas=True``.

    Args:
        registrations: the registrations, in the order of the rows.
        questions: answer columns to write first (even when nobody answered them).
        neutralise_formulas: put an apostrophe before every cell that a spreadsheet would
            run as a formula (OWASP's rule for CSV injection). The file is then for people:
            :func:`~ran_events.intake.read_csv` would read the apostrophes as part of the
            values.

    Returns:
        The CSV text, with LF (newline) line ends (a line break inside a value is quoted).
    """
    rows = list(registrations)
    answer_columns = list(dict.fromkeys([*questions, *(k for r in rows for k in r.answers)]))
    attribute_columns = list(dict.fromkeys(k for r in rows for k in r.registrant.attributes))
    out = _LineFeedRows()
    writer = csv.writer(out, lineterminator="\r\n")
    consent_columns = CONSENT_COLUMNS if any(r.consent for r in rows) else ()
    header = [*CSV_COLUMNS, *answer_columns, *attribute_columns, *consent_columns]
    writer.writerow([neutralise(c) for c in header] if neutralise_formulas else header)
    for r in rows:
        person = r.registrant
        cells = [
            r.id,
            person.email,
            person.name,
            r.submitted_at.isoformat(),
            person.organisation,
            person.country,
            person.role,
            *(_answer_text(r.answers[q]) if q in r.answers else "" for q in answer_columns),
            *(person.attributes.get(a, "") for a in attribute_columns),
            *(_consent_cells(r) if consent_columns else ()),
        ]
        writer.writerow([neutralise(c) for c in cells] if neutralise_formulas else cells)
    return "".join(out.rows)


def write_csv(
    registrations: Iterable[Registration],
    target: str | os.PathLike[str] | IO[str],
    *,
    questions: Sequence[str] = (),
    neutralise_formulas: bool = False,
) -> None:
    """Write :func:`csv_text` of the registrations to a path (UTF-8) or an open text stream.

    Args:
        registrations: the registrations, in the order of the rows.
        target: a file path, or a text stream opened with ``newline=""``.
        questions: as for :func:`csv_text`.
        neutralise_formulas: as for :func:`csv_text`.
    """
    write_text(
        csv_text(registrations, questions=questions, neutralise_formulas=neutralise_formulas),
        target,
    )


def write_text(text: str, target: str | os.PathLike[str] | IO[str]) -> None:
    """Write ``text`` to a path (UTF-8, line ends as given) or to an open text stream."""
    if isinstance(target, str | os.PathLike):
        with Path(target).open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        target.write(text)


export_csv = _deprecation.renamed(csv_text, "ran_events.export_csv", "ran_events.intake.csv_text")
