"""Tests of ran_events.selection: policies, engine, replay, waitlist, decisions CSV."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from ran_events import tz
from ran_events.errors import (
    IllegalTransition,
    InfeasibleSelection,
    InvalidPolicyConfig,
    InvalidValue,
    NaiveDatetimeError,
    ReplayMismatch,
    TimeRangeError,
    UnknownRegistration,
)
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import (
    Event,
    QuotaBounds,
    Registrant,
    Registration,
    RegistrationStatus,
    SelectionRules,
)
from ran_events.selection import (
    FirstComePolicy,
    LotteryPolicy,
    Offer,
    Outcome,
    PolicyRegistry,
    ScorePolicy,
    SelectionResult,
    _engine,
    canonical_sha256,
    decisions_csv_text,
    expire_offers,
    lottery_ticket,
    promote,
    read_decisions_csv,
    replay,
    respond,
    rule_problems,
    select,
    write_decisions_csv,
)

ZONE = "Europe/Brussels"
NOW = tz.localize(dt.datetime(2023, 9, 7, 10), ZONE)
EVENT_ID = "ran-mh-pcve-2023"


def registration(
    number: int,
    *,
    role: str = "police",
    country: str = "",
    organisation: str = "",
    minutes: int | None = None,
    answers: Mapping[str, Any] | None = None,
    **attributes: str,
) -> Registration:
    submitted = (
        NOW - dt.timedelta(days=10) + dt.timedelta(minutes=number if minutes is None else minutes)
    )
    return Registration(
        id=f"r{number:03d}",
        event_id=EVENT_ID,
        registrant=Registrant(
            name=f"Person {number}",
            email=f"person{number}@example.org",
            role=role,
            country=country,
            organisation=organisation,
            attributes=attributes,
        ),
        submitted_at=submitted,
        answers=dict(answers or {}),
    )


def event_with(
    rules: SelectionRules, *, capacity: int = 30, groups: Sequence[str] | None = None
) -> Event:
    base = webinar()
    return attrs.evolve(
        base,
        capacity=capacity,
        selection=rules,
        target_groups=base.target_groups if groups is None else tuple(groups),
    )


# --------------------------------------------------------------------------------------------
# The hand-solved facts of the issue


def test_age_and_group_quotas_with_two_places_are_feasible() -> None:
    rules = SelectionRules(
        policy="first-come",
        quotas={
            "age": {"child": QuotaBounds(min=1, max=2), "adult": QuotaBounds(min=1, max=2)},
            "group": {"A": QuotaBounds(min=1, max=2), "B": QuotaBounds(min=1, max=2)},
        },
    )
    pool = [
        registration(i, age=age, group=group)
        for i, (age, group) in enumerate(
            [("child", "A"), ("adult", "A"), ("child", "B"), ("child", "B"), ("adult", "B")]
        )
    ]
    result = select(event_with(rules, capacity=2), pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000", "r004"]
    assert [d.waitlist_position for d in result.waitlist] == [1, 2, 3]
    assert all(report.satisfied for report in result.constraints)
    first_wait = result.decision("r001")
    assert first_wait.sentence == (
        "waitlisted: position 1; the place left is needed for group=B (min 1, 0 selected)"
    )
    assert first_wait.codes == ("waitlist-position", "quota-reserve")


def _three_exactly_one_yes(**parameters: Any) -> tuple[Event, list[Registration]]:
    rules = SelectionRules(
        policy="lottery",
        seed=0,
        quotas={name: {"yes": QuotaBounds(min=1, max=1)} for name in ("a", "b", "c")},
        parameters=parameters,
    )
    answers = [
        ("yes", "yes", "yes"),
        ("yes", "no", "no"),
        ("no", "yes", "no"),
        ("no", "no", "yes"),
    ]
    pool = [registration(i, a=a, b=b, c=c) for i, (a, b, c) in enumerate(answers)]
    return event_with(rules, capacity=2), pool


def test_three_exactly_one_yes_quotas_with_two_places_are_infeasible() -> None:
    event, pool = _three_exactly_one_yes()
    with pytest.raises(InfeasibleSelection) as caught:
        select(event, pool, now=NOW)
    error = caught.value
    assert error.conflicts[:4] == (
        "the constraints allow at most 1 of the 2 places to be filled",
        "a=yes min 1",
        "b=yes min 1",
        "c=yes min 1",
    )
    assert "a=yes min 1 max 1" in error.conflicts
    assert error.relaxations[0] == 'fill only 1 place (parameter fill = "most")'
    assert "drop the minimum a=yes min 1" in error.relaxations
    assert "\x1f" not in str(error)


def test_three_exactly_one_yes_quotas_fill_one_place_with_fill_most() -> None:
    event, pool = _three_exactly_one_yes(fill="most")
    result = select(event, pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000"]
    assert len(result.waitlist) == 3
    for decision in result.waitlist:
        assert decision.codes[0] == "waitlist-position"
        assert len(decision.reasons) == 2
        assert decision.reasons[1].sentence
    assert result.constraints[0].achieved == 1
    assert result.record.rules.parameters == {"fill": "most"}
    assert replay(result.record, pool) == result


def test_the_advice_for_prison_ten_female_five_male_three_is_enough_when_applied() -> None:
    # It advised "lower role=prison min to 8", which still leaves 14 of the 22 places empty.
    rules = SelectionRules(
        policy="lottery",
        seed=1,
        quotas={
            "role": {"prison": QuotaBounds(min=10)},
            "gender": {"female": QuotaBounds(max=5), "male": QuotaBounds(max=3)},
        },
        caps={"organisation": 1},
    )
    kinds = [("prison", "female")] * 8 + [("prison", "male")] * 8
    kinds += [("police", "female")] * 3 + [("police", "male")] * 3
    pool = [
        registration(i, role=role, organisation=f"org {i}", gender=gender)
        for i, (role, gender) in enumerate(kinds)
    ]
    event = event_with(rules)
    with pytest.raises(InfeasibleSelection) as caught:
        select(event, pool, now=NOW)
    assert caught.value.relaxations[0] == (
        'lower role=prison min to 8 and fill only 8 places (parameter fill = "most")'
    )
    for remedy in caught.value.remedies:
        result = select(remedy.apply(event), pool, now=NOW)
        assert all(report.satisfied for report in result.constraints), remedy.sentence


def _police_pool(**parameters: Any) -> tuple[Event, list[Registration]]:
    rules = SelectionRules(
        policy="first-come",
        quotas={"role": {"police": QuotaBounds(max=1)}},
        parameters=parameters,
    )
    roles = ["police", "police", "youth", "police"]
    pool = [registration(i, role=role) for i, role in enumerate(roles)]
    return event_with(rules, capacity=3), pool


def test_maxima_that_leave_places_empty_fail_by_default() -> None:
    event, pool = _police_pool()
    with pytest.raises(InfeasibleSelection) as caught:
        select(event, pool, now=NOW)
    assert caught.value.conflicts == (
        "the constraints allow at most 2 of the 3 places to be filled",
        "role=police max 1",
    )
    assert caught.value.relaxations == (
        'fill only 2 places (parameter fill = "most")',
        "raise role=police max to 2",
    )
    assert "at most 2 of the 3 places" in str(caught.value)


def test_maxima_that_leave_places_empty_fill_the_most_with_fill_most() -> None:
    event, pool = _police_pool(fill="most")
    result = select(event, pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000", "r002"]
    capped = result.decision("r001")
    assert capped.outcome is Outcome.WAITLISTED
    assert capped.reasons[1].code == "max"
    assert capped.reasons[1].params["value"] == "police"
    assert result.decision("r003").sentence == (
        "waitlisted: position 2; role=police already at its max of 1"
    )


def test_fill_capacity_is_the_default_and_other_values_are_refused() -> None:
    event, pool = _police_pool(fill="capacity")
    with pytest.raises(InfeasibleSelection):
        select(event, pool, now=NOW)
    event, pool = _police_pool(fill="all")
    with pytest.raises(InvalidPolicyConfig, match=r'selection\.parameters\.fill.*"most"'):
        select(event, pool, now=NOW)


def test_fill_capacity_with_fewer_eligible_than_places_selects_them_all() -> None:
    rules = SelectionRules(policy="first-come", caps={"organisation": 2})
    pool = [registration(i, organisation="x" if i < 2 else f"o{i}") for i in range(4)]
    result = select(event_with(rules, capacity=10), pool, now=NOW)
    assert len(result.selected) == 4


# --------------------------------------------------------------------------------------------
# Policies


def test_lottery_ticket_is_sha256_of_seed_event_and_id() -> None:
    import hashlib

    expected = hashlib.sha256(b'[0, "ev", "r1"]').hexdigest()
    assert lottery_ticket(0, "ev", "r1") == expected
    assert lottery_ticket(0, "ev", "r1") != lottery_ticket(1, "ev", "r1")
    assert lottery_ticket(0, "ev", "r1") != lottery_ticket(0, "other", "r1")


def test_a_lottery_needs_a_seed_and_zero_is_one() -> None:
    registry = PolicyRegistry(entry_points=False)
    with pytest.raises(InvalidPolicyConfig, match="0 is a valid seed"):
        registry.create("lottery")
    policy = registry.create("lottery", seed=0)
    assert isinstance(policy, LotteryPolicy)
    assert policy.seed == 0
    with pytest.raises(InvalidPolicyConfig, match=r"selection\.parameters\.weights"):
        registry.create("lottery", seed=1, parameters={"weights": {}})


def test_first_come_orders_by_instant_then_id() -> None:
    berlin = registration(1, minutes=0)
    # Same instant written in another offset: tie broken by id.
    lisbon = attrs.evolve(
        registration(2), submitted_at=tz.to_zone(berlin.submitted_at, "Europe/Lisbon")
    )
    early = registration(3, minutes=-5)
    order = FirstComePolicy().order([lisbon, berlin, early], event_id=EVENT_ID)
    assert [p.registration_id for p in order] == ["r003", "r001", "r002"]
    assert order[0].summary.startswith("submitted 2023-08-28T")


def test_score_policy_weights_answers_and_breaks_ties_by_ticket() -> None:
    policy = ScorePolicy(
        seed=5, weights={"experience": 2, "casework": 1.5, "gender": {"female": 1}}
    )
    pool = [
        registration(1, answers={"experience": 5, "casework": False, "gender": "male"}),
        registration(2, answers={"experience": 3, "casework": True, "gender": "female"}),
        registration(3, answers={"experience": 4, "casework": True, "gender": "male"}),
        registration(4, answers={"experience": 4, "casework": True, "gender": "male"}),
    ]
    order = policy.order(pool, event_id=EVENT_ID)
    scores = {p.registration_id: p.components["score"] for p in order}
    assert scores == {"r001": 10.0, "r002": 8.5, "r003": 9.5, "r004": 9.5}
    tied = sorted(["r003", "r004"], key=lambda rid: lottery_ticket(5, EVENT_ID, rid))
    assert [p.registration_id for p in order] == ["r001", *tied, "r002"]
    assert order[0].summary == "score 10 (casework 0, experience 10, gender 0)"
    assert policy.parameters == {
        "weights": {"casework": 1.5, "experience": 2.0, "gender": {"female": 1.0}}
    }


def test_score_policy_refuses_bad_configuration() -> None:
    with pytest.raises(InvalidPolicyConfig, match="weights"):
        ScorePolicy.from_parameters(seed=1, parameters={})
    with pytest.raises(InvalidPolicyConfig, match="a finite number"):
        ScorePolicy(seed=1, weights={"experience": True})
    with pytest.raises(InvalidPolicyConfig, match=r"selection\.seed"):
        ScorePolicy.from_parameters(seed=None, parameters={"weights": {"x": 1}})
    policy = ScorePolicy(seed=1, weights={"motivation": 1})
    with pytest.raises(InvalidPolicyConfig, match="table of points"):
        policy.order([registration(1, answers={"motivation": "I care"})], event_id=EVENT_ID)


# --------------------------------------------------------------------------------------------
# The engine


@pytest.fixture
def webinar_result() -> SelectionResult:
    return select(webinar(), synthetic_applicants(300, seed=7), now=NOW)


def test_every_registration_gets_one_explained_decision(webinar_result: SelectionResult) -> None:
    result = webinar_result
    assert sorted(d.registration_id for d in result) == [f"a{i:05d}" for i in range(1, 301)]
    assert result.counts()[Outcome.SELECTED] == 30
    waitlist = result.waitlist
    assert [d.waitlist_position for d in waitlist] == list(range(1, len(waitlist) + 1))
    ranks = [d.rank for d in (*result.selected, *waitlist)]
    assert sorted(r for r in ranks if r is not None) == list(range(1, len(ranks) + 1))
    for decision in result.rejected:
        assert decision.rank is None
        assert decision.codes == ("not-target-group",)
        role = result.registration(decision.registration_id).registrant.role
        assert decision.sentence == f"rejected: role {role!r} is not a target group"
    assert result.selected[0].sentence.startswith("selected: lottery rank 1 (ticket ")
    report = {r.label: r for r in result.constraints}
    assert report["role=prison"].achieved >= 4
    assert report["role=police"].achieved <= 8
    assert report["organisation (each)"].achieved <= 2
    assert report["capacity"].achieved == 30


def test_registrations_come_back_with_status_and_history(webinar_result: SelectionResult) -> None:
    for decision, reg in zip(webinar_result.decisions, webinar_result.registrations, strict=True):
        assert reg.id == decision.registration_id
        assert reg.status.value == decision.outcome.value
        (change,) = reg.history
        assert change.at == NOW
        assert change.by == "selection:lottery"
        assert change.reason == decision.sentence


def test_a_cap_reason_names_the_value_and_its_cap() -> None:
    rules = SelectionRules(policy="first-come", caps={"country": 2})
    pool = [registration(i, country=c) for i, c in enumerate(["BE", "BE", "BE", "FR"])]
    result = select(event_with(rules, capacity=3), pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000", "r001", "r003"]
    waiting = result.decision("r002")
    assert waiting.sentence == "waitlisted: position 1; country=BE already at its cap of 2"
    assert dict(waiting.reasons[1].params) == {"attribute": "country", "limit": 2, "value": "BE"}
    cap = result.constraints[-1]
    assert (cap.kind, cap.value, cap.achieved, cap.max, cap.bounds) == ("cap", "BE", 2, 2, "<= 2")


def test_a_cap_compares_values_normalised_and_shows_the_first_spelling() -> None:
    # Case, runs of white space and Unicode compatibility forms do not make a new value.
    rules = SelectionRules(policy="first-come", caps={"organisation": 1})
    spellings = [
        "federal police BE",
        "Federal Police BE",
        "Federal  Police BE",
        "FEDERAL\u00a0POLICE BE",
    ]
    pool = [registration(i, organisation=o, minutes=10 - i) for i, o in enumerate(spellings)]
    pool.append(registration(9, organisation="City of Ghent", minutes=20))
    for given in (pool, list(reversed(pool))):
        result = select(event_with(rules, capacity=2), given, now=NOW)
        # r003 applied first: one place for the organisation, the next goes to Ghent
        assert [d.registration_id for d in result.selected] == ["r003", "r009"]
        waiting = result.decision("r002")
        assert waiting.sentence == (
            "waitlisted: position 1; organisation=FEDERAL\u00a0POLICE BE already at its cap of 1"
        )
        assert result.constraints[-1].value in ("FEDERAL\u00a0POLICE BE", "City of Ghent")


def test_a_quota_counts_values_normalised_and_shows_them_as_the_rule_writes_them() -> None:
    rules = SelectionRules(
        policy="first-come", quotas={"organisation": {"City of Ghent": QuotaBounds(max=1)}}
    )
    pool = [
        registration(i, organisation=o)
        for i, o in enumerate(["city of ghent", " City of  GHENT", "Ghent Prison"])
    ]
    result = select(event_with(rules, capacity=2, groups=()), pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000", "r002"]
    assert result.decision("r001").sentence == (
        "waitlisted: position 1; organisation=City of Ghent already at its max of 1"
    )


def test_applicants_without_a_value_are_not_capped_together() -> None:
    rules = SelectionRules(policy="first-come", caps={"organisation": 1})
    pool = [registration(i) for i in range(3)]
    result = select(event_with(rules, capacity=3), pool, now=NOW)
    assert len(result.selected) == 3


def test_a_quota_minimum_is_explained_on_the_selected() -> None:
    rules = SelectionRules(policy="first-come", quotas={"role": {"prison": QuotaBounds(min=1)}})
    pool = [registration(0), registration(1), registration(2, role="prison")]
    result = select(event_with(rules, capacity=2), pool, now=NOW)
    assert result.decision("r002").sentence == (
        "selected: first-come rank 3 (submitted 2023-08-28T10:02:00+02:00); "
        "counts towards role=prison min 1 (0 selected before)"
    )
    assert result.decision("r001").codes == ("waitlist-position", "quota-reserve")


def test_required_values_and_withdrawn_applications_are_rejected() -> None:
    rules = SelectionRules(policy="first-come", parameters={"require": {"casework": True}})
    pool = [
        registration(0, answers={"casework": True}),
        registration(1, answers={"casework": False}),
        registration(2),
        registration(3, role="journalist", answers={"casework": True}),
        registration(4, answers={"casework": True}).transition(
            RegistrationStatus.WITHDRAWN, at=NOW
        ),
    ]
    result = select(event_with(rules), pool, now=NOW)
    assert [d.registration_id for d in result.selected] == ["r000"]
    assert result.decision("r001").sentence == "rejected: casework is 'no'; 'yes' is required"
    assert result.decision("r002").sentence == "rejected: casework is no answer; 'yes' is required"
    assert result.decision("r003").codes == ("not-target-group",)
    assert result.decision("r004").sentence == "rejected: the application was withdrawn"
    assert result.registration("r004").status is RegistrationStatus.WITHDRAWN
    with pytest.raises(InvalidPolicyConfig, match="require"):
        select(event_with(attrs.evolve(rules, parameters={"require": ["x"]})), pool, now=NOW)


def test_no_target_groups_means_any_role() -> None:
    event = event_with(SelectionRules(), groups=())
    result = select(event, [registration(0, role="journalist")], now=NOW)
    assert result.selected[0].registration_id == "r000"


def test_bad_registrations_are_refused() -> None:
    event = event_with(SelectionRules())
    with pytest.raises(InvalidValue, match="unique id"):
        select(event, [registration(1), registration(1)], now=NOW)
    other = attrs.evolve(registration(1), event_id="other")
    with pytest.raises(InvalidValue, match="event_id"):
        select(event, [other], now=NOW)
    decided = registration(1).transition(RegistrationStatus.SELECTED, at=NOW)
    with pytest.raises(InvalidValue, match="promote"):
        select(event, [decided], now=NOW)
    with pytest.raises(UnknownRegistration):
        select(event, [registration(1)], now=NOW).decision("nobody")


def test_replay_reproduces_and_detects_a_changed_input(webinar_result: SelectionResult) -> None:
    pool = synthetic_applicants(300, seed=7)
    record = webinar_result.record
    assert (record.policy, record.seed, record.event_id) == ("lottery", 2023, EVENT_ID)
    assert record.input_sha256 == canonical_sha256(list(reversed(pool)))
    assert replay(record, list(reversed(pool))) == webinar_result
    with pytest.raises(ReplayMismatch, match="299 registrations given, 300 recorded"):
        replay(record, pool[1:])
    changed = [attrs.evolve(pool[0], answers={**pool[0].answers, "experience": 1}), *pool[1:]]
    if changed[0].answers == pool[0].answers:
        changed[0] = attrs.evolve(pool[0], answers={**pool[0].answers, "experience": 2})
    with pytest.raises(ReplayMismatch, match="content differs"):
        replay(record, changed)


def test_input_digest_is_the_sha256_of_the_canonical_json_text() -> None:
    """The record's digest keeps its documented definition (records made before still
    replay), now computed without holding the text: the SHA-256 of the JSON list of the
    canonical rows by id."""
    pool = synthetic_applicants(50, seed=3)
    rows = sorted((_engine._canonical(r) for r in reversed(pool)), key=lambda row: row[0])
    text = json.dumps(rows, ensure_ascii=True, separators=(",", ":"))
    assert canonical_sha256(pool) == hashlib.sha256(text.encode("ascii")).hexdigest()
    assert canonical_sha256([]) == hashlib.sha256(b"[]").hexdigest()


def test_a_large_selection_holds_little_beyond_its_result() -> None:
    """Neither the input's canonical text nor the policy's placings live until the end: the
    peak of select() stays well under twice the memory of the result it returns."""
    pool = synthetic_applicants(4000, seed=5)
    event = event_with(SelectionRules(policy="lottery", seed=1), capacity=40)
    tracemalloc.start()
    try:
        result = select(event, pool, now=NOW)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result) == len(pool)
    assert peak < 1.6 * held


# --------------------------------------------------------------------------------------------
# Waiting list


def capped_result() -> SelectionResult:
    rules = SelectionRules(policy="first-come", caps={"country": 1})
    countries = ["BE", "FR", "BE", "FR", "DE", "NL"]
    pool = [registration(i, country=c) for i, c in enumerate(countries)]
    return select(event_with(rules, capacity=2), pool, now=NOW)


def test_promote_skips_applicants_the_constraints_do_not_allow() -> None:
    result = capped_result()
    assert [d.registration_id for d in result.selected] == ["r000", "r001"]
    later = NOW + dt.timedelta(days=1)
    promoted = promote(result, "r001", now=later)
    assert [d.registration_id for d in promoted.selected] == ["r000", "r003"]
    decision = promoted.decision("r003")
    assert decision.sentence == (
        "selected: promoted from waitlist position 2 to a freed place "
        "(1 ahead passed over for the constraints)"
    )
    assert decision.reasons[0].params["passed_over"] == ("r002",)
    passed = promoted.decision("r002")
    assert passed.sentence == (
        "waitlisted: position 1; all 2 places filled; "
        "passed over for a freed place: country=BE already at its cap of 1"
    )
    assert [d.waitlist_position for d in promoted.waitlist] == [1, 2, 3]
    assert promoted.decision("r001").codes == ("withdrawn",)
    assert promoted.registration("r001").status is RegistrationStatus.WITHDRAWN
    assert promoted.registration("r003").status is RegistrationStatus.SELECTED
    assert promoted.registration("r003").history[-1].by == "waitlist"
    assert promoted.offers[0].registration_id == "r003"
    assert all(r.satisfied for r in promoted.constraints)


def test_withdrawing_from_the_waiting_list_renumbers_it() -> None:
    result = capped_result()
    after = promote(result, "r003", now=NOW)
    assert [d.registration_id for d in after.waitlist] == ["r002", "r004", "r005"]
    assert [d.sentence.split(";")[0] for d in after.waitlist] == [
        "waitlisted: position 1",
        "waitlisted: position 2",
        "waitlisted: position 3",
    ]
    assert after.offers == ()


def test_an_unanswered_offer_lapses_and_the_next_is_promoted() -> None:
    result = capped_result()
    day = dt.timedelta(days=1)
    with pytest.raises(TimeRangeError):
        promote(result, "r001", now=NOW, respond_by=NOW)
    offered = promote(result, "r001", now=NOW, respond_by=NOW + 2 * day)
    assert expire_offers(offered, now=NOW + day) == offered
    lapsed = expire_offers(offered, now=NOW + 2 * day, respond_by=NOW + 4 * day)
    assert lapsed.registration("r003").status is RegistrationStatus.DECLINED
    assert lapsed.decision("r003").codes == ("offer-lapsed",)
    (offer,) = lapsed.offers
    assert (offer.registration_id, offer.replaces) == ("r004", "r003")
    assert offer.respond_by == NOW + 4 * day
    assert [d.registration_id for d in lapsed.selected] == ["r000", "r004"]


def test_answers_to_an_offer() -> None:
    offered = promote(capped_result(), "r001", now=NOW, respond_by=NOW + dt.timedelta(days=2))
    accepted = respond(offered, "r003", accept=True, now=NOW)
    assert accepted.registration("r003").status is RegistrationStatus.CONFIRMED
    assert accepted.offers == ()
    assert expire_offers(accepted, now=NOW + dt.timedelta(days=3)) == accepted
    declined = respond(offered, "r003", accept=False, now=NOW)
    assert declined.registration("r003").status is RegistrationStatus.DECLINED
    assert [o.registration_id for o in declined.offers] == ["r004"]
    with pytest.raises(IllegalTransition):
        respond(declined, "r002", accept=True, now=NOW)


# --------------------------------------------------------------------------------------------
# Decisions CSV


def test_decisions_csv_round_trip(webinar_result: SelectionResult, tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    write_decisions_csv(webinar_result, path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "registration_id,email,name,outcome,rank,reason"
    stream = io.StringIO()
    write_decisions_csv(webinar_result, stream)
    assert stream.getvalue() == decisions_csv_text(webinar_result)
    read = read_decisions_csv(path)
    assert read.ok
    assert [r.registration_id for r in read] == [d.registration_id for d in webinar_result]
    first = read.rows[0]
    assert (first.line, first.outcome, first.rank) == (2, Outcome.SELECTED, 1)
    assert first.email == webinar_result.registrations[0].registrant.email
    assert first.email not in repr(first)
    assert first.reason == webinar_result.decisions[0].sentence
    assert read.rows[-1].rank is None


def test_reading_decisions_reports_every_bad_row() -> None:
    text = (
        "registration_id,email,name,outcome,rank,reason\n"
        "r1,a@example.org,A,selected,1,ok\n"
        "r2,b@example.org,B,maybe,2,ok\n"
        "r1,c@example.org,C,waitlisted,3,ok\n"
        "r4,d@example.org,D,rejected,zero,ok\n"
        "r5,nobody,E,rejected,,ok\n"
        "r6,f@example.org,F\n"
        ",g@example.org,G,rejected,,ok\n"
        "\n"
        'r8,h@example.org,H,waitlisted,8,"multi\nline"\n'
        "r9,i@example.org,I,rejected,,ok\n"
    )
    read = read_decisions_csv(io.StringIO(text))
    assert [(p.line, p.field) for p in read.rejected] == [
        (3, "outcome"),
        (4, "registration_id"),
        (5, "rank"),
        (6, "email"),
        (7, ""),
        (8, "registration_id"),
    ]
    assert read.rejected[1].reason == "registration_id: repeats line 2; expected each id once"
    assert [p.code for p in read.rejected] == [
        "invalid-value",
        "duplicate-id",
        "invalid-value",
        "invalid-email",
        "cell-count",
        "missing",
    ]
    assert [(r.line, r.registration_id) for r in read.rows] == [(2, "r1"), (10, "r8"), (12, "r9")]
    bad_header = read_decisions_csv(io.StringIO("id,outcome\n"))
    assert bad_header.rows == ()
    assert bad_header.rejected[0].format("d.csv").startswith("d.csv:1: header: expected")
    assert bad_header.rejected[0].code == "header"


def test_a_record_or_an_offer_with_a_naive_time_is_refused(
    webinar_result: SelectionResult,
) -> None:
    naive = dt.datetime(2023, 9, 7, 10)
    with pytest.raises(NaiveDatetimeError, match="decided_at"):
        attrs.evolve(webinar_result.record, decided_at=naive)
    with pytest.raises(NaiveDatetimeError, match="offered_at"):
        Offer(registration_id="r1", offered_at=naive, replaces="r2")
    with pytest.raises(NaiveDatetimeError, match="respond_by"):
        Offer(registration_id="r1", offered_at=NOW, respond_by=naive, replaces="r2")
    offer = Offer(registration_id="r1", offered_at=NOW, replaces="r2")
    assert offer.respond_by is None


def test_reading_decisions_never_stops_at_an_unreadable_row(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_bytes(
        b"registration_id,email,name,outcome,rank,reason\n"
        b"r1,a@example.org,A,selected,1,ok\n"
        b"r2,b@example.org,Jos\xe9,waitlisted,2,ok\n"  # Latin-1, not UTF-8
        b"r3,c@example.org,C,waitlisted,3," + b"x" * 200_000 + b"\n"  # over the csv field limit
        b"r4,d@example.org,D,rejected,,ok\n"
    )
    read = read_decisions_csv(path)
    assert [(p.line, p.field) for p in read.rejected] == [(3, "name"), (4, "")]
    assert "not UTF-8" in read.rejected[0].reason
    assert read.rejected[0].value == b"Jos\xe9"
    assert read.rejected[1].reason.startswith("unreadable CSV: ")
    assert [p.code for p in read.rejected] == ["encoding", "unreadable"]
    assert [(r.line, r.registration_id) for r in read.rows] == [(2, "r1"), (5, "r4")]


@pytest.mark.parametrize("rank", ["\u00b2", "\u0663", "\uff11", "1" * 5000])
def test_a_rank_of_digits_int_cannot_read_is_a_problem(rank: str) -> None:
    # str.isdigit() is true for all of these; int() refuses them (issue 11, found by fuzzing).
    header = "registration_id,email,name,outcome,rank,reason\n"
    text = f"{header}r1,a@example.org,A,selected,{rank},ok\n"
    read = read_decisions_csv(io.StringIO(text))
    assert [(p.line, p.field, p.value) for p in read.rejected] == [(2, "rank", rank)]
    assert read.rows == ()


# --------------------------------------------------------------------------------------------
# The static check of the rules (ran-events check)


def test_rule_problems_name_every_rule_that_would_do_nothing() -> None:
    rules = SelectionRules(
        policy="score",
        seed=1,
        quotas={
            "country": {"BE": QuotaBounds(min=1), "Belgium": QuotaBounds(max=2)},
            "experience": {"3": QuotaBounds(min=1), "7": QuotaBounds(max=1)},
            "motivation": {"anything": QuotaBounds(max=3)},
        },
        parameters={
            "weights": {"experiance": 2, "casework": 1},
            "require": {"casewrok": "yes"},
        },
    )
    found = {p.field: str(p) for p in rule_problems(event_with(rules))}
    assert sorted(found) == [
        "selection.parameters.require.casewrok",
        "selection.parameters.weights.experiance",
        "selection.quotas.country.Belgium",
        "selection.quotas.experience.7",
    ]
    assert "did you mean 'casework'?" in found["selection.parameters.require.casewrok"]
    assert "did you mean 'experience'?" in found["selection.parameters.weights.experiance"]
    assert "ISO 3166-1 alpha-2" in found["selection.quotas.country.Belgium"]
    assert "1, 2, 3, 4, 5" in found["selection.quotas.experience.7"]


def test_rule_problems_of_the_engine_parameters_and_a_missing_seed() -> None:
    assert rule_problems(webinar()) == []
    no_seed = SelectionRules(policy="lottery")  # a seed may be given when selecting
    assert rule_problems(event_with(no_seed)) == []
    bad = SelectionRules(policy="first-come", parameters={"require": ["x"], "fill": 3})
    fields = [p.field for p in rule_problems(event_with(bad))]
    assert fields == ["selection.parameters.fill", "selection.parameters.require"]
    unknown = SelectionRules(policy="raffle")
    (problem,) = rule_problems(event_with(unknown))
    assert problem.field == "selection.policy"
    assert "did you mean" not in str(problem)


def test_a_stray_quote_in_decisions_never_swallows_the_rows_after_it() -> None:
    # Found by fuzzing (tests/fuzz_corpus/decisions-csv/90214ccf5839eaa0): the quote opened
    # on line 2 took every row up to the next quote in the file with it.
    header = "registration_id,email,name,outcome,rank,reason\n"
    rows = [f"r{i},r{i}@example.org,R {i},waitlisted,{i},position {i}\n" for i in range(1, 6)]
    rows[0] = 'r1,r1@example.org,"R 1,waitlisted,1,position 1\n'
    rows[3] = 'r4,r4@example.org,"R, 4",waitlisted,4,position 4\n'
    read = read_decisions_csv(io.StringIO(header + "".join(rows)))
    assert [(r.line, r.registration_id) for r in read.rows] == [
        (3, "r2"), (4, "r3"), (5, "r4"), (6, "r5")
    ]  # fmt: skip
    (problem,) = read.rejected
    assert problem.line == 2
    assert problem.code == "unbalanced-quote"
    assert "unbalanced quote: a quoted field begins on line 2" in problem.reason
