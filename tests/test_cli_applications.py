"""``ran-events applications`` and its demo step."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ran_events import eventfile
from ran_events._commands._base import Console, DemoState
from ran_events._commands.applications import demo
from ran_events.cli import COMMANDS, DEMO_STEPS, main
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import csv_text, read_csv


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    return path


@pytest.fixture
def pool_file(tmp_path: Path) -> Path:
    path = tmp_path / "applications.csv"
    path.write_text(csv_text(synthetic_applicants(60, seed=4)), encoding="utf-8")
    return path


def with_bad_rows(pool_file: Path) -> Path:
    lines = pool_file.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    late = [*first]
    late[0], late[1], late[3] = "late", "late@example.org", "2023-09-07T08:00:00+02:00"
    duplicate = [*first]
    duplicate[0] = "dup"
    lines += [",".join(late), ",".join(duplicate)]
    pool_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pool_file


def test_registered_in_the_cli() -> None:
    assert "applications" in COMMANDS
    assert DEMO_STEPS.index("applications") < DEMO_STEPS.index("select")


def test_summary_of_a_clean_file(event_file: Path, pool_file: Path) -> None:
    status, out, err = run("applications", str(event_file), str(pool_file))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Applications to ran-mh-pcve-2023: 60 row(s), 60 accepted, 0 rejected"
    assert lines[1].startswith("  by role: ")
    assert lines[2].startswith("  by country: ")
    assert lines[3] == "  by status: submitted 60"
    roles = {
        part.rsplit(" ", 1)[0]: int(part.rsplit(" ", 1)[1])
        for part in lines[1].removeprefix("  by role: ").split(", ")
    }
    assert sum(roles.values()) == 60


def test_rejected_rows_are_listed_and_fail_the_command(event_file: Path, pool_file: Path) -> None:
    path = with_bad_rows(pool_file)
    status, out, err = run("applications", str(event_file), str(path))
    assert status == 1
    assert "62 row(s), 60 accepted, 2 rejected" in out
    problems = err.splitlines()
    assert problems[0].startswith(f"{path}:62: submitted_at: registration closed: ")
    assert problems[0].endswith("after the deadline, end of Wed 6 Sep 2023 (Europe/Brussels)")
    assert problems[1].startswith(f"{path}:63: email: a duplicate of line 2")
    assert "2 row(s)" in problems[2]
    assert "--allow-rejects" in problems[2]
    status, _out, err = run("applications", "--allow-rejects", str(event_file), str(path))
    assert status == 0
    assert len(err.splitlines()) == 2


def test_keep_latest_is_not_an_error(event_file: Path, pool_file: Path) -> None:
    lines = pool_file.read_text(encoding="utf-8").splitlines()
    again = lines[1].split(",")
    again[0], again[3] = "again", "2023-09-06T23:00:00+02:00"
    pool_file.write_text("\n".join([*lines, ",".join(again)]) + "\n", encoding="utf-8")
    status, out, err = run("applications", "--keep-latest", str(event_file), str(pool_file))
    assert status == 0
    assert "61 row(s), 60 accepted, 1 rejected (1 superseded by a later application)" in out
    assert f"{pool_file}:2: email: superseded" in err


def test_zone_for_times_without_offset(event_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text(
        "email,name,submitted_at,motivation,experience,casework,gender\n"
        "a@example.org,Anna,2023-08-20T10:00,x,3,yes,female\n",
        encoding="utf-8",
    )
    status, _out, err = run("applications", str(event_file), str(path))
    assert status == 1
    assert "no UTC offset" in err
    status, out, _err = run(
        "applications", "--zone", "Europe/Brussels", str(event_file), str(path)
    )
    assert status == 0
    assert "1 accepted" in out
    status, _out, err = run("applications", "--zone", "Mars/Olympus", str(event_file), str(path))
    assert status == 1
    assert "unknown time zone 'Mars/Olympus'" in err


def test_json_lines_by_suffix(event_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "applications.jsonl"
    path.write_text(
        '{"email": "a@example.org", "name": "Anna", "submitted_at": "2023-08-20T10:00:00Z",'
        ' "answers": {"motivation": "x", "experience": 2, "casework": true, "gender": "male"}}\n',
        encoding="utf-8",
    )
    status, out, _err = run("applications", str(event_file), str(path))
    assert status == 0
    assert "1 row(s), 1 accepted" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,email\nAnna,a@example.org\n", ":1: header: 'name,email' is not valid"),
        ("", "the file is empty"),
    ],
)
def test_bad_header_is_an_input_error(
    content: str, message: str, event_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    status, out, err = run("applications", str(event_file), str(path))
    assert status == 1
    assert out == ""
    assert message in err
    assert str(path) in err


def test_missing_files(event_file: Path, tmp_path: Path) -> None:
    status, _out, err = run("applications", str(event_file), str(tmp_path / "none.csv"))
    assert status == 1
    assert "cannot read the applications" in err
    status, _out, err = run("applications", str(tmp_path / "none.toml"), str(event_file))
    assert status == 1
    assert "cannot read the event file" in err


def test_misuse_exits_2() -> None:
    assert run("applications")[0] == 2


def test_demo_step_writes_the_pool_and_hands_it_on(tmp_path: Path) -> None:
    state = DemoState(event=webinar(), out_dir=tmp_path, applicants=50, seed=7)
    out, err = io.StringIO(), io.StringIO()

    demo(state, Console(stdout=out, stderr=err))
    path = tmp_path / "applications.csv"
    assert path.exists()
    assert not list(tmp_path.glob(".*.tmp"))
    assert state.registrations == synthetic_applicants(50, seed=7)
    assert list(read_csv(path, state.event).accepted) == state.registrations
    assert "50 row(s), 50 accepted, 0 rejected" in out.getvalue()
    assert err.getvalue() == ""
