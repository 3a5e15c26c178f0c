"""Tests of what the commands write and print: names, refusals, modes, the terminal, pipes."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ran_events import eventfile, examples
from ran_events.cli import BROKEN_PIPE, main
from ran_events.ics import filename_part


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    path.write_text(eventfile.dumps(examples.webinar()), encoding="utf-8")
    return path


def decisions(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "decisions.csv"
    lines = ["registration_id,email,name,outcome,rank,reason", *rows]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- names that stay apart --------------------------------------------------------------------


def test_ids_that_sanitise_alike_get_their_own_invites(event_file: Path, tmp_path: Path) -> None:
    table = decisions(
        tmp_path,
        "a/b,ann@example.org,Ann,selected,1,x",
        "a_b,bob@example.org,Bob,selected,2,x",
        "a:b,cy@example.org,Cy,rejected,,x",
    )
    out = tmp_path / "invites"
    status, _, err = run("invites", str(event_file), str(table), "--out", str(out), "--eml")
    assert status == 0, err
    names = files_in(out)
    assert len(names) == 2 * 2 * 2 + 1  # two people, two sessions, .ics and .eml; one decision
    texts = [(out / n).read_text().replace("\r\n ", "") for n in names if n.endswith(".ics")]
    assert sum("mailto:ann@example.org" in text for text in texts) == 2
    assert sum("mailto:bob@example.org" in text for text in texts) == 2


def test_a_dash_in_a_session_id_cannot_join_two_names() -> None:
    assert f"r1-{filename_part('x-plenary', dash=False)}" != f"r1-x-{'plenary'}"
    assert filename_part("a/b") != filename_part("a_b") == "a_b"
    assert filename_part(".hidden") != ".hidden"


def test_a_very_long_id_gets_a_short_name(event_file: Path, tmp_path: Path) -> None:
    long_id = "r" * 300
    table = decisions(tmp_path, f"{long_id},ann@example.org,Ann,selected,1,x")
    out = tmp_path / "invites"
    status, _, err = run("invites", str(event_file), str(table), "--out", str(out))
    assert status == 0, err
    assert all(len(name) < 100 for name in files_in(out))
    assert len(files_in(out)) == 2


# -- outputs checked before anything is written -----------------------------------------------


def test_invites_into_a_file_is_misuse(event_file: Path, tmp_path: Path) -> None:
    table = decisions(tmp_path, "r1,ann@example.org,Ann,selected,1,x")
    status, _, err = run("invites", str(event_file), str(table), "--out", str(event_file))
    assert status == 2
    assert f"--out: {event_file} is a file, not a folder" in err
    assert "Traceback" not in err


def test_ics_into_a_folder_is_misuse(event_file: Path, tmp_path: Path) -> None:
    status, _, err = run("ics", str(event_file), "-o", str(tmp_path))
    assert status == 2
    assert "is a folder; name a file" in err


def test_a_plot_under_a_file_is_misuse_before_the_work(event_file: Path, tmp_path: Path) -> None:
    target = event_file / "x.png"
    status, out, err = run(
        "simulate", str(event_file), str(tmp_path / "none.csv"), "--runs", "1",
        "--plot", str(target),
    )  # fmt: skip
    assert status == 2
    assert out == ""
    assert f"--plot: {event_file} is a file, not a folder" in err


def test_an_output_name_too_long_is_misuse(event_file: Path, tmp_path: Path) -> None:
    status, _, err = run("ics", str(event_file), "-o", str(tmp_path / ("x" * 300 + ".ics")))
    assert status == 2
    assert "longer than 255 octets" in err


def test_select_out_and_record_cannot_be_one_file(tmp_path: Path, event_file: Path) -> None:
    same = str(tmp_path / "same.json")
    status, _, err = run(
        "select", str(event_file), str(tmp_path / "a.csv"), "--out", same, "--record", same
    )
    assert status == 2
    assert "two outputs would have this name" in err


# -- existing files: refused unless --force ---------------------------------------------------


def test_existing_outputs_are_refused_unless_force(event_file: Path, tmp_path: Path) -> None:
    table = decisions(tmp_path, "r1,ann@example.org,Ann,selected,1,x")
    out = tmp_path / "invites"
    argv = ("invites", str(event_file), str(table), "--out", str(out), "--now")
    assert run(*argv, "2023-09-07T10:00+02:00")[0] == 0
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    status, _, err = run(*argv, "2023-09-08T10:00+02:00")
    assert status == 2
    assert "other file(s) exist already; use --force" in err
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before
    status, _, err = run(*argv, "2023-09-08T10:00+02:00", "--force")
    assert status == 0, err
    assert {name: (out / name).read_bytes() for name in files_in(out)} != before


def test_ics_refuses_to_replace_the_listing_unless_force(event_file: Path) -> None:
    listing = event_file.with_suffix(".ics")
    listing.write_text("mine", encoding="utf-8")
    status, _, err = run("ics", str(event_file))
    assert status == 2
    assert f"{listing} exists already; use --force" in err
    assert listing.read_text(encoding="utf-8") == "mine"
    assert run("ics", str(event_file), "--force")[0] == 0
    assert listing.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_leftover_temporaries_are_cleared_at_the_next_run(event_file: Path) -> None:
    folder = event_file.parent
    stale = folder / ".event.ics.k3x9_a0q.tmp"
    stale.write_text("half", encoding="utf-8")
    other = folder / ".notes.txt.k3x9_a0q.tmp"  # not a temporary of this run's outputs
    other.write_text("keep", encoding="utf-8")
    assert run("ics", str(event_file))[0] == 0
    assert not stale.exists()
    assert other.exists()


def test_the_demo_runs_twice_in_its_folder_but_not_into_a_foreign_one(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    argv = ("demo", "--applicants", "40", "--out", str(out))
    assert run(*argv)[0] == 0
    first = {p: p.read_bytes() for p in out.rglob("*.[ct][sov]*")}  # .csv .toml .ics
    names = sorted(out.rglob("*"))
    (out / "invites" / ".x-plenary.ics.abcdefgh.tmp").write_text("half", encoding="utf-8")
    status, _, err = run(*argv)
    assert status == 0, err
    assert {p: p.read_bytes() for p in out.rglob("*.[ct][sov]*")} == first
    assert sorted(out.rglob("*")) == names
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("years of work", encoding="utf-8")
    status, _, err = run("demo", "--applicants", "40", "--out", str(foreign))
    assert status == 2
    assert "not written by ran-events demo" in err
    assert files_in(foreign) == ["thesis.txt"]
    status, _, err = run("demo", "--applicants", "40", "--out", str(foreign), "--force")
    assert status == 0, err
    assert (foreign / "thesis.txt").read_text(encoding="utf-8") == "years of work"


# -- file modes -------------------------------------------------------------------------------


def test_listings_follow_the_umask_and_personal_data_is_private(
    event_file: Path, tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        assert run("ics", str(event_file))[0] == 0
        table = decisions(tmp_path, "r1,ann@example.org,Ann,selected,1,x")
        out = tmp_path / "invites"
        assert run("invites", str(event_file), str(table), "--out", str(out))[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(event_file.with_suffix(".ics").stat().st_mode) == 0o644
    assert {stat.S_IMODE((out / n).stat().st_mode) for n in files_in(out)} == {0o600}


# -- the terminal and the pipe ----------------------------------------------------------------


def test_a_role_with_control_characters_is_escaped_by_applications(
    event_file: Path, tmp_path: Path
) -> None:
    import csv

    from ran_events.intake import csv_text

    rows = list(csv.DictReader(io.StringIO(csv_text(examples.synthetic_applicants(3, seed=1)))))
    rows[0]["role"] = "\x1b]0;x\x07\x1b[2J"
    rows[1]["role"] = "\u202eevil"
    path = tmp_path / "apps.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    status, out, err = run("applications", str(event_file), str(path), "--allow-rejects")
    assert status == 0, err
    assert "\x1b" not in out + err
    assert "\u202e" not in out
    assert "\\x1b]0;x\\x07\\x1b[2J 1" in out
    assert "\\u202eevil 1" in out


def test_a_closed_pipe_ends_the_command_quietly(event_file: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ran_events", "demo", "--applicants", "40", "--out",
         str(event_file.parent / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=300)
    assert process.returncode == BROKEN_PIPE
    assert b"Traceback" not in err
    assert b"BrokenPipeError" not in err


def test_two_files_of_a_batch_with_one_name_are_an_error(tmp_path: Path) -> None:
    from ran_events._commands._base import CommandError
    from ran_events._commands.invites import Files

    files = Files()
    files.add(tmp_path / "a-decision.eml", b"one")
    with pytest.raises(CommandError, match="two files of this batch"):
        files.add(tmp_path / "a-decision.eml", b"two")
    assert files.data == {tmp_path / "a-decision.eml": b"one"}


def test_a_folder_that_cannot_be_written_is_misuse(
    event_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)  # root may write anywhere
    status, _, err = run("ics", str(event_file), "-o", str(tmp_path / "new" / "x.ics"))
    assert status == 2
    assert f"cannot write into {tmp_path / 'new'}: {tmp_path} is not writable" in err


def test_a_closed_pipe_in_process_points_stdout_at_devnull(event_file: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = open(write_end, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    err = io.StringIO()
    try:
        assert main(["check", str(event_file)], stdout=stdout, stderr=err) == BROKEN_PIPE
        stdout.write("more")
        stdout.flush()  # now /dev/null: no second BrokenPipeError at exit
    finally:
        stdout.close()
    assert err.getvalue() == ""


def test_a_closed_pipe_without_a_descriptor_is_quiet_too(event_file: Path) -> None:
    class Closed(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError

    err = io.StringIO()
    assert main(["check", str(event_file)], stdout=Closed(), stderr=err) == BROKEN_PIPE
    assert err.getvalue() == ""


def test_ids_differing_in_case_keep_apart_where_case_is_ignored() -> None:
    assert filename_part("R1").casefold() != filename_part("r1").casefold()
    assert filename_part("r1") == "r1"
