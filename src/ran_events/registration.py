"""Intake: the registration book of one event, and applications taken in from files.

:class:`RegistrationBook` holds one event's registrations. :meth:`RegistrationBook.register`
checks the registration window, the form and duplicates (by normalised e-mail address).
:func:`import_csv` and :func:`import_jsonl` take in a whole file and return an
:class:`ImportReport`: every row is either accepted or rejected with its line, field, value
and reason; an import never stops half-way. :func:`export_csv` writes what :func:`import_csv`
reads back; :func:`export_json` / :func:`import_json` are lossless (status and history
included). :func:`pseudonymise` replaces who applied by stable pseudonyms, keeping what a
selection rule reads.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import gc
import hashlib
import hmac
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Final, Literal, TypeAlias

import attrs

from . import tz
from ._spreadsheet import neutralise
from .errors import (
    AmbiguousTimeError,
    DuplicateRegistration,
    InvalidEmail,
    InvalidValue,
    NonexistentTimeError,
    RegistrationClosed,
    RegistrationNotOpen,
    UnknownRegistration,
)
from .models import (
    Answer,
    Event,
    Question,
    QuestionKind,
    Registrant,
    Registration,
    RegistrationStatus,
    StatusChange,
    mask_email,
    normalise_email,
)

__all__ = [
    "CSV_COLUMNS",
    "ImportReport",
    "OnDuplicate",
    "RegistrationBook",
    "RejectedRow",
    "RowProblem",
    "export_csv",
    "export_json",
    "import_csv",
    "import_json",
    "import_jsonl",
    "pseudonymise",
    "registration_id",
]

OnDuplicate: TypeAlias = Literal["reject", "replace"]
"""What a book does with a second application from the same (normalised) address:
``"reject"`` it (:class:`~ran_events.errors.DuplicateRegistration`, in a file: a rejected row
naming the first one's line) or ``"replace"``: keep the latest application (the later
``submitted_at``) and record the replaced one in the kept registration's history."""

CSV_COLUMNS: Final = ("id", "email", "name", "submitted_at", "organisation", "country", "role")
"""The columns of an applications file that are not answers or attributes (``email``,
``name`` and ``submitted_at`` are required)."""

_REQUIRED: Final = ("email", "name", "submitted_at")
_SOURCE: TypeAlias = "str | os.PathLike[str] | IO[str]"
_REPLACED_BY: Final = "registration book"
_REPLACES: Final = "replaces the application "
"""The start of the history reason of a replaced application, before the replaced id."""


def registration_id(event_id: str, email: str) -> str:
    """Return the stable id of the registration of ``email`` to ``event_id``.

    The id is ``r`` and 16 hexadecimal digits of SHA-256 over the event id and the
    normalised address: the same on every machine, and it does not show the address.

    Raises:
        InvalidEmail: ``email`` is not a valid address.
    """
    return _derive_id(event_id, normalise_email(email))


def _derive_id(event_id: str, normalized_email: str) -> str:
    digest = hashlib.sha256(f"{event_id}\x00{normalized_email}".encode()).hexdigest()
    return f"r{digest[:16]}"


# ------------------------------------------------------------------------------------------
# The book


