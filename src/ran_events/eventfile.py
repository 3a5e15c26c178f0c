"""Event files: ``load``/``loads``/``dump``/``dumps`` of an :class:`~ran_events.models.Event`.

Event files follow the layout of the design (``docs/event-file.md``), in TOML or JSON: local
wall times in the event's zone, a date alone as a deadline meaning the end of that day there.
Reading one reports *every* problem at once, each with the file, the line (from the parser or
found in the text), the field, the value and what would be accepted; an unknown key is a
problem, so a typo never passes silently. The keys a table accepts are the fields of its
model (:func:`attrs.fields`), so a new field is a key as soon as the model has it. Writing an
event gives a file that reads back to an equal Event.

>>> from ran_events import eventfile
>>> from ran_events.examples import webinar
>>> text = eventfile.dumps(webinar())
>>> print(text.splitlines()[0])
id = "ran-mh-pcve-2023"
>>> eventfile.loads(text) == webinar()
True
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import attrs

from . import tz
from ._atomic import write_atomic
from ._converter import SCHEMA_VERSION, TOO_DEEP, converter, not_utf8, too_long
from .errors import (
    AmbiguousTimeError,
    EventFileError,
    FileProblem,
    NonexistentTimeError,
    RanEventsError,
    TimeRangeError,
)
from .models import (
    FIRST_YEAR,
    LAST_YEAR,
    ConsentQuestion,
    Event,
    Form,
    OnlineMeeting,
    Organiser,
    Question,
    QuestionKind,
    QuotaBounds,
    RegistrationWindow,
    SelectionRules,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
    event_problems,
    register_event_files,
)

__all__ = [
    "Format",
    "dump",
    "dumps",
    "event_from_document",
    "event_to_document",
    "load",
    "loads",
    "locate_problems",
]

T = TypeVar("T")

Format = Literal["toml", "json"]
"""The two syntaxes of an event file."""


def load(path: str | os.PathLike[str]) -> Event:
    """Read an event file: JSON if its name ends in ``.json``, TOML otherwise.

    Raises:
        EventFileError: every problem with file, line, field, value and accepted form.
        OSError: the file cannot be read.
    """
    path = Path(path)
    return loads(path.read_bytes(), format=_format_of(path), source=str(path))


def loads(text: str | bytes, *, format: Format = "toml", source: str | None = None) -> Event:
    """Read the text of an event file (octets are read as UTF-8).

    Args:
        text: the file's content.
        format: ``"toml"`` or ``"json"``.
        source: the file name for messages.

    Raises:
        EventFileError: every problem, each with the line it is on where one can be found.
        ValueError: ``format`` is neither ``"toml"`` nor ``"json"``.
    """
    if format == "json":
        return _from_json(text, source=source)
    if format != "toml":
        raise ValueError(f"format: expected 'toml' or 'json', got {format!r}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _not_utf8_file(source, exc) from None
    return _from_toml(text, source=source)


def dump(event: Event, path: str | os.PathLike[str]) -> None:
    """Write ``event`` to an event file, JSON if its name ends in ``.json``, TOML otherwise.

    The file is written atomically: a reader sees the old file or the whole new one.

    Raises:
        OSError: the file cannot be written.
    """
    path = Path(path)
    write_atomic(path, dumps(event, format=_format_of(path)), private=False)


def dumps(event: Event, *, format: Format = "toml", indent: int | None = 2) -> str:
    """Return ``event`` as the text of an event file that reads back to an equal Event.

    Args:
        event: the event.
        format: ``"toml"``, or ``"json"`` (the TOML layout plus ``schema_version``).
        indent: the indentation of JSON (``None``: all on one line).

    Raises:
        ValueError: ``format`` is neither ``"toml"`` nor ``"json"``.
    """
    if format == "json":
        return json.dumps(
            {"schema_version": SCHEMA_VERSION, **event_to_document(event)},
            ensure_ascii=False,
            indent=indent,
        )
    if format != "toml":
        raise ValueError(f"format: expected 'toml' or 'json', got {format!r}")
    lines: list[str] = []
    _toml_table(lines, "", event_to_document(event))
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _format_of(path: Path) -> Format:
    return "json" if path.suffix.lower() == ".json" else "toml"


# -- event documents (the layout of event files) ------------------------------------------


class _Problems:
    """Collects the problems of one document, with dotted paths."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any, str]] = []

    def add(self, path: str, value: Any, message: str) -> None:
        if value is not None and message.startswith("expected"):
            message = f"{value!r} is not valid; {message}"  # name the bad value
        self.items.append((path, value, message))

    def error(self, path: str, exc: BaseException) -> None:
        """Record a model's exception under ``path`` (the sub-object being built)."""
        field = getattr(exc, "field", "") or ""
        value = getattr(exc, "value", None)
        if not path:
            where = field.replace("registration.closes", "registration.deadline")
        elif isinstance(exc, TimeRangeError):  # (a session's is found before it is built)
            where = "registration.deadline"
        else:  # every other model error names its field
            where = f"{path}.{field.rsplit('.', 1)[-1]}" if field else path
        message = str(exc)
        if field and message.startswith(f"{field}: "):  # the path says it already
            message = message[len(field) + 2 :]
        self.items.append((where, value, message))


