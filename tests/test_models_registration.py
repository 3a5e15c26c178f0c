"""The registration models: Question, Form, Registrant, Registration, the status lifecycle,
and the offline e-mail normalisation (its fast path against email-validator itself)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from ran_events.errors import IllegalTransition, InvalidAnswers, InvalidEmail, InvalidValue
from ran_events.examples import WEBINAR_FORM
from ran_events.models import (
    TRANSITIONS,
    Form,
    Question,
    QuestionKind,
    Registrant,
    Registration,
    RegistrationStatus,
    normalize_email,
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
# Questions and the form


@pytest.mark.parametrize(
    ("kind", "choices", "problem"),
    [
        ("single-choice", (), "at least one choice"),
        ("multiple-choice", (), "at least one choice"),
        ("yes-no", ("a",), "no choices"),
        ("scale", ("1",), "no choices"),
        ("single-choice", ("a", "a"), "each choice once"),
        ("single-choice", ("a;b",), "';' or '|'"),
        ("multiple-choice", ("a|b",), "';' or '|'"),
        ("single-choice", (" a",), "surrounding spaces"),
        ("single-choice", ("",), "non-empty"),
    ],
)
def test_question_refuses_inconsistent_choices(
    kind: str, choices: tuple[str, ...], problem: str
) -> None:
    with pytest.raises(InvalidValue, match=problem):
        Question(id="q", text="Q?", kind=kind, choices=choices)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("multiple-choice", "a; b|c", ("a", "b", "c")),
        ("yes-no", "Yes", True),
        ("yes-no", "nee", False),
        ("yes-no", "maybe", "maybe"),
        ("scale", " 4 ", 4),
        ("scale", "four", "four"),
        ("free-text", "  hello ", "hello"),
        ("single-choice", "   ", None),
    ],
)
def test_question_parse(kind: str, text: str, expected: object) -> None:
    choices = ("a", "b", "c") if kind.endswith("choice") else ()
    assert Question(id="q", text="Q?", kind=kind, choices=choices).parse(text) == expected


def test_form_lists_every_problem_at_once() -> None:
    answers = {
        "experience": 9,  # scale out of range
        "casework": "maybe",  # not yes/no
        "gender": "other",  # a choice not offered
        "topics": ("trauma", "astrology"),  # one choice not offered
        "shoe_size": "42",  # unknown question
    }  # motivation (required) missing
    with pytest.raises(InvalidAnswers) as caught:
        WEBINAR_FORM.check(answers)
    fields = [q for q, _v, _m in caught.value.problems]
    assert fields == ["motivation", "experience", "casework", "gender", "topics", "shoe_size"]
    messages = {q: m for q, _v, m in caught.value.problems}
    assert messages["motivation"] == "a required answer is missing"
    assert "outside the scale 1 to 5" in messages["experience"]
    assert "not one of the choices" in messages["gender"]
    assert "'astrology'" in messages["topics"]
    assert "not a question of this form" in messages["shoe_size"]
    assert "6 problem(s)" in str(caught.value)


def test_form_accepts_complete_answers_and_optional_omissions() -> None:
    WEBINAR_FORM.check({"motivation": "x", "experience": 1, "casework": False, "gender": "male"})
    WEBINAR_FORM.check(
        {"motivation": "x", "experience": 5, "casework": True, "gender": "male", "topics": ()}
    )


@pytest.mark.parametrize("value", [True, 3.0, "3", 0, 6])
def test_scale_refuses_non_integers_and_out_of_range(value: object) -> None:
    question = Question(id="q", text="Q?", kind=QuestionKind.SCALE)
    assert question.problem(value) is not None


def test_multiple_choice_refuses_repeats() -> None:
    question = Question(id="q", text="Q?", kind="multiple-choice", choices=("a", "b"))
    assert question.problem(("a", "a")) == "['a', 'a'] names a choice twice"
    assert question.problem(("a", "b")) is None


def test_form_refuses_repeated_question_ids() -> None:
    q = Question(id="q", text="Q?", kind="free-text")
    with pytest.raises(InvalidValue, match="each question id once"):
        Form(questions=(q, q))
    with pytest.raises(KeyError):
        Form(questions=(q,)).question("other")


# ------------------------------------------------------------------------------------------
# Registrants


def test_registrant_keeps_the_address_as_typed_and_normalises_for_identity() -> None:
    person = Registrant(name="Anna", email="Anna.Peeters@Police.Example.ORG")
    assert person.email == "Anna.Peeters@Police.Example.ORG"
    assert person.normalized_email == "anna.peeters@police.example.org"


def test_invalid_address_names_the_validators_reason() -> None:
    with pytest.raises(InvalidEmail) as caught:
        Registrant(name="Anna", email="anna.example.org")
    assert "@-sign" in caught.value.reason
    assert caught.value.field == "email"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("country", "hint"),
    [("UK", "GB"), ("EL", "GR"), ("be", "upper case: BE"), ("XX", "ISO 3166-1")],
)
def test_registrant_country_is_iso_3166_alpha_2(country: str, hint: str) -> None:
    with pytest.raises(InvalidValue, match=hint):
        Registrant(name="Anna", email="a@example.org", country=country)


def test_registrant_refuses_an_empty_name() -> None:
    with pytest.raises(InvalidValue, match="non-empty"):
        Registrant(name="  ", email="a@example.org")


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


def test_normalize_email_refuses_non_text() -> None:
    with pytest.raises(InvalidEmail, match="not a string"):
        normalize_email(42)  # type: ignore[arg-type]
