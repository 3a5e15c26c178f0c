"""Tests of ran_events.imip: invite, cancellation and decision e-mails."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import attrs
import pytest

from ran_events import examples, ics, imip
from ran_events.errors import InvalidValue
from ran_events.models import Registration

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)


@attrs.frozen(kw_only=True)
class _Decision:
    outcome: str
    registration_id: str
    sentence: str
    waitlist_position: int | None = None


def _registration(name: str = "Ann Peeters") -> Registration:
    base = examples.synthetic_applicants(1, seed=3)[0]
    return attrs.evolve(
        base, status="selected", registrant=attrs.evolve(base.registrant, name=name)
    )


def _parse(message: email.message.EmailMessage) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_an_invite_is_multipart_alternative_with_a_base64_calendar() -> None:
    event, person = examples.webinar(), _registration()
    (obj, _) = ics.invite(event, person, now=NOW)
    message = _parse(imip.invitation_email(event, person, obj))
    assert message.get_content_type() == "multipart/alternative"
    plain, calendar = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert "https://example.webex.com/meet/ran-mh" in plain.get_content()
    assert "When: Wed 20 Sep 2023, 14:00\u201315:30 CEST" in plain.get_content().splitlines()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_param("charset") == "UTF-8"
    assert calendar["Content-Transfer-Encoding"] == "base64"
    assert calendar.get_payload(decode=True) == obj.data
    assert message["From"].addresses[0].addr_spec == "ran-practitioners@example.org"
    assert message["To"].addresses[0].addr_spec == person.email


def test_a_display_name_cannot_inject_a_header() -> None:
    event = examples.webinar()
    person = _registration("Eve\r\nBcc: evil@example.org")
    (obj, _) = ics.invite(event, person, now=NOW)
    message = _parse(imip.invitation_email(event, person, obj))
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == [person.email]


def test_a_cancellation_carries_method_cancel_and_refuses_a_request() -> None:
    event, person = examples.webinar(), _registration()
    (obj, _) = ics.cancel(event, person, now=NOW)
    message = _parse(imip.cancellation_email(event, person, obj))
    plain, calendar = message.iter_parts()
    assert calendar.get_param("method") == "CANCEL"
    assert message["Subject"] == f"Cancelled: {event.title}: {event.sessions[0].title}"
    assert f"{event.sessions[0].title} (Wed 20 Sep 2023, 14:00\u201315:30 CEST) is cancelled" in (
        plain.get_content()
    )
    request = ics.invite(event, person, now=NOW)[0]
    with pytest.raises(InvalidValue, match="CANCEL"):
        imip.cancellation_email(event, person, request)
    other = attrs.evolve(person, id="someone-else")
    with pytest.raises(InvalidValue, match="registration"):
        imip.invitation_email(event, other, request)


@pytest.mark.parametrize(
    ("outcome", "position", "expected"),
    [("waitlisted", 4, "waiting list at position 4"), ("rejected", None, "not selected")],
)
def test_a_decision_email_has_no_calendar(
    outcome: str, position: int | None, expected: str
) -> None:
    event, person = examples.webinar(), _registration()
    decision = _Decision(
        outcome=outcome,
        registration_id=person.id,
        sentence=f"{outcome}: because",
        waitlist_position=position,
    )
    message = _parse(imip.decision_email(event, person, decision))
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert expected in body
    assert f"Reason: {outcome}: because" in body
    assert b"BEGIN:VCALENDAR" not in message.as_bytes()


def test_a_selected_decision_gets_the_invite_not_a_decision_email() -> None:
    event, person = examples.webinar(), _registration()
    selected = _Decision(outcome="selected", registration_id=person.id, sentence="selected")
    with pytest.raises(InvalidValue, match="invitation_email"):
        imip.decision_email(event, person, selected)
    wrong = _Decision(outcome="rejected", registration_id="other", sentence="x")
    with pytest.raises(InvalidValue, match="registration_id"):
        imip.decision_email(event, person, wrong)


def test_an_invite_to_an_attendee_of_an_in_person_event_has_no_join_line() -> None:
    event = attrs.evolve(examples.webinar(), online=None)
    who = ics.Attendee(registration_id="r9", name="Jo\nDoe", email="jo@example.org")
    (obj, _) = ics.invite(event, who, now=NOW)
    message = _parse(imip.invitation_email(event, who, obj))
    plain = next(message.iter_parts())
    body = plain.get_content()
    assert body.splitlines()[0] == "Dear Jo Doe,"
    assert "Join online" not in body
    assert "When: " in body
    assert message["To"].addresses[0].display_name == "Jo Doe"
