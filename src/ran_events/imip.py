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

Every message can be delivered by any mail server, as plain 7-bit SMTP (no SMTPUTF8):

* addresses are written with the domain in its ASCII (IDNA) form
  (``ann@xn--bcher-kva.example``); a non-ASCII local part never gets here, because
  :func:`ran_events.normalise_email` refuses it at intake;
* display names and subjects lose control characters (NUL, ESC, DEL, backspace...) and
  line breaks, and non-ASCII text is written as RFC 2047 encoded words;
* ``Date`` is the injected clock (``now=``; for an invite or cancellation the object's
  DTSTAMP by default), never the machine's clock;
* ``Message-ID`` is a stable function of what the message says (the session's UID, the
  METHOD, SEQUENCE, DTSTAMP and the recipient; or the event, decision, recipient and date)
  at the organiser's domain in ASCII form, so sending the same object twice gives the same
  id and a delivery log can key on it.
"""

from __future__ import annotations

import datetime as _dt
import email.policy
import hashlib
import re
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Final, Protocol

from . import tz
from ._email import ascii_address
from .errors import InvalidValue
from .ics import Attendee, CalendarObject
from .models import Event, Registration

__all__ = [
    "Decision",
    "cancellation_email",
    "decision_email",
    "invitation_email",
    "offer_email",
]

_POLICY: Final = email.policy.SMTP.clone(max_line_length=78)
_DTSTAMP: Final = re.compile(rb"\r\nDTSTAMP:(\d{8}T\d{6})Z\r\n")


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
    """User text as one header-safe line: white space (line breaks, tabs, separators) as one
    space; control characters (NUL, ESC, DEL, backspace, C1), surrogates and unassigned code
    points dropped."""
    kept = (c for c in text if unicodedata.category(c) not in ("Cc", "Cs", "Cn") or c.isspace())
    return " ".join("".join(kept).split())


def _address(name: str, email_address: str) -> Address:
    local, _, domain = ascii_address(email_address).rpartition("@")
    display_name = _one_line(name).replace('"', "").replace("\\", "")
    return Address(display_name=display_name, username=local, domain=domain)


def _message_id(event: Event, *parts: object) -> str:
    """A Message-ID that is a function of ``parts``, at the organiser's domain (ASCII)."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()[:32]
    domain = ascii_address(event.organiser.email).rpartition("@")[2]
    return f"<{digest}@{domain}>"


def _recipient(who: Registration | Attendee) -> tuple[str, str, str]:
    """The recipient's registration id, name and address."""
    if isinstance(who, Registration):
        return who.id, who.registrant.name, who.email
    return who.registration_id, who.name, who.email


def _message(
    event: Event, who: Registration | Attendee, subject: str, date: _dt.datetime, message_id: str
) -> EmailMessage:
    _, name, address = _recipient(who)
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = _one_line(subject)
    message["From"] = _address(event.organiser.name, event.organiser.email)
    message["To"] = _address(name, address)
    message["Date"] = tz.to_utc(date).replace(microsecond=0)
    message["Message-ID"] = message_id
    return message


def _stamp(calendar: CalendarObject) -> _dt.datetime:
    """The DTSTAMP of a calendar object (the instant :mod:`ran_events.ics` was given)."""
    found = _DTSTAMP.search(calendar.data)
    if found is None:
        raise InvalidValue("calendar.data", calendar, "an iCalendar object with a UTC DTSTAMP")
    return _dt.datetime.strptime(found.group(1).decode() + "+0000", "%Y%m%dT%H%M%S%z")