@attrs.define
class RegistrationBook:
    """The registrations of one event: checked on the way in, one per e-mail address.

    Args:
        event: the event applied to (its window and form are checked).
        on_duplicate: ``"reject"`` (default) or ``"replace"``; see :data:`OnDuplicate`.
    """

    event: Event
    on_duplicate: OnDuplicate = attrs.field(default="reject")
    _by_email: dict[str, Registration] = attrs.field(init=False, factory=dict)
    _by_id: dict[str, str] = attrs.field(init=False, factory=dict)

    @on_duplicate.validator
    def _check_policy(self, _attribute: object, value: object) -> None:
        if value not in ("reject", "replace"):
            raise InvalidValue("on_duplicate", value, "'reject' or 'replace'")

    def __repr__(self) -> str:
        by_status = Counter(r.status.value for r in self._by_email.values())
        shown = ", ".join(f"{k}={v}" for k, v in sorted(by_status.items()))
        return f"RegistrationBook(event={self.event.id!r}, {len(self)} registration(s): {shown})"

    def __len__(self) -> int:
        return len(self._by_email)

    def __iter__(self) -> Iterator[Registration]:
        return iter(list(self._by_email.values()))

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._by_id

    @property
    def registrations(self) -> tuple[Registration, ...]:
        """The registrations held, in the order they were taken in."""
        return tuple(self._by_email.values())

    def get(self, registration_id: str) -> Registration:
        """Return the registration with this id.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        email = self._by_id.get(registration_id)
        if email is None:
            raise UnknownRegistration(registration_id)
        return self._by_email[email]

    def find(self, email: str) -> Registration | None:
        """Return the registration of this address (in any spelling), or ``None``.

        Raises:
            InvalidEmail: ``email`` is not a valid address.
        """
        return self._by_email.get(normalise_email(email))

    def register(
        self,
        registrant: Registrant,
        *,
        submitted_at: _dt.datetime,
        answers: Mapping[str, Answer] | None = None,
        id: str | None = None,
        by: str = "",
    ) -> Registration:
        """Take in one application and return its registration.

        Args:
            registrant: who applies.
            submitted_at: when (aware).
            answers: the answers to the event's form.
            id: the registration id; default: :func:`registration_id` of the event and the
                normalised address (stable and deterministic).
            by: who records it (kept in the history when it replaces an earlier one).

        Raises:
            NaiveDatetimeError: ``submitted_at`` has no zone.
            RegistrationNotOpen: before the window opens.
            RegistrationClosed: at or after the deadline.
            InvalidAnswers: the answers do not fit the form (every problem listed).
            DuplicateRegistration: the address already has a registration and the book
                rejects duplicates (or the held one is no longer ``submitted``).
            InvalidValue: ``id`` is already used by another address.
        """
        registration = Registration(
            id=id or _derive_id(self.event.id, registrant.normalized_email),
            event_id=self.event.id,
            registrant=registrant,
            submitted_at=submitted_at,
            answers=answers or {},
        )
        return self.add(registration, by=by)

    def add(self, registration: Registration, *, by: str = "") -> Registration:
        """Take in a registration built elsewhere, with the same checks as :meth:`register`.

        Returns the registration held for that address (with ``"replace"``, the latest one).

        Raises:
            InvalidValue: the registration is for another event, or its id is taken.
            RegistrationNotOpen, RegistrationClosed, InvalidAnswers, DuplicateRegistration:
                as for :meth:`register`.
        """
        if registration.event_id != self.event.id:
            raise InvalidValue("event_id", registration.event_id, f"{self.event.id!r}")
        self._check_window(registration.submitted_at)
        self.event.form.check(registration.answers)
        return self._hold(registration, by=by)

    def transition(
        self,
        registration_id: str,
        to: RegistrationStatus | str,
        *,
        at: _dt.datetime,
        reason: str = "",
        by: str = "",
    ) -> Registration:
        """Move one registration to status ``to``; returns (and holds) the new one.

        Args:
            registration_id: the registration.
            to: the new status.
            at: when (aware).
            reason: why, kept in the history.
            by: who made the change, kept in the history.

        Raises:
            UnknownRegistration: no registration has that id.
            IllegalTransition: ``to`` cannot be reached from the current status.
            NaiveDatetimeError: ``at`` has no zone.
        """
        current = self.get(registration_id)
        changed = current.transition(to, at=at, reason=reason, by=by)
        self._by_email[current.email] = changed
        return changed

    def import_csv(
        self, source: _SOURCE, *, zone: str | None = None, source_name: str | None = None
    ) -> ImportReport:
        """Take in an applications CSV file; see :func:`import_csv`."""
        return _Intake(self, zone).run_csv(source, source_name)

    def import_jsonl(self, source: _SOURCE, *, zone: str | None = None) -> ImportReport:
        """Take in a JSON-lines file of applications; see :func:`import_jsonl`."""
        return _Intake(self, zone).run_jsonl(source)

    # -- internals ------------------------------------------------------------------------

    def _check_window(self, at: _dt.datetime) -> None:
        window = self.event.registration
        if at < window.opens:
            raise RegistrationNotOpen(self._local(at), self.event.local(window.opens))
        if at >= window.closes:
            deadline = tz.format_deadline(window.closes, self.event.timezone, with_zone=True)
            raise RegistrationClosed(self._local(at), self.event.local(window.closes), deadline)

    def _local(self, at: _dt.datetime) -> _dt.datetime:
        """``at`` in the event's zone; as given if that is before year 1 or after 9999
        (``0001-01-01T00:00+05:00`` is in year 0 in UTC)."""
        try:
            return self.event.local(at)
        except OverflowError:
            return at

    def _hold(self, registration: Registration, *, by: str) -> Registration:
        email = registration.email
        owner = self._by_id.get(registration.id)
        if owner is not None and owner != email:
            raise InvalidValue(
                "id",
                registration.id,
                "an id no other registration uses (it belongs to another address)",
            )
        existing = self._by_email.get(email)
        if existing is None:
            self._by_email[email] = registration
            self._by_id[registration.id] = email
            return registration
        if self.on_duplicate == "reject" or existing.status is not RegistrationStatus.SUBMITTED:
            raise DuplicateRegistration(email, existing.id)
        kept = _keep_latest(existing, registration, by=by)
        del self._by_id[existing.id]
        del self._by_email[email]
        self._by_email[email] = kept
        self._by_id[kept.id] = email
        return kept


def _keep_latest(existing: Registration, new: Registration, *, by: str) -> Registration:
    """The later of two applications of one address, its history naming the other."""
    newer, older = (
        (new, existing) if new.submitted_at >= existing.submitted_at else (existing, new)
    )
    change = StatusChange(
        from_status=older.status,
        to_status=newer.status,
        at=newer.submitted_at,
        reason=f"{_REPLACES}{older.id} submitted {older.submitted_at.isoformat()}",
        by=by or _REPLACED_BY,
    )
    return attrs.evolve(newer, history=(*older.history, *newer.history, change))


# ------------------------------------------------------------------------------------------
# Import reports


@attrs.frozen(kw_only=True, repr=False)
class RowProblem:
    """One problem of one row: the field, the value as read, what is wrong.

    ``code`` is machine-readable: ``missing``, ``invalid-email``, ``invalid-datetime``,
    ``no-offset``, ``nonexistent-time``, ``ambiguous-time``, ``not-open``, ``closed``,
    ``invalid-country``, ``invalid-answer``, ``missing-answer``, ``unknown-question``,
    ``invalid-value``, ``cell-count``, ``encoding``, ``unreadable``, ``unbalanced-quote``,
    ``duplicate``, ``duplicate-id``, ``superseded``. The ``repr`` masks an e-mail address.
    """

    field: str
    value: object
    reason: str
    code: str

    def __repr__(self) -> str:
        masked = self.field == "email" and isinstance(self.value, str)
        shown = mask_email(str(self.value)) if masked else self.value
        return (
            f"RowProblem(field={self.field!r}, value={shown!r}, reason={self.reason!r}, "
            f"code={self.code!r})"
        )


@attrs.frozen(kw_only=True)
class RejectedRow:
    """A row that was not taken in, with every problem found in it.

    Attributes:
        line: the 1-based line the row starts on (the header is line 1 of a CSV file).
        problems: every problem of the row, field by field; at least one.
    """

    line: int
    problems: tuple[RowProblem, ...]

    @property
    def field(self) -> str:
        """The field of the first problem."""
        return self.problems[0].field

    @property
    def value(self) -> object:
        """The value of the first problem."""
        return self.problems[0].value

    @property
    def reason(self) -> str:
        """Every problem's reason after its field, separated by semicolons."""
        return "; ".join(f"{p.field}: {p.reason}" if p.field else p.reason for p in self.problems)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the problems."""
        return tuple(p.code for p in self.problems)

    def format(self, path: str | None = None) -> str:
        """Return ``path:line: field: reason[; field: reason]``."""
        return f"{path or '<input>'}:{self.line}: {self.reason}"


@attrs.frozen(kw_only=True, repr=False)
class ImportReport:
    """What an import did: the registrations taken in and every row that was not.

    ``len(accepted) + len(rejected) == rows`` always holds. With ``on_duplicate="replace"``
    an earlier application replaced by a later one of the same address is among
    ``rejected`` with the code ``superseded`` (it was not taken in; its line is shown).

    Raises:
        InvalidValue: the totals do not add up (a bug; never expected).
    """

    accepted: tuple[Registration, ...]
    rejected: tuple[RejectedRow, ...]
    rows: int

    def __attrs_post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.rows:
            raise InvalidValue(
                "rows", self.rows, f"{len(self.accepted)} accepted + {len(self.rejected)} rejected"
            )

    def __repr__(self) -> str:
        return (
            f"ImportReport(rows={self.rows}, accepted={len(self.accepted)}, "
            f"rejected={len(self.rejected)})"
        )

    @property
    def errors(self) -> tuple[RejectedRow, ...]:
        """The rejected rows that are errors (all but ``superseded`` applications)."""
        return tuple(r for r in self.rejected if r.codes != ("superseded",))

    def counts(self, attribute: str) -> dict[str, int]:
        """Accepted registrations by value of ``attribute`` (``status`` or what
        :meth:`~ran_events.models.Registration.value_of` reads), most frequent first;
        no value counts as ``""``."""
        if attribute == "status":
            found = Counter(r.status.value for r in self.accepted)
        else:
            found = Counter(r.value_of(attribute) or "" for r in self.accepted)
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


# ------------------------------------------------------------------------------------------
# The intake of rows


_SURROGATE: Final = re.compile("[\udc80-\udcff]")
_EXAMPLE_TIME: Final = "2023-08-20T10:15:00+02:00"


class _Intake:
    """Turns rows into registrations held by a book, collecting every problem."""

    def __init__(self, book: RegistrationBook, zone: str | None) -> None:
        self.book = book
        self.event = book.event
        self.event_id = book.event.id
        self.zone = tz.zone_name(zone) if zone is not None else None
        self.questions: dict[str, Question] = {q.id: q for q in self.event.form.questions}
        self.countries = frozenset(tz.countries())
        self.plan = [
            (q.id, q, q.kind is QuestionKind.FREE_TEXT) for q in self.event.form.questions
        ]
        self.answer_cache: dict[tuple[str, str], tuple[Answer | None, str | None]] = {}
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
        self.rows += 1
        problems: list[RowProblem] = []
        email = self._email(fields.get("email"), problems)
        name = _text_field(fields, "name", problems, required=True)
        submitted_at = self._submitted_at(fields.get("submitted_at"), problems)
        texts = self.texts
        organisation = _text_field(fields, "organisation", problems)
        organisation = texts.get(organisation) or self._shared(organisation)
        role = _text_field(fields, "role", problems)
        role = texts.get(role) or self._shared(role)
        country = self._country(fields.get("country"), problems)
        country = texts.get(country) or self._shared(country)
        given_id = _text_field(fields, "id", problems)
        parsed = self._answers(answers, problems)
        extra = self._attributes(attributes, problems)
        if problems or email is None or submitted_at is None:
            self._reject(line, problems)
            return
        try:
            registration = Registration(
                id=given_id or _derive_id(self.event_id, email),
                event_id=self.event_id,
                registrant=Registrant(
                    name=name,
                    email=str(fields["email"]).strip(),
                    organisation=organisation,
                    country=country,
                    role=role,
                    attributes=extra,
                ),
                submitted_at=submitted_at,
                answers=parsed,
            )
        except (InvalidValue, TypeError) as exc:  # not expected: every field was checked
            field = getattr(exc, "field", "")
            self._reject(
                line, [RowProblem(field=field, value=None, reason=str(exc), code="invalid-value")]
            )
            return
        self._hold(line, registration)

    def _reject(self, line: int, problems: Sequence[RowProblem]) -> None:
        self.rejected.append(RejectedRow(line=line, problems=tuple(problems)))

    def _hold(self, line: int, registration: Registration) -> None:
        email = registration.email
        previous = self.book._by_email.get(email)
        first_line = self.accepted.get(email)  # an earlier row of this import with the address
        try:
            self.book._hold(registration, by="import")
        except DuplicateRegistration as exc:
            where = (
                f"line {first_line}"
                if first_line is not None
                else f"registration {exc.existing_id}"
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
        except InvalidValue as exc:
            self._reject(
                line,
                [
                    RowProblem(
                        field="id", value=registration.id, reason=exc.expected, code="duplicate-id"
                    )
                ],
            )
            return
        if previous is None or registration.submitted_at >= previous.submitted_at:
            # new, or (keep-latest) the later application: this row is taken in.
            if first_line is not None:
                self._superseded(first_line, f"line {line}")
            self.accepted[email] = line
        else:  # keep-latest, and the application held was submitted later
            where = (
                f"line {first_line}" if first_line is not None else f"registration {previous.id}"
            )
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
            return normalise_email(value.strip())
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
            problems.append(
                RowProblem(
                    field=field,
                    value=value,
                    reason=f"not an ISO 8601 date and time with offset such as {_EXAMPLE_TIME}",
                    code="invalid-datetime",
                )
            )
            return None
        if at.tzinfo is None or at.utcoffset() is None:
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
            self.book._check_window(at)
        except (RegistrationNotOpen, RegistrationClosed) as exc:
            code = "not-open" if isinstance(exc, RegistrationNotOpen) else "closed"
            problems.append(RowProblem(field=field, value=value, reason=str(exc), code=code))
            return None
        return at

    def _country(self, value: object, problems: list[RowProblem]) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            problems.append(
                RowProblem(field="country", value=value, reason="not text", code="invalid-country")
            )
            return ""
        code = value.strip().upper()
        if not code or code in self.countries:
            return code
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
        return code

    def _answers(self, raw: Mapping[str, object], problems: list[RowProblem]) -> dict[str, Answer]:
        """The answers of one row, checked against the form; every problem is collected.

        A text cell of a choice, yes/no or scale question is read and checked once per
        distinct text (these repeat across rows); free text is read every time.
        """
        parsed: dict[str, Answer] = {}
        cache = self.answer_cache
        answer: Answer | None
        message: str | None
        for qid, question, free_text in self.plan:
            value = raw.get(qid)
            if free_text and isinstance(value, str):
                answer, message = value.strip() or None, None
            elif isinstance(value, str):
                hit = cache.get((qid, value))
                if hit is None:
                    hit = _read_answer(question, value)
                    if len(cache) < _CACHE_SIZE:
                        cache[qid, value] = hit
                answer, message = hit
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
        """The report of everything taken in so far."""
        held, lines = self.book._by_email, self.accepted
        # By line. The addresses are in that order unless a later row replaced an earlier
        # one: then only they are sorted (no pair per row: a large file has millions).
        in_order = all(a < b for a, b in itertools.pairwise(lines.values()))
        order = lines if in_order else sorted(lines, key=lines.__getitem__)
        accepted = tuple(held[address] for address in order)
        rejected = tuple(sorted(self.rejected, key=lambda r: r.line))
        return ImportReport(accepted=accepted, rejected=rejected, rows=self.rows)

    # -- files ----------------------------------------------------------------------------

    def run_csv(self, source: _SOURCE, source_name: str | None) -> ImportReport:
        with _open_text(source) as handle, _collector_paused():
            records = _Records(handle)
            rows = iter(records)
            header = _read_header(rows, source_name)
            columns = _Columns(header, self.questions)
            width = records.width = len(header)
            for start, cells, unreadable in rows:
                if unreadable is None and (
                    not cells or (len(cells) == 1 and not cells[0].strip())
                ):
                    continue  # a blank line is not a row
                problem = unreadable or _undecodable(header, cells)
                if problem is None and len(cells) != width:
                    problem = RowProblem(
                        field="",
                        value=len(cells),
                        reason=f"the row has {len(cells)} cells; the header has {width}",
                        code="cell-count",
                    )
                if problem is not None:
                    self.rows += 1
                    self._reject(start, [problem])
                    continue
                self.row(start, *columns.split(cells))
        return self.report()

    def run_jsonl(self, source: _SOURCE) -> ImportReport:
        with _open_text(source) as handle, _collector_paused():
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                bad = _SURROGATE.search(text) if not text.isascii() else None
                if bad is not None:
                    self.rows += 1
                    self._reject(number, [_encoding_problem("", text)])
                    continue
                try:
                    record = json.loads(text)
                except (ValueError, RecursionError) as exc:
                    self.rows += 1
                    self._reject(
                        number,
                        [
                            RowProblem(
                                field="",
                                value=text.strip()[:80],
                                reason=f"not JSON: {exc}"
                                if isinstance(exc, ValueError)
                                else "JSON nested too deep to read; a line is one object of "
                                "text, numbers, yes/no and lists of text",
                                code="unreadable",
                            )
                        ],
                    )
                    continue
                if not isinstance(record, dict):
                    self.rows += 1
                    self._reject(
                        number,
                        [
                            RowProblem(
                                field="",
                                value=record,
                                reason="not a JSON object",
                                code="unreadable",
                            )
                        ],
                    )
                    continue
                self._json_record(number, record)
        return self.report()

    def _json_record(self, line: int, record: dict[str, Any]) -> None:
        fields: dict[str, object] = {k: record[k] for k in CSV_COLUMNS if k in record}
        answers: dict[str, object] = {}
        attributes: dict[str, object] = {}
        nested_problems: list[RowProblem] = []
        for key in ("answers", "attributes"):
            nested = record.get(key, {})
            if not isinstance(nested, dict):
                nested_problems.append(
                    RowProblem(
                        field=key, value=nested, reason="not a JSON object", code="invalid-value"
                    )
                )
            elif key == "answers":
                answers.update(nested)
            else:
                attributes.update(nested)
        for key, value in record.items():
            if key in CSV_COLUMNS or key in ("answers", "attributes"):
                continue
            target = answers if key in self.questions else attributes
            if key in target:
                nested_problems.append(
                    RowProblem(
                        field=key,
                        value=value,
                        reason="given twice: at the top level and under "
                        f"{'answers' if target is answers else 'attributes'!r}",
                        code="invalid-value",
                    )
                )
            target[key] = value
        if nested_problems:
            self.rows += 1
            self._reject(line, nested_problems)
            return
        self.row(line, fields, answers, attributes)


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


def _check_country(code: str) -> None:
    """Run the Registrant's own country check (raises InvalidValue with a hint)."""
    field = attrs.fields(Registrant).country
    if field.validator is not None:
        field.validator(None, field, code)


