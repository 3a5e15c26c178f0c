"""The example plug-in package (examples/weighted_lottery) as its users meet it: installed
(scripts/test installs it), found through its entry point, checked by ``ran-events check``,
compared with the built-ins by ``ran-events simulate`` (plotted too), and its own test
suite green. Skips when it is not installed, fails instead under CI=true."""

from __future__ import annotations

import importlib.metadata
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ran_events import eventfile
from ran_events.cli import main
from ran_events.examples import webinar
from ran_events.intake import csv_text
from ran_events.selection import ENTRY_POINT_GROUP, default_registry
from ran_events.testing import feasible_pool

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "weighted_lottery"

WEIGHTED = """
[selection]
policy = "weighted-lottery"
seed = 2023
[selection.parameters.weights.role]
prison = 3
exit = 2
[selection.quotas.role]
prison = { min = 4 }
[selection.caps]
organisation = 2
"""


@pytest.fixture(autouse=True)
def _installed() -> None:
    names = {e.name for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if "weighted-lottery" not in names:
        message = "the example plug-in is not installed: pip install -e examples/weighted_lottery"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def event_file(tmp_path: Path, selection: str = WEIGHTED) -> Path:
    """The webinar's event file with another ``[selection]`` table."""
    text = eventfile.dumps(webinar())
    head = text[: text.index("[selection]")]
    path = tmp_path / "event.toml"
    path.write_text(head + selection.lstrip(), encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_the_entry_point_adds_it_to_the_default_registry() -> None:
    assert "weighted-lottery" in default_registry().names()


def test_check_accepts_its_parameters_and_reports_bad_ones_with_their_line(
    tmp_path: Path,
) -> None:
    status, out, err = run("check", str(event_file(tmp_path)))
    assert status == 0, err
    assert out.rstrip().endswith("event.toml: valid")
    path = event_file(tmp_path, WEIGHTED.replace("prison = 3", "prison = -3"))
    line = path.read_text(encoding="utf-8").splitlines().index("prison = -3") + 1
    status, _, err = run("check", str(path))
    assert status == 1
    assert (
        f"{path}:{line}: selection.parameters.weights.role.prison: the 'weighted-lottery' "
        "policy refuses its parameters: a weight must be a positive number, not -3"
    ) in err


def test_check_reports_a_weight_on_an_attribute_no_applicant_has(tmp_path: Path) -> None:
    path = event_file(tmp_path, WEIGHTED.replace("weights.role]", "weights.roel]"))
    status, _, err = run("check", str(path))
    assert status == 1
    assert "selection.parameters.weights.roel" in err
    assert "so the 'weighted-lottery' policy would do nothing; did you mean 'role'?" in err


def test_simulate_compares_it_with_the_built_ins_and_plots(tmp_path: Path) -> None:
    applications = tmp_path / "applications.csv"
    pool = feasible_pool(webinar(), 150, seed=5)
    applications.write_text(csv_text(pool), encoding="utf-8")
    picture = tmp_path / "weighted.png"
    status, out, err = run(
        "simulate", str(event_file(tmp_path)), str(applications), "--runs", "100",
        "--policy", "weighted-lottery", "--policy", "lottery", "--plot", str(picture),
    )  # fmt: skip
    assert status == 0, err
    assert "Policy weighted-lottery (100 runs, seed 2023):" in out
    assert "Policy lottery (100 runs, seed 2023):" in out
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_its_own_test_suite_passes_with_the_kit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert " passed" in done.stdout
