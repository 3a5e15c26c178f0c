"""Invites, cancellations and decisions as e-mail messages (iMIP, RFC 6047), stdlib only.

* :func:`invitation_email` and :func:`cancellation_email` wrap a
  :class:`~ran_events.ics.CalendarObject` as ICALENDAR.md section 6 asks:
  ``multipart/alternative`` with ``text/plain`` first, then
  ``text/calendar; method=<METHOD>; charset=UTF-8`` in base64 (CRLF and folding intact);
  From the organiser, To the one attendee.
* :func:`decision_email` tells a waitlisted or rejected applicant the outcome and its
  reason in plain text, with *no* calendar part: someone not selected never receives a
  calendar object.

Every header value that comes from user data (names, titles) goes through
:mod:`email.headerregistry`, so a display name cannot inject a header. This module knows
nothing of the selection layer's types: a decision is anything with the attributes of the
:class:`Decision` protocol.
"""

from __future__ import annotations

import email.policy
from email.headerregistry import Address
from email.message import EmailMessage
from typing import TYPE_CHECKING, Final, Protocol

from . import tz
from .errors import InvalidValue
from .models import Event, Registration

if TYPE_CHECKING:
    from .ics import Attendee, CalendarObject

__all__ = ["Decision", "cancellation_email", "decision_email", "invitation_email"]

_POLICY: Final = email.policy.SMTP.clone(max_line_length=78)


class Decision(Protocol):
    """What :func:`decision_email` needs of a selection decision (a Protocol).

    Attributes:
        outcome: ``selected``, ``waitlisted`` or ``rejected``.
        registration_id: the registration it is about.
        sentence: the reason, for people (``"waitlisted: position 4"``).
        waitlist_position: the place on the waiting list, or ``None``.
    """

    @property
    def outcome(self) -> str: ...
    @property
    def registration_id(self) -> str: ...
    @property
    def sentence(self) -> str: ...
    @property
    def waitlist_position(self) -> int | None: ...


def _one_line(text: str) -> str:
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def _address(name: str, email_address: str) -> Address:
    local, _, domain = email_address.rpartition("@")
    return Address(display_name=_one_line(name).replace('"', ""), username=local, domain=domain)


def _recipient(who: Registration | Attendee) -> tuple[str, str, str]:
    """The recipient's registration id, name and address."""
    if isinstance(who, Registration):
        return who.id, who.registrant.name, who.email
    return who.registration_id, who.name, who.email


def _message(event: Event, who: Registration | Attendee, subject: str) -> EmailMessage:
    _, name, address = _recipient(who)
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = _one_line(subject)
    message["From"] = _address(event.organiser.name, event.organiser.email)
    message["To"] = _address(name, address)
    return message


def _calendar_email(
    event: Event, who: Registration | Attendee, calendar: CalendarObject, method: str
) -> EmailMessage:
    if calendar.method != method:
        raise InvalidValue("calendar.method", calendar.method, f"a {method} object")
    who_id, name, _ = _recipient(who)
    if calendar.registration_id not in (None, who_id):
        raise InvalidValue(
            "calendar.registration_id", calendar.registration_id, "the recipient's registration"
        )
    session = event.session(calendar.session_id)
    when = tz.format_range(session.start, session.end, event.timezone)
    verb = "Invitation" if method == "REQUEST" else "Cancelled"
    message = _message(event, who, f"{verb}: {event.title}: {session.title}")
    lines = [f"Dear {_one_line(name)},", ""]
    if method == "REQUEST":
        lines += [
            f"you are invited to {event.title}: {session.title}.",
            f"When: {when}",
        ]
        if event.online is not None:
            lines.append(f"Join online ({event.online.platform}): {event.online.url}")
        lines += ["", "The attached invitation adds it to your calendar."]
    else:
        lines += [
            f"{event.title}: {session.title} ({when}) is cancelled for you.",
            "",
            "The attached cancellation removes it from your calendar.",
        ]
    lines += ["", event.organiser.name]
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(
        calendar.data,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "UTF-8"},
    )
    return message


def invitation_email(
    event: Event, registration: Registration | Attendee, calendar: CalendarObject
) -> EmailMessage:
    """Return the invite e-mail of one REQUEST object (RFC 6047).

    Args:
        event: the event.
        registration: the recipient (its registration or :class:`~ran_events.ics.Attendee`).
        calendar: the REQUEST object made for that recipient by :func:`ran_events.ics.invite`.

    Raises:
        InvalidValue: ``calendar`` is not a REQUEST or was made for someone else.
    """
    return _calendar_email(event, registration, calendar, "REQUEST")


def cancellation_email(
    event: Event, registration: Registration | Attendee, calendar: CalendarObject
) -> EmailMessage:
    """Return the e-mail of one CANCEL object for its attendee (RFC 6047).

    Raises:
        InvalidValue: ``calendar`` is not a CANCEL or was made for someone else.
    """
    return _calendar_email(event, registration, calendar, "CANCEL")


def decision_email(
    event: Event, registration: Registration | Attendee, decision: Decision
) -> EmailMessage:
    """Return the plain-text e-mail telling an applicant who was not selected the outcome.

    Waitlisted applicants learn their position, rejected ones the reason; there is no
    calendar part (a selected applicant gets :func:`invitation_email` instead). The
    recipient is a registration or, read from a decisions file, an
    :class:`~ran_events.ics.Attendee`.

    Raises:
        InvalidValue: the decision is ``selected`` (send the invite), has an unknown
            outcome, or is about another registration.
    """
    who_id, name, _ = _recipient(registration)
    if decision.registration_id != who_id:
        raise InvalidValue("decision.registration_id", decision.registration_id, f"{who_id!r}")
    if decision.outcome not in ("waitlisted", "rejected"):
        expected = "waitlisted or rejected (a selected applicant gets invitation_email)"
        raise InvalidValue("decision.outcome", decision.outcome, expected)
    if decision.outcome == "waitlisted":
        subject = f"Waiting list: {event.title}"
        position = decision.waitlist_position
        where = f" at position {position}" if position is not None else ""
        news = (
            f"all places of {event.title} are taken; you are on the waiting list{where}. "
            "We will write again if a place becomes free."
        )
    else:
        subject = f"Your application: {event.title}"
        news = f"we are sorry: your application to {event.title} was not selected."
    message = _message(event, registration, subject)
    body = [
        f"Dear {_one_line(name)},",
        "",
        news,
        "",
        f"Reason: {decision.sentence}",
        "",
        event.organiser.name,
    ]
    message.set_content("\n".join(body) + "\n")
    return message
