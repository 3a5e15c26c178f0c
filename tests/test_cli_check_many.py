"""``ran-events check`` of an event with many sessions: everything printed, nothing read twice."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from ran_events import cli, eventfile

HEAD = """\
id = "many-sessions"
title = "An event with many sessions"
timezone = "Europe/Brussels"
capacity = 30

[organiser]
name = "RAN Practitioners"
email = "ran-practitioners@example.org"

[registration]
opens = "2023-11-01T00:00"
deadline = "2023-12-31"
"""


def event_file(folder: Path, sessions: int) -> Path:
    parts = [HEAD]
    for index in range(sessions):  # eight a day from 2024-01-01, over both DST changes
        day, hour = divmod(index, 8)
        begin = dt.datetime(2024, 1, 1, 9 + hour) + dt.timedelta(days=day)
        end = begin + dt.timedelta(minutes=50)
        kind = "plenary" if index % 2 == 0 else "breakout"
        parts.append(
            f'\n[[sessions]]\nid = "s{index}"\ntitle = "Session {index}"\nkind = "{kind}"\n'
            f'start = "{begin:%Y-%m-%dT%H:%M}"\nend = "{end:%Y-%m-%dT%H:%M}"\n'
        )
    path = folder / "many.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def check(path: Path) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(["check", str(path)], stdout=out, stderr=err)
    assert err.getvalue() == ""
    return status, out.getvalue().splitlines()


def test_check_prints_every_session_of_a_long_programme(tmp_path: Path) -> None:
    sessions = 1_201  # printed in blocks of 1,000 sessions: a full block and a partial one
    status, lines = check(event_file(tmp_path, sessions))
    assert status == 0
    session_lines = [line for line in lines if line.startswith(("  plenary", "  breakout"))]
    assert len(session_lines) == sessions
    assert session_lines[-1] == "  plenary 's1200': Session 1200"
    position = lines.index("  plenary 's1200': Session 1200")
    assert lines[position + 1 : position + 3] == [
        "    Europe/Brussels  Thu 30 May 2024, 09:00\u201309:50 CEST",
        "    UTC              Thu 30 May 2024, 07:00\u201307:50 UTC",
    ]
    assert lines[-1].endswith("many.toml: valid")
    assert len(lines) == 2 + 3 * sessions + 3 + 1


def test_check_of_a_valid_file_does_not_scan_it_again_for_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Line numbers are for problems; a valid file of 100,000 sessions paid a second reading.
    def refuse(text: str) -> dict[str, int]:
        raise AssertionError("the text was scanned for line numbers")

    path = event_file(tmp_path, 3)
    monkeypatch.setattr(eventfile, "_toml_lines", refuse)
    status, lines = check(path)
    assert status == 0
    assert lines[-1].endswith("many.toml: valid")
