"""Reading iTIP replies (RFC 5546, ``METHOD:REPLY``): an attendee's answer to an invite.

A reply names the session by its UID and the person answering by one ATTENDEE whose
PARTSTAT is the answer. What calendar programs send differs in the details, and all of it is
read here:

* Outlook and Exchange: ``MAILTO:`` in capitals, a COMMENT with a LANGUAGE parameter, the
  time zone block copied from the invite, SEQUENCE copied;
* Google Calendar: UTC times, the attendee's address also in CN, ``X-NUM-GUESTS``;
* Apple Calendar: often no SEQUENCE, an ``EMAIL`` parameter, ``REQUEST-STATUS``;
* Thunderbird: RSVP and ROLE kept from the invite, ``X-MOZ-*`` properties;
* delegation (RFC 5546 4.2.5): the delegator's ATTENDEE with ``PARTSTAT=DELEGATED`` and
  ``DELEGATED-TO``, next to the delegate's ATTENDEE with ``DELEGATED-FROM``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import urllib.parse
from collections.abc import Sequence
from typing import Any, Final

import attrs
import icalendar

from .._email import normalize
from ..errors import InvalidEmail, ReplyError

__all__ = ["PartStat", "Reply", "replies_from_ics"]


class PartStat(enum.StrEnum):
    """An attendee's answer (the iCalendar PARTSTAT of a reply to an event)."""

    ACCEPTED = "ACCEPTED"
    """The attendee will come."""
    DECLINED = "DECLINED"
    """The attendee will not come."""
    TENTATIVE = "TENTATIVE"
    """The attendee may come (recorded, treated as no answer)."""
    DELEGATED = "DELEGATED"
    """The attendee passed the invite on to someone else (treated as a decline)."""


@attrs.frozen(kw_only=True)
class Reply:
    """One attendee's answer to one invite (one VEVENT of an iTIP REPLY).

    Attributes:
        uid: the UID of the session answered.
        sequence: the SEQUENCE of the invite answered; ``None`` when the reply has none
            (Apple Calendar leaves it out).
        attendee: the replying attendee's address, normalised.
        partstat: the answer.
        delegated_to: the normalised addresses the attendee delegated to (``DELEGATED``).
        comment: the attendee's COMMENT (several joined by line breaks), or ``""``.
        recurrence_id: the RECURRENCE-ID's value as written, or ``None``.
        dtstamp: when the reply was made (DTSTAMP, UTC), or ``None`` when missing.
        from_address: the normalised From address of the e-mail it came in, or ``None``
            (a ``.ics`` file).
        source: the file it was read from, or ``"<bytes>"``.
    """

    uid: str
    sequence: int | None
    attendee: str
    partstat: PartStat = attrs.field(converter=PartStat)
    delegated_to: tuple[str, ...] = ()
    comment: str = ""
    recurrence_id: str | None = None
    dtstamp: _dt.datetime | None = None
    from_address: str | None = None
    source: str = "<bytes>"


_ANSWERS: Final = frozenset(PartStat)


