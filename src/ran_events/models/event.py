"""The domain: events, sessions, the registration form, registrants and registrations.

Every model is ``@attrs.frozen(kw_only=True)``: it cannot hold an invalid value, and a change
returns a new object (:func:`attrs.evolve` or a named method). Models know nothing of JSON,
CSV or iCalendar; :mod:`ran_events.serialization`, :mod:`ran_events.registration` and
:mod:`ran_events.ics` translate.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import itertools
import os
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

import attrs

from .. import tz
from .._email import normalize as _normalize_offline
from ..errors import (
    IllegalTransition,
    InvalidAnswers,
    InvalidEmail,
    InvalidUrl,
    InvalidValue,
    SeedMismatch,
    TimeRangeError,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "TRANSITIONS",
    "Answer",
    "Event",
    "Form",
    "OnlineMeeting",
    "Organiser",
    "Question",
    "QuestionKind",
    "QuotaBounds",
    "Registrant",
    "Registration",
    "RegistrationStatus",
    "RegistrationWindow",
    "SelectionRules",
    "Session",
    "SessionKind",
    "SessionStatus",
    "StatusChange",
    "Venue",
    "check_instant",
    "event_problems",
    "mask_email",
    "normalize_email",
    "seed_commitment",
]

Answer: TypeAlias = str | int | bool | tuple[str, ...]
"""An answer to a form question: text or a choice (``str``), a scale value (``int``), yes/no
(``bool``) or several choices (``tuple[str, ...]``)."""


# ------------------------------------------------------------------------------------------
# Small validators and converters


FIRST_YEAR: Final = 1970
"""The first year of the instants the library accepts (event times, submissions, stamps)."""
LAST_YEAR: Final = 2100
"""The last year of the instants the library accepts: the tz database is right until then,
and a day's margin either side keeps every conversion from overflowing."""


def check_instant(value: object, field: str) -> _dt.datetime:
    """Return ``value`` if it is an aware datetime in the years the library accepts.

    The year is the one of the value as given (in its own offset); any offset then keeps the
    instant far from the ends of :class:`datetime.datetime`, so no conversion overflows.

    Raises:
        NaiveDatetimeError: ``value`` has no zone.
        InvalidValue: the year is before :data:`FIRST_YEAR` or after :data:`LAST_YEAR`.
    """
    if isinstance(value, _dt.datetime) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        # Before tz.check_aware, whose consistency check converts (and would overflow).
        raise InvalidValue(
            field, value.isoformat(), f"an instant in the years {FIRST_YEAR} to {LAST_YEAR}"
        )
    return tz.check_aware(value, field)


def _aware(field_name: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        check_instant(value, field_name)

    return check


def _canonical(value: Any, field_name: str) -> Any:
    """A zoneinfo (or plain pytz) datetime becomes one of the library's zone (checked)."""
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return tz.canonical(check_instant(value, field_name), field_name)
    return value  # the validator says what is wrong


def _start(value: Any) -> Any:
    return _canonical(value, "start")


def _end(value: Any) -> Any:
    return _canonical(value, "end")


_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f]")


def _non_empty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, value, "a string")
    # Control characters do not count: no file or calendar can carry them (ics.clean_text
    # drops them), so a title of only a backspace would be written as an empty one.
    if not _CONTROLS.sub("", value).strip():
        raise InvalidValue(attribute.name, value, "a non-empty text")


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, value, "a string")


_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")


