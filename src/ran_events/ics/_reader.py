"""Reading a listing of this library back into an :class:`~ran_events.models.Event`.

The one place of :mod:`ran_events.ics` that parses iCalendar, with :mod:`icalendar`; a
``TZID`` time is placed with the library's own tz database.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import Any, Final

import icalendar

from .. import tz
from ..errors import IcsError, InvalidValue, RanEventsError, UnknownTimeZone
from ..models import (
    Event,
    OnlineMeeting,
    Organiser,
    RegistrationWindow,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
    check_instant,
)
from ._lines import _ESCAPED, clean_text, display_name
from ._writer import (
    _HIDDEN_JOIN,
    _KIND_PROPERTY,
    _ROOM_PROPERTY,
    _VENUE_PARTS,
    _VENUE_PROPERTY,
    _join_line,
)

__all__ = ["from_ics"]

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
    room = _text_of(vevent, _ROOM_PROPERTY)
    if room and location == clean_text(room):
        return None  # LOCATION is the session's room alone
    if online is None and location.strip() and not listed_online:
        return Venue(name=location)
    return None


_SINGLE_IN_CALENDAR: Final = ("NAME", "X-WR-CALNAME", "X-WR-TIMEZONE", "DESCRIPTION")
_SINGLE_IN_VEVENT: Final = (
    "UID", "DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "URL", "ORGANIZER",
    "LOCATION", "STATUS", "SEQUENCE", _KIND_PROPERTY, _ROOM_PROPERTY,
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
    if isinstance(value, icalendar.vText):  # read and unescaped by icalendar's parser (its
        return clean_text(str(value))  # to_ical would write a "\\N" back as a line break)
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
            room=_text_of(vevent, _ROOM_PROPERTY),
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
