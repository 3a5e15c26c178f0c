"""Tests of ``ran-events simulate`` and the demo's simulation step."""

from __future__ import annotations

import builtins
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ran_events import eventfile
from ran_events.cli import COMMANDS, DEMO_STEPS, main
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import csv_text


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    event = tmp_path / "event.toml"
    event.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    applications = tmp_path / "applications.csv"
    applications.write_text(csv_text(synthetic_applicants(120, seed=4)), encoding="utf-8")
    return event, applications


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_simulate_compares_policies(files: tuple[Path, Path]) -> None:
    event, applications = files
    status, out, err = run(
        "simulate", str(event), str(applications), "--runs", "50",
        "--policy", "lottery", "--policy", "fair-lottery",
    )  # fmt: skip
    assert status == 0, err
    assert "Policy lottery (50 runs, seed 2023):" in out
    assert "Policy fair-lottery (exact, seed 2023):" in out
    assert "role=prison" in out
    assert ">= 4" in out
    assert "\r" not in err  # no progress bar when stderr is not a terminal


def test_simulate_workers_do_not_change_the_output(files: tuple[Path, Path]) -> None:
    event, applications = files
    one = run("simulate", str(event), str(applications), "--runs", "300", "--seed", "3")
    two = run(
        "simulate", str(event), str(applications), "--runs", "300", "--seed", "3",
        "--workers", "2",
    )  # fmt: skip
    assert one[0] == two[0] == 0
    assert one[1] == two[1]


def test_simulate_plots_a_png(files: tuple[Path, Path], tmp_path: Path) -> None:
    event, applications = files
    picture = tmp_path / "p.png"
    status, out, _ = run(
        "simulate", str(event), str(applications), "--runs", "20", "--plot", str(picture)
    )
    assert status == 0
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"wrote {picture}" in out


