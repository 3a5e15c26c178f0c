"""The event: its sessions, where it happens, who runs it and when registration is open.

:class:`Event` holds the parts of the other model modules (the form, the selection rules);
:func:`event_problems` lists every invariant its parts break.
"""

from __future__ import annotations

import datetime as _dt
import enum
import itertools
import os
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import attrs

from .. import _deprecation, tz
from ..errors import InvalidUrl, InvalidValue, TimeRangeError
from ._checks import (
    _aware,
    _identifier,
    _non_empty,
    _non_negative_int,
    _positive_int,
    _string_tuple,
    _text,
    check_instant,
)
from .form import Form
from .registrant import _valid_email, normalise_email
from .rules import SelectionRules

__all__ = [
    "Event",
    "OnlineMeeting",
    "Organiser",
    "RegistrationWindow",
    "Session",
    "SessionKind",
    "SessionStatus",
    "Venue",
    "event_problems",
    "register_event_files",
]


def _canonical(value: Any, field_name: str) -> Any:
    """A zoneinfo (or plain pytz) datetime becomes one of the library's zone (checked)."""
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return tz.canonical(check_instant(value, field_name), field_name)
    return value  # the validator says what is wrong


def _start(value: Any) -> Any:
    return _canonical(value, "start")


def _end(value: Any) -> Any:
    return _canonical(value, "end")


# ------------------------------------------------------------------------------------------
# Event parts


@attrs.frozen(kw_only=True)
class Organiser:
    """Who runs the event and sends the invites.

    Raises:
        InvalidEmail: ``email`` is not a valid address (checked offline).
    """

    name: str = attrs.field(validator=_non_empty)
    email: str = attrs.field(validator=_valid_email)

    @property
    def domain(self) -> str:
        """The domain of the organiser's address (used in calendar UIDs)."""
        return normalise_email(self.email).rpartition("@")[2]


_URL_REFUSED: Final = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
"""Unicode categories a URL may not contain: controls (NUL, ESC, DEL...), invisible format
characters (bidirectional overrides), lone surrogates and line or paragraph separators."""


