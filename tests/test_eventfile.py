"""Tests of event files, TOML and JSON (ran_events.eventfile)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from tests.strategies import events

from ran_events import _converter, eventfile, tz
from ran_events.errors import EventFileError, FileProblem, InvalidValue
from ran_events.examples import webinar
from ran_events.models import Event, QuotaBounds, SelectionRules, Session, SessionKind

UTC = dt.UTC

# The example event file of the design (docs/DESIGN.md), verbatim.
DESIGN_TOML = """\
id = "ran-mh-pcve-2023"
title = "RAN Practitioners Training Webinar: Basics of Mental Health in P/CVE"
timezone = "Europe/Brussels"
language = "en"
capacity = 30
target_groups = ["prison", "police", "youth", "social", "community", "exit"]
[organiser]
name = "RAN Practitioners"
email = "ran-practitioners@example.org"
[online]
platform = "WebEx"
url = "https://example.webex.com/meet/ran-mh"
[registration]
opens = "2023-08-11T00:00"
deadline = "2023-09-06"
[[sessions]]
id = "plenary"
title = "Basics of mental health in P/CVE"
start = "2023-09-20T14:00"
end = "2023-09-20T15:30"
[[sessions]]
id = "cases"
title = "Case discussion in small groups"
kind = "breakout"
start = "2023-09-20T15:30"
end = "2023-09-20T17:00"
[selection]
policy = "lottery"
seed = 2023
[selection.quotas.role]
prison = { min = 4 }
police = { max = 8 }
[selection.caps]
organisation = 2
"""


NO_SESSIONS = DESIGN_TOML.split("[[sessions]]", maxsplit=1)[0]
NO_ORGANISER = DESIGN_TOML.split("[organiser]", maxsplit=1)[0]


def problems_of(text: str, source: str | None = "event.toml") -> list[FileProblem]:
    with pytest.raises(EventFileError) as info:
        eventfile.loads(text, source=source)
    return list(info.value.problems)


def edit(old: str, new: str, text: str = DESIGN_TOML) -> str:
    assert old in text
    return text.replace(old, new, 1)


# -- the design's file ---------------------------------------------------------------------


def test_the_design_example_loads() -> None:
    event = eventfile.loads(DESIGN_TOML)
    assert event.id == "ran-mh-pcve-2023"
    assert event.timezone == "Europe/Brussels"
    assert event.capacity == 30
    assert event.target_groups == ("prison", "police", "youth", "social", "community", "exit")
    assert event.organiser.email == "ran-practitioners@example.org"
    assert event.online is not None
    assert event.online.platform == "WebEx"
    assert event.registration.opens == dt.datetime(2023, 8, 10, 22, tzinfo=UTC)
    assert event.registration.closes == dt.datetime(2023, 9, 6, 22, tzinfo=UTC)
    plenary, cases = event.sessions
    assert (plenary.start, plenary.end) == (
        dt.datetime(2023, 9, 20, 12, tzinfo=UTC),
        dt.datetime(2023, 9, 20, 13, 30, tzinfo=UTC),
    )
    assert cases.kind is SessionKind.BREAKOUT
    assert cases.end == dt.datetime(2023, 9, 20, 15, tzinfo=UTC)
    rules = event.selection
    assert (rules.policy, rules.seed) == ("lottery", 2023)
    assert rules.quotas == {"role": {"prison": QuotaBounds(min=4), "police": QuotaBounds(max=8)}}
    assert rules.caps == {"organisation": 2}


def test_the_design_example_is_the_embedded_webinar() -> None:
    design = eventfile.loads(DESIGN_TOML)
    embedded = webinar()
    assert design.sessions == embedded.sessions
    assert design.registration == embedded.registration
    assert design.selection == embedded.selection
    assert eventfile.loads(eventfile.dumps(embedded)) == embedded


def test_load_reads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_bytes(b"\xef\xbb\xbf" + DESIGN_TOML.encode())  # a BOM is fine
    assert eventfile.load(path) == eventfile.loads(DESIGN_TOML)
    assert eventfile.load(str(path)).id == "ran-mh-pcve-2023"
    with pytest.raises(FileNotFoundError):
        eventfile.load(tmp_path / "missing.toml")
    path.write_text(edit("capacity = 30", 'capacity = "thirty"'), encoding="utf-8")
    with pytest.raises(EventFileError) as info:
        eventfile.load(path)
    assert info.value.path == str(path)
    assert f"{path}:5: capacity: 'thirty' is not valid" in str(info.value)


def test_dumps_writes_the_design_layout() -> None:
    text = eventfile.dumps(webinar())
    for line in [
        'timezone = "Europe/Brussels"',
        "[registration]",
        'opens = "2023-08-11T00:00"',
        'deadline = "2023-09-06"',
        "[[sessions]]",
        'start = "2023-09-20T14:00"',
        'kind = "breakout"',
        "[selection.quotas.role]",
        "prison = { min = 4 }",
        "police = { max = 8 }",
        "[selection.caps]",
        "organisation = 2",
    ]:
        assert line in text.splitlines(), line


# -- round trips ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
def test_toml_round_trip_is_lossless(event: Event) -> None:
    text = eventfile.dumps(event)
    back = eventfile.loads(text)
    assert back == event
    assert eventfile.dumps(back) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
def test_json_round_trip_is_lossless(event: Event) -> None:
    text = eventfile.dumps(event, format="json")
    assert json.loads(text)["schema_version"] == _converter.SCHEMA_VERSION
    assert eventfile.loads(text, format="json") == event
    assert eventfile.loads(text.encode(), format="json") == event
    assert _converter.from_json(_converter.to_json(event), Event) == event


def test_times_in_the_fold_are_written_with_their_offset() -> None:
    event = webinar()
    zone = event.timezone
    night = tz.localize(dt.datetime(2023, 10, 29, 2, 30), zone, disambiguate="later")
    late = event.revise(
        sessions=(
            Session(id="night", title="Night", start=night, end=night + dt.timedelta(hours=1)),
        ),
        registration=attrs.evolve(event.registration, closes=night),
    )
    text = eventfile.dumps(late)
    assert 'start = "2023-10-29T02:30:00+01:00"' in text
    assert 'deadline = "2023-10-29T02:30:00+01:00"' in text
    assert eventfile.loads(text) == late


def test_times_with_seconds_and_deadline_as_time() -> None:
    text = edit('deadline = "2023-09-06"', 'deadline = "2023-09-06T17:00:30"')
    event = eventfile.loads(text)
    assert event.registration.closes == dt.datetime(2023, 9, 6, 15, 0, 30, tzinfo=UTC)
    assert 'deadline = "2023-09-06T17:00:30"' in eventfile.dumps(event)
    assert eventfile.loads(eventfile.dumps(event)) == event


@pytest.mark.parametrize("deadline", ["Wednesday 6 September 2023", "6 Sept 2023", "06/09/2023"])
def test_deadline_as_the_announcement_writes_it(deadline: str) -> None:
    text = edit('deadline = "2023-09-06"', f'deadline = "{deadline}"')
    event = eventfile.loads(text)
    assert event.registration.closes == dt.datetime(2023, 9, 6, 22, tzinfo=UTC)
    assert 'deadline = "2023-09-06"' in eventfile.dumps(event)  # written back as the date


def test_a_deadline_with_a_wrong_weekday_or_no_day_is_reported_with_its_line() -> None:
    text = edit('deadline = "2023-09-06"', 'deadline = "Tuesday 6 September 2023"')
    (problem,) = problems_of(text)
    line = DESIGN_TOML.splitlines().index('deadline = "2023-09-06"') + 1
    assert (problem.field, problem.line) == ("registration.deadline", line)
    assert "is a Wednesday, not a Tuesday" in str(problem)
    (problem,) = problems_of(edit('deadline = "2023-09-06"', 'deadline = "next week"'))
    assert problem.field == "registration.deadline"
    assert "'Wednesday 6 September 2023'" in str(problem)


def test_toml_native_datetimes_and_offsets_are_accepted() -> None:
    text = edit('start = "2023-09-20T14:00"', "start = 2023-09-20T12:00:00Z")
    text = edit('end = "2023-09-20T15:30"', "end = 2023-09-20T15:30:00", text)
    text = edit('opens = "2023-08-11T00:00"', "opens = 2023-08-11", text)
    text = edit('deadline = "2023-09-06"', "deadline = 2023-09-06", text)
    event = eventfile.loads(text)
    assert event == eventfile.loads(DESIGN_TOML)
    assert tz.zone_name(event.sessions[0].start.tzinfo) == "Europe/Brussels"  # type: ignore[arg-type]


# -- problems, all at once, with their lines -----------------------------------------------


def test_all_problems_of_a_file_are_reported_with_their_lines() -> None:
    text = DESIGN_TOML
    text = edit('id = "ran-mh-pcve-2023"', 'id = "ran mh"', text)  # line 1
    text = edit("capacity = 30", "capacity = 0", text)  # line 5
    text = edit('language = "en"', 'languge = "en"', text)  # line 4
    text = edit('email = "ran-practitioners@example.org"', 'email = "ran-at-example.org"', text)
    text = edit('url = "https://example.webex.com/meet/ran-mh"', 'url = "example.org"', text)
    text = edit('deadline = "2023-09-06"', 'deadline = "2023-09-31"', text)  # line 15
    text = edit('end = "2023-09-20T15:30"', 'end = "2023-09-20T13:00"', text)  # line 20
    text = edit('kind = "breakout"', 'kind = "parallel"', text)  # line 24
    text = edit("seed = 2023", 'seed = "x"', text)  # line 29
    found = problems_of(text)
    summary = [(p.line, p.field) for p in found]
    assert summary == [
        (1, "id"),
        (4, "languge"),
        (5, "capacity"),
        (9, "organiser.email"),
        (12, "online.url"),
        (15, "registration.deadline"),
        (20, "sessions[0].end"),
        (24, "sessions[1].kind"),
        (29, "selection.seed"),
    ]
    values = {p.field: p.value for p in found}
    assert values["id"] == "ran mh"
    assert values["capacity"] == 0
    assert values["registration.deadline"] == "2023-09-31"
    assert values["sessions[1].kind"] == "parallel"
    lines = str(EventFileError("event.toml", found)).splitlines()
    assert lines[0] == "9 problems in event.toml:"
    assert lines[2].startswith("  event.toml:4: languge: unknown key 'languge'")
    assert "did you mean 'language'?" in lines[2]
    assert "event.toml:15: registration.deadline: '2023-09-31' is not valid" in lines[6]
    assert "a date such as '2023-09-06'" in lines[6]
    assert "event.toml:24: sessions[1].kind: 'parallel' is not valid; expected plenary" in lines[8]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('timezone = "Europe/Brussels"', 'timezone = "Europe/Brusels"', "timezone",
         "did you mean 'Europe/Brussels'"),
        ('timezone = "Europe/Brussels"', "timezone = 1", "timezone", "an IANA zone name"),
        ("capacity = 30", "capacity = true", "capacity", "True is not valid"),
        ("[selection.caps]\norganisation = 2", "[selection.caps]\norganisation = -2",
         "selection.caps.organisation", "a whole number >= 0"),
        ("prison = { min = 4 }", "prison = { min = 4, max = 2 }",
         "selection.quotas.role.prison.max", "at least the minimum 4"),
        ("prison = { min = 4 }", "prison = { minimum = 4 }",
         "selection.quotas.role.prison.minimum", "did you mean 'min'?"),
        ("prison = { min = 4 }", 'prison = "four"', "selection.quotas.role.prison",
         "{ min = N }"),
        ('start = "2023-09-20T14:00"', 'start = "2023-03-26T02:30"', "sessions[0].start",
         "does not exist in Europe/Brussels"),
        ('start = "2023-09-20T14:00"', "start = 14:00:00", "sessions[0].start",
         "a time without a date"),
        ('start = "2023-09-20T14:00"', "start = 2023-09-20", "sessions[0].start",
         "a local date-time"),
        ('start = "2023-09-20T14:00"', 'start = "tomorrow"', "sessions[0].start",
         "'tomorrow' is not valid"),
        ('opens = "2023-08-11T00:00"', 'opens = "2023-09-10T00:00"', "registration.deadline",
         "registration window"),
        ('deadline = "2023-09-06"', 'deadline = "2023-09-21"', "registration.deadline",
         "no later than the first session's start"),
        ('id = "cases"', 'id = "plenary"', "sessions[1].id", "a unique session id"),
        ('kind = "breakout"\nstart = "2023-09-20T15:30"', 'start = "2023-09-20T15:00"',
         "sessions[1].start", "only breakouts"),
        ('kind = "breakout"', 'status = "maybe"', "sessions[1].status", "confirmed or cancelled"),
        # found by fuzzing: a title of control characters is written as an empty one
        ('title = "Basics of mental health in P/CVE"', 'title = "\\b \\u007f"',
         "sessions[0].title", "a non-empty text"),
        ('name = "RAN Practitioners"', 'name = "\\u0000"', "organiser.name",
         "a non-empty text"),
        ('target_groups = ["prison", ', 'target_groups = [1, ', "target_groups",
         "a list of role names"),
        ('target_groups = ["prison", ', 'target_groups = ["police", ', "target_groups",
         "each group once"),
        ("[online]", "[online]\nextra = 1", "online.extra", "unknown key 'extra'"),
        ("[organiser]", "[organiser]\nmail = 1", "organiser.mail", "did you mean 'email'?"),
        ("[selection]", "[selection]\nquota = 1", "selection.quota", "did you mean 'quotas'?"),
        ('[selection.quotas.role]', '[selection.quotas]\nrole = 3\n[selection.quotas.country]',
         "selection.quotas.role", "a table of value"),
        ("[[sessions]]\nid = \"cases\"", "[[sessions]]\nfloor = 1\nid = \"cases\"",
         "sessions[1].floor", "unknown key 'floor'"),
        ("[[sessions]]\nid = \"cases\"", "[[sessions]]\ncapacity = 0\nid = \"cases\"",
         "sessions[1].capacity", "a whole number of places, at least 1"),
        ("[[sessions]]\nid = \"cases\"", "[[sessions]]\nchoice = \"yes\"\nid = \"cases\"",
         "sessions[1].choice", "true or false"),
        ("[[sessions]]\nid = \"cases\"", "[[sessions]]\nonline = 3\nid = \"cases\"",
         "sessions[1].online", "a table"),
        ("[[sessions]]\nid = \"cases\"",
         "[[sessions]]\nid = \"cases\"\n[sessions.online]\nplatform = \"WebEx\"\nurl = \"ftp://x\"",
         "sessions[1].online.url", "http"),
    ],
)  # fmt: skip
def test_each_problem_names_field_value_and_accepted_form(
    old: str, new: str, field: str, words: str
) -> None:
    found = problems_of(edit(old, new))
    assert field in [p.field for p in found], found
    problem = next(p for p in found if p.field == field)
    assert words in problem.message, problem.message
    assert problem.line is not None


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (DESIGN_TOML.replace('id = "ran-mh-pcve-2023"\n', ""), "id", "missing; expected"),
        (NO_ORGANISER + "[registration]\nopens = 1\n", "organiser",
         "missing; expected a table"),
        (NO_SESSIONS, "sessions", "missing; expected one or more"),
        ("sessions = []\n" + NO_SESSIONS, "sessions", "at least one"),
        ("sessions = [1]\n" + NO_SESSIONS, "sessions[0]", "a table"),
        (DESIGN_TOML.replace('opens = "2023-08-11T00:00"\n', ""), "registration.opens",
         "missing"),
        (DESIGN_TOML.replace('deadline = "2023-09-06"\n', ""), "registration.deadline",
         "missing"),
        (DESIGN_TOML.replace('end = "2023-09-20T15:30"\n', ""), "sessions[0].end", "missing"),
        (DESIGN_TOML.replace('title = "Basics of mental health in P/CVE"\n', ""),
         "sessions[0].title", "missing"),
        (DESIGN_TOML + "[venue]\ncity = \"Brussels\"\n", "venue.name", "missing"),
        (DESIGN_TOML + "[form]\nquestions = [1]\n", "form.questions[0]", "a table"),
        (DESIGN_TOML + "[form]\nitems = []\n", "form.items", "unknown key"),
        (DESIGN_TOML + "[[form.questions]]\nid = \"q\"\ntext = \"Q?\"\nkind = \"single-choice\"\n",
         "form.questions[0].choices", "at least one choice"),
        (DESIGN_TOML + "[[form.questions]]\nid = \"q\"\ntext = \"Q?\"\nkind = \"essay\"\n",
         "form.questions[0].kind", "'essay' is not valid; expected single-choice"),
        (DESIGN_TOML + "[[form.questions]]\nid = \"q\"\ntext = \"Q?\"\nkind = \"yes-no\"\n"
         "[[form.questions]]\nid = \"q\"\ntext = \"Again?\"\nkind = \"yes-no\"\n",
         "form.questions", "each question id once"),
        (DESIGN_TOML.replace("seed = 2023", "seed = 2023\nrevision = 1"), "selection.revision",
         "unknown key"),
        ("revision = -1\n" + DESIGN_TOML, "revision", "at least 0"),
        ("schema_version = 2\n" + DESIGN_TOML, "schema_version", "expected 1"),
    ],
)  # fmt: skip
def test_missing_and_misplaced_fields(text: str, field: str, words: str) -> None:
    found = problems_of(text)
    assert field in [p.field for p in found], found
    problem = next(p for p in found if p.field == field)
    assert words in problem.message


def test_invalid_toml_names_its_line() -> None:
    found = problems_of(edit("capacity = 30", "capacity = = 30"))
    assert [(p.line, p.field) for p in found] == [(5, "")]
    assert found[0].message.startswith("not valid TOML")
    assert found[0].format("e.toml").startswith("e.toml:5: not valid TOML")


def test_json_event_files() -> None:
    event = webinar()
    document = json.loads(eventfile.dumps(event, format="json"))
    assert document["registration"] == {"opens": "2023-08-11T00:00", "deadline": "2023-09-06"}
    with pytest.raises(EventFileError) as bad:
        eventfile.loads('{\n  "id": "x",\n  oops\n}', format="json", source="e.json")
    assert [(p.line, p.field) for p in bad.value.problems] == [(3, "")]
    assert "not valid JSON" in str(bad.value)
    with pytest.raises(EventFileError) as wrong:
        eventfile.loads("[1, 2]", format="json")
    assert wrong.value.problems[0].message.startswith("[1, 2] is not valid; expected a table")
    document["capacity"] = "many"
    with pytest.raises(EventFileError) as field:
        eventfile.loads(json.dumps(document), format="json", source="e.json")
    assert str(field.value).splitlines()[1] == (
        "  e.json: capacity: 'many' is not valid; expected a whole number of places, at least 1"
    )


def test_compact_json() -> None:
    text = eventfile.dumps(webinar(), format="json", indent=None)
    assert "\n" not in text
    assert eventfile.loads(text, format="json") == webinar()


def test_document_layout_helpers() -> None:
    event = webinar()
    document = eventfile.event_to_document(event)
    assert eventfile.event_from_document(document) == event
    with pytest.raises(EventFileError) as info:
        eventfile.event_from_document({**document, "capacity": 0}, source="x")
    assert info.value.problems[0].line is None


def test_problem_formatting() -> None:
    problem = FileProblem(line=None, field="", value=None, message="broken")
    assert problem.format() == "<text>: broken"
    assert problem == FileProblem(line=None, field="", message="broken")
    assert problem != "broken"
    assert "broken" in repr(problem)
    assert str(EventFileError(None, [problem])).startswith("1 problem in event text:")


def test_a_quota_as_a_number_means_exactly_that_many() -> None:
    event = eventfile.loads(edit("prison = { min = 4 }", "prison = 4"))
    assert event.selection.quotas["role"]["prison"] == QuotaBounds(min=4, max=4)
    assert "prison = { min = 4, max = 4 }" in eventfile.dumps(event)


def test_policy_parameters_of_every_toml_type() -> None:
    parameters = {"weight": 0.5, "big": float("inf"), "small": float("-inf"), "flag": True}
    event = webinar().revise(selection=SelectionRules(policy="score", parameters=parameters))
    text = eventfile.dumps(event)
    assert "[selection.parameters]" in text
    assert "big = inf" in text
    assert "small = -inf" in text
    assert eventfile.loads(text).selection.parameters == parameters
    nan = webinar().revise(selection=SelectionRules(parameters={"x": float("nan")}))
    assert "x = nan" in eventfile.dumps(nan)
    none = webinar().revise(selection=SelectionRules(parameters={"x": None}))
    with pytest.raises(TypeError, match="cannot write None to TOML"):
        eventfile.dumps(none)


def test_lines_of_sub_tables_of_array_items() -> None:
    text = edit(
        'end = "2023-09-20T17:00"', 'end = "2023-09-20T17:00"\n[sessions.room]\nname = "A"'
    )
    found = problems_of(text)
    assert [(p.line, p.field) for p in found] == [(27, "sessions[1].room")]
    assert text.splitlines()[26] == "[sessions.room]"


def test_a_file_without_registration_or_zone() -> None:
    text = DESIGN_TOML.replace("[registration]\n", "[registration_]\n")
    text = text.replace('timezone = "Europe/Brussels"\n', "")
    fields = {p.field for p in problems_of(text)}
    assert {"registration", "registration_", "timezone"} <= fields
    assert not any(f.startswith("sessions") for f in fields)  # no zone: times not judged


def test_the_invariants_between_the_parts_are_all_reported_at_once() -> None:
    text = eventfile.dumps(webinar())
    bad = (
        text.replace('start = "2023-09-20T15:30"', 'start = "2023-09-20T15:00"')
        .replace('kind = "breakout"\n', "")  # the second session becomes a plenary
        .replace('id = "cases"', 'id = "plenary"')
        .replace('deadline = "2023-09-06"', 'deadline = "2023-09-21"')
    )
    with pytest.raises(EventFileError) as caught:
        eventfile.loads(bad, source="e.toml")
    fields = sorted(p.field for p in caught.value.problems)
    assert fields == ["registration.deadline", "sessions[1].id", "sessions[1].start"]
    assert all(p.line is not None for p in caught.value.problems)


# -- bad input: only the documented errors (issue 11, found by fuzzing) ---------------------


def test_an_event_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(edit('title = "Basics', 'title = "B\xe4sics').encode("latin-1"))
    with pytest.raises(EventFileError) as info:
        eventfile.load(path)
    assert [(p.line, p.field) for p in info.value.problems] == [(18, "")]
    assert "byte 0xe4 is not UTF-8" in info.value.problems[0].message
    document = (
        eventfile.dumps(webinar(), format="json")
        .replace('"ran-mh-pcve-2023"', '"\xe4"')
        .encode("latin-1")
    )
    with pytest.raises(EventFileError, match=r"e\.json:3: byte 0xe4 is not UTF-8"):
        eventfile.loads(document, format="json", source="e.json")


def test_the_command_reports_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    import io

    from ran_events import cli

    path = tmp_path / "event.toml"
    path.write_bytes(b'id = "\xe4"\n' + DESIGN_TOML.split("\n", 1)[1].encode())
    err = io.StringIO()
    assert cli.main(["check", str(path)], stdout=io.StringIO(), stderr=err) == 1
    assert err.getvalue() == (
        f"ran-events check: {path}:1: byte 0xe4 is not UTF-8 (save the file as UTF-8)\n"
    )


DEEP = 5_000


@pytest.mark.parametrize(
    "read",
    [
        lambda: eventfile.loads("x = " + "[" * DEEP + "]" * DEEP),
        lambda: eventfile.loads("[" * DEEP + "]" * DEEP, format="json"),
        lambda: eventfile.loads(
            '{"selection": {"parameters": {"a": ' + "[" * DEEP + "]" * DEEP, format="json"
        ),
    ],
)
def test_a_file_nested_too_deeply_is_a_file_error(read: Any) -> None:
    with pytest.raises(EventFileError) as info:
        read()
    assert info.value.problems[0].message.startswith("nested too deeply")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('deadline = "2023-09-06"', 'deadline = "9999-12-31"', "registration.deadline"),
        ('opens = "2023-08-11T00:00"', "opens = 0001-01-01", "registration.opens"),
        ('start = "2023-09-20T14:00"', 'start = "0001-01-01T00:00+05:00"', "sessions[0].start"),
        ('end = "2023-09-20T15:30"', "end = 9999-12-31T23:59:00-12:00", "sessions[0].end"),
        ('start = "2023-09-20T14:00"', 'start = "1969-12-31T23:59"', "sessions[0].start"),
    ],
)
def test_times_outside_the_years_the_library_accepts_are_problems(
    old: str, new: str, field: str
) -> None:
    found = problems_of(edit(old, new))
    problem = next(p for p in found if p.field == field)
    assert "expected a time in the years 1970 to 2100" in problem.message
    assert problem.line is not None


def test_the_last_accepted_year_round_trips() -> None:
    event = eventfile.loads(
        DESIGN_TOML.replace("2023-", "2100-").replace('opens = "2100-08-11', 'opens = "2099-08-11')
    )
    assert event.start.year == 2100
    assert eventfile.loads(eventfile.dumps(event)) == event


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("target_groups = [", "target_groups = [[1], ", "target_groups",
         "expected a list of role names"),
        ("organisation = 2", ('organisation = 2\n[[form.questions]]\nid = "gender"\n'
         'text = "G?"\nkind = "single-choice"\nchoices = [1, "female"]'),
         "form.questions[0].choices", "a choice written as text"),
        ('url = "https://example.webex.com/meet/ran-mh"', 'url = "http://["', "online.url",
         "an absolute http:// or https:// URL"),
        ('id = "cases"', 'id = "cases\\n"', "sessions[1].id", "an identifier"),
        ('id = "ran-mh-pcve-2023"', 'id = "ran-mh-pcve-2023\\n"', "id", "an identifier"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_type_or_shape_are_problems(
    old: str, new: str, field: str, words: str
) -> None:
    found = problems_of(edit(old, new))
    assert [p.field for p in found] == [field], found
    assert words in found[0].message
    assert found[0].line is not None


def test_a_key_ending_in_a_newline_is_quoted_when_written() -> None:
    rules = SelectionRules(
        policy="lottery", seed=1, quotas={"role": {"prison\n": QuotaBounds(min=1)}}
    )
    event = attrs.evolve(webinar(), selection=rules)
    assert '"prison\\n" = { min = 1 }' in eventfile.dumps(event)
    assert eventfile.loads(eventfile.dumps(event)) == event


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029"])
def test_line_numbers_count_only_toml_line_ends(separator: str) -> None:
    text = edit("capacity = 30", f"# a comment{separator}with a separator\ncapacity = 0")
    found = problems_of(text)
    assert [(p.line, p.field) for p in found] == [(6, "capacity")]


def test_a_number_too_long_for_int_is_a_file_error() -> None:
    found = problems_of(edit("capacity = 30", f"capacity = {'9' * 5000}"))
    assert [(p.line, p.field) for p in found] == [(5, "")]
    assert found[0].message.startswith("not valid TOML: Exceeds the limit (4300 digits)")
    document = eventfile.dumps(webinar(), format="json").replace(
        '"capacity": 30', f'"capacity": {"9" * 5000}'
    )
    with pytest.raises(EventFileError, match=r"e\.json:8: not valid JSON: Exceeds the limit"):
        eventfile.loads(document, format="json", source="e.json")


def test_a_document_nested_too_deeply_to_show_is_a_file_error() -> None:
    # Built in Python, not parsed: deeper than repr() can go when a message shows the value.
    deep: list[Any] = []
    for _ in range(DEEP * 4):
        deep = [deep]
    with pytest.raises(EventFileError, match="nested too deeply"):
        eventfile.event_from_document({"target_groups": deep}, source="doc")


# -- load / loads / dump / dumps -------------------------------------------------------------

# Every key of every table, each with a value other than its model's default.
EVERY_FIELD_TOML = """\
id = "every-field"
title = "Every field"
description = "All of them, \\"quoted\\" too"
timezone = "Europe/Lisbon"
language = "pt"
capacity = 12
revision = 3
target_groups = ["prison", "police"]

