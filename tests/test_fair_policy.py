"""Tests of the ``fair-lottery`` policy through select(), replay() and the registry."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ran_events import tz
from ran_events.errors import InfeasibleSelection, InvalidPolicyConfig, ReplayMismatch
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import (
    Event,
    QuotaBounds,
    Registrant,
    Registration,
    SelectionRules,
)
from ran_events.selection import (
    FairLotteryPolicy,
    FairLotteryRecord,
    Outcome,
    PolicyRegistry,
    draw_index,
    lottery_ticket,
    promote,
    replay,
    select,
    simulate,
)
from ran_events.selection.fair import _leximin

NOW = tz.localize(dt.datetime(2023, 9, 7, 10), "Europe/Brussels")
EVENT_ID = "ran-mh-pcve-2023"
PEOPLE = [("male", "liberal")] * 4 + [
    ("female", "liberal"),
    ("male", "conservative"),
    ("female", "conservative"),
]


def person(number: int, gender: str, politics: str) -> Registration:
    return Registration(
        id=f"r{number:03d}",
        event_id=EVENT_ID,
        registrant=Registrant(
            name=f"Person {number}",
            email=f"person{number}@example.org",
            role="police",
            attributes={"gender": gender, "politics": politics},
        ),
        submitted_at=NOW - dt.timedelta(days=3, minutes=number),
    )


def seven(objective: str | None = None, seed: int = 1) -> tuple[Event, list[Registration]]:
    parameters = {} if objective is None else {"objective": objective}
    rules = SelectionRules(
        policy="fair-lottery",
        seed=seed,
        quotas={
            "gender": {"female": QuotaBounds(min=1, max=1), "male": QuotaBounds(min=4, max=4)},
            "politics": {
                "liberal": QuotaBounds(min=4, max=4),
                "conservative": QuotaBounds(min=1, max=1),
            },
        },
        parameters=parameters,
    )
    event = attrs.evolve(webinar(), capacity=5, selection=rules)
    return event, [person(i + 1, g, p) for i, (g, p) in enumerate(PEOPLE)]


def probability(result: object, registration_id: str) -> float:
    decision = result.decision(registration_id)  # type: ignore[attr-defined]
    found = [r for r in decision.reasons if r.code in ("fair-lottery", "no-valid-selection")]
    value = found[0].params["probability"]
    assert isinstance(value, float)
    return value


def test_leximin_on_the_seven_applicants_of_the_issue() -> None:
    event, pool = seven()
    result = select(event, pool, now=NOW)
    for rid in ("r005", "r006", "r007"):  # female liberal, male and female conservative
        assert probability(result, rid) == pytest.approx(0.5, abs=1e-6)
    for rid in ("r001", "r002", "r003", "r004"):  # the male liberals
        assert probability(result, rid) == pytest.approx(0.875, abs=1e-6)
    assert len(result.selected) == 5
    assert all(report.satisfied for report in result.constraints)
    assert result.record.policy_parameters == {"objective": "leximin", "panels": 1000}


def test_maximin_on_the_seven_applicants_reaches_one_half() -> None:
    event, pool = seven("maximin")
    result = select(event, pool, now=NOW)
    assert min(probability(result, f"r{i:03d}") for i in range(1, 8)) == pytest.approx(
        0.5, abs=1e-6
    )
    assert result.decision("r001").reasons[-1].params["objective"] == "maximin"


def test_decisions_carry_probability_and_panel_in_words() -> None:
    event, pool = seven()
    result = select(event, pool, now=NOW)
    index = draw_index(1, EVENT_ID, 1000)
    chosen = result.selected[0]
    p = probability(result, chosen.registration_id)
    assert chosen.sentence == (
        f"selected: fair lottery, probability {p:.4f}, panel {index + 1} of 1000"
    )
    waiting = result.waitlist[0]
    assert waiting.codes == ("waitlist-position", "fair-lottery")
    assert waiting.sentence.endswith(f"not in panel {index + 1} of 1000")


def test_the_waiting_list_is_in_ticket_order_and_ranks_follow() -> None:
    event, pool = seven(seed=5)
    result = select(event, pool, now=NOW)
    waiting = [d.registration_id for d in result.waitlist]
    tickets = [lottery_ticket(5, EVENT_ID, rid) for rid in waiting]
    assert tickets == sorted(tickets)
    assert [d.waitlist_position for d in result.waitlist] == [1, 2]
    assert sorted(d.rank or 0 for d in result.decisions) == list(range(1, 8))


def test_the_draw_follows_the_seed_and_is_one_of_the_rounded_panels() -> None:
    event, pool = seven()
    draws = set()
    for seed in range(12):
        event_s = attrs.evolve(event, selection=attrs.evolve(event.selection, seed=seed))
        result = select(event_s, pool, now=NOW)
        record = result.record
        assert isinstance(record, FairLotteryRecord)
        assert record.draw.index == draw_index(seed, EVENT_ID, 1000)
        assert sum(record.draw.counts) == 1000
        selected = tuple(sorted(d.registration_id for d in result.selected))
        assert selected == record.draw.selected
        draws.add(selected)
    assert len(draws) > 1


def test_the_rounded_panels_approximate_the_probabilities() -> None:
    event, pool = seven()
    record = select(event, pool, now=NOW).record
    assert isinstance(record, FairLotteryRecord)
    for rid, p in record.draw.probabilities.items():
        assert record.draw.share(rid) == pytest.approx(p, abs=2 / 1000)


def test_replay_reuses_the_recorded_draw_without_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    event, pool = seven()
    result = select(event, pool, now=NOW)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("replay solved again")

    monkeypatch.setattr(FairLotteryPolicy, "distribution", refuse)
    assert replay(result.record, pool) == result


def test_replay_refuses_a_tampered_panel() -> None:
    event, pool = seven()
    result = select(event, pool, now=NOW)
    record = result.record
    assert isinstance(record, FairLotteryRecord)
    bad = ("r001", "r002", "r003", "r004", "r006")  # no woman: breaks gender=female min 1
    panels = (bad, *record.draw.panels[1:])
    tampered = attrs.evolve(record, draw=attrs.evolve(record.draw, panels=panels))
    with pytest.raises(ReplayMismatch, match="recorded panel 1 is not a valid selection"):
        replay(tampered, pool)
    moved = attrs.evolve(
        record, draw=attrs.evolve(record.draw, index=(record.draw.index + 1) % 1000)
    )
    with pytest.raises(ReplayMismatch, match="not the seed's"):
        replay(moved, pool)


def test_an_applicant_in_no_valid_selection_is_rejected_with_the_constraint() -> None:
    event, pool = seven()
    rules = attrs.evolve(
        event.selection,
        quotas={
            **event.selection.quotas,
            "politics": {
                "liberal": QuotaBounds(min=4, max=4),
                "conservative": QuotaBounds(min=1, max=1),
                "green": QuotaBounds(max=0),
            },
        },
    )
    green = person(8, "female", "green")
    result = select(attrs.evolve(event, selection=rules), [*pool, green], now=NOW)
    decision = result.decision("r008")
    assert decision.outcome is Outcome.REJECTED
    assert decision.codes == ("no-valid-selection",)
    assert "politics=green max 0" in decision.sentence
    assert decision.reasons[0].params["probability"] == 0.0


def test_infeasible_quotas_raise() -> None:
    event, pool = seven()
    rules = attrs.evolve(event.selection, quotas={"gender": {"female": QuotaBounds(min=3)}})
    with pytest.raises(InfeasibleSelection):
        select(attrs.evolve(event, selection=rules), pool, now=NOW)


def _two_roles(**parameters: object) -> tuple[Event, list[Registration]]:
    """Three places; three police officers and a youth worker; at most one police officer."""
    rules = SelectionRules(
        policy="fair-lottery",
        seed=4,
        quotas={"role": {"police": QuotaBounds(max=1)}},
        parameters=dict(parameters),
    )
    pool = [
        attrs.evolve(p, registrant=attrs.evolve(p.registrant, role=role))
        for p, role in zip(
            [person(i, "male", "liberal") for i in range(4)],
            ["police", "youth", "police", "police"],
            strict=True,
        )
    ]
    return attrs.evolve(webinar(), capacity=3, selection=rules), pool


def test_fill_most_is_honoured_by_the_fair_lottery() -> None:
    # It was ignored: the fair lottery asked for 3 places and raised InfeasibleSelection.
    event, pool = _two_roles(fill="most")
    result = select(event, pool, now=NOW)
    assert len(result.selected) == 2
    assert result.decision("r001").outcome is Outcome.SELECTED
    assert probability(result, "r001") == pytest.approx(1.0)
    for police in ("r000", "r002", "r003"):
        assert probability(result, police) == pytest.approx(1 / 3)
    assert [d.waitlist_position for d in result.waitlist] == [1, 2]
    assert result.constraints[0].achieved == 2
    assert replay(result.record, list(reversed(pool))) == result
    report = simulate(event, pool, runs=40, seed=3)
    assert sum(e.selected for e in report.estimates.values()) == 40 * 2
    assert report.estimate("r001").probability == pytest.approx(1.0)


def test_fill_capacity_makes_the_fair_lottery_advise_fill_most() -> None:
    event, pool = _two_roles()
    with pytest.raises(InfeasibleSelection) as caught:
        select(event, pool, now=NOW)
    assert caught.value.conflicts[0] == (
        "the constraints allow at most 2 of the 3 places to be filled"
    )
    assert caught.value.relaxations[0] == 'fill only 2 places (parameter fill = "most")'


def test_configuration_is_checked() -> None:
    registry = PolicyRegistry(entry_points=False)
    assert registry.create("fair-lottery", seed=3).parameters == {
        "objective": "leximin",
        "panels": 1000,
    }
    with pytest.raises(InvalidPolicyConfig, match="seed"):
        registry.create("fair-lottery")
    with pytest.raises(InvalidPolicyConfig, match="objective"):
        registry.create("fair-lottery", seed=1, parameters={"objective": "utilitarian"})
    with pytest.raises(InvalidPolicyConfig, match="panels"):
        registry.create("fair-lottery", seed=1, parameters={"panels": 0})
    with pytest.raises(InvalidPolicyConfig, match="weights"):
        registry.create("fair-lottery", seed=1, parameters={"weights": {}})


def test_time_limit_is_a_parameter_of_seconds() -> None:
    registry = PolicyRegistry(entry_points=False)
    policy = registry.create("fair-lottery", seed=3, parameters={"time_limit": 90})
    assert policy.parameters == {"objective": "leximin", "panels": 1000, "time_limit": 90}
    for wrong in (0, -1.5, "60", True, float("inf"), float("nan")):
        with pytest.raises(InvalidPolicyConfig, match="time_limit"):
            registry.create("fair-lottery", seed=1, parameters={"time_limit": wrong})


class _Spent:
    """A deadline that has passed from the start."""

    def passed(self) -> bool:
        return True


def unreachable() -> tuple[Event, list[Registration]]:
    """Nine applicants whose LP relaxation's LEXIMIN no mix of panels attains.

    (``UNREACHABLE`` of test_leximin.py: the LEXIMIN then needs levels, which a time
    limit can stop.)
    """
    letters = ("yxx", "xyx", "yyy", "xyx", "xxx", "xxy", "yyy", "yyy", "xyx")
    pool = [
        attrs.evolve(
            person(i + 1, "female", "liberal"),
            registrant=attrs.evolve(
                person(i + 1, "female", "liberal").registrant,
                attributes={"a": word[0], "b": word[1], "c": word[2]},
            ),
        )
        for i, word in enumerate(letters)
    ]
    rules = SelectionRules(
        policy="fair-lottery",
        seed=1,
        quotas={
            "a": {"x": QuotaBounds(min=0, max=1)},
            "b": {"x": QuotaBounds(min=0, max=2), "y": QuotaBounds(min=0, max=2)},
            "c": {"x": QuotaBounds(min=1, max=3)},
        },
    )
    return attrs.evolve(webinar(), capacity=3, selection=rules), pool


def test_a_time_limit_reaches_leximin_and_the_result_says_it_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event, pool = unreachable()
    rules = attrs.evolve(event.selection, parameters={"time_limit": 30})
    given: list[float | None] = []

    def spent(seconds: float | None) -> _Spent:
        given.append(seconds)
        return _Spent()

    monkeypatch.setattr(_leximin, "_Deadline", spent)
    result = select(attrs.evolve(event, selection=rules), pool, now=NOW)
    assert given == [30]
    record = result.record
    assert isinstance(record, FairLotteryRecord)
    assert record.draw.stopped
    assert record.draw.objective == "leximin (stopped at the time limit after 0 levels)"
    assert result.decision("r001").reasons[-1].params["objective"] == record.draw.objective
    assert record.policy_parameters["time_limit"] == 30
    assert len(result.selected) == 3  # still a valid panel
    assert all(report.satisfied for report in result.constraints)
    report = simulate(attrs.evolve(event, selection=rules), pool, runs=3, seed=1)
    assert report.stopped
    assert report.objective == record.draw.objective


def test_without_a_time_limit_nothing_says_it_stopped() -> None:
    event, pool = unreachable()
    record = select(event, pool, now=NOW).record
    assert isinstance(record, FairLotteryRecord)
    assert not record.draw.stopped
    report = simulate(event, pool, runs=3, seed=1)
    assert report.objective == "leximin"
    assert not report.stopped


def test_webinar_pool_meets_quotas_and_promotion_works() -> None:
    event = attrs.evolve(
        webinar(), selection=attrs.evolve(webinar().selection, policy="fair-lottery")
    )
    pool = synthetic_applicants(120, seed=3, event=event)
    result = select(event, pool, now=NOW)
    assert len(result.selected) == event.capacity
    assert all(report.satisfied for report in result.constraints)
    leaving = result.selected[0].registration_id
    after = promote(result, leaving, now=NOW + dt.timedelta(days=1))
    assert len(after.selected) == event.capacity
