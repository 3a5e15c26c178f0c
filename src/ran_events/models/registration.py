"""Registrations: one application to one event, its status and the history of its changes."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from ..errors import IllegalTransition
from ._checks import _aware, _non_empty
from .form import Answer
from .registrant import Registrant

__all__ = ["TRANSITIONS", "Consent", "Registration", "RegistrationStatus", "StatusChange"]

_new: Final = object.__new__
_set: Final = object.__setattr__


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


@attrs.frozen(kw_only=True)
class Consent:
    """The consent given with a registration: to which version of which text, and when.

    Raises:
        InvalidValue: an empty version.
        NaiveDatetimeError: ``at`` has no zone.
    """

    version: str = attrs.field(validator=_non_empty)
    at: _dt.datetime = attrs.field(validator=_aware("consent.at"))
    text: str = ""


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
    consent: Consent | None = None

    def __repr__(self) -> str:
        return (
            f"Registration(id={self.id!r}, event_id={self.event_id!r}, "
            f"registrant={self.registrant!r}, submitted_at={self.submitted_at.isoformat()!r}, "
            f"status={self.status.value!r}, history={len(self.history)} change(s))"
        )

    @property
    def email(self) -> str:
        """The registrant's normalised address."""
        return self.registrant.normalised_email

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


def _checked_registration(  # noqa: PLR0917 - one row's fields, in one shape
    id: str,
    event_id: str,
    registrant: Registrant,
    submitted_at: _dt.datetime,
    answers: dict[str, Answer],
    consent: Consent | None,
) -> Registration:
    """A new ``submitted`` :class:`Registration` of checked fields, built without checks.

    Internal (the intake's row path, as ``registrant._checked_registrant``): the caller
    guarantees what the validators and converters would, ``id`` and ``event_id`` non-empty
    texts without control characters, ``submitted_at`` an instant that
    :func:`~ran_events.models.check_instant` accepts, ``answers`` a new ``dict`` keyed by
    text whose several choices are tuples. The result equals the one the constructor builds.
    """
    registration: Registration = _new(Registration)
    _set(registration, "id", id)
    _set(registration, "event_id", event_id)
    _set(registration, "registrant", registrant)
    _set(registration, "submitted_at", submitted_at)
    _set(registration, "answers", answers)
    _set(registration, "status", RegistrationStatus.SUBMITTED)
    _set(registration, "history", ())
    _set(registration, "consent", consent)
    return registration