def _identifier(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # fullmatch: "$" would also accept a final newline ("cases\n"), breaking UIDs and names.
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise InvalidValue(
            attribute.name,
            value,
            "an identifier of letters, digits, '.', '_' or '-' starting with a letter or digit",
        )


def _positive_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(attribute.name, value, "a whole number of at least 1")


def _non_negative_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(attribute.name, value, "a whole number of at least 0")


def _string_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def normalize_email(address: str, *, field: str = "email") -> str:
    """Return the normalised form of an e-mail address, checked offline.

    The address is checked by email-validator without any network access (no deliverability
    check); the result is the validator's normalised form, lower-cased, which is what identity
    and de-duplication use (mail providers treat the local part case-insensitively).
    A non-ASCII domain is accepted (kept in Unicode form); a non-ASCII local part is refused,
    because e-mail to it needs the SMTPUTF8 extension that many mail servers lack.

    Raises:
        InvalidEmail: the address is not valid, or its local part is not ASCII; ``reason``
            says why.
    """
    if not isinstance(address, str):
        raise InvalidEmail(repr(address), "not a string", field=field)
    return _normalize_offline(address)  # each domain checked once (see ran_events._email)


def _valid_email(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidEmail(repr(value), "not a string", field=attribute.name)
    try:
        normalize_email(value, field=attribute.name)
    except InvalidEmail as exc:
        raise InvalidEmail(value, exc.reason, field=attribute.name) from None


def mask_email(address: str) -> str:
    """Return ``address`` with the local part hidden (``j***@example.org``), for reprs and logs.

    >>> mask_email("jane.doe@example.org")
    'j***@example.org'
    """
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# ------------------------------------------------------------------------------------------
# Event parts


@attrs.frozen(kw_only=True)
class Organiser:
    """Who runs the event and sends the invites.

    Raises:
        InvalidEmail: ``email`` is not a valid address (checked offline).
    """

    name: str = attrs.field(validator=_non_empty)
    email: str = attrs.field(validator=_valid_email)

    @property
    def domain(self) -> str:
        """The domain of the organiser's address (used in calendar UIDs)."""
        return normalize_email(self.email).rpartition("@")[2]


_URL_REFUSED: Final = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
"""Unicode categories a URL may not contain: controls (NUL, ESC, DEL...), invisible format
characters (bidirectional overrides), lone surrogates and line or paragraph separators."""


def _url(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An absolute http(s) URL with a host, parsed by :func:`urllib.parse.urlsplit`, without
    whitespace or control characters (they would break an .ics file for libical, and reach
    terminals and e-mail bodies)."""
    if not isinstance(value, str):
        raise InvalidUrl(repr(value), field=attribute.name)
    for c in value:
        if c.isspace() or unicodedata.category(c) in _URL_REFUSED:
            detail = f"it contains U+{ord(c):04X}; write it percent-encoded or leave it out"
            raise InvalidUrl(value, field=attribute.name, detail=detail)
    try:
        parsed = urllib.parse.urlsplit(value)
        valid = parsed.scheme in ("http", "https") and bool(parsed.hostname)
        _port = parsed.port  # a port that is not a number from 0 to 65535 raises ValueError
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise InvalidUrl(value, field=attribute.name)


@attrs.frozen(kw_only=True)
class OnlineMeeting:
    """Where an online event happens: the platform and its join link.

    Raises:
        InvalidUrl: ``url`` is not an absolute http(s) URL.
    """

    platform: str = attrs.field(validator=_non_empty)
    url: str = attrs.field(validator=_url)
    access_notes: str = attrs.field(default="", validator=_text)


@attrs.frozen(kw_only=True)
class Venue:
    """A physical place, for events that are not (only) online."""

    name: str = attrs.field(validator=_non_empty)
    address: str = attrs.field(default="", validator=_text)
    city: str = attrs.field(default="", validator=_text)
    country: str = attrs.field(default="", validator=_text)

    def one_line(self) -> str:
        """``name, address, city, country`` without the empty parts."""
        return ", ".join(p for p in (self.name, self.address, self.city, self.country) if p)


@attrs.frozen(kw_only=True)
class RegistrationWindow:
    """When applications are accepted: from ``opens`` (included) until ``closes`` (excluded).

    Raises:
        NaiveDatetimeError: an instant has no zone.
        TimeRangeError: ``closes`` is not after ``opens``.
    """

    opens: _dt.datetime = attrs.field(validator=_aware("registration.opens"))
    closes: _dt.datetime = attrs.field(validator=_aware("registration.closes"))

    def __attrs_post_init__(self) -> None:
        if self.closes <= self.opens:
            raise TimeRangeError(self.opens, self.closes, "registration window")

    def is_open(self, at: _dt.datetime) -> bool:
        """Whether an application submitted at ``at`` is inside the window."""
        tz.check_aware(at, "at")
        return self.opens <= at < self.closes


class SessionKind(enum.StrEnum):
    """What a session is: all participants together, a small group, or something else."""

    PLENARY = "plenary"
    BREAKOUT = "breakout"
    OTHER = "other"


class SessionStatus(enum.StrEnum):
    """Whether a session takes place."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class Session:
    """One part of an event's programme, with its own start and end.

    Raises:
        InvalidValue: an empty id or title.
        NaiveDatetimeError: a time has no zone.
        TimeRangeError: ``end`` is not after ``start``.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_non_empty)
    start: _dt.datetime = attrs.field(converter=_start, validator=_aware("start"))
    end: _dt.datetime = attrs.field(converter=_end, validator=_aware("end"))
    kind: SessionKind = attrs.field(default=SessionKind.PLENARY, converter=SessionKind)
    description: str = attrs.field(default="", validator=_text)
    status: SessionStatus = attrs.field(default=SessionStatus.CONFIRMED, converter=SessionStatus)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise TimeRangeError(self.start, self.end, f"session {self.id!r}")

    @property
    def duration(self) -> _dt.timedelta:
        """The session's length in elapsed time (DST changes included)."""
        return tz.to_utc(self.end) - tz.to_utc(self.start)


# ------------------------------------------------------------------------------------------
# The registration form


class QuestionKind(enum.StrEnum):
    """The kinds of question a registration form can ask."""

    SINGLE_CHOICE = "single-choice"
    MULTIPLE_CHOICE = "multiple-choice"
    YES_NO = "yes-no"
    FREE_TEXT = "free-text"
    SCALE = "scale"


SCALE_RANGE: Final = range(1, 6)
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


def _questions(value: Iterable[Question]) -> tuple[Question, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Form:
    """The registration form: the questions an applicant answers.

    Raises:
        InvalidValue: two questions share an id.
    """

    questions: tuple[Question, ...] = attrs.field(default=(), converter=_questions)

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


# ------------------------------------------------------------------------------------------
# Selection rules (configuration carried by the event; the selection layer applies them)


@attrs.frozen(kw_only=True)
class QuotaBounds:
    """At least ``min`` and at most ``max`` selected applicants with one attribute value.

    Raises:
        InvalidValue: negative bounds, or ``min`` above ``max``.
    """

    min: int = attrs.field(default=0, validator=_non_negative_int)
    max: int | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.max is not None:
            _non_negative_int(self, attrs.fields(QuotaBounds).max, self.max)
            if self.max < self.min:
                raise InvalidValue(
                    "max", self.max, f"a maximum of at least the minimum {self.min}"
                )


def _int_mapping(value: Mapping[str, int]) -> dict[str, int]:
    return dict(value)


def _quota_table(
    value: Mapping[str, Mapping[str, QuotaBounds]],
) -> dict[str, dict[str, QuotaBounds]]:
    return {str(a): dict(values) for a, values in value.items()}


_SHA256: Final = re.compile(r"[0-9a-f]{64}")


def _lower_or_none(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def seed_commitment(seed: int) -> str:
    """The commitment to a selection seed: the SHA-256 (hex) of its decimal text.

    Publish it as ``selection.seed_sha256`` while registration is open and reveal the seed
    only when selecting; anyone can then check the seed against it.

    >>> seed_commitment(2023)[:16]
    'd398b29d3dbbb9bf'
    """
    return hashlib.sha256(str(int(seed)).encode("ascii")).hexdigest()


@attrs.frozen(kw_only=True)
class SelectionRules:
    """How an event's participants are selected: the policy, its seed and the constraints.

    ``quotas[attribute][value]`` bounds the number selected with that value (attributes are
    ``role``, ``country``, ``organisation`` or a form question id); ``caps[attribute]`` is
    the most selected that may share any one value. ``parameters`` holds policy-specific
    settings (e.g. the weights of the ``score`` policy). ``seed_sha256`` is the published
    commitment to a seed not yet revealed (see :func:`seed_commitment`); with both set, the
    seed must match it. ``attributes`` declares the free
    attributes of the applicants (columns of the applications file that are not form
    questions) that the rules may name; an event file's rules may name no other attribute
    than these, ``role``, ``country``, ``organisation``, ``name`` and the form's questions.

    Raises:
        InvalidValue: a seed that is not a whole number, a commitment that is not 64
            hexadecimal digits, or a cap that is not a whole number >= 0.
        SeedMismatch: the seed's SHA-256 is not the commitment.
    """

    policy: str = attrs.field(default="first-come", validator=_non_empty)
    seed: int | None = None
    seed_sha256: str | None = attrs.field(default=None, converter=_lower_or_none)
    quotas: dict[str, dict[str, QuotaBounds]] = attrs.field(factory=dict, converter=_quota_table)
    caps: dict[str, int] = attrs.field(factory=dict, converter=_int_mapping)
    parameters: dict[str, Any] = attrs.field(factory=dict, converter=dict)
    attributes: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)

    def __attrs_post_init__(self) -> None:
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise InvalidValue("selection.seed", self.seed, "a whole number")
        commitment = self.seed_sha256
        if commitment is not None:
            if not isinstance(commitment, str) or not _SHA256.fullmatch(commitment):
                raise InvalidValue(
                    "selection.seed_sha256",
                    commitment,
                    "64 hexadecimal digits: the SHA-256 of the seed's decimal text",
                )
            if self.seed is not None and seed_commitment(self.seed) != commitment:
                raise SeedMismatch(self.seed, commitment, seed_commitment(self.seed))
        for attribute, limit in self.caps.items():
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise InvalidValue(f"selection.caps.{attribute}", limit, "a whole number >= 0")


# ------------------------------------------------------------------------------------------
# The event


def _sessions(value: Iterable[Session]) -> tuple[Session, ...]:
    return tuple(value)


def _in_zone(session: Session, zone: str) -> Session:
    start, end = tz.to_zone(session.start, zone), tz.to_zone(session.end, zone)
    if start.tzinfo is session.start.tzinfo and end.tzinfo is session.end.tzinfo:
        return session
    return attrs.evolve(session, start=start, end=end)


def _zone_name(value: str) -> str:
    return tz.zone_name(value)


def event_problems(
    sessions: Sequence[Session],
    registration: RegistrationWindow,
    target_groups: Sequence[str] = (),
) -> list[InvalidValue]:
    """Return every broken invariant between an event's parts (empty when they fit).

    :class:`Event` raises the first of them; event files report them all at once.
    Checked: at least one session; unique session ids; plenaries that do not overlap one
    another (parallel breakouts may); a deadline no later than the first session's start;
    each target group named once.
    """
    if not sessions:
        return [InvalidValue("sessions", (), "at least one session")]
    problems: list[InvalidValue] = []
    seen: set[str] = set()
    for position, session in enumerate(sessions):  # one pass: 100,000 sessions in a blink
        if session.id in seen:
            problems.append(
                InvalidValue(f"sessions[{position}].id", session.id, "a unique session id")
            )
        seen.add(session.id)
    plenaries = sorted(
        (
            (s.start, position, s)
            for position, s in enumerate(sessions)
            if s.kind is SessionKind.PLENARY
        ),
        key=lambda item: (item[0], item[1]),
    )
    problems.extend(
        InvalidValue(
            f"sessions[{position}].start",
            second.start.isoformat(),
            f"a start at or after the end of plenary {first.id!r} "
            f"({first.end.isoformat()}); only breakouts may run in parallel",
        )
        for (_, _, first), (_, position, second) in itertools.pairwise(plenaries)
        if second.start < first.end
    )
    first_start = min(s.start for s in sessions)
    if registration.closes > first_start:
        problems.append(
            InvalidValue(
                "registration.closes",
                registration.closes.isoformat(),
                f"a deadline no later than the first session's start ({first_start.isoformat()})",
            )
        )
    if not all(isinstance(group, str) for group in target_groups):
        problems.append(InvalidValue("target_groups", tuple(target_groups), "role names (text)"))
    elif len(set(target_groups)) != len(target_groups):
        problems.append(InvalidValue("target_groups", tuple(target_groups), "each group once"))
    return problems


@attrs.frozen(kw_only=True)
class Event:
    """A training event: its schedule, where it happens, who may register and how many.

    Invariants (each violation raises a specific error naming the field): aware datetimes;
    each session ends after it starts; session ids are unique; plenary sessions do not
    overlap one another (parallel breakouts may); the registration window closes no later
    than the first session starts; capacity is at least 1; the join link is a URL.

    ``revision`` starts at 0 and rises with every change made through :meth:`revise` (and the
    methods built on it); calendar updates derive their SEQUENCE from it.

    Raises:
        UnknownTimeZone: ``timezone`` is not an IANA name.
        InvalidValue: any other invariant above.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_non_empty)
    timezone: str = attrs.field(converter=_zone_name)
    organiser: Organiser
    sessions: tuple[Session, ...] = attrs.field(converter=_sessions)
    registration: RegistrationWindow
    capacity: int = attrs.field(validator=_positive_int)
    description: str = attrs.field(default="", validator=_text)
    language: str = attrs.field(default="en", validator=_non_empty)
    online: OnlineMeeting | None = None
    venue: Venue | None = None
    target_groups: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)
    form: Form = attrs.field(factory=Form)
    selection: SelectionRules = attrs.field(factory=SelectionRules)
    revision: int = attrs.field(default=0, validator=_non_negative_int)

    def __attrs_post_init__(self) -> None:
        problems = event_problems(self.sessions, self.registration, self.target_groups)
        if problems:
            raise problems[0]
        # Session times are kept in the event's zone (the same instants): they show the
        # event's wall times and equal what a calendar or an event file reads back.
        local = tuple(_in_zone(s, self.timezone) for s in self.sessions)
        if any(a is not b for a, b in zip(local, self.sessions, strict=True)):
            object.__setattr__(self, "sessions", local)

    # -- files (the formats live in ran_events.serialization) ----------------------------

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Event:
        """Read an event file (TOML).

        Raises:
            EventFileError: every problem with file, line, field, value and accepted form.
            OSError: the file cannot be read.
        """
        from ..serialization import event_from_toml  # noqa: PLC0415 - formats load on demand

        return event_from_toml(path)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str | None = None) -> Event:
        """Read the text of an event file (TOML).

        Raises:
            EventFileError: every problem, with its line where one can be found.
        """
        from ..serialization import event_from_toml_text  # noqa: PLC0415

        return event_from_toml_text(text, source=source)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str | None = None) -> Event:
        """Read a JSON event file (the TOML layout plus ``schema_version``).

        Raises:
            EventFileError: invalid JSON, or every problem of its content.
        """
        from ..serialization import event_from_json  # noqa: PLC0415

        return event_from_json(text, source=source)

    def to_toml(self) -> str:
        """Return the event as an event file (TOML) that reads back equal."""
        from ..serialization import event_to_toml  # noqa: PLC0415

        return event_to_toml(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the event as a JSON event file that reads back equal."""
        from ..serialization import event_to_json  # noqa: PLC0415

        return event_to_json(self, indent=indent)

    # -- derived --------------------------------------------------------------------------

    @property
    def zone(self) -> Any:
        """The event's zone as a tzinfo."""
        return tz.zone(self.timezone)

    @property
    def start(self) -> _dt.datetime:
        """The start of the earliest session."""
        return min(s.start for s in self.sessions)

    @property
    def end(self) -> _dt.datetime:
        """The end of the latest session."""
        return max(s.end for s in self.sessions)

    def session(self, session_id: str) -> Session:
        """Return the session with this id.

        Raises:
            KeyError: no session has that id (the message lists the ids).
        """
        for session in self.sessions:
            if session.id == session_id:
                return session
        raise KeyError(f"no session {session_id!r}; sessions: {[s.id for s in self.sessions]}")

    def local(self, instant: _dt.datetime) -> _dt.datetime:
        """The instant as a wall time in the event's zone."""
        return tz.to_zone(instant, self.timezone)

    # -- changes --------------------------------------------------------------------------

    def revise(self, **changes: Any) -> Event:
        """Return a copy with ``changes`` applied and ``revision`` raised by one."""
        return attrs.evolve(self, revision=self.revision + 1, **changes)

    def reschedule(self, session_id: str, *, start: _dt.datetime, end: _dt.datetime) -> Event:
        """Move one session; returns a new Event with its revision raised.

        Raises:
            KeyError: no such session.
            TimeRangeError, InvalidValue: the new times break an invariant.
        """
        self.session(session_id)
        sessions = tuple(
            attrs.evolve(s, start=start, end=end) if s.id == session_id else s
            for s in self.sessions
        )
        return self.revise(sessions=sessions)

    def cancel_session(self, session_id: str) -> Event:
        """Mark one session cancelled; returns a new Event with its revision raised."""
        self.session(session_id)
        sessions = tuple(
            attrs.evolve(s, status=SessionStatus.CANCELLED) if s.id == session_id else s
            for s in self.sessions
        )
        return self.revise(sessions=sessions)


# ------------------------------------------------------------------------------------------
# Registrants and registrations


def _country(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value == "":
        return
    codes = tz.countries()
    if not isinstance(value, str) or value not in codes:
        hint = ""
        if value == "EL":
            hint = " (the EU writes EL for Greece; ISO 3166-1 is GR)"
        elif value == "UK":
            hint = " (ISO 3166-1 is GB for the United Kingdom)"
        elif isinstance(value, str) and value.upper() in codes:
            hint = f" (upper case: {value.upper()})"
        raise InvalidValue(
            attribute.name,
            value,
            "an ISO 3166-1 alpha-2 country code such as BE",
            detail=hint.strip(" ()"),
        )


def _str_mapping(value: Mapping[str, str]) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()}


@attrs.frozen(kw_only=True, repr=False)
class Registrant:
    """A person who applies: who they are and what a selection rule may look at.

    ``email`` is kept as typed; :attr:`normalized_email` (checked offline by email-validator)
    is what identity and de-duplication use. The ``repr`` masks the address.

    Raises:
        InvalidEmail: the address is not valid.
        InvalidValue: an empty name or a country that is not an ISO 3166-1 alpha-2 code.
    """

    name: str = attrs.field(validator=_non_empty)
    email: str = attrs.field(validator=_text)
    organisation: str = attrs.field(default="", validator=_text)
    country: str = attrs.field(default="", validator=_country)
    role: str = attrs.field(default="", validator=_text)
    attributes: dict[str, str] = attrs.field(factory=dict, converter=_str_mapping)
    normalized_email: str = attrs.field(init=False, eq=False)

    @normalized_email.default
    def _normalise(self) -> str:
        return normalize_email(self.email)

    def __repr__(self) -> str:
        return (
            f"Registrant(name={self.name!r}, email={mask_email(self.normalized_email)!r}, "
            f"organisation={self.organisation!r}, country={self.country!r}, role={self.role!r})"
        )


class RegistrationStatus(enum.StrEnum):
    """Where a registration stands; see :data:`TRANSITIONS` for the allowed moves."""

    SUBMITTED = "submitted"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ATTENDED = "attended"
    NO_SHOW = "no-show"

    @property
    def is_final(self) -> bool:
        """Whether no further change is possible."""
        return not TRANSITIONS[self]


_S = RegistrationStatus
TRANSITIONS: Final[Mapping[RegistrationStatus, tuple[RegistrationStatus, ...]]] = {
    _S.SUBMITTED: (_S.SELECTED, _S.WAITLISTED, _S.REJECTED, _S.WITHDRAWN),
    _S.WAITLISTED: (_S.SELECTED, _S.REJECTED, _S.WITHDRAWN),
    _S.SELECTED: (_S.CONFIRMED, _S.DECLINED, _S.WITHDRAWN),
    _S.CONFIRMED: (_S.ATTENDED, _S.NO_SHOW, _S.WITHDRAWN),
    _S.REJECTED: (),
    _S.DECLINED: (),
    _S.WITHDRAWN: (),
    _S.ATTENDED: (),
    _S.NO_SHOW: (),
}
"""The status lifecycle: from each status, the statuses it may move to."""


@attrs.frozen(kw_only=True)
class StatusChange:
    """One entry of a registration's history."""

    from_status: RegistrationStatus = attrs.field(converter=RegistrationStatus)
    to_status: RegistrationStatus = attrs.field(converter=RegistrationStatus)
    at: _dt.datetime = attrs.field(validator=_aware("history.at"))
    reason: str = ""
    by: str = ""


def _answers(value: Mapping[str, object]) -> dict[str, Answer]:
    # JSON and hand-written dicts give lists for several choices; the model keeps tuples.
    return {str(k): tuple(v) if isinstance(v, list) else v for k, v in value.items()}  # type: ignore[misc]


def _history(value: Sequence[StatusChange]) -> tuple[StatusChange, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, repr=False)
class Registration:
    """One application to one event, with its status and the history of its changes.

    Raises:
        NaiveDatetimeError: ``submitted_at`` has no zone.
    """

    id: str = attrs.field(validator=_non_empty)
    event_id: str = attrs.field(validator=_non_empty)
    registrant: Registrant
    submitted_at: _dt.datetime = attrs.field(validator=_aware("submitted_at"))
    answers: dict[str, Answer] = attrs.field(factory=dict, converter=_answers)
    status: RegistrationStatus = attrs.field(
        default=RegistrationStatus.SUBMITTED, converter=RegistrationStatus
    )
    history: tuple[StatusChange, ...] = attrs.field(default=(), converter=_history)

    def __repr__(self) -> str:
        return (
            f"Registration(id={self.id!r}, event_id={self.event_id!r}, "
            f"registrant={self.registrant!r}, submitted_at={self.submitted_at.isoformat()!r}, "
            f"status={self.status.value!r}, history={len(self.history)} change(s))"
        )

    @property
    def email(self) -> str:
        """The registrant's normalised address."""
        return self.registrant.normalized_email

    def value_of(self, attribute: str) -> str | None:
        """The value a selection rule sees for ``attribute``.

        ``role``, ``country``, ``organisation`` and ``name`` read the registrant; any other
        name reads the free attributes, then the answers (a yes/no answer reads ``yes`` or
        ``no``; several choices are joined with ``;``). ``None`` when there is no value.
        """
        registrant = self.registrant
        if attribute in ("role", "country", "organisation", "name"):
            value: object = getattr(registrant, attribute)
        elif attribute in registrant.attributes:
            value = registrant.attributes[attribute]
        else:
            value = self.answers.get(attribute)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, tuple):
            return ";".join(value)
        return str(value)

    def transition(
        self,
        to: RegistrationStatus | str,
        *,
        at: _dt.datetime,
        reason: str = "",
        by: str = "",
    ) -> Registration:
        """Return a copy in status ``to`` with the change appended to the history.

        Raises:
            IllegalTransition: ``to`` cannot be reached from the current status.
            NaiveDatetimeError: ``at`` has no zone.
        """
        target = RegistrationStatus(to)
        allowed = TRANSITIONS[self.status]
        if target not in allowed:
            raise IllegalTransition(self.status.value, target.value, [a.value for a in allowed])
        change = StatusChange(
            from_status=self.status, to_status=target, at=at, reason=reason, by=by
        )
        return attrs.evolve(self, status=target, history=(*self.history, change))
