"""The intake's row path: registrations built without the constructors' checks equal the
checked ones, and every row the constructors would refuse is still refused."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ran_events import tz
from ran_events.examples import webinar
from ran_events.intake import ImportReport, MemoryBackend, RegistrationBook, read_jsonl
from ran_events.models import (
    Consent,
    Event,
    Registrant,
    Registration,
    RegistrationWindow,
    normalise_email,
)
from ran_events.models.registrant import _checked_registrant
from ran_events.models.registration import _checked_registration

from .strategies import TRICKY_TEXT, email_addresses

EVENT = webinar()
OPENS = EVENT.registration.opens.astimezone(dt.UTC).replace(tzinfo=None)
CLOSES = EVENT.registration.closes.astimezone(dt.UTC).replace(tzinfo=None)

# ------------------------------------------------------------------------------------------
# The path through the public constructors, as the intake took it before: the reference.


def _registrant(  # noqa: PLR0917 - the signature of _checked_registrant
    name: str,
    email: str,
    organisation: str,
    country: str,
    role: str,
    attributes: dict[str, str],
    normalised_email: str,
) -> Registrant:
    built = Registrant(
        name=name,
        email=email,
        organisation=organisation,
        country=country,
        role=role,
        attributes=attributes,
    )
    assert built.normalised_email == normalised_email
    return built


def _registration(  # noqa: PLR0917 - the signature of _checked_registration
    id: str,
    event_id: str,
    registrant: Registrant,
    submitted_at: dt.datetime,
    answers: dict[str, Any],
    consent: Consent | None,
) -> Registration:
    return Registration(
        id=id,
        event_id=event_id,
        registrant=registrant,
        submitted_at=submitted_at,
        answers=answers,
        consent=consent,
    )


def _hold_each(
    self: MemoryBackend, registrations: Iterable[Registration], *, on_duplicate: Any, by: str
) -> list[Registration | Exception]:
    results: list[Registration | Exception] = []
    for registration in registrations:
        try:
            results.append(self.hold(registration, on_duplicate=on_duplicate, by=by))
        except (ValueError, LookupError) as exc:
            results.append(exc)
    return results


@contextlib.contextmanager
def checked_path() -> Iterator[None]:
    """Intake through the public constructors and one ``hold`` per registration."""
    with (
        mock.patch("ran_events.intake.rows._checked_registrant", _registrant),
        mock.patch("ran_events.intake.rows._checked_registration", _registration),
        mock.patch.object(MemoryBackend, "hold_many", _hold_each),
    ):
        yield


def assert_same(fast: ImportReport, checked: ImportReport) -> None:
    assert fast == checked
    for registration in fast.accepted:
        attrs.validate(registration)  # every field passes the constructors' validators
        person = registration.registrant
        attrs.validate(person)
        # Not part of equality: compared here.
        assert person.normalised_email == normalise_email(person.email)
        assert type(person.attributes) is dict
        assert type(registration.answers) is dict
        assert all(not isinstance(v, list) for v in registration.answers.values())


# ------------------------------------------------------------------------------------------
# Generated rows

_OFFSETS = st.integers(min_value=-14 * 4, max_value=14 * 4).map(
    lambda quarters: dt.timezone(dt.timedelta(minutes=15 * quarters))
)
_IN_WINDOW = st.builds(
    lambda at, zone: at.replace(tzinfo=dt.UTC).astimezone(zone).isoformat(),
    st.datetimes(OPENS - dt.timedelta(hours=1), CLOSES + dt.timedelta(hours=1)),
    _OFFSETS,
)
_TEXTS = st.just("") | TRICKY_TEXT
_ODD = st.sampled_from(["", " ", "\x07", " \x00 ", "Lea\x07", "Lea\u200b", "\u2028", "Ann"])
_ANSWERS = {
    "motivation": _TEXTS | _ODD,
    "experience": st.sampled_from(["1", "5", " 3 ", "9", "x", ""]) | st.integers(0, 6),
    "casework": st.sampled_from(["yes", "No", "TRUE", "maybe", ""]) | st.booleans(),
    "gender": st.sampled_from(["female", " male ", "other", ""]),
    "topics": st.sampled_from(["trauma", "autism;psychosis", " ; ", "astrology", ""])
    | st.lists(st.sampled_from(["trauma", "autism", "x"]), max_size=2),
}


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    """One application as a JSON object: standard fields, answers and attributes, each
    often valid and sometimes what a constructor refuses (control characters, bad codes)."""
    row: dict[str, Any] = {
        "id": draw(st.none() | _ODD | st.sampled_from(["a1", "a2", "r\x01"]) | TRICKY_TEXT),
        "email": draw(
            st.sampled_from(["ann@example.org", "ANN@Example.org", "bo@example.org"])
            | email_addresses()
        ),
        "name": draw(TRICKY_TEXT | _ODD),
        "submitted_at": draw(
            _IN_WINDOW | st.sampled_from(["2023-08-20T10:15:00", "", "2023-13-01T00:00+02:00"])
        ),
        "organisation": draw(_TEXTS),
        "country": draw(st.sampled_from(["", "BE", " be ", "EL", "GR", "XX"])),
        "role": draw(_TEXTS),
    }
    for qid, answers in _ANSWERS.items():
        if draw(st.booleans()) or qid != "topics":
            row[qid] = draw(answers)
    row.update(draw(st.dictionaries(st.sampled_from(["seniority", "badge"]), _TEXTS | _ODD)))
    return row


def _csv(rows: list[dict[str, Any]]) -> str:
    columns = ["id", "email", "name", "submitted_at", "organisation", "country", "role",
               *_ANSWERS, "seniority", "badge"]  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                ";".join(value) if isinstance(value, list) else value
                for value in (row.get(column, "") for column in columns)
            ]
        )
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(applications(), max_size=12), replace=st.booleans())
def test_rows_built_without_checks_equal_the_checked_ones(
    rows: list[dict[str, Any]], replace: bool
) -> None:
    policy = "replace" if replace else "reject"
    jsonl = "".join(json.dumps(row) + "\n" for row in rows)
    csv_text = _csv(rows)
    for csv_file, text in ((False, jsonl), (True, csv_text)):
        books = []
        for path in (contextlib.nullcontext, checked_path):
            book = RegistrationBook(EVENT, on_duplicate=policy)
            with path():
                read = book.read_csv if csv_file else book.read_jsonl
                books.append((book, read(io.StringIO(text))))
        (fast_book, fast), (checked_book, checked) = books
        assert_same(fast, checked)
        assert list(fast_book) == list(checked_book) == list(fast.accepted)
        for registration in fast.accepted:
            assert fast_book.get(registration.id) is registration
            assert fast_book.find(registration.registrant.email) is registration


# ------------------------------------------------------------------------------------------
# Examples: what only the constructors would find


def _row(**changes: str) -> dict[str, str]:
    row = {
        "email": "ann@example.org",
        "name": "Ann Peeters",
        "submitted_at": "2023-08-20T10:15:00+02:00",
        "motivation": "to learn",
        "experience": "3",
        "casework": "yes",
        "gender": "female",
    }
    return {**row, **changes}


def test_a_name_of_control_characters_only_is_still_refused() -> None:
    rows = [_row(name="\x07"), _row(email="bo@example.org", name="Bo\x07")]
    report = read_jsonl(io.StringIO("".join(json.dumps(r) + "\n" for r in rows)), EVENT)
    (bad,) = report.rejected
    assert (bad.line, bad.field, bad.codes) == (1, "name", ("invalid-value",))
    (good,) = report.accepted
    assert good.registrant.name == "Bo\x07"


def test_an_id_of_control_characters_only_is_still_refused() -> None:
    report = read_jsonl(io.StringIO(json.dumps(_row(id="\x01\x02")) + "\n"), EVENT)
    (bad,) = report.rejected
    assert (bad.field, bad.codes) == ("id", ("invalid-value",))


def _event_at_the_last_year() -> Event:
    """The webinar with its window ending an hour before 2101 in UTC."""
    closes = dt.datetime(2100, 12, 31, 23, 0, tzinfo=dt.UTC)
    start = closes + dt.timedelta(minutes=30)
    session = attrs.evolve(
        EVENT.sessions[0], start=tz.to_zone(start, "UTC"), end=start + dt.timedelta(minutes=20)
    )
    window = RegistrationWindow(opens=closes - dt.timedelta(days=30), closes=closes)
    return attrs.evolve(EVENT, timezone="UTC", sessions=(session,), registration=window)


def test_a_time_inside_the_window_written_in_the_year_after_the_last_is_refused() -> None:
    # 2101-01-01T00:30+02:00 is 2100-12-31T22:30 UTC: inside the window, but written in a
    # year the library does not take (models.check_instant reads the year as written).
    event = _event_at_the_last_year()
    rows = [
        _row(submitted_at="2101-01-01T00:30:00+02:00"),
        _row(email="bo@example.org", submitted_at="2100-12-31T22:30:00+00:00"),
    ]
    report = read_jsonl(io.StringIO("".join(json.dumps(r) + "\n" for r in rows)), event)
    (bad,) = report.rejected
    assert (bad.line, bad.field, bad.codes) == (1, "submitted_at", ("invalid-value",))
    assert "years 1970 to 2100" in bad.reason
    assert [r.registrant.email for r in report.accepted] == ["bo@example.org"]


@pytest.mark.parametrize("zone", ["Europe/Brussels", "America/New_York"])
def test_times_in_a_named_zone_equal_the_checked_ones(zone: str) -> None:
    rows = [_row(submitted_at="2023-08-20T10:15:00"), _row(email="bo@example.org")]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    fast = read_jsonl(io.StringIO(text), EVENT, zone=zone)
    with checked_path():
        checked = read_jsonl(io.StringIO(text), EVENT, zone=zone)
    assert_same(fast, checked)
    assert len(fast.accepted) == 2


def test_the_internal_constructors_equal_the_public_ones() -> None:
    at = dt.datetime(2023, 8, 20, 10, 15, tzinfo=dt.UTC)
    person = _checked_registrant(
        "Ann", "Ann@Example.org", "Police", "BE", "police", {"a": "b"}, "ann@example.org"
    )
    public = Registrant(
        name="Ann",
        email="Ann@Example.org",
        organisation="Police",
        country="BE",
        role="police",
        attributes={"a": "b"},
    )
    assert person == public
    assert person.normalised_email == public.normalised_email
    assert repr(person) == repr(public)
    made = _checked_registration("r1", EVENT.id, person, at, {"topics": ("trauma",)}, None)
    built = Registration(
        id="r1",
        event_id=EVENT.id,
        registrant=public,
        submitted_at=at,
        answers={"topics": ["trauma"]},
    )
    assert made == built
    assert (made.status, made.history) == (built.status, built.history)
    assert attrs.evolve(made, id="r2") == attrs.evolve(built, id="r2")


def test_country_cells_are_read_as_codes_however_written() -> None:
    cells = ["BE", " be ", "BE", "be", "", "GR"]
    rows = [_row(email=f"a{i}@example.org", country=c) for i, c in enumerate(cells)]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    report = read_jsonl(io.StringIO(text), EVENT)
    countries = [r.registrant.country for r in report.accepted]
    assert countries == ["BE", "BE", "BE", "BE", "", "GR"]
    assert len({id(c) for c in countries[:4]}) == 1  # one string object for equal codes
    bad = read_jsonl(io.StringIO(json.dumps(_row(country="EL")) + "\n"), EVENT)
    assert "GR" in bad.rejected[0].reason


def test_a_later_row_replaces_an_application_held_before_the_import() -> None:
    book = RegistrationBook(EVENT, on_duplicate="replace")
    earlier = book.register(
        Registrant(name="Ann Peeters", email="ann@example.org"),
        submitted_at=dt.datetime(2023, 8, 19, 9, 0, tzinfo=dt.UTC),
        answers={"motivation": "x", "experience": 1, "casework": True, "gender": "female"},
    )
    report = book.read_jsonl(io.StringIO(json.dumps(_row(name="Ann P.")) + "\n"))
    assert report.rejected == ()
    (kept,) = report.accepted
    assert (kept.registrant.name, kept.id) == ("Ann P.", earlier.id)
    assert list(book) == [kept]
    assert kept.history[-1].reason.startswith("replaces the application " + earlier.id)
