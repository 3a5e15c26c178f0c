"""Tests of simulation results as data: the estimates mapping, rows and files, group summaries,
configured comparisons and the picture (``selection/_tables.py`` and ``compare``)."""

from __future__ import annotations

import builtins
import csv
import json
import math
import pickle
import stat
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from ran_events import _converter
from ran_events.errors import InvalidPolicyConfig, InvalidValue, MissingExtra
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Registration
from ran_events.selection import (
    Comparison,
    ConfiguredPolicy,
    Estimate,
    Estimates,
    GroupSummary,
    Placing,
    ProbabilityRow,
    ScorePolicy,
    SimulationReport,
    compare,
    simulate,
)

EVENT = webinar()
POOL = synthetic_applicants(120, seed=4, event=EVENT)
WEIGHTS = {"weights": {"experience": 1}}


@pytest.fixture(scope="module")
def report() -> SimulationReport:
    return simulate(EVENT, POOL, runs=40, seed=3, policy="lottery")


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        EVENT,
        POOL,
        ["lottery", ("experience", "score", WEIGHTS), "fair-lottery"],
        runs=40,
        seed=3,
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def without(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    real = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".", maxsplit=1)[0] == package:
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)


# -- the estimates: a mapping by registration id ---------------------------------------------


def test_estimates_are_the_mapping_by_registration_id_the_docs_promise(
    report: SimulationReport,
) -> None:
    estimates = report.estimates
    assert isinstance(estimates, Mapping)
    ids = sorted(r.id for r in POOL if r.id not in report.ineligible)
    assert list(estimates.keys()) == ids
    assert dict(estimates.items())["a00007"] is estimates["a00007"]
    assert estimates["a00007"].registration_id == "a00007"
    assert "a00007" in estimates
    assert "nobody" not in estimates
    assert estimates.get("nobody") is None
    assert len(estimates) == len(ids)
    assert [e.registration_id for e in estimates.values()] == ids
    with pytest.raises(KeyError):
        estimates["nobody"]
    assert len(set(estimates.values())) == len(ids)  # an estimate stays hashable
    with pytest.raises(TypeError):
        estimates["a00007"] = estimates["a00001"]  # type: ignore[index]


def test_tuple_uses_keep_their_meaning_with_a_deprecation_warning(
    report: SimulationReport,
) -> None:
    estimates = report.estimates
    in_order = tuple(estimates.values())
    with pytest.warns(DeprecationWarning, match=r"iterated for estimates.*estimates\.values\(\)"):
        iterated = list(estimates)  # a mapping would yield ids: the tuple's meaning stays
    assert iterated == list(in_order)
    with pytest.warns(DeprecationWarning, match="indexed by position") as seen:
        assert estimates[0] is in_order[0]
    assert seen[0].filename == __file__  # the warning points at the caller
    with pytest.warns(DeprecationWarning, match="indexed by position"):
        assert estimates[1:3] == in_order[1:3]
    with pytest.warns(DeprecationWarning, match="reversed"):
        assert list(reversed(estimates)) == list(reversed(in_order))
    with pytest.warns(DeprecationWarning, match="estimate in estimates"):
        assert in_order[0] in estimates
    with pytest.warns(DeprecationWarning, match="compared with a tuple"):
        assert estimates == in_order
    assert estimates == dict(estimates.items())  # as a mapping: silently
    assert estimates != 3
    assert hash(estimates) == hash(Estimates(in_order))
    assert repr(estimates) == f"<Estimates of {len(in_order)} registrations>"


def test_estimates_refuse_two_of_one_id_and_a_key_that_is_not_the_id() -> None:
    one = Estimate(registration_id="a", selected=1, probability=0.5, low=0.1, high=0.9)
    with pytest.raises(InvalidValue, match="one estimate per id"):
        Estimates([one, attrs.evolve(one, selected=2)])
    with pytest.raises(InvalidValue, match="the key 'a'"):
        Estimates({"b": one})
    assert Estimates({"a": one})["a"] is one


def test_a_report_reads_back_from_json_and_reads_the_old_list_layout(
    report: SimulationReport,
) -> None:
    text = _converter.to_json(report)
    assert json.loads(text)["data"]["estimates"]["a00007"]["registration_id"] == "a00007"
    assert _converter.from_json(text, SimulationReport) == report
    old = json.loads(text)
    old["data"]["estimates"] = list(old["data"]["estimates"].values())  # as before 0.3
    assert _converter.from_json(json.dumps(old), SimulationReport) == report
    old["data"]["estimates"] = 7
    with pytest.raises(ValueError, match="estimates"):
        _converter.from_json(json.dumps(old), SimulationReport)


