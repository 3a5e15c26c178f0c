"""Tests of ``ran-events select`` and the demo's selection step."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from pathlib import Path

import pytest

from ran_events import eventfile
from ran_events.cli import main
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import csv_text
from ran_events.selection import read_decisions_csv


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    event = tmp_path / "event.toml"
    event.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    applications = tmp_path / "applications.csv"
    text = csv_text(synthetic_applicants(150, seed=4))
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
    status, out, err = run(
        "select", str(event), str(applications), "--out", str(decisions), "--allow-rejects"
    )
    assert status == 0, err
    assert "policy lottery, seed 2023, decided at 20" in out
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


def test_rejected_rows_stop_the_selection_unless_allowed(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    decisions = tmp_path / "decisions.csv"
    status, out, err = run("select", str(event), str(applications), "--out", str(decisions))
    assert status == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"{applications}:152: submitted_at")
    assert lines[-1] == (
        f"ran-events select: 1 row(s) of {applications} rejected "
        "(use --allow-rejects to accept the rest anyway)"
    )
    assert out == ""
    assert not decisions.exists()


def test_now_sets_the_decision_time_and_must_be_an_instant(files: tuple[Path, Path]) -> None:
    event, applications = files
    argv = ("select", str(event), str(applications), "--allow-rejects", "--now")
    status, out, err = run(*argv, "2023-09-07T10:00+02:00")
    assert status == 0, err
    assert "decided at 2023-09-07T10:00:00+02:00" in out
    status, out, _ = run(*argv, "2023-09-07T08:00Z")
    assert "decided at 2023-09-07T08:00:00+00:00" in out
    status, out, err = run(*argv, "2023-09-07T10:00")
    assert status == 1
    assert out == ""
    assert err == (
        "ran-events select: --now: '2023-09-07T10:00' has no UTC offset, so it is not an "
        "instant; add one, "
        "e.g. 2023-09-07T10:00+02:00 or 2023-09-07T08:00Z\n"
    )
    status, _, err = run(*argv, "next tuesday")
    assert status == 1
    assert err.startswith(
        "ran-events select: --now: 'next tuesday' is not an ISO 8601 date and time"
    )


def test_select_seed_policy_and_explain(files: tuple[Path, Path]) -> None:
    event, applications = files
    argv = ("select", str(event), str(applications), "--allow-rejects")
    status, seeded, _ = run(*argv, "--seed", "1", "--explain")
    assert status == 0
    status, default, _ = run(*argv, "--explain")
    assert status == 0
    assert "seed 1" in seeded
    assert "waitlisted: position 1" in seeded
    assert seeded.split("Decisions:")[1] != default.split("Decisions:")[1]
    status, first_come, _ = run(*argv, "--policy", "first-come")
    assert status == 0
    assert "policy first-come" in first_come
    assert "Decisions:" not in first_come  # no --explain


def test_select_reports_unknown_policies_and_infeasible_rules(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    argv = (str(applications), "--allow-rejects")
    status, _, err = run("select", str(event), *argv, "--policy", "raffle")
    assert status == 1
    known = "known: fair-lottery, first-come, lottery, score"
    assert f"unknown selection policy 'raffle'; {known}" in err
    strict = tmp_path / "strict.toml"
    text = event.read_text(encoding="utf-8").replace("min = 4", "min = 40")
    assert text != event.read_text(encoding="utf-8")
    strict.write_text(text, encoding="utf-8")
    status, _, err = run("select", str(strict), *argv)
    assert status == 1
    assert "role=prison min 40" in err
    status, _, err = run("select", str(event), str(tmp_path / "missing.csv"))
    assert status == 1
    assert "missing.csv" in err


def test_the_fill_parameter_is_read_from_the_event_file(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    text = event.read_text(encoding="utf-8")
    assert "[selection.parameters]" not in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text + '\n[selection.parameters]\nfill = "all"\n', encoding="utf-8")
    status, _, err = run("select", str(bad), str(applications), "--allow-rejects")
    assert status == 1
    assert "selection.parameters.fill" in err
    assert '"most"' in err


def test_the_demo_selects_with_quotas(tmp_path: Path) -> None:
    status, out, err = run("demo", "--out", str(tmp_path), "--applicants", "200")
    assert status == 0, err
    section = out.split("== Selection ==")[1]
    assert "role=police" in section
    assert "selected: lottery rank 1" in section
    assert "rejected: role " in section
    assert read_decisions_csv(tmp_path / "decisions.csv").ok
    invites = out.split("== Invites ==")[1]
    assert "decision e-mails (no calendar) for 3 of " in invites
    decided = sorted((tmp_path / "invites").glob("*-decision.eml"))
    assert len(decided) == 6
    for path in decided:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message.get_content_type() == "text/plain"
        assert b"text/calendar" not in path.read_bytes()


def test_the_record_file_replays_the_decisions(files: tuple[Path, Path], tmp_path: Path) -> None:
    from ran_events.intake import read_csv
    from ran_events.selection import decisions_csv_text, read_record, replay

    event, applications = files
    decisions, record_path = tmp_path / "decisions.csv", tmp_path / "record.json"
    status, out, _ = run(
        "select", str(event), str(applications), "--allow-rejects",
        "--out", str(decisions), "--record", str(record_path),
        "--now", "2023-09-07T10:00+02:00",
    )  # fmt: skip
    assert status == 0
    assert f"wrote the selection record to {record_path}" in out
    record = read_record(record_path)
    taken_in = read_csv(applications, eventfile.load(event)).accepted
    # Years later: the record and the same applications give the same decisions file.
    assert decisions_csv_text(replay(record, taken_in)) == decisions.read_bytes().decode()


# -- the seed: committed while registration is open, revealed after the deadline ------------

SECRET = 5_306_118_276_451_009_127
AFTER = "2023-09-07T10:00+02:00"
BEFORE = "2023-09-01T10:00+02:00"


@pytest.fixture
def committed(files: tuple[Path, Path]) -> tuple[Path, Path]:
    """The event file with only the commitment to ``SECRET``, and the applications."""
    from ran_events.models import seed_commitment

    event, applications = files
    text = event.read_text(encoding="utf-8")
    assert "seed = 2023\n" in text
    event.write_text(
        text.replace("seed = 2023\n", f'seed_sha256 = "{seed_commitment(SECRET)}"\n'),
        encoding="utf-8",
    )
    return event, applications


def test_select_refuses_a_seed_that_does_not_match_the_commitment(
    committed: tuple[Path, Path],
) -> None:
    from ran_events.models import seed_commitment

    event, applications = committed
    argv = ("select", str(event), str(applications), "--allow-rejects", "--now", AFTER)
    status, out, err = run(*argv, "--seed", str(SECRET + 1))
    assert status == 1
    assert out == ""
    assert seed_commitment(SECRET) in err
    assert seed_commitment(SECRET + 1) in err
    status, out, err = run(*argv, "--seed", str(SECRET))
    assert status == 0, err
    assert f"seed {SECRET}" in out


def test_select_without_the_committed_seed_asks_for_it(committed: tuple[Path, Path]) -> None:
    event, applications = committed
    status, _, err = run("select", str(event), str(applications), "--now", AFTER)
    assert status == 1
    assert "--seed N" in err


def test_select_refuses_a_seed_before_the_deadline(committed: tuple[Path, Path]) -> None:
    event, applications = committed
    argv = ("select", str(event), str(applications), "--allow-rejects", "--seed", str(SECRET))
    status, out, err = run(*argv, "--now", BEFORE)
    assert status == 1
    assert "--before-deadline" in err
    assert "registration is open until 2023-09-07T00:00:00+02:00" in err
    status, out, err = run(*argv, "--now", BEFORE, "--before-deadline")
    assert status == 0, err
    assert f"seed {SECRET}" in out


def test_the_record_keeps_seed_and_commitment_and_replays(
    committed: tuple[Path, Path], tmp_path: Path
) -> None:
    from ran_events.examples import webinar as make_webinar
    from ran_events.intake import read_csv
    from ran_events.models import seed_commitment
    from ran_events.selection import read_record, replay

    event, applications = committed
    record_path = tmp_path / "record.json"
    status, _, err = run(
        "select", str(event), str(applications), "--allow-rejects", "--now", AFTER,
        "--seed", str(SECRET), "--record", str(record_path),
    )  # fmt: skip
    assert status == 0, err
    record = read_record(record_path)
    assert record.seed == SECRET
    assert record.rules.seed_sha256 == seed_commitment(SECRET)
    accepted = read_csv(applications, make_webinar()).accepted
    assert len(replay(record, accepted).decisions) == len(accepted)


def test_time_limit_reaches_the_fair_lottery_and_a_stop_is_printed(
    files: tuple[Path, Path], request: pytest.FixtureRequest
) -> None:
    event, applications = files
    argv = ("select", str(event), str(applications), "--policy", "fair-lottery")
    status, out, err = run(*argv, "--allow-rejects")
    assert status == 0, err
    assert "stopped" not in out
    seen = request.getfixturevalue("stopped_fair_lottery")
    status, out, err = run(*argv, "--time-limit", "7.5", "--allow-rejects")
    assert status == 0, err
    assert seen == [7.5]
    assert (
        "  fair lottery: leximin (stopped at the time limit after 2 levels): the smallest "
        "probabilities are those of the levels reached" in out
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--policy", "fair-lottery", "--time-limit", "0"), "--time-limit: 0.0 is not"),
        (("--policy", "fair-lottery", "--time-limit", "inf"), "--time-limit: inf is not"),
        (("--time-limit", "60"), "only the fair-lottery policy takes a time limit"),
    ],
)
def test_a_time_limit_that_cannot_apply_is_misuse(
    files: tuple[Path, Path], extra: tuple[str, ...], message: str
) -> None:
    event, applications = files
    status, out, err = run("select", str(event), str(applications), *extra, "--allow-rejects")
    assert (status, out) == (2, "")
    assert message in err