[organiser]
name = "RAN"
email = "ran@example.org"

[online]
platform = "WebEx"
url = "https://example.webex.com/meet/x"
access_notes = "Code 1234"

[venue]
name = "Centro"
address = "Rua 1"
city = "Lisboa"
country = "PT"

[registration]
opens = "2030-01-01T09:00"
deadline = "2030-01-10T18:00"
offer_hours = 72

[[sessions]]
id = "plenary"
title = "Plenary"
kind = "other"
start = "2030-02-01T10:00"
end = "2030-02-01T11:00"
description = "The start"
status = "cancelled"
capacity = 8
room = "Sala 2"
choice = true

[sessions.online]
platform = "Teams"
url = "https://example.org/room-2"
access_notes = "Room code 2"

[[form.questions]]
id = "why"
text = "Why?"
kind = "single-choice"
choices = ["a", "b"]
required = false

[form.consent]
text = "I agree that RAN keeps my data until the event's report is out."
version = "2030-01"
required = false

[selection]
policy = "lottery"
seed = 7
seed_sha256 = "7902699be42c8a8e46fbbb4501726517e86b22c56a189f7625a6da49081b2451"
attributes = ["seniority"]

[selection.quotas.role]
prison = { min = 1, max = 5 }

[selection.caps]
organisation = 2