def test_each_estimate_carries_the_applicants_quota_and_cap_values(
    report: SimulationReport,
) -> None:
    assert report.attributes == ("organisation", "role")
    by_id = {r.id: r for r in POOL}
    for rid, e in report.estimates.items():
        person = by_id[rid].registrant
        assert e.attributes == {"role": person.role, "organisation": person.organisation}


def test_a_capped_attribute_nobody_gave_is_empty_not_a_stand_in() -> None:
    pool = [
        attrs.evolve(r, registrant=attrs.evolve(r.registrant, organisation="")) if i % 2 else r
        for i, r in enumerate(POOL)
    ]
    report = simulate(EVENT, pool, runs=5, seed=1, policy="lottery")
    values = {e.attributes["organisation"] for e in report.estimates.values()}
    assert "" in values
    assert all(v == "" or v.isprintable() for v in values)


# -- rows and files ----------------------------------------------------------------------------


def test_rows_are_one_plain_record_per_applicant_and_policy(comparison: Comparison) -> None:
    rows = comparison.rows()
    assert len(rows) == sum(len(r.estimates) for r in comparison)
    assert [r.policy for r in rows[:: len(comparison[0].estimates)]] == [
        "lottery",
        "experience",
        "fair-lottery",
    ]
    for row in rows:
        e = comparison.report(row.policy).estimates[row.registration_id]
        assert (row.probability, row.low, row.high, row.exact) == (
            e.probability,
            e.low,
            e.high,
            e.exact,
        )
        assert row.runs == 40
        assert row.attributes == e.attributes
    first = rows[0].as_dict()
    assert list(first) == [
        "registration_id", "policy", "probability", "low", "high", "runs", "exact",
        "organisation", "role",
    ]  # fmt: skip
    # The report already has intervals (Jeffreys, or exact for the fair lottery): rows use them.
    assert all(
        r.low < r.probability < r.high
        for r in rows
        if r.policy == "lottery" and 0 < r.probability < 1
    )
    assert all(r.low == r.probability == r.high for r in rows if r.policy == "fair-lottery")


def test_an_attribute_named_like_a_column_gets_its_own_key() -> None:
    row = ProbabilityRow(
        registration_id="a", policy="lottery", probability=0.5, low=0.1, high=0.9, runs=2,
        attributes={"policy": "x", "role": "prison"},
    )  # fmt: skip
    assert row.as_dict()["policy"] == "lottery"
    assert row.as_dict()["attributes.policy"] == "x"


