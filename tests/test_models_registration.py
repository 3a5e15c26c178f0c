"""The registration model: Registration, its status lifecycle and history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from ran_events.errors import IllegalTransition
from ran_events.models import (
    TRANSITIONS,
    Registrant,
    Registration,
    RegistrationStatus,
)

UTC = dt.UTC
AT = dt.datetime(2023, 8, 20, 10, 0, tzinfo=UTC)
S = RegistrationStatus


def registration(**changes: Any) -> Registration:
    base = Registration(
        id="r1",
        event_id="ran-mh-pcve-2023",
        registrant=Registrant(name="Anna Peeters", email="Anna.Peeters@Police.example.org"),
        submitted_at=AT,
    )
    return attrs.evolve(base, **changes)


# ------------------------------------------------------------------------------------------
# Registrations


def test_repr_masks_the_address() -> None:
    r = registration()
    for text in (repr(r), repr(r.registrant)):
        assert "anna.peeters@" not in text.lower()
        assert "a***@police.example.org" in text
    assert "Anna Peeters" in repr(r.registrant)


def test_value_of_reads_registrant_attributes_then_answers() -> None:
    r = registration(
        registrant=Registrant(
            name="Anna", email="a@example.org", role="police", attributes={"seniority": "senior"}
        ),
        answers={"casework": False, "topics": ("trauma", "autism"), "experience": 3},
    )
    assert r.value_of("role") == "police"
    assert r.value_of("country") is None
    assert r.value_of("seniority") == "senior"
    assert r.value_of("casework") == "no"
    assert r.value_of("topics") == "trauma;autism"
    assert r.value_of("experience") == "3"
    assert r.value_of("missing") is None


def test_answers_lists_become_tuples() -> None:
    assert registration(answers={"topics": ["a", "b"]}).answers == {"topics": ("a", "b")}


def test_submitted_at_must_be_aware() -> None:
    with pytest.raises(TypeError, match="naive"):
        registration(submitted_at=dt.datetime(2023, 8, 20, 10, 0))


# ------------------------------------------------------------------------------------------
# The status lifecycle

LEGAL = [
    (S.SUBMITTED, S.SELECTED),
    (S.SUBMITTED, S.WAITLISTED),
    (S.SUBMITTED, S.REJECTED),
    (S.WAITLISTED, S.SELECTED),
    (S.WAITLISTED, S.REJECTED),
    (S.SELECTED, S.CONFIRMED),
    (S.SELECTED, S.DECLINED),
    (S.CONFIRMED, S.ATTENDED),
    (S.CONFIRMED, S.NO_SHOW),
] + [(s, S.WITHDRAWN) for s in S if not s.is_final]


def test_transitions_are_exactly_the_issue_lifecycle() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == set(LEGAL)
    assert {s for s in S if s.is_final} == {
        S.REJECTED,
        S.DECLINED,
        S.WITHDRAWN,
        S.ATTENDED,
        S.NO_SHOW,
    }


@pytest.mark.parametrize(("start", "target"), LEGAL)
def test_a_legal_change_returns_a_new_registration_with_history(
    start: RegistrationStatus, target: RegistrationStatus
) -> None:
    before = registration(status=start)
    later = AT + dt.timedelta(days=1)
    after = before.transition(target, at=later, reason="why", by="organiser")
    assert before.status is start
    assert before.history == ()
    assert after.status is target
    (change,) = after.history
    assert (change.from_status, change.to_status, change.at, change.reason, change.by) == (
        start,
        target,
        later,
        "why",
        "organiser",
    )


@pytest.mark.parametrize(
    ("start", "target"),
    [(a, b) for a in S for b in S if (a, b) not in set(LEGAL)],
)
def test_an_illegal_change_names_both_states_and_the_allowed_ones(
    start: RegistrationStatus, target: RegistrationStatus
) -> None:
    with pytest.raises(IllegalTransition) as caught:
        registration(status=start).transition(target, at=AT)
    error = caught.value
    assert (error.current, error.requested) == (start.value, target.value)
    assert error.allowed == tuple(t.value for t in TRANSITIONS[start])
    assert repr(start.value) in str(error)
    assert repr(target.value) in str(error)
    if start.is_final:
        assert "it is final" in str(error)


def test_history_accumulates_in_order() -> None:
    r = registration()
    r = r.transition("waitlisted", at=AT + dt.timedelta(days=1))
    r = r.transition("selected", at=AT + dt.timedelta(days=2), reason="a place came free")
    r = r.transition("confirmed", at=AT + dt.timedelta(days=3))
    assert [(c.from_status.value, c.to_status.value) for c in r.history] == [
        ("submitted", "waitlisted"),
        ("waitlisted", "selected"),
        ("selected", "confirmed"),
    ]


def test_a_change_needs_an_aware_instant() -> None:
    with pytest.raises(TypeError, match="naive"):
        registration().transition("selected", at=dt.datetime(2023, 9, 7))
