"""Row checks: one application (a CSV row, a JSON line) read into a registration or rejected.

:class:`_Intake` checks every field of a row against the event (address, submission time
and window, country, the form's answers, free attributes), collects every problem of the
row, and hands a valid registration to the book that holds them. The file readers
(:mod:`ran_events.intake.csv`, :mod:`ran_events.intake.jsonl`) feed it rows; it knows no
file format.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import attrs

from .. import tz
from .._email import normalize_once as _normalise_address
from ..errors import (
    AmbiguousTimeError,
    DuplicateRegistration,
    InvalidEmail,
    InvalidValue,
    NonexistentTimeError,
    RegistrationClosed,
    RegistrationNotOpen,
)
from ..models import (
    FIRST_YEAR,
    LAST_YEAR,
    Answer,
    Consent,
    Event,
    Question,
    QuestionKind,
    Registrant,
    Registration,
    normalise_email,
)
from ..models.registrant import _checked_registrant
from ..models.registration import _checked_registration
from .report import ImportReport, RejectedRow, RowProblem

__all__ = ["CSV_COLUMNS", "registration_id"]

CSV_COLUMNS: Final = ("id", "email", "name", "submitted_at", "organisation", "country", "role")
"""The columns of an applications file that are not answers or attributes (``email``,
``name`` and ``submitted_at`` are required)."""

_REQUIRED: Final = ("email", "name", "submitted_at")
CONSENT_COLUMNS: Final = ("consent", "consent_at")
"""The columns of an applications file that give consent, when the form asks for it: ``yes``
(or ``true``) and, optionally, when (ISO 8601 with offset; default: ``submitted_at``).
When the form asks for no consent they are attributes like any other column."""
_YES_NO: Final = Question(id="consent", text="consent", kind=QuestionKind.YES_NO)


def registration_id(event_id: str, email: str) -> str:
    """Return the stable id of the registration of ``email`` to ``event_id``.

    The id is ``r`` and 16 hexadecimal digits of SHA-256 over the event id and the
    normalised address: the same on every machine, and it does not show the address.

    Raises:
        InvalidEmail: ``email`` is not a valid address.
    """
    return _derive_id(event_id, normalise_email(email))


def _derive_id(event_id: str, normalised_email: str) -> str:
    digest = hashlib.sha256(f"{event_id}\x00{normalised_email}".encode()).hexdigest()
    return f"r{digest[:16]}"


def check_window(event: Event, at: _dt.datetime) -> None:
    """Raise if ``at`` is outside ``event``'s registration window.

    Raises:
        RegistrationNotOpen: before the window opens.
        RegistrationClosed: at or after the deadline.
    """
    window = event.registration
    if at < window.opens:
        raise RegistrationNotOpen(_local(event, at), event.local(window.opens))
    if at >= window.closes:
        deadline = tz.format_deadline(window.closes, event.timezone, with_zone=True)
        raise RegistrationClosed(_local(event, at), event.local(window.closes), deadline)


def _local(event: Event, at: _dt.datetime) -> _dt.datetime:
    """``at`` in the event's zone; as given if that is before year 1 or after 9999
    (``0001-01-01T00:00+05:00`` is in year 0 in UTC)."""
    try:
        return event.local(at)
    except OverflowError:
        return at


_SURROGATE: Final = re.compile("[\udc80-\udcff]")
_EXAMPLE_TIME: Final = "2023-08-20T10:15:00+02:00"


class _Intake:
    """Turns rows into registrations held by a book, collecting every problem.

    Args:
        event: the event applied to.
        hold_many: the book's way of taking in registrations, in one transaction: per
            registration, the one held for its address afterwards, or the
            :class:`~ran_events.errors.DuplicateRegistration` or
            :class:`~ran_events.errors.InvalidValue` (an id taken) the book raises.
        zone: the zone of times written without an offset (``None``: such times are refused).
        batch: how many valid rows are handed over at once (a store writes each batch in one
            transaction).

    The book passes its own state in, so that this module does not import the book's.
    """

    def __init__(
        self,
        event: Event,
        hold_many: Callable[[Sequence[Registration]], Sequence[Registration | Exception]],
        zone: str | None,
        *,
        batch: int = 1,
    ) -> None:
        self.hold_many = hold_many
        self.batch = batch
        self.pending: list[Registration] = []  # valid, not yet handed over
        self.pending_lines: list[int] = []  # their lines
        # address: the registration held for it after this import's last row of it
        self.kept: dict[str, Registration] = {}
        self.event = event
        self.event_id = event.id
        self.zone = tz.zone_name(zone) if zone is not None else None
        self.questions: dict[str, Question] = {q.id: q for q in self.event.form.questions}
        self.consent = self.event.form.consent
        self.countries = frozenset(tz.countries())
        self.country_cells: dict[str, str] = {}  # cell text: its valid code (see _country)
        # Per question: its id, itself, whether it is free text, and its valid answers by text.
        self.plan: list[tuple[str, Question, bool, dict[str, Answer]]] = [
            (q.id, q, q.kind is QuestionKind.FREE_TEXT, {}) for q in self.event.form.questions
        ]
        self.cached = 0  # valid answers held in the plan (at most _CACHE_SIZE)
        self.texts: dict[str, str] = {}  # see _shared()
        # As POSIX timestamps: comparing aware datetimes of different zones costs ~2 µs.
        self.opens_ts = self.event.registration.opens.timestamp()
        self.closes_ts = self.event.registration.closes.timestamp()
        # address: the line of the row kept (the registration kept is the book's)
        self.accepted: dict[str, int] = {}
        self.rejected: list[RejectedRow] = []
        self.rows = 0

    # -- one row --------------------------------------------------------------------------

    def row(
        self,
        line: int,
        fields: Mapping[str, object],
        answers: Mapping[str, object],
        attributes: Mapping[str, object],
    ) -> None:
        """Take in one row (``fields``: the standard columns) or reject it."""
        get = fields.get
        self.cells(
            line,
            get("id"),
            get("email"),
            get("name"),
            get("submitted_at"),
            get("organisation"),
            get("country"),
            get("role"),
            answers,
            attributes,
        )

    def cells(  # noqa: PLR0917 - the columns of CSV_COLUMNS, in their order
        self,
        line: int,
        given_id: object,
        given_email: object,
        given_name: object,
        given_at: object,
        given_organisation: object,
        given_country: object,
        given_role: object,
        answers: Mapping[str, object],
        attributes: Mapping[str, object],
    ) -> None:
        """Take in one row given as the values of :data:`CSV_COLUMNS` (``None``: absent),
        its answers and its attributes, or reject it."""
        self.rows += 1
        problems: list[RowProblem] = []
        email = self._email(given_email, problems)
        if type(given_name) is str and (name := given_name.strip()):  # _text_field's fast path
            pass
        else:
            name = _text_field(given_name, "name", problems, required=True)
        submitted_at = self._submitted_at(given_at, problems)
        texts = self.texts
        organisation = (
            given_organisation.strip()
            if type(given_organisation) is str
            else _text_field(given_organisation, "organisation", problems)
        )
        organisation = texts.get(organisation) or self._shared(organisation)
        role = (
            given_role.strip()
            if type(given_role) is str
            else _text_field(given_role, "role", problems)
        )
        role = texts.get(role) or self._shared(role)
        country = self._country(given_country, problems)
        given_id = (
            given_id.strip() if type(given_id) is str else _text_field(given_id, "id", problems)
        )
        parsed = self._answers(answers, problems)
        consent = None
        if self.consent is not None:
            attributes, consent = self._consent(attributes, submitted_at, problems)
        extra = self._attributes(attributes, problems)
        if problems or email is None or submitted_at is None:
            self._reject(line, problems)
            return
        registration_id = given_id or _derive_id(self.event_id, email)
        typed = str(given_email).strip()
        if (
            type(submitted_at.tzinfo) is _dt.timezone  # a fixed offset: nothing to check
            and FIRST_YEAR <= submitted_at.year <= LAST_YEAR
            and name.isprintable()  # no control character (nor anything else unusual)
            and registration_id.isprintable()
        ):
            # Every field is checked as the constructors' validators would: build the
            # registration without them (they cost several µs a row). Anything unusual
            # takes the public constructors below, whose errors then name the field.
            registration = _checked_registration(
                registration_id,
                self.event_id,
                _checked_registrant(name, typed, organisation, country, role, extra, email),
                submitted_at,
                parsed,
                consent,
            )
            self._hold(line, registration)
            return
        try:
            registration = Registration(
                id=registration_id,
                event_id=self.event_id,
                registrant=Registrant(
                    name=name,
                    email=typed,
                    organisation=organisation,
                    country=country,
                    role=role,
                    attributes=extra,
                ),
                submitted_at=submitted_at,
                answers=parsed,
                consent=consent,
            )
        except (InvalidValue, TypeError) as exc:  # not expected: every field was checked
            field = getattr(exc, "field", "")
            self._reject(
                line, [RowProblem(field=field, value=None, reason=str(exc), code="invalid-value")]
            )
            return
        self._hold(line, registration)

    def unread(self, line: int, problems: Sequence[RowProblem]) -> None:
        """Count a row that could not be read as a row (a file reader's refusal) as rejected."""
        self.rows += 1
        self._reject(line, problems)

    def _reject(self, line: int, problems: Sequence[RowProblem]) -> None:
        self.rejected.append(RejectedRow(line=line, problems=tuple(problems)))

    def _hold(self, line: int, registration: Registration) -> None:
        self.pending.append(registration)
        self.pending_lines.append(line)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Hand the rows waiting over to the book, in one batch, and record each outcome."""
        pending, self.pending = self.pending, []
        lines, self.pending_lines = self.pending_lines, []
        if not pending:
            return
        results = self.hold_many(pending)
        kept, accepted = self.kept, self.accepted
        for line, registration, result in zip(lines, pending, results, strict=True):
            email = registration.registrant.normalised_email
            if result is registration and email not in accepted:  # new: taken in as it is
                kept[email] = registration
                accepted[email] = line
            else:
                self._held(line, registration, result)

    def _held(self, line: int, registration: Registration, result: object) -> None:
        email = registration.email
        first_line = self.accepted.get(email)  # an earlier row of this import with the address
        if isinstance(result, DuplicateRegistration):
            where = (
                f"line {first_line}"
                if first_line is not None
                else f"registration {result.existing_id}"
            )
            self._reject(
                line,
                [
                    RowProblem(
                        field="email",
                        value=email,
                        reason=f"a duplicate of {where} (same address)",
                        code="duplicate",
                    )
                ],
            )
            return
        if isinstance(result, InvalidValue):
            self._reject(
                line,
                [
                    RowProblem(
                        field="id",
                        value=registration.id,
                        reason=result.expected,
                        code="duplicate-id",
                    )
                ],
            )
            return
        if isinstance(result, Exception):
            raise result  # not a row's problem: the backend failed
        kept: Registration = result  # type: ignore[assignment]
        self.kept[email] = kept
        if kept.submitted_at == registration.submitted_at:
            # new, or (keep-latest) the later application: this row is taken in.
            if first_line is not None:
                self._superseded(first_line, f"line {line}")
            self.accepted[email] = line
        else:  # keep-latest, and the application held was submitted later
            where = f"line {first_line}" if first_line is not None else f"registration {kept.id}"
            self._superseded(line, where)

    def _superseded(self, line: int, by: str) -> None:
        self._reject(
            line,
            [
                RowProblem(
                    field="email",
                    value=None,
                    reason=f"superseded by the later application of the same address ({by})",
                    code="superseded",
                )
            ],
        )

    # -- fields ---------------------------------------------------------------------------

    @staticmethod
    def _email(value: object, problems: list[RowProblem]) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(
                RowProblem(
                    field="email",
                    value=value,
                    reason="an e-mail address is required",
                    code="missing",
                )
            )
            return None
        if not isinstance(value, str):
            problems.append(
                RowProblem(field="email", value=value, reason="not text", code="invalid-email")
            )
            return None
        try:
            return _normalise_address(value.strip())  # what normalise_email does for a text
        except InvalidEmail as exc:
            problems.append(
                RowProblem(field="email", value=value, reason=exc.reason, code="invalid-email")
            )
            return None

    def _submitted_at(self, value: object, problems: list[RowProblem]) -> _dt.datetime | None:
        field = "submitted_at"
        text = value.strip() if isinstance(value, str) else value
        if text is None or text == "":
            problems.append(
                RowProblem(
                    field=field, value=value, reason="a date and time is required", code="missing"
                )
            )
            return None
        try:
            if not isinstance(text, str):
                raise TypeError
            at = _dt.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            problems.append(_not_a_datetime(field, value))
            return None
        given_zone = at.tzinfo
        if type(given_zone) is not _dt.timezone and (given_zone is None or at.utcoffset() is None):
            if self.zone is None:
                problems.append(
                    RowProblem(
                        field=field,
                        value=value,
                        reason="no UTC offset: write one (e.g. +02:00) or name the zone the times "
                        "were recorded in (zone=... / --zone)",
                        code="no-offset",
                    )
                )
                return None
            try:
                at = tz.localize(at, self.zone)
            except (NonexistentTimeError, AmbiguousTimeError) as exc:
                code = (
                    "nonexistent-time"
                    if isinstance(exc, NonexistentTimeError)
                    else "ambiguous-time"
                )
                problems.append(RowProblem(field=field, value=value, reason=str(exc), code=code))
                return None
            except OverflowError:  # the first or last day of the calendar, in UTC
                problems.append(
                    RowProblem(
                        field=field,
                        value=value,
                        reason=f"cannot be placed in {self.zone}: too close to the year 1 or 9999",
                        code="invalid-datetime",
                    )
                )
                return None
        if self.opens_ts < at.timestamp() < self.closes_ts:  # clearly inside: the fast check
            return at
        try:  # at or near a bound, or outside: the exact check, with the message
            check_window(self.event, at)
        except (RegistrationNotOpen, RegistrationClosed) as exc:
            code = "not-open" if isinstance(exc, RegistrationNotOpen) else "closed"
            problems.append(RowProblem(field=field, value=value, reason=str(exc), code=code))
            return None
        return at

    def _consent(
        self,
        raw: Mapping[str, object],
        submitted_at: _dt.datetime | None,
        problems: list[RowProblem],
    ) -> tuple[dict[str, object], Consent | None]:
        """The consent columns of a row (and the other attributes): see
        :data:`CONSENT_COLUMNS`."""
        asked = self.consent
        assert asked is not None
        rest = {k: v for k, v in raw.items() if k not in CONSENT_COLUMNS}
        given = raw.get("consent")
        answer = _YES_NO.parse(given) if isinstance(given, str) else given
        if answer not in (True, False, None):
            problems.append(
                RowProblem(
                    field="consent", value=given, reason="not yes or no", code="invalid-consent"
                )
            )
            return rest, None
        if not answer:
            if asked.required:
                problems.append(
                    RowProblem(
                        field="consent",
                        value=given,
                        reason=f"consent to {asked.version!r} of the form is required",
                        code="missing-consent",
                    )
                )
            return rest, None
        at = submitted_at
        when = raw.get("consent_at")
        if when is not None and when != "":
            at = self._instant(when, "consent_at", problems)
        if at is None:
            return rest, None
        return rest, Consent(version=asked.version, text=asked.text, at=at)

    def _instant(
        self, value: object, field: str, problems: list[RowProblem]
    ) -> _dt.datetime | None:
        """An ISO 8601 date and time (with offset, or in the intake's zone), or a problem."""
        try:
            if not isinstance(value, str):
                raise TypeError
            at = _dt.datetime.fromisoformat(value.strip())
            if at.tzinfo is None or at.utcoffset() is None:
                if self.zone is None:
                    raise ValueError
                at = tz.localize(at, self.zone)
        except (TypeError, ValueError, OverflowError):
            problems.append(_not_a_datetime(field, value))
            return None
        return at

    def _country(self, value: object, problems: list[RowProblem]) -> str:
        """The country code of a cell (one string object for each), or ``""`` and a problem."""
        if type(value) is str:
            known = self.country_cells.get(value)
            if known is not None:
                return known
        if value is None:
            return ""
        if not isinstance(value, str):
            problems.append(
                RowProblem(field="country", value=value, reason="not text", code="invalid-country")
            )
            return ""
        code = value.strip().upper()
        if code and code not in self.countries:
            try:
                _check_country(code)
            except InvalidValue as exc:
                reason = exc.expected + (f" ({exc.detail})" if exc.detail else "")
                problems.append(
                    RowProblem(
                        field="country",
                        value=value,
                        reason="expected " + reason,
                        code="invalid-country",
                    )
                )
                return ""
        code = self.texts.get(code) or self._shared(code)
        if value == code:  # as a code is written: at most one entry per country
            self.country_cells[value] = code
        return code

    def _answers(self, raw: Mapping[str, object], problems: list[RowProblem]) -> dict[str, Answer]:
        """The answers of one row, checked against the form; every problem is collected.

        A text cell of a choice, yes/no or scale question is read and checked once per
        distinct valid text (these repeat across rows); free text is read every time.
        """
        parsed: dict[str, Answer] = {}
        answer: Answer | None
        for qid, question, free_text, valid in self.plan:
            value = raw.get(qid)
            if isinstance(value, str):  # the fast paths: a valid answer, read before or free
                if free_text:
                    answer = value.strip()
                    if answer:
                        parsed[qid] = answer
                        continue
                else:
                    answer = valid.get(value)
                    if answer is not None:
                        parsed[qid] = answer
                        continue
            self._answer(question, value, valid, parsed, problems)
        if not self.questions.keys() >= raw.keys():
            problems.extend(
                RowProblem(
                    field=key,
                    value=raw[key],
                    reason=f"not a question of this form (known: {sorted(self.questions)})",
                    code="unknown-question",
                )
                for key in raw
                if key not in self.questions
            )
        return parsed

    def _answer(
        self,
        question: Question,
        value: object,
        valid: dict[str, Answer],
        parsed: dict[str, Answer],
        problems: list[RowProblem],
    ) -> None:
        """Read one answer into ``parsed`` or its problem into ``problems``; a valid text
        answer of a choice, yes/no or scale question is kept in ``valid`` for the next rows."""
        qid = question.id
        free_text = question.kind is QuestionKind.FREE_TEXT
        answer: Answer | None
        message: str | None
        if isinstance(value, str):
            if free_text:
                answer, message = value.strip() or None, None
            else:
                answer, message = _read_answer(question, value)
        elif value is None:
            answer, message = None, None
        else:
            answer = tuple(value) if isinstance(value, list) else value  # type: ignore[assignment]
            message = question.problem(answer)
        if answer is None or answer in ((), ""):
            if question.required:
                problems.append(
                    RowProblem(
                        field=qid,
                        value=value,
                        reason="a required answer is missing",
                        code="missing-answer",
                    )
                )
            elif answer == ():
                parsed[qid] = ()
        elif message is not None:
            problems.append(
                RowProblem(field=qid, value=value, reason=message, code="invalid-answer")
            )
        else:
            parsed[qid] = answer
            if isinstance(value, str) and not free_text and self.cached < _CACHE_SIZE:
                self.cached += 1
                valid[value] = answer

    def _shared(self, text: str) -> str:
        """One string object for equal texts (see :data:`_SHARED_TEXTS`)."""
        kept = self.texts.get(text)
        if kept is None:
            kept = text
            if len(self.texts) < _SHARED_TEXTS and len(text) <= _SHARED_LENGTH:
                self.texts[text] = text
        return kept

    def _attributes(self, raw: Mapping[str, object], problems: list[RowProblem]) -> dict[str, str]:
        result: dict[str, str] = {}
        texts = self.texts
        for key, value in raw.items():
            if value is None or value == "":
                continue
            if type(value) is str:
                result[key] = texts.get(value) or self._shared(value)
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                problems.append(
                    RowProblem(
                        field=key,
                        value=value,
                        reason="an attribute must be text or a number",
                        code="invalid-value",
                    )
                )
                continue
            result[key] = str(value)
        return result

    def report(self) -> ImportReport:
        """The report of everything taken in so far (the rows waiting are handed over first)."""
        self.flush()
        held, lines = self.kept, self.accepted
        # By line. The addresses are in that order unless a later row replaced an earlier
        # one: then only they are sorted (no pair per row: a large file has millions).
        in_order = all(a < b for a, b in itertools.pairwise(lines.values()))
        order = lines if in_order else sorted(lines, key=lines.__getitem__)
        accepted = tuple(held[address] for address in order)
        rejected = tuple(sorted(self.rejected, key=lambda r: r.line))
        return ImportReport(accepted=accepted, rejected=rejected, rows=self.rows)


_CACHE_SIZE: Final = 10_000
_SHARED_TEXTS: Final = 100_000
"""How many distinct short texts an import shares (one string object for equal cells of
organisation, role, country and attributes). A column such as seniority repeats a few values
over many rows, and a Python string costs about 50 bytes beside its characters: a wide file
of short cells would otherwise take some 20 times its size in memory."""
_SHARED_LENGTH: Final = 100
"""The longest text shared (longer ones seldom repeat)."""


def _read_answer(question: Question, text: str) -> tuple[Answer | None, str | None]:
    """A cell read as ``question``'s answer, and what is wrong with it (or ``None``)."""
    if question.kind is QuestionKind.MULTIPLE_CHOICE and not text.strip():
        return (), None
    answer = question.parse(text)
    if answer is None:
        return None, None
    return answer, question.problem(answer)


def _not_a_datetime(field: str, value: object) -> RowProblem:
    return RowProblem(
        field=field,
        value=value,
        reason=f"not an ISO 8601 date and time with offset such as {_EXAMPLE_TIME}",
        code="invalid-datetime",
    )


def _check_country(code: str) -> None:
    """Run the Registrant's own country check (raises InvalidValue with a hint)."""
    field = attrs.fields(Registrant).country
    if field.validator is not None:
        field.validator(None, field, code)


def _text_field(
    value: object, name: str, problems: list[RowProblem], *, required: bool = False
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(
            RowProblem(field=name, value=value, reason="not text", code="invalid-value")
        )
        return ""
    text = value.strip()
    if required and not text:
        problems.append(
            RowProblem(field=name, value=value, reason=f"a {name} is required", code="missing")
        )
    return text


def _encoding_problem(field: str, value: str) -> RowProblem:
    shown = value.encode("utf-8", "surrogateescape")[:60]
    return RowProblem(
        field=field,
        value=shown,
        reason="not UTF-8 (was the file saved as Windows-1252 or Latin-1? save it as UTF-8)",
        code="encoding",
    )
