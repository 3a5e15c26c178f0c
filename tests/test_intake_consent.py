"""Consent kept with a registration, and JSON lines that read back to equal registrations."""

from __future__ import annotations

import datetime as dt
import io

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ran_events import intake
from ran_events.errors import InvalidAnswers
from ran_events.examples import webinar
from ran_events.intake import RegistrationBook, read_csv, read_jsonl
from ran_events.models import (
    Consent,
    ConsentQuestion,
    Event,
    Registrant,
    Registration,
)
from ran_events.store import SqliteStore

IN_WINDOW = dt.datetime(2023, 8, 20, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ANSWERS = {"motivation": "to learn", "experience": 3, "casework": True, "gender": "female"}
ASKED = ConsentQuestion(text="RAN may keep my data for this event.", version="2023-08")


def with_consent(*, required: bool = True) -> Event:
    event = webinar()
    asked = attrs.evolve(ASKED, required=required)
    return attrs.evolve(event, form=attrs.evolve(event.form, consent=asked))


def anna() -> Registrant:
    return Registrant(name="Anna Peeters", email="anna@example.org", role="police")


def test_a_book_refuses_an_application_without_the_consent_the_form_requires() -> None:
    book = RegistrationBook(with_consent())
    with pytest.raises(InvalidAnswers, match="consent to '2023-08'"):
        book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    given_at = IN_WINDOW - dt.timedelta(minutes=3)
    consent = Consent(version="2023-08", at=given_at, text=ASKED.text)
    held = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS, consent=consent)
    assert held.consent == consent
    optional = RegistrationBook(with_consent(required=False))
    assert optional.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS).consent is None


CSV_HEADER = "email,name,submitted_at,motivation,experience,casework,gender,consent,consent_at\n"


def test_the_consent_columns_of_an_applications_file() -> None:
    text = CSV_HEADER + (
        "a@example.org,A,2023-08-20T10:15:00+02:00,m,3,yes,female,yes,\n"
        "b@example.org,B,2023-08-20T10:15:00+02:00,m,3,yes,female,true,"
        "2023-08-19T09:00:00+02:00\n"
        "c@example.org,C,2023-08-20T10:15:00+02:00,m,3,yes,female,,\n"
        "d@example.org,D,2023-08-20T10:15:00+02:00,m,3,yes,female,perhaps,\n"
        "e@example.org,E,2023-08-20T10:15:00+02:00,m,3,yes,female,yes,yesterday\n"
    )
    report = read_csv(io.StringIO(text), with_consent())
    a, b = report.accepted
    assert a.consent == Consent(version="2023-08", at=a.submitted_at, text=ASKED.text)
    assert b.consent is not None
    assert b.consent.at == dt.datetime.fromisoformat("2023-08-19T09:00:00+02:00")
    assert a.registrant.attributes == {}  # the columns are consent, not attributes
    codes = {r.line: r.problems[0].code for r in report.rejected}
    assert codes == {4: "missing-consent", 5: "invalid-consent", 6: "invalid-datetime"}
    # Without consent on the form, the columns are attributes, as before.
    (plain, *_) = read_csv(io.StringIO(text), webinar()).accepted
    assert plain.consent is None
    assert plain.registrant.attributes == {"consent": "yes"}


def test_consent_times_without_an_offset_are_read_in_the_zone_given() -> None:
    text = CSV_HEADER + (
        "a@example.org,A,2023-08-20T10:15:00+02:00,m,3,yes,female,yes,2023-08-19T09:00\n"
    )
    (held,) = read_csv(io.StringIO(text), with_consent(), zone="Europe/Brussels").accepted
    assert held.consent is not None
    assert held.consent.at.utcoffset() == dt.timedelta(hours=2)
    (refused,) = read_csv(io.StringIO(text), with_consent()).rejected
    assert refused.problems[0].field == "consent_at"


