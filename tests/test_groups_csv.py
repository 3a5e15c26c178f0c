"""Tests of the groups CSV (ran_events.groups._csv): written atomically, read row by row."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ran_events.groups import (
    ASSIGNMENT_COLUMNS,
    AssignmentRow,
    AssignmentsFile,
    assignments_csv_text,
    read_assignments_csv,
    write_assignments_csv,
)

HEADER = ",".join(ASSIGNMENT_COLUMNS)


def _read(text: str) -> AssignmentsFile:
    return read_assignments_csv(io.StringIO(text, newline=""))


def test_written_rows_read_back_with_their_lines(tmp_path: Path) -> None:
    rows = [
        AssignmentRow(registration_id="r1", group="1", session_id="cases", reason="group 1"),
        AssignmentRow(registration_id="r2", group="2", session_id="cases", reason="a, b"),
    ]
    path = tmp_path / "out" / "groups.csv"
    write_assignments_csv(path, rows)
    found = read_assignments_csv(path)
    assert found.ok
    assert [r.registration_id for r in found] == ["r1", "r2"]
    assert [r.line for r in found.rows] == [2, 3]
    assert found.rows[1].reason == "a, b"
    assert found.rooms() == {"r1": ("cases",), "r2": ("cases",)}
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER


def test_the_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text("old", encoding="utf-8")
    write_assignments_csv(path, [AssignmentRow(registration_id="r1", group="1")])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_assignments_csv(path).rows[0].session_id == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groups.csv"]


def test_a_formula_is_neutralised_in_the_file_and_restored_on_reading() -> None:
    row = AssignmentRow(registration_id="=cmd|x", group="@1", session_id="", reason="-2")
    text = assignments_csv_text([row])
    assert "'=cmd|x" in text
    assert _read(text).rows == (attrs.evolve(row, line=2),)


def test_a_wrong_header_is_one_rejection_at_line_1() -> None:
    found = _read("registration_id,group\nr1,1\n")
    assert not found.ok
    assert found.rows == ()
    assert [(r.line, r.field, r.code) for r in found.rejected] == [(1, "header", "header")]
    assert _read("").rejected[0].code == "header"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ("r1,1,cases\n", "", "cell-count"),
        (",1,cases,x\n", "registration_id", "missing"),
        ("r1, ,cases,x\n", "group", "missing"),
    ],
)
def test_a_bad_row_is_rejected_at_its_line_and_field(body: str, field: str, code: str) -> None:
    found = _read(f"{HEADER}\nr0,1,cases,ok\n{body}r9,2,cases,ok\n")
    assert [r.registration_id for r in found] == ["r0", "r9"]
    assert [(r.line, r.field, r.code) for r in found.rejected] == [(3, field, code)]


def test_a_registration_twice_in_one_group_or_one_session_is_refused() -> None:
    text = f"{HEADER}\nr1,1,cases,x\nr1,1,other,x\nr1,2,cases,x\nr1,slot-2,ws-b,x\n"
    found = _read(text)
    assert [(r.line, r.group) for r in found.rows] == [(2, "1"), (5, "slot-2")]
    assert [(r.line, r.field) for r in found.rejected] == [(3, "group"), (4, "session_id")]
    assert "already in group 1 at line 2" in found.rejected[0].reason
    assert found.rooms() == {"r1": ("cases", "ws-b")}


def test_bytes_that_are_not_utf8_reject_only_their_row(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_bytes(f"{HEADER}\nr1,1,cases,ok\nr2,1,cases,caf\xe9\n".encode("latin-1"))
    found = read_assignments_csv(path)
    assert [r.registration_id for r in found] == ["r1"]
    assert [(r.line, r.field, r.code) for r in found.rejected] == [(3, "reason", "encoding")]


def test_a_stray_quote_is_reported_on_its_line_without_swallowing_the_next() -> None:
    found = _read(f'{HEADER}\nr1,1,cases,"open\nr2,2,cases,ok\n')
    assert "r2" in [r.registration_id for r in found]
    assert [r.line for r in found.rejected] == [2]


def test_blank_lines_are_skipped() -> None:
    assert _read(f"{HEADER}\n\n,,\n,,,\nr1,1,,x\n").rows[0].line == 5


_CELL = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@given(
    st.lists(
        st.tuples(_CELL.filter(lambda s: s.strip() == s and s), _CELL, _CELL, _CELL),
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_any_rows_read_back_as_written(cells: list[tuple[str, str, str, str]]) -> None:
    rows = [
        AssignmentRow(
            registration_id=r, group=f"g{g.strip()}", session_id=s.strip(), reason=x.strip()
        )
        for r, g, s, x in cells
    ]
    found = _read(assignments_csv_text(rows))
    assert [attrs.evolve(r, line=0) for r in found.rows] == rows
    assert [r.line for r in found.rows] == sorted({r.line for r in found.rows})