def _url(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An absolute http(s) URL with a host, parsed by :func:`urllib.parse.urlsplit`, without
    whitespace or control characters (they would break an .ics file for libical, and reach
    terminals and e-mail bodies)."""
    if not isinstance(value, str):
        raise InvalidUrl(repr(value), field=attribute.name)
    for c in value:
        if c.isspace() or unicodedata.category(c) in _URL_REFUSED:
            detail = f"it contains U+{ord(c):04X}; write it percent-encoded or leave it out"
            raise InvalidUrl(value, field=attribute.name, detail=detail)
    try:
        parsed = urllib.parse.urlsplit(value)
        valid = parsed.scheme in ("http", "https") and bool(parsed.hostname)
        _port = parsed.port  # a port that is not a number from 0 to 65535 raises ValueError
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise InvalidUrl(value, field=attribute.name)


@attrs.frozen(kw_only=True)
class OnlineMeeting:
    """Where an online event happens: the platform and its join link.

    Raises:
        InvalidUrl: ``url`` is not an absolute http(s) URL.
    """

    platform: str = attrs.field(validator=_non_empty)
    url: str = attrs.field(validator=_url)
    access_notes: str = attrs.field(default="", validator=_text)


@attrs.frozen(kw_only=True)
class Venue:
    """A physical place, for events that are not (only) online."""

    name: str = attrs.field(validator=_non_empty)
    address: str = attrs.field(default="", validator=_text)
    city: str = attrs.field(default="", validator=_text)
    country: str = attrs.field(default="", validator=_text)

    def one_line(self) -> str:
        """``name, address, city, country`` without the empty parts."""
        return ", ".join(p for p in (self.name, self.address, self.city, self.country) if p)


@attrs.frozen(kw_only=True)
class RegistrationWindow:
    """When applications are accepted: from ``opens`` (included) until ``closes`` (excluded);
    and how long a place freed later is offered to the waiting list (``offer_hours``).

    Raises:
        NaiveDatetimeError: an instant has no zone.
        TimeRangeError: ``closes`` is not after ``opens``.
    """

    opens: _dt.datetime = attrs.field(validator=_aware("registration.opens"))
    closes: _dt.datetime = attrs.field(validator=_aware("registration.closes"))
    offer_hours: int = attrs.field(default=48, validator=_positive_int)
    """How long a place offered from the waiting list may be accepted, in hours
    (``[registration] offer_hours``; default 48)."""

    def __attrs_post_init__(self) -> None:
        if self.closes <= self.opens:
            raise TimeRangeError(self.opens, self.closes, "registration window")

    def is_open(self, at: _dt.datetime) -> bool:
        """Whether an application submitted at ``at`` is inside the window."""
        tz.check_aware(at, "at")
        return self.opens <= at < self.closes


class SessionKind(enum.StrEnum):
    """What a session is: all participants together, a small group, or something else."""

    PLENARY = "plenary"
    BREAKOUT = "breakout"
    OTHER = "other"


class SessionStatus(enum.StrEnum):
    """Whether a session takes place."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class Session:
    """One part of an event's programme, with its own start and end.

    Raises:
        InvalidValue: an empty id or title.
        NaiveDatetimeError: a time has no zone.
        TimeRangeError: ``end`` is not after ``start``.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_non_empty)
    start: _dt.datetime = attrs.field(converter=_start, validator=_aware("start"))
    end: _dt.datetime = attrs.field(converter=_end, validator=_aware("end"))
    kind: SessionKind = attrs.field(default=SessionKind.PLENARY, converter=SessionKind)
    description: str = attrs.field(default="", validator=_text)
    status: SessionStatus = attrs.field(default=SessionStatus.CONFIRMED, converter=SessionStatus)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise TimeRangeError(self.start, self.end, f"session {self.id!r}")

    @property
    def duration(self) -> _dt.timedelta:
        """The session's length in elapsed time (DST changes included)."""
        return tz.to_utc(self.end) - tz.to_utc(self.start)


# ------------------------------------------------------------------------------------------
# The event


def _sessions(value: Iterable[Session]) -> tuple[Session, ...]:
    return tuple(value)


def _in_zone(session: Session, zone: str) -> Session:
    start, end = tz.to_zone(session.start, zone), tz.to_zone(session.end, zone)
    if start.tzinfo is session.start.tzinfo and end.tzinfo is session.end.tzinfo:
        return session
    return attrs.evolve(session, start=start, end=end)


def _zone_name(value: str) -> str:
    return tz.zone_name(value)


def event_problems(
    sessions: Sequence[Session],
    registration: RegistrationWindow,
    target_groups: Sequence[str] = (),
) -> list[InvalidValue]:
    """Return every broken invariant between an event's parts (empty when they fit).

    :class:`Event` raises the first of them; event files report them all at once.
    Checked: at least one session; unique session ids; plenaries that do not overlap one
    another (parallel breakouts may); a deadline no later than the first session's start;
    each target group named once.
    """
    if not sessions:
        return [InvalidValue("sessions", (), "at least one session")]
    problems: list[InvalidValue] = []
    seen: set[str] = set()
    for position, session in enumerate(sessions):  # one pass: 100,000 sessions in a blink
        if session.id in seen:
            problems.append(
                InvalidValue(f"sessions[{position}].id", session.id, "a unique session id")
            )
        seen.add(session.id)
    plenaries = sorted(
        (
            (s.start, position, s)
            for position, s in enumerate(sessions)
            if s.kind is SessionKind.PLENARY
        ),
        key=lambda item: (item[0], item[1]),
    )
    problems.extend(
        InvalidValue(
            f"sessions[{position}].start",
            second.start.isoformat(),
            f"a start at or after the end of plenary {first.id!r} "
            f"({first.end.isoformat()}); only breakouts may run in parallel",
        )
        for (_, _, first), (_, position, second) in itertools.pairwise(plenaries)
        if second.start < first.end
    )
    first_start = min(s.start for s in sessions)
    if registration.closes > first_start:
        problems.append(
            InvalidValue(
                "registration.closes",
                registration.closes.isoformat(),
                f"a deadline no later than the first session's start ({first_start.isoformat()})",
            )
        )
    if not all(isinstance(group, str) for group in target_groups):
        problems.append(InvalidValue("target_groups", tuple(target_groups), "role names (text)"))
    elif len(set(target_groups)) != len(target_groups):
        problems.append(InvalidValue("target_groups", tuple(target_groups), "each group once"))
    return problems


# Event files live in ran_events.eventfile, a layer above the models, which this module never
# imports. Event's deprecated file methods reach it through this hook instead (dependency
# inversion): eventfile registers its functions here when it is imported, and the package's
# __init__ always imports eventfile, so the hook is set whenever ``ran_events`` is.
@attrs.frozen(kw_only=True)
class _EventFiles:
    load: Callable[..., Event]
    loads: Callable[..., Event]
    dumps: Callable[..., str]


_EVENT_FILES: dict[str, _EventFiles] = {}


def register_event_files(
    *, load: Callable[..., Event], loads: Callable[..., Event], dumps: Callable[..., str]
) -> None:
    """Called by :mod:`ran_events.eventfile` at import: the functions behind Event's aliases."""
    _EVENT_FILES["eventfile"] = _EventFiles(load=load, loads=loads, dumps=dumps)


def _event_files() -> _EventFiles:
    """The functions eventfile registered (a clear error if it did not)."""
    try:
        return _EVENT_FILES["eventfile"]
    except KeyError:
        raise RuntimeError(
            "ran_events.eventfile has not registered its functions: import ran_events "
            "(or ran_events.eventfile) before using Event's file methods"
        ) from None


@attrs.frozen(kw_only=True)
class Event:
    """A training event: its schedule, where it happens, who may register and how many.

    Invariants (each violation raises a specific error naming the field): aware datetimes;
    each session ends after it starts; session ids are unique; plenary sessions do not
    overlap one another (parallel breakouts may); the registration window closes no later
    than the first session starts; capacity is at least 1; the join link is a URL.

    ``revision`` starts at 0 and rises with every change made through :meth:`revise` (and the
    methods built on it); calendar updates derive their SEQUENCE from it.

    Raises:
        UnknownTimeZone: ``timezone`` is not an IANA name.
        InvalidValue: any other invariant above.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_non_empty)
    timezone: str = attrs.field(converter=_zone_name)
    organiser: Organiser
    sessions: tuple[Session, ...] = attrs.field(converter=_sessions)
    registration: RegistrationWindow
    capacity: int = attrs.field(validator=_positive_int)
    description: str = attrs.field(default="", validator=_text)
    language: str = attrs.field(default="en", validator=_non_empty)
    online: OnlineMeeting | None = None
    venue: Venue | None = None
    target_groups: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)
    form: Form = attrs.field(factory=Form)
    selection: SelectionRules = attrs.field(factory=SelectionRules)
    revision: int = attrs.field(default=0, validator=_non_negative_int)

    def __attrs_post_init__(self) -> None:
        problems = event_problems(self.sessions, self.registration, self.target_groups)
        if problems:
            raise problems[0]
        # Session times are kept in the event's zone (the same instants): they show the
        # event's wall times and equal what a calendar or an event file reads back.
        local = tuple(_in_zone(s, self.timezone) for s in self.sessions)
        if any(a is not b for a, b in zip(local, self.sessions, strict=True)):
            object.__setattr__(self, "sessions", local)

    # -- files: deprecated aliases of ran_events.eventfile (see register_event_files) -----

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Event:
        """Deprecated: use :func:`ran_events.eventfile.load` (removed in 0.3)."""
        _deprecation.warn("ran_events.Event.from_toml", "ran_events.eventfile.load")
        return _event_files().load(path)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str | None = None) -> Event:
        """Deprecated: use :func:`ran_events.eventfile.loads` (removed in 0.3)."""
        _deprecation.warn("ran_events.Event.from_toml_text", "ran_events.eventfile.loads")
        return _event_files().loads(text, source=source)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str | None = None) -> Event:
        """Deprecated: ``ran_events.eventfile.loads(text, format="json")`` (removed in 0.3)."""
        _deprecation.warn(
            "ran_events.Event.from_json", 'ran_events.eventfile.loads(text, format="json")'
        )
        return _event_files().loads(text, format="json", source=source)

    def to_toml(self) -> str:
        """Deprecated: use :func:`ran_events.eventfile.dumps` (removed in 0.3)."""
        _deprecation.warn("ran_events.Event.to_toml", "ran_events.eventfile.dumps")
        return _event_files().dumps(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Deprecated: ``ran_events.eventfile.dumps(event, format="json")`` (removed in 0.3)."""
        _deprecation.warn(
            "ran_events.Event.to_json", 'ran_events.eventfile.dumps(event, format="json")'
        )
        return _event_files().dumps(self, format="json", indent=indent)

    # -- derived --------------------------------------------------------------------------

    @property
    def zone(self) -> _dt.tzinfo:
        """The event's zone as a tzinfo: this library's zone for :attr:`timezone`
        (:func:`ran_events.tz.zone`)."""
        return tz.zone(self.timezone)

    @property
    def start(self) -> _dt.datetime:
        """The start of the earliest session."""
        return min(s.start for s in self.sessions)

    @property
    def end(self) -> _dt.datetime:
        """The end of the latest session."""
        return max(s.end for s in self.sessions)

    def session(self, session_id: str) -> Session:
        """Return the session with this id.

        Raises:
            KeyError: no session has that id (the message lists the ids).
        """
        for session in self.sessions:
            if session.id == session_id:
                return session
        raise KeyError(f"no session {session_id!r}; sessions: {[s.id for s in self.sessions]}")

    def local(self, instant: _dt.datetime) -> _dt.datetime:
        """The instant as a wall time in the event's zone."""
        return tz.to_zone(instant, self.timezone)

    # -- changes --------------------------------------------------------------------------

    def revise(self, **changes: Any) -> Event:
        """Return a copy with ``changes`` applied and ``revision`` raised by one."""
        return attrs.evolve(self, revision=self.revision + 1, **changes)

    def reschedule(self, session_id: str, *, start: _dt.datetime, end: _dt.datetime) -> Event:
        """Move one session; returns a new Event with its revision raised.

        Raises:
            KeyError: no such session.
            TimeRangeError, InvalidValue: the new times break an invariant.
        """
        self.session(session_id)
        sessions = tuple(
            attrs.evolve(s, start=start, end=end) if s.id == session_id else s
            for s in self.sessions
        )
        return self.revise(sessions=sessions)

    def cancel_session(self, session_id: str) -> Event:
        """Mark one session cancelled; returns a new Event with its revision raised."""
        self.session(session_id)
        sessions = tuple(
            attrs.evolve(s, status=SessionStatus.CANCELLED) if s.id == session_id else s
            for s in self.sessions
        )
        return self.revise(sessions=sessions)
