"""ran_events._email gives exactly email-validator's answer, faster."""

from __future__ import annotations

from collections.abc import Iterator

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from tests.strategies import email_addresses

from ran_events import _email
from ran_events.errors import InvalidEmail
from ran_events.models import Registrant


@pytest.fixture(autouse=True)
def _cold_cache() -> Iterator[None]:
    _email.clear_cache()
    yield
    _email.clear_cache()


def assert_same_answer(address: str) -> None:
    """``normalize`` (cached or not) and ``ascii_address`` agree with email-validator: the same
    verdict, the same normalised (lower-cased) and ASCII forms, and the validator's own reason."""
    try:
        expected = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc)
        for call in (_email.normalize, _email.normalize_once, _email.ascii_address):
            with pytest.raises(InvalidEmail) as caught:
                call(address)
            assert caught.value.reason in (reason, reason.removesuffix(".") + _email._NOT_ASCII)
        return
    for _ in range(2):  # from a cold cache, then from the caches
        assert _email.normalize(address) == expected.normalized.lower()
        assert _email.normalize_once(address) == expected.normalized.lower()
        local = address.rpartition("@")[0]
        assert _email.ascii_address(address) == f"{local}@{expected.ascii_domain}"


@settings(max_examples=3000, deadline=None)
@given(email_addresses())
@example("Jane.Doe@Police-Antwerp.BE")
@example("x@a-b.c0m")
@example("x@ab--c.org")
@example("x@-ab.org")
@example("x@ab-.org")
@example("x@ab.-cd.org")
@example("x@xn--bcher-kva.example")
@example("x@XN--BCHER-KVA.example")
@example("x@xn--abc.org")  # looks like Punycode, is not
@example("x@host.localhost")
@example("x@mail.local")
@example("x@123.456")
@example("\u212a@example.org")  # lower-cases to ASCII "k"
@example("x" * 64 + "@example.org")
@example("x" * 65 + "@example.org")
@example("x" * 240 + "@example.org")  # 252 characters
@example("x" * 242 + "@example.org")  # 254
@example("x" * 243 + "@example.org")  # 255
@example("x@" + "a" * 63 + ".org")
@example("x@" + "a" * 64 + ".org")
@example("x" * 10 + "@" + ".".join(["a" * 60] * 4) + ".org")  # 258 characters
@example("info@Example.org")  # a role name (RFC 2142), lower-cased by the validator
@example('"quoted"@example.org')
@example("Anna <anna@example.org>")
@example("anna@bücher.example")
@example("a@example")
@example(" a@example.org")
def test_every_address_gets_email_validators_answer(address: str) -> None:
    assert_same_answer(address)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("test_environment", [False, True])
def test_the_validators_settings_are_followed(
    monkeypatch: pytest.MonkeyPatch, strict: bool, test_environment: bool
) -> None:
    monkeypatch.setattr(email_validator, "STRICT", strict)
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", test_environment)
    monkeypatch.setattr(
        email_validator,
        "SPECIAL_USE_DOMAIN_NAMES",
        [*email_validator.SPECIAL_USE_DOMAIN_NAMES, "example.net"],
    )
    _email.clear_cache()  # as documented, after changing the settings
    for address in (
        "x" * 65 + "@example.org",  # refused in strict mode only
        "ann@mail.test",  # accepted in a test environment only
        "ann@example.net",  # a special-use name added by the caller
        "ann@mail.example.net",
        "ann@example.org",
    ):
        assert_same_answer(address)


def test_plain_addresses_leave_nothing_per_domain() -> None:
    """An address of the common shape is checked without validating or keeping its domain,
    so a file of distinct domains is as fast as one of a few, and memory stays flat."""
    for i in range(500):
        assert _email.normalize(f"Ann.Example.{i}@Police-{i}.Example.BE") == (
            f"ann.example.{i}@police-{i}.example.be"
        )
    assert _email._domain.cache_info().currsize == 0


def test_a_lower_case_address_is_kept_once_not_copied() -> None:
    """A registration holds the typed address and its normalised form: when they are equal
    they are one string, not two (a million registrations: 90 MB less)."""
    typed = "".join(["maria.papadopoulou.", "00042@police-gr.example.org"])  # a fresh object
    assert _email.normalize_once(typed) is typed
    mixed = "".join(["Maria.Papadopoulou@", "police-gr.example.org"])
    assert _email.normalize_once(mixed) == mixed.lower()
    registrant = Registrant(name="Maria", email="".join(["m.p@", "police-gr.example.org"]))
    assert registrant.normalised_email is registrant.email


def test_other_domains_are_validated_once_each_in_a_bounded_cache() -> None:
    for local in ("ann", "bob"):
        assert _email.normalize(f"{local}@XN--BCHER-KVA.example") == f"{local}@bücher.example"
    info = _email._domain.cache_info()
    assert (info.misses, info.hits, info.maxsize) == (1, 1, 8192)