def test_to_csv_writes_the_rows_atomically_privately_and_spreadsheet_safe(
    tmp_path: Path,
) -> None:
    pool = list(POOL)
    first = pool[0]
    pool[0] = attrs.evolve(
        first, registrant=attrs.evolve(first.registrant, organisation="=HYPERLINK(1)")
    )
    report = simulate(EVENT, pool, runs=10, seed=1, policy="lottery")
    path = tmp_path / "out" / "results.csv"
    report.to_csv(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["results.csv"]  # no temporary left
    with path.open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(report.estimates)
    rows = {r.registration_id: r for r in report.rows()}
    for line in read:
        row = rows[line["registration_id"]]
        assert float(line["probability"]) == row.probability  # full precision
        assert float(line["low"]) == row.low
        assert line["role"] == row.attributes["role"]
    assert read[0]["organisation"] == "'=HYPERLINK(1)"


def test_to_jsonl_writes_one_object_per_row(comparison: Comparison, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    comparison.to_jsonl(path)
    lines = path.read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [r.as_dict() for r in comparison.rows()]


def test_data_frames_hold_the_rows(comparison: Comparison) -> None:
    pandas_frame = comparison.to_pandas()
    polars_frame = comparison.to_polars()
    rows = comparison.rows()
    assert list(pandas_frame.columns) == list(polars_frame.columns) == comparison.columns()
    assert len(pandas_frame) == len(polars_frame) == len(rows)
    assert pandas_frame["probability"].tolist() == [r.probability for r in rows]
    assert polars_frame["registration_id"].to_list() == [r.registration_id for r in rows]
    grouped = pandas_frame.groupby(["policy", "role"])["probability"].mean()
    for summary in comparison.by("role"):
        assert grouped[(summary.policy, summary.value)] == pytest.approx(summary.mean)


@pytest.mark.parametrize(
    ("method", "package", "extra"),
    [
        ("to_pandas", "pandas", "pandas"),
        ("to_polars", "polars", "polars"),
        ("plot_png", "matplotlib", "plot"),
    ],
)
def test_a_missing_extra_is_named(
    report: SimulationReport,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    package: str,
    extra: str,
) -> None:
    without(monkeypatch, package)
    with pytest.raises(MissingExtra, match=rf"pip install 'ran-events\[{extra}\]'") as raised:
        getattr(report, method)()
    assert isinstance(raised.value, ImportError)
    assert raised.value.extra == extra


# -- groups ------------------------------------------------------------------------------------


def test_by_summarises_each_value_per_policy(comparison: Comparison) -> None:
    summaries = comparison.by("role")
    assert all(isinstance(s, GroupSummary) for s in summaries)
    for report in comparison:
        mine = [s for s in summaries if s.policy == report.label]
        assert [s.value for s in mine] == sorted(s.value for s in mine)
        assert sum(s.applicants for s in mine) == len(report.estimates)
        for s in mine:
            members = [e for e in report.estimates.values() if e.attributes["role"] == s.value]
            assert s.mean == pytest.approx(sum(e.probability for e in members) / len(members))
            assert s.min == min(e.probability for e in members)
            assert s.max == max(e.probability for e in members)
            assert s.low <= s.mean <= s.high
            assert s.as_dict()["value"] == s.value
    with pytest.raises(InvalidValue, match="organisation, role"):
        comparison.by("country")


def test_by_says_when_the_event_has_no_quota_or_cap() -> None:
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, quotas={}, caps={}))
    report = simulate(event, POOL, runs=3, seed=1, policy="lottery")
    with pytest.raises(InvalidValue, match="none"):
        report.by("role")


# -- configured comparisons --------------------------------------------------------------------


def test_compare_takes_configured_policies_each_with_a_label(comparison: Comparison) -> None:
    assert comparison.labels == ("lottery", "experience", "fair-lottery")
    experience = comparison.report("experience")
    assert (experience.policy, experience.parameters) == (
        "score",
        {"weights": {"experience": 1.0}},
    )
    alone = simulate(EVENT, POOL, runs=40, seed=3, policy="score", parameters=WEIGHTS)
    assert experience.probabilities == alone.probabilities
    with pytest.raises(InvalidValue, match="'lottery', 'experience', 'fair-lottery'"):
        comparison.report("raffle")


def test_two_weightings_of_one_policy_in_one_call() -> None:
    found = compare(
        EVENT,
        POOL,
        [
            ("experience", "score", WEIGHTS),
            ConfiguredPolicy(
                label="less experience", policy="score", parameters={"weights": {"experience": -1}}
            ),
            ("score", {"weights": {"casework": 1}}),
        ],
        runs=10,
        seed=1,
    )
    assert found.labels == ("experience", "less experience", "score")
    most, least, _ = found
    experienced = max(POOL, key=lambda r: (r.answers["experience"], r.id)).id
    assert most.estimates[experienced].probability > least.estimates[experienced].probability


@attrs.frozen
class Alphabetical:
    """A third-party-style policy object: by registration id, reversed when asked."""

    reverse: bool = False

    @property
    def name(self) -> str:
        return "alphabetical"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {"reverse": self.reverse}

    @classmethod
    def from_parameters(cls, *, seed: int | None, parameters: Mapping[str, Any]) -> Alphabetical:
        return cls(reverse=bool(parameters.get("reverse", False)))

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        ordered = sorted(registrations, key=lambda r: r.id, reverse=self.reverse)
        return [Placing(registration_id=r.id, summary="by id") for r in ordered]


def test_compare_takes_a_policy_object_and_builds_each_run_from_its_class() -> None:
    found = compare(
        EVENT,
        POOL,
        [Alphabetical(), ConfiguredPolicy(label="z to a", policy=Alphabetical(reverse=True))],
        runs=2,
        seed=1,
    )
    forwards, backwards = found
    assert (forwards.label, forwards.policy, backwards.label) == (
        "alphabetical",
        "alphabetical",
        "z to a",
    )
    assert backwards.parameters == {"reverse": True}
    assert forwards.estimates["a00001"].probability == 1.0
    assert backwards.estimates["a00001"].probability == 0.0