def _text_field(
    fields: Mapping[str, object], name: str, problems: list[RowProblem], *, required: bool = False
) -> str:
    value = fields.get(name)
    if type(value) is str and not required:
        return value.strip()
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


def _undecodable(header: Sequence[str], cells: Sequence[str]) -> RowProblem | None:
    joined = "".join(cells)
    if joined.isascii() or not _SURROGATE.search(joined):
        return None
    for position, cell in enumerate(cells):
        if not cell.isascii() and _SURROGATE.search(cell):
            field = header[position] if position < len(header) else ""
            return _encoding_problem(field, cell)
    return None


class _Columns:
    """Where each column of a CSV header goes: a standard field, an answer, an attribute."""

    def __init__(self, header: Sequence[str], questions: Mapping[str, Question]) -> None:
        self.fields = [(i, name) for i, name in enumerate(header) if name in CSV_COLUMNS]
        self.answers = [
            (i, name)
            for i, name in enumerate(header)
            if name in questions and name not in CSV_COLUMNS
        ]
        self.attributes = [
            (i, name)
            for i, name in enumerate(header)
            if name not in questions and name not in CSV_COLUMNS
        ]

    def split(
        self, cells: Sequence[str]
    ) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
        return (
            {name: cells[i] for i, name in self.fields},
            {name: cells[i] for i, name in self.answers},
            {name: cells[i] for i, name in self.attributes},
        )