def replies_from_ics(data: bytes | str, *, source: str = "<bytes>") -> list[Reply]:
    """Read every answer of an iTIP REPLY: one :class:`Reply` per VEVENT.

    Args:
        data: the calendar (octets, UTF-8, or text).
        source: the file it came from, named in errors and kept in each reply.

    Raises:
        ReplyError: the data is not an iCalendar object, its METHOD is not REPLY, it has no
            VEVENT, or a VEVENT lacks the UID, the replying ATTENDEE or its answer, or has a
            value of the wrong type (the reason names the UID and property).
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReplyError(source, f"the calendar is not UTF-8 ({exc.reason})") from None
    data = _what_is_read(data.removeprefix("\ufeff"), source)  # (a BOM: as some save files)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ReplyError(source, f"not an iCalendar object: {str(exc)[:200]}") from None
    if calendar.name != "VCALENDAR":
        raise ReplyError(source, f"a {calendar.name} where a VCALENDAR was expected")
    method = calendar.get("METHOD")
    if isinstance(method, list):
        raise ReplyError(source, f"METHOD is given {len(method)} times; expected once")
    if method is None or str(method).strip().upper() != "REPLY":
        shown = "no METHOD" if method is None else f"METHOD {str(method)!r}"
        raise ReplyError(source, f"{shown}: not a reply (expected METHOD:REPLY)")
    vevents = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if not vevents:
        raise ReplyError(source, "the reply has no VEVENT (only replies to events are read)")
    return [_reply(vevent, source) for vevent in vevents]


_FOLD: Final = re.compile(r"\r?\n[ \t]")
_LINE_END: Final = re.compile(r"\r\n|\n|\r")
_NAME: Final = re.compile(r"[A-Za-z0-9-]*")
_READ: Final = frozenset(
    {"METHOD", "UID", "SEQUENCE", "ATTENDEE", "COMMENT", "RECURRENCE-ID", "DTSTAMP"}
)


def _what_is_read(text: str, source: str) -> str:
    """The calendar with only the properties a reply is read for.

    A reply repeats the invite (the time-zone block, times, description, alarms...); only
    the calendar's METHOD and each VEVENT's UID, SEQUENCE, ATTENDEE, COMMENT, RECURRENCE-ID
    and DTSTAMP are read, so only they are given to icalendar's parser (a third of the
    lines: three times faster), and a property never read cannot refuse a reply.

    Raises:
        ReplyError: an END closes another component than the one last begun.
    """
    kept: list[str] = []
    open_components: list[str] = []
    for line in _LINE_END.split(_FOLD.sub("", text)):
        name = _NAME.match(line).group().upper()  # type: ignore[union-attr]  # (matches "")
        value = (
            line[len(name) + 1 :].strip().upper() if line[len(name) : len(name) + 1] == ":" else ""
        )
        if name == "BEGIN":
            open_components.append(value)
            if open_components in (["VCALENDAR"], ["VCALENDAR", "VEVENT"]):
                kept.append(line)
        elif name == "END" and open_components:
            begun = open_components.pop()
            if value != begun:
                raise ReplyError(source, f"END:{value[:40]} closes BEGIN:{begun[:40]}")
            if [*open_components, begun] in (["VCALENDAR"], ["VCALENDAR", "VEVENT"]):
                kept.append(line)
        elif name in _READ and open_components in (["VCALENDAR"], ["VCALENDAR", "VEVENT"]):
            kept.append(line)
        elif not open_components and line.strip():
            kept.append(line)  # outside any component: icalendar says what is wrong
    return "\r\n".join(kept) + "\r\n"


def _single(vevent: Any, name: str, uid: str, source: str) -> Any:
    value = vevent.get(name)
    if isinstance(value, list):
        raise ReplyError(source, f"{uid}: {name} is given {len(value)} times; expected once")
    return value


def _reply(vevent: Any, source: str) -> Reply:
    uid_value = _single(vevent, "UID", "a VEVENT", source)
    uid = str(uid_value).strip() if uid_value is not None else ""
    if not uid:
        raise ReplyError(source, "a VEVENT of the reply has no UID")
    attendee, params = _replier(vevent, uid, source)
    partstat = str(params.get("PARTSTAT", "")).strip().upper()
    if partstat not in _ANSWERS:
        given = f"PARTSTAT {partstat}" if partstat else "no PARTSTAT"
        raise ReplyError(
            source,
            f"{uid}: ATTENDEE {attendee} has {given}; expected ACCEPTED, DECLINED, TENTATIVE "
            "or DELEGATED",
        )
    delegated_to: tuple[str, ...] = ()
    if partstat == PartStat.DELEGATED:
        delegated_to = tuple(
            _address(a, f"{uid}: DELEGATED-TO", source)
            for a in _uris(params.get("DELEGATED-TO", ""))
        )
        if not delegated_to:
            raise ReplyError(source, f"{uid}: PARTSTAT DELEGATED without DELEGATED-TO")
    return Reply(
        uid=uid,
        sequence=_sequence(vevent, uid, source),
        attendee=attendee,
        partstat=PartStat(partstat),
        delegated_to=delegated_to,
        comment=_comment(vevent),
        recurrence_id=_recurrence_id(vevent, uid, source),
        dtstamp=_dtstamp(vevent, uid, source),
        source=source,
    )


def _uris(value: object) -> list[str]:
    """The URIs of a parameter that may hold several (``"mailto:a","mailto:b"``)."""
    items = value if isinstance(value, list | tuple) else [value]
    found: list[str] = []
    for item in items:
        found += [part.strip().strip('"') for part in str(item).split(",") if part.strip()]
    return found


def _address(uri: str, where: str, source: str) -> str:
    """The normalised address of a ``mailto:`` URI (any case; percent-escapes decoded)."""
    text = uri.strip()
    if text[:7].lower() != "mailto:":
        raise ReplyError(source, f"{where} {text[:80]!r} is not a mailto: address")
    address = urllib.parse.unquote(text[7:]).strip()
    try:
        return normalize(address)
    except InvalidEmail as exc:
        raise ReplyError(source, f"{where} {address[:80]!r}: {exc.reason}") from None


def _replier(vevent: Any, uid: str, source: str) -> tuple[str, Any]:
    """The one attendee replying: the only ATTENDEE, or of several the one that is not a
    delegate (DELEGATED-FROM) of another."""
    found = vevent.get("ATTENDEE")
    attendees: Sequence[Any] = found if isinstance(found, list) else [found] if found else []
    if not attendees:
        raise ReplyError(source, f"{uid}: the reply has no ATTENDEE (who is answering?)")
    repliers = [a for a in attendees if "DELEGATED-FROM" not in a.params]
    if len(repliers) != 1:
        raise ReplyError(
            source,
            f"{uid}: {len(attendees)} ATTENDEEs and {len(repliers)} of them answering; a "
            "reply names the one attendee who answers",
        )
    replier = repliers[0]
    return _address(str(replier), f"{uid}: ATTENDEE", source), replier.params


def _sequence(vevent: Any, uid: str, source: str) -> int | None:
    value = _single(vevent, "SEQUENCE", uid, source)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ReplyError(source, f"{uid}: SEQUENCE {str(value)[:40]!r} is not a number >= 0")
    return number


def _comment(vevent: Any) -> str:
    value = vevent.get("COMMENT")
    if value is None:
        return ""
    values = value if isinstance(value, list) else [value]
    return "\n".join(str(v) for v in values)


def _recurrence_id(vevent: Any, uid: str, source: str) -> str | None:
    value = _single(vevent, "RECURRENCE-ID", uid, source)
    if value is None:
        return None
    return bytes(value.to_ical()).decode("utf-8", "replace")


def _dtstamp(vevent: Any, uid: str, source: str) -> _dt.datetime | None:
    prop = _single(vevent, "DTSTAMP", uid, source)
    if prop is None:
        return None
    try:
        value = prop.dt
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        shown = bytes(prop.to_ical()).decode("utf-8", "replace")[:40]
        raise ReplyError(source, f"{uid}: DTSTAMP {shown!r} is not a UTC date-time")
    try:
        return value.astimezone(_dt.UTC)
    except (OverflowError, ValueError):
        raise ReplyError(source, f"{uid}: DTSTAMP {value!s} is out of range") from None
