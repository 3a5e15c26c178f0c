"""Invites per room: each participant gets the plenaries and only their own parallel session,
with that session's own link or room; the public listing shows parallel sessions without
links (issue 15)."""

from __future__ import annotations

import datetime as dt

import attrs
import icalendar
import pytest
from tests.interop.octets import check_octets
from tests.interop.readers import ICALJS, LIBICAL, icaljs_times, libical_check, require
from tests.workshop_events import breakouts_event, workshops_event

from ran_events import ics, imip, tz
from ran_events.groups import assign_workshops
from ran_events.ics import Attendee, CalendarObject, InviteFailure

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
ROOMS = {"r1": ["room-1"], "r2": ["room-2"], "r3": ["room-3"]}


def person(rid: str) -> Attendee:
    return Attendee(registration_id=rid, name=f"Person {rid}", email=f"{rid}@example.org")


def vevent_of(item: CalendarObject) -> icalendar.Event:
    (vevent,) = icalendar.Calendar.from_ical(item.data).walk("VEVENT")
    return vevent


def test_without_rooms_everyone_gets_every_parallel_breakout() -> None:
    # Today's behaviour, kept: the reason to pass rooms (three overlapping invites).
    sent = ics.invite(breakouts_event(), person("r1"), now=NOW)
    assert [o.session_id for o in sent] == ["plenary", "room-1", "room-2", "room-3"]


def test_with_rooms_each_person_gets_the_plenary_and_only_their_room() -> None:
    event = breakouts_event()
    sent = ics.invite(event, person("r2"), rooms=ROOMS, now=NOW)
    assert [o.session_id for o in sent] == ["plenary", "room-2"]
    plenary, room = (vevent_of(o) for o in sent)
    assert str(plenary["URL"]) == "https://example.webex.com/meet/ran-plenary"
    assert str(room["URL"]) == "https://example.webex.com/meet/ran-room-2"
    assert str(room["CONFERENCE"]) == "https://example.webex.com/meet/ran-room-2"
    assert str(room["LOCATION"]) == "https://example.webex.com/meet/ran-room-2"
    assert "ran-room-2" in str(room["DESCRIPTION"])
    assert b"ran-room-1" not in sent[1].data
    assert b"ran-room-3" not in sent[1].data


def test_a_room_sends_its_own_access_notes_and_not_the_events() -> None:
    (_, room) = ics.invite(breakouts_event(), person("r1"), rooms=ROOMS, now=NOW)
    description = str(vevent_of(room)["DESCRIPTION"])
    assert description.endswith(
        "Join online (WebEx): https://example.webex.com/meet/ran-room-1\nRoom 1 password: one"
    )


def test_someone_without_a_room_gets_only_what_everyone_attends() -> None:
    sent = ics.invite(breakouts_event(), person("late"), rooms=ROOMS, now=NOW)
    assert [o.session_id for o in sent] == ["plenary"]


def test_sessions_given_explicitly_win_over_rooms() -> None:
    sent = ics.invite(breakouts_event(), person("r1"), sessions=["room-3"], rooms=ROOMS, now=NOW)
    assert [o.session_id for o in sent] == ["room-3"]


def test_a_workshop_invite_names_its_room_at_the_venue() -> None:
    event = workshops_event()
    result = assign_workshops(["r1"], event, seed=1, rankings={"r1": ["ws-b"]})
    sent = ics.invite(event, person("r1"), rooms=result.rooms(), now=NOW)
    assert [o.session_id for o in sent] == ["plenary", "ws-b", "closing"]
    workshop = vevent_of(sent[1])
    assert str(workshop["LOCATION"]) == "Room 2, Conference centre, Brussels"
    assert str(workshop["X-RAN-ROOM"]) == "Room 2"
    assert str(vevent_of(sent[0])["LOCATION"]) == "Conference centre, Brussels"


def test_a_batch_renders_one_template_per_room_and_reports_unknown_rooms() -> None:
    event = breakouts_event()
    rooms = {**ROOMS, "bad": ["room-9"]}
    people = [person("r1"), person("r2"), person("r3"), person("bad"), person("late")]
    out = list(ics.invites_for(event, people, rooms=rooms, now=NOW))
    failures = [o for o in out if isinstance(o, InviteFailure)]
    assert [(f.registration_id, "room-9" in f.reason) for f in failures] == [("bad", True)]
    sent = [(o.registration_id, o.session_id) for o in out if isinstance(o, CalendarObject)]
    assert sent == [
        ("r1", "plenary"), ("r1", "room-1"), ("r2", "plenary"), ("r2", "room-2"),
        ("r3", "plenary"), ("r3", "room-3"), ("late", "plenary"),
    ]  # fmt: skip
    # one person's objects equal what invite() gives them alone
    alone = ics.invite(event, person("r2"), rooms=rooms, now=NOW)
    assert [
        o.data for o in out if isinstance(o, CalendarObject) and o.registration_id == "r2"
    ] == [o.data for o in alone]


