"""Replay every input that fuzzing ever found failing (``tests/fuzz_corpus``), and check the
harness itself: targets, the manifest of known failures and the time-bounded runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fuzz import runner
from tests.fuzz.known import CORPUS, known_failures, known_match
from tests.fuzz.targets import TARGETS, ContractViolation, Target

KNOWN = known_failures()
XFAIL = {file: k for k in KNOWN for file in k.files}


def _corpus() -> list[object]:
    cases: list[object] = []
    for path in sorted(CORPUS.glob("*/*")):
        name = f"{path.parent.name}/{path.name}"
        known = XFAIL.get(name)
        marks = []
        if known is not None:
            reason = f"known failure, {known.what}; fix: {known.branch}"
            marks.append(pytest.mark.xfail(strict=False, reason=reason))
        cases.append(pytest.param(path, id=name, marks=marks))
    return cases


@pytest.mark.parametrize("path", _corpus())
def test_corpus_input_keeps_the_contract(path: Path) -> None:
    TARGETS[path.parent.name].check(path.read_bytes())


def test_corpus_holds_only_target_folders_and_known_files_exist() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders <= set(TARGETS)
    for known in KNOWN:
        assert known.target in TARGETS
        for file in known.files:
            assert (CORPUS / file).is_file(), file
            assert file.startswith(f"{known.target}/")


def test_each_known_file_fails_as_its_entry_says_or_passes() -> None:
    # An entry's signature must match what its files show, or the fuzzer would stop on them.
    unmatched = []
    for known in KNOWN:
        for file in known.files:
            try:
                TARGETS[known.target].check((CORPUS / file).read_bytes())
            except ContractViolation as exc:
                if known_match(KNOWN, known.target, exc) is None:
                    unmatched.append((file, str(exc)))
    assert unmatched == []


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_finds_no_new_failure_in_a_few_inputs(name: str) -> None:
    target = TARGETS[name]

    @settings(
        max_examples=8,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.inputs())
    def run(data: bytes) -> None:
        try:
            target.check(data)
        except ContractViolation as exc:
            if known_match(KNOWN, name, exc) is None:
                raise

    run()


def _planted(data: bytes) -> None:
    if b"\xff" in data:
        raise ContractViolation("raised TypeError", "planted")


PLANTED = Target(
    name="planted",
    reader="a reader that breaks on 0xff",
    contract="no 0xff",
    check=_planted,
    inputs=lambda: st.binary(min_size=1, max_size=64),
)


def test_runner_keeps_the_smallest_failing_input(tmp_path: Path) -> None:
    outcome = runner.fuzz(PLANTED, seconds=5, seed=1, corpus=tmp_path)
    assert outcome.saved is not None
    assert outcome.saved.read_bytes() == b"\xff"
    assert outcome.saved.parent == tmp_path / "planted"
    assert "planted" in (outcome.failure or "")


def test_runner_counts_known_failures_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "known.toml").write_text(
        '[[known]]\ntarget = "planted"\nwhat = "0xff"\nkind = "raised TypeError"\n'
        'match = "plan"\nbranch = "wp-x"\nfiles = []\n',
        encoding="utf-8",
    )
    known = known_failures(tmp_path / "known.toml")
    outcome = runner.fuzz(PLANTED, seconds=0.5, seed=1, known=known, corpus=tmp_path)
    assert outcome.failure is None
    assert outcome.known["0xff (wp-x)"] > 0
    assert outcome.examples >= runner.ROUND


def test_runner_lists_targets_and_refuses_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in TARGETS)
    with pytest.raises(SystemExit) as exited:
        runner.main(["no-such-target"])
    assert exited.value.code == 2
