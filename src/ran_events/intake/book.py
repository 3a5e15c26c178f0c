"""The registration book of one event, and the readers that fill one from a file.

:class:`RegistrationBook` holds one event's registrations. :meth:`RegistrationBook.register`
checks the registration window, the form and duplicates (by normalised e-mail address).
:func:`read_csv` and :func:`read_jsonl` take in a whole file and return an
:class:`~ran_events.intake.ImportReport`: every row is either accepted or rejected with its
line, field, value and reason; a read never stops half-way.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import attrs

from .. import _deprecation
from ..errors import InvalidAnswers, InvalidValue
from ..models import (
    Answer,
    Consent,
    Event,
    Registrant,
    Registration,
    RegistrationStatus,
    normalise_email,
)
from . import csv, jsonl
from ._backend import BookBackend, MemoryBackend, OnDuplicate
from .csv import Source
from .report import ImportReport
from .rows import _derive_id, _Intake, check_window

__all__ = ["OnDuplicate", "RegistrationBook", "read_csv", "read_jsonl"]

_BATCH: Final = 10_000
"""How many rows of a file a book hands its backend at once (one transaction in a store).

10,000 rather than 1,000: each transaction rewrites every index page its random addresses
touch, so into a 100,000-row SQLite store a commit of 1,000 rows cost ~20 us a row, one of
10,000 ~5 us (memory: a batch of registrations, a few MB)."""


# ------------------------------------------------------------------------------------------
# The book


@attrs.define
class RegistrationBook:
    """The registrations of one event: checked on the way in, one per e-mail address.

    Safe to share between threads: the book checks, its backend holds, and every change
    (taking in an application, a status change) is one atomic step of the backend.

    Args:
        event: the event applied to (its window and form are checked).
        on_duplicate: ``"reject"`` (default) or ``"replace"``; see :data:`OnDuplicate`.
        backend: where the registrations are kept (default: a new
            :class:`~ran_events.intake.MemoryBackend`; :meth:`ran_events.store.Store.book`
            gives a book kept in a store).
    """

    event: Event
    on_duplicate: OnDuplicate = attrs.field(default="reject")
    backend: BookBackend = attrs.field(factory=MemoryBackend, kw_only=True)

    @on_duplicate.validator
    def _check_policy(self, _attribute: object, value: object) -> None:
        if value not in ("reject", "replace"):
            raise InvalidValue("on_duplicate", value, "'reject' or 'replace'")

    def __repr__(self) -> str:
        by_status = Counter(r.status.value for r in self.backend)
        shown = ", ".join(f"{k}={v}" for k, v in sorted(by_status.items()))
        return f"RegistrationBook(event={self.event.id!r}, {len(self)} registration(s): {shown})"

    def __len__(self) -> int:
        return len(self.backend)

    def __iter__(self) -> Iterator[Registration]:
        return iter(self.backend)

    def __contains__(self, registration_id: object) -> bool:
        if not isinstance(registration_id, str):
            return False
        try:
            self.backend.get(registration_id)
        except LookupError:
            return False
        return True

    @property
    def registrations(self) -> tuple[Registration, ...]:
        """The registrations held, in the order they were taken in."""
        return tuple(self.backend)

    def get(self, registration_id: str) -> Registration:
        """Return the registration with this id.

        Raises:
            UnknownRegistration: no registration has that id.
        """
        return self.backend.get(registration_id)

    def find(self, email: str) -> Registration | None:
        """Return the registration of this address (in any spelling), or ``None``.

        Raises:
            InvalidEmail: ``email`` is not a valid address.
        """
        return self.backend.find(normalise_email(email))

    def register(
        self,
        registrant: Registrant,
        *,
        submitted_at: _dt.datetime,
        answers: Mapping[str, Answer] | None = None,
        id: str | None = None,
        by: str = "",
        consent: Consent | None = None,
    ) -> Registration:
        """Take in one application and return its registration.

        Args:
            registrant: who applies.
            submitted_at: when (aware).
            answers: the answers to the event's form.
            id: the registration id; default: :func:`registration_id` of the event and the
                normalised address (stable and deterministic).
            by: who records it (kept in the history when it replaces an earlier one).
            consent: the consent given, when the form asks for it (``[form.consent]``).

        Raises:
            NaiveDatetimeError: ``submitted_at`` has no zone.
            RegistrationNotOpen: before the window opens.
            RegistrationClosed: at or after the deadline.
            InvalidAnswers: the answers do not fit the form (every problem listed), or the
                form requires consent and none is given.
            DuplicateRegistration: the address already has a registration and the book
                rejects duplicates (or the held one is no longer ``submitted``).
            InvalidValue: ``id`` is already used by another address.
        """
        registration = Registration(
            id=id or _derive_id(self.event.id, registrant.normalised_email),
            event_id=self.event.id,
            registrant=registrant,
            submitted_at=submitted_at,
            answers=answers or {},
            consent=consent,
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
        asked = self.event.form.consent
        if asked is not None and asked.required and registration.consent is None:
            raise InvalidAnswers(
                [("consent", None, f"consent to {asked.version!r} of the form is required")]
            )
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
            ConcurrentChange: the status changed (another thread or process) between
                reading it and writing the change.
        """
        current = self.get(registration_id)
        changed = current.transition(to, at=at, reason=reason, by=by)
        return self.backend.replace_status(registration_id, changed, expected=current.status)

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
        return _Intake(self.event, self._hold_many, zone, batch=_BATCH)

    def _check_window(self, at: _dt.datetime) -> None:
        check_window(self.event, at)

    def _hold(self, registration: Registration, *, by: str) -> Registration:
        return self.backend.hold(registration, on_duplicate=self.on_duplicate, by=by)

    def _hold_many(self, registrations: Sequence[Registration]) -> list[Registration | Exception]:
        return self.backend.hold_many(registrations, on_duplicate=self.on_duplicate, by="import")


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
