"""Registrants and their addresses: the registrant's checks, and the offline e-mail
normalisation (its fast path against email-validator itself; the deprecated alias)."""

from __future__ import annotations

import pytest

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
    assert person.normalised_email == "anna.peeters@police.example.org"


def test_the_american_spelling_of_the_normalised_address_warns_and_still_answers() -> None:
    person = Registrant(name="Anna", email="Anna.Peeters@Police.Example.ORG")
    with pytest.warns(DeprecationWarning, match=r"Registrant\.normalised_email"):
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
# E-mail normalisation (its equivalence with email-validator: tests/test_email.py)


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
