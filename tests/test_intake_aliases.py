"""Old names of the intake (ran_events.registration, import_*, export_*) warn and do as before."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

import ran_events
from ran_events import intake
from ran_events.errors import FileProblem
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import ImportReport, RegistrationBook
from ran_events.models import Registration
from ran_events.selection import DecisionsFile, read_decisions_csv

EVENT = webinar()
POOL = synthetic_applicants(5, seed=3, event=EVENT)
CSV = intake.csv_text(POOL)
JSONL = intake.jsonl_text(POOL)


def warns(new: str) -> Any:
    return pytest.warns(DeprecationWarning, match=rf"deprecated.*use {new.replace('.', '[.]')}")


def test_import_csv_is_read_csv() -> None:
    with warns("ran_events.intake.read_csv"):
        report = ran_events.import_csv(io.StringIO(CSV), EVENT)
    assert report == intake.read_csv(io.StringIO(CSV), EVENT)
    assert list(report.accepted) == POOL


def test_import_jsonl_is_read_jsonl() -> None:
    with warns("ran_events.intake.read_jsonl"):
        report = intake.import_jsonl(io.StringIO(JSONL), EVENT, on_duplicate="replace")
    assert list(report.accepted) == POOL


def test_export_csv_is_csv_text() -> None:
    with warns("ran_events.intake.csv_text"):
        text = ran_events.export_csv(POOL, neutralise_formulas=True)
    assert text == intake.csv_text(POOL, neutralise_formulas=True)


def test_export_json_is_json_text() -> None:
    with warns("ran_events.intake.json_text"):
        text = ran_events.export_json(POOL, indent=None)
    assert text == intake.json_text(POOL, indent=None)


def test_import_json_still_takes_text_and_returns_a_list() -> None:
    text = intake.json_text(POOL)
    with warns("ran_events.intake.read_json"):
        found = ran_events.import_json(text)
    assert isinstance(found, list)
    assert found == POOL
    with warns("ran_events.intake.read_json"):
        assert intake.import_json(text.encode()) == POOL


def test_the_books_old_readers() -> None:
    book = RegistrationBook(event=EVENT)
    with warns("RegistrationBook.read_csv"):
        report = book.import_csv(io.StringIO(CSV), source_name="a.csv")
    assert list(report.accepted) == POOL
    again = RegistrationBook(event=EVENT, on_duplicate="replace")
    with warns("RegistrationBook.read_jsonl"):
        assert list(again.import_jsonl(io.StringIO(JSONL)).accepted) == POOL


@pytest.mark.parametrize(
    "name",
    [
        "CSV_COLUMNS",
        "ImportReport",
        "OnDuplicate",
        "RegistrationBook",
        "RejectedRow",
        "RowProblem",
        "pseudonymise",
        "registration_id",
        "import_csv",
        "import_jsonl",
    ],
)
def test_the_old_module_gives_the_same_object(name: str) -> None:
    from ran_events import registration

    new = {"import_csv": "read_csv", "import_jsonl": "read_jsonl"}.get(name, name)
    with warns(f"ran_events.intake.{new}"):
        value = getattr(registration, name)
    assert value is getattr(intake, new)


def test_the_old_module_keeps_the_old_exports() -> None:
    from ran_events import registration as module

    registration: Any = module  # its names are reached through __getattr__

    with warns("ran_events.intake.csv_text"):
        assert registration.export_csv(POOL) == CSV
    with warns("ran_events.intake.json_text"):
        text = registration.export_json(POOL)
    with warns("ran_events.intake.read_json"):
        found = registration.import_json(text)
    assert found == POOL
    assert isinstance(found, list)
    with pytest.raises(AttributeError, match="has no attribute '_Records'"):
        registration._Records  # noqa: B018


def test_decisions_problems_are_the_rejected_rows_as_file_problems() -> None:
    text = "registration_id,email,name,outcome,rank,reason\nr1,nobody,A,selected,1,ok\n"
    read = read_decisions_csv(io.StringIO(text))
    with pytest.warns(DeprecationWarning, match="use DecisionsFile.rejected"):
        (problem,) = read.problems
    assert isinstance(problem, FileProblem)
    assert (problem.line, problem.field, problem.value) == (2, "email", "nobody")
    assert problem.message == "expected an e-mail address"
    assert not read.ok


def test_read_json_reports_what_the_old_reader_returned() -> None:
    report = intake.read_json(io.StringIO(intake.json_text(POOL)))
    assert isinstance(report, ImportReport)
    assert report.accepted == tuple(POOL)
    assert (report.rows, report.rejected) == (len(POOL), ())
    assert all(isinstance(r, Registration) for r in report.accepted)
    assert json.loads(intake.json_text(POOL))["schema_version"] == 1


def test_a_decisions_file_made_with_problems_holds_them_as_rejected_rows() -> None:
    problem = FileProblem(line=3, field="rank", value="x", message="expected a whole number")
    with pytest.warns(DeprecationWarning, match=r"use DecisionsFile\(rejected=\.\.\.\)"):
        made = DecisionsFile(rows=(), problems=[problem])
    (row,) = made.rejected
    assert (row.line, row.field, row.value, row.reason) == (
        3,
        "rank",
        "x",
        "rank: expected a whole number",
    )
    assert not made.ok
    assert DecisionsFile(rows=()).ok
