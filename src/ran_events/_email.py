"""Offline e-mail address normalisation with a fast path for the common case.

email-validator checks an address in about 70 µs, most of it spent on the domain (IDNA,
special-use names, label rules). A pool of applications has a few hundred domains for tens
of thousands of addresses, so :func:`normalize` validates each *domain* once with
email-validator and caches the outcome; the local part of a plain ASCII address is checked
with the same RFC 5322 dot-atom rule email-validator applies to it. Anything outside that
plain case (non-ASCII, quoting, display names, lengths near the limit, a domain the
validator refuses) goes through email-validator in full, so the result and every error are
exactly the validator's. ``tests/test_models_registrant.py`` checks the equivalence with
Hypothesis.

A local part (before the ``@``) must be ASCII: e-mail to a non-ASCII mailbox needs the
SMTPUTF8 extension (RFC 6531) at every hop, which many mail servers still lack, and Python's
own e-mail parser reports every such address as a defect. Such an address is refused here,
at intake, with that reason (``allow_smtputf8=False``); a non-ASCII *domain* is accepted,
kept in its Unicode form, and written in its ASCII form (:func:`ascii_address`) wherever an
address leaves the library (e-mail headers, ``mailto:`` URIs).

The cache assumes email-validator's module-level settings (``SPECIAL_USE_DOMAIN_NAMES``,
``TEST_ENVIRONMENT``...) are not changed while the process runs; call
:func:`clear_cache` after changing them.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from .errors import InvalidEmail

__all__ = ["ascii_address", "clear_cache", "normalize"]

# RFC 5322 3.2.3 atext, dot-separated (the rule email-validator applies to ASCII local parts).
_ATEXT: Final = r"A-Za-z0-9_!#$%&'*+\-/=?^`{|}~"
_PLAIN_LOCAL: Final = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*\Z")
_MAX_LENGTH: Final = 254  # RFC 5321 4.5.3.1.3, in octets, as email-validator checks it
_NOT_ASCII: Final = (
    "; e-mail to a non-ASCII mailbox needs the SMTPUTF8 extension, which many mail servers "
    "lack: give an address with an ASCII part before the @ (the domain may be non-ASCII)"
)


# An address is often normalised twice in a row (intake, then the Registrant): a small cache
# suffices, and keeps few addresses in memory.
@functools.lru_cache(maxsize=64)
def normalize(address: str) -> str:
    """Return the normalised (lower-cased) address, validated offline.

    Raises:
        InvalidEmail: the address is not valid; ``reason`` is email-validator's explanation.
    """
    if address.isascii() and address.count("@") == 1:
        local, _, domain = address.partition("@")
        if _PLAIN_LOCAL.match(local):
            domains = _domain(domain)
            if domains is not None:
                unicode_domain, ascii_domain = domains
                normalized = f"{local}@{unicode_domain}"
                if (
                    len(address) <= _MAX_LENGTH
                    and len(normalized.encode()) <= _MAX_LENGTH
                    and len(local) + 1 + len(ascii_domain) <= _MAX_LENGTH
                ):
                    return normalized.lower()
    return _full(address)


@functools.lru_cache(maxsize=8192)
def _domain(domain: str) -> tuple[str, str] | None:
    """The domain's normalised and ASCII forms, or ``None`` if the validator refuses it."""
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - heavy

    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.domain, result.ascii_domain


def _full(address: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - heavy

    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc)
        if "before the @-sign are not supported" in reason:
            reason = reason.removesuffix(".") + _NOT_ASCII
        raise InvalidEmail(address, reason) from None
    return result.normalized.lower()


def ascii_address(address: str) -> str:
    """Return an address with its domain in ASCII (IDNA) form: ``ann@xn--bcher-kva.example``.

    This is the form e-mail headers and ``mailto:`` URIs carry (the normalised form keeps a
    Unicode domain for people to read). The local part is kept as given.

    Raises:
        InvalidEmail: the address is not valid (see :func:`normalize`).
    """
    normalize(address)
    local, _, domain = address.rpartition("@")
    _, ascii_domain = _domain(domain) or (domain, domain)  # normalize() accepted the domain
    return f"{local}@{ascii_domain}"


def clear_cache() -> None:
    """Forget the cached domain checks (after changing email-validator's settings)."""
    _domain.cache_clear()
    normalize.cache_clear()