@cache
def _fields(cls: Any) -> frozenset[str]:
    """The names of the fields ``cls`` is built from (:func:`attrs.fields`)."""
    return frozenset(f.name for f in attrs.fields(cls) if f.init)


def _keys(cls: type, *, renamed: Mapping[str, str] | None = None) -> frozenset[str]:
    """The keys of ``cls``'s table in an event file: its fields, some under a file name.

    Taken from the model, so that a field added to it is a key of its table at once; and
    :func:`_build` refuses to build a model from a table read without one of its fields.
    """
    names = renamed or {}
    return frozenset(names.get(name, name) for name in _fields(cls))


_EVENT_KEYS: Final = _keys(Event) | {"schema_version"}
_SESSION_KEYS: Final = _keys(Session)
_SESSION_KINDS: Final = frozenset(k.value for k in SessionKind)
_SESSION_STATUSES: Final = frozenset(s.value for s in SessionStatus)
_QUESTION_KEYS: Final = _keys(Question)
_QUESTION_KINDS: Final = "single-choice, multiple-choice, yes-no, free-text, scale or ranking"
_SELECTION_KEYS: Final = _keys(SelectionRules)
_WINDOW_KEYS: Final = _keys(RegistrationWindow, renamed={"closes": "deadline"})
"""A window's end is its ``deadline`` in a file, as announcements call it."""


def _unknown(
    problems: _Problems, table: Mapping[str, Any], allowed: frozenset[str], path: str
) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            close = sorted(k for k in allowed if _similar(k, key))
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(
                where, table[key], f"unknown key {key!r}; expected one of {sorted(allowed)}{hint}"
            )


