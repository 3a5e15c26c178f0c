"""What every store writes the same way: registrations as rows, events as text, tombstones.

Shared by the SQLite and PostgreSQL stores, so that both keep the same data in the same
form (and a registration read back from either equals the one held).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from .. import eventfile
from ..errors import InvalidValue, UnknownRegistration
from ..intake import pseudonymise
from ..models import Consent, Event, Registrant, Registration, RegistrationStatus, StatusChange
from ..tz import check_aware
from ._protocol import (
    ASSIGNMENT_KINDS,
    AssignmentLike,
    AuditEntry,
    StoredAssignment,
    StoredSelection,
)

ERASED: Final = "personal data erased"
"""The history reason of an erasure (the status stays)."""
_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def instant(value: _dt.datetime, field: str) -> str:
    """An aware datetime as stored: ISO 8601 with its offset (the offset given is kept).

    Raises:
        NaiveDatetimeError: ``value`` has no zone.
    """
    return check_aware(value, field).isoformat()


def read_instant(text: str) -> _dt.datetime:
    """An instant as stored (see :func:`instant`)."""
    return _dt.datetime.fromisoformat(text)


def micros(value: _dt.datetime) -> int:
    """Microseconds since 1970 UTC: the order of instants, whatever their offsets."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def event_text(event: Event) -> tuple[str, str]:
    """The event file (JSON, one line) a store keeps, and its SHA-256."""
    text = eventfile.dumps(event, format="json", indent=None)
    return text, hashlib.sha256(text.encode()).hexdigest()


def read_event(text: str) -> Event:
    """An event as stored (see :func:`event_text`)."""
    return eventfile.loads(text, format="json")


_ENCODE: Final = json.JSONEncoder(separators=(",", ":")).encode
"""One encoder for every row (``json.dumps`` with options builds a new one per call); ASCII
with escapes, which CPython's encoder writes faster than UTF-8 text."""
_C_ENCODER: Final = getattr(json.encoder, "c_make_encoder", None)
_ROW_PARTS: Final[Callable[[object, int], Sequence[str]] | None] = (
    None
    if _C_ENCODER is None
    else _C_ENCODER(
        None,  # no circular check: a row is a tree of fresh dicts, lists and scalars
        json.JSONEncoder().default,
        json.encoder.encode_basestring_ascii,
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as _ENCODE
    )
)
"""CPython's C encoder made once, with _ENCODE's options: ``encode`` makes a new one (and a
circular-reference check) per call, a third of a row's encoding time."""


def _encode_row(data: dict[str, Any]) -> str:
    return _ENCODE(data) if _ROW_PARTS is None else "".join(_ROW_PARTS(data, 0))


def registration_data(registration: Registration) -> str:
    """Who applied and the answers, as the JSON text a store keeps beside the columns.

    Several choices (a tuple) are written as a JSON list, as every JSON file of the library.
    """
    person = registration.registrant
    data: dict[str, Any] = {"name": person.name, "email": person.email}
    if person.organisation:
        data["organisation"] = person.organisation
    if person.country:
        data["country"] = person.country
    if person.role:
        data["role"] = person.role
    if person.attributes:
        data["attributes"] = person.attributes
    if registration.answers:
        data["answers"] = registration.answers
    consent = registration.consent
    if consent is not None:
        data["consent"] = {
            "version": consent.version,
            "at": consent.at.isoformat(),
            "text": consent.text,
        }
    return _encode_row(data)


def read_registration(  # noqa: PLR0917 - one row's columns, in one shape everywhere
    registration_id: str,
    event_id: str,
    submitted_at: str,
    status: str,
    data: str,
    history: Sequence[StatusChange],
) -> Registration:
    """A registration from its stored columns and history rows."""
    fields = json.loads(data)
    answers = fields.pop("answers", {})
    consent = fields.pop("consent", None)
    return Registration(
        id=registration_id,
        event_id=event_id,
        registrant=Registrant(**fields),
        submitted_at=read_instant(submitted_at),
        answers=answers,
        status=RegistrationStatus(status),
        history=history,
        consent=None
        if consent is None
        else Consent(
            version=consent["version"], at=read_instant(consent["at"]), text=consent["text"]
        ),
    )


def change_row(change: StatusChange) -> tuple[str, str, str, str, str]:
    """One history entry as stored: from, to, at, reason, by."""
    return (
        change.from_status.value,
        change.to_status.value,
        instant(change.at, "history.at"),
        change.reason,
        change.by,
    )


def read_change(from_status: str, to_status: str, at: str, reason: str, by: str) -> StatusChange:
    """One history entry from its stored columns."""
    return StatusChange(
        from_status=from_status, to_status=to_status, at=read_instant(at), reason=reason, by=by
    )


def added_history(stored: Sequence[StatusChange], changed: Registration) -> list[StatusChange]:
    """The entries ``changed`` adds to the ``stored`` history (a history is only appended to).

    Raises:
        ValueError: ``changed``'s history does not begin with the stored one.
    """
    if tuple(changed.history[: len(stored)]) != tuple(stored):
        raise ValueError(
            f"registration {changed.id}: the new history does not extend the stored one "
            "(a history is only appended to)"
        )
    return list(changed.history[len(stored) :])


def rule_attributes(event: Event) -> frozenset[str]:
    """The attributes the event's quotas and caps read (kept, as values, in a tombstone)."""
    rules = event.selection
    return frozenset(rules.quotas) | frozenset(rules.caps)


