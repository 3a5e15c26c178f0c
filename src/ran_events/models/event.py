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
from .form import Form, QuestionKind
from .registrant import _valid_email, normalise_email
from .rules import SelectionRules

__all__ = [
    "ChoiceSlot",
    "Event",
    "OnlineMeeting",
    "Organiser",
    "RegistrationWindow",
    "Session",
    "SessionKind",
    "SessionStatus",
    "Venue",
    "choice_slots",
    "event_problems",
    "parallel_sessions",
    "register_event_files",
    "slot_capacity_problems",
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


def _online_meeting(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, OnlineMeeting):
        raise InvalidValue(attribute.name, value, "an OnlineMeeting (platform and url)")


def _boolean(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValue(attribute.name, value, "true or false")


@attrs.frozen(kw_only=True)
class Session:
    """One part of an event's programme, with its own start and end.

    A session may have a place of its own: ``online`` (its own platform and join link, e.g.
    one WebEx breakout room per group) and/or ``room`` (a room of the venue); invites of the
    session then carry that place instead of the event's. ``capacity`` limits how many
    people it takes (``None``: no limit of its own). ``choice = True`` marks a workshop that
    applicants choose between: the choice sessions overlapping in time form a *choice slot*
    (:func:`choice_slots`), and each participant attends one session of each slot.

    Raises:
        InvalidValue: an empty id or title, a capacity that is not a whole number of at
            least 1, a room that is not text, or ``choice`` that is not true or false.
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
    capacity: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_positive_int)
    )
    online: OnlineMeeting | None = attrs.field(
        default=None, validator=attrs.validators.optional(_online_meeting)
    )
    room: str = attrs.field(default="", validator=_text)
    choice: bool = attrs.field(default=False, validator=_boolean)

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


@attrs.frozen(kw_only=True)
class ChoiceSlot:
    """Parallel workshops that applicants choose between: the choice sessions that overlap.

    Each participant attends exactly one session of each slot. Slots are numbered by their
    start: ``slot-1`` is the earliest (see :func:`choice_slots`).
    """

    id: str
    sessions: tuple[Session, ...]

    @property
    def session_ids(self) -> tuple[str, ...]:
        """The ids of its sessions, in the event's order."""
        return tuple(s.id for s in self.sessions)

    @property
    def capacity(self) -> int | None:
        """The places of all its sessions together; ``None`` if one has no capacity."""
        capacities = [s.capacity for s in self.sessions]
        return None if None in capacities else sum(c for c in capacities if c is not None)


def choice_slots(sessions: Iterable[Session]) -> tuple[ChoiceSlot, ...]:
    """Group the confirmed choice sessions (``choice = True``) into slots.

    A slot is a set of choice sessions connected by overlapping in time (sessions that
    merely touch, one ending when the next starts, do not overlap). Slots are ordered and
    numbered (``slot-1``, ``slot-2``...) by their first start; the sessions in a slot keep
    the order they have in ``sessions``. Cancelled sessions belong to no slot.
    """
    chosen = [
        (position, s)
        for position, s in enumerate(sessions)
        if s.choice and s.status is SessionStatus.CONFIRMED
    ]
    chosen.sort(key=lambda item: (tz.to_utc(item[1].start), item[0]))
    groups: list[list[tuple[int, Session]]] = []
    latest_end: _dt.datetime | None = None
    for position, session in chosen:
        if latest_end is None or tz.to_utc(session.start) >= latest_end:
            groups.append([])
            latest_end = tz.to_utc(session.end)
        groups[-1].append((position, session))
        latest_end = max(latest_end, tz.to_utc(session.end))
    return tuple(
        ChoiceSlot(id=f"slot-{number}", sessions=tuple(s for _, s in sorted(group)))
        for number, group in enumerate(groups, 1)
    )


def parallel_sessions(sessions: Iterable[Session]) -> frozenset[str]:
    """The ids of the sessions each participant attends only if assigned to them.

    These are the choice sessions and the breakouts (any session that is not a plenary)
    overlapping another confirmed non-plenary session: the rooms of small groups or
    workshops running at the same time. Everyone attends the other sessions (plenaries, a
    single breakout). Invites give a participant only their own parallel sessions when told
    which they are (:func:`ran_events.ics.invite`'s ``rooms``).
    """
    confirmed = sorted(
        (
            s
            for s in sessions
            if s.kind is not SessionKind.PLENARY and s.status is SessionStatus.CONFIRMED
        ),
        key=lambda s: tz.to_utc(s.start),
    )
    found = {s.id for s in sessions if s.choice}
    latest: Session | None = None  # the session reaching furthest among those started
    for session in confirmed:
        if latest is not None and tz.to_utc(session.start) < tz.to_utc(latest.end):
            found.update((session.id, latest.id))
        if latest is None or tz.to_utc(session.end) > tz.to_utc(latest.end):
            latest = session
    return frozenset(found)


def _choice_problems(sessions: Sequence[Session]) -> list[InvalidValue]:
    """Choice sessions that are plenaries, or in one slot without overlapping each other."""
    position = {id(s): p for p, s in enumerate(sessions)}
    problems = [
        InvalidValue(
            f"sessions[{p}].kind",
            s.kind.value,
            "'breakout' or 'other' for a choice session (a plenary is for everyone)",
        )
        for p, s in enumerate(sessions)
        if s.choice and s.kind is SessionKind.PLENARY
    ]
    for slot in choice_slots(sessions):
        for first, second in itertools.combinations(slot.sessions, 2):
            if second.start < first.end and first.start < second.end:
                continue
            later = max(first, second, key=lambda s: (s.start, position[id(s)]))
            other = first if later is second else second
            problems.append(
                InvalidValue(
                    f"sessions[{position[id(later)]}].start",
                    later.start.isoformat(),
                    f"a time overlapping choice session {other.id!r} "
                    f"({other.start.isoformat()} to {other.end.isoformat()}): the choice "
                    f"sessions of {slot.id} ({', '.join(slot.session_ids)}) are parallel "
                    "alternatives, each participant attends one of them",
                )
            )
    return problems


def slot_capacity_problems(event: Event) -> list[InvalidValue]:
    """Choice slots whose sessions together have fewer places than the event.

    Not an invariant (fewer people than the capacity may be selected): ``ran-events check``
    prints these as warnings, and :func:`~ran_events.groups.assign_workshops` refuses to
    place more people than a slot holds.
    """
    return [
        InvalidValue(
            f"sessions[{event.sessions.index(slot.sessions[0])}].capacity",
            slot.capacity,
            f"at least {event.capacity} places together in {slot.id} "
            f"({', '.join(slot.session_ids)}), the event's capacity "
            f"({event.capacity - slot.capacity} short)",
        )
        for slot in choice_slots(event.sessions)
        if slot.capacity is not None and slot.capacity < event.capacity
    ]


def _ranking_problems(sessions: Sequence[Session], form: Form) -> list[InvalidValue]:
    """Ranking questions that list something other than the event's choice sessions."""
    ids = [s.id for s in sessions if s.choice]  # (a cancelled one too: it was offered)
    problems: list[InvalidValue] = []
    for position, question in enumerate(form.questions):
        if question.kind is not QuestionKind.RANKING:
            continue
        path = f"form.questions[{position}].choices"
        if not ids:
            problems.append(
                InvalidValue(
                    path,
                    question.choices,
                    "choice sessions to rank: mark the parallel workshops 'choice = true'",
                )
            )
        problems.extend(
            InvalidValue(path, choice, f"the id of a choice session (one of {ids})")
            for choice in question.choices
            if choice not in ids
        )
    return problems


def _with_ranked_sessions(form: Form, sessions: Sequence[Session]) -> Form:
    """The form with each ranking question without choices listing the choice sessions."""
    if not any(q.kind is QuestionKind.RANKING and not q.choices for q in form.questions):
        return form
    ids = tuple(s.id for slot in choice_slots(sessions) for s in slot.sessions)
    return Form(
        questions=tuple(
            attrs.evolve(q, choices=ids) if q.kind is QuestionKind.RANKING and not q.choices else q
            for q in form.questions
        )
    )


def event_problems(
    sessions: Sequence[Session],
    registration: RegistrationWindow,
    target_groups: Sequence[str] = (),
    form: Form | None = None,
) -> list[InvalidValue]:
    """Return every broken invariant between an event's parts (empty when they fit).

    :class:`Event` raises the first of them; event files report them all at once.
    Checked: at least one session; unique session ids; plenaries that do not overlap one
    another (parallel breakouts may); choice sessions that are not plenaries and that
    overlap every other choice session of their slot (:func:`choice_slots`); a deadline no
    later than the first session's start; each target group named once; with ``form``,
    ranking questions that list only choice sessions (and an event that has some).
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
    problems.extend(_choice_problems(sessions))
    if form is not None:
        problems.extend(_ranking_problems(sessions, form))
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
        problems = event_problems(self.sessions, self.registration, self.target_groups, self.form)
        if problems:
            raise problems[0]
        ranked = _with_ranked_sessions(self.form, self.sessions)
        if ranked is not self.form:
            object.__setattr__(self, "form", ranked)
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
    def parallel_sessions(self) -> frozenset[str]:
        """The ids of its parallel sessions (see :func:`parallel_sessions`)."""
        return parallel_sessions(self.sessions)

    @property
    def choice_slots(self) -> tuple[ChoiceSlot, ...]:
        """The event's choice slots: its parallel workshops (see :func:`choice_slots`)."""
        return choice_slots(self.sessions)

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
