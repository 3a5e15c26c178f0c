"""Sessions with a place and a capacity of their own, choice slots and ranking questions."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from tests.workshop_events import WORKSHOPS_TOML, breakouts_event, workshops_event

from ran_events import eventfile, tz
from ran_events.errors import EventFileError, InvalidAnswers, InvalidValue
from ran_events.examples import webinar
from ran_events.models import (
    Form,
    OnlineMeeting,
    Question,
    QuestionKind,
    Session,
    SessionKind,
    choice_slots,
    parallel_sessions,
    slot_capacity_problems,
)

ZONE = "Europe/Brussels"


def _at(hour: float) -> dt.datetime:
    whole = int(hour)
    return tz.localize(dt.datetime(2024, 4, 20, whole, int((hour - whole) * 60)), ZONE)


def workshop(sid: str, start: float, end: float, **fields: object) -> Session:
    fields.setdefault("kind", "breakout")
    fields.setdefault("choice", True)
    return Session(id=sid, title=sid, start=_at(start), end=_at(end), **fields)  # type: ignore[arg-type]


# -- Session fields --------------------------------------------------------------------------


def test_a_session_has_no_place_or_capacity_of_its_own_by_default() -> None:
    session = webinar().session("cases")
    assert (session.capacity, session.online, session.room, session.choice) == (
        None,
        None,
        "",
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("capacity", 0, "a whole number of at least 1"),
        ("capacity", True, "a whole number of at least 1"),
        ("choice", "yes", "true or false"),
        ("online", "https://example.org/x", "an OnlineMeeting"),
        ("room", 3, "a string"),
    ],
)
def test_a_session_refuses_a_bad_place_or_capacity(
    field: str, value: object, expected: str
) -> None:
    with pytest.raises(InvalidValue, match=expected) as caught:
        workshop("ws-a", 10, 11, **{field: value})
    assert caught.value.field == field


# -- choice slots ----------------------------------------------------------------------------


def test_overlapping_choice_sessions_form_one_slot_and_touching_ones_do_not() -> None:
    sessions = [
        workshop("late-b", 14, 15.5),
        workshop("early-a", 10, 11.5),
        workshop("early-b", 10, 11.5),
        workshop("late-a", 14, 15.5),
        workshop("next", 11.5, 12),  # starts when the early ones end: a slot of its own
        workshop("off", 10, 11.5, status="cancelled"),
        workshop("chosen-by-all", 10, 11.5, choice=False),
    ]
    slots = choice_slots(sessions)
    assert [(s.id, s.session_ids) for s in slots] == [
        ("slot-1", ("early-a", "early-b")),
        ("slot-2", ("next",)),
        ("slot-3", ("late-b", "late-a")),  # the event's order within a slot
    ]


def test_a_slot_capacity_is_unlimited_when_one_session_has_none() -> None:
    a, b = workshop("a", 10, 11, capacity=5), workshop("b", 10, 11)
    assert choice_slots([a, b])[0].capacity is None
    assert choice_slots([a, attrs.evolve(b, capacity=7)])[0].capacity == 12


def test_the_choice_sessions_of_a_slot_must_all_overlap() -> None:
    # a overlaps b and b overlaps c, so they are one slot, but a and c do not overlap: a
    # participant could attend both, which is not a choice between them.
    event = workshops_event()
    chained = (
        event.sessions[0],
        attrs.evolve(event.sessions[1], start=_at(10.5), end=_at(11.5)),
        attrs.evolve(event.sessions[2], start=_at(11), end=_at(12)),
        attrs.evolve(event.sessions[3], start=_at(11.75), end=_at(12.25)),
    )
    with pytest.raises(InvalidValue, match="choice sessions of slot-1") as caught:
        attrs.evolve(event, sessions=chained)
    assert caught.value.field == "sessions[3].start"


def test_a_choice_session_cannot_be_a_plenary() -> None:
    event = workshops_event()
    plenary = attrs.evolve(event.sessions[1], kind=SessionKind.PLENARY)
    with pytest.raises(InvalidValue, match="a plenary is for everyone"):
        attrs.evolve(event, sessions=(event.sessions[0], plenary, *event.sessions[2:]))


def test_an_event_file_reports_every_workshop_problem_with_its_line() -> None:
    room_2 = 'choice = true\ncapacity = 15\nroom = "Room 2"'
    text = WORKSHOPS_TOML.replace(f'kind = "breakout"\n{room_2}', room_2)  # a plenary now
    text = text.replace('choice = true\ncapacity = 15\nroom = "Room 3"',
                        'choice = 1\ncapacity = 15\nroom = "Room 3"')  # fmt: skip
    with pytest.raises(EventFileError) as caught:
        eventfile.loads(text, source="w.toml")
    found = [(p.line, p.field) for p in caught.value.problems]
    lines = text.split("\n")
    assert found == [
        (lines.index('id = "ws-b"'), "sessions[2].kind"),  # its [[sessions]] header
        (lines.index("choice = 1") + 1, "sessions[3].choice"),
    ]


def test_slots_with_fewer_places_than_the_event_are_reported() -> None:
    event = workshops_event()  # 3 x 15 = 45 places for a capacity of 40: enough
    assert slot_capacity_problems(event) == []
    short = event.revise(capacity=50)
    (problem,) = slot_capacity_problems(short)
    assert problem.field == "sessions[1].capacity"
    assert str(problem) == (
        "sessions[1].capacity: 45 is not valid; expected at least 50 places together in "
        "slot-1 (ws-a, ws-b, ws-c), the event's capacity (5 short)"
    )


# -- parallel sessions -----------------------------------------------------------------------


def test_a_single_breakout_is_not_parallel_but_overlapping_rooms_are() -> None:
    assert webinar().parallel_sessions == frozenset()
    assert breakouts_event().parallel_sessions == {"room-1", "room-2", "room-3"}
    assert workshops_event().parallel_sessions == {"ws-a", "ws-b", "ws-c"}


def test_a_cancelled_room_and_plenaries_are_not_parallel() -> None:
    event = breakouts_event().cancel_session("room-3")
    assert event.parallel_sessions == {"room-1", "room-2"}
    sessions = [
        workshop("p", 9, 12, kind="plenary", choice=False),
        workshop("x", 10, 11, choice=False),
    ]
    assert parallel_sessions(sessions) == frozenset()
    nested = [workshop("long", 9, 12, choice=False), workshop("inner", 9.5, 10, choice=False),
              workshop("later", 11, 11.5, choice=False)]  # fmt: skip
    assert parallel_sessions(nested) == {"long", "inner", "later"}


# -- ranking questions -----------------------------------------------------------------------


def test_a_ranking_question_lists_the_choice_sessions_when_it_names_none() -> None:
    event = workshops_event()
    assert event.form.question("workshops").choices == ("ws-a", "ws-b", "ws-c")
    # and the file is written as it was read: without the list
    assert "choices" not in eventfile.dumps(event)
    assert eventfile.loads(eventfile.dumps(event)) == event


def test_cancelling_a_ranked_workshop_keeps_the_event_valid() -> None:
    event = workshops_event().cancel_session("ws-b")
    assert event.choice_slots[0].session_ids == ("ws-a", "ws-c")
    assert event.form.question("workshops").choices == ("ws-a", "ws-b", "ws-c")


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("ws-a > ws-c > ws-b", ("ws-a", "ws-c", "ws-b")),
        ("ws-c;ws-a", ("ws-c", "ws-a")),
        (" ws-b | ws-a ", ("ws-b", "ws-a")),
        ("ws-b, ws-c", ("ws-b", "ws-c")),
        ("", None),
    ],
)
def test_a_ranking_answer_is_read_from_a_csv_cell(text: str, ranking: object) -> None:
    assert workshops_event().form.question("workshops").parse(text) == ranking


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (("ws-a", "ws-a"), "names a session id twice"),
        (("ws-a", "plenary"), r"\['plenary'\] not among the session ids"),
        ("ws-a", "is not a list of session ids"),
        ((), "a required answer is missing"),
    ],
)
def test_a_ranking_answer_is_checked(answer: object, problem: str) -> None:
    form = workshops_event().form
    with pytest.raises(InvalidAnswers, match=problem):
        form.check({"workshops": answer})


def test_a_ranking_question_names_only_choice_sessions() -> None:
    event = workshops_event()
    bad = Form(
        questions=(
            Question(id="w", text="Rank", kind=QuestionKind.RANKING, choices=("ws-a", "plenary")),
        )
    )
    with pytest.raises(InvalidValue, match="the id of a choice session") as caught:
        attrs.evolve(event, form=bad)
    assert caught.value.field == "form.questions[0].choices"


def test_a_ranking_question_needs_choice_sessions() -> None:
    form = Form(questions=(Question(id="w", text="Rank", kind=QuestionKind.RANKING),))
    with pytest.raises(InvalidValue, match="mark the parallel workshops 'choice = true'"):
        attrs.evolve(webinar(), form=form)


def test_only_choice_and_ranking_questions_take_choices() -> None:
    with pytest.raises(InvalidValue, match="no choices for a scale question"):
        Question(id="s", text="How much?", kind=QuestionKind.SCALE, choices=("a",))


def test_a_session_online_place_round_trips_in_json_too() -> None:
    event = breakouts_event()
    assert event.session("room-1").online == OnlineMeeting(
        platform="WebEx",
        url="https://example.webex.com/meet/ran-room-1",
        access_notes="Room 1 password: one",
    )
    assert eventfile.loads(eventfile.dumps(event, format="json"), format="json") == event
