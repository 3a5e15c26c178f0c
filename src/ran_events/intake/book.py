"""The registration book of one event, and the readers that fill one from a file.

:class:`RegistrationBook` holds one event's registrations. :meth:`RegistrationBook.register`
checks the registration window, the form and duplicates (by normalised e-mail address).
:func:`read_csv` and :func:`read_jsonl` take in a whole file and return an
:class:`~ran_events.intake.ImportReport`: every row is either accepted or rejected with its
line, field, value and reason; a read never stops half-way.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Final, Literal, TypeAlias

import attrs

from .. import _deprecation
from ..errors import DuplicateRegistration, InvalidValue, UnknownRegistration
from ..models import (
    Answer,
    Event,
    Registrant,
    Registration,
    RegistrationStatus,
    StatusChange,
    normalise_email,
)
from . import csv, jsonl
from .csv import Source
from .report import ImportReport
from .rows import _derive_id, _Intake, check_window

__all__ = ["OnDuplicate", "RegistrationBook", "read_csv", "read_jsonl"]

OnDuplicate: TypeAlias = Literal["reject", "replace"]
"""What a book does with a second application from the same (normalised) address:
``"reject"`` it (:class:`~ran_events.errors.DuplicateRegistration`, in a file: a rejected row
naming the first one's line) or ``"replace"``: keep the latest application (the later
``submitted_at``) and record the replaced one in the kept registration's history."""
_REPLACED_BY: Final = "registration book"
_REPLACES: Final = "replaces the application "
"""The start of the history reason of a replaced application, before the replaced id."""


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

    def read_csv(
        self, source: Source, *, zone: str | None = None, source_name: str | None = None
    ) -> ImportReport:
        """Take in an applications CSV file; see :func:`read_csv`.

        Args:
            source: a path, or a text stream opened with ``newline=""``.
            zone: as for :func:`read_csv`.
            source_name: the file's name in a message about its header (default: the path).
        """
        if source_name is None and isinstance(source, str | os.PathLike):
            source_name = str(source)
        return csv.take_in(self._intake(zone), source, source_name)

    def read_jsonl(self, source: Source, *, zone: str | None = None) -> ImportReport:
        """Take in a JSON-lines file of applications; see :func:`read_jsonl`."""
        return jsonl.take_in(self._intake(zone), source)

    def import_csv(
        self, source: Source, *, zone: str | None = None, source_name: str | None = None
    ) -> ImportReport:
        """Deprecated alias of :meth:`read_csv` (removed in ran_events 0.3)."""
        _deprecation.warn("RegistrationBook.import_csv", "RegistrationBook.read_csv")
        return self.read_csv(source, zone=zone, source_name=source_name)

    def import_jsonl(self, source: Source, *, zone: str | None = None) -> ImportReport:
        """Deprecated alias of :meth:`read_jsonl` (removed in ran_events 0.3)."""
        _deprecation.warn("RegistrationBook.import_jsonl", "RegistrationBook.read_jsonl")
        return self.read_jsonl(source, zone=zone)

    # -- internals ------------------------------------------------------------------------

    def _intake(self, zone: str | None) -> _Intake:
        return _Intake(
            self.event, self._by_email, functools.partial(self._hold, by="import"), zone
        )

    def _check_window(self, at: _dt.datetime) -> None:
        check_window(self.event, at)

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


def read_csv(
    source: Source,
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
    return book.read_csv(source, zone=zone)


def read_jsonl(
    source: Source,
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
        on_duplicate: as for :func:`read_csv`.

    Returns:
        The report: every line accepted or rejected with its line, field, value and reason.

    Raises:
        UnknownTimeZone: ``zone`` is not an IANA name.
    """
    return RegistrationBook(event=event, on_duplicate=on_duplicate).read_jsonl(source, zone=zone)


import_csv = _deprecation.renamed(read_csv, "ran_events.import_csv", "ran_events.intake.read_csv")
import_jsonl = _deprecation.renamed(
    read_jsonl, "ran_events.import_jsonl", "ran_events.intake.read_jsonl"
)
