"""Tests of ``ran-events groups`` and the demo's small groups."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ran_events import cli, eventfile
from ran_events.examples import synthetic_applicants, webinar
from ran_events.groups import read_assignments_csv
from ran_events.intake import csv_text
from ran_events.selection import read_decisions_csv


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The webinar's event file, 200 applications, and their decisions (30 selected)."""
    folder = tmp_path_factory.mktemp("groups")
    event = folder / "event.toml"
    event.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    applications = folder / "applications.csv"
    applications.write_text(csv_text(synthetic_applicants(200, seed=4)), encoding="utf-8")
    decisions = folder / "decisions.csv"
    status, _, err = run(
        "select", str(event), str(applications), "--out", str(decisions),
        "--now", "2023-09-07T12:00+02:00",
    )  # fmt: skip
    assert status == 0, err
    return event, applications, decisions


def groups(files: tuple[Path, Path, Path], out: Path, *extra: str) -> tuple[int, str, str]:
    event, applications, decisions = files
    return run(
        "groups", str(event), str(decisions), "--applications", str(applications),
        "--out", str(out), *extra,
    )  # fmt: skip


def test_the_selected_are_written_in_groups_and_shown(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "groups.csv"
    status, stdout, err = groups(files, out, "--size", "6")
    assert status == 0, err
    found = read_assignments_csv(out)
    assert found.ok
    selected = {r.registration_id for r in read_decisions_csv(files[2]) if r.outcome == "selected"}
    assert {r.registration_id for r in found} == selected
    assert sorted({r.group for r in found}) == ["1", "2", "3", "4", "5"]
    assert {r.session_id for r in found} == {"cases"}
    lines = stdout.splitlines()
    assert lines[0].split() == ["group", "session", "size", "composition"]
    assert [line.split()[:3] for line in lines[1:6]] == [
        [str(g), "cases", "6"] for g in range(1, 6)
    ]
    assert f"wrote 30 placements to {out}" in stdout


def test_options_change_the_rules_and_facilitators_are_read(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    leads = tmp_path / "leads.txt"
    leads.write_text("# who leads\nAnna\n\nBram\nCarla\n", encoding="utf-8")
    out = tmp_path / "groups.csv"
    status, stdout, err = groups(
        files, out, "--groups", "3", "--balance", "role", "--apart", "", "--seed", "5",
        "--facilitators", str(leads),
    )  # fmt: skip
    assert status == 0, err
    assert [stdout.count(f"facilitator {name}") for name in ("Anna", "Bram", "Carla")] == [1, 1, 1]
    assert all(line.count(";") == 1 for line in stdout.splitlines()[1:4])  # role only
    assert len({r.group for r in read_assignments_csv(out)}) == 3


def test_a_selected_id_missing_from_the_applications_names_its_line(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    event, applications, decisions = files
    text = decisions.read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")[0]
    broken = tmp_path / "decisions.csv"
    broken.write_text(text.replace(first, "ghost", 1) + "x,,,,,\n", encoding="utf-8")
    status, _, err = groups((event, applications, broken), tmp_path / "g.csv", "--size", "6")
    assert status == 1
    assert f"{broken}:2: registration_id: 'ghost' is not among the applications" in err
    assert f"{broken}:{len(text.splitlines()) + 1}: email:" in err
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        (("--size", "40"), 1, "a size of at most 30"),
        (("--size", "6", "--balance", "shoe"), 1, "balance: 'shoe' is not valid"),
        (("--size", "6", "--facilitators", "missing.txt"), 1, "cannot read the facilitators"),
        (("--size", "6", "--groups", "5"), 2, "not allowed with argument"),
        ((), 2, "one of the arguments --size --groups is required"),
    ],
)
def test_bad_options_are_one_line_each(  # noqa: PLR0917 - pytest passes fixtures by name
    files: tuple[Path, Path, Path],
    tmp_path: Path,
    extra: tuple[str, ...],
    status: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = groups(files, tmp_path / "g.csv", *extra)
    assert code == status
    assert message in err + capsys.readouterr().err  # argparse writes to sys.stderr


def test_a_seed_is_needed_when_the_event_has_none(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    event, applications, decisions = files
    seedless = tmp_path / "event.toml"
    seedless.write_text(
        event.read_text(encoding="utf-8").replace("seed = 2023\n", ""), encoding="utf-8"
    )
    status, _, err = groups((seedless, applications, decisions), tmp_path / "g.csv", "--size", "6")
    assert status == 2
    assert "give --seed N" in err
    assert (
        groups(
            (seedless, applications, decisions), tmp_path / "g.csv", "--size", "6", "--seed", "1"
        )[0]
        == 0
    )


def test_the_demo_splits_the_selected_into_five_groups_of_six(tmp_path: Path) -> None:
    status, out, err = run("demo", "--out", str(tmp_path), "--applicants", "200")
    assert status == 0, err
    section = out.split("== Small groups ==")[1].split("==")[0]
    rows = [line.split() for line in section.splitlines()[2:7]]
    assert [r[:3] for r in rows] == [[str(g), "cases", "6"] for g in range(1, 6)]
    assert "diversity" in section
    found = read_assignments_csv(tmp_path / "groups.csv")
    assert len(found.rows) == 30


def test_a_missing_decisions_file_or_none_selected_is_an_input_error(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    event, applications, decisions = files
    status, _, err = groups(
        (event, applications, tmp_path / "none.csv"), tmp_path / "g.csv", "--size", "6"
    )
    assert status == 1
    assert "none.csv: cannot read" in err
    lines = decisions.read_text(encoding="utf-8").splitlines()
    unselected = tmp_path / "unselected.csv"
    unselected.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if ",selected," not in line)]) + "\n",
        encoding="utf-8",
    )
    status, _, err = groups((event, applications, unselected), tmp_path / "g.csv", "--size", "6")
    assert status == 1
    assert "no selected registration to place in a group" in err


def test_the_table_names_each_relaxed_rule() -> None:
    from tests.test_groups import crossed_four

    from ran_events._commands._base import Console
    from ran_events._commands.groups import print_groups
    from ran_events.groups import assign_groups

    out = io.StringIO()
    print_groups(
        assign_groups(crossed_four(), groups=2, seed=1), Console(stdout=out, stderr=io.StringIO())
    )
    relaxed = [line for line in out.getvalue().splitlines() if "relaxed:" in line]
    assert [line.split(":")[1].strip() for line in relaxed] == ["balance country"] * 2
    assert all(line.startswith("  relaxed: balance country: no split of 4") for line in relaxed)
