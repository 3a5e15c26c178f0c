"""Tests of the ``ran-events`` command: --version, demo, check and the exit statuses."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from ran_events import __version__, cli, eventfile
from ran_events._commands._base import InputError, write_atomic
from ran_events.examples import webinar


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--version")[0] == 0
    assert capsys.readouterr().out.strip() == f"ran-events {__version__}"


def test_help_lists_demo_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--help")[0] == 0
    text = capsys.readouterr().out
    listed = [
        line.split()[0] for line in text.splitlines() if line.startswith("    ") and line[4] != " "
    ]
    assert listed == list(cli.COMMANDS)  # every subcommand, with help, in their order


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["check"], ["demo", "--applicants", "x"]])
def test_misuse_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*argv)[0] == 2
    assert "usage: ran-events" in capsys.readouterr().err


# Small, but large enough for the later demo steps (the webinar's quotas need applicants).
APPLICANTS = "40"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    status, stdout, stderr = run("demo", "--out", str(out), "--applicants", APPLICANTS)
    assert status == 0, stderr
    assert "== The event ==" in stdout
    assert f"Files written to {out}/" in stdout
    return out, stdout


@pytest.fixture
def demo_dir(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


def test_demo_writes_an_event_file_that_check_accepts(demo_dir: Path) -> None:
    path = demo_dir / "event.toml"
    assert eventfile.load(path) == webinar()
    status, stdout, stderr = run("check", str(path))
    assert (status, stderr) == (0, "")
    assert stdout.splitlines()[-1] == f"{path}: valid"


def test_demo_shows_the_schedule_in_several_zones(demo_run: tuple[Path, str]) -> None:
    stdout = demo_run[1]
    for line in (
        "Europe/Brussels   Wed 20 Sep 2023, 14:00\u201315:30 CEST",
        "Europe/Lisbon     Wed 20 Sep 2023, 13:00\u201314:30 WEST",
        "Europe/Helsinki   Wed 20 Sep 2023, 15:00\u201316:30 EEST",
        "UTC               Wed 20 Sep 2023, 12:00\u201313:30 UTC",
        "America/New_York  Wed 20 Sep 2023, 08:00\u201309:30 EDT",
    ):
        assert line in stdout, line


def test_check_prints_the_schedule_in_the_event_zone_and_utc(demo_dir: Path) -> None:
    status, stdout, _ = run("check", str(demo_dir / "event.toml"))
    assert status == 0
    assert stdout.splitlines()[0] == webinar().title
    assert "online: WebEx https://example.webex.com/meet/ran-mh" in stdout
    assert "breakout 'cases': Case discussion in small groups" in stdout
    assert "Europe/Brussels  Wed 20 Sep 2023, 15:30\u201317:00 CEST" in stdout
    assert "UTC              Wed 20 Sep 2023, 13:30\u201315:00 UTC" in stdout
    assert (
        "Europe/Brussels  opens Fri 11 Aug 2023, 00:00 CEST; closes end of Wed 6 Sep 2023"
    ) in stdout
    assert (
        "UTC              opens Thu 10 Aug 2023, 22:00 UTC; closes Wed 6 Sep 2023, 22:00 UTC"
    ) in stdout
    assert "(cancelled)" not in stdout


def test_check_shows_cancelled_sessions_and_reads_json(tmp_path: Path) -> None:
    event = webinar().cancel_session("cases")
    event = event.revise(online=None)
    path = tmp_path / "event.json"
    path.write_text(eventfile.dumps(event, format="json"), encoding="utf-8")
    status, stdout, _ = run("check", str(path))
    assert status == 0
    assert "breakout 'cases': Case discussion in small groups (cancelled)" in stdout
    assert "online:" not in stdout


def test_check_reports_every_problem_on_its_own_line(tmp_path: Path) -> None:
    text = eventfile.dumps(webinar())
    text = text.replace("capacity = 30", "capacity = 0")
    text = text.replace('language = "en"', 'languge = "en"')
    text = text.replace('deadline = "2023-09-06"', 'deadline = "2023-09-31"')
    text = text.replace('kind = "breakout"', 'kind = "parallel"')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_of(prefix: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.startswith(prefix))

    status, stdout, stderr = run("check", str(path))
    assert status == 1
    assert stdout == ""
    err = stderr.splitlines()
    assert len(err) == 4
    expected = [
        f"ran-events check: {path}:{line_of('languge')}: languge: unknown key",
        f"ran-events check: {path}:{line_of('capacity')}: capacity: 0 is not valid",
        f"ran-events check: {path}:{line_of('deadline')}: registration.deadline: '2023-09-31'",
        f"ran-events check: {path}:{line_of('kind')}: sessions[1].kind: 'parallel' is not valid",
    ]
    assert sorted(err) == sorted(e for e in err if any(e.startswith(x) for x in expected))
    for prefix in expected:
        assert any(line.startswith(prefix) for line in err), prefix


def _check_text(tmp_path: Path, text: str) -> tuple[int, list[str], list[str]]:
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    status, stdout, stderr = run("check", str(path))
    prefix = f"ran-events check: {path}:"
    return status, stdout.splitlines(), [e.removeprefix(prefix) for e in stderr.splitlines()]


def test_check_refuses_selection_rules_that_would_do_nothing(tmp_path: Path) -> None:
    # Each of these passed as valid: the rule silently did nothing when selecting.
    text = eventfile.dumps(webinar())
    text = text.replace("organisation = 2", "organsation = 2")
    text = text.replace("police = { max = 8 }", "polce = { max = 8 }")
    text = text.replace('policy = "lottery"', 'policy = "lotery"')
    text += "\n[selection.quotas.gender]\nfemal = { min = 4 }\nFemale = 2\n"
    text += "\n[selection.quotas.casework]\nja = { min = 1 }\n"
    lines = text.splitlines()

    def line_of(start: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.startswith(start))

    status, out, err = _check_text(tmp_path, text)
    assert (status, out) == (1, [])
    assert len(err) == 5, err
    assert err[0].startswith(f"{line_of('policy')}: selection.policy: 'lotery' is not valid")
    assert "did you mean 'lottery'?" in err[0]
    assert err[1].startswith(f"{line_of('polce')}: selection.quotas.role.polce: 'polce'")
    assert "did you mean 'police'?" in err[1]
    assert "expected a target group: prison, police, youth" in err[1]
    assert err[2].startswith(f"{line_of('organsation')}: selection.caps.organsation:")
    assert "no applicant can have it" in err[2]
    assert "did you mean 'organisation'?" in err[2]
    assert err[3].startswith(f"{line_of('femal')}: selection.quotas.gender.femal:")
    assert "did you mean 'female'?" in err[3]
    assert err[4].startswith(f"{line_of('ja =')}: selection.quotas.casework.ja:")
    assert "expected an answer to 'casework': yes, no" in err[4]


def test_check_refuses_a_value_named_twice_and_a_policy_parameter(tmp_path: Path) -> None:
    text = eventfile.dumps(webinar()).replace('policy = "lottery"', 'policy = "fair-lottery"')
    text = text.replace("prison = { min = 4 }", "prison = { min = 4 }\nPrison = 1")
    text += '\n[selection.parameters]\npanel = 100\nfill = "all"\n'
    status, _, err = _check_text(tmp_path, text)
    assert status == 1
    assert any("selection.quotas.role.Prison: 'Prison'" in e and "'prison'" in e for e in err)
    assert any(
        "selection.parameters.panel: 100" in e and "did you mean 'panels'?" in e for e in err
    )
    assert any("selection.parameters.fill: 'all'" in e for e in err)


def test_check_accepts_declared_free_attributes(tmp_path: Path) -> None:
    text = eventfile.dumps(webinar()).replace(
        "seed = 2023", 'seed = 2023\nattributes = ["seniority"]'
    )
    text += "\n[selection.quotas.seniority]\nsenior = { max = 10 }\n"
    text += "\n[selection.quotas.gender]\nFemale = { min = 4 }\n"  # case does not count
    status, out, err = _check_text(tmp_path, text)
    assert (status, err) == (0, [])
    assert out[-1].endswith("valid")
    undeclared = text.replace('attributes = ["seniority"]\n', "")
    status, _, err = _check_text(tmp_path, undeclared)
    assert status == 1
    assert "selection.quotas.seniority: 'seniority'" in err[0]
    assert "selection.attributes" in err[0]
    event = eventfile.loads(text)
    assert event.selection.attributes == ("seniority",)
    assert eventfile.loads(eventfile.dumps(event)) == event


def test_check_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    status, stdout, stderr = run("check", str(path))
    assert (status, stdout) == (1, "")
    assert stderr.startswith(f"ran-events check: {path}: cannot read the event file")
    assert len(stderr.splitlines()) == 1


def test_check_of_invalid_toml_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\ntitle = \n', encoding="utf-8")
    status, _, stderr = run("check", str(path))
    assert status == 1
    assert stderr.startswith(f"ran-events check: {path}:2: not valid TOML")


def test_keyboard_interrupt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ran_events._commands import check

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "run", interrupted)
    status, _, stderr = run("check", str(tmp_path / "x.toml"))
    assert (status, stderr) == (130, "interrupted\n")


def test_input_error_format() -> None:
    assert str(InputError("a.csv", "bad", line=3, field="email")) == "a.csv:3: email: bad"
    assert str(InputError("a.csv", "bad")) == "a.csv: bad"


def test_write_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "f.txt"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "three")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]  # no temporary left


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "ran_events"], [str(Path(sys.executable).with_name("ran-events"))]],
    ids=["python -m", "installed"],
)
def test_the_installed_command_and_python_m(command: list[str]) -> None:
    done = subprocess.run(
        [*command, "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"ran-events {__version__}"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_knows_a_terminal() -> None:
    from ran_events._commands._base import Console

    assert Console(stdout=io.StringIO(), stderr=_Terminal()).is_terminal
    assert not Console(stdout=io.StringIO(), stderr=io.StringIO()).is_terminal


def test_a_library_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    # Five applicants cannot meet the webinar's prison minimum of 4: the selection step
    # raises InfeasibleSelection, which the command reports as a message, not a traceback.
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(
        ["demo", "--applicants", "5", "--out", str(tmp_path)], stdout=out, stderr=err
    )
    assert status == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ran-events demo: no selection satisfies the constraints")
    assert "role=prison min 4" in lines[0]
    assert "Traceback" not in err.getvalue()


def test_check_warns_of_a_seed_in_clear_while_registration_is_open(tmp_path: Path) -> None:
    from ran_events.models import seed_commitment

    path = tmp_path / "event.toml"
    text = eventfile.dumps(webinar())
    path.write_text(text, encoding="utf-8")
    status, out, err = run("check", str(path), "--now", "2023-08-20T12:00+02:00")
    assert status == 0
    assert f"{path}: valid" in out
    assert "selection.seed: warning: the seed is in clear while registration is open" in err
    status, _, err = run("check", str(path), "--now", "2023-09-07T00:00+02:00")
    assert (status, err) == (0, "")  # after the deadline the seed may be known
    path.write_text(
        text.replace("seed = 2023", f'seed_sha256 = "{seed_commitment(2023)}"'), encoding="utf-8"
    )
    status, _, err = run("check", str(path), "--now", "2023-08-20T12:00+02:00")
    assert (status, err) == (0, "")  # a commitment reveals nothing
