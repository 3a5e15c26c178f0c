"""Tests of ran_events.imip: invite, cancellation and decision e-mails."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import attrs
import pytest

from ran_events import examples, ics, imip, normalise_email
from ran_events.errors import InvalidEmail, InvalidValue, NaiveDatetimeError
from ran_events.models import Organiser, Registration

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
    with pytest.raises(InvalidValue, match="expected the recipient's registration"):
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
    message = _parse(imip.decision_email(event, person, decision, now=NOW))
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
        imip.decision_email(event, person, selected, now=NOW)
    wrong = _Decision(outcome="rejected", registration_id="other", sentence="x")
    with pytest.raises(InvalidValue, match="registration_id"):
        imip.decision_email(event, person, wrong, now=NOW)


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


# ------------------------------------------------------------------------------------------
# Deliverable e-mails (issue 10)


def _defects(message: email.message.EmailMessage) -> list[object]:
    return [
        defect
        for part in message.walk()
        for defect in [*part.defects, *(d for _, v in part.items() for d in v.defects)]
    ]


def test_an_idn_domain_is_written_in_ascii_and_a_long_address_keeps_the_calendar() -> None:
    # Before: the domain became an encoded word inside the address; folded, its second line
    # had no leading space, the headers ended there and the calendar part was lost.
    event = attrs.evolve(
        examples.webinar(), organiser=Organiser(name="RAN", email="ran@bücher.example")
    )
    who = ics.Attendee(registration_id="r1", name="", email="x" * 50 + "@пример.рф")
    (obj, _) = ics.invite(event, who, now=NOW)
    raw = imip.invitation_email(event, who, obj).as_bytes()
    assert raw.isascii()
    message = _parse(imip.invitation_email(event, who, obj))
    assert _defects(message) == []
    assert message["To"].addresses[0].addr_spec == "x" * 50 + "@xn--e1afmkfd.xn--p1ai"
    assert message["From"].addresses[0].addr_spec == "ran@xn--bcher-kva.example"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "text/plain",
        "text/calendar",
    ]
    assert list(message.iter_parts())[1].get_payload(decode=True) == obj.data


def test_the_ics_mailto_carries_the_ascii_domain() -> None:
    who = ics.Attendee(registration_id="r1", name="Ann", email="ann@bücher.example")
    (obj, _) = ics.invite(examples.webinar(), who, now=NOW)
    assert b":mailto:ann@xn--bcher-kva.example\r\n" in obj.data.replace(b"\r\n ", b"")


@pytest.mark.parametrize("address", ["zoë@example.org", "李@bücher.example", "ΑΒΓ@example.org"])
def test_a_non_ascii_local_part_is_refused_at_intake_with_the_reason(address: str) -> None:
    with pytest.raises(InvalidEmail, match="needs the SMTPUTF8 extension") as refused:
        normalise_email(address)
    assert "ASCII part before the @" in refused.value.reason
    with pytest.raises(InvalidEmail):
        ics.Attendee(registration_id="r1", name="Zoë", email=address)


def test_display_names_lose_control_characters() -> None:
    event, person = examples.webinar(), _registration("Ann\x00 \x1b[31mPeeters\x7f\x08\x85Jr")
    (obj, _) = ics.invite(event, person, now=NOW)
    message = _parse(imip.invitation_email(event, person, obj))
    assert _defects(message) == []
    assert message["To"].addresses[0].display_name == "Ann [31mPeeters Jr"
    assert next(message.iter_parts()).get_content().startswith("Dear Ann [31mPeeters Jr,\r\n")


def test_date_is_the_injected_clock_and_message_id_is_stable() -> None:
    event = attrs.evolve(
        examples.webinar(), organiser=Organiser(name="RAN", email="ran@bücher.example")
    )
    ann, bob = _registration("Ann"), attrs.evolve(_registration("Bob"), id="bob")
    (obj, _) = ics.invite(event, ann, now=NOW)
    first = _parse(imip.invitation_email(event, ann, obj))
    assert first["Date"].datetime == NOW  # the DTSTAMP
    later = NOW + dt.timedelta(hours=5)
    again = _parse(imip.invitation_email(event, ann, obj, now=later))
    assert again["Date"].datetime == later
    assert again["Message-ID"] == first["Message-ID"]  # same object, same recipient
    assert first["Message-ID"].endswith("@xn--bcher-kva.example>")
    update = ics.invite(event.revise(title="New title"), ann, now=NOW)[0]
    cancel = ics.cancel(event, ann, now=NOW)[0]
    to_bob = ics.invite(event, bob, now=NOW)[0]
    ids = {
        first["Message-ID"],
        imip.invitation_email(event, ann, update)["Message-ID"],
        imip.cancellation_email(event, ann, cancel)["Message-ID"],
        imip.invitation_email(event, bob, to_bob)["Message-ID"],
    }
    assert len(ids) == 4
    with pytest.raises(NaiveDatetimeError):
        imip.invitation_email(event, ann, obj, now=dt.datetime(2023, 9, 7, 9, 0))


def test_a_decision_email_is_dated_by_the_injected_clock() -> None:
    event, person = examples.webinar(), _registration()
    decision = _Decision(outcome="rejected", registration_id=person.id, sentence="rejected: x")
    brussels = dt.datetime(2023, 9, 7, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    message = _parse(imip.decision_email(event, person, decision, now=brussels))
    assert message["Date"].datetime == brussels
    assert (
        message["Message-ID"]
        == imip.decision_email(event, person, decision, now=brussels)["Message-ID"]
    )
    tomorrow = imip.decision_email(event, person, decision, now=brussels + dt.timedelta(days=1))
    assert tomorrow["Message-ID"] != message["Message-ID"]
    with pytest.raises(NaiveDatetimeError):
        imip.decision_email(event, person, decision, now=dt.datetime(2023, 9, 7))


def test_a_calendar_object_without_dtstamp_is_refused() -> None:
    event, person = examples.webinar(), _registration()
    (obj, _) = ics.invite(event, person, now=NOW)
    broken = attrs.evolve(obj, data=obj.data.replace(b"DTSTAMP:", b"X-STAMP:"))
    with pytest.raises(InvalidValue, match="DTSTAMP"):
        imip.invitation_email(event, person, broken)