def _similar(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return True  # "minimum" for "min"
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.75


def _get(  # noqa: PLR0917 - a private reader called in one shape everywhere
    problems: _Problems,
    table: Mapping[str, Any],
    key: str,
    path: str,
    kind: type | tuple[type, ...],
    expected: str,
    *,
    required: bool = True,
    default: Any = None,
) -> Any:
    where = f"{path}.{key}" if path else key
    if key not in table:
        if required:
            problems.add(where, None, f"missing; expected {expected}")
        return default
    value = table[key]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        problems.add(where, value, f"expected {expected}")
        return default
    if not isinstance(value, kind):
        problems.add(where, value, f"expected {expected}")
        return default
    return value


def _table(
    problems: _Problems, doc: Mapping[str, Any], key: str, path: str, *, required: bool
) -> Mapping[str, Any] | None:
    value = _get(problems, doc, key, path, dict, "a table", required=required)
    return value if isinstance(value, dict) else None


_LOCAL_EXPECTED: Final = "a local date-time such as '2023-09-20T14:00' in the event's zone"


def _instant(
    problems: _Problems,
    value: Any,
    path: str,
    zone: str | None,
    *,
    date_means: Callable[[_dt.date, str], _dt.datetime] | None = None,
) -> _dt.datetime | None:
    """Read a time: local wall string/TOML datetime, with offset, or a date if allowed."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if date_means is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                value = _dt.date.fromisoformat(text)
            else:
                value = _dt.datetime.fromisoformat(text)
        except ValueError:
            also = " or a date such as '2023-09-06'" if date_means else ""
            problems.add(path, value, f"expected a real date-time: {_LOCAL_EXPECTED}{also}")
            return None
    if isinstance(value, _dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        shown = value.isoformat()
        problems.add(path, shown, f"expected a time in the years {FIRST_YEAR} to {LAST_YEAR}")
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(tz.zone(zone)) if zone else value
        if zone is None:
            return None  # the zone's own problem is reported already
        try:
            return tz.localize(value, zone)
        except (NonexistentTimeError, AmbiguousTimeError) as exc:
            problems.add(path, value.isoformat(), f"{exc}; or give the time with its offset")
            return None
    if isinstance(value, _dt.date) and date_means is not None:
        if zone is None:
            return None
        return date_means(value, zone)
    if isinstance(value, _dt.time):
        problems.add(path, value.isoformat(), f"a time without a date; expected {_LOCAL_EXPECTED}")
        return None
    expected = _LOCAL_EXPECTED + (" or a date" if date_means else "")
    problems.add(path, value, f"expected {expected}")
    return None


def _deadline(problems: _Problems, value: Any, zone: str | None) -> _dt.datetime | None:
    """A deadline: a date-time, a date, or a day as organisers write it (the end of it)."""
    path = "registration.deadline"
    if isinstance(value, str) and not re.match(r"\s*\d{4}-", value):  # not ISO 8601
        if zone is None:
            return None  # the zone's own problem is reported already
        try:
            return tz.parse_deadline(value, zone)
        except ValueError as exc:  # DeadlineParseError, WeekdayMismatch
            problems.add(path, value, str(exc))
            return None
    return _instant(problems, value, path, zone, date_means=tz.end_of_day)


def _start_of_day(date: _dt.date, zone: str) -> _dt.datetime:
    return tz.localize(_dt.datetime.combine(date, _dt.time()), zone, disambiguate="compatible")


def _build(problems: _Problems, path: str, factory: type[T], **kwargs: Any) -> T | None:
    model: Any = factory  # (a class: hashable, whatever mypy makes of type[T])
    skipped = _fields(model) - kwargs.keys()
    if skipped:  # a field added to the model that the reader here does not read yet
        raise NotImplementedError(
            f"event files do not read {factory.__name__}.{', '.join(sorted(skipped))} yet"
        )
    if any(v is _MISSING for v in kwargs.values()):
        _validate(problems, path, factory, kwargs)  # still report the fields that are given
        return None
    try:
        return factory(**kwargs)
    except (RanEventsError, TypeError, ValueError) as exc:
        problems.error(path, exc)
        return None


_MISSING: Final = object()


def _validate(problems: _Problems, path: str, cls: Any, kwargs: Mapping[str, Any]) -> None:
    """Run the field validators of ``cls`` on the given values not yet reported."""
    reported = {where for where, _, _ in problems.items}
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    for attribute in fields:
        value = kwargs.get(attribute.name, _MISSING)
        where = f"{path}.{attribute.name}" if path else attribute.name
        if value is _MISSING or attribute.validator is None or where in reported:
            continue
        try:
            attribute.validator(None, attribute, value)
        except (RanEventsError, TypeError, ValueError) as exc:
            problems.error(path, exc)


def _req(value: Any) -> Any:
    return _MISSING if value is None else value


def event_from_document(doc: Mapping[str, Any], *, source: str | None = None) -> Event:
    """Build an :class:`~ran_events.models.Event` from a parsed event file.

    Args:
        doc: the parsed TOML or JSON object.
        source: the file name for messages.

    Raises:
        EventFileError: listing every problem found (without line numbers; the file readers
            add them).
    """
    problems = _Problems()
    try:
        event = _event_from_document(problems, doc)
    except RecursionError:  # a value nested nearly as deep as the parser allows
        raise _too_deep(source) from None
    if problems.items or event is None:
        raise EventFileError(
            source,
            [FileProblem(line=None, field=p, value=v, message=m) for p, v, m in problems.items],
        )
    return event


def _event_from_document(problems: _Problems, doc: object) -> Event | None:
    if not isinstance(doc, Mapping):
        problems.add("", doc, "expected a table of event fields")
        return None
    _unknown(problems, doc, _EVENT_KEYS, "")
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.add("schema_version", version, f"expected {SCHEMA_VERSION}")

    zone: str | None = None
    zone_text = _get(
        problems, doc, "timezone", "", str, "an IANA zone name such as 'Europe/Brussels'"
    )
    if zone_text is not None:
        try:
            zone = tz.zone_name(zone_text)
        except RanEventsError as exc:
            problems.add("timezone", zone_text, str(exc))

    organiser = _organiser(problems, doc)
    online = _online(problems, doc)
    venue = _venue(problems, doc)
    window = _window(problems, doc, zone)
    sessions = _sessions(problems, doc, zone)
    form = _form(problems, doc)
    selection = _selection(problems, doc)
    target_groups = _get(
        problems,
        doc,
        "target_groups",
        "",
        list,
        "a list of role names",
        required=False,
        default=[],
    )
    capacity = doc.get("capacity")
    if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity < 1:
        problems.add("capacity", capacity, "expected a whole number of places, at least 1")
    if not all(isinstance(g, str) for g in target_groups):
        problems.add("target_groups", target_groups, "expected a list of role names")
        target_groups = []  # reported; the checks between the parts need names
    fields: dict[str, Any] = {
        "id": _req(_get(problems, doc, "id", "", str, "an identifier such as 'ran-mh-pcve-2023'")),
        "title": _req(_get(problems, doc, "title", "", str, "the event's title")),
        "description": _get(
            problems, doc, "description", "", str, "text", required=False, default=""
        ),
        "language": _get(
            problems,
            doc,
            "language",
            "",
            str,
            "a language code such as 'en'",
            required=False,
            default="en",
        ),
        "capacity": _req(
            _get(problems, doc, "capacity", "", int, "a whole number of places, at least 1")
        ),
        "revision": _get(
            problems, doc, "revision", "", int, "a whole number >= 0", required=False, default=0
        ),
        "timezone": _req(zone),
        "organiser": _req(organiser),
        "registration": _req(window),
        "sessions": _req(sessions),
        "online": online,
        "venue": venue,
        "target_groups": tuple(target_groups),
        "form": _req(form),
        "selection": _req(selection),
    }
    if sessions is not None and window is not None:
        # The invariants between the parts, all of them (Event itself stops at the first).
        for problem in event_problems(sessions, window, tuple(target_groups), form):
            problems.error("", problem)
    if problems.items:
        _validate(problems, "", Event, fields)  # the simple fields' own problems too
        return None
    return _build(problems, "", Event, **fields)


def _organiser(problems: _Problems, doc: Mapping[str, Any]) -> Organiser | None:
    table = _table(problems, doc, "organiser", "", required=True)
    if table is None:
        return None
    _unknown(problems, table, _keys(Organiser), "organiser")
    name = _get(problems, table, "name", "organiser", str, "the organiser's name")
    email = _get(problems, table, "email", "organiser", str, "an address such as name@example.org")
    return _build(problems, "organiser", Organiser, name=_req(name), email=_req(email))


def _online(problems: _Problems, doc: Mapping[str, Any], path: str = "") -> OnlineMeeting | None:
    """The ``[online]`` table of ``doc`` (the event's, or with ``path`` a session's)."""
    table = _table(problems, doc, "online", path, required=False)
    if table is None:
        return None
    where = f"{path}.online" if path else "online"
    _unknown(problems, table, _keys(OnlineMeeting), where)
    return _build(
        problems,
        where,
        OnlineMeeting,
        platform=_req(_get(problems, table, "platform", where, str, "a platform such as 'WebEx'")),
        url=_req(_get(problems, table, "url", where, str, "the join URL")),
        access_notes=_get(
            problems, table, "access_notes", where, str, "text", required=False, default=""
        ),
    )


def _venue(problems: _Problems, doc: Mapping[str, Any]) -> Venue | None:
    table = _table(problems, doc, "venue", "", required=False)
    if table is None:
        return None
    keys = _keys(Venue)
    _unknown(problems, table, keys, "venue")
    values = {
        k: _get(problems, table, k, "venue", str, "text", required=k == "name", default="")
        for k in sorted(keys)
    }
    values["name"] = _req(values["name"])
    return _build(problems, "venue", Venue, **values)


def _window(
    problems: _Problems, doc: Mapping[str, Any], zone: str | None
) -> RegistrationWindow | None:
    table = _table(problems, doc, "registration", "", required=True)
    if table is None:
        return None
    _unknown(problems, table, _WINDOW_KEYS, "registration")
    opens = closes = None
    if "opens" in table:
        opens = _instant(
            problems, table["opens"], "registration.opens", zone, date_means=_start_of_day
        )
    else:
        problems.add("registration.opens", None, f"missing; expected {_LOCAL_EXPECTED} or a date")
    if "deadline" in table:
        closes = _deadline(problems, table["deadline"], zone)
    else:
        problems.add(
            "registration.deadline",
            None,
            "missing; expected a date (open until its end) or a date-time",
        )
    hours = _get(
        problems,
        table,
        "offer_hours",
        "registration",
        int,
        "a whole number of hours, at least 1",
        required=False,
        default=48,
    )
    return _build(
        problems,
        "registration",
        RegistrationWindow,
        opens=_req(opens),
        closes=_req(closes),
        offer_hours=_req(hours),
    )


def _sessions(
    problems: _Problems, doc: Mapping[str, Any], zone: str | None
) -> tuple[Session, ...] | None:
    items = _get(problems, doc, "sessions", "", list, "one or more [[sessions]] tables")
    if items is None:
        return None
    if not items:
        problems.add("sessions", items, "expected at least one [[sessions]] table")
        return None
    sessions: list[Session] = []
    for index, item in enumerate(items):
        path = f"sessions[{index}]"
        if not isinstance(item, dict):
            problems.add(path, item, "expected a table")
            continue
        _unknown(problems, item, _SESSION_KEYS, path)
        start = (
            _instant(problems, item["start"], f"{path}.start", zone) if "start" in item else None
        )
        end = _instant(problems, item["end"], f"{path}.end", zone) if "end" in item else None
        for key in ("start", "end"):
            if key not in item:
                problems.add(f"{path}.{key}", None, f"missing; expected {_LOCAL_EXPECTED}")
        if start is not None and end is not None and end <= start:
            problems.add(
                f"{path}.end",
                end.isoformat(),
                f"the end is not after the start ({start.isoformat()}); expected a later end",
            )
            end = None
        kind = _get(
            problems,
            item,
            "kind",
            path,
            str,
            "plenary, breakout or other",
            required=False,
            default="plenary",
        )
        status = _get(
            problems,
            item,
            "status",
            path,
            str,
            "confirmed or cancelled",
            required=False,
            default="confirmed",
        )
        if kind not in _SESSION_KINDS:
            problems.add(f"{path}.kind", kind, "expected plenary, breakout or other")
            kind = None
        if status not in _SESSION_STATUSES:
            problems.add(f"{path}.status", status, "expected confirmed or cancelled")
            status = None
        session = _build(
            problems,
            path,
            Session,
            id=_req(_get(problems, item, "id", path, str, "a session id such as 'plenary'")),
            title=_req(_get(problems, item, "title", path, str, "the session's title")),
            start=_req(start),
            end=_req(end),
            kind=_req(kind),
            status=_req(status),
            description=_get(
                problems, item, "description", path, str, "text", required=False, default=""
            ),
            **_session_place(problems, item, path),
        )
        if session is not None:
            sessions.append(session)
    return tuple(sessions) if len(sessions) == len(items) else None


def _session_place(problems: _Problems, item: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A session's own place and workshop fields: capacity, online, room and choice."""
    expected = "a whole number of places, at least 1"
    capacity = _get(problems, item, "capacity", path, int, expected, required=False)
    if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity < 1:
        problems.add(f"{path}.capacity", capacity, f"expected {expected}")
        capacity = None
    place: dict[str, Any] = {
        "capacity": capacity,
        "online": _online(problems, item, path),
        "room": _get(
            problems, item, "room", path, str, "the room's name", required=False, default=""
        ),
        "choice": _get(
            problems, item, "choice", path, bool, "true or false", required=False, default=False
        ),
    }
    if "online" in item and place["online"] is None:
        place["online"] = _req(None)  # reported: the session is not built without it
    return place


def _form(problems: _Problems, doc: Mapping[str, Any]) -> Form | None:
    table = _table(problems, doc, "form", "", required=False)
    if table is None:
        return Form()
    _unknown(problems, table, _keys(Form), "form")
    items = _get(
        problems,
        table,
        "questions",
        "form",
        list,
        "[[form.questions]] tables",
        required=False,
        default=[],
    )
    questions: list[Question] = []
    for index, item in enumerate(items):
        path = f"form.questions[{index}]"
        if not isinstance(item, dict):
            problems.add(path, item, "expected a table")
            continue
        _unknown(problems, item, _QUESTION_KEYS, path)
        choices = _get(
            problems, item, "choices", path, list, "a list of choices", required=False, default=[]
        )
        kind = _get(problems, item, "kind", path, str, _QUESTION_KINDS)
        if kind is not None and kind not in {k.value for k in QuestionKind}:
            problems.add(f"{path}.kind", kind, f"expected {_QUESTION_KINDS}")
            kind = None
        question = _build(
            problems,
            path,
            Question,
            id=_req(_get(problems, item, "id", path, str, "a question id")),
            text=_req(_get(problems, item, "text", path, str, "the question's text")),
            kind=_req(kind),
            choices=tuple(choices),
            required=_get(
                problems,
                item,
                "required",
                path,
                bool,
                "true or false",
                required=False,
                default=True,
            ),
        )
        if question is not None:
            questions.append(question)
    if len(questions) != len(items):
        return None
    consent = _consent(problems, table)
    if consent is _MISSING:
        return None
    return _build(problems, "form", Form, questions=tuple(questions), consent=consent)


def _consent(problems: _Problems, form: Mapping[str, Any]) -> Any:
    """The ``[form.consent]`` table: ``None`` when absent, ``_MISSING`` when wrong."""
    table = _table(problems, form, "consent", "form", required=False)
    if table is None:
        return _MISSING if "consent" in form else None
    path = "form.consent"
    _unknown(problems, table, _keys(ConsentQuestion), path)
    consent = _build(
        problems,
        path,
        ConsentQuestion,
        text=_req(_get(problems, table, "text", path, str, "the text consented to")),
        version=_req(_get(problems, table, "version", path, str, "the text's version")),
        required=_get(
            problems, table, "required", path, bool, "true or false", required=False, default=True
        ),
    )
    return _MISSING if consent is None else consent


def _selection(problems: _Problems, doc: Mapping[str, Any]) -> SelectionRules | None:
    table = _table(problems, doc, "selection", "", required=False)
    if table is None:
        return SelectionRules()
    _unknown(problems, table, _SELECTION_KEYS, "selection")
    quotas: dict[str, dict[str, QuotaBounds]] = {}
    quota_table = _table(problems, table, "quotas", "selection", required=False) or {}
    for attribute, values in quota_table.items():
        path = f"selection.quotas.{attribute}"
        if not isinstance(values, dict):
            problems.add(path, values, "expected a table of value = { min = N, max = M }")
            continue
        quotas[attribute] = {}
        for value, bounds in values.items():
            where = f"{path}.{value}"
            if isinstance(bounds, int) and not isinstance(bounds, bool):
                bounds = {"min": bounds, "max": bounds}  # noqa: PLW2901 - VALUE = N means exactly N
            if not isinstance(bounds, dict):
                problems.add(where, bounds, "expected { min = N } , { max = M } or both")
                continue
            _unknown(problems, bounds, _keys(QuotaBounds), where)
            low = _get(
                problems,
                bounds,
                "min",
                where,
                int,
                "a whole number >= 0",
                required=False,
                default=0,
            )
            high = _get(problems, bounds, "max", where, int, "a whole number >= 0", required=False)
            built = _build(problems, where, QuotaBounds, min=low, max=high)
            if built is not None:
                quotas[attribute][str(value)] = built
    caps_table = _table(problems, table, "caps", "selection", required=False) or {}
    caps: dict[str, int] = {}
    for attribute, limit in caps_table.items():
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            problems.add(f"selection.caps.{attribute}", limit, "expected a whole number >= 0")
        else:
            caps[attribute] = limit
    parameters = _table(problems, table, "parameters", "selection", required=False) or {}
    attributes = _get(
        problems,
        table,
        "attributes",
        "selection",
        list,
        "a list of attribute names (columns of the applications file)",
        required=False,
        default=[],
    )
    if not all(isinstance(a, str) for a in attributes):
        problems.add("selection.attributes", attributes, "expected a list of attribute names")
        attributes = []
    return _build(
        problems,
        "selection",
        SelectionRules,
        policy=_get(
            problems,
            table,
            "policy",
            "selection",
            str,
            "a policy name such as 'lottery'",
            required=False,
            default="first-come",
        ),
        seed=_get(problems, table, "seed", "selection", int, "a whole number", required=False),
        seed_sha256=_get(
            problems,
            table,
            "seed_sha256",
            "selection",
            str,
            "the SHA-256 of the seed's decimal text, 64 hexadecimal digits",
            required=False,
        ),
        quotas=quotas,
        caps=caps,
        parameters=dict(parameters),
        attributes=tuple(attributes),
    )


# -- writing -------------------------------------------------------------------------------


def _local_text(instant: _dt.datetime, zone: str) -> str:
    local = tz.to_zone(instant, zone)
    wall = local.replace(tzinfo=None)
    # isoformat, not strftime: "%Y" does not pad year 616 to the "0616" TOML needs.
    text = wall.isoformat(timespec="auto" if wall.second or wall.microsecond else "minutes")
    try:
        tz.localize(wall, zone)
    except AmbiguousTimeError:
        return local.isoformat()  # the wall time alone would not say which of the two
    return text


def _text_table(model: Organiser | OnlineMeeting | Venue) -> dict[str, str]:
    """The table of a model of text fields: each of its fields in order, but the defaults."""
    fields: tuple[attrs.Attribute[str], ...] = attrs.fields(type(model))
    values = ((f.name, getattr(model, f.name), f.default) for f in fields)
    return {name: value for name, value, default in values if value != default}


def event_to_document(event: Event) -> dict[str, Any]:
    """Return the event-file layout of ``event`` (what TOML and JSON files hold)."""
    zone = event.timezone
    doc: dict[str, Any] = {"id": event.id, "title": event.title}
    if event.description:
        doc["description"] = event.description
    doc["timezone"] = zone
    doc["language"] = event.language
    doc["capacity"] = event.capacity
    if event.revision:
        doc["revision"] = event.revision
    doc["target_groups"] = list(event.target_groups)
    doc["organiser"] = _text_table(event.organiser)
    if event.online is not None:
        doc["online"] = _text_table(event.online)
    if event.venue is not None:
        doc["venue"] = _text_table(event.venue)
    closes = event.registration.closes
    local_close = tz.to_zone(closes, zone)
    day_before = local_close.date() - _dt.timedelta(days=1)
    deadline: str = (
        day_before.isoformat()
        if tz.end_of_day(day_before, zone) == closes
        else _local_text(closes, zone)
    )
    doc["registration"] = {
        "opens": _local_text(event.registration.opens, zone),
        "deadline": deadline,
    }
    if event.registration.offer_hours != 48:
        doc["registration"]["offer_hours"] = event.registration.offer_hours
    sessions = []
    for session in event.sessions:
        item: dict[str, Any] = {"id": session.id, "title": session.title}
        if session.kind is not SessionKind.PLENARY:
            item["kind"] = session.kind.value
        item["start"] = _local_text(session.start, zone)
        item["end"] = _local_text(session.end, zone)
        if session.description:
            item["description"] = session.description
        if session.status is not SessionStatus.CONFIRMED:
            item["status"] = session.status.value
        if session.capacity is not None:
            item["capacity"] = session.capacity
        if session.room:
            item["room"] = session.room
        if session.choice:
            item["choice"] = True
        if session.online is not None:
            item["online"] = _text_table(session.online)
        sessions.append(item)
    doc["sessions"] = sessions
    if event.form.questions:
        # A ranking question that lists the choice sessions was written without choices.
        ranked = tuple(s.id for slot in event.choice_slots for s in slot.sessions)
        questions = []
        for q in event.form.questions:
            entry: dict[str, Any] = {"id": q.id, "text": q.text, "kind": q.kind.value}
            if q.choices and q.choices != ranked:
                entry["choices"] = list(q.choices)
            if not q.required:
                entry["required"] = False
            questions.append(entry)
        doc["form"] = {"questions": questions}
    consent = event.form.consent
    if consent is not None:
        table: dict[str, Any] = {"text": consent.text, "version": consent.version}
        if not consent.required:
            table["required"] = False
        doc.setdefault("form", {})["consent"] = table
    rules = event.selection
    selection: dict[str, Any] = {"policy": rules.policy}
    if rules.seed is not None:
        selection["seed"] = rules.seed
    if rules.seed_sha256 is not None:
        selection["seed_sha256"] = rules.seed_sha256
    if rules.quotas:
        selection["quotas"] = {
            attribute: {
                value: {
                    k: v
                    for k, v in (("min", b.min), ("max", b.max))
                    if v is not None and (k == "max" or v)
                }
                for value, b in values.items()
            }
            for attribute, values in rules.quotas.items()
        }
    if rules.caps:
        selection["caps"] = dict(rules.caps)
    if rules.parameters:
        selection["parameters"] = dict(rules.parameters)
    if rules.attributes:
        selection["attributes"] = list(rules.attributes)
    doc["selection"] = selection
    return doc


# -- TOML ----------------------------------------------------------------------------------

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {value!r} to TOML")


def _toml_table(lines: list[str], header: str, table: Mapping[str, Any]) -> None:
    """Write ``table`` under ``[header]``: scalars first, then sub-tables, then arrays.

    A table whose values are all records of scalars (``[selection.quotas.role]``) writes
    them as inline tables (``prison = { min = 4 }``), as people write them.
    """
    records = bool(table) and all(
        isinstance(v, dict) and not any(isinstance(x, dict) for x in v.values())
        for v in table.values()
    )
    scalars = {
        k: v
        for k, v in table.items()
        if (records or not isinstance(v, dict)) and not _is_table_list(v)
    }
    if header and (scalars or len(scalars) == len(table)):
        lines.append(f"[{header}]")
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
    if scalars:
        lines.append("")
    for key, value in table.items():
        if key in scalars:
            continue
        name = f"{header}.{_toml_key(key)}" if header else _toml_key(key)
        if isinstance(value, dict):
            _toml_table(lines, name, value)
        else:
            for item in value:
                lines.append(f"[[{name}]]")
                # A table inside an item (a session's [sessions.online]) follows its keys.
                inner = {k: v for k, v in item.items() if isinstance(v, dict)}
                lines.extend(
                    f"{_toml_key(str(k))} = {_toml_value(v)}"
                    for k, v in item.items()
                    if k not in inner
                )
                lines.append("")
                for key_, table_ in inner.items():
                    _toml_table(lines, f"{name}.{_toml_key(str(key_))}", table_)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _from_toml(text: str, *, source: str | None) -> Event:
    """Read an event file's TOML text, each problem with the line it is on where found."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line_match = re.search(r"line (\d+)", str(exc))
        line = int(line_match.group(1)) if line_match else None
        raise EventFileError(
            source, [FileProblem(line=line, field="", message=f"not valid TOML: {exc}")]
        ) from None
    except ValueError as exc:  # a number of 4,300 digits or more, which int() refuses
        raise _long_number(source, text, exc, "TOML") from None
    except RecursionError:
        raise _too_deep(source) from None
    try:
        return event_from_document(doc, source=source)
    except EventFileError as exc:
        found = _with_lines(exc.problems, _toml_lines(text))
        found.sort(key=lambda p: (p.line is None, p.line or 0))
        raise EventFileError(source, found) from None


def _not_utf8_file(source: str | None, exc: UnicodeDecodeError) -> EventFileError:
    line_text, _, message = not_utf8(exc).partition(": ")
    line = int(line_text.removeprefix("line "))
    return EventFileError(source, [FileProblem(line=line, field="", message=message)])


def _too_deep(source: str | None) -> EventFileError:
    return EventFileError(source, [FileProblem(line=None, field="", message=TOO_DEEP)])


def _from_json(text: str | bytes, *, source: str | None) -> Event:
    """Read a JSON event file: invalid JSON with its line, or every problem of the content."""
    try:
        doc = json.loads(text)
    except UnicodeDecodeError as exc:
        raise _not_utf8_file(source, exc) from None
    except json.JSONDecodeError as exc:
        raise EventFileError(
            source, [FileProblem(line=exc.lineno, field="", message=f"not valid JSON: {exc.msg}")]
        ) from None
    except ValueError as exc:  # a number of 4,300 digits or more, which int() refuses
        raise _long_number(source, text, exc, "JSON") from None
    except RecursionError:
        raise _too_deep(source) from None
    return event_from_document(doc, source=source)


def locate_problems(
    errors: Iterable[BaseException], *, text: str | None = None
) -> list[FileProblem]:
    """Errors found in an event once loaded, as file problems with their lines.

    For checks of a higher layer, such as :func:`ran_events.selection.rule_problems`, whose
    errors name the event file's dotted field (``selection.caps.organsation``); with
    ``text``, the event file's TOML text, each problem gets the line that defines its field.
    """
    problems = _Problems()
    for error in errors:
        problems.error("", error)
    found = [FileProblem(line=None, field=f, value=v, message=m) for f, v, m in problems.items]
    if text is None or not found:
        return found
    located = _with_lines(tuple(found), _toml_lines(text))
    return sorted(located, key=lambda p: (p.line is None, p.line or 0))


# -- line numbers --------------------------------------------------------------------------

_HEADER: Final = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_LINE: Final = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"))*)\s*="
)


def _toml_lines(text: str) -> dict[str, int]:
    """Map dotted paths (``sessions[1].end``) to the line that defines them."""
    found: dict[str, int] = {}
    counters: dict[str, int] = {}
    prefix = ""
    # Only LF ends a TOML line (CRLF too, its CR is space to the patterns); splitlines()
    # would also split at U+2028, U+0085... in a comment or a string and shift every line.
    for number, raw in enumerate(text.split("\n"), 1):
        header = _HEADER.match(raw)
        if header:
            name = ".".join(_unquote(p) for p in header.group(2).split("."))
            if header.group(1) == "[[":
                index = counters.get(name, -1) + 1
                counters[name] = index
                prefix = f"{name}[{index}]"
            else:
                prefix = _indexed(name, counters)
            found.setdefault(prefix, number)
            continue
        key = _KEY_LINE.match(raw)
        if key:
            dotted = ".".join(_unquote(p) for p in key.group(1).split("."))
            path = f"{prefix}.{dotted}" if prefix else dotted
            found.setdefault(path, number)
    return found


def _indexed(name: str, counters: Mapping[str, int]) -> str:
    # [sessions.extra] after [[sessions]] belongs to the latest session.
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in counters:
            rest = ".".join(parts[cut:])
            base = f"{head}[{counters[head]}]"
            return f"{base}.{rest}" if rest else base
    return name


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] == '"' else part


def _paths(path: str) -> Iterator[str]:
    """``a.b[1].c``, then ``a.b[1]``, ``a.b``, ``a``: where to look for a field's line."""
    while True:
        yield path
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return
        path = path[:cut]


def _with_lines(problems: tuple[FileProblem, ...], lines: Mapping[str, int]) -> list[FileProblem]:
    result = []
    for problem in problems:
        line = next((lines[p] for p in _paths(problem.field) if p in lines), None)
        result.append(
            FileProblem(
                line=line, field=problem.field, value=problem.value, message=problem.message
            )
        )
    return result


def _long_number(
    source: str | None, text: str | bytes, exc: ValueError, syntax: str
) -> EventFileError:
    """The problem of a number too long for ``int()``, on the line of its first digit."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    digits = re.search(b"[0-9]{4300}", data)
    line = data[: digits.start()].count(b"\n") + 1 if digits is not None else None
    message = f"not valid {syntax}: {too_long(exc)}"
    return EventFileError(source, [FileProblem(line=line, field="", message=message)])


# -- hooks below (dependency inversion) -----------------------------------------------------
# The models and the converter sit below this module and never import it. Two of their
# parts need event files all the same, so this module hands them its functions when it is
# imported (and ``ran_events/__init__`` always imports it):
# - Event's deprecated file methods (``Event.from_toml``, ``to_toml``...) forward to
#   load/loads/dumps through :func:`ran_events.models.register_event_files`;
# - the converter writes and reads an Event in the event-file layout, so that an Event in
#   any JSON document of the library reads like a JSON event file.
register_event_files(load=load, loads=loads, dumps=dumps)
converter.register_unstructure_hook(Event, event_to_document)
converter.register_structure_hook(Event, lambda d, _t: event_from_document(d))