def _read_header(records: Iterator[_Record], source_name: str | None) -> list[str]:
    where = source_name or "the applications"
    for line, cells, problem in records:
        if problem is not None:
            raise InvalidValue(
                "header", f"line {line}", f"a readable header row ({problem.reason})"
            )
        if not cells or not any(c.strip() for c in cells):
            continue
        header = [c.strip() for c in cells]
        header[0] = header[0].lstrip("\ufeff")
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise InvalidValue(
                "header",
                ",".join(header),
                f"a header row with the columns {', '.join(_REQUIRED)} "
                f"(missing: {', '.join(missing)})",
            )
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated or "" in header:
            raise InvalidValue(
                "header",
                ",".join(header),
                f"each column named once (repeated or empty: {repeated or ['']})",
            )
        return header
    raise InvalidValue("header", "", f"a header row in {where}; the file is empty")


_Record: TypeAlias = tuple[int, list[str], "RowProblem | None"]
"""A CSV record: the line it starts on, its cells, and why it cannot be read (or ``None``)."""


_LINE_ENDS: Final = ("\n", "\r")


def _left_open(text: str) -> bool:
    """Whether ``text``, the last line of a file, leaves a quoted field open."""
    reader = csv.reader((text, "\n"))
    with contextlib.suppress(csv.Error):  # a cell over the field size limit is not open
        next(reader, None)
    return reader.line_num > 1