def tombstone(
    registration: Registration, event: Event, *, secret: bytes, at: _dt.datetime, by: str
) -> Registration:
    """What a store keeps of an erased registration.

    The id, submission time, status and history stay (with the erasure appended); name and
    address become a pseudonym (:func:`~ran_events.intake.pseudonymise` under the store's
    secret); role, country, and the organisation, attributes and answers the event's quotas
    and caps read stay as written (so the selection decides the same); every other
    attribute and answer goes, and so does an organisation no rule reads.
    """
    kept = rule_attributes(event)
    (masked,) = pseudonymise([registration], key=secret)
    person = masked.registrant
    change = StatusChange(
        from_status=registration.status,
        to_status=registration.status,
        at=at,
        reason=ERASED,
        by=by,
    )
    return attrs.evolve(
        registration,
        registrant=attrs.evolve(
            person,
            organisation=person.organisation if "organisation" in kept else "",
            attributes=_only(person.attributes, kept),
        ),
        answers=_only(registration.answers, kept),
        history=(*registration.history, change),
    )


def _only(values: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in names}


def is_erased(registration: Registration) -> bool:
    """Whether ``registration`` is a tombstone."""
    return any(change.reason == ERASED for change in registration.history)


def last_change(registration: Registration) -> _dt.datetime:
    """When the registration last changed (its submission, or its last history entry)."""
    times = [registration.submitted_at, *(change.at for change in registration.history)]
    return max(times, key=micros)


# -- small groups and workshops --------------------------------------------------------------

LATEST_ASSIGNMENTS: Final = (
    "SELECT a.registration_id, a.group_label, a.session_id, a.reason, a.kind, a.version, "
    "v.at, v.by FROM assignments a JOIN assignment_versions v "
    "ON v.event_id = a.event_id AND v.kind = a.kind AND v.version = a.version "
    "WHERE a.event_id = ? AND a.kind IN (?, ?) AND a.version = coalesce(CAST(? AS integer), "
    "(SELECT max(m.version) FROM assignment_versions m "
    "WHERE m.event_id = a.event_id AND m.kind = a.kind)) "
    "ORDER BY a.kind, a.position"
)
"""The latest (or a given) version of each kind of an event's assignments (parameters: the
event, two kinds and a version or ``None``: :func:`assignment_query`)."""
ASSIGNMENT_ROWS: Final = (
    "SELECT registration_id, group_label, session_id, reason FROM assignments "
    "WHERE event_id = ? AND kind = ? AND version = ? ORDER BY position"
)
"""One version's rows as :func:`assignment_rows` gives them (event, kind, version)."""


def assignment_query(
    event_id: str, kind: str | None, version: int | None
) -> tuple[str, str, str, int | None]:
    """The parameters of :data:`LATEST_ASSIGNMENTS`: ``kind`` twice (or both kinds).

    Raises:
        InvalidValue: ``kind`` is not one of :data:`ASSIGNMENT_KINDS`, or a ``version`` is
            asked for without a ``kind``.
    """
    if kind is None:
        if version is not None:
            raise InvalidValue("kind", kind, "the kind whose version is asked for")
        return event_id, ASSIGNMENT_KINDS[0], ASSIGNMENT_KINDS[1], None
    if kind not in ASSIGNMENT_KINDS:
        raise InvalidValue("kind", kind, " or ".join(ASSIGNMENT_KINDS))
    return event_id, kind, kind, version


def assignment_rows(kind: str, rows: Iterable[AssignmentLike]) -> list[tuple[str, str, str, str]]:
    """The rows to store (registration id, group, session, reason), ``kind`` checked."""
    assignment_query("", kind, None)
    return [(r.registration_id, r.group, r.session_id, r.reason) for r in rows]


def unknown_ids(placed: Sequence[tuple[str, str, str, str]], known: Iterable[object]) -> None:
    """Raise :class:`UnknownRegistration` for the first placed id not among ``known``."""
    held = {str(k) for k in known}
    for registration_id, *_ in placed:
        if registration_id not in held:
            raise UnknownRegistration(registration_id)


def read_assignments(rows: Iterable[Sequence[Any]]) -> list[StoredAssignment]:
    """:class:`StoredAssignment` values of the rows of :data:`LATEST_ASSIGNMENTS`."""
    return [
        StoredAssignment(
            registration_id=rid,
            group=group,
            session_id=session,
            reason=reason,
            kind=kind,
            version=int(version),
            at=read_instant(at),
            by=by,
        )
        for rid, group, session, reason, kind, version, at, by in rows
    ]


def read_selections(event_id: str, rows: Iterable[Sequence[Any]]) -> list[StoredSelection]:
    """:class:`StoredSelection` values of ``id, at, seed, policy, record_json`` rows."""
    return [
        StoredSelection(
            id=id_,
            event_id=event_id,
            at=read_instant(at),
            seed=seed,
            policy=policy,
            record_json=record,
        )
        for id_, at, seed, policy, record in rows
    ]


def read_audit(rows: Iterable[Sequence[Any]]) -> list[AuditEntry]:
    """:class:`AuditEntry` values of ``at, action, subject, by, event_id, detail`` rows."""
    return [
        AuditEntry(
            at=read_instant(at),
            action=action,
            subject=subject,
            by=who,
            event_id=event,
            detail=detail,
        )
        for at, action, subject, who, event, detail in rows
    ]
