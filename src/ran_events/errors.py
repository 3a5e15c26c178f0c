"""The exceptions and warnings of :mod:`ran_events`.

Every exception derives from :class:`RanEventsError` *and* from the builtin that fits its
meaning (:class:`ValueError`, :class:`TypeError`, :class:`LookupError`), so callers can catch
either. Each carries the offending value(s) as attributes and a message that says what would
have been accepted.

This module is at the bottom of the layers: it imports nothing from the rest of the package.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any, overload

__all__ = [
    "AbbreviationMismatch",
    "AmbiguousTimeError",
    "AwareDatetimeError",
    "CalDavError",
    "ConcurrentChange",
    "DeadlineParseError",
    "DeliveryError",
    "DocumentError",
    "DuplicateRegistration",
    "EventFileError",
    "FacilitatorCountError",
    "FileProblem",
    "GroupSizeError",
    "IcsError",
    "IllegalTransition",
    "InfeasibleSelection",
    "InvalidAnswers",
    "InvalidEmail",
    "InvalidPolicyConfig",
    "InvalidUrl",
    "InvalidValue",
    "MissingExtra",
    "NaiveDatetimeError",
    "NoParticipants",
    "NonexistentTimeError",
    "PoliciesFileError",
    "RanEventsError",
    "RanEventsWarning",
    "RegistrationClosed",
    "RegistrationNotOpen",
    "ReplayMismatch",
    "ReplyError",
    "ScheduleParseError",
    "SeedMismatch",
    "SmtpUtf8Unsupported",
    "StoreError",
    "StoreIntegrityError",
    "StoreVersionError",
    "TimeRangeError",
    "UnknownEvent",
    "UnknownGroupAttribute",
    "UnknownPolicy",
    "UnknownRegistration",
    "UnknownTimeZone",
    "UnknownTimeZoneAbbreviation",
    "WeekdayMismatch",
    "WorkshopCapacityError",
]


class RanEventsError(Exception):
    """Base class of every exception this library raises on purpose."""


class RanEventsWarning(UserWarning):
    """Base class of the warnings this library emits."""


# --------------------------------------------------------------------------------------------
# Values and models


class InvalidValue(RanEventsError, ValueError):
    """Raised when a field of a model or a file holds a value it cannot accept.

    Attributes:
        field: the name of the field (dotted for nested ones, e.g. ``sessions[1].end``).
        value: the offending value.
        expected: what would have been accepted, in words.
    """

    def __init__(self, field: str, value: object, expected: str, *, detail: str = "") -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.detail = detail
        message = f"{field}: {value!r} is not valid"
        if detail:
            message += f" ({detail})"
        message += f"; expected {expected}"
        super().__init__(message)


class InvalidEmail(InvalidValue):
    """Raised when an e-mail address is not valid; ``reason`` is the validator's explanation."""

    def __init__(self, value: str, reason: str, *, field: str = "email") -> None:
        self.reason = reason
        super().__init__(field, value, "an address such as name@example.org", detail=reason)


class InvalidUrl(InvalidValue):
    """Raised when a URL is not an absolute ``http``/``https`` URL with a host."""

    def __init__(self, value: str, *, field: str = "url", detail: str = "") -> None:
        super().__init__(
            field, value, "an absolute http:// or https:// URL with a host name", detail=detail
        )


class NaiveDatetimeError(RanEventsError, TypeError):
    """Raised when a datetime without a time zone reaches a place that needs an instant.

    Attributes:
        field: where the naive value was given.
        value: the naive datetime.
    """

    def __init__(self, field: str, value: _dt.datetime) -> None:
        self.field = field
        self.value = value
        super().__init__(
            f"{field}: {value.isoformat()} is a naive datetime; give an aware one "
            "(use ran_events.tz.localize(naive, zone) to attach a zone)"
        )


class AwareDatetimeError(RanEventsError, TypeError):
    """Raised when :func:`ran_events.tz.localize` is given an already aware datetime."""

    def __init__(self, value: _dt.datetime) -> None:
        self.value = value
        super().__init__(
            f"{value.isoformat()} is already aware; localize() attaches a zone to a naive wall "
            "time. To express an instant in another zone use ran_events.tz.to_zone(value, zone)"
        )


