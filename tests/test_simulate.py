"""Tests of simulate(), compare() and the simulation report."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import attrs
import pytest

from ran_events.errors import InvalidValue
from ran_events.examples import synthetic_applicants, webinar
from ran_events.selection import compare, gini, run_seed, select, simulate

EVENT = webinar()
POOL = synthetic_applicants(150, seed=4, event=EVENT)


def test_each_run_is_the_selection_select_makes_with_the_run_seed() -> None:
    for run in range(3):
        report = simulate(EVENT, POOL, runs=run + 1, seed=11)
        only_last = simulate(EVENT, POOL, runs=run + 1, seed=11)
        assert report == only_last
    one = simulate(EVENT, POOL, runs=1, seed=11)
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, seed=run_seed(11, 0)))
    result = select(event, POOL, now=EVENT.registration.closes)
    assert {e.registration_id for e in one.estimates if e.selected} == {
        d.registration_id for d in result.selected
    }
    for decision in result.waitlist:
        estimate = one.estimate(decision.registration_id)
        assert estimate.mean_waitlist_position == decision.waitlist_position
    assert set(one.ineligible) == {d.registration_id for d in result.rejected}


def test_the_report_is_the_same_serially_and_with_a_process_pool() -> None:
    serial = simulate(EVENT, POOL, runs=300, seed=5)
    with ProcessPoolExecutor(2) as executor:
        pooled = simulate(EVENT, POOL, runs=300, seed=5, executor=executor)
    assert pooled == serial
    assert simulate(EVENT, POOL, runs=300, seed=6) != serial


def test_estimates_counts_and_intervals() -> None:
    report = simulate(EVENT, POOL, runs=200, seed=1)
    assert sum(e.selected for e in report.estimates) == 200 * EVENT.capacity
    for e in report.estimates:
        assert e.low <= e.probability <= e.high
        assert e.selected + e.waitlisted == 200
        assert sum(e.top_positions) <= e.waitlisted
    prison = next(v for v in report.values if v.label == "role=prison")
    assert sum(prison.counts.values()) == 200
    assert min(prison.counts) >= 4
    assert 0 < report.minimum <= report.maximum < 1
    assert 0 < report.gini < 1
    wilson = simulate(EVENT, POOL, runs=200, seed=1, interval="wilson")
    assert [e.probability for e in wilson.estimates] == [e.probability for e in report.estimates]
    assert wilson.estimates != report.estimates


def test_fair_lottery_is_exact_and_fairer_than_the_lottery() -> None:
    lottery, fair = compare(EVENT, POOL, ("lottery", "fair-lottery"), runs=100, seed=2)
    assert all(e.exact and e.low == e.probability == e.high for e in fair.estimates)
    assert sum(e.probability for e in fair.estimates) == pytest.approx(EVENT.capacity)
    assert fair.minimum > lottery.minimum
    assert fair.gini < lottery.gini
    assert sum(e.selected for e in fair.estimates) == 100 * EVENT.capacity


def test_gini_and_argument_checks() -> None:
    assert gini([]) == 0.0
    assert gini([0.5, 0.5]) == 0.0
    assert gini([0.0, 0.0, 0.0, 1.0]) == pytest.approx(0.75)
    assert run_seed(1, 2) == run_seed(1, 2) != run_seed(2, 1)
    with pytest.raises(InvalidValue, match="runs"):
        simulate(EVENT, POOL, runs=0, seed=1)
    with pytest.raises(InvalidValue, match="interval"):
        simulate(EVENT, POOL, runs=1, seed=1, interval="exact")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="policies"):
        compare(EVENT, POOL, (), runs=1, seed=1)


def test_progress_is_reported_per_chunk() -> None:
    seen: list[tuple[int, int]] = []
    simulate(EVENT, POOL, runs=300, seed=1, progress=lambda done, runs: seen.append((done, runs)))
    assert seen == [(250, 300), (300, 300)]


def test_first_come_runs_are_all_the_same() -> None:
    report = simulate(EVENT, POOL, runs=5, seed=1, policy="first-come")
    assert {e.selected for e in report.estimates} <= {0, 5}