def test_consent_survives_csv_json_and_a_store() -> None:
    event = with_consent()
    consent = Consent(version="2023-08", at=IN_WINDOW, text=ASKED.text)
    held = RegistrationBook(event).register(
        anna(), submitted_at=IN_WINDOW, answers=ANSWERS, consent=consent
    )
    assert read_csv(io.StringIO(intake.csv_text([held])), event).accepted == (held,)
    assert read_jsonl(io.StringIO(intake.jsonl_text([held])), event).accepted == (held,)
    assert intake.read_json(io.StringIO(intake.json_text([held]))).accepted == (held,)
    assert '"consent"' not in intake.json_text([attrs.evolve(held, consent=None)])
    with SqliteStore(":memory:") as store:
        store.book(event).add(held)
        assert store.book(event).get(held.id) == held


# ------------------------------------------------------------------------------------------
# JSON lines: what write_jsonl writes, read_jsonl reads back equal


def _stripped(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return text.map(str.strip).filter(bool)


NAMES = _stripped(
    st.text(alphabet="Anna PétersŁódźЖанна 李娜Øyvind-'\"\\,;", min_size=1, max_size=20)
)
TEXTS = _stripped(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
ADDRESSES = st.builds(
    "{}@{}".format,
    st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._+-]{0,10}[A-Za-z0-9]\Z").filter(
        lambda local: ".." not in local
    ),
    st.sampled_from(["example.org", "Example.ORG", "polizei-münchen.de", "xn--mnchen-3ya.de"]),
)
"""Valid addresses, ASCII and internationalised, as a person types them."""
CHOICES = ("trauma", "personality-disorders", "substance-use", "autism", "psychosis")


@st.composite
def registrations(draw: st.DrawFn, event: Event) -> Registration:
    """Valid registrations to the webinar (with optional consent), as a file would hold them:
    texts without surrounding blanks (a reader strips them), answers of every kind."""
    email = draw(ADDRESSES)
    answers: dict[str, object] = {
        "motivation": draw(TEXTS),
        "experience": draw(st.integers(1, 5)),
        "casework": draw(st.booleans()),
        "gender": draw(st.sampled_from(("female", "male", "non-binary", "prefer-not-to-say"))),
    }
    topics = draw(st.lists(st.sampled_from(CHOICES), unique=True, max_size=3))
    if topics or draw(st.booleans()):
        answers["topics"] = tuple(topics)
    offset = dt.timezone(dt.timedelta(minutes=15 * draw(st.integers(-48, 56))))
    opens, closes = event.registration.opens, event.registration.closes
    seconds = draw(st.integers(1, int((closes - opens).total_seconds()) - 1))
    submitted = (opens + dt.timedelta(seconds=seconds)).astimezone(offset)
    consent = None
    if draw(st.booleans()):
        consent = Consent(
            version=ASKED.version, text=ASKED.text, at=submitted - dt.timedelta(seconds=5)
        )
    return Registration(
        id=draw(st.from_regex(r"\Ar[0-9a-f]{1,16}\Z")),
        event_id=event.id,
        registrant=Registrant(
            name=draw(NAMES),
            email=email,
            organisation=draw(
                st.sampled_from(["", "Politie Antwerpen", "Ministère de l'Intérieur"])
            ),
            country=draw(st.sampled_from(["", "BE", "FR", "GR"])),
            role=draw(st.sampled_from(["", "police", "prison"])),
            attributes=draw(
                st.dictionaries(st.sampled_from(["seniority", "team", "région"]), TEXTS)
            ),
        ),
        submitted_at=submitted,
        answers=answers,  # type: ignore[arg-type]
        consent=consent,
    )


@given(
    st.lists(
        registrations(with_consent(required=False)),
        max_size=5,
        unique_by=(lambda r: r.email, lambda r: r.id),
    )
)
def test_read_jsonl_reads_back_what_export_jsonl_writes(pool: list[Registration]) -> None:
    event = with_consent(required=False)
    text = intake.export_jsonl_text(pool)
    report = read_jsonl(io.StringIO(text), event)
    assert report.rejected == ()
    assert list(report.accepted) == pool
    out = io.StringIO()
    intake.export_jsonl(pool, out)
    assert out.getvalue() == text == intake.jsonl_text(pool)
