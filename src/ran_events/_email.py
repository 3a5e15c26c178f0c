"""Offline e-mail address normalisation with a fast path for the common case.

email-validator checks an address in about 70 µs, nearly all of it on the domain (Unicode
categories and UTS-46 mapping character by character, IDNA, special-use names, label
rules). :func:`normalize` gives exactly the validator's answer faster in two ways:

* **Plain addresses** (nearly all of them): an ASCII address whose local part is an RFC 5322
  dot-atom of at most 64 characters and whose domain is dot-separated letter-digit-hyphen
  labels of 1 to 63 characters, not starting or ending with a hyphen, without ``--``, ending
  in a label that ends with a letter, not a special-use name, 254 characters in all at most.
  For such an address every check email-validator makes passes, and its normalised form is
  the address with the domain lower-cased (the UTS-46 mapping of ASCII letters; an ASCII
  domain without ``xn--`` comes back unchanged from the IDNA round trip), which
  :func:`normalize` then lower-cases whole. One regular expression recognises the shape, so
  an address with a domain of its own costs about as much as one whose domain was seen
  before, and nothing is kept per domain.
* **Other domains** (``xn--`` Punycode, ``--`` anywhere, a special-use name, lengths near
  the limit) with a plain local part: each distinct domain is validated once by
  email-validator and its outcome kept in a bounded cache (8,192 domains).

Anything else (non-ASCII, quoting, display names, a domain the validator refuses) goes
through email-validator in full, so every refusal and its reason are exactly the
validator's. ``tests/test_email.py`` checks the equivalence with Hypothesis.

A local part (before the ``@``) must be ASCII: e-mail to a non-ASCII mailbox needs the
SMTPUTF8 extension (RFC 6531) at every hop, which many mail servers still lack, and Python's
own e-mail parser reports every such address as a defect. Such an address is refused here,
at intake, with that reason (``allow_smtputf8=False``); a non-ASCII *domain* is accepted,
kept in its Unicode form, and written in its ASCII form (:func:`ascii_address`) wherever an
address leaves the library (e-mail headers, ``mailto:`` URIs).

The fast path and the cache read email-validator's module-level settings
(``SPECIAL_USE_DOMAIN_NAMES``, ``TEST_ENVIRONMENT``) once, when first needed; call
:func:`clear_cache` after changing them. (``STRICT`` and ``GLOBALLY_DELIVERABLE`` need no
care: only they refuse more, and the fast path leaves the addresses they could refuse to the
validator.)
"""

from __future__ import annotations

import functools
import re
from typing import Final

import email_validator
from email_validator import EmailNotValidError, validate_email

from .errors import InvalidEmail

__all__ = ["ascii_address", "clear_cache", "normalize", "normalize_once"]

# RFC 5322 3.2.3 atext, dot-separated (the rule email-validator applies to ASCII local parts).
_ATEXT: Final = r"A-Za-z0-9_!#$%&'*+\-/=?^`{|}~"
_PLAIN_LOCAL: Final = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*\Z")
# A lower-cased plain address: dot-atom local part @ labels of 1 to 63 letters, digits and
# hyphens, at least two, the last ending with a letter (email-validator's "valid top-level
# domain" rule). normalize() adds: no label starts or ends with a hyphen (RFC 952/1123, as
# email-validator checks them after UTS-46 mapping). Possessive quantifiers: no backtracking
# (a match they miss goes the slow way, with the same answer), so a match costs ~0.3 us.
_PLAIN_ADDRESS: Final = re.compile(
    rf"[{_ATEXT}]++(?:\.[{_ATEXT}]++)*+@((?:[a-z0-9-]{{1,63}}+\.)++[a-z0-9-]{{1,63}}+(?<=[a-z]))\Z"
)
_MAX_LENGTH: Final = 254  # RFC 5321 4.5.3.1.3, in octets, as email-validator checks it
_MAX_LOCAL: Final = 64  # RFC 5321 4.5.3.1.1: refused beyond it in email-validator's strict mode
_NOT_ASCII: Final = (
    "; e-mail to a non-ASCII mailbox needs the SMTPUTF8 extension, which many mail servers "
    "lack: give an address with an ASCII part before the @ (the domain may be non-ASCII)"
)


@functools.cache
def _special_use() -> tuple[frozenset[str], tuple[str, ...]]:
    """The special-use names email-validator refuses now, whole and as ``.name`` suffixes."""
    names = frozenset(
        name
        for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
        if not (name == "test" and email_validator.TEST_ENVIRONMENT)
    )
    return names, tuple(f".{name}" for name in sorted(names))


def normalize_once(address: str) -> str:
    """:func:`normalize` without its cache, for a caller that sees each address once (the
    intake's rows: a cache miss costs about 0.25 µs)."""
    if not address.isascii():  # before lower(): "K" (Kelvin sign) lower-cases to ASCII "k"
        return _full(address)
    lowered = address.lower()
    plain = _PLAIN_ADDRESS.match(lowered) if len(address) <= _MAX_LENGTH else None
    if plain is not None:
        domain = plain[1]
        special_use, special_use_suffixes = _special_use()
        if (
            plain.start(1) <= _MAX_LOCAL + 1  # the local part and the @
            and "--" not in domain  # "ab--" (R-LDH) and "xn--" (Punycode) labels: see below
            and "-." not in domain
            and ".-" not in domain
            and domain[0] != "-"
            and domain not in special_use
            and not domain.endswith(special_use_suffixes)
        ):
            # The typed address itself when already lower-case: a registration then holds one
            # copy of it, not two (90 bytes a registration in a pool of a million).
            return address if lowered == address else lowered
    if address.count("@") == 1:
        local, _, domain = address.partition("@")
        if len(local) <= _MAX_LOCAL and _PLAIN_LOCAL.match(local):
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


# An address is often normalised twice in a row (a Registrant, then a lookup of it): a small
# cache suffices, and keeps few addresses in memory.
@functools.lru_cache(maxsize=64)
def normalize(address: str) -> str:
    """Return the normalised (lower-cased) address, validated offline.

    Raises:
        InvalidEmail: the address is not valid; ``reason`` is email-validator's explanation.
    """
    return normalize_once(address)


@functools.lru_cache(maxsize=8192)
def _domain(domain: str) -> tuple[str, str] | None:
    """The domain's normalised and ASCII forms, or ``None`` if the validator refuses it."""
    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.domain, result.ascii_domain


def _full(address: str) -> str:
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
    if domain.isascii():  # the validator's ASCII form of an ASCII domain is its UTS-46 mapping
        return f"{local}@{domain.lower()}"
    _, ascii_domain = _domain(domain) or (domain, domain)  # normalize() accepted the domain
    return f"{local}@{ascii_domain}"


def clear_cache() -> None:
    """Forget the cached domain checks (after changing email-validator's settings)."""
    _special_use.cache_clear()
    _domain.cache_clear()
    normalize.cache_clear()