[selection.parameters]
weight = 2
"""


def _non_default_fields(model: Any) -> list[str]:
    """The fields of ``model`` (and of the models in it) that hold their default value."""
    found = []
    for field in attrs.fields(type(model)):
        value = getattr(model, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if value == default and default is not attrs.NOTHING:
            found.append(f"{type(model).__name__}.{field.name}")
        found += [n for inner in _inside(value) for n in _non_default_fields(inner)]
    return found


def _inside(value: Any) -> list[Any]:
    """The models in a field's value (in tuples and in tables of tables, as quotas are)."""
    if attrs.has(type(value)):
        return [value]
    if isinstance(value, tuple | list):
        return [m for v in value for m in _inside(v)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _inside(v)]
    return []


def test_a_file_with_every_field_of_every_model_round_trips() -> None:
    event = eventfile.loads(EVERY_FIELD_TOML, source="every.toml")
    # A field added to a model without a key here fails this line: add it to the file above.
    assert _non_default_fields(event) == []
    assert eventfile.dumps(event) == EVERY_FIELD_TOML
    assert eventfile.loads(eventfile.dumps(event, format="json"), format="json") == event


def test_load_and_dump_choose_the_format_by_the_suffix(tmp_path: Path) -> None:
    event = webinar()
    for name, first in [("e.toml", "id = "), ("e.JSON", "{"), ("event", "id = ")]:
        path = tmp_path / "sub" / name
        eventfile.dump(event, path)
        assert path.read_text(encoding="utf-8").startswith(first), name
        assert eventfile.load(path) == event
        assert eventfile.load(str(path)) == event
    path = tmp_path / "e.json"
    path.write_text(eventfile.dumps(event), encoding="utf-8")  # TOML in a .json file
    with pytest.raises(EventFileError, match=r"e\.json:1: not valid JSON"):
        eventfile.load(path)


