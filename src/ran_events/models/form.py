"""The registration form: its questions, their kinds and what an answer may be."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Final, TypeAlias

import attrs

from ..errors import InvalidAnswers, InvalidValue
from ._checks import _identifier, _non_empty, _string_tuple

__all__ = ["SCALE_RANGE", "Answer", "ConsentQuestion", "Form", "Question", "QuestionKind"]

Answer: TypeAlias = str | int | bool | tuple[str, ...]
"""An answer to a form question: text or a choice (``str``), a scale value (``int``), yes/no
(``bool``) or several choices (``tuple[str, ...]``)."""


class QuestionKind(enum.StrEnum):
    """The kinds of question a registration form can ask."""

    SINGLE_CHOICE = "single-choice"
    MULTIPLE_CHOICE = "multiple-choice"
    YES_NO = "yes-no"
    FREE_TEXT = "free-text"
    SCALE = "scale"


SCALE_RANGE: Final = range(1, 6)
"""The answers a scale question accepts: the whole numbers 1 to 5."""
_TRUE_WORDS: Final = frozenset({"yes", "y", "true", "1", "ja", "oui"})
_FALSE_WORDS: Final = frozenset({"no", "n", "false", "0", "nee", "non", "nein"})


@attrs.frozen(kw_only=True)
class Question:
    """One question of the registration form.

    Raises:
        InvalidValue: a choice question without choices, choices on a question that takes
            none, or repeated choices.
    """

    id: str = attrs.field(validator=_identifier)
    text: str = attrs.field(validator=_non_empty)
    kind: QuestionKind = attrs.field(converter=QuestionKind)
    choices: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)
    required: bool = True

    def __attrs_post_init__(self) -> None:
        has_choices = self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if has_choices and not self.choices:
            raise InvalidValue(f"{self.id}.choices", self.choices, "at least one choice")
        if not has_choices and self.choices:
            raise InvalidValue(
                f"{self.id}.choices", self.choices, f"no choices for a {self.kind} question"
            )
        for choice in self.choices:  # parse() splits on ';' and '|' and strips each part
            if not isinstance(choice, str):
                raise InvalidValue(f"{self.id}.choices", choice, "a choice written as text")
            if not choice.strip() or choice != choice.strip() or ";" in choice or "|" in choice:
                raise InvalidValue(
                    f"{self.id}.choices",
                    choice,
                    "a non-empty choice without surrounding spaces, ';' or '|'",
                )
        if len(set(self.choices)) != len(self.choices):
            raise InvalidValue(f"{self.id}.choices", self.choices, "each choice once")

    def parse(self, text: str) -> Answer | None:
        """Turn a text (a CSV cell) into this question's answer; ``""`` means no answer.

        Multiple choices are separated by ``;`` or ``|``. The result is checked by
        :meth:`problem` afterwards; a text that cannot be read as the kind's type is returned
        unchanged so the problem names it.
        """
        text = text.strip()
        if not text:
            return None
        if self.kind is QuestionKind.MULTIPLE_CHOICE:
            return tuple(p.strip() for p in re.split(r"[;|]", text) if p.strip())
        if self.kind is QuestionKind.YES_NO:
            word = text.lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
            return text
        if self.kind is QuestionKind.SCALE:
            try:
                return int(text)
            except ValueError:
                return text
        return text

    def problem(self, value: object) -> str | None:
        """Return what is wrong with ``value`` as an answer, or ``None`` if it is fine."""
        kind = self.kind
        if kind is QuestionKind.SINGLE_CHOICE:
            if not isinstance(value, str) or value not in self.choices:
                return f"{value!r} is not one of the choices {list(self.choices)}"
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            if not isinstance(value, tuple | list) or not all(isinstance(v, str) for v in value):
                return f"{value!r} is not a list of choices from {list(self.choices)}"
            unknown = [v for v in value if v not in self.choices]
            if unknown:
                return f"{unknown!r} not among the choices {list(self.choices)}"
            if len(set(value)) != len(value):
                return f"{list(value)!r} names a choice twice"
            if self.required and not value:
                return "at least one choice is required"
        elif kind is QuestionKind.YES_NO:
            if not isinstance(value, bool):
                return f"{value!r} is not yes or no"
        elif kind is QuestionKind.SCALE:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{value!r} is not a whole number from 1 to 5"
            if value not in SCALE_RANGE:
                return f"{value} is outside the scale 1 to 5"
        elif not isinstance(value, str):
            return f"{value!r} is not text"
        return None


@attrs.frozen(kw_only=True)
class ConsentQuestion:
    """The consent a form asks for (``[form.consent]`` in an event file).

    A registration keeps the consent given (:class:`~ran_events.models.Consent`: which
    version of the text, and when); a book refuses an application without it when it is
    ``required``.

    Raises:
        InvalidValue: an empty text or version.
    """

    text: str = attrs.field(validator=_non_empty)
    version: str = attrs.field(validator=_non_empty)
    required: bool = True


def _questions(value: Iterable[Question]) -> tuple[Question, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Form:
    """The registration form: the questions an applicant answers.

    Raises:
        InvalidValue: two questions share an id.
    """

    questions: tuple[Question, ...] = attrs.field(default=(), converter=_questions)
    consent: ConsentQuestion | None = None

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise InvalidValue("form.questions", question.id, "each question id once")
            seen.add(question.id)

    def question(self, question_id: str) -> Question:
        """Return the question with this id.

        Raises:
            KeyError: no such question.
        """
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def problems(self, answers: Mapping[str, object]) -> list[tuple[str, object, str]]:
        """Return every problem of ``answers``: ``(question_id, value, message)``."""
        known = {q.id: q for q in self.questions}
        found: list[tuple[str, object, str]] = []
        for question in self.questions:
            value = answers.get(question.id)
            if value is None or value in ("", ()):
                if question.required:
                    found.append((question.id, value, "a required answer is missing"))
                continue
            message = question.problem(value)
            if message is not None:
                found.append((question.id, value, message))
        found.extend(
            (key, answers[key], f"not a question of this form (known: {sorted(known)})")
            for key in sorted(answers)
            if key not in known
        )
        return found

    def check(self, answers: Mapping[str, object]) -> None:
        """Check answers against the form.

        Raises:
            InvalidAnswers: listing every problem at once.
        """
        found = self.problems(answers)
        if found:
            raise InvalidAnswers(found)
