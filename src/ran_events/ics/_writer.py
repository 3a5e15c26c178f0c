"""Writing calendar objects: PUBLISH listings, REQUEST invites and updates, CANCEL.

* UIDs ``<event id>+<session id>@<organiser's domain>``, identical in PUBLISH, REQUEST,
  updates and CANCEL; ``SEQUENCE`` is the event's revision (CANCEL: revision + 1).
* One REQUEST per session and attendee, listing only that attendee; no VALARM in CANCEL;
  no ``X-WR-CALNAME`` outside PUBLISH.

The shared parts of an invite (the VTIMEZONE and each session's VEVENT body) are rendered
once per event into an :class:`InviteTemplate`; each attendee then costs one ATTENDEE line.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Final, Literal

import attrs

from ..errors import InvalidValue
from ..models import (
    Event,
    OnlineMeeting,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    normalise_email,
)
from ._lines import (
    _escape,
    _event_line,
    _line,
    _mailto,
    _now,
    _quoted,
    _stamp_line,
    _text_line,
    _utc_value,
    clean_text,
    display_name,
)
from ._vtimezone import _time_line, _zone_block

__all__ = [
    "DEFAULT_REMINDERS",
    "PRODID",
    "Attendee",
    "CalendarObject",
    "InviteFailure",
    "InviteTemplate",
    "Method",
    "Rooms",
    "attendee_line",
    "cancel",
    "cancel_attendee",
    "filename_part",
    "invite",
    "invites_for",
    "publish",
    "room_sessions",
    "session_uid",
]

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
"""The iTIP methods this module writes."""

PRODID: Final = "-//RAN Practitioners//ran_events//EN"
"""The product identifier of every object written (no version: output is byte-stable)."""

DEFAULT_REMINDERS: Final = (_dt.timedelta(minutes=15),)
"""Reminders of invites and listings: one, 15 minutes before the start."""

_KIND_PROPERTY: Final = "X-RAN-SESSION-KIND"
_VENUE_PROPERTY: Final = "X-RAN-VENUE"
_ROOM_PROPERTY: Final = "X-RAN-ROOM"
_VENUE_PARTS: Final = ("name", "address", "city", "country")
_SELECTED: Final = frozenset({RegistrationStatus.SELECTED, RegistrationStatus.CONFIRMED})
_slot_marker: Final = b"\x00ATTENDEE\x00"  # where a template takes its ATTENDEE line


def _trigger(before: _dt.timedelta) -> str:
    seconds = int(before.total_seconds())
    if seconds <= 0:
        raise InvalidValue("reminders", before, "a positive time before the start")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "-P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{secs}S" if secs else ""
    return text + (f"T{clock}" if clock else "")


def session_uid(event: Event, session: Session | str) -> str:
    """Return the UID of a session's calendar objects: ``event+session@organiser-domain``.

    Event and session ids cannot contain ``+`` or ``@``, so the UID names both unambiguously;
    it is the same in every PUBLISH, REQUEST, update and CANCEL of that session.
    """
    session_id = session if isinstance(session, str) else session.id
    return f"{event.id}+{session_id}@{event.organiser.domain}"


# ------------------------------------------------------------------------------------------
# Attendees and results


@attrs.frozen(kw_only=True, repr=False)
class Attendee:
    """The one recipient of an invite: a registration id, a display name and an address.

    Build it from a :class:`~ran_events.models.Registration` with :meth:`of`, or directly
    from a decisions file. The address is normalised (it is the mailbox the invite is
    delivered to, and the ATTENDEE address must be that mailbox).

    Raises:
        InvalidEmail: the address is not valid (checked offline).
        InvalidValue: an empty registration id.
    """

    registration_id: str = attrs.field()
    name: str = attrs.field()
    email: str = attrs.field(converter=normalise_email)

    @registration_id.validator
    def _check_id(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidValue("registration_id", value, "a non-empty id")

    @classmethod
    def of(cls, registration: Registration | Attendee, event: Event | None = None) -> Attendee:
        """Return the attendee of a registration that was selected for ``event``.

        Raises:
            InvalidValue: the registration is for another event, or its status is not
                ``selected`` or ``confirmed`` (someone not selected never gets a calendar).
        """
        if isinstance(registration, Attendee):
            return registration
        if event is not None:
            _check_event(event, registration)
        if registration.status not in _SELECTED:
            raise InvalidValue(
                "status",
                registration.status.value,
                "selected or confirmed: only selected participants receive invites",
            )
        return cls(
            registration_id=registration.id,
            name=registration.registrant.name,
            email=registration.registrant.email,
        )

    def __repr__(self) -> str:
        local, _, domain = self.email.partition("@")
        return (
            f"Attendee(registration_id={self.registration_id!r}, email='{local[:1]}***@{domain}')"
        )


@attrs.frozen(kw_only=True)
class CalendarObject:
    """One iCalendar object for one session: a REQUEST (invite or update) or a CANCEL.

    Attributes:
        method: ``REQUEST`` or ``CANCEL``.
        uid: the session's UID (see :func:`session_uid`).
        session_id: the session it describes.
        sequence: its SEQUENCE.
        registration_id: the one attendee it is for, or ``None`` (a session's CANCEL
            without attendee, for a calendar server).
        data: the octets, exactly as they are to be sent.
    """

    method: Method
    uid: str
    session_id: str
    sequence: int
    registration_id: str | None
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} octets>")

    @property
    def filename(self) -> str:
        """A file name for it: ``<registration>-<session>.ics`` (``cancel-<session>.ics``
        for a session's CANCEL without attendee).

        Unique per registration and session: each part is made safe by :func:`filename_part`
        (the session's without ``-``, so the last ``-`` separates the two parts).
        """
        who = filename_part(self.registration_id or self.method.lower())
        return f"{who}-{filename_part(self.session_id, dash=False)}.ics"


_PLAIN_PART: Final = re.compile(r"[a-z0-9_][a-z0-9._-]{0,63}")
_PLAIN_PART_NO_DASH: Final = re.compile(r"[a-z0-9_][a-z0-9._]{0,63}")
_HASH_MARK: Final = "+"  # never in a plain part: a part with it was changed


def filename_part(text: str, *, dash: bool = True) -> str:
    """``text`` as part of a file name, unique per ``text`` and at most 75 characters.

    A plain text (lower-case letters, digits, ``.``, ``_`` and, if ``dash``, ``-``; not
    starting with a dot; at most 64 characters) is kept. Any other is made safe (``a/b`` ->
    ``a_b``), cut to 64 characters and followed by ``+`` and 10 hexadecimal digits of the
    SHA-256 of the original, so two texts never give one name (``a/b`` and ``a_b`` differ),
    not even on a file system that ignores case (``R1`` and ``r1`` differ).

    >>> filename_part("r-0007"), filename_part("a/b"), filename_part("x-plenary", dash=False)
    ('r-0007', 'a_b+c14cddc033', 'x_plenary+54f5d99dd8')
    """
    plain = _PLAIN_PART if dash else _PLAIN_PART_NO_DASH
    if plain.fullmatch(text):
        return text
    safe = re.sub(r"[^A-Za-z0-9._]", "_", text)[:64]
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{safe}{_HASH_MARK}{digest}"


@attrs.frozen(kw_only=True)
class InviteFailure:
    """A registration :func:`invites_for` could not invite, with the reason."""

    registration_id: str
    reason: str


# ------------------------------------------------------------------------------------------
# Writing


def _summary(event: Event, session: Session) -> str:
    return f"{event.title}: {session.title}"


def _join_line(online: OnlineMeeting) -> str:
    return f"Join online ({online.platform}): {online.url}"


def _hidden_join_line(platform: str) -> str:
    return f"Online ({platform}): {_JOIN_SENT}"


_JOIN_SENT: Final = "the join link comes with each participant's invitation."
_HIDDEN_JOIN: Final = re.compile(r"Online \((?P<platform>[^\n]+)\): " + re.escape(_JOIN_SENT))


def _online_of(event: Event, session: Session) -> OnlineMeeting | None:
    """Where a session is held online: its own meeting (its room's link), else the event's."""
    return session.online if session.online is not None else event.online


def _description(event: Event, session: Session, *, join_link: bool = True) -> str:
    parts = [clean_text(session.description), clean_text(event.description)]
    online = _online_of(event, session)
    if online is not None and not join_link:
        parts.append(_hidden_join_line(online.platform))
    elif online is not None:
        join = _join_line(online)
        if online.access_notes:
            join += "\n" + clean_text(online.access_notes)
        parts.append(join)
    return "\n\n".join(p for p in parts if p)


def _location(event: Event, session: Session, *, join_link: bool = True) -> str | None:
    places = [clean_text(session.room)]
    if event.venue is not None:
        places.append(event.venue.one_line())
    if any(places):
        return ", ".join(p for p in places if p)
    online = _online_of(event, session)
    if online is not None:
        return online.url if join_link else f"Online ({online.platform})"
    return None


def _vevent_head(event: Event, session: Session, sequence: int) -> bytes:
    return _line("UID", _escape(session_uid(event, session))) + _line("SEQUENCE", str(sequence))


def _vevent_body(event: Event, session: Session, status: str, *, join_link: bool = True) -> bytes:
    language = {"LANGUAGE": event.language}
    lines = [
        _time_line("DTSTART", session.start, event.timezone),
        _time_line("DTEND", session.end, event.timezone),
        _event_line("SUMMARY", _escape(_summary(event, session)), language),
    ]
    description = _description(event, session, join_link=join_link)
    if description:
        lines.append(_event_line("DESCRIPTION", _escape(description), language))
    location = _location(event, session, join_link=join_link)
    if location:
        lines.append(_text_line("LOCATION", location))
    if session.room:
        lines.append(_text_line(_ROOM_PROPERTY, session.room))
    if event.venue is not None:
        # LOCATION is one line for people; the parts are kept for reading the event back.
        lines += [
            _text_line(f"{_VENUE_PROPERTY}-{part.upper()}", getattr(event.venue, part))
            for part in _VENUE_PARTS
            if getattr(event.venue, part)
        ]
    online = _online_of(event, session)
    if online is not None and join_link:
        url = online.url
        lines.append(_event_line("URL", url, {"VALUE": "URI"}))
        conference: dict[str, str | list[str]] = {
            "VALUE": "URI",
            "FEATURE": ["AUDIO", "VIDEO"],
            "LABEL": online.platform,
        }
        lines.append(_event_line("CONFERENCE", url, conference))
    organiser = event.organiser
    lines.append(_event_line("ORGANIZER", _mailto(organiser.email), {"CN": organiser.name}))
    lines.append(_slot_marker)
    lines += [
        _line("STATUS", status),
        _line("TRANSP", "OPAQUE"),
        _line(_KIND_PROPERTY, session.kind.value),
    ]
    return b"".join(lines)


def _alarms(event: Event, session: Session, reminders: Sequence[_dt.timedelta]) -> bytes:
    lines: list[bytes] = []
    for before in reminders:
        lines += [
            _line("BEGIN", "VALARM"),
            _line("ACTION", "DISPLAY"),
            _line("TRIGGER", _trigger(before)),
            _text_line("DESCRIPTION", _summary(event, session)),
            _line("END", "VALARM"),
        ]
    return b"".join(lines)


def _calendar_head(method: Method) -> bytes:
    return (
        _line("BEGIN", "VCALENDAR")
        + _line("VERSION", "2.0")
        + _line("PRODID", _escape(PRODID))
        + _line("CALSCALE", "GREGORIAN")
        + _line("METHOD", method)
    )


def attendee_line(attendee: Attendee, *, method: Method = "REQUEST") -> bytes:
    """Return the ATTENDEE content line of one recipient (folded, CRLF-terminated)."""
    params: list[tuple[str, str]] = [("CUTYPE", "INDIVIDUAL"), ("ROLE", "REQ-PARTICIPANT")]
    if method == "REQUEST":
        params += [("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "TRUE")]
    name = display_name(attendee.name)
    if name:
        params.append(("CN", _quoted(name)))
    return _line("ATTENDEE", _mailto(attendee.email), *params)


def publish(
    event: Event,
    *,
    now: _dt.datetime | None = None,
    reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
    join_link: bool = False,
) -> bytes:
    """Return the PUBLISH calendar of an event: its listing, one VEVENT per session.

    ORGANIZER and no ATTENDEE; the calendar's ``NAME``/``X-WR-CALNAME`` is the event title,
    ``X-WR-TIMEZONE`` its zone, ``DESCRIPTION`` its description. A cancelled session is
    listed with ``STATUS:CANCELLED`` (and no reminder). :func:`from_ics` reads it back.

    The listing goes to everyone, selected or not, so by default it names the online
    platform (``LOCATION:Online (WebEx)`` and a line in DESCRIPTION saying the link comes
    with each invitation) but carries neither the join URL nor the access notes; only the
    per-attendee invites do. ``join_link=True`` puts them in (CONFERENCE, URL, LOCATION,
    DESCRIPTION, as in an invite), e.g. for an open event -- but never for a parallel
    session (:attr:`~ran_events.models.Event.parallel_sessions`: a small group's or a
    workshop's room), whose link only its own participants get. A session's ``room`` is
    shown in LOCATION.

    Args:
        event: the event.
        now: the DTSTAMP (aware); ``None`` means the current UTC time at the call.
        reminders: how long before each session a VALARM reminds (default 15 minutes).
        join_link: carry the join URL and access notes (default: name the platform only).

    Returns:
        The octets of the calendar.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        InvalidValue: a reminder that is not a positive duration, or ``now`` outside the
            years 1970 to 2100 (:func:`~ran_events.models.check_instant`).
    """
    stamp = _line("DTSTAMP", _utc_value(_now(now)))
    parts = [
        _calendar_head("PUBLISH"),
        _text_line("NAME", event.title),
        _text_line("X-WR-CALNAME", event.title),
        _text_line("X-WR-TIMEZONE", event.timezone),
    ]
    if event.description:
        parts.append(_text_line("DESCRIPTION", event.description))
    parts.append(_zone_block(event))
    parallel = event.parallel_sessions
    for session in event.sessions:
        cancelled = session.status is SessionStatus.CANCELLED
        status = "CANCELLED" if cancelled else "CONFIRMED"
        link = join_link and session.id not in parallel  # a room's link is for its members
        body = _vevent_body(event, session, status, join_link=link)
        body = body.replace(_slot_marker, b"")
        parts += [
            _line("BEGIN", "VEVENT"),
            _vevent_head(event, session, event.revision),
            stamp,
            body,
            b"" if cancelled else _alarms(event, session, reminders),
            _line("END", "VEVENT"),
        ]
    parts.append(_line("END", "VCALENDAR"))
    return b"".join(parts)


@attrs.frozen(kw_only=True)
class _SessionTemplate:
    session_id: str
    uid: str
    before_stamp: bytes
    before_attendee: bytes
    after_attendee: bytes


@attrs.frozen(kw_only=True)
class InviteTemplate:
    """The shared parts of one event's invites or cancellations, rendered once.

    Build it with :meth:`build`; :meth:`render` then adds one attendee (and the DTSTAMP)
    to each session's pre-rendered object, which is what makes :func:`invites_for` cheap.
    """

    method: Method
    sequence: int
    sessions: tuple[_SessionTemplate, ...]

    @classmethod
    def build(
        cls,
        event: Event,
        *,
        method: Method = "REQUEST",
        sessions: Iterable[str] | None = None,
        reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
    ) -> InviteTemplate:
        """Render the shared parts for ``sessions`` (default: see :func:`invite`/:func:`cancel`).

        Raises:
            KeyError: a session id the event does not have.
            InvalidValue: a REQUEST for a cancelled session, a CANCEL without any session
                to cancel, or a reminder that is not a positive duration.
        """
        chosen = _choose_sessions(event, method, sessions)
        sequence = event.revision + (1 if method == "CANCEL" else 0)
        zone = _zone_block(event)
        head = _calendar_head(method) + zone + _line("BEGIN", "VEVENT")
        status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
        rendered: list[_SessionTemplate] = []
        for session in chosen:
            body = _vevent_body(event, session, status)
            before, after = body.split(_slot_marker)
            alarms = b"" if method == "CANCEL" else _alarms(event, session, reminders)
            rendered.append(
                _SessionTemplate(
                    session_id=session.id,
                    uid=session_uid(event, session),
                    before_stamp=head + _vevent_head(event, session, sequence),
                    before_attendee=before,
                    after_attendee=after
                    + alarms
                    + _line("END", "VEVENT")
                    + _line("END", "VCALENDAR"),
                )
            )
        return cls(method=method, sequence=sequence, sessions=tuple(rendered))

    def render(
        self, attendee: Attendee | None, *, now: _dt.datetime | None = None
    ) -> list[CalendarObject]:
        """Return one object per session for ``attendee`` (``None``: a CANCEL without one)."""
        return self._render(attendee, _stamp_line(now))

    def _render(self, attendee: Attendee | None, stamp: bytes) -> list[CalendarObject]:
        if attendee is None and self.method == "REQUEST":
            raise InvalidValue("attendee", None, "an attendee: a REQUEST names its recipient")
        who = b"" if attendee is None else attendee_line(attendee, method=self.method)
        return [
            CalendarObject(
                method=self.method,
                uid=part.uid,
                session_id=part.session_id,
                sequence=self.sequence,
                registration_id=None if attendee is None else attendee.registration_id,
                data=part.before_stamp + stamp + part.before_attendee + who + part.after_attendee,
            )
            for part in self.sessions
        ]


class _Revision:
    """An event as a cache key, by identity: one object is one revision of the event.

    Events are frozen (and so is everything they hold), so any change -- ``Event.revise``,
    ``reschedule``, ``cancel_session``, ``attrs.evolve`` -- makes a new object, which is a
    new key; two equal events are two keys, which costs a render, never a stale template.
    """

    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event

    def __hash__(self) -> int:
        return id(self.event)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Revision) and other.event is self.event


_TEMPLATES_KEPT: Final = 32
"""How many templates the cache keeps (each keeps its event alive until it is dropped)."""


@lru_cache(maxsize=_TEMPLATES_KEPT)
def _cached_template(
    revision: _Revision,
    method: Method,
    sessions: tuple[str, ...] | None,
    reminders: tuple[_dt.timedelta, ...],
) -> InviteTemplate:
    return InviteTemplate.build(
        revision.event, method=method, sessions=sessions, reminders=reminders
    )


def _template(
    event: Event,
    method: Method,
    sessions: Iterable[str] | None,
    reminders: Sequence[_dt.timedelta],
) -> InviteTemplate:
    """The event's template for these arguments, rendered once per event revision.

    A service sending invites one at a time then pays about the bulk price per invite. The
    last :data:`_TEMPLATES_KEPT` templates are kept (least recently used first out);
    ``functools.lru_cache`` is safe to call from several threads (two threads asking for a
    new template at once may both render it, and get equal ones).
    """
    chosen = None if sessions is None else tuple(sessions)
    return _cached_template(_Revision(event), method, chosen, tuple(reminders))


def _choose_sessions(
    event: Event, method: Method, sessions: Iterable[str] | None
) -> list[Session]:
    if sessions is not None:
        chosen = [event.session(s) for s in sessions]
        if method == "REQUEST":
            for session in chosen:
                if session.status is SessionStatus.CANCELLED:
                    raise InvalidValue(
                        "sessions",
                        session.id,
                        "a confirmed session (send cancel() for a cancelled one)",
                    )
        return chosen
    if method == "REQUEST":
        return [s for s in event.sessions if s.status is SessionStatus.CONFIRMED]
    return list(event.sessions)


Rooms = Mapping[str, Collection[str]]
"""Who attends which parallel sessions: registration id -> the ids of their own sessions
(their small group's room, their workshop in each choice slot)."""


def room_sessions(
    event: Event, registration_id: str, rooms: Rooms, *, method: Method = "REQUEST"
) -> list[str]:
    """The sessions of one participant given ``rooms``, in the event's order.

    Every session that is not parallel (:attr:`~ran_events.models.Event.parallel_sessions`:
    plenaries, a single breakout) plus the parallel sessions ``rooms`` gives the
    participant; someone ``rooms`` does not name gets only the sessions everyone attends. A
    REQUEST leaves out the cancelled sessions that are not parallel.

    Raises:
        KeyError: ``rooms`` gives the participant a session the event does not have.
    """
    own = rooms.get(registration_id, ())
    for session_id in own:
        event.session(session_id)
    parallel = event.parallel_sessions
    return [
        s.id
        for s in event.sessions
        if s.id in own
        or (s.id not in parallel and (method != "REQUEST" or s.status is SessionStatus.CONFIRMED))
    ]


def invite(
    event: Event,
    registration: Registration | Attendee,
    *,
    sessions: Iterable[str] | None = None,
    rooms: Rooms | None = None,
    now: _dt.datetime | None = None,
    reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
) -> list[CalendarObject]:
    """Return the REQUEST objects of one attendee: one per session, naming only them.

    Each carries ORGANIZER, the attendee with ``RSVP=TRUE;PARTSTAT=NEEDS-ACTION``, the join
    link in CONFERENCE, URL, LOCATION and DESCRIPTION, the reminders, ``STATUS:CONFIRMED``,
    ``TRANSP:OPAQUE`` and ``SEQUENCE`` = the event's revision: re-issuing after a change
    (:meth:`~ran_events.models.Event.revise`) is the update, with the same UID. A session
    with a place of its own (its ``online`` meeting, its ``room``) is sent with that place
    instead of the event's.

    Small groups and workshops: pass ``rooms`` (registration id -> the ids of the person's
    own parallel sessions, e.g. from :func:`ran_events.groups.assign_workshops` or a groups
    CSV) and the attendee gets the sessions everyone attends plus only their own room's
    (:func:`room_sessions`), each with its own link. Without ``rooms`` or ``sessions``,
    every confirmed session is sent: with parallel breakouts (three rooms at 15:30) that is
    three overlapping invites, each with another room's link -- so pass ``rooms`` when the
    event has :attr:`~ran_events.models.Event.parallel_sessions`.

    Args:
        event: the event.
        registration: a selected or confirmed registration, or an :class:`Attendee`.
        sessions: session ids (default: every confirmed session, or as ``rooms`` says).
        rooms: each participant's parallel sessions (ignored when ``sessions`` is given).
        now: the DTSTAMP (aware); ``None`` means the current UTC time at the call.
        reminders: how long before each session a VALARM reminds (default 15 minutes).

    Raises:
        InvalidValue: the registration is not selected or is for another event, a cancelled
            session was asked for, a reminder is not positive, or ``now`` is outside the
            years 1970 to 2100.
        KeyError: an unknown session id.
    """
    attendee = Attendee.of(registration, event)
    if sessions is None and rooms is not None:
        sessions = room_sessions(event, attendee.registration_id, rooms)
    return _template(event, "REQUEST", sessions, reminders).render(attendee, now=now)


def cancel(
    event: Event,
    registration: Registration | Attendee | None = None,
    *,
    sessions: Iterable[str] | None = None,
    now: _dt.datetime | None = None,
) -> list[CalendarObject]:
    """Return CANCEL objects: for a withdrawn attendee, or for cancelled sessions.

    Same UIDs as the invites, ``SEQUENCE`` = revision + 1 (above every REQUEST sent at this
    revision), ``STATUS:CANCELLED``, no VALARM.

    Args:
        event: the event.
        registration: the attendee whose invites are withdrawn (any status: withdrawing is
            what a CANCEL is for), or ``None`` for sessions cancelled for everyone.
        sessions: session ids; default: every session for an attendee, the cancelled
            sessions when ``registration`` is ``None``.
        now: the DTSTAMP (aware); ``None`` means the current UTC time at the call.

    Raises:
        InvalidValue: no session to cancel, a registration for another event, or ``now``
            outside the years 1970 to 2100.
        KeyError: an unknown session id.
    """
    attendee = (
        cancel_attendee(event, registration)
        if isinstance(registration, Registration)
        else registration
    )
    if sessions is None and attendee is None:
        sessions = [s.id for s in event.sessions if s.status is SessionStatus.CANCELLED]
        if not sessions:
            raise InvalidValue("sessions", (), "a cancelled session (none is cancelled)")
    return _template(event, "CANCEL", sessions, DEFAULT_REMINDERS).render(attendee, now=now)


def invites_for(
    event: Event,
    registrations: Iterable[Registration | Attendee],
    *,
    sessions: Iterable[str] | None = None,
    now: _dt.datetime | None = None,
    reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
    method: Literal["REQUEST", "CANCEL"] = "REQUEST",
    rooms: Rooms | None = None,
) -> Iterator[CalendarObject | InviteFailure]:
    """Stream the invites (or cancellations) of many attendees, sharing the work.

    The VTIMEZONE and every session's VEVENT are rendered once; each attendee then costs an
    ATTENDEE line. One bad registration never stops the batch: it is yielded as an
    :class:`InviteFailure` with its id and reason, in input order. A second registration
    with an id or address already seen is a failure too (no one is invited twice).

    Args:
        event: the event.
        registrations: the selected registrations (or :class:`Attendee` records).
        sessions: session ids (default: as :func:`invite` / :func:`cancel`).
        now: one DTSTAMP for the whole batch; ``None``: the current UTC time at the call.
        reminders: the VALARM reminders of REQUESTs.
        method: ``REQUEST`` (invites and updates) or ``CANCEL`` (withdrawals).
        rooms: each participant's parallel sessions, as in :func:`invite` (ignored when
            ``sessions`` is given); one template is rendered per distinct set of sessions,
            and a participant given an unknown or cancelled session is a failure.

    Yields:
        :class:`CalendarObject` per attendee and session, or :class:`InviteFailure`.

    Raises:
        KeyError, InvalidValue: the event-wide arguments are wrong, ``now`` included (nothing
            is yielded).
    """
    # Rendered for this batch, not kept: a batch shares it already, and a big event's
    # template should not outlive the batch.
    template = InviteTemplate.build(event, method=method, sessions=sessions, reminders=reminders)
    stamp = _now(now)
    if sessions is not None or rooms is None:
        return _stream(event, template, registrations, stamp)
    built: dict[tuple[str, ...], InviteTemplate] = {}

    def template_of(registration_id: str) -> InviteTemplate:
        chosen = tuple(room_sessions(event, registration_id, rooms, method=method))
        if chosen not in built:
            built[chosen] = InviteTemplate.build(
                event, method=method, sessions=chosen, reminders=reminders
            )
        return built[chosen]

    return _stream(event, template, registrations, stamp, template_of)


def _stream(
    event: Event,
    template: InviteTemplate,
    registrations: Iterable[Registration | Attendee],
    stamp: _dt.datetime,
    template_of: Callable[[str], InviteTemplate] | None = None,
) -> Iterator[CalendarObject | InviteFailure]:
    stamp_line = _line("DTSTAMP", _utc_value(stamp))
    seen_ids: set[str] = set()
    seen_addresses: dict[str, str] = {}
    for registration in registrations:
        rid = getattr(registration, "registration_id", None) or getattr(registration, "id", "?")
        try:
            if template.method == "CANCEL" and isinstance(registration, Registration):
                attendee = cancel_attendee(event, registration)
            else:
                attendee = Attendee.of(registration, event)
            if attendee.registration_id in seen_ids:
                raise InvalidValue("registration_id", rid, "each registration once")
            if attendee.email in seen_addresses:
                raise InvalidValue(
                    "email",
                    attendee.email,
                    f"one invite per address (already {seen_addresses[attendee.email]})",
                )
            own = template if template_of is None else template_of(attendee.registration_id)
        except (InvalidValue, AttributeError, TypeError) as exc:
            yield InviteFailure(registration_id=str(rid), reason=str(exc))
            continue
        except KeyError as exc:  # rooms naming a session the event does not have
            yield InviteFailure(registration_id=str(rid), reason=str(exc.args[0]))
            continue
        seen_ids.add(attendee.registration_id)
        seen_addresses[attendee.email] = attendee.registration_id
        yield from own._render(attendee, stamp_line)


def cancel_attendee(event: Event, registration: Registration) -> Attendee:
    """Return the attendee to cancel for a registration of ``event`` (any status)."""
    _check_event(event, registration)
    return Attendee(
        registration_id=registration.id,
        name=registration.registrant.name,
        email=registration.registrant.email,
    )


def _check_event(event: Event, registration: Registration) -> None:
    if registration.event_id != event.id:
        raise InvalidValue(
            "event_id", registration.event_id, f"a registration for event {event.id!r}"
        )
