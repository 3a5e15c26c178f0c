"""Tests of ``ran-events select`` and the demo's selection step."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ran_events.cli import main
from ran_events.examples import synthetic_applicants, webinar
from ran_events.registration import export_csv
from ran_events.selection import read_decisions_csv
from ran_events.serialization import event_to_toml


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    event = tmp_path / "event.toml"
    event.write_text(event_to_toml(webinar()), encoding="utf-8")
    applications = tmp_path / "applications.csv"
    text = export_csv(synthetic_applicants(150, seed=4))
    header, last = next(csv.reader([text.splitlines()[0]])), text.splitlines()[-1]
    row = dict(zip(header, next(csv.reader([last])), strict=True))
    row.update(id="bad", email="bad@example.org", submitted_at="not a date")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([row[h] for h in header])
    text += out.getvalue()
    applications.write_text(text, encoding="utf-8")
    return event, applications


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_select_prints_counts_and_constraints_and_writes_decisions(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    decisions = tmp_path / "decisions.csv"
    status, out, err = run("select", str(event), str(applications), "--out", str(decisions))
    assert status == 0, err
    assert "policy lottery, seed 2023" in out
    assert "selected 30, waitlisted " in out
    assert "role=prison" in out
    assert "organisation (each)" in out
    lines = err.splitlines()
    assert lines[0].startswith(f"{applications}:152: submitted_at")
    assert "1 row(s) not taken in" in lines[-1]
    read = read_decisions_csv(decisions)
    assert read.ok
    assert len(read.rows) == 150
    assert sum(r.outcome == "selected" for r in read.rows) == 30


def test_select_seed_policy_and_explain(files: tuple[Path, Path]) -> None:
    event, applications = files
    _, seeded, _ = run("select", str(event), str(applications), "--seed", "1", "--explain")
    _, default, _ = run("select", str(event), str(applications), "--explain")
    assert "seed 1" in seeded
    assert "waitlisted: position 1" in seeded
    assert seeded.split("Decisions:")[1] != default.split("Decisions:")[1]
    _, first_come, _ = run("select", str(event), str(applications), "--policy", "first-come")
    assert "policy first-come" in first_come


def test_select_reports_unknown_policies_and_infeasible_rules(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    status, _, err = run("select", str(event), str(applications), "--policy", "raffle")
    assert status == 1
    assert "unknown selection policy 'raffle'; known: fair-lottery, first-come, lottery, score" in err
    strict = tmp_path / "strict.toml"
    text = event.read_text(encoding="utf-8").replace("min = 4", "min = 40")
    assert text != event.read_text(encoding="utf-8")
    strict.write_text(text, encoding="utf-8")
    status, _, err = run("select", str(strict), str(applications))
    assert status == 1
    assert "role=prison min 40" in err
    status, _, err = run("select", str(event), str(tmp_path / "missing.csv"))
    assert status == 1
    assert "missing.csv" in err


def test_the_demo_selects_with_quotas(tmp_path: Path) -> None:
    status, out, err = run("demo", "--out", str(tmp_path), "--applicants", "200")
    assert status == 0, err
    section = out.split("== Selection ==")[1]
    assert "role=police" in section
    assert "selected: lottery rank 1" in section
    assert "rejected: role " in section
    assert read_decisions_csv(tmp_path / "decisions.csv").ok
