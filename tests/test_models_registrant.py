"""Registrants and their addresses: the registrant's checks, and the offline e-mail
normalisation (its fast path against email-validator itself; the deprecated alias)."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from ran_events import _email
from ran_events.errors import InvalidEmail, InvalidValue
from ran_events.models import (
    Registrant,
    normalise_email,
)

# ------------------------------------------------------------------------------------------
# Registrants


def test_registrant_keeps_the_address_as_typed_and_normalises_for_identity() -> None:
    person = Registrant(name="Anna", email="Anna.Peeters@Police.Example.ORG")
    assert person.email == "Anna.Peeters@Police.Example.ORG"
    assert person.normalized_email == "anna.peeters@police.example.org"


def test_invalid_address_names_the_validators_reason() -> None:
    with pytest.raises(InvalidEmail) as caught:
        Registrant(name="Anna", email="anna.example.org")
    assert "@-sign" in caught.value.reason
    assert caught.value.field == "email"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("country", "hint"),
    [("UK", "GB"), ("EL", "GR"), ("be", "upper case: BE"), ("XX", "ISO 3166-1")],
)
def test_registrant_country_is_iso_3166_alpha_2(country: str, hint: str) -> None:
    with pytest.raises(InvalidValue, match=hint):
        Registrant(name="Anna", email="a@example.org", country=country)


def test_registrant_refuses_an_empty_name() -> None:
    with pytest.raises(InvalidValue, match="non-empty"):
        Registrant(name="  ", email="a@example.org")


# ------------------------------------------------------------------------------------------
# E-mail normalisation: the fast path gives exactly email-validator's answer


def _reference(address: str) -> str | None:
    try:
        return validate_email(
            address, check_deliverability=False, allow_smtputf8=False
        ).normalized.lower()
    except EmailNotValidError:
        return None


def _ours(address: str) -> str | None:
    try:
        return normalise_email(address)
    except InvalidEmail:
        return None


_ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~."
_local = st.text(alphabet=_ATEXT + '"@ \\é', min_size=0, max_size=70)
_label = st.text(alphabet="abcxyz019-_ÄßéXN", min_size=0, max_size=65)
_domain = st.lists(_label, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    [
        "example.org",
        "EXAMPLE.ORG",
        "localhost",
        "test",
        "x.invalid",
        "example.com.",
        "xn--bcher-kva.example",
        "[127.0.0.1]",
        "münchen.de",
        "a" * 250 + ".org",
    ]
)


@settings(max_examples=400, deadline=None)
@given(local=_local, domain=_domain)
def test_fast_path_agrees_with_email_validator(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert _ours(address) == _reference(address)


@pytest.mark.parametrize(
    "address",
    [
        "a" * 64 + "@" + "b" * 60 + ".example.org",
        "x@" + ".".join(["a" * 60] * 4) + ".org",
        "x" * 10 + "@" + ".".join(["a" * 60] * 4) + ".org",  # over 254 octets in all
        "x" * 200 + "@" + "y" * 49 + ".org",
        "info@Example.org",
        '"quoted"@example.org',
        "Anna <anna@example.org>",
        "anna@bücher.example",
        "anna@xn--bcher-kva.example",
        "a..b@example.org",
        ".a@example.org",
        "a@example",
        " a@example.org",
    ],
)
def test_fast_path_agrees_on_edge_cases(address: str) -> None:
    assert _ours(address) == _reference(address)


def test_invalid_domain_error_is_the_validators_own() -> None:
    _email.clear_cache()
    with pytest.raises(InvalidEmail) as caught:
        normalise_email("anna@localhost")
    with pytest.raises(EmailNotValidError) as reference:
        validate_email("anna@localhost", check_deliverability=False)
    assert caught.value.reason == str(reference.value)


def test_normalize_email_refuses_non_text() -> None:
    with pytest.raises(InvalidEmail, match="not a string"):
        normalise_email(42)  # type: ignore[arg-type]


def test_normalize_email_is_a_deprecated_alias_of_normalise_email() -> None:
    from ran_events import models

    with pytest.warns(DeprecationWarning, match=r"normalize_email .*use .*normalise_email"):
        assert models.normalize_email("Anna.Peeters@Police.Example.ORG") == (
            "anna.peeters@police.example.org"
        )
    with (
        pytest.warns(DeprecationWarning, match="normalise_email"),
        pytest.raises(InvalidEmail, match="not a string"),
    ):
        models.normalize_email(42)  # type: ignore[arg-type]


def test_the_package_exports_the_british_name_and_the_alias() -> None:
    import ran_events

    assert ran_events.normalise_email is normalise_email
    assert ran_events.normalize_email.__name__ == "normalize_email"
    assert ran_events.normalize_email is not normalise_email
