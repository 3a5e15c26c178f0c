"""Tests of ran_events.testing: feasible pools, the strategies, the assertions, the plugin."""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ran_events.errors import InvalidValue
from ran_events.examples import TARGET_GROUPS, webinar
from ran_events.models import Event, QuotaBounds, Registration
from ran_events.selection import (
    LotteryPolicy,
    Placing,
    SimulationReport,
    compare,
    select,
    simulate,
)
from ran_events.testing import (
    assert_meets_constraints,
    assert_probabilities_close,
    assert_reproducible,
    estimates_of,
    feasible_pool,
)
from ran_events.testing._assertions import decide_in_child
from ran_events.testing.strategies import applicant_pools, events, seeds

EVENT = webinar()
NOW = EVENT.registration.closes


def with_rules(event: Event, **changes: Any) -> Event:
    return attrs.evolve(event, selection=attrs.evolve(event.selection, **changes))


# --------------------------------------------------------------------------------------------
# Pools


def test_a_pool_is_the_same_for_the_same_seed_and_answers_the_form() -> None:
    pool = feasible_pool(EVENT, 120, seed=5)
    assert pool == feasible_pool(EVENT, 120, seed=5)
    assert pool != feasible_pool(EVENT, 120, seed=6)
    assert len({r.id for r in pool}) == 120
    for registration in pool:
        assert EVENT.form.problems(registration.answers) == []
        assert EVENT.registration.opens <= registration.submitted_at <= EVENT.registration.closes


def test_a_pool_lets_tight_quotas_and_caps_fill_every_place() -> None:
    # prison >= 10 of 30 and at most 1 per organisation: a pool from the webinar's example
    # generator (few prison staff, large services) cannot; the kit's always can.
    quotas = {"role": {"prison": QuotaBounds(min=10), "police": QuotaBounds(max=2)}}
    event = with_rules(EVENT, quotas=quotas, caps={"organisation": 1, "country": 3})
    for seed in range(5):
        pool = feasible_pool(event, 40, seed=seed, organisations=3, skew=3.0)
        result = select(event, pool, now=NOW)
        assert len(result.selected) == event.capacity
        assert_meets_constraints(result, event)


def test_distributions_organisations_and_ineligible_shares_are_followed() -> None:
    pool = feasible_pool(
        EVENT,
        400,
        seed=1,
        distributions={"role": {"police": 1.0}, "country": {"BE": 1.0}, "gender": {"male": 1}},
        organisations=4,
        ineligible=0.0,
    )
    others = pool_without_panel(pool, EVENT)
    assert {r.registrant.role for r in others} == {"police"}
    assert {r.registrant.country for r in others} == {"BE"}
    assert {r.answers["gender"] for r in others} == {"male"}
    assert {r.registrant.organisation for r in others} <= {
        f"Organisation {n}" for n in range(1, 5)
    }
    skewed = collections.Counter(
        r.registrant.organisation for r in feasible_pool(EVENT, 400, seed=1, skew=4.0)
    )
    even = collections.Counter(
        r.registrant.organisation for r in feasible_pool(EVENT, 400, seed=1, skew=1.0)
    )
    assert max(skewed.values()) > 2 * max(even.values())
    everyone_eligible = feasible_pool(EVENT, 200, seed=2, ineligible=0.0)
    assert all(r.registrant.role in TARGET_GROUPS for r in everyone_eligible)
    some_not = feasible_pool(EVENT, 200, seed=2, ineligible=0.5)
    assert 50 < sum(r.registrant.role not in TARGET_GROUPS for r in some_not) < 100


def pool_without_panel(pool: Sequence[Registration], event: Event) -> list[Registration]:
    """The applicants after the planted panel (the panel comes first by id)."""
    return [r for r in pool if int(r.id[1:]) > event.capacity]


def test_quotas_on_answers_and_free_attributes_are_planted_too() -> None:
    quotas = {
        "casework": {"yes": QuotaBounds(min=20)},
        "experience": {"5": QuotaBounds(min=5)},
        "topics": {"autism": QuotaBounds(min=3)},
        "unit": {"unit 1": QuotaBounds(max=2)},
    }
    event = attrs.evolve(
        with_rules(EVENT, quotas=quotas, caps={"unit": 2}, attributes=("unit",)),
        target_groups=(),
    )
    pool = feasible_pool(event, 60, seed=9)
    result = select(event, pool, now=NOW)
    assert_meets_constraints(result, event)
    assert any(r.registrant.attributes.get("unit") for r in pool)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quotas": {"role": {"prison": QuotaBounds(min=31)}}}, "selection.quotas.role"),
        ({"quotas": {"role": {"journalist": QuotaBounds(min=1)}}}, "selection.quotas.role"),
        (
            {"quotas": {"role": {"prison": QuotaBounds(min=3)}}, "caps": {"role": 2}},
            "selection.quotas.role.prison",
        ),
        ({"quotas": {}, "caps": {"role": 1}}, "selection.quotas.role"),
        (
            {"quotas": {"role": {"prison": QuotaBounds(min=20), "exit": QuotaBounds(min=20)}}},
            "selection.quotas.role",
        ),
    ],
)
def test_rules_no_panel_can_meet_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        feasible_pool(with_rules(EVENT, **changes), 50, seed=1)
    assert caught.value.field.startswith(field)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(InvalidValue, match="size"):
        feasible_pool(EVENT, -1, seed=1)
    with pytest.raises(InvalidValue, match="organisations"):
        feasible_pool(EVENT, 10, seed=1, organisations=0)
    assert len(feasible_pool(EVENT, 10, seed=1)) == 10  # fewer than the places: all eligible