class _Records:
    """The records of a CSV text, each with the line it starts on, holding one record at a time.

    A quoted field may hold a line break, so a record can run over several lines. A record
    that does so but does not have :attr:`width` cells (or is cut off by the csv module's
    field size limit) is a stray quote, not a line break: an opening quote with no closing
    one would otherwise swallow every line up to the next quote in the file, or the rest of
    the file. Its first line (where the quoted field began) is reported as unreadable and
    the lines after it are read again as records of their own. So no line is lost, and
    unless a quoted line break is legitimately open each line is one record.
    """

    def __init__(self, handle: Iterable[str]) -> None:
        self.width: int | None = None  # None: any record over several lines is refused
        self._source = iter(handle)
        self._again: list[str] = []  # lines to read again, the next one last
        self._kept: list[str] = []  # the lines of the record being read

    def _lines(self) -> Iterator[str]:
        again, kept = self._again, self._kept
        while again:
            text = again.pop()
            kept.append(text)
            yield text
        for text in self._source:
            kept.append(text)
            yield text

    def __iter__(self) -> Iterator[_Record]:
        reader = csv.reader(self._lines())
        kept = self._kept
        line = 0  # the last line read
        while True:
            kept.clear()
            error: csv.Error | None = None
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                cells, error = [], exc
            start = line + 1
            line += len(kept)
            if (
                len(kept) > 1
                and (error is not None or len(cells) != self.width or self._holds_a_row())
            ) or (
                error is None
                and (len(cells) != self.width or cells[-1][-1:] in _LINE_ENDS)
                and _left_open(kept[0])
            ):
                yield start, cells, self._stray_quote(start, len(cells), error)
                self._again.extend(reversed(kept[1:]))
                line = start
                reader = csv.reader(self._lines())
            elif error is not None:
                problem = RowProblem(
                    field="", value=None, reason=f"unreadable CSV: {error}", code="unreadable"
                )
                yield start, cells, problem
            else:
                yield start, cells, None

    def _holds_a_row(self) -> bool:
        """Whether a line after the first of the record is a whole row by itself (the
        quote opened on the first line was closed by the opening quote of a later row).

        The line that closes a legitimate quoted line break has an odd number of quotes (the
        closing one; quotes inside a quoted field are doubled); a whole row has an even one.
        """
        for text in self._kept[1:]:
            if text.count('"') % 2:
                continue
            try:
                cells = next(csv.reader((text,), strict=True), [])
            except csv.Error:  # the line leaves a quoted field open, or closes one
                continue
            if len(cells) == self.width:
                return True
        return False

    def _stray_quote(self, line: int, cells: int, error: csv.Error | None) -> RowProblem:
        kept = self._kept
        end = line + len(kept) - 1
        if error is not None:
            found = f"the csv module stopped at line {end}: {error}"
        elif cells == self.width:
            found = f"read that way, the row would swallow the rows up to line {end}"
        else:
            found = f"read that way, the row would run to line {end} and have {cells} cells"
            if self.width is not None:
                found += f"; the header has {self.width}"
        return RowProblem(
            field="",
            value=kept[0].rstrip("\r\n")[:80],
            reason=f"unbalanced quote: a quoted field begins on line {line} and is not closed "
            f"on it ({found}); the lines after it are read as rows of their own",
            code="unbalanced-quote",
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is taken in.

    The rows create no reference cycles (reference counting frees everything), but the
    collector would walk the growing set of registrations again and again: about a quarter
    of the time of a large import. It is switched back on afterwards, even after an error.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _open_text(source: _SOURCE) -> Iterator[IO[str]]:
    """Open a path as UTF-8 (with or without BOM; bytes that are not UTF-8 kept as
    surrogates so that their row is rejected) or use a text stream as given."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            yield handle
    else:
        yield source


# ------------------------------------------------------------------------------------------
# Public intake functions


def import_csv(
    source: _SOURCE,
    event: Event,
    *,
    zone: str | None = None,
    on_duplicate: OnDuplicate = "reject",
) -> ImportReport:
    """Take in an applications CSV file for ``event``.

    Columns (header row, UTF-8 with or without BOM): ``email``, ``name``, ``submitted_at``
    (ISO 8601 with offset) are required; ``id``, ``organisation``, ``country``, ``role``
    optional; a column named as a question of the event's form is an answer (read with
    :meth:`~ran_events.models.Question.parse`; several choices separated by ``;``), any
    other column a free attribute of the registrant (empty cells are left out). A blank
    line is not a row. Duplicates follow ``on_duplicate``.

    A quoted cell may hold a line break. A quote opened and not closed on its line, in a
    row that read over several lines would not have the header's number of cells (or would
    swallow a whole row), rejects that line (``unbalanced-quote``, naming the line where the
    quoted field begins) and the lines after it are read as rows of their own: no line is
    lost. The file is read one row at a time; equal short cells share one string.

    Args:
        source: a path, or a text stream opened with ``newline=""``.
        event: the event applied to.
        zone: the zone in which times without an offset were recorded (default: such
            times are rejected).
        on_duplicate: ``"reject"`` (the later row is rejected naming the first one's line)
            or ``"replace"`` (the latest application is kept).

    Returns:
        The report: every row accepted or rejected with its line, field, value and reason.

    Raises:
        InvalidValue: the header lacks a required column, repeats one, leaves a quote open
            or the file is empty (nothing is read then).
        UnknownTimeZone: ``zone`` is not an IANA name.
    """
    book = RegistrationBook(event=event, on_duplicate=on_duplicate)
    name = str(source) if isinstance(source, str | os.PathLike) else None
    return book.import_csv(source, zone=zone, source_name=name)


def import_jsonl(
    source: _SOURCE,
    event: Event,
    *,
    zone: str | None = None,
    on_duplicate: OnDuplicate = "reject",
) -> ImportReport:
    """Take in applications as JSON lines: one object per line.

    Each object has the keys of the CSV columns; answers may be given under ``"answers"``
    (typed: a list for several choices, ``true``/``false``, a number; or text as in the
    CSV) and attributes under ``"attributes"``; any other key is an answer if it names a
    question, else an attribute. Line numbers are those of the file; blank lines are skipped.

    Args:
        source: a path (UTF-8), or a text stream.
        event: the event applied to.
        zone: the zone in which times without an offset were recorded (default: such
            times are rejected).
        on_duplicate: as for :func:`import_csv`.

    Returns:
        The report: every line accepted or rejected with its line, field, value and reason.

    Raises:
        UnknownTimeZone: ``zone`` is not an IANA name.
    """
    return RegistrationBook(event=event, on_duplicate=on_duplicate).import_jsonl(source, zone=zone)


# ------------------------------------------------------------------------------------------
# Export


def _answer_text(value: Answer) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


class _LineFeedRows:
    """A file for :func:`csv.writer` that ends rows with LF.

    The writer is made with CRLF row ends so that it quotes a cell holding a lone carriage
    return (with ``lineterminator="\\n"`` it would not, and the reader would split the row
    there); each row it writes, in one call, gets its CRLF replaced by an LF.
    """

    def __init__(self) -> None:
        self.rows: list[str] = []

    def write(self, row: str) -> None:
        self.rows.append(row[:-2] + "\n")


def export_csv(
    registrations: Iterable[Registration],
    *,
    questions: Sequence[str] = (),
    neutralise_formulas: bool = False,
) -> str:
    """Return the registrations as an applications CSV that :func:`import_csv` reads back.

    Columns: :data:`CSV_COLUMNS`, then the answers (``questions`` first, in that order, then
    any other answered question in first-seen order), then the attributes. Several choices
    are joined by ``;``, yes/no as ``yes``/``no``. Status and history are not part of the
    CSV layout: use :func:`export_json` for a lossless copy.

    This is an exchange format: every value is written exactly as held, a cell starting
    with ``=``, ``+``, ``-`` or ``@`` included, which a spreadsheet would run as a formula.
    For a file meant to be opened in a spreadsheet, pass ``neutralise_formulas=True``.

    Args:
        registrations: the registrations, in the order of the rows.
        questions: answer columns to write first (even when nobody answered them).
        neutralise_formulas: put an apostrophe before every cell that a spreadsheet would
            run as a formula (OWASP's rule for CSV injection). The file is then for people:
            :func:`import_csv` would read the apostrophes as part of the values.

    Returns:
        The CSV text, with LF (newline) line ends (a line break inside a value is quoted).
    """
    rows = list(registrations)
    answer_columns = list(dict.fromkeys([*questions, *(k for r in rows for k in r.answers)]))
    attribute_columns = list(dict.fromkeys(k for r in rows for k in r.registrant.attributes))
    out = _LineFeedRows()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [*CSV_COLUMNS, *answer_columns, *attribute_columns]
    writer.writerow([neutralise(c) for c in header] if neutralise_formulas else header)
    for r in rows:
        person = r.registrant
        cells = [
            r.id,
            person.email,
            person.name,
            r.submitted_at.isoformat(),
            person.organisation,
            person.country,
            person.role,
            *(_answer_text(r.answers[q]) if q in r.answers else "" for q in answer_columns),
            *(person.attributes.get(a, "") for a in attribute_columns),
        ]
        writer.writerow([neutralise(c) for c in cells] if neutralise_formulas else cells)
    return "".join(out.rows)


def export_json(registrations: Iterable[Registration], *, indent: int | None = 2) -> str:
    """Return the registrations as JSON (schema-versioned).

    :func:`import_json` reads it back to equal registrations, status and history included.

    Args:
        registrations: the registrations.
        indent: the JSON indentation (``None``: one line).

    Returns:
        The JSON text.
    """
    from .serialization import to_json  # noqa: PLC0415 - serialization sits above intake

    return to_json(list(registrations), indent=indent)


def import_json(text: str | bytes) -> list[Registration]:
    """Read registrations written by :func:`export_json`.

    Raises:
        ValueError: not JSON of this layout (or a later schema version).
        RanEventsError: a registration breaks a model invariant.
    """
    from .serialization import from_json  # noqa: PLC0415

    return from_json(text, list[Registration])


# ------------------------------------------------------------------------------------------
# Personal data


def pseudonymise(registrations: Iterable[Registration], *, key: str | bytes) -> list[Registration]:
    """Return the registrations with who applied replaced by stable pseudonyms.

    The pseudonym is an HMAC-SHA-256 of the normalised address under ``key``: the same key
    gives the same pseudonym for the same person (across events too), and without the key it
    cannot be linked back. Name, address and registration id are replaced (name and id by
    the pseudonym, the address by ``<pseudonym>@pseudonymised.example.org``); everything a
    selection rule may read is kept: role, country, organisation, attributes, answers,
    submission time, status and history (the original id in a history reason is replaced by
    the pseudonym too). Free-text answers and who made each change (``by``) are kept as
    written: check them before sharing.

    Raises:
        InvalidValue: ``key`` is empty.
    """
    secret = key.encode() if isinstance(key, str) else bytes(key)
    if not secret:
        raise InvalidValue("key", key, "a non-empty secret")
    result = []
    for registration in registrations:
        person = registration.registrant
        pseudonym = (
            "p"
            + hmac.new(secret, person.normalized_email.encode(), hashlib.sha256).hexdigest()[:16]
        )
        history = tuple(
            attrs.evolve(
                change, reason=_pseudonymised_reason(change.reason, registration.id, pseudonym)
            )
            for change in registration.history
        )
        result.append(
            attrs.evolve(
                registration,
                id=pseudonym,
                registrant=attrs.evolve(
                    person, name=pseudonym, email=f"{pseudonym}@pseudonymised.example.org"
                ),
                history=history,
            )
        )
    return result


def _pseudonymised_reason(reason: str, registration_id: str, pseudonym: str) -> str:
    """A history reason without the registration's id, nor that of an application of the
    same address it replaced (which may have had an id of its own)."""
    reason = reason.replace(registration_id, pseudonym)
    if reason.startswith(_REPLACES):
        _replaced, space, rest = reason[len(_REPLACES) :].partition(" ")
        reason = f"{_REPLACES}{pseudonym}{space}{rest}"
    return reason