# --------------------------------------------------------------------------------------------
# Time zones and schedules


class UnknownTimeZone(RanEventsError, LookupError):
    """Raised when a time-zone name is not in the tz database.

    Attributes:
        name: the name given.
        suggestions: close IANA names, best first (may be empty).
    """

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        message = f"unknown time zone {name!r}; expected an IANA name such as 'Europe/Brussels'"
        if self.suggestions:
            message += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return str(self.args[0])


class UnknownTimeZoneAbbreviation(RanEventsError, LookupError):
    """Raised when a zone abbreviation (``CEST``, ``EET``...) has no configured zone.

    Attributes:
        abbreviation: the abbreviation given.
        known: the abbreviations that are configured.
    """

    def __init__(self, abbreviation: str, known: Iterable[str]) -> None:
        self.abbreviation = abbreviation
        self.known = tuple(sorted(known))
        super().__init__(
            f"unknown time-zone abbreviation {abbreviation!r}; known: {', '.join(self.known)} "
            "(or give an IANA name such as 'Europe/Brussels')"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class _LocalTimeError(RanEventsError, ValueError):
    def __init__(
        self,
        wall: _dt.datetime,
        zone: str,
        candidates: Sequence[_dt.datetime],
        message: str,
    ) -> None:
        self.wall = wall
        self.zone = zone
        self.candidates = tuple(candidates)
        super().__init__(message)


class NonexistentTimeError(_LocalTimeError):
    """Raised when a wall time falls in a spring-forward gap and no resolution was chosen.

    Attributes:
        wall: the naive wall time.
        zone: the zone name.
        candidates: the instants the time would mean with the offset before and after the gap
            (earlier first); ``disambiguate="compatible"`` or ``"later"`` picks the later.
    """

    def __init__(self, wall: _dt.datetime, zone: str, candidates: Sequence[_dt.datetime]) -> None:
        super().__init__(
            wall,
            zone,
            candidates,
            f"{wall.isoformat()} does not exist in {zone} (clocks skip it); choose "
            "disambiguate='earlier', 'later' or 'compatible', or give another time",
        )


class AmbiguousTimeError(_LocalTimeError):
    """Raised when a wall time occurs twice (autumn fold) and no resolution was chosen.

    Attributes:
        wall: the naive wall time.
        zone: the zone name.
        candidates: the two instants it can mean, earlier first.
    """

    def __init__(self, wall: _dt.datetime, zone: str, candidates: Sequence[_dt.datetime]) -> None:
        shown = " or ".join(c.isoformat() for c in candidates)
        super().__init__(
            wall,
            zone,
            candidates,
            f"{wall.isoformat()} occurs twice in {zone} ({shown}); choose "
            "disambiguate='earlier', 'later' or 'compatible'",
        )


class WeekdayMismatch(RanEventsError, ValueError):
    """Raised when a text names a weekday that the date does not fall on.

    Attributes:
        text: the text.
        weekday: the weekday named.
        date: the date.
        actual: the weekday the date falls on.
    """

    def __init__(self, text: str, weekday: str, date: _dt.date, actual: str) -> None:
        self.text = text
        self.weekday = weekday
        self.date = date
        self.actual = actual
        super().__init__(
            f"{text!r}: {date.isoformat()} is a {actual}, not a {weekday}; "
            "correct the weekday or the date"
        )


class AbbreviationMismatch(RanEventsError, ValueError):
    """Raised when a zone abbreviation contradicts the date (``CEST`` in December).

    Attributes:
        abbreviation: the abbreviation written.
        when: the local datetime it was attached to.
        zone: the zone the abbreviation stands for.
        actual: the abbreviation in force in that zone at that time.
    """

    def __init__(self, abbreviation: str, when: _dt.datetime, zone: str, actual: str) -> None:
        self.abbreviation = abbreviation
        self.when = when
        self.zone = zone
        self.actual = actual
        super().__init__(
            f"{abbreviation} is not in force in {zone} on {when:%Y-%m-%d %H:%M}: "
            f"the clocks show {actual} then; write {actual} or check the date"
        )


class TimeRangeError(RanEventsError, ValueError):
    """Raised when an end is not after its start.

    Attributes:
        start: the start.
        end: the end.
        what: what the range is (``"session 'plenary'"``, ``"schedule"``...).
    """

    def __init__(self, start: _dt.datetime, end: _dt.datetime, what: str = "range") -> None:
        self.start = start
        self.end = end
        self.what = what
        super().__init__(
            f"{what}: end {end.isoformat()} is not after start {start.isoformat()}; "
            "expected an end later than the start"
        )


class ScheduleParseError(RanEventsError, ValueError):
    """Raised when an announcement's date and time cannot be read.

    Attributes:
        text: the text given.
        expected: the phrasings that are understood.
    """

    _reading: str = "a schedule"

    def __init__(self, text: str, expected: str) -> None:
        self.text = text
        self.expected = expected
        super().__init__(f"cannot read {text!r} as {self._reading}; expected {expected}")


class DeadlineParseError(ScheduleParseError):
    """Raised when a deadline's day cannot be read (``ran_events.tz.parse_deadline``).

    Attributes:
        text: the text given.
        expected: the phrasings that are understood.
    """

    _reading = "a deadline"


# --------------------------------------------------------------------------------------------
# Files


class FileProblem:
    """One problem found in a file: where it is, which field, the value, what is wrong.

    Attributes:
        line: 1-based line number, or ``None`` when the parser does not give one.
        field: dotted field name (``sessions[0].start``), or ``""`` for the file as a whole.
        value: the offending value, or ``None``.
        message: what is wrong and what would be accepted.
    """

    __slots__ = ("field", "line", "message", "value")

    def __init__(self, *, line: int | None, field: str, value: Any = None, message: str) -> None:
        self.line = line
        self.field = field
        self.value = value
        self.message = message

    def format(self, path: str | None = None) -> str:
        """Return the problem as one line: ``path:line: field: message``."""
        where = path or "<text>"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"FileProblem(line={self.line!r}, field={self.field!r}, value={self.value!r}, "
            f"message={self.message!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileProblem):
            return NotImplemented
        return (self.line, self.field, self.value, self.message) == (
            other.line,
            other.field,
            other.value,
            other.message,
        )

    __hash__ = None  # type: ignore[assignment]


class EventFileError(RanEventsError, ValueError):
    """Raised when an event file (TOML or JSON) is invalid; lists *every* problem at once.

    Attributes:
        path: the file's path, or ``None`` for text.
        problems: each problem with its line, field, value and message.
    """

    def __init__(self, path: str | None, problems: Sequence[FileProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(_problems_text(path, "event text", self.problems))


def _problems_text(path: str | None, text: str, problems: Sequence[FileProblem]) -> str:
    """``N problem(s) in PATH:`` (or in ``text``) and one line per problem."""
    lines = [p.format(path) for p in problems]
    return f"{len(lines)} problem{'s' if len(lines) != 1 else ''} in {path or text}:\n  " + (
        "\n  ".join(lines)
    )


class DocumentError(RanEventsError, ValueError):
    """Raised when a JSON document (registrations, a selection record) cannot be read.

    Raised for text that is not JSON (or not UTF-8), nests too deeply, is not the layout
    with ``schema_version`` the library writes, or holds data that does not fit the models.

    Attributes:
        what: what the document should have been (``"selection record"``...).
        problems: each problem, with the path of its field where there is one
            (``required field missing @ $[0].id``).
        summary: what the problems have in common, or ``""``.
    """

    def __init__(self, what: str, problems: Sequence[str], *, summary: str = "") -> None:
        self.what = what
        self.problems = tuple(problems)
        self.summary = summary
        head = f"not a valid {what}: " + (f"{summary}: " if summary else "")
        super().__init__(head + "; ".join(self.problems))


# --------------------------------------------------------------------------------------------
# Registrations


class InvalidAnswers(RanEventsError, ValueError):
    """Raised when answers do not fit the event's form; lists every problem of one application.

    Attributes:
        problems: ``(question_id, value, message)`` for each problem.
    """

    def __init__(self, problems: Sequence[tuple[str, object, str]]) -> None:
        self.problems = tuple(problems)
        text = "; ".join(f"{q}: {msg}" for q, _v, msg in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) with the answers: {text}")


class IllegalTransition(RanEventsError, ValueError):
    """Raised when a registration is moved to a status its current status cannot reach.

    Attributes:
        current: the current status.
        requested: the status asked for.
        allowed: the statuses reachable from ``current``.
    """

    def __init__(self, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = tuple(allowed)
        can = ", ".join(self.allowed) if self.allowed else "nothing (it is final)"
        super().__init__(f"cannot go from {current!r} to {requested!r}; from {current!r}: {can}")


class _WindowError(RanEventsError, ValueError):
    def __init__(self, at: _dt.datetime, bound: _dt.datetime, message: str) -> None:
        self.at = at
        self.bound = bound
        super().__init__(message)


class RegistrationNotOpen(_WindowError):
    """Raised when an application arrives before registration opens.

    Attributes:
        at: when the application was submitted.
        bound: when registration opens (in the event's zone).
    """

    def __init__(self, at: _dt.datetime, opens: _dt.datetime) -> None:
        super().__init__(
            at,
            opens,
            f"registration opens {opens.isoformat()}; the application of "
            f"{at.isoformat()} came before that",
        )


class RegistrationClosed(_WindowError):
    """Raised when an application arrives at or after the deadline.

    Attributes:
        at: when the application was submitted.
        bound: the deadline (first instant no longer accepted, in the event's zone).
    """

    def __init__(self, at: _dt.datetime, closes: _dt.datetime, deadline: str = "") -> None:
        """``deadline``: the deadline as organisers give it ("end of Wed 6 Sep 2023
        (Europe/Brussels)", :func:`ran_events.tz.format_deadline`); else the instant."""
        super().__init__(
            at,
            closes,
            f"registration closed: the application of {at.isoformat()} came after the "
            f"deadline, {deadline or closes.isoformat()}",
        )


class DuplicateRegistration(RanEventsError, ValueError):
    """Raised when an address already has a registration and duplicates are rejected.

    Attributes:
        email: the normalised address.
        existing_id: the id of the registration already held.
    """

    def __init__(self, email: str, existing_id: str) -> None:
        self.email = email
        self.existing_id = existing_id
        super().__init__(
            f"{email} already registered as {existing_id}; use on_duplicate='replace' to keep "
            "the latest application"
        )


class UnknownRegistration(RanEventsError, LookupError):
    """Raised when a registration id is not known.

    Attributes:
        registration_id: the id asked for.
    """

    def __init__(self, registration_id: str) -> None:
        self.registration_id = registration_id
        super().__init__(f"no registration with id {registration_id!r}")

    def __str__(self) -> str:
        return str(self.args[0])


# --------------------------------------------------------------------------------------------
# Selection


class InfeasibleSelection(RanEventsError, ValueError):
    """Raised when no selection can satisfy the capacity, quotas and caps together.

    Attributes:
        conflicts: sentences naming the constraints that cannot hold together, smallest set
            first (e.g. ``"role=exit min 4 but only 2 eligible applicants"``).
        relaxations: sentences saying what change would make the selection feasible.
        remedies: the same relaxations as objects that can be applied, when the selection
            layer made them (each a :class:`ran_events.selection.Relaxation` with the
            ``sentence`` of the relaxation and ``apply(event)``); every one of them has
            been checked to make the selection feasible on its own.
    """

    def __init__(
        self,
        conflicts: Sequence[str],
        relaxations: Sequence[str] = (),
        *,
        remedies: Sequence[Any] = (),
    ) -> None:
        self.conflicts = tuple(conflicts)
        self.remedies = tuple(remedies)
        self.relaxations = tuple(relaxations) or tuple(r.sentence for r in self.remedies)
        message = "no selection satisfies the constraints: " + "; ".join(self.conflicts)
        if self.relaxations:
            message += ". Feasible if: " + "; or ".join(self.relaxations)
        super().__init__(message)


class UnknownPolicy(RanEventsError, LookupError):
    """Raised when a selection policy name is not registered.

    Attributes:
        name: the name asked for.
        known: the registered names.
    """

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"unknown selection policy {name!r}; known: {', '.join(self.known)}")

    def __str__(self) -> str:
        return str(self.args[0])


_MESSAGE_ONLY: Any = object()
"""The ``value`` of an :class:`InvalidPolicyConfig` made from a message alone."""


class InvalidPolicyConfig(InvalidValue):
    """Raised when a policy's seed or parameters are missing or invalid (e.g. a lottery
    without seed), or a policy cannot be registered or built.

    Two forms. A policy refusing its parameters may give a message alone (the field is then
    ``selection.parameters``, or ``selection.parameters.PARAMETER`` with ``parameter=``, which
    may be a dotted path such as ``weights.role.prison``)::

        raise InvalidPolicyConfig("weights must be positive", parameter="weights")

    or, like every :class:`InvalidValue`, the field, the value and what is expected::

        raise InvalidPolicyConfig("selection.parameters.weights", -1, "a positive number")

    The registry, :func:`~ran_events.selection.simulate` and ``ran-events check`` fill in
    ``policy`` (the name the policy is registered under) when a factory raises it, so the
    message says which policy refused.

    Attributes:
        policy: the refusing policy's name (``None`` until known).
        message: the message given alone (``None`` in the second form).
    """

    @overload
    def __init__(
        self, message: str, /, *, parameter: str | None = None, policy: str | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        field: str,
        value: object,
        expected: str,
        /,
        *,
        detail: str = "",
        policy: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        field: str,
        value: object = _MESSAGE_ONLY,
        expected: str | None = None,
        /,
        *,
        detail: str = "",
        parameter: str | None = None,
        policy: str | None = None,
    ) -> None:
        self.message: str | None = None
        if value is _MESSAGE_ONLY and expected is None:
            self.message = field
            field = "selection.parameters" + (f".{parameter}" if parameter else "")
            value, expected = None, field
        elif expected is None or parameter is not None:
            raise TypeError(
                "InvalidPolicyConfig takes a message alone (and parameter=), "
                "or a field, a value and what is expected"
            )
        super().__init__(field, value, expected, detail=detail)
        self.policy = policy
        self._describe()

    def with_policy(self, name: str) -> InvalidPolicyConfig:
        """Name the refusing policy (unless already named) and return this exception."""
        if self.policy is None:
            self.policy = name
            self._describe()
        return self

    def _describe(self) -> None:
        if self.message is None:
            return  # the built-in form's message names its field and value already
        who = "the policy" if self.policy is None else f"the {self.policy!r} policy"
        self.expected = f"parameters {who} accepts"
        self.args = (f"{self.field}: {who} refuses its parameters: {self.message}",)

    def __reduce__(self) -> tuple[Any, ...]:  # a worker process's error reaches the caller
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[InvalidPolicyConfig], args: tuple[Any, ...], state: dict[str, Any]
) -> InvalidPolicyConfig:
    """An :class:`InvalidPolicyConfig` with ``args`` and ``state`` (how one is unpickled)."""
    made = cls.__new__(cls, *args)
    made.args = args
    made.__dict__.update(state)
    return made


class SeedMismatch(InvalidValue):
    """Raised when a selection seed does not match the event's published commitment.

    An event may publish ``selection.seed_sha256`` (the SHA-256 of the seed's decimal text)
    while registration is open and reveal the seed only when selecting; a seed whose hash
    is not the commitment is refused.

    Attributes:
        seed: the seed given.
        commitment: the SHA-256 published (``selection.seed_sha256``).
        actual: the SHA-256 of the seed given.
    """

    def __init__(self, seed: int, commitment: str, actual: str) -> None:
        self.seed = seed
        self.commitment = commitment
        self.actual = actual
        super().__init__(
            "selection.seed",
            seed,
            f"the seed committed to by selection.seed_sha256 = {commitment}",
            detail=f"its SHA-256 is {actual}",
        )


class ReplayMismatch(RanEventsError, ValueError):
    """Raised when :func:`replay` is given registrations that differ from the recorded input.

    Attributes:
        expected: the SHA-256 recorded.
        actual: the SHA-256 of the registrations given.
    """

    def __init__(self, expected: str, actual: str, detail: str = "") -> None:
        self.expected = expected
        self.actual = actual
        message = (
            f"the registrations differ from the recorded input (recorded sha256 {expected}, "
            f"given {actual})"
        )
        if detail:
            message += f": {detail}"
        super().__init__(message)


# --------------------------------------------------------------------------------------------
# Small groups


class GroupSizeError(InvalidValue):
    """Raised when the groups asked for cannot be made from the participants given.

    Neither or both of ``size`` and ``groups`` given, a size below 2, a size larger than
    the number of participants, or more groups than participants (``field`` says which).
    """


class NoParticipants(InvalidValue):
    """Raised when there is nobody to split into groups (an empty list of participants)."""

    def __init__(self) -> None:
        super().__init__("participants", [], "at least one registration to place in a group")


class UnknownGroupAttribute(InvalidValue):
    """Raised when an attribute to balance or keep apart is held by none of the participants.

    Attributes:
        known: the attributes the participants do have (registrant fields, free attributes,
            answers), sorted.
    """

    def __init__(self, field: str, attribute: str, known: Iterable[str]) -> None:
        self.known = tuple(sorted(known))
        super().__init__(
            field,
            attribute,
            "an attribute some participant has: " + (", ".join(self.known) or "none"),
            detail="no participant has a value for it",
        )


class FacilitatorCountError(InvalidValue):
    """Raised when facilitators are given but not exactly one per group.

    Attributes:
        groups: how many groups there are.
        facilitators: how many facilitators were given.
    """

    def __init__(self, groups: int, facilitators: int) -> None:
        self.groups = groups
        self.facilitators = facilitators
        super().__init__(
            "facilitators",
            facilitators,
            f"{groups} facilitators, one per group (or none)",
            detail=f"{facilitators} given for {groups} groups",
        )


# --------------------------------------------------------------------------------------------
# iCalendar


class IcsError(RanEventsError, ValueError):
    """Raised when iCalendar data cannot be read back into the library's models.

    Attributes:
        reason: what is wrong and what was expected.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ReplyError(IcsError):
    """Raised when a calendar reply (an iTIP REPLY, RFC 5546, in a ``.ics`` file or an e-mail)
    cannot be read.

    Raised for data that is neither a calendar nor an e-mail with a calendar part, a calendar
    whose METHOD is not REPLY, and a REPLY without the UID, the one replying ATTENDEE or a
    PARTSTAT that answers (ACCEPTED, DECLINED, TENTATIVE, DELEGATED), or with a value that
    is not of its type (a SEQUENCE that is not a number...).

    Attributes:
        source: the file the reply came from, or ``"<bytes>"``.
        reason: what is wrong and what was expected.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        super().__init__(reason)
        self.args = (f"{source}: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


# --------------------------------------------------------------------------------------------
# Small groups and workshops


class WorkshopCapacityError(RanEventsError, ValueError):
    """Raised when the sessions of a choice slot have fewer places than people to place.

    Attributes:
        slot: the slot's id (``slot-1``).
        session_ids: its sessions.
        people: how many people were to be placed.
        places: how many places its sessions have together.
    """

    def __init__(self, slot: str, session_ids: Sequence[str], people: int, places: int) -> None:
        self.slot = slot
        self.session_ids = tuple(session_ids)
        self.people = people
        self.places = places
        super().__init__(
            f"{slot} ({', '.join(self.session_ids)}) has {places} places for {people} people: "
            f"{people - places} short; raise a session's capacity, add a session to the slot "
            "or place fewer people"
        )

    @property
    def shortfall(self) -> int:
        """How many places are missing."""
        return self.people - self.places


# Policy experiments


class PoliciesFileError(RanEventsError, ValueError):
    """Raised when a policies file (labelled policy configurations, TOML) is invalid; lists
    *every* problem at once, each with its line where one can be found.

    Attributes:
        path: the file's path, or ``None`` for text.
        problems: each problem with its line, field (``label.parameters``), value and message.
    """

    def __init__(self, path: str | None, problems: Sequence[FileProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(_problems_text(path, "policies text", self.problems))


class MissingExtra(RanEventsError, ImportError):
    """Raised when a feature needs an optional extra whose packages are not installed
    (``report.to_pandas()`` without pandas, ``report.plot()`` without matplotlib).

    Attributes:
        extra: the extra to install (``pandas``, ``polars``, ``plot``).
        feature: what needed it.
    """

    def __init__(self, extra: str, feature: str) -> None:
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the optional extra {extra!r}: pip install 'ran-events[{extra}]'"
        )


# Stores (ran_events.store) and concurrent changes


class ConcurrentChange(RanEventsError, RuntimeError):
    """Raised when a registration's status changed between reading it and writing a change.

    A status change is a compare-and-set: it applies only if the stored status is still the
    one it was computed from. Read the registration again and decide anew.

    Attributes:
        registration_id: the registration.
        expected: the status the change was computed from.
        actual: the status stored now.
    """

    def __init__(self, registration_id: str, expected: str, actual: str) -> None:
        self.registration_id = registration_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"registration {registration_id} changed concurrently: expected status "
            f"{expected!r}, found {actual!r}; read it again and retry"
        )


class UnknownEvent(RanEventsError, LookupError):
    """Raised when a store holds no event (or no such revision of it) with the id asked for.

    Attributes:
        event_id: the id asked for.
        revision: the revision asked for (``None``: the latest).
        known: the event ids the store holds.
    """

    def __init__(
        self, event_id: str, *, revision: int | None = None, known: Iterable[str] = ()
    ) -> None:
        self.event_id = event_id
        self.revision = revision
        self.known = sorted(known)
        what = f"event {event_id!r}" + (f" revision {revision}" if revision is not None else "")
        super().__init__(f"the store holds no {what} (events held: {self.known})")

    def __str__(self) -> str:
        return str(self.args[0])


# --------------------------------------------------------------------------------------------
# Delivery


class DeliveryError(RanEventsError, RuntimeError):
    """Raised when queued messages cannot be delivered at all (not for one refused recipient,
    which is recorded in the message log): the server cannot be reached after every retry,
    refuses the login, lacks a feature a message needs (:class:`SmtpUtf8Unsupported`), or
    the credentials are missing from the environment.

    Attributes:
        reason: what went wrong and what would fix it.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SmtpUtf8Unsupported(DeliveryError):
    """Raised when a message must go to an address that needs SMTPUTF8 (RFC 6531: a
    non-ASCII mailbox name) and the SMTP server does not offer that extension.

    Attributes:
        recipient: the address that needs it.
        message_id: the message that was not sent (it stays queued).
    """

    def __init__(self, recipient: str, message_id: str, server: str) -> None:
        self.recipient = recipient
        self.message_id = message_id
        super().__init__(
            f"{recipient} needs SMTPUTF8 (a non-ASCII address) and {server} does not offer it; "
            f"{message_id} stays queued: send it through a server that offers SMTPUTF8"
        )


class CalDavError(RanEventsError, RuntimeError):
    """Raised when a CalDAV server refuses to store or delete a resource.

    Attributes:
        url: the resource's URL.
        status: the HTTP status (0 when the server could not be reached).
        reason: the server's reason, or the connection error.
    """

    def __init__(self, url: str, status: int, reason: str) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        what = f"HTTP {status} {reason}" if status else reason
        super().__init__(f"CalDAV {url}: {what}")


class StoreError(RanEventsError, RuntimeError):
    """Raised when a store cannot be opened or used (the base of the store's own errors)."""


class StoreVersionError(StoreError):
    """Raised when a store was written by a newer ran_events than this one.

    Attributes:
        location: the file or database.
        found: the store's schema version.
        known: the newest schema version this ran_events reads.
        written_by: the ran_events version that last upgraded the store ("" if unknown).
    """

    def __init__(self, location: str, found: int, known: int, written_by: str = "") -> None:
        self.location = location
        self.found = found
        self.known = known
        self.written_by = written_by
        by = f" written by ran_events {written_by}" if written_by else ""
        super().__init__(
            f"{location}: the store has schema version {found}{by}; this ran_events reads "
            f"versions up to {known}: open it with ran_events {written_by or 'of that version'} "
            "or newer (a store is never downgraded)"
        )


class StoreIntegrityError(StoreError):
    """Raised when a store's contents are inconsistent (see ``Store.integrity``).

    Attributes:
        location: the file or database.
        problems: each problem, one sentence.
    """

    def __init__(self, location: str, problems: Sequence[str]) -> None:
        self.location = location
        self.problems = list(problems)
        super().__init__(f"{location}: the store is inconsistent: " + "; ".join(self.problems))