def test_a_policy_object_without_from_parameters_is_refused() -> None:
    @attrs.frozen
    class Fixed:
        name: str = "fixed"
        parameters: Mapping[str, Any] = attrs.field(factory=dict)

        def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
            return [Placing(registration_id=r.id, summary="by id") for r in registrations]

    with pytest.raises(InvalidPolicyConfig, match="from_parameters"):
        simulate(EVENT, POOL, runs=1, seed=1, policy=Fixed())


def test_labels_must_differ_and_entries_must_be_one_of_the_forms() -> None:
    with pytest.raises(InvalidValue, match="distinct labels"):
        compare(
            EVENT,
            POOL,
            [("score", WEIGHTS), ("score", {"weights": {"casework": 1}})],
            runs=1,
            seed=1,
        )
    with pytest.raises(InvalidValue, match=r"\(label, name, parameters\)"):
        compare(EVENT, POOL, [("lottery", 3)], runs=1, seed=1)  # type: ignore[list-item]
    with pytest.raises(InvalidValue, match="distinct labels"):
        Comparison([simulate(EVENT, POOL, runs=1, seed=1, policy="lottery")] * 2)


def test_the_names_only_call_still_gives_a_tuple_of_reports() -> None:
    found = compare(EVENT, POOL, ("lottery", "first-come"), runs=3, seed=1)
    assert isinstance(found, tuple)
    assert pickle.loads(pickle.dumps(found)) == found  # reports travel between processes
    lottery, first_come = found
    assert (lottery.policy, lottery.label, first_come.policy) == (
        "lottery",
        "lottery",
        "first-come",
    )
    # The event's own policy gets the event's parameters, as before.
    assert found == (
        simulate(EVENT, POOL, runs=3, seed=1, policy="lottery"),
        simulate(EVENT, POOL, runs=3, seed=1, policy="first-come"),
    )


def test_score_policy_object_compares_like_its_name(report: SimulationReport) -> None:
    policy = ScorePolicy.from_parameters(seed=1, parameters=WEIGHTS)
    by_object = simulate(EVENT, POOL, runs=5, seed=2, policy=policy)
    by_name = simulate(EVENT, POOL, runs=5, seed=2, policy="score", parameters=WEIGHTS)
    assert by_object == by_name


# -- the picture -------------------------------------------------------------------------------


def test_plot_renders_the_sorted_probabilities_and_the_group_panel(
    comparison: Comparison, tmp_path: Path
) -> None:
    path = tmp_path / "probabilities.png"
    comparison.plot(path, by="role")
    data = path.read_bytes()
    assert png_size(data) == (1150, 420)
    assert len(data) > 20_000  # lines, bands, dots: not an empty canvas
    assert png_size(comparison.plot_png()) == (1150, 420)  # by: the first quota's attribute


def test_plot_without_quotas_has_the_probability_panel_only(tmp_path: Path) -> None:
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, quotas={}, caps={}))
    report = simulate(event, POOL, runs=5, seed=1, policy="lottery")
    path = tmp_path / "p.png"
    report.plot(path)
    assert png_size(path.read_bytes()) == (700, 420)


def test_group_interval_is_the_mean_of_the_members_intervals(comparison: Comparison) -> None:
    for s in comparison.by("role"):
        report = comparison.report(s.policy)
        members = [e for e in report.estimates.values() if e.attributes["role"] == s.value]
        assert s.low == pytest.approx(math.fsum(e.low for e in members) / len(members))
        assert s.high == pytest.approx(math.fsum(e.high for e in members) / len(members))


def test_one_estimate_by_id_and_a_clear_error_for_another(report: SimulationReport) -> None:
    assert report.estimate("a00007") is report.estimates["a00007"]
    with pytest.raises(InvalidValue, match="an eligible registration's id"):
        report.estimate("nobody")


def test_compare_reports_progress_by_label() -> None:
    seen: list[tuple[str, int, int]] = []
    compare(
        EVENT,
        POOL,
        ["lottery", ("experience", "score", WEIGHTS)],
        runs=3,
        seed=1,
        progress=lambda label, done, runs: seen.append((label, done, runs)),
    )
    assert seen == [("lottery", 3, 3), ("experience", 3, 3)]
