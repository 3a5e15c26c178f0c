"""Tests of simulate(), compare() and the simulation report."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager

import attrs
import pytest

from ran_events.errors import InvalidValue
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import QuotaBounds
from ran_events.selection import (
    ConstraintReport,
    ValueCounts,
    compare,
    gini,
    run_seed,
    select,
    simulate,
)

EVENT = webinar()
POOL = synthetic_applicants(150, seed=4, event=EVENT)


@pytest.mark.parametrize("policy", ["lottery", "first-come"])
def test_run_r_is_the_selection_select_makes_with_run_seed_r(policy: str) -> None:
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, policy=policy))
    previous: dict[str, tuple[int, int]] = {}
    for run in range(3):
        report = simulate(event, POOL, runs=run + 1, seed=11)
        assert report == simulate(event, POOL, runs=run + 1, seed=11)
        now = {e.registration_id: (e.selected, e.waitlisted) for e in report.estimates.values()}
        # what run ``run`` added to the tallies is that run's selection and waiting list
        selected = {rid for rid, (s, _) in now.items() if s > previous.get(rid, (0, 0))[0]}
        waitlisted = {rid for rid, (_, w) in now.items() if w > previous.get(rid, (0, 0))[1]}
        seeded = attrs.evolve(event.selection, seed=run_seed(11, run))
        result = select(attrs.evolve(event, selection=seeded), POOL, now=EVENT.registration.closes)
        assert selected == {d.registration_id for d in result.selected}
        assert waitlisted == {d.registration_id for d in result.waitlist}
        previous = now


def test_the_first_run_matches_select_in_detail() -> None:
    one = simulate(EVENT, POOL, runs=1, seed=11)
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, seed=run_seed(11, 0)))
    result = select(event, POOL, now=EVENT.registration.closes)
    assert {e.registration_id for e in one.estimates.values() if e.selected} == {
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


@contextmanager
def _dask_executor() -> Iterator[Executor]:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


@contextmanager
def _executor(kind: str) -> Iterator[Executor]:
    if kind == "dask":
        with _dask_executor() as executor:
            yield executor
        return
    pool = ThreadPoolExecutor if kind == "threads" else ProcessPoolExecutor
    with pool(2) as executor:
        yield executor


@pytest.mark.parametrize("kind", ["threads", "processes", "dask"])
def test_the_fair_lottery_runs_under_any_executor_with_the_serial_report(kind: str) -> None:
    # ``simulate --workers 2 --policy fair-lottery`` died with "cannot pickle 'mappingproxy'".
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, policy="fair-lottery"))
    pool = POOL[:60]
    serial = simulate(event, pool, runs=600, seed=5)
    with _executor(kind) as executor:
        pooled = simulate(event, pool, runs=600, seed=5, executor=executor)
    assert pooled == serial
    assert sum(e.selected for e in pooled.estimates.values()) == 600 * event.capacity


def test_selection_results_survive_pickling() -> None:
    event = attrs.evolve(EVENT, selection=attrs.evolve(EVENT.selection, policy="fair-lottery"))
    result = select(event, POOL[:60], now=EVENT.registration.closes)
    assert pickle.loads(pickle.dumps(result)) == result


def test_estimates_counts_and_intervals() -> None:
    report = simulate(EVENT, POOL, runs=200, seed=1)
    assert sum(e.selected for e in report.estimates.values()) == 200 * EVENT.capacity
    for e in report.estimates.values():
        assert e.low <= e.probability <= e.high
        assert e.selected + e.waitlisted == 200
        assert sum(e.top_positions) <= e.waitlisted
    prison = next(v for v in report.values if v.label == "role=prison")
    assert sum(prison.counts.values()) == 200
    assert min(prison.counts) >= 4
    assert 0 < report.minimum <= report.maximum < 1
    assert 0 < report.gini < 1
    wilson = simulate(EVENT, POOL, runs=200, seed=1, interval="wilson")
    assert [e.probability for e in wilson.estimates.values()] == [
        e.probability for e in report.estimates.values()
    ]
    assert wilson.estimates != report.estimates


def test_fair_lottery_is_exact_and_fairer_than_the_lottery() -> None:
    lottery, fair = compare(EVENT, POOL, ("lottery", "fair-lottery"), runs=100, seed=2)
    assert all(e.exact and e.low == e.probability == e.high for e in fair.estimates.values())
    assert sum(e.probability for e in fair.estimates.values()) == pytest.approx(EVENT.capacity)
    assert fair.minimum > lottery.minimum
    assert fair.gini < lottery.gini
    assert sum(e.selected for e in fair.estimates.values()) == 100 * EVENT.capacity


def test_fair_lottery_reports_the_excluded_and_never_waitlists_them() -> None:
    quotas = {**EVENT.selection.quotas, "country": {"BE": QuotaBounds(max=0)}}
    rules = attrs.evolve(EVENT.selection, policy="fair-lottery", quotas=quotas)
    report = simulate(attrs.evolve(EVENT, selection=rules), POOL, runs=20, seed=2)
    belgians = {r.id for r in POOL if r.value_of("country") == "BE"}
    assert set(report.excluded) == belgians
    assert all("country=BE max 0" in why for why in report.excluded.values())
    for rid in belgians:
        estimate = report.estimate(rid)
        assert (estimate.probability, estimate.selected, estimate.waitlisted) == (0.0, 0, 0)
    assert sum(e.selected for e in report.estimates.values()) == 20 * EVENT.capacity


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


def test_simulate_refuses_the_registrations_select_refuses() -> None:
    first = POOL[0]
    with pytest.raises(InvalidValue, match=r"registrations\[\d+\]\.id"):
        simulate(EVENT, [*POOL, first], runs=1, seed=1)
    with pytest.raises(InvalidValue, match="event_id"):
        simulate(EVENT, [*POOL[1:], attrs.evolve(first, event_id="another")], runs=1, seed=1)
    decided = first.transition("selected", at=EVENT.registration.closes)
    with pytest.raises(InvalidValue, match="status"):
        simulate(EVENT, [*POOL[1:], decided], runs=1, seed=1)


def test_withdrawn_and_ineligible_registrations_are_listed_and_never_drawn() -> None:
    withdrawn = POOL[0].transition("withdrawn", at=EVENT.registration.closes)
    pool = [withdrawn, *POOL[1:]]
    report = simulate(EVENT, pool, runs=20, seed=3)
    result = select(EVENT, pool, now=EVENT.registration.closes)
    assert withdrawn.id in report.ineligible
    assert list(report.ineligible) == sorted(d.registration_id for d in result.rejected)
    assert {e.registration_id for e in report.estimates.values()}.isdisjoint(report.ineligible)
    assert len(report.estimates) + len(report.ineligible) == len(pool)


def test_progress_is_reported_per_chunk() -> None:
    seen: list[tuple[int, int]] = []
    simulate(EVENT, POOL, runs=300, seed=1, progress=lambda done, runs: seen.append((done, runs)))
    assert seen == [(250, 300), (300, 300)]


def test_first_come_runs_are_all_the_same() -> None:
    report = simulate(EVENT, POOL, runs=5, seed=1, policy="first-come")
    assert {e.selected for e in report.estimates.values()} <= {0, 5}


@pytest.mark.parametrize(
    ("low", "high", "words"), [(0, None, "any"), (4, None, ">= 4"), (0, 8, "<= 8"), (4, 8, "4..8")]
)
def test_value_counts_show_bounds_and_labels_as_the_constraint_report_does(
    low: int, high: int | None, words: str
) -> None:
    for kind, label in (("quota", "role=prison"), ("cap", "role (each)")):
        value = None if kind == "cap" else "prison"
        counts = ValueCounts(
            kind=kind, attribute="role", value=value, min=low, max=high, counts={}
        )
        report = ConstraintReport(
            kind=kind, attribute="role", value=value, min=low, max=high, achieved=0, available=0
        )
        assert counts.bounds == report.bounds == words
        assert counts.label == report.label == label