def test_a_cancelled_room_in_rooms_is_a_failure_of_that_person_only() -> None:
    event = breakouts_event().cancel_session("room-3")
    out = list(ics.invites_for(event, [person("r3"), person("r1")], rooms=ROOMS, now=NOW))
    assert isinstance(out[0], InviteFailure)
    assert "a confirmed session" in out[0].reason
    assert [o.session_id for o in out[1:] if isinstance(o, CalendarObject)] == [
        "plenary",
        "room-1",
    ]


def test_a_withdrawal_cancels_only_the_persons_own_room() -> None:
    out = list(
        ics.invites_for(breakouts_event(), [person("r1")], rooms=ROOMS, now=NOW, method="CANCEL")
    )
    assert [o.session_id for o in out if isinstance(o, CalendarObject)] == ["plenary", "room-1"]


def test_room_sessions_lists_them_in_the_events_order() -> None:
    event = workshops_event()
    assert ics.room_sessions(event, "x", {"x": ["ws-c"]}) == ["plenary", "ws-c", "closing"]
    with pytest.raises(KeyError, match="no session 'ws-z'"):
        ics.room_sessions(event, "x", {"x": ["ws-z"]})


def test_the_listing_shows_parallel_sessions_without_their_links() -> None:
    event = breakouts_event()
    for join_link in (False, True):
        listing = ics.publish(event, now=NOW, join_link=join_link)
        for room in ("room-1", "room-2", "room-3"):
            assert f"ran-{room}".encode() not in listing
        calendar = icalendar.Calendar.from_ical(listing)
        rooms = [v for v in calendar.walk("VEVENT") if "room-" in str(v["UID"])]
        assert {str(v["LOCATION"]) for v in rooms} == {"Online (WebEx)"}
        assert all("URL" not in v and "CONFERENCE" not in v for v in rooms)
    # the plenary's link is still there when asked for
    assert b"ran-plenary" in ics.publish(event, now=NOW, join_link=True)


def test_a_listing_with_rooms_reads_back() -> None:
    event = workshops_event()
    back = ics.from_ics(ics.publish(event, now=NOW))
    assert [s.room for s in back.sessions] == ["", "Room 1", "Room 2", "Room 3", ""]
    assert back.venue == event.venue


def test_a_room_without_a_venue_is_the_location_and_not_read_as_a_venue() -> None:
    event = breakouts_event()
    plenary, *rooms = event.sessions
    moved = attrs.evolve(
        event, online=None, sessions=(attrs.evolve(plenary, room="Hall B"), *rooms)
    )
    back = ics.from_ics(ics.publish(moved, now=NOW))
    assert back.venue is None
    assert back.sessions[0].room == "Hall B"


@pytest.mark.interop
def test_room_invites_pass_libical_and_icaljs() -> None:
    event = breakouts_event()
    objects = [
        *ics.invite(event, person("r1"), rooms=ROOMS, now=NOW),
        *ics.invite(workshops_event(), person("r1"), rooms={"r1": ["ws-a"]}, now=NOW),
    ]
    listing = ics.publish(event, now=NOW)
    for data in [o.data for o in objects] + [listing]:
        assert check_octets(data) == []
        require(LIBICAL)
        result = libical_check(data)
        assert result.restriction_ok, result.restriction_errors
        assert result.parse_errors == ()
        require(ICALJS)
        times = icaljs_times(data)
        assert all(not t.problems for t in times)
    (room_1,) = [o for o in objects if o.session_id == "room-1"]
    (placed,) = icaljs_times(room_1.data)
    assert placed.dtstart_utc == tz.to_utc(event.session("room-1").start)
    (seen,) = libical_check(room_1.data).events
    assert seen.dtstart_utc == dt.datetime(2023, 9, 20, 13, 30, tzinfo=dt.UTC)


def test_the_invitation_email_names_the_rooms_link_and_room() -> None:
    event = breakouts_event()
    _, room = ics.invite(event, person("r2"), rooms=ROOMS, now=NOW)
    body = imip.invitation_email(event, person("r2"), room).get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Join online (WebEx): https://example.webex.com/meet/ran-room-2" in text
    assert "ran-plenary" not in text
    visit = workshops_event()
    _, workshop, _ = ics.invite(visit, person("r1"), rooms={"r1": ["ws-b"]}, now=NOW)
    body = imip.invitation_email(visit, person("r1"), workshop).get_body(("plain",))
    assert body is not None
    assert "Room: Room 2\n" in body.get_content()
