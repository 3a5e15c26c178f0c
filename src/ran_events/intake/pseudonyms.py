"""Pseudonymised registrations: who applied replaced by stable pseudonyms, for sharing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import attrs

from ..errors import InvalidValue
from ..models import Registration
from ._backend import REPLACES as _REPLACES

__all__ = ["pseudonymise"]


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
            + hmac.new(secret, person.normalised_email.encode(), hashlib.sha256).hexdigest()[:16]
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