# --------------------------------------------------------------------------------------------
# Strategies: the library's own selection properties over the kit's events and pools


def cases(**options: Any) -> st.SearchStrategy[tuple[Event, list[Registration]]]:
    return events(**options).flatmap(
        lambda event: applicant_pools(event, size=(30, 120)).map(lambda pool: (event, pool))
    )


@settings(max_examples=40)
@given(cases(policies=("lottery", "first-come", "score")))
def test_every_built_in_policy_fills_every_place_within_the_rules(
    case: tuple[Event, list[Registration]],
) -> None:
    event, pool = case
    result = select(event, pool, now=NOW)
    assert len(result.selected) == event.capacity
    assert_meets_constraints(result, event)


@settings(max_examples=8)
@given(cases(policies=("fair-lottery",), capacity=(3, 8), quotas=("role",)))
def test_the_fair_lottery_meets_the_rules_on_kit_events(
    case: tuple[Event, list[Registration]],
) -> None:
    event, pool = case
    assert_meets_constraints(select(event, pool, now=NOW), event)


@settings(max_examples=20)
@given(
    events(capacity=12, quotas=(), caps=(), policies=(("score", {"weights": {"casework": 1}}),)),
    seeds(),
)
def test_strategy_options_are_followed(event: Event, seed: int) -> None:
    assert event.capacity == 12
    assert event.selection.quotas == {}
    assert event.selection.caps == {}
    assert event.selection.parameters == {"weights": {"casework": 1}}
    assert 0 <= seed < 2**32


def test_an_unknown_quota_attribute_is_refused_by_the_strategy() -> None:
    @settings(max_examples=1)
    @given(events(quotas=("motivation",)))
    def draw(event: Event) -> None:
        raise AssertionError("never drawn")

    with pytest.raises(ValueError, match="no quota values for 'motivation'"):
        draw()


# --------------------------------------------------------------------------------------------
# assert_meets_constraints


def test_meets_constraints_names_every_rule_a_result_breaks() -> None:
    pool = feasible_pool(EVENT, 150, seed=3)
    result = select(EVENT, pool, now=NOW)
    assert_meets_constraints(result, EVENT)
    selected = [result.registration(d.registration_id) for d in result.selected]
    prison = sum(r.registrant.role == "prison" for r in selected)
    stricter = attrs.evolve(
        with_rules(
            EVENT,
            quotas={"role": {"prison": QuotaBounds(min=prison + 1, max=prison + 2)}},
            caps={"organisation": 0},
        ),
        capacity=10,
        target_groups=("police",),
    )
    with pytest.raises(AssertionError) as caught:
        assert_meets_constraints(result, stricter)
    text = str(caught.value)
    assert text.startswith("the selection for 'ran-mh-pcve-2023' breaks its rules:")
    assert "30 selected; the capacity is 10" in text
    assert "selected whose role is not a target group: " in text
    assert f"quota role=prison: {prison} selected; wanted at least {prison + 1}" in text
    assert "cap organisation <= 0:" in text
    assert ", ..." in text  # more outsiders than are shown
    assert "  ... and " in text  # more findings than are shown


def test_meets_constraints_checks_the_decisions_and_the_waiting_list() -> None:
    result = select(EVENT, feasible_pool(EVENT, 60, seed=3), now=NOW)
    decisions = list(result.decisions)
    first = next(i for i, d in enumerate(decisions) if d.waitlist_position == 1)
    decisions[first] = attrs.evolve(decisions[first], waitlist_position=7)
    broken = attrs.evolve(result, decisions=[*decisions, decisions[0]])
    with pytest.raises(AssertionError) as caught:
        assert_meets_constraints(broken, EVENT)
    assert "61 decisions for 60 registrations" in str(caught.value)
    assert "waiting-list positions" in str(caught.value)


# --------------------------------------------------------------------------------------------
# assert_reproducible


@attrs.frozen
class InputOrderPolicy:
    """Takes applicants in the order given: depends on the input order (a bug)."""

    @property
    def name(self) -> str:
        return "input-order"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        return [Placing(registration_id=r.id, summary="as given") for r in registrations]


@attrs.frozen
class HashPolicy:
    """Orders by Python's str hash: the same in one process, not across hash seeds (a bug)."""

    @property
    def name(self) -> str:
        return "hash"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        ranked = sorted(registrations, key=lambda r: hash(r.id))
        return [Placing(registration_id=r.id, summary="hashed") for r in ranked]


POOL = feasible_pool(EVENT, 80, seed=4)


