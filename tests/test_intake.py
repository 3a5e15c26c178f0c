"""Intake: the registration book, CSV and JSON-lines import, export, pseudonyms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ran_events.errors import (
    DuplicateRegistration,
    IllegalTransition,
    InvalidAnswers,
    InvalidEmail,
    InvalidValue,
    NaiveDatetimeError,
    RegistrationClosed,
    RegistrationNotOpen,
    UnknownRegistration,
)
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import (
    ImportReport,
    RegistrationBook,
    csv_text,
    json_text,
    pseudonymise,
    read_csv,
    read_json,
    read_jsonl,
    registration_id,
)
from ran_events.models import (
    Answer,
    Event,
    Registrant,
    Registration,
    RegistrationStatus,
    RegistrationWindow,
)

BRUSSELS_SUMMER = dt.timezone(dt.timedelta(hours=2))
IN_WINDOW = dt.datetime(2023, 8, 20, 10, 15, tzinfo=BRUSSELS_SUMMER)
ANSWERS: dict[str, Answer] = {
    "motivation": "to learn",
    "experience": 3,
    "casework": True,
    "gender": "female",
}


@pytest.fixture(scope="module")
def event() -> Event:
    return webinar()


def anna(email: str = "anna.peeters@police-be.example.org") -> Registrant:
    return Registrant(name="Anna Peeters", email=email, country="BE", role="police")


# ------------------------------------------------------------------------------------------
# The book


def test_register_derives_a_stable_id_from_event_and_normalised_address(event: Event) -> None:
    book = RegistrationBook(event=event)
    r = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    assert r.id == registration_id(event.id, "Anna.Peeters@POLICE-BE.example.org")
    assert r.id == "r" + r.id[1:] and len(r.id) == 17  # noqa: PT018 - one shape
    assert "anna" not in r.id
    assert book.get(r.id) == r
    assert book.find("ANNA.PEETERS@police-be.example.org") == r
    assert r.id in book
    assert len(book) == 1
    assert list(book) == [r]
    assert registration_id("other-event", "anna.peeters@police-be.example.org") != r.id


def test_register_keeps_a_given_id(event: Event) -> None:
    r = RegistrationBook(event=event).register(
        anna(), submitted_at=IN_WINDOW, answers=ANSWERS, id="a00001"
    )
    assert r.id == "a00001"


def test_a_late_application_reads_the_deadline_as_the_organiser_gave_it(event: Event) -> None:
    import attrs

    from ran_events import tz

    zone = "Europe/Helsinki"
    closes = tz.parse_deadline("Wednesday 16 October 2024", zone)
    start = tz.localize(dt.datetime(2024, 10, 30, 14), zone)
    session = attrs.evolve(event.sessions[0], start=start, end=start + dt.timedelta(hours=2))
    window = RegistrationWindow(opens=closes - dt.timedelta(days=30), closes=closes)
    helsinki = attrs.evolve(event, timezone=zone, sessions=(session,), registration=window)
    book = RegistrationBook(event=helsinki)
    with pytest.raises(RegistrationClosed) as late:
        book.register(anna(), submitted_at=closes + dt.timedelta(hours=9), answers=ANSWERS)
    assert str(late.value) == (
        "registration closed: the application of 2024-10-17T09:00:00+03:00 came after the "
        "deadline, end of Wed 16 Oct 2024 (Europe/Helsinki)"
    )
    assert late.value.bound == closes


def test_window_errors_name_the_instants_in_the_events_zone(event: Event) -> None:
    book = RegistrationBook(event=event)
    early = dt.datetime(2023, 8, 10, 20, 0, tzinfo=dt.UTC)
    with pytest.raises(RegistrationNotOpen) as not_open:
        book.register(anna(), submitted_at=early, answers=ANSWERS)
    assert "2023-08-11T00:00:00+02:00" in str(not_open.value)
    assert "2023-08-10T22:00:00+02:00" in str(not_open.value)
    deadline = dt.datetime(2023, 9, 6, 22, 0, tzinfo=dt.UTC)  # midnight in Brussels
    with pytest.raises(RegistrationClosed) as closed:
        book.register(anna(), submitted_at=deadline, answers=ANSWERS)
    assert "2023-09-07T00:00:00+02:00" in str(closed.value)
    last_moment = deadline - dt.timedelta(microseconds=1)
    assert book.register(anna(), submitted_at=last_moment, answers=ANSWERS).submitted_at == (
        last_moment
    )


def test_register_checks_the_form_and_awareness(event: Event) -> None:
    book = RegistrationBook(event=event)
    with pytest.raises(InvalidAnswers) as caught:
        book.register(anna(), submitted_at=IN_WINDOW, answers={"experience": 7})
    assert {q for q, _v, _m in caught.value.problems} == {
        "motivation",
        "experience",
        "casework",
        "gender",
    }
    with pytest.raises(NaiveDatetimeError):
        book.register(anna(), submitted_at=dt.datetime(2023, 8, 20), answers=ANSWERS)
    assert len(book) == 0


def test_duplicates_by_normalised_address_are_rejected_by_default(event: Event) -> None:
    book = RegistrationBook(event=event)
    first = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    with pytest.raises(DuplicateRegistration) as caught:
        book.register(
            anna("ANNA.Peeters@Police-BE.example.org"),
            submitted_at=IN_WINDOW + dt.timedelta(hours=1),
            answers=ANSWERS,
        )
    assert caught.value.existing_id == first.id
    assert caught.value.email == "anna.peeters@police-be.example.org"
    assert book.registrations == (first,)


def test_replace_keeps_the_latest_and_records_the_replaced_one(event: Event) -> None:
    book = RegistrationBook(event=event, on_duplicate="replace")
    first = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    later = IN_WINDOW + dt.timedelta(days=1)
    kept = book.register(
        anna("Anna.Peeters@police-be.example.org"),
        submitted_at=later,
        answers={**ANSWERS, "experience": 5},
        by="helpdesk",
    )
    assert kept.answers["experience"] == 5
    assert kept.status is RegistrationStatus.SUBMITTED
    (change,) = kept.history
    assert change.at == later
    assert change.by == "helpdesk"
    assert first.id in change.reason
    assert IN_WINDOW.isoformat() in change.reason
    assert book.registrations == (kept,)
    # An older application arriving afterwards does not win.
    again = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    assert again.answers["experience"] == 5
    assert len(again.history) == 2


def test_replace_does_not_undo_a_decision(event: Event) -> None:
    book = RegistrationBook(event=event, on_duplicate="replace")
    r = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    book.transition(r.id, "selected", at=IN_WINDOW + dt.timedelta(days=20))
    with pytest.raises(DuplicateRegistration):
        book.register(anna(), submitted_at=IN_WINDOW + dt.timedelta(days=1), answers=ANSWERS)


def test_an_id_belongs_to_one_address(event: Event) -> None:
    book = RegistrationBook(event=event)
    book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS, id="x1")
    with pytest.raises(InvalidValue, match="it belongs to another address"):
        book.register(anna("other@example.org"), submitted_at=IN_WINDOW, answers=ANSWERS, id="x1")


def test_book_transition_and_lookup_errors(event: Event) -> None:
    book = RegistrationBook(event=event)
    r = book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    at = IN_WINDOW + dt.timedelta(days=20)
    selected = book.transition(r.id, "selected", at=at, by="lottery")
    assert book.get(r.id) is selected
    assert selected.history[-1].by == "lottery"
    with pytest.raises(IllegalTransition):
        book.transition(r.id, "attended", at=at)
    with pytest.raises(UnknownRegistration, match="nope"):
        book.get("nope")
    with pytest.raises(InvalidEmail):
        book.find("not an address")
    assert book.find("someone@example.org") is None
    assert "1 registration(s): selected=1" in repr(book)
    assert "anna" not in repr(book)


def test_add_checks_like_register(event: Event) -> None:
    book = RegistrationBook(event=event)
    r = synthetic_applicants(1, seed=3)[0]
    assert book.add(r) is r
    with pytest.raises(InvalidValue, match="event_id"):
        book.add(Registration(id="x", event_id="other", registrant=anna(), submitted_at=IN_WINDOW))


def test_on_duplicate_must_be_known(event: Event) -> None:
    with pytest.raises(InvalidValue, match="'reject' or 'replace'"):
        RegistrationBook(event=event, on_duplicate="keep")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# CSV import: good rows, layout and encodings

HEADER = (
    "id,email,name,submitted_at,organisation,country,role,"
    "motivation,experience,casework,gender,topics,seniority"
)
GOOD = {
    "id": "",
    "email": "anna.peeters@police-be.example.org",
    "name": "Anna Peeters",
    "submitted_at": "2023-08-20T10:15:00+02:00",
    "organisation": "Police BE 1",
    "country": "BE",
    "role": "police",
    "motivation": "I want to refer people better.",
    "experience": "3",
    "casework": "yes",
    "gender": "female",
    "topics": "trauma;autism",
    "seniority": "senior",
}


def rows_text(*rows: dict[str, str], header: str = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = header.split(",")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def good(i: int, **changes: str) -> dict[str, str]:
    return {**GOOD, "email": f"applicant.{i}@police-be.example.org", **changes}


def test_a_good_row_becomes_a_registration(event: Event) -> None:
    report = read_csv(io.StringIO(rows_text(GOOD)), event)
    assert report.rejected == ()
    (r,) = report.accepted
    assert r.registrant.attributes == {"seniority": "senior"}
    assert r.answers == {
        "motivation": "I want to refer people better.",
        "experience": 3,
        "casework": True,
        "gender": "female",
        "topics": ("trauma", "autism"),
    }
    assert r.submitted_at == IN_WINDOW
    assert r.id == registration_id(event.id, GOOD["email"])
    assert repr(report) == "ImportReport(rows=1, accepted=1, rejected=0)"


def test_utf8_with_bom_and_non_ascii_names(tmp_path: Path, event: Event) -> None:
    path = tmp_path / "applications.csv"
    path.write_bytes(b"\xef\xbb\xbf" + rows_text(good(1, name="Zsófia Horváth")).encode())
    report = read_csv(path, event)
    assert [r.registrant.name for r in report.accepted] == ["Zsófia Horváth"]
    stream = io.StringIO("\ufeff" + rows_text(good(2)))
    assert len(read_csv(stream, event).accepted) == 1


def test_bytes_that_are_not_utf8_reject_only_their_row(tmp_path: Path, event: Event) -> None:
    text = rows_text(good(1), good(2, name="Zsofia"), good(3))
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.replace("Zsofia", "Zs\udcf3fia").encode("utf-8", "surrogateescape"))
    report = read_csv(path, event)
    assert [r.registrant.email for r in report.accepted] == [
        "applicant.1@police-be.example.org",
        "applicant.3@police-be.example.org",
    ]
    (bad,) = report.rejected
    assert (bad.line, bad.field, bad.codes) == (3, "name", ("encoding",))
    assert "UTF-8" in bad.reason


def test_line_numbers_count_physical_lines(event: Event) -> None:
    text = rows_text(good(1, motivation="two\nlines"), good(2, email="broken"))
    text = text.replace("\n", "\n\n", 1)  # a blank line after the header is not a row
    report = read_csv(io.StringIO(text), event)
    assert report.rows == 2
    assert [r.line for r in report.rejected] == [5]


def test_extra_columns_without_optional_ones(event: Event) -> None:
    header = "email,name,submitted_at,motivation,experience,casework,gender,badge"
    row = {**good(1), "badge": "B-17"}
    (r,) = read_csv(io.StringIO(rows_text(row, header=header)), event).accepted
    assert r.registrant.attributes == {"badge": "B-17"}
    assert r.registrant.organisation == ""
    assert "topics" not in r.answers  # no column, no answer


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("email,name,motivation", "missing: submitted_at"),
        ("email,name,submitted_at,name", "each column named once"),
        ("email,,name,submitted_at", "each column named once"),
        ("", "the file is empty"),
    ],
)
def test_header_problems_stop_before_any_row(header: str, message: str, event: Event) -> None:
    with pytest.raises(InvalidValue, match=message):
        read_csv(io.StringIO(header + ("\n" if header else "")), event)


def test_times_without_offset_need_a_named_zone(event: Event) -> None:
    text = rows_text(good(1, submitted_at="2023-08-20T10:15:00"))
    (bad,) = read_csv(io.StringIO(text), event).rejected
    assert bad.codes == ("no-offset",)
    (r,) = read_csv(io.StringIO(text), event, zone="Europe/Brussels").accepted
    assert r.submitted_at == IN_WINDOW
    assert r.submitted_at.utcoffset() == dt.timedelta(hours=2)


# ------------------------------------------------------------------------------------------
# The catalogue of bad rows: each kind with its field, code and reason

CATALOGUE: list[tuple[str, dict[str, str], str, str, str]] = [
    # (kind, changes, field, code, reason fragment)
    ("email missing", {"email": ""}, "email", "missing", "required"),
    ("email without @", {"email": "anna.example.org"}, "email", "invalid-email", "@-sign"),
    ("email with two @", {"email": "a@b@example.org"}, "email", "invalid-email", "@"),
    ("email with spaces", {"email": "anna peeters@example.org"}, "email", "invalid-email", ""),
    ("email to localhost", {"email": "anna@localhost"}, "email", "invalid-email", "period"),
    ("email ends in dot", {"email": "anna.@example.org"}, "email", "invalid-email", "period"),
    ("name missing", {"name": ""}, "name", "missing", "a name is required"),
    ("name blank", {"name": "   "}, "name", "missing", "a name is required"),
    ("time missing", {"submitted_at": ""}, "submitted_at", "missing", "required"),
    ("time unreadable", {"submitted_at": "20/08/2023"}, "submitted_at", "invalid-datetime", "ISO"),
    ("no offset", {"submitted_at": "2023-08-20T10:15"}, "submitted_at", "no-offset", "zone"),
    ("date only", {"submitted_at": "2023-08-20"}, "submitted_at", "no-offset", "UTC offset"),
    ("before opening", {"submitted_at": "2023-08-10T23:59:59+02:00"}, "submitted_at", "not-open",
     "opens 2023-08-11T00:00:00+02:00"),
    ("at the deadline", {"submitted_at": "2023-09-07T00:00:00+02:00"}, "submitted_at", "closed",
     "after the deadline, end of Wed 6 Sep 2023 (Europe/Brussels)"),
    ("after the deadline (UTC)", {"submitted_at": "2023-09-08T09:00:00Z"}, "submitted_at",
     "closed", "2023-09-08T11:00:00+02:00 came after the deadline, end of Wed 6 Sep 2023"),
    ("unknown country", {"country": "XX"}, "country", "invalid-country", "ISO 3166-1"),
    ("UK for GB", {"country": "UK"}, "country", "invalid-country", "GB"),
    ("EL for GR", {"country": "EL"}, "country", "invalid-country", "GR"),
    ("required answer missing", {"motivation": ""}, "motivation", "missing-answer", "required"),
    ("choice not offered", {"gender": "unknown"}, "gender", "invalid-answer", "not one of"),
    ("scale too high", {"experience": "6"}, "experience", "invalid-answer", "outside the"),
    ("scale zero", {"experience": "0"}, "experience", "invalid-answer", "outside the scale"),
    ("scale in words", {"experience": "three"}, "experience", "invalid-answer", "whole number"),
    ("scale a fraction", {"experience": "2.5"}, "experience", "invalid-answer", "whole number"),
    ("yes/no unreadable", {"casework": "perhaps"}, "casework", "invalid-answer", "yes or no"),
    ("multiple choice not offered", {"topics": "trauma;astrology"}, "topics", "invalid-answer",
     "astrology"),
    ("multiple choice repeated", {"topics": "trauma|trauma"}, "topics", "invalid-answer", "twice"),
]  # fmt: skip


def test_the_catalogue_has_at_least_twenty_kinds() -> None:
    assert len({kind for kind, *_ in CATALOGUE}) >= 20


@pytest.mark.parametrize(
    ("changes", "field", "code", "fragment"),
    [c[1:] for c in CATALOGUE],
    ids=[c[0] for c in CATALOGUE],
)
def test_bad_row_is_rejected_with_its_reason(
    changes: dict[str, str], field: str, code: str, fragment: str, event: Event
) -> None:
    text = rows_text(good(1), good(2, **changes), good(3))
    report = read_csv(io.StringIO(text), event)
    assert report.rows == 3
    assert len(report.accepted) == 2
    (bad,) = report.rejected
    assert bad.line == 3
    assert bad.field == field
    assert bad.codes == (code,)
    assert fragment in bad.reason
    assert bad.value == changes[field]
    assert bad.format("apps.csv").startswith(f"apps.csv:3: {field}: ")


@pytest.mark.parametrize(
    ("row_text", "reason"),
    [
        ("a@example.org,Anna,2023-08-20T10:15:00+02:00", "the row has 3 cells; the header has 13"),
        (",".join(["x"] * 14), "the row has 14 cells; the header has 13"),
    ],
    ids=["too few cells", "too many cells"],
)
def test_rows_of_the_wrong_width_are_rejected(row_text: str, reason: str, event: Event) -> None:
    text = rows_text(good(1)) + row_text + "\n"
    report = read_csv(io.StringIO(text), event)
    (bad,) = report.rejected
    assert (bad.line, bad.codes, bad.reason) == (3, ("cell-count",), reason)


def test_duplicate_in_file_names_the_first_line(event: Event) -> None:
    text = rows_text(good(1), good(2), good(1, email="Applicant.1@POLICE-BE.example.org"))
    report = read_csv(io.StringIO(text), event)
    (bad,) = report.rejected
    assert (bad.line, bad.field, bad.codes) == (4, "email", ("duplicate",))
    assert "line 2" in bad.reason
    assert bad.value == "applicant.1@police-be.example.org"
    assert "applicant.1@" not in repr(bad)
    assert "a***@police-be.example.org" in repr(bad)


def test_given_id_used_by_another_address(event: Event) -> None:
    text = rows_text(good(1, id="a1"), good(2, id="a1"))
    (bad,) = read_csv(io.StringIO(text), event).rejected
    assert (bad.line, bad.field, bad.codes) == (3, "id", ("duplicate-id",))


def test_a_timestamp_in_the_dst_gap_with_a_named_zone(event: Event) -> None:
    # Chile moved its clocks from 00:00 to 01:00 on 3 September 2023, inside the window.
    fine = rows_text(good(1, submitted_at="2023-08-20T10:15:00"))
    assert len(read_csv(io.StringIO(fine), event, zone="America/Santiago").accepted) == 1
    gap = rows_text(good(1, submitted_at="2023-09-03T00:30:00"))
    (bad,) = read_csv(io.StringIO(gap), event, zone="America/Santiago").rejected
    assert bad.codes == ("nonexistent-time",)
    assert "does not exist in America/Santiago" in bad.reason


def test_every_problem_of_a_row_is_listed(event: Event) -> None:
    row = good(1, email="nope", name="", experience="9", country="UK")
    (bad,) = read_csv(io.StringIO(rows_text(row)), event).rejected
    assert [p.field for p in bad.problems] == ["email", "name", "country", "experience"]
    assert bad.reason.count(";") == 3


def test_keep_latest_in_a_file(event: Event) -> None:
    text = rows_text(
        good(1, submitted_at="2023-08-20T10:00:00+02:00", experience="1"),
        good(2),
        good(1, submitted_at="2023-08-21T10:00:00+02:00", experience="5"),
        good(1, submitted_at="2023-08-12T10:00:00+02:00", experience="2"),
    )
    report = read_csv(io.StringIO(text), event, on_duplicate="replace")
    assert report.rows == 4
    assert len(report.accepted) + len(report.rejected) == 4
    kept = {r.registrant.email: r for r in report.accepted}["applicant.1@police-be.example.org"]
    assert kept.answers["experience"] == 5
    # in the order of the rows kept: line 3, then line 4 (which replaced line 2)
    assert [r.registrant.email.split("@")[0] for r in report.accepted] == [
        "applicant.2",
        "applicant.1",
    ]
    assert [(r.line, r.codes) for r in report.rejected] == [
        (2, ("superseded",)),
        (5, ("superseded",)),
    ]
    assert "line 4" in report.rejected[0].reason
    assert report.errors == ()
    assert len(kept.history) == 2


def test_import_into_a_book_that_already_holds_the_address(event: Event) -> None:
    book = RegistrationBook(event=event)
    held = book.register(
        anna("applicant.1@police-be.example.org"), submitted_at=IN_WINDOW, answers=ANSWERS
    )
    report = book.read_csv(io.StringIO(rows_text(good(1), good(2))))
    (bad,) = report.rejected
    assert (bad.line, bad.field, bad.codes) == (2, "email", ("duplicate",))
    assert f"a duplicate of registration {held.id}" in bad.reason
    assert [r.registrant.email for r in report.accepted] == ["applicant.2@police-be.example.org"]
    assert len(book) == 2
    assert book.get(held.id) == held


def test_a_row_older_than_the_application_held_is_superseded(event: Event) -> None:
    book = RegistrationBook(event=event, on_duplicate="replace")
    later = IN_WINDOW + dt.timedelta(days=2)
    held = book.register(
        anna("applicant.1@police-be.example.org"), submitted_at=later, answers=ANSWERS
    )
    report = book.read_csv(io.StringIO(rows_text(good(1), good(2))))
    (old,) = report.rejected
    assert (old.line, old.codes) == (2, ("superseded",))
    assert f"(registration {held.id})" in old.reason
    assert report.errors == ()
    kept = book.get(held.id)
    assert kept.submitted_at == later
    assert kept.registrant.email == held.registrant.email
    (change,) = kept.history
    assert change.by == "import"
    assert IN_WINDOW.isoformat() in change.reason


def test_counts_for_the_summary(event: Event) -> None:
    rows = [good(1), good(2, role="prison", country="NL"), good(3, country="")]
    report = read_csv(io.StringIO(rows_text(*rows)), event)
    assert report.counts("role") == {"police": 2, "prison": 1}
    assert report.counts("country") == {"": 1, "BE": 1, "NL": 1}
    assert report.counts("status") == {"submitted": 3}


def test_report_totals_are_checked() -> None:
    with pytest.raises(InvalidValue, match="rows"):
        ImportReport(accepted=(), rejected=(), rows=1)


# ------------------------------------------------------------------------------------------
# The property: any mix of good and bad rows

_BAD_CHANGES = [c[1] for c in CATALOGUE]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(
        st.one_of(st.just(None), st.sampled_from(range(len(_BAD_CHANGES)))),
        min_size=0,
        max_size=25,
    ),
    replace=st.booleans(),
)
def test_any_mix_adds_up_and_every_good_row_is_accepted_once(
    kinds: list[int | None], replace: bool
) -> None:
    event = webinar()
    rows = [good(i) if k is None else good(i, **_BAD_CHANGES[k]) for i, k in enumerate(kinds)]
    report = read_csv(
        io.StringIO(rows_text(*rows)), event, on_duplicate="replace" if replace else "reject"
    )
    assert report.rows == len(rows)
    assert len(report.accepted) + len(report.rejected) == len(rows)
    good_lines = {i + 2 for i, k in enumerate(kinds) if k is None}
    accepted_emails = [r.registrant.email for r in report.accepted]
    assert sorted(accepted_emails) == sorted(
        f"applicant.{i}@police-be.example.org" for i, k in enumerate(kinds) if k is None
    )
    assert {r.line for r in report.rejected} == set(range(2, len(rows) + 2)) - good_lines


# ------------------------------------------------------------------------------------------
# JSON lines


def test_jsonl_typed_and_text_answers(event: Event) -> None:
    typed = {"experience": 4, "casework": False, "topics": ["trauma"]}
    plain = {k: v for k, v in GOOD.items() if k not in typed}
    lines = [
        json.dumps({**plain, "answers": typed}),
        "",
        json.dumps(good(2, experience="9")),
        "{not json",
        "[1, 2]",
        json.dumps({**good(3), "answers": {"astrology": "yes"}}),
        json.dumps({**good(4), "answers": "none"}),
        json.dumps({**good(5), "badge": ["a"]}),
        json.dumps({**good(6), "answers": {"experience": 2}}),
    ]
    report = read_jsonl(io.StringIO("\n".join(lines) + "\n"), event)
    assert report.rows == 8
    (r,) = report.accepted
    assert r.answers["experience"] == 4
    assert r.answers["casework"] is False
    assert r.answers["topics"] == ("trauma",)
    assert r.registrant.attributes == {"seniority": "senior"}
    assert [(x.line, x.codes) for x in report.rejected] == [
        (3, ("invalid-answer",)),
        (4, ("unreadable",)),
        (5, ("unreadable",)),
        (6, ("unknown-question",)),
        (7, ("invalid-value",)),
        (8, ("invalid-value",)),
        (9, ("invalid-value",)),
    ]
    assert "given twice" in report.rejected[-1].reason


def test_jsonl_non_text_fields(event: Event) -> None:
    line = json.dumps({**GOOD, "email": 7, "name": ["x"], "submitted_at": 1692519300})
    (bad,) = read_jsonl(io.StringIO(line), event).rejected
    assert [p.field for p in bad.problems] == ["email", "name", "submitted_at"]


def test_jsonl_from_a_file(tmp_path: Path, event: Event) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert len(read_jsonl(path, event).accepted) == 1


# ------------------------------------------------------------------------------------------
# Export and round trips


def test_csv_round_trip_of_the_synthetic_pool(event: Event) -> None:
    pool = synthetic_applicants(300, seed=11)
    text = csv_text(pool)
    report = read_csv(io.StringIO(text), event)
    assert report.rejected == ()
    assert list(report.accepted) == pool
    header = text.splitlines()[0]
    assert header.startswith("id,email,name,submitted_at,organisation,country,role,")


def test_csv_export_writes_yes_no_and_joined_choices() -> None:
    r = synthetic_applicants(1, seed=1)[0]
    r = Registration(
        id=r.id,
        event_id=r.event_id,
        registrant=Registrant(name="A", email="a@example.org", attributes={"badge": "7"}),
        submitted_at=r.submitted_at,
        answers={"casework": True, "topics": ("trauma", "autism"), "experience": 2},
    )
    rows = list(csv.DictReader(io.StringIO(csv_text([r], questions=["topics"]))))
    assert rows[0]["casework"] == "yes"
    assert rows[0]["topics"] == "trauma;autism"
    assert rows[0]["badge"] == "7"
    assert list(rows[0])[7] == "topics"


def test_json_round_trip_is_lossless(event: Event) -> None:
    pool = synthetic_applicants(20, seed=5)
    at = dt.datetime(2023, 9, 8, 9, 0, tzinfo=dt.UTC)
    pool[0] = pool[0].transition("selected", at=at, reason="lottery rank 1", by="lottery")
    pool[1] = pool[1].transition("waitlisted", at=at).transition("withdrawn", at=at, by="self")
    pool[2] = Registration(
        id="x",
        event_id=event.id,
        registrant=Registrant(name="A", email="A@Example.org", attributes={"k": "v"}),
        submitted_at=at - dt.timedelta(days=3),
    )
    text = json_text(pool)
    assert list(read_json(io.StringIO(text)).accepted) == pool
    assert json.loads(text)["schema_version"] == 1


# ------------------------------------------------------------------------------------------
# Pseudonyms


def test_pseudonyms_are_stable_and_keep_what_rules_read() -> None:
    pool = synthetic_applicants(30, seed=2)
    first = pseudonymise(pool, key="secret")
    again = pseudonymise(pool, key=b"secret")
    other = pseudonymise(pool, key="other")
    assert first == again
    assert [r.id for r in first] != [r.id for r in other]
    assert len({r.id for r in first}) == len(pool)
    for original, masked in zip(pool, first, strict=True):
        for attribute in ("role", "country", "organisation", "motivation", "topics", "casework"):
            assert masked.value_of(attribute) == original.value_of(attribute)
        assert masked.submitted_at == original.submitted_at
        assert masked.status == original.status
        assert original.registrant.email.split("@")[0] not in masked.registrant.email
        assert original.registrant.name not in repr(masked.registrant)
        assert masked.registrant.name == masked.id
    assert pseudonymise([pool[0]], key="secret")[0].id == first[0].id


def test_pseudonym_follows_the_normalised_address() -> None:
    r = synthetic_applicants(1, seed=2)[0]
    shouting = Registration(
        id="other-id",
        event_id=r.event_id,
        registrant=Registrant(name="X", email=r.registrant.email.upper()),
        submitted_at=r.submitted_at,
    )
    assert pseudonymise([r], key="k")[0].id == pseudonymise([shouting], key="k")[0].id


def test_pseudonyms_reach_into_the_history(event: Event) -> None:
    book = RegistrationBook(event=event, on_duplicate="replace")
    book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS)
    kept = book.register(anna(), submitted_at=IN_WINDOW + dt.timedelta(days=1), answers=ANSWERS)
    assert kept.id in kept.history[0].reason
    (masked,) = pseudonymise([kept], key="k")
    assert kept.id not in masked.history[0].reason
    assert masked.id in masked.history[0].reason


def test_pseudonyms_replace_the_given_id_of_a_replaced_application(event: Event) -> None:
    book = RegistrationBook(event=event, on_duplicate="replace")
    book.register(anna(), submitted_at=IN_WINDOW, answers=ANSWERS, id="form-17")
    later = IN_WINDOW + dt.timedelta(days=1)
    kept = book.register(anna(), submitted_at=later, answers=ANSWERS, id="form-42")
    assert kept.history[0].reason.startswith("replaces the application form-17 submitted ")
    (masked,) = pseudonymise([kept], key="k")
    assert masked.history[0].reason == (
        f"replaces the application {masked.id} submitted {IN_WINDOW.isoformat()}"
    )


def test_pseudonymise_needs_a_key() -> None:
    with pytest.raises(InvalidValue, match="key"):
        pseudonymise([], key="")


def test_an_import_leaves_the_garbage_collector_alone(event: Event) -> None:
    # The collector was paused during an import (a process-wide switch, unsafe beside other
    # threads); benchmarks/bench_intake.py prints what it costs (about 6 % of an import).
    import gc

    seen: list[bool] = []

    class Watched(io.StringIO):
        def __next__(self) -> str:
            seen.append(gc.isenabled())
            return super().__next__()

    assert gc.isenabled()
    for reader, text in (
        (read_csv, rows_text(good(1), good(2))),
        (read_jsonl, json.dumps(GOOD) + "\n"),
    ):
        seen.clear()
        report = reader(Watched(text), event)
        assert report.accepted
        assert seen
        assert all(seen)
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("submitted_at", "accepted"),
    [
        ("2023-08-11T00:00:00+02:00", True),  # the window opens: included
        ("2023-08-10T21:59:59.999999+00:00", False),
        ("2023-09-06T23:59:59.999999+02:00", True),  # the last instant
        ("2023-09-06T22:00:00+00:00", False),  # the deadline: excluded
        ("2023-09-07T01:00:00+03:00", False),
    ],
)
def test_window_bounds_to_the_microsecond(submitted_at: str, accepted: bool, event: Event) -> None:
    report = read_csv(io.StringIO(rows_text(good(1, submitted_at=submitted_at))), event)
    assert len(report.accepted) == int(accepted)


def test_an_unreadable_csv_record_is_rejected_and_reading_goes_on(event: Event) -> None:
    huge = good(2, motivation="x" * (csv.field_size_limit() + 1))
    report = read_csv(io.StringIO(rows_text(good(1), huge, good(3))), event)
    assert report.rows == 3
    assert [r.registrant.email.split("@")[0] for r in report.accepted] == [
        "applicant.1",
        "applicant.3",
    ]
    (bad,) = report.rejected
    assert (bad.line, bad.codes) == (3, ("unreadable",))
    assert "field larger than field limit" in bad.reason


def test_jsonl_lines_that_are_not_utf8(tmp_path: Path, event: Event) -> None:
    path = tmp_path / "a.jsonl"
    bad = json.dumps(good(2, name="Zs\u00f3fia"), ensure_ascii=False).encode("latin-1")
    path.write_bytes(json.dumps(good(1)).encode() + b"\n" + bad + b"\n")
    report = read_jsonl(path, event)
    assert len(report.accepted) == 1
    (rejected,) = report.rejected
    assert (rejected.line, rejected.codes) == (2, ("encoding",))


def test_jsonl_country_must_be_text(event: Event) -> None:
    (bad,) = read_jsonl(io.StringIO(json.dumps({**GOOD, "country": 32})), event).rejected
    assert (bad.field, bad.codes) == ("country", ("invalid-country",))


# ------------------------------------------------------------------------------------------
# Issue 11: inputs found by fuzzing


def _pool_with_a_stray_quote(size: int, event: Event) -> tuple[str, list[Registration]]:
    """The synthetic pool as a CSV whose line 2 reads ``...,"Lea Garcia,...`` (a quote
    opened in the name cell and never closed)."""
    pool = synthetic_applicants(size, seed=1, event=event)
    lines = csv_text(pool, questions=[q.id for q in event.form.questions]).splitlines(True)
    cells = lines[1].split(",")
    cells[2] = '"Lea Garcia'
    lines[1] = ",".join(cells)
    return "".join(lines), pool


@pytest.mark.parametrize("size", [400, 1600])  # 1,600: the csv module's field size limit
def test_a_stray_quote_loses_no_applicant(size: int, event: Event) -> None:
    text, pool = _pool_with_a_stray_quote(size, event)
    report = read_csv(io.StringIO(text), event)
    assert report.rows == size == len(text.splitlines()) - 1
    assert list(report.accepted) == pool[1:]
    (bad,) = report.rejected
    assert (bad.line, bad.codes) == (2, ("unbalanced-quote",))
    assert "a quoted field begins on line 2" in bad.reason
    assert "Lea Garcia" in str(bad.value)


def test_a_legitimate_line_break_in_a_quoted_cell_is_one_row(event: Event) -> None:
    two = good(2, motivation="first line\nsecond, line", seniority="senior\nlead")
    text = "\n" + rows_text(good(1), two, good(3))  # a blank line before the header
    report = read_csv(io.StringIO(text), event)
    assert (report.rows, len(report.accepted)) == (3, 3)
    assert report.accepted[1].answers["motivation"] == "first line\nsecond, line"
    assert report.accepted[1].registrant.attributes["seniority"] == "senior\nlead"
    assert [r.registrant.email for r in report.accepted] == [good(i)["email"] for i in (1, 2, 3)]


def test_a_quoted_line_break_in_a_row_of_the_wrong_width_loses_no_line(event: Event) -> None:
    text = rows_text(good(1), good(2, motivation="first\nsecond"), good(3))
    lines = text.splitlines(True)
    lines[3] = lines[3].replace(",3,yes,", ",3,", 1)  # the row (lines 3-4) lacks a cell
    report = read_csv(io.StringIO("".join(lines)), event)
    assert report.rows == 4  # one per line: the row could not be read as one
    assert [r.registrant.email for r in report.accepted] == [good(1)["email"], good(3)["email"]]
    assert [(r.line, r.codes[0]) for r in report.rejected] == [
        (3, "unbalanced-quote"),
        (4, "cell-count"),
    ]


def test_a_stray_quote_closed_by_the_next_rows_quote_is_found(event: Event) -> None:
    # Read as one record, lines 2 and 3 happen to give the header's number of cells: the
    # stray quote is recognised because line 3 is a whole row by itself.
    text = rows_text(good(1, name="Lea Garcia"), good(2, name='Lea "L" Garcia'), good(3))
    text = text.replace(",Lea Garcia,", ',"Lea Garcia,', 1)
    report = read_csv(io.StringIO(text), event)
    assert report.rows == 3
    assert [r.registrant.name for r in report.accepted] == ['Lea "L" Garcia', "Anna Peeters"]
    assert [(r.line, r.codes) for r in report.rejected] == [(2, ("unbalanced-quote",))]
    assert "swallow" in report.rejected[0].reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(st.text(alphabet='ab ,";', min_size=1, max_size=12), min_size=1, max_size=12),
    stray_row=st.integers(min_value=0, max_value=11),
    stray_column=st.sampled_from(["name", "organisation", "motivation", "seniority"]),
)
def test_a_stray_quote_anywhere_rejects_only_its_line(
    texts: list[str], stray_row: int, stray_column: str
) -> None:
    event = webinar()
    rows = [good(i, motivation=f"m{t}", seniority=f"s{t}") for i, t in enumerate(texts)]
    stray_row %= len(rows)
    lines = rows_text(*rows).splitlines(True)
    plain = {**good(stray_row), stray_column: '"stray'}
    lines[stray_row + 1] = ",".join(plain.get(c, "") for c in HEADER.split(",")) + "\n"
    report = read_csv(io.StringIO("".join(lines)), event)
    assert report.rows == len(rows) == len(lines) - 1
    assert [(r.line, r.codes) for r in report.rejected] == [(stray_row + 2, ("unbalanced-quote",))]
    assert [r.registrant.email for r in report.accepted] == [
        r["email"] for i, r in enumerate(rows) if i != stray_row
    ]


def test_a_stray_quote_in_the_header_is_refused_with_its_line(event: Event) -> None:
    text = rows_text(good(1)).replace("id,email", 'id,"email', 1)
    with pytest.raises(InvalidValue, match="a quoted field begins on line 1") as info:
        read_csv(io.StringIO(text), event)
    assert info.value.field == "header"


@pytest.mark.parametrize(
    ("submitted_at", "code"),
    [
        ("0001-01-01T00:00:00+05:00", "not-open"),  # in year 0 in UTC
        ("9999-12-31T23:59:59-05:00", "closed"),  # in year 10000 in UTC
    ],
)
def test_a_time_at_the_ends_of_the_calendar_rejects_only_its_row(
    submitted_at: str, code: str, event: Event
) -> None:
    text = rows_text(good(1), good(2, submitted_at=submitted_at), good(3))
    report = read_csv(io.StringIO(text), event)
    assert len(report.accepted) == 2
    assert [(r.line, r.field, r.codes) for r in report.rejected] == [(3, "submitted_at", (code,))]
    at = dt.datetime.fromisoformat(submitted_at)
    # The library takes instants in 1970-2100 only (models.check_instant): a named error.
    with pytest.raises(InvalidValue, match="years 1970 to 2100"):
        RegistrationBook(event=event).register(anna(), submitted_at=at, answers=ANSWERS)


def test_a_naive_time_at_the_start_of_the_calendar_with_a_zone(event: Event) -> None:
    text = rows_text(good(1, submitted_at="0001-01-01T00:00:00"), good(2))
    report = read_csv(io.StringIO(text), event, zone="Europe/Brussels")
    assert len(report.accepted) == 1
    (bad,) = report.rejected
    assert (bad.line, bad.codes) == (2, ("invalid-datetime",))
    assert "year 1 or 9999" in bad.reason


def test_a_json_line_nested_too_deep_rejects_only_its_line(event: Event) -> None:
    deep = "[" * 5000 + "]" * 5000
    text = "\n".join([json.dumps(good(1)), deep, json.dumps(good(2))]) + "\n"
    report = read_jsonl(io.StringIO(text), event)
    assert len(report.accepted) == 2
    (bad,) = report.rejected
    assert (bad.line, bad.codes) == (2, ("unreadable",))
    assert "nested too deep" in bad.reason


def test_csv_text_quotes_a_lone_carriage_return(event: Event) -> None:
    pool = synthetic_applicants(3, seed=1, event=event)
    pool[1] = attrs.evolve(
        pool[1],
        registrant=attrs.evolve(
            pool[1].registrant, name="Lea\rGarcia", attributes={"note": "a\rb\r\nc"}
        ),
    )
    report = read_csv(io.StringIO(csv_text(pool)), event)
    assert (report.rows, report.rejected) == (3, ())
    assert list(report.accepted) == pool
    assert csv_text(pool).count("\n") == 4 + 1  # LF row ends; the CRLF inside is quoted


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(alphabet="ab \r\n,\";=+-@'\t", min_size=1, max_size=10).filter(
            lambda t: t.strip() == t and t != ""
        ),
        min_size=1,
        max_size=5,
    )
)
def test_csv_text_round_trips_any_name(names: list[str]) -> None:
    event = webinar()
    pool = synthetic_applicants(len(names), seed=1, event=event)
    pool = [
        attrs.evolve(r, registrant=attrs.evolve(r.registrant, name=name))
        for r, name in zip(pool, names, strict=True)
    ]
    report = read_csv(io.StringIO(csv_text(pool)), event)
    assert list(report.accepted) == pool
    assert report.rows == len(pool)


def test_equal_short_cells_share_one_string(event: Event) -> None:
    long = "x" * 101  # long texts seldom repeat: they are not kept in the shared table
    text = rows_text(
        good(1, seniority="senior", badge=long),
        good(2, seniority="senior", badge=long),
        header=HEADER + ",badge",
    )
    first, second = read_csv(io.StringIO(text), event).accepted
    assert first.registrant.attributes["seniority"] is second.registrant.attributes["seniority"]
    assert first.registrant.organisation is second.registrant.organisation
    assert first.registrant.attributes["badge"] == second.registrant.attributes["badge"] == long
    assert first.registrant.attributes["badge"] is not second.registrant.attributes["badge"]
    numbers = [json.dumps({**good(i), "seniority": 7}) for i in (3, 4)]
    (third, fourth) = read_jsonl(io.StringIO("\n".join(numbers)), event).accepted
    assert (
        third.registrant.attributes["seniority"]
        == fourth.registrant.attributes["seniority"]
        == "7"
    )


def test_a_wide_file_is_held_in_a_small_multiple_of_its_size(event: Event) -> None:
    columns = [f"extra{i}" for i in range(500)]
    header = ",".join([*HEADER.split(","), *columns])
    rows = [
        {**good(i), **{c: f"v{(i + j) % 7}" for j, c in enumerate(columns)}} for i in range(200)
    ]
    text = rows_text(*rows, header=header)
    tracemalloc.start()
    try:
        report = read_csv(io.StringIO(text), event)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(report.accepted) == 200
    # 100,000 cells of 3 bytes: a dict entry each (about 20 bytes as measured), not a string
    # of their own too (about 50 bytes more: 90 bytes a cell before).
    assert held / (200 * 500) < 45