def test_plot_without_matplotlib_is_a_clear_error(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    event, applications = files
    status, _, err = run(
        "simulate", str(event), str(applications), "--runs", "5", "--plot",
        str(tmp_path / "p.png"),
    )  # fmt: skip
    assert status == 1
    assert "pip install 'ran-events[plot]'" in err
    assert not (tmp_path / "p.png").exists()


def test_simulate_misuse_and_bad_policy(files: tuple[Path, Path]) -> None:
    event, applications = files
    assert run("simulate", str(event), str(applications))[0] == 2  # --runs is required
    status, _, err = run("simulate", str(event), str(applications), "--runs", "0")
    assert (status, err) == (1, "ran-events simulate: --runs: a whole number >= 1\n")
    status, _, err = run(
        "simulate", str(event), str(applications), "--runs", "3", "--workers", "0"
    )
    assert (status, err) == (1, "ran-events simulate: --workers: a whole number >= 1\n")
    status, _, err = run(
        "simulate", str(event), str(applications), "--runs", "3", "--policy", "raffle"
    )
    assert status == 1
    assert "unknown selection policy 'raffle'" in err


def test_simulate_is_a_command_and_a_demo_step_after_select() -> None:
    assert "simulate" in COMMANDS
    assert DEMO_STEPS.index("simulate") == DEMO_STEPS.index("select") + 1


def test_simulate_has_no_hidden_default_seed(files: tuple[Path, Path], tmp_path: Path) -> None:
    import attrs

    from ran_events.models import SelectionRules

    _event, applications = files
    unseeded = tmp_path / "unseeded.toml"
    rules = SelectionRules(policy="lottery")
    unseeded.write_text(eventfile.dumps(attrs.evolve(webinar(), selection=rules)), "utf-8")
    status, _out, err = run("simulate", str(unseeded), str(applications), "--runs", "5")
    assert status == 1
    assert "the event has no seed; give one with --seed N" in err
    status, out, _err = run(
        "simulate", str(unseeded), str(applications), "--runs", "5", "--seed", "0"
    )
    assert status == 0
    assert "seed 0)" in out  # a seed of 0 is a seed


def test_rejected_rows_stop_the_simulation_unless_allowed(files: tuple[Path, Path]) -> None:
    event, applications = files
    lines = applications.read_text(encoding="utf-8").splitlines()
    late = lines[1].split(",")
    late[0], late[1], late[3] = "late", "late@example.org", "2023-09-07T08:00:00+02:00"
    applications.write_text("\n".join([*lines, ",".join(late)]) + "\n", encoding="utf-8")
    argv = ("simulate", str(event), str(applications), "--runs", "5")
    status, out, err = run(*argv)
    assert (status, out) == (1, "")
    assert err.splitlines()[0].startswith(f"{applications}:122: submitted_at: ")
    assert err.splitlines()[-1] == (
        f"ran-events simulate: 1 row(s) of {applications} rejected "
        "(use --allow-rejects to accept the rest anyway)"
    )
    status, out, err = run(*argv, "--allow-rejects")
    assert status == 0, err
    assert out.startswith("Policy lottery (5 runs, seed 2023):")
    assert len(err.splitlines()) == 1  # the rejected row is still listed, with no closing line


def test_simulate_writes_the_rows_of_configured_policies(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    out = tmp_path / "results.csv"
    status, stdout, err = run(
        "simulate", str(event), str(applications), "--runs", "20",
        "--policy", "lottery", "--policy", "score:weights.experience=1", "--out", str(out),
    )  # fmt: skip
    assert status == 0, err
    assert "Policy score:weights.experience=1 (score, 20 runs, seed 2023):" in stdout
    assert f"wrote {out}" in stdout
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["policy"] for r in rows} == {"lottery", "score:weights.experience=1"}
    assert list(rows[0]) == [
        "registration_id", "policy", "probability", "low", "high", "runs", "exact",
        "organisation", "role",
    ]  # fmt: skip
    lines = tmp_path / "results.jsonl"
    assert (
        run("simulate", str(event), str(applications), "--runs", "20", "--out", str(lines))[0] == 0
    )
    assert len(lines.read_text("utf-8").splitlines()) == len(rows) // 2


def test_simulate_json_prints_the_summaries_for_machines(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    picture = tmp_path / "p.png"
    status, stdout, err = run(
        "simulate", str(event), str(applications), "--runs", "20", "--json",
        "--policy", "lottery", "--policy", "fair-lottery", "--plot", str(picture),
    )  # fmt: skip
    assert status == 0, err
    found = json.loads(stdout)  # nothing but the JSON on stdout
    assert f"wrote {picture}" in err
    assert (found["event"], found["by"]) == ("ran-mh-pcve-2023", "role")
    lottery, fair = found["policies"]
    assert (lottery["label"], lottery["runs"], lottery["exact"], fair["exact"]) == (
        "lottery", 20, False, True,
    )  # fmt: skip
    assert lottery["minimum"] <= lottery["maximum"]
    prison = next(c for c in fair["constraints"] if c["constraint"] == "role=prison")
    assert (prison["bounds"], prison["in_bounds"]) == (">= 4", 1.0)
    groups = {g["value"]: g for g in fair["groups"]}
    assert groups["prison"]["attribute"] == "role"
    assert groups["prison"]["low"] <= groups["prison"]["mean"] <= groups["prison"]["high"]
    assert sum(g["applicants"] for g in lottery["groups"]) == lottery["applicants"]
    with picture.open("rb") as handle:
        assert handle.read(24)[16:24] == (1150).to_bytes(4, "big") + (420).to_bytes(4, "big")


def test_simulate_reads_labelled_policies_from_a_file(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, applications = files
    policies = tmp_path / "policies.toml"
    policies.write_text(
        '["experience first"]\npolicy = "score"\n'
        "parameters = { weights = { experience = 1 } }\n\n"
        '["no experience"]\npolicy = "score"\n'
        "parameters = { weights = { experience = -1 } }\n",
        encoding="utf-8",
    )
    status, stdout, err = run(
        "simulate", str(event), str(applications), "--runs", "5", "--policies", str(policies),
        "--by", "organisation",
    )  # fmt: skip
    assert status == 0, err
    assert "Policy experience first (score, 5 runs, seed 2023):" in stdout
    assert "Policy no experience (score, 5 runs, seed 2023):" in stdout
    policies.write_text('[a]\npolicy = "score"\nparameters = 3\n', encoding="utf-8")
    status, _, err = run(
        "simulate", str(event), str(applications), "--runs", "5", "--policies", str(policies)
    )
    assert status == 1
    assert f"{policies}:3: a.parameters: a table of the policy's parameters" in err
    status, _, err = run(
        "simulate", str(event), str(applications), "--runs", "5",
        "--policies", str(tmp_path / "missing.toml"),
    )  # fmt: skip
    assert (status, "cannot read the policies file" in err) == (1, True)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--policy", "lottery", "--policy", "lottery"), "the label 'lottery' is given twice"),
        (("--policy", "score:weights"), "key=value"),
        (("--by", "country"), "--by: 'country' is not a quota or cap attribute"),
        (("--policy", "score:weights.experience=x"), "selection: "),
    ],
)
def test_simulate_refuses_bad_policies_and_groups(
    files: tuple[Path, Path], argv: tuple[str, ...], says: str
) -> None:
    event, applications = files
    status, _, err = run("simulate", str(event), str(applications), "--runs", "2", *argv)
    assert status == 1
    assert says in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_simulate_shows_one_progress_bar_per_policy_on_a_terminal(
    files: tuple[Path, Path],
) -> None:
    event, applications = files
    err = _Terminal()
    status = main(
        [
            "simulate", str(event), str(applications), "--runs", "3",
            "--policy", "lottery", "--policy", "first-come",
        ],
        stdout=io.StringIO(),
        stderr=err,
    )  # fmt: skip
    assert status == 0
    lines = err.getvalue().split("\n")
    assert lines[0].endswith("] 3/3")
    assert lines[0].lstrip("\r").startswith("lottery ")
    assert lines[1].lstrip("\r").startswith("first-come ")
    assert lines[2:] == [""]


def test_simulate_passes_the_time_limit_and_prints_a_stop(
    files: tuple[Path, Path], stopped_fair_lottery: list[float | None]
) -> None:
    event, applications = files
    status, out, err = run(
        "simulate", str(event), str(applications), "--runs", "5", "--time-limit", "3",
        "--policy", "lottery", "--policy", "fair-lottery",
    )  # fmt: skip
    assert status == 0, err
    assert stopped_fair_lottery == [3.0]
    fair = out[out.index("Policy fair-lottery") :]
    assert fair.splitlines()[1] == (
        "  leximin (stopped at the time limit after 2 levels): the smallest probabilities "
        "are those of the levels reached; the others are not LEXIMIN-optimal"
    )
    assert "stopped" not in out[: out.index("Policy fair-lottery")]
    status, out, err = run(
        "simulate", str(event), str(applications), "--runs", "5", "--time-limit", "3"
    )
    assert (status, out) == (2, "")
    assert "--time-limit: only the fair-lottery policy takes a time limit" in err
