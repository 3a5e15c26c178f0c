"""Calendar objects for events: PUBLISH listings, REQUEST invites, updates and CANCEL.

This is the only module of :mod:`ran_events` that imports :mod:`icalendar`, and only to read
calendars back (:func:`from_ics`). Objects are *written* by a small, exact writer of this
module so that every rule of ICALENDAR.md holds for every octet and the output is byte-stable:

* CRLF line ends, lines of at most 75 octets, folds that never split a UTF-8 sequence or a
  backslash escape; TEXT escaping of ``\\ ; , newline`` and nothing else; user text is data,
  never structure (line breaks are escaped, parameter values are sanitised and quoted).
* The compact VTIMEZONE: one observance per rule period with ``RRULE:FREQ=YEARLY``, derived
  from the tz database for the years the calendar spans (:func:`vtimezone`).
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
from calendar import monthrange
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Final, Literal

import attrs
import icalendar

from .. import tz
from .._email import ascii_address
from ..errors import IcsError, InvalidValue, RanEventsError, UnknownTimeZone
from ..models import (
    Event,
    OnlineMeeting,
    Organiser,
    Registration,
    RegistrationStatus,
    RegistrationWindow,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
    check_instant,
    normalize_email,
)

__all__ = [
    "DEFAULT_REMINDERS",
    "PRODID",
    "Attendee",
    "CalendarObject",
    "InviteFailure",
    "InviteTemplate",
    "Method",
    "as_resource",
    "as_resources",
    "cancel",
    "filename_part",
    "from_ics",
    "invite",
    "invites_for",
    "publish",
    "session_uid",
    "vtimezone",
]

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
"""The iTIP methods this module writes."""

PRODID: Final = "-//RAN Practitioners//ran_events//EN"
"""The product identifier of every object written (no version: output is byte-stable)."""

DEFAULT_REMINDERS: Final = (_dt.timedelta(minutes=15),)
"""Reminders of invites and listings: one, 15 minutes before the start."""

_CRLF: Final = b"\r\n"
_MAX_OCTETS: Final = 75
_UTC_NAMES: Final = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}
)
_KIND_PROPERTY: Final = "X-RAN-SESSION-KIND"
_PYTZ_TABLES_END: Final = _dt.datetime(2038, 1, 1, tzinfo=_dt.UTC)
_VENUE_PROPERTY: Final = "X-RAN-VENUE"
_VENUE_PARTS: Final = ("name", "address", "city", "country")
_SELECTED: Final = frozenset({RegistrationStatus.SELECTED, RegistrationStatus.CONFIRMED})
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ESCAPED: Final = re.compile(r"\\(.)", re.DOTALL)
_slot_marker: Final = b"\x00ATTENDEE\x00"  # where a template takes its ATTENDEE line


# ------------------------------------------------------------------------------------------
# Values and lines


def clean_text(value: str) -> str:
    """Return user text as iCalendar can carry it: line breaks as LF, no control characters.

    CRLF and CR become LF (TEXT has one line break, ``\\n``); the other control characters,
    which RFC 5545 excludes from TEXT, are dropped. Everything else (emoji, right-to-left
    text, ``;``, ``,``, ``"``, ``\\``) is kept and escaped where it is written.
    """
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def display_name(value: str) -> str:
    """Return a name as a ``CN`` parameter can carry it (ICALENDAR.md rule 3).

    Line breaks become spaces; double quotes, backslashes (which some readers take for
    escapes in parameters) and control characters are dropped; runs of spaces are collapsed.
    What is left is written quoted, with ``^`` as ``^^`` (RFC 6868).
    """
    text = clean_text(value).replace("\n", " ").replace("\t", " ")
    text = text.replace('"', "").replace("\\", "")
    return " ".join(text.split(" ")).strip()


def _escape(value: str) -> str:
    return (
        clean_text(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _param(value: str) -> str:
    text = display_name(value).replace("^", "^^")
    if text and re.fullmatch(r"[A-Za-z0-9._\-/+]+", text):
        return text
    return f'"{text}"'


def _fold(line: str) -> bytes:
    """Encode one content line and fold it at 75 octets.

    A fold never splits a UTF-8 sequence (it never lands before a continuation octet) nor a
    backslash escape (it never lands after an odd run of backslashes).
    """
    raw = line.encode("utf-8")
    if len(raw) <= _MAX_OCTETS:
        return raw + _CRLF
    chunks: list[bytes] = []
    position = 0
    limit = _MAX_OCTETS
    while len(raw) - position > limit:
        cut = position + limit
        while raw[cut] & 0xC0 == 0x80:
            cut -= 1
        run = 0
        while raw[cut - 1 - run] == 0x5C:  # backslash
            run += 1
        if run % 2:
            cut -= 1
        chunks.append(raw[position:cut])
        position = cut
        limit = _MAX_OCTETS - 1
    chunks.append(raw[position:])
    return b"\r\n ".join(chunks) + _CRLF


def _line(name: str, value: str, *params: tuple[str, str]) -> bytes:
    head = name + "".join(f";{k}={v}" for k, v in params)
    return _fold(f"{head}:{value}")


def _text_line(name: str, value: str, *params: tuple[str, str]) -> bytes:
    return _line(name, _escape(value), *params)


def _utc_value(instant: _dt.datetime) -> str:
    return tz.to_utc(instant).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: _dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


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


def _mailto(address: str) -> str:
    """A ``mailto:`` URI; an IDN domain in its ASCII form, as a URI must be (RFC 6068)."""
    return f"mailto:{address if address.isascii() else ascii_address(address)}"


def _now(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        now = _dt.datetime.now(_dt.UTC)
    return tz.to_utc(check_instant(now, "now")).replace(microsecond=0)


def session_uid(event: Event, session: Session | str) -> str:
    """Return the UID of a session's calendar objects: ``event+session@organiser-domain``.

    Event and session ids cannot contain ``+`` or ``@``, so the UID names both unambiguously;
    it is the same in every PUBLISH, REQUEST, update and CANCEL of that session.
    """
    session_id = session if isinstance(session, str) else session.id
    return f"{event.id}+{session_id}@{event.organiser.domain}"


# ------------------------------------------------------------------------------------------
# VTIMEZONE


@attrs.frozen
class _Onset:
    key: tuple[Any, ...]
    local: _dt.datetime
    at: _dt.datetime


def _yearly_rule(dates: Sequence[_dt.datetime]) -> str | None:
    """The BY* part of a yearly rule that yields exactly these onsets, or ``None``."""
    weekdays = {d.weekday() for d in dates}
    days = [d.day for d in dates]
    month = f"BYMONTH={dates[0].month}"
    if len(weekdays) == 1:
        weekday = _WEEKDAYS[dates[0].weekday()]
        if all(d.day + 7 > monthrange(d.year, d.month)[1] for d in dates):
            return f"{month};BYDAY=-1{weekday}"
        nths = {(day - 1) // 7 + 1 for day in days}
        if len(nths) == 1:
            return f"{month};BYDAY={nths.pop()}{weekday}"
        first = min(days)
        if max(days) - first <= 6:
            window = ",".join(str(first + k) for k in range(7))
            return f"{month};BYMONTHDAY={window};BYDAY={weekday}"
    if len(set(days)) == 1:
        return f"{month};BYMONTHDAY={days[0]}"
    return None


@lru_cache(maxsize=256)
def vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    """Return the compact VTIMEZONE of ``zone`` for the years ``first_year..last_year``.

    Each run of yearly changes that follow one rule becomes one observance with
    ``RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`` (``UNTIL`` when the rule ends inside the
    span); a change that follows no yearly rule is an observance of its own. The onset is
    the local time before the change (RFC 5545). The change in force when the span begins is
    included, so every instant of the span is covered; a zone that does not change in the
    span gets one STANDARD observance.

    Args:
        zone: an IANA zone name (not a UTC alias: UTC times are written with ``Z``).
        first_year: the first calendar year the object covers.
        last_year: the last calendar year it covers.

    Returns:
        The octets of the block, ``BEGIN:VTIMEZONE`` to ``END:VTIMEZONE``, CRLF-terminated.

    Raises:
        UnknownTimeZone: ``zone`` is not in the tz database.
    """
    name = tz.zone_name(zone)
    start = tz.localize(_dt.datetime(first_year, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    end = tz.localize(_dt.datetime(last_year + 1, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    # One year past the span too: a rule still in force after the span gets its RRULE even
    # when it has a single onset inside the span (a calendar of one summer).
    after = tz.localize(_dt.datetime(last_year + 2, 1, 1), name, disambiguate="compatible")  # noqa: DTZ001 - wall time, localised here
    changes = tz.transitions(name, start, after)
    inside = [c for c in changes if tz.to_utc(start) <= c.at < tz.to_utc(end)]
    lines = [_line("BEGIN", "VTIMEZONE"), _text_line("TZID", name)]
    if not inside:
        wall = tz.to_zone(start, name)
        offset = wall.utcoffset()
        assert offset is not None
        lines += [
            _line("BEGIN", "STANDARD"),
            _line("DTSTART", "19700101T000000"),
            _line("TZOFFSETFROM", _offset(offset)),
            _line("TZOFFSETTO", _offset(offset)),
            _text_line("TZNAME", wall.tzname() or name),
            _line("END", "STANDARD"),
        ]
    else:
        lines += _observances(changes, last_year, tz.to_utc(end))
    lines.append(_line("END", "VTIMEZONE"))
    return b"".join(lines)


def _observances(
    changes: Sequence[tz.Transition], last_year: int, span_end: _dt.datetime
) -> list[bytes]:
    groups: list[list[_Onset]] = []
    for change in changes:
        local = (change.at + change.offset_before).replace(tzinfo=None)
        key = (change.is_dst, change.offset_before, change.offset_after, change.abbreviation)
        onset = _Onset(key=(*key, local.month, local.time()), local=local, at=change.at)
        for group in groups:
            tail = group[-1]
            if (
                tail.key == onset.key
                and tail.local.year == local.year - 1
                and _yearly_rule([o.local for o in (*group, onset)]) is not None
            ):
                group.append(onset)
                break
        else:
            groups.append([onset])
    lines: list[bytes] = []
    for group in sorted(groups, key=lambda g: g[0].local):
        if group[0].at >= span_end:
            continue  # a rule that only begins after the span
        first = group[0]
        is_dst, before, after, abbreviation = first.key[:4]
        kind = "DAYLIGHT" if is_dst else "STANDARD"
        lines += [
            _line("BEGIN", kind),
            _line("DTSTART", first.local.strftime("%Y%m%dT%H%M%S")),
            _line("TZOFFSETFROM", _offset(before)),
            _line("TZOFFSETTO", _offset(after)),
        ]
        if len(group) > 1:
            rule = f"FREQ=YEARLY;{_yearly_rule([o.local for o in group])}"
            if group[-1].local.year <= last_year:  # not observed after the span: it ended
                rule += f";UNTIL={_utc_value(group[-1].at)}"
            lines.append(_line("RRULE", rule))
        lines += [_text_line("TZNAME", abbreviation), _line("END", kind)]
    return lines


def _zone_block(event: Event) -> bytes:
    if event.timezone in _UTC_NAMES:
        return b""
    years = [tz.to_zone(t, event.timezone).year for s in event.sessions for t in (s.start, s.end)]
    return vtimezone(event.timezone, min(years), max(years))


def _time_line(name: str, instant: _dt.datetime, zone: str) -> bytes:
    if zone in _UTC_NAMES:
        return _line(name, _utc_value(instant))
    wall = tz.wall_time(tz.to_zone(instant, zone))
    # A wall time in an autumn fold means its first occurrence by RFC 5545, but libical,
    # ical.js, vobject and Radicale take the second: both occurrences are written in UTC.
    # So are instants from 2038 on: vobject (and so Radicale) reads a TZID it has not
    # registered from the embedded block (it skips blocks that match UTC in 2000-2020, such
    # as Lisbon's, and keeps the first block per TZID per process) with pytz, whose tables
    # stop in 2037.
    if tz.occurrences(wall, zone) != 1 or instant >= _PYTZ_TABLES_END:
        return _line(name, _utc_value(instant))
    return _line(name, wall.strftime("%Y%m%dT%H%M%S"), ("TZID", _param(zone)))


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
    email: str = attrs.field(converter=normalize_email)

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


def _description(event: Event, session: Session, *, join_link: bool = True) -> str:
    parts = [clean_text(session.description), clean_text(event.description)]
    if event.online is not None and not join_link:
        parts.append(_hidden_join_line(event.online.platform))
    elif event.online is not None:
        join = _join_line(event.online)
        if event.online.access_notes:
            join += "\n" + clean_text(event.online.access_notes)
        parts.append(join)
    return "\n\n".join(p for p in parts if p)


def _location(event: Event, *, join_link: bool = True) -> str | None:
    if event.venue is not None:
        return event.venue.one_line()
    if event.online is not None:
        return event.online.url if join_link else f"Online ({event.online.platform})"
    return None


def _vevent_head(event: Event, session: Session, sequence: int) -> bytes:
    return _line("UID", _escape(session_uid(event, session))) + _line("SEQUENCE", str(sequence))


def _vevent_body(event: Event, session: Session, status: str, *, join_link: bool = True) -> bytes:
    language = ("LANGUAGE", _param(event.language))
    lines = [
        _time_line("DTSTART", session.start, event.timezone),
        _time_line("DTEND", session.end, event.timezone),
        _text_line("SUMMARY", _summary(event, session), language),
    ]
    description = _description(event, session, join_link=join_link)
    if description:
        lines.append(_text_line("DESCRIPTION", description, language))
    location = _location(event, join_link=join_link)
    if location:
        lines.append(_text_line("LOCATION", location))
    if event.venue is not None:
        # LOCATION is one line for people; the parts are kept for reading the event back.
        lines += [
            _text_line(f"{_VENUE_PROPERTY}-{part.upper()}", getattr(event.venue, part))
            for part in _VENUE_PARTS
            if getattr(event.venue, part)
        ]
    if event.online is not None and join_link:
        url = event.online.url
        lines.append(_line("URL", url, ("VALUE", "URI")))
        lines.append(
            _line(
                "CONFERENCE",
                url,
                ("VALUE", "URI"),
                ("FEATURE", "AUDIO,VIDEO"),
                ("LABEL", _param(event.online.platform)),
            )
        )
    organiser = event.organiser
    lines.append(_line("ORGANIZER", _mailto(organiser.email), ("CN", _param(organiser.name))))
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
        params.append(("CN", _param(name)))
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
    DESCRIPTION, as in an invite), e.g. for an open event.

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
    for session in event.sessions:
        cancelled = session.status is SessionStatus.CANCELLED
        status = "CANCELLED" if cancelled else "CONFIRMED"
        body = _vevent_body(event, session, status, join_link=join_link)
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
        return self._render(attendee, _line("DTSTAMP", _utc_value(_now(now))))

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


def invite(
    event: Event,
    registration: Registration | Attendee,
    *,
    sessions: Iterable[str] | None = None,
    now: _dt.datetime | None = None,
    reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
) -> list[CalendarObject]:
    """Return the REQUEST objects of one attendee: one per session, naming only them.

    Each carries ORGANIZER, the attendee with ``RSVP=TRUE;PARTSTAT=NEEDS-ACTION``, the join
    link in CONFERENCE, URL, LOCATION and DESCRIPTION, the reminders, ``STATUS:CONFIRMED``,
    ``TRANSP:OPAQUE`` and ``SEQUENCE`` = the event's revision: re-issuing after a change
    (:meth:`~ran_events.models.Event.revise`) is the update, with the same UID.

    Args:
        event: the event.
        registration: a selected or confirmed registration, or an :class:`Attendee`.
        sessions: session ids (default: every confirmed session).
        now: the DTSTAMP (aware); ``None`` means the current UTC time at the call.
        reminders: how long before each session a VALARM reminds (default 15 minutes).

    Raises:
        InvalidValue: the registration is not selected or is for another event, a cancelled
            session was asked for, a reminder is not positive, or ``now`` is outside the
            years 1970 to 2100.
        KeyError: an unknown session id.
    """
    attendee = Attendee.of(registration, event)
    template = InviteTemplate.build(event, sessions=sessions, reminders=reminders)
    return template.render(attendee, now=now)


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
    template = InviteTemplate.build(event, method="CANCEL", sessions=sessions)
    return template.render(attendee, now=now)


def invites_for(
    event: Event,
    registrations: Iterable[Registration | Attendee],
    *,
    sessions: Iterable[str] | None = None,
    now: _dt.datetime | None = None,
    reminders: Sequence[_dt.timedelta] = DEFAULT_REMINDERS,
    method: Literal["REQUEST", "CANCEL"] = "REQUEST",
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

    Yields:
        :class:`CalendarObject` per attendee and session, or :class:`InviteFailure`.

    Raises:
        KeyError, InvalidValue: the event-wide arguments are wrong, ``now`` included (nothing
            is yielded).
    """
    template = InviteTemplate.build(event, method=method, sessions=sessions, reminders=reminders)
    stamp = _now(now)
    return _stream(event, template, registrations, stamp)


def _stream(
    event: Event,
    template: InviteTemplate,
    registrations: Iterable[Registration | Attendee],
    stamp: _dt.datetime,
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
        except (InvalidValue, AttributeError, TypeError) as exc:
            yield InviteFailure(registration_id=str(rid), reason=str(exc))
            continue
        seen_ids.add(attendee.registration_id)
        seen_addresses[attendee.email] = attendee.registration_id
        yield from template._render(attendee, stamp_line)


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


# ------------------------------------------------------------------------------------------
# CalDAV resources


def _content_lines(data: bytes) -> list[bytes]:
    """Split an object into content lines, each with its folded continuations and CRLFs."""
    if not data.startswith(b"BEGIN:VCALENDAR\r\n") or not data.endswith(b"END:VCALENDAR\r\n"):
        raise IcsError("not one iCalendar object (BEGIN:VCALENDAR .. END:VCALENDAR, CRLF)")
    lines: list[bytes] = []
    for physical in data[:-2].split(_CRLF):
        if physical[:1] in (b" ", b"\t") and lines:
            lines[-1] += physical + _CRLF
        else:
            lines.append(physical + _CRLF)
    return lines


def as_resources(data: bytes | CalendarObject) -> dict[str, bytes]:
    """Return the CalDAV resources of an iTIP object: one per UID, without ``METHOD``.

    A calendar server stores each UID as its own resource, and RFC 4791 (4.1) forbids the
    ``METHOD`` property in stored objects. This is what a client does with an object it
    files into a CalDAV calendar: each resource keeps the calendar's other properties and
    its VTIMEZONEs, in order, and the VEVENTs of its UID; nothing else is changed (octets
    included). Put each at its own path (e.g. ``<uid>.ics``), and an update or cancellation
    over the resource of the same UID.

    Args:
        data: an object of :func:`publish`, :func:`invite` or :func:`cancel` (octets or a
            :class:`CalendarObject`).

    Returns:
        The resources by UID, in the order of the object's VEVENTs.

    Raises:
        IcsError: the data is not one iCalendar object, has no VEVENT, a VEVENT has no UID,
            or a UID is not UTF-8.
    """
    raw = data.data if isinstance(data, CalendarObject) else data
    lines = _content_lines(raw)
    common: list[bytes] = []
    events: dict[str, list[bytes]] = {}
    block: list[bytes] = []
    uids: list[str] = []
    depth = 0
    for line in lines[1:-1]:
        name, _, value = line[:-2].replace(b"\r\n ", b"").partition(b":")
        name = name.split(b";", 1)[0].upper()
        if depth == 0 and name == b"METHOD":
            continue
        if name == b"BEGIN":
            depth += 1
        elif depth == 1 and name == b"UID":
            try:
                uids.append(_ESCAPED.sub(r"\1", value.decode("utf-8")))
            except UnicodeDecodeError:
                raise IcsError(f"the UID {value!r} is not UTF-8") from None
        (block if depth else common).append(line)
        if name == b"END":
            depth -= 1
            if depth == 0:
                _file_component(block, uids, common, events)
                block, uids = [], []
    if not events:
        raise IcsError("the object has no VEVENT")
    head, tail = lines[0] + b"".join(common), lines[-1]
    return {uid: head + b"".join(parts) + tail for uid, parts in events.items()}


def _file_component(
    block: list[bytes], uids: list[str], common: list[bytes], events: dict[str, list[bytes]]
) -> None:
    """Add a top-level component to the shared part, or a VEVENT to its UID's resource."""
    if block[0].upper() != b"BEGIN:VEVENT\r\n":
        common += block
        return
    if len(uids) != 1:
        raise IcsError(f"a VEVENT has {len(uids)} UID properties (want one)")
    events.setdefault(uids[0], []).extend(block)


def as_resource(data: bytes | CalendarObject) -> bytes:
    """Return an object of one UID as a CalDAV resource: the object without ``METHOD``.

    Use it to store a REQUEST, an update or a CANCEL in a calendar (over the resource of the
    same UID); a listing with several sessions needs :func:`as_resources`.

    Raises:
        IcsError: the data is not one iCalendar object, or it holds no UID or several.
    """
    resources = as_resources(data)
    if len(resources) != 1:
        raise IcsError(f"the object holds {len(resources)} UIDs (use as_resources)")
    return next(iter(resources.values()))


# ------------------------------------------------------------------------------------------
# Reading


_UID: Final = re.compile(
    r"^(?P<event>[A-Za-z0-9][A-Za-z0-9._\-]*)\+(?P<session>[A-Za-z0-9][A-Za-z0-9._\-]*)@"
)


def from_ics(
    data: bytes | str,
    *,
    registration: RegistrationWindow | None = None,
    capacity: int = 1,
) -> Event:
    """Read a listing written by :func:`publish` back into an :class:`~ran_events.models.Event`.

    Read back: the event id (from the UIDs), title, description, language, zone, organiser,
    online meeting (CONFERENCE, or URL; ``None`` from a listing written without the join
    link), venue (its name, address, city and country from the ``X-RAN-VENUE-*`` properties
    this library writes; else LOCATION as its name when there is no join link and no platform
    line), revision (SEQUENCE) and each session's id, title, start, end, kind, description
    and status. ``from_ics(publish(e))`` equals ``e`` in all of these, for text as
    :func:`clean_text` leaves it and names as :func:`display_name` leaves them.

    iCalendar carries no registration window, capacity, form or selection rules.

    Args:
        data: the calendar (octets or text).
        registration: the window to give the event; default: one second, closing at the
            first session's start.
        capacity: the capacity to give the event (default 1).

    Raises:
        IcsError: the data is not a calendar of this library's events (the reason says what
            is missing or wrong).
    """
    _check_components(data)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise IcsError(f"not an iCalendar object: {exc}") from None
    except OSError as exc:  # icalendar looked a TZID up as a file name (e.g. far too long)
        reason = exc.strerror or "cannot be looked up"
        raise IcsError(f"not an iCalendar object: a TZID is not a zone name ({reason})") from None
    vevents = list(calendar.walk("VEVENT"))
    if not vevents:
        raise IcsError("the calendar has no VEVENT")
    _check_single(calendar, vevents)
    named = _read_zone(calendar, vevents[0])
    try:
        zone = tz.zone_name(named)
    except UnknownTimeZone:
        raise IcsError(f"the calendar's time zone {named!r} is not in the tz database") from None
    title = _text_of(calendar, "NAME") or _text_of(calendar, "X-WR-CALNAME")
    event_description = _text_of(calendar, "DESCRIPTION")
    first = vevents[0]
    online = _read_online(first, event_description)
    event_ids: set[str] = set()
    sessions: list[Session] = []
    for vevent in vevents:
        event_id, session = _read_session(vevent, zone, title, event_description, online)
        event_ids.add(event_id)
        sessions.append(session)
    if len(event_ids) != 1:
        raise IcsError(f"the VEVENTs belong to {len(event_ids)} events: {sorted(event_ids)}")
    if not title:
        raise IcsError("the calendar has no NAME or X-WR-CALNAME (the event title)")
    organizer = first.get("ORGANIZER")
    if organizer is None:
        raise IcsError("the first VEVENT has no ORGANIZER")
    address = str(organizer)
    if not address.lower().startswith("mailto:"):
        raise IcsError(f"ORGANIZER {address!r} is not a mailto: address")
    summary = first.get("SUMMARY")
    language = str(summary.params.get("LANGUAGE", "en")) if summary is not None else "en"
    start = min(s.start for s in sessions)
    revision = max(_sequence(v) for v in vevents)
    window = registration or RegistrationWindow(
        opens=start - _dt.timedelta(seconds=1), closes=start
    )
    venue = _read_venue(first, online)
    try:
        return Event(
            id=event_ids.pop(),
            title=title,
            description=event_description,
            timezone=zone,
            language=language,
            organiser=Organiser(
                name=display_name(str(organizer.params.get("CN", ""))) or address[7:],
                email=address[7:],
            ),
            sessions=sessions,
            registration=window,
            capacity=capacity,
            online=online,
            venue=venue,
            revision=revision,
        )
    except (RanEventsError, TypeError) as exc:
        raise IcsError(f"the calendar does not describe a valid event: {exc}") from None


def _check_components(data: bytes | str) -> None:
    """Refuse what icalendar's parser cannot read: an END that closes another component than
    the one last begun, and a VTIMEZONE that gives its TZID more than once (RFC 5545: once).

    That parser closes whatever component is open at an END and, at ``END:VTIMEZONE``, files
    the closed component as a zone under its TZID, failing on a list of them; so the content
    lines are read here first, split as that parser splits them.

    Raises:
        IcsError: naming the components, or the VTIMEZONE's TZIDs.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    open_components: list[tuple[str, list[str]]] = []  # each with the TZIDs it gives
    contentlines = icalendar.parser.Contentlines
    for line in contentlines.from_ical(text):  # type: ignore[no-untyped-call]
        if not line:
            continue
        try:
            name, _params, value = line.parts()
        except ValueError:  # icalendar reports (or skips) the broken line itself
            continue
        name, value = name.upper(), value.strip()
        if name == "BEGIN":
            open_components.append((value.upper(), []))
        elif name == "END" and open_components:  # (an END with none open: icalendar says so)
            begun, tzids = open_components.pop()
            if value.upper() != begun:
                raise IcsError(f"END:{value} closes BEGIN:{begun}; each END closes its BEGIN")
            if begun == "VTIMEZONE" and len(tzids) > 1:
                raise IcsError(
                    f"a VTIMEZONE gives its TZID {len(tzids)} times ({', '.join(tzids)}); "
                    "expected once"
                )
        elif name == "TZID" and open_components:
            open_components[-1][1].append(value)


def _read_venue(vevent: Any, online: OnlineMeeting | None) -> Venue | None:
    """The venue's parts as written (X-RAN-VENUE-*), else LOCATION as its name."""
    parts = {part: _text_of(vevent, f"{_VENUE_PROPERTY}-{part.upper()}") for part in _VENUE_PARTS}
    if parts["name"]:
        try:
            return Venue(**parts)
        except RanEventsError as exc:
            raise IcsError(f"the calendar's venue is not valid: {exc}") from None
    location = _text_of(vevent, "LOCATION")
    hidden = _HIDDEN_JOIN.search(_text_of(vevent, "DESCRIPTION"))
    listed_online = hidden is not None and location == f"Online ({hidden['platform']})"
    if online is None and location.strip() and not listed_online:
        return Venue(name=location)
    return None


_SINGLE_IN_CALENDAR: Final = ("NAME", "X-WR-CALNAME", "X-WR-TIMEZONE", "DESCRIPTION")
_SINGLE_IN_VEVENT: Final = (
    "UID", "DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "URL", "ORGANIZER",
    "LOCATION", "STATUS", "SEQUENCE", _KIND_PROPERTY,
    *(f"{_VENUE_PROPERTY}-{part.upper()}" for part in _VENUE_PARTS),
)  # fmt: skip


def _check_single(calendar: Any, vevents: Sequence[Any]) -> None:
    """Refuse a property the reader takes one of but that is given more than once.

    (icalendar gives a list then; CONFERENCE may repeat, RFC 7986, and the first is read.)

    Raises:
        IcsError: naming the property and where it repeats.
    """
    places: list[tuple[str, Any, tuple[str, ...]]] = [
        ("the calendar", calendar, _SINGLE_IN_CALENDAR)
    ]
    places += [(str(v.get("UID", "a VEVENT")), v, _SINGLE_IN_VEVENT) for v in vevents]
    for where, component, names in places:
        for name in names:
            value = component.get(name)
            if isinstance(value, list):
                raise IcsError(f"{where}: {name} is given {len(value)} times; expected once")


def _sequence(vevent: Any) -> int:
    value = vevent.get("SEQUENCE", 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise IcsError(f"{vevent.get('UID')}: SEQUENCE {value!s} is not a number") from None


def _text_of(component: Any, name: str) -> str:
    """A TEXT property's value, unescaped also when icalendar does not know the property.

    The text is returned as :func:`clean_text` leaves it, the form the writer gives it: a
    raw CR left in a value (RFC 5545 has no line break in TEXT but the escaped ``\\n``)
    becomes LF, other control characters are dropped, so what is read publishes as read.
    """
    value = component.get(name)
    if value is None:
        return ""
    raw = value.to_ical().decode("utf-8")
    return clean_text(_ESCAPED.sub(lambda m: "\n" if m[1] in "nN" else m[1], raw))


def _read_zone(calendar: Any, vevent: Any) -> str:
    named = _text_of(calendar, "X-WR-TIMEZONE")
    if named:
        return named
    start = vevent.get("DTSTART")
    if start is not None and "TZID" in start.params:
        return str(start.params["TZID"])
    return "UTC"


def _read_online(vevent: Any, event_description: str) -> OnlineMeeting | None:
    conference = vevent.get("CONFERENCE")
    if isinstance(conference, list):  # several ways to join (RFC 7986): the first is read
        conference = conference[0]
    if conference is not None:
        url = str(conference)
        platform = str(conference.params.get("LABEL", "")) or "online"
    elif vevent.get("URL") is not None:
        url, platform = str(vevent.get("URL")), "online"
    else:
        return None
    description = _text_of(vevent, "DESCRIPTION")
    try:
        join = _join_line(OnlineMeeting(platform=platform, url=url))
    except RanEventsError as exc:  # an ftp: link, a broken host...
        raise IcsError(f"the join link of the listing: {exc}") from None
    notes = ""
    position = _join_position(description, join)
    if position is not None:
        notes = description[position + len(join) + 1 :]
    return OnlineMeeting(platform=platform, url=url, access_notes=notes)


def _join_position(description: str, join: str) -> int | None:
    start = 0
    while (position := description.find(join, start)) >= 0:
        before_ok = position == 0 or description[:position].endswith("\n\n")
        after = description[position + len(join) : position + len(join) + 1]
        if before_ok and after in ("", "\n"):
            return position
        start = position + 1
    return None


def _session_description(
    description: str, event_description: str, online: OnlineMeeting | None
) -> str:
    head = description
    if online is not None:
        position = _join_position(description, _join_line(online))
        if position is not None:
            head = description[: max(position - 2, 0)]
    else:  # a listing without the join link names the platform in a last paragraph
        hidden = _HIDDEN_JOIN.search(description)
        if hidden is not None and hidden.end() == len(description):
            head = description[: max(hidden.start() - 2, 0)]
    if event_description:
        if head == event_description:
            return ""
        if head.endswith("\n\n" + event_description):
            return head[: -len(event_description) - 2]
    return head


def _read_session(
    vevent: Any, zone: str, title: str, event_description: str, online: OnlineMeeting | None
) -> tuple[str, Session]:
    uid = str(vevent.get("UID", ""))
    match = _UID.match(uid)
    if match is None:
        raise IcsError(f"UID {uid!r} is not of the form <event>+<session>@<domain>")
    start = _read_instant(vevent, "DTSTART", zone, uid)
    if vevent.get("DTEND") is not None:
        end = _read_instant(vevent, "DTEND", zone, uid)
    elif vevent.get("DURATION") is not None:
        end = _end_after(start, vevent["DURATION"], uid)
    else:
        raise IcsError(f"{uid}: neither DTEND nor DURATION")
    summary = _text_of(vevent, "SUMMARY")
    prefix = f"{title}: "
    session_title = summary[len(prefix) :] if title and summary.startswith(prefix) else summary
    status = str(vevent.get("STATUS", "CONFIRMED")).upper()
    kind = str(vevent.get(_KIND_PROPERTY, SessionKind.PLENARY.value))
    try:
        session = Session(
            id=match["session"],
            title=session_title,
            start=start,
            end=end,
            kind=kind if kind in SessionKind.__members__.values() else SessionKind.OTHER,
            description=_session_description(
                _text_of(vevent, "DESCRIPTION"), event_description, online
            ),
            status=SessionStatus.CANCELLED if status == "CANCELLED" else SessionStatus.CONFIRMED,
        )
    except (RanEventsError, TypeError) as exc:
        raise IcsError(f"{uid}: {exc}") from None
    return match["event"], session


def _end_after(start: _dt.datetime, prop: Any, uid: str) -> _dt.datetime:
    """The end of a session given by its DURATION."""
    try:
        duration = prop.dt
    except ValueError:  # icalendar's broken property
        duration = None
    if not isinstance(duration, _dt.timedelta):
        raise IcsError(f"{uid}: DURATION {prop.to_ical().decode()!r} is not a duration")
    try:
        return check_instant(start + duration, "DURATION")
    except (OverflowError, InvalidValue):
        raise IcsError(
            f"{uid}: DURATION {prop.to_ical().decode()!r} ends the session out of the years "
            "the library accepts"
        ) from None


def _check_year(value: _dt.datetime, name: str, uid: str) -> None:
    """Refuse an instant outside the library's years before any conversion can overflow."""
    try:
        check_instant(value, name)
    except InvalidValue as exc:
        raise IcsError(f"{uid}: {exc}") from None


def _read_instant(vevent: Any, name: str, zone: str, uid: str) -> _dt.datetime:
    prop = vevent.get(name)
    if prop is None:
        raise IcsError(f"{uid}: no {name}")
    try:
        value = prop.dt
    except ValueError:  # icalendar's broken property: the value is not a date or time
        raise IcsError(f"{uid}: {name} {prop.to_ical().decode()!r} is not a date-time") from None
    tzid = prop.params.get("TZID")
    if isinstance(value, _dt.datetime) and tzid is not None and _is_iana(str(tzid)):
        # The wall time in this library's tz database (the one it writes with), not in the
        # machine's zoneinfo that icalendar would use; a fold time means its first occurrence
        # (RFC 5545), a gap time the instant after the gap.
        wall = value.replace(tzinfo=None, fold=0)
        _check_year(wall.replace(tzinfo=_dt.UTC), name, uid)  # only its year counts here
        return tz.to_zone(tz.localize(wall, str(tzid), disambiguate="compatible"), zone)
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        _check_year(value, name, uid)
        return tz.to_zone(value, zone)
    if tzid is not None:
        raise IcsError(
            f"{uid}: {name} has TZID={tzid}, neither an IANA zone nor a VTIMEZONE of the calendar"
        )
    raise IcsError(f"{uid}: {name} {value!s} is a floating time or a date (want UTC or a TZID)")


def _is_iana(name: str) -> bool:
    try:
        tz.zone(name, abbreviations={})
    except UnknownTimeZone:
        return False
    return True