def test_dump_replaces_a_file_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "event.toml"
    eventfile.dump(webinar(), path)
    before = path.read_bytes()

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        eventfile.dump(webinar().revise(capacity=31), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["event.toml"]  # no temporary left


def test_loads_reads_octets_as_utf8_with_or_without_a_bom() -> None:
    octets = DESIGN_TOML.encode()
    assert eventfile.loads(octets) == eventfile.loads(b"\xef\xbb\xbf" + octets)
    with pytest.raises(EventFileError, match=r"e\.toml:1: byte 0xe4 is not UTF-8"):
        eventfile.loads(b"id = '\xe4'\n" + octets, source="e.toml")


@pytest.mark.parametrize("format_", ["yaml", "TOML", ""])
def test_an_unknown_format_is_a_value_error(format_: str) -> None:
    with pytest.raises(ValueError, match=rf"format: expected 'toml' or 'json', got '{format_}'"):
        eventfile.loads(DESIGN_TOML, format=format_)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format: expected 'toml' or 'json'"):
        eventfile.dumps(webinar(), format=format_)  # type: ignore[arg-type]


def test_the_converter_writes_an_event_in_the_event_file_layout() -> None:
    # eventfile registers the layout with the converter, so that an Event inside any JSON
    # document of the library reads like an event file.
    event = webinar()
    assert _converter.unstructure(event) == eventfile.event_to_document(event)
    assert _converter.structure(eventfile.event_to_document(event), Event) == event


# -- the keys of each table are its model's fields -------------------------------------------


@pytest.mark.parametrize(
    ("table", "fields"),
    [
        ("[organiser]", "['email', 'name']"),
        ("[online]", "['access_notes', 'platform', 'url']"),
        ("[registration]", "['deadline', 'offer_hours', 'opens']"),
        (
            "[[sessions]]",
            (
                "['capacity', 'choice', 'description', 'end', 'id', 'kind', 'online', "
                "'room', 'start', 'status', 'title']"
            ),
        ),
    ],
)
def test_an_unknown_key_lists_the_fields_of_the_model(table: str, fields: str) -> None:
    found = problems_of(edit(table, f"{table}\nextra = 1"))
    assert [p.message for p in found if p.field.endswith("extra")] == [
        f"unknown key 'extra'; expected one of {fields}"
    ]


def test_a_model_field_the_reader_does_not_read_is_refused_loudly() -> None:
    @attrs.frozen(kw_only=True)
    class Grown:
        name: str
        added: str = "later"

    with pytest.raises(NotImplementedError, match=r"do not read Grown\.added yet"):
        eventfile._build(eventfile._Problems(), "grown", Grown, name="x")


def test_locate_problems_without_the_text_or_without_errors() -> None:
    error = InvalidValue("selection.caps.organsation", 2, "no applicant has this attribute")
    (problem,) = eventfile.locate_problems([error])
    assert (problem.line, problem.field) == (None, "selection.caps.organsation")
    assert eventfile.locate_problems([], text=DESIGN_TOML) == []
    (located,) = eventfile.locate_problems([error], text=DESIGN_TOML)
    assert located.line == DESIGN_TOML.splitlines().index("[selection.caps]") + 1


def test_attributes_that_are_not_names_and_a_day_deadline_without_a_zone() -> None:
    found = problems_of(edit("seed = 2023", "seed = 2023\nattributes = [1]"))
    assert [p.field for p in found] == ["selection.attributes"]
    text = edit('timezone = "Europe/Brussels"', 'timezone = "Mars/Olympus"')
    text = edit('deadline = "2023-09-06"', 'deadline = "Wednesday 6 September 2023"', text)
    assert [p.field for p in problems_of(text)] == ["timezone"]  # the deadline waits for it


def test_offer_hours_is_read_written_and_checked() -> None:
    from ran_events import eventfile, examples

    text = eventfile.dumps(examples.webinar())
    assert "offer_hours" not in text  # the default (48) is not written
    assert eventfile.loads(text).registration.offer_hours == 48
    changed = text.replace('deadline = "2023-09-06"', 'deadline = "2023-09-06"\noffer_hours = 24')
    assert changed != text
    event = eventfile.loads(changed)
    assert event.registration.offer_hours == 24
    assert eventfile.loads(eventfile.dumps(event)) == event
    assert eventfile.loads(eventfile.dumps(event, format="json"), format="json") == event
    with pytest.raises(EventFileError, match=r"registration\.offer_hours"):
        eventfile.loads(changed.replace("offer_hours = 24", "offer_hours = 0"))
    with pytest.raises(EventFileError, match=r"registration\.offer_hours"):
        eventfile.loads(changed.replace("offer_hours = 24", 'offer_hours = "2 days"'))
