"""The registration form: Question (kinds, choices, parsing a cell) and Form (every problem
of a set of answers at once)."""

from __future__ import annotations

import attrs
import pytest

from ran_events.errors import InvalidAnswers, InvalidValue
from ran_events.examples import WEBINAR_FORM
from ran_events.models import (
    Form,
    Question,
    QuestionKind,
)

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
        ("single-choice", ("a;b",), r"';' or '\|'"),
        ("multiple-choice", ("a|b",), r"';' or '\|'"),
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


def test_question_problem_names_what_each_kind_refuses() -> None:
    several = Question(id="topics", text="Topics?", kind="multiple-choice", choices=("a", "b"))
    assert several.problem(()) == "at least one choice is required"
    assert attrs.evolve(several, required=False).problem(()) is None
    free = Question(id="why", text="Why?", kind="free-text")
    assert free.problem(42) == "42 is not text"
    assert free.problem("because") is None


def test_form_finds_a_question_by_id() -> None:
    why = Question(id="why", text="Why?", kind="free-text")
    assert Form(questions=(why,)).question("why") is why