@pytest.mark.parametrize("policy", [None, "first-come", "score", LotteryPolicy(seed=9)])
def test_the_built_in_policies_are_reproducible(policy: Any) -> None:
    event = EVENT
    if policy == "score":
        event = with_rules(EVENT, parameters={"weights": {"experience": 1}})
        event = with_rules(event, policy="score")
    assert_reproducible(policy, event, POOL)


def test_the_child_decides_from_the_pickled_case(tmp_path: Path) -> None:
    case = tmp_path / "case.pickle"
    case.write_bytes(pickle.dumps((EVENT, POOL, NOW, None)))
    decided = decide_in_child(str(case))
    assert decided.splitlines()[0].startswith("registration_id,")
    assert len(decided.splitlines()) == len(POOL) + 1


def test_a_policy_that_depends_on_the_input_order_is_caught() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_reproducible(InputOrderPolicy(), EVENT, POOL)
    text = str(caught.value)
    assert "with 'input-order' is not reproducible" in text
    assert "reversed input decides differently" in text
    assert "shuffled input decides differently" in text
    assert "PYTHONHASHSEED" not in text  # the child ran the same order as given


def test_a_policy_that_depends_on_the_hash_seed_is_caught() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_reproducible(HashPolicy(), EVENT, POOL, hash_seed=4242)
    text = str(caught.value)
    assert "PYTHONHASHSEED=4242 decides differently" in text
    assert "reversed input" not in text


@attrs.frozen
class ChildOnlyFailure:
    """Fails under PYTHONHASHSEED=4242 only: in the child process of the test below."""

    @property
    def name(self) -> str:
        return "fragile"

    @property
    def parameters(self) -> Mapping[str, Any]:
        return {}

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        if os.environ.get("PYTHONHASHSEED") == "4242":
            raise RuntimeError("only in the child")
        return LotteryPolicy(seed=1).order(registrations, event_id=event_id)


def test_a_child_that_fails_is_reported_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    with pytest.raises(AssertionError, match=r"(?s)the child process failed.*only in the child"):
        assert_reproducible(ChildOnlyFailure(), EVENT, POOL[:40], hash_seed=4242)


# --------------------------------------------------------------------------------------------
# assert_probabilities_close


REPORTS = compare(EVENT, POOL, ("lottery", "first-come"), runs=300, seed=1)


def test_two_lotteries_with_other_seeds_are_close_and_first_come_is_not() -> None:
    other = simulate(EVENT, POOL, runs=300, seed=2)
    assert_probabilities_close(REPORTS[0], other)
    with pytest.raises(AssertionError) as caught:
        assert_probabilities_close(REPORTS[0], REPORTS[1])
    assert "'lottery' and 'first-come' give different probabilities (tol 0.0)" in str(caught.value)
    assert_probabilities_close(REPORTS[0], REPORTS[1], 0.5)  # anything is within 0.5 each way


def test_exact_reports_are_close_within_twice_the_tolerance_and_ids_must_match() -> None:
    one, two = estimates_report({"a": 0.5, "b": 0.2}), estimates_report({"a": 0.6, "b": 0.2})
    assert_probabilities_close(one, two, 0.05)
    with pytest.raises(AssertionError, match=r"a: 0.5000 \[0.5000, 0.5000\] vs 0.6000"):
        assert_probabilities_close(one, two, 0.04)
    with pytest.raises(AssertionError, match="c is in one report only"):
        assert_probabilities_close(one, estimates_report({"a": 0.5, "b": 0.2, "c": 0}))


def estimates_report(probabilities: Mapping[str, float]) -> SimulationReport:
    report = REPORTS[0]
    chosen = list(estimates_of(report).values())[: len(probabilities)]
    estimates = [
        attrs.evolve(e, registration_id=rid, probability=p, low=p, high=p, exact=True)
        for e, (rid, p) in zip(chosen, probabilities.items(), strict=True)
    ]
    return attrs.evolve(report, estimates=estimates)


def test_estimates_are_read_from_a_tuple_or_a_mapping_by_id() -> None:
    by_tuple = estimates_of(REPORTS[0])
    assert list(by_tuple) == sorted(by_tuple)
    as_mapping: Any = SimpleNamespace(estimates=dict(by_tuple))
    assert estimates_of(as_mapping) == by_tuple


# --------------------------------------------------------------------------------------------
# The pytest plugin


def test_the_plugin_gives_the_webinar_and_a_feasible_pool(
    webinar_event: Event, applicant_pool: list[Registration]
) -> None:
    assert webinar_event == EVENT
    assert len(applicant_pool) == 200
    assert_meets_constraints(select(webinar_event, applicant_pool, now=NOW), webinar_event)


@pytest.mark.applicant_pool(size=45, seed=8, ineligible=0.0)
def test_the_pool_marker_sets_its_arguments(applicant_pool: list[Registration]) -> None:
    assert applicant_pool == feasible_pool(EVENT, 45, seed=8, ineligible=0.0)


def test_the_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    tmp_path.joinpath("test_uses_kit.py").write_text(
        textwrap.dedent(
            """
            def test_fixtures(webinar_event, applicant_pool):
                assert webinar_event.capacity == 30
                assert len(applicant_pool) == 200
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_uses_kit.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