def _calendar_email(
    event: Event,
    who: Registration | Attendee,
    calendar: CalendarObject,
    method: str,
    now: _dt.datetime | None,
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
    stamp = _stamp(calendar)
    message_id = _message_id(event, calendar.uid, method, calendar.sequence, who_id, stamp)
    subject = f"{verb}: {event.title}: {session.title}"
    message = _message(event, who, subject, stamp if now is None else now, message_id)
    lines = [f"Dear {_one_line(name)},", ""]
    if method == "REQUEST":
        lines += [
            f"you are invited to {event.title}: {session.title}.",
            f"When: {when}",
        ]
        online = session.online if session.online is not None else event.online
        if session.room:  # (its room, or its own link: a breakout's, not the plenary's)
            lines.append(f"Room: {_one_line(session.room)}")
        if online is not None:
            lines.append(f"Join online ({online.platform}): {online.url}")
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
    event: Event,
    registration: Registration | Attendee,
    calendar: CalendarObject,
    *,
    now: _dt.datetime | None = None,
) -> EmailMessage:
    """Return the invite e-mail of one REQUEST object (RFC 6047).

    The message is plain 7-bit SMTP (no SMTPUTF8 needed); its ``Message-ID`` is the same
    every time the same object is wrapped for the same recipient.

    Args:
        event: the event.
        registration: the recipient (its registration or :class:`~ran_events.ics.Attendee`).
        calendar: the REQUEST object made for that recipient by :func:`ran_events.ics.invite`.
        now: the ``Date`` of the message (aware); default: the object's DTSTAMP.

    Raises:
        InvalidValue: ``calendar`` is not a REQUEST, was made for someone else, or has no
            DTSTAMP.
        NaiveDatetimeError: ``now`` has no time zone.
    """
    return _calendar_email(event, registration, calendar, "REQUEST", now)


def cancellation_email(
    event: Event,
    registration: Registration | Attendee,
    calendar: CalendarObject,
    *,
    now: _dt.datetime | None = None,
) -> EmailMessage:
    """Return the e-mail of one CANCEL object for its attendee (RFC 6047).

    ``now`` is the ``Date`` (default: the object's DTSTAMP), as in :func:`invitation_email`.

    Raises:
        InvalidValue: ``calendar`` is not a CANCEL, was made for someone else, or has no
            DTSTAMP.
        NaiveDatetimeError: ``now`` has no time zone.
    """
    return _calendar_email(event, registration, calendar, "CANCEL", now)


def decision_email(
    event: Event, registration: Registration | Attendee, decision: Decision, *, now: _dt.datetime
) -> EmailMessage:
    """Return the plain-text e-mail telling an applicant who was not selected the outcome.

    Waitlisted applicants learn their position, rejected ones the reason; there is no
    calendar part (a selected applicant gets :func:`invitation_email` instead). The
    recipient is a registration or, read from a decisions file, an
    :class:`~ran_events.ics.Attendee`. ``now`` (aware) is the ``Date`` of the message; the
    ``Message-ID`` is a function of the event, the recipient, the decision and ``now``.

    Raises:
        InvalidValue: the decision is ``selected`` (send the invite), has an unknown
            outcome, or is about another registration.
        NaiveDatetimeError: ``now`` has no time zone.
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
    date = tz.to_utc(now).replace(microsecond=0)
    message_id = _message_id(
        event,
        event.id,
        who_id,
        decision.outcome,
        decision.waitlist_position,
        decision.sentence,
        date,
    )
    message = _message(event, registration, subject, date, message_id)
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


def offer_email(
    event: Event,
    registration: Registration,
    *,
    deadline: _dt.datetime,
    now: _dt.datetime,
) -> EmailMessage:
    """Return the plain-text e-mail offering a freed place to someone from the waiting list.

    It says until when the place can be accepted (``deadline``, in the event's zone) and how:
    by accepting the invitations that come with it (one per session); after the deadline the
    place goes to the next person waiting. ``now`` (aware) is the ``Date``; the
    ``Message-ID`` is a function of the event, the recipient, the deadline and ``now``.

    Raises:
        NaiveDatetimeError: ``now`` or ``deadline`` has no time zone.
    """
    tz.check_aware(deadline, "deadline")
    date = tz.to_utc(now).replace(microsecond=0)
    until = tz.format_instant(deadline, event.timezone)
    message_id = _message_id(event, event.id, registration.id, "offer", deadline, date)
    message = _message(event, registration, f"A place for you: {event.title}", date, message_id)
    body = [
        f"Dear {_one_line(registration.registrant.name)},",
        "",
        (
            f"a place in {event.title} has become free and we offer it to you, next on the "
            "waiting list."
        ),
        "",
        (
            f"Please accept by {until}: accept the invitation that comes with this message "
            f"(one per session). After that the place goes to the next person waiting."
        ),
        "",
        "If you cannot come, decline the invitation so that someone else can take the place.",
        "",
        event.organiser.name,
    ]
    message.set_content("\n".join(body) + "\n")
    return message
