"""Who applies: the registrant, and the e-mail address that identifies them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from .. import _deprecation, tz
from .._email import normalize as _normalize_offline
from ..errors import InvalidEmail, InvalidValue
from ._checks import _non_empty, _text

__all__ = ["Registrant", "mask_email", "normalise_email", "normalize_email"]

_new: Final = object.__new__
_set: Final = object.__setattr__


def normalise_email(address: str, *, field: str = "email") -> str:
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
        normalise_email(value, field=attribute.name)
    except InvalidEmail as exc:
        raise InvalidEmail(value, exc.reason, field=attribute.name) from None


def mask_email(address: str) -> str:
    """Return ``address`` with the local part hidden (``j***@example.org``), for reprs and logs.

    >>> mask_email("jane.doe@example.org")
    'j***@example.org'
    """
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


normalize_email = _deprecation.renamed(
    normalise_email, "ran_events.models.normalize_email", "ran_events.models.normalise_email"
)


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

    ``email`` is kept as typed; :attr:`normalised_email` (checked offline by email-validator)
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
    normalised_email: str = attrs.field(init=False, eq=False)

    @normalised_email.default
    def _normalise(self) -> str:
        return normalise_email(self.email)

    @property
    def normalized_email(self) -> str:
        """Deprecated alias of :attr:`normalised_email` (removed in ran_events 0.3)."""
        _deprecation.warn("Registrant.normalized_email", "Registrant.normalised_email")
        return self.normalised_email

    def __repr__(self) -> str:
        return (
            f"Registrant(name={self.name!r}, email={mask_email(self.normalised_email)!r}, "
            f"organisation={self.organisation!r}, country={self.country!r}, role={self.role!r})"
        )


def _checked_registrant(  # noqa: PLR0917 - one row's fields, in one shape
    name: str,
    email: str,
    organisation: str,
    country: str,
    role: str,
    attributes: dict[str, str],
    normalised_email: str,
) -> Registrant:
    """A :class:`Registrant` of fields the caller has already checked, built without checks.

    Internal (the intake's row path, where the public constructor's checks and conversions
    cost about 5 µs a row): the caller guarantees what the validators and converters would,
    ``name`` a non-empty text without control characters, ``email``, ``organisation`` and
    ``role`` texts, ``country`` empty or an ISO code, ``attributes`` a new ``dict`` of texts
    and ``normalised_email`` what :func:`normalise_email` gives for ``email``. The result
    equals the one the constructor builds (``tests/test_intake_rows.py`` checks it on
    generated rows).
    """
    person: Registrant = _new(Registrant)
    _set(person, "name", name)
    _set(person, "email", email)
    _set(person, "organisation", organisation)
    _set(person, "country", country)
    _set(person, "role", role)
    _set(person, "attributes", attributes)
    _set(person, "normalised_email", normalised_email)
    return person
