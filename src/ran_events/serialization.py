"""Event files (TOML and JSON) and JSON for every model, through the project's own converter.

Event files follow the layout of the design (``docs/event-file.md``): local wall times in
the event's zone, a date alone as a deadline meaning the end of that day there. Reading one
reports *every* problem at once, each with the file, the line (from the parser or found in
the text), the field, the value and what would be accepted; an unknown key is a problem, so
a typo never passes silently. Writing one gives a file that reads back to an equal Event.

Other models go to and from JSON through :data:`converter`, a :class:`cattrs.Converter` of
this project's own (never the global one): aware datetimes as ISO 8601 with offset, enums as
their values, tuples as lists. Every JSON document carries ``schema_version``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from . import tz
from .errors import (
    AmbiguousTimeError,
    DocumentError,
    EventFileError,
    FileProblem,
    NonexistentTimeError,
    RanEventsError,
    TimeRangeError,
)
from .models import (
    FIRST_YEAR,
    LAST_YEAR,
    Answer,
    Event,
    Form,
    OnlineMeeting,
    Organiser,
    Question,
    QuestionKind,
    QuotaBounds,
    Registrant,
    RegistrationWindow,
    SelectionRules,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
    event_problems,
)

if TYPE_CHECKING:
    import cattrs

    from .selection import SelectionRecord

__all__ = [
    "SCHEMA_VERSION",
    "converter",
    "event_from_document",
    "event_from_json",
    "event_from_toml",
    "event_from_toml_text",
    "event_to_document",
    "event_to_json",
    "event_to_toml",
    "from_json",
    "locate_problems",
    "record_from_json",
    "record_to_json",
    "structure",
    "to_json",
    "unstructure",
]

SCHEMA_VERSION: Final = 1
"""The version of the JSON and TOML layouts; raised on any incompatible change."""

T = TypeVar("T")


# ------------------------------------------------------------------------------------------
# The converter (JSON of models)


def _structure_datetime(value: object, _type: object) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return tz.check_aware(value, "datetime")
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date-time string, got {value!r}")
    return tz.check_aware(_dt.datetime.fromisoformat(value), "datetime")


def _structure_answer(value: object, _type: object) -> Answer:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError(f"expected text, a whole number, true/false or a list of texts: {value!r}")


@cache
def _make_converter() -> cattrs.Converter:
    import cattrs  # noqa: PLC0415 - kept out of `import ran_events`
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override  # noqa: PLC0415

    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(_dt.datetime, lambda d: d.isoformat())
    conv.register_structure_hook(_dt.datetime, _structure_datetime)
    conv.register_structure_hook_func(lambda t: t == Answer, _structure_answer)
    conv.register_unstructure_hook_func(
        lambda t: t == Answer, lambda v: list(v) if isinstance(v, tuple) else v
    )
    conv.register_structure_hook_func(lambda t: t is Any, lambda v, _t: v)
    conv.register_unstructure_hook(
        Registrant,
        make_dict_unstructure_fn(Registrant, conv, normalized_email=override(omit=True)),
    )
    conv.register_structure_hook(
        Registrant,
        make_dict_structure_fn(
            Registrant, conv, _cattrs_forbid_extra_keys=True, normalized_email=override(omit=True)
        ),
    )
    conv.register_unstructure_hook(Event, event_to_document)
    conv.register_structure_hook(Event, lambda d, _t: event_from_document(d))
    return conv


class _LazyConverter:
    """Proxy so that ``import ran_events.serialization`` does not import cattrs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_make_converter(), name)


converter: Any = _LazyConverter()
"""The project's :class:`cattrs.Converter` (created on first use)."""


def unstructure(obj: object) -> Any:
    """Turn a model (or a list/dict of models) into JSON-able data."""
    return _make_converter().unstructure(obj)


def structure(data: object, cls: type[T]) -> T:
    """Build a model of type ``cls`` from JSON-able data.

    Raises:
        cattrs.BaseValidationError: the data does not fit ``cls`` (all problems grouped).
        RanEventsError: a model invariant is broken.
    """
    return _make_converter().structure(data, cls)


def to_json(obj: object, *, indent: int | None = 2) -> str:
    """Serialise a model as JSON with ``schema_version``."""
    data = unstructure(obj)
    document = {"schema_version": SCHEMA_VERSION, "data": data}
    return json.dumps(document, ensure_ascii=False, indent=indent, sort_keys=False)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Read what :func:`to_json` wrote.

    Raises:
        DocumentError: (a :class:`ValueError`) the text is not JSON, the schema version is
            not understood, or the data does not fit ``cls`` (every field's problem, with its
            path; a model's refusal with the model's message).
    """
    what = _document_name(cls)
    document = _json_document(text, what)
    if (
        not isinstance(document, dict)
        or document.get("schema_version") != SCHEMA_VERSION
        or "data" not in document
    ):
        raise DocumentError(
            what,
            [
                (
                    f"expected a JSON object with schema_version {SCHEMA_VERSION} and data; "
                    f"got {_shown(document)}"
                )
            ],
        )
    return _structure_document(document["data"], cls, what)


def _document_name(cls: object) -> str:
    """``Registration``, or ``list of Registration`` for ``list[Registration]``."""
    args: tuple[object, ...] = getattr(cls, "__args__", ())
    if args:
        return "list of " + _document_name(args[0])
    return str(getattr(cls, "__name__", cls))


def _shown(value: object) -> str:
    """A short view of a JSON value (a container by its type: printing it could recurse)."""
    return f"a JSON {type(value).__name__}" if isinstance(value, list | dict) else repr(value)[:80]


_TOO_DEEP: Final = "nested too deeply (no file of this library nests more than a few levels)"


def _json_document(text: str | bytes, what: str) -> Any:
    """Parse JSON text for :func:`from_json` and :func:`record_from_json`.

    Raises:
        DocumentError: not UTF-8, not JSON, or nested too deeply to parse.
    """
    try:
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise DocumentError(what, [_not_utf8(exc)]) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(what, [f"invalid JSON ({exc})"]) from None
    except ValueError as exc:  # a number of 4,300 digits or more, which int() refuses
        raise DocumentError(what, [f"invalid JSON ({_too_long(exc)})"]) from None
    except RecursionError:
        raise DocumentError(what, [_TOO_DEEP]) from None


def _too_long(exc: ValueError) -> str:
    return str(exc).split(";", 1)[0]  # (not the advice to raise Python's limit)


def _long_number(
    source: str | None, text: str | bytes, exc: ValueError, syntax: str
) -> EventFileError:
    """The problem of a number too long for ``int()``, on the line of its first digit."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    digits = re.search(b"[0-9]{4300}", data)
    line = data[: digits.start()].count(b"\n") + 1 if digits is not None else None
    message = f"not valid {syntax}: {_too_long(exc)}"
    return EventFileError(source, [FileProblem(line=line, field="", message=message)])


def _not_utf8(exc: UnicodeDecodeError) -> str:
    data = exc.object
    line = bytes(data[: exc.start]).count(b"\n") + 1
    return f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 (save the file as UTF-8)"


def _structure_document(data: object, cls: type[T], what: str) -> T:
    """:func:`structure`, with every misfit of the data as one :class:`DocumentError`."""
    import cattrs  # noqa: PLC0415 - loaded by structure() anyway

    if attrs.has(cls) and not isinstance(data, dict):
        # (cattrs calls data.keys() on the outermost object without wrapping the error)
        raise DocumentError(
            what,
            [f"expected an object, got {type(data).__name__} @ $"],
            summary="the data does not fit its type",
        )
    try:
        return structure(data, cls)
    except cattrs.BaseValidationError as exc:
        problems = cattrs.transform_error(exc, format_exception=_cattrs_message)
        raise DocumentError(what, problems, summary="the data does not fit its type") from exc
    except TypeError as exc:  # cattrs without a path: ``null`` for a list
        raise DocumentError(what, [str(exc)], summary="the data does not fit its type") from exc


def _cattrs_message(exc: BaseException, type_: type | None) -> str:
    """cattrs' words for a misfit, or the model's own message (which names what is wrong)."""
    if isinstance(exc, RanEventsError):
        return str(exc)
    from cattrs.v import format_exception  # noqa: PLC0415

    return format_exception(exc, type_)


# ------------------------------------------------------------------------------------------
# Event documents (the layout of event files)


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


_EVENT_KEYS: Final = {
    "id", "title", "description", "language", "timezone", "capacity", "target_groups",
    "organiser", "online", "venue", "registration", "sessions", "form", "selection",
    "revision", "schema_version",
}  # fmt: skip
_SESSION_KEYS: Final = {"id", "title", "kind", "start", "end", "description", "status"}
_SESSION_KINDS: Final = frozenset(k.value for k in SessionKind)
_SESSION_STATUSES: Final = frozenset(s.value for s in SessionStatus)
_QUESTION_KEYS: Final = {"id", "text", "kind", "choices", "required"}
_QUESTION_KINDS: Final = "single-choice, multiple-choice, yes-no, free-text or scale"
_SELECTION_KEYS: Final = {
    "policy",
    "seed",
    "seed_sha256",
    "quotas",
    "caps",
    "parameters",
    "attributes",
}


def _unknown(problems: _Problems, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            close = sorted(k for k in allowed if _similar(k, key))
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(
                where, table[key], f"unknown key {key!r}; expected one of {sorted(allowed)}{hint}"
            )


def _similar(a: str, b: str) -> bool:
    import difflib  # noqa: PLC0415

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


def _build(problems: _Problems, path: str, factory: Callable[..., T], **kwargs: Any) -> T | None:
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
        for problem in event_problems(sessions, window, tuple(target_groups)):
            problems.error("", problem)
    if problems.items:
        _validate(problems, "", Event, fields)  # the simple fields' own problems too
        return None
    return _build(problems, "", Event, **fields)


def _organiser(problems: _Problems, doc: Mapping[str, Any]) -> Organiser | None:
    table = _table(problems, doc, "organiser", "", required=True)
    if table is None:
        return None
    _unknown(problems, table, {"name", "email"}, "organiser")
    name = _get(problems, table, "name", "organiser", str, "the organiser's name")
    email = _get(problems, table, "email", "organiser", str, "an address such as name@example.org")
    return _build(problems, "organiser", Organiser, name=_req(name), email=_req(email))


def _online(problems: _Problems, doc: Mapping[str, Any]) -> OnlineMeeting | None:
    table = _table(problems, doc, "online", "", required=False)
    if table is None:
        return None
    _unknown(problems, table, {"platform", "url", "access_notes"}, "online")
    return _build(
        problems,
        "online",
        OnlineMeeting,
        platform=_req(
            _get(problems, table, "platform", "online", str, "a platform such as 'WebEx'")
        ),
        url=_req(_get(problems, table, "url", "online", str, "the join URL")),
        access_notes=_get(
            problems, table, "access_notes", "online", str, "text", required=False, default=""
        ),
    )


def _venue(problems: _Problems, doc: Mapping[str, Any]) -> Venue | None:
    table = _table(problems, doc, "venue", "", required=False)
    if table is None:
        return None
    keys = {"name", "address", "city", "country"}
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
    _unknown(problems, table, {"opens", "deadline"}, "registration")
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
    return _build(
        problems, "registration", RegistrationWindow, opens=_req(opens), closes=_req(closes)
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
        )
        if session is not None:
            sessions.append(session)
    return tuple(sessions) if len(sessions) == len(items) else None


def _form(problems: _Problems, doc: Mapping[str, Any]) -> Form | None:
    table = _table(problems, doc, "form", "", required=False)
    if table is None:
        return Form()
    _unknown(problems, table, {"questions"}, "form")
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
    return _build(problems, "form", Form, questions=tuple(questions))


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
            _unknown(problems, bounds, {"min", "max"}, where)
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
    doc["organiser"] = {"name": event.organiser.name, "email": event.organiser.email}
    if event.online is not None:
        doc["online"] = {"platform": event.online.platform, "url": event.online.url}
        if event.online.access_notes:
            doc["online"]["access_notes"] = event.online.access_notes
    if event.venue is not None:
        venue = event.venue
        doc["venue"] = {
            k: getattr(venue, k)
            for k in ("name", "address", "city", "country")
            if getattr(venue, k)
        }
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
        sessions.append(item)
    doc["sessions"] = sessions
    if event.form.questions:
        questions = []
        for q in event.form.questions:
            entry: dict[str, Any] = {"id": q.id, "text": q.text, "kind": q.kind.value}
            if q.choices:
                entry["choices"] = list(q.choices)
            if not q.required:
                entry["required"] = False
            questions.append(entry)
        doc["form"] = {"questions": questions}
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
                lines.extend(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in item.items())
                lines.append("")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def event_to_toml(event: Event) -> str:
    """Return ``event`` as an event file (TOML) that reads back to an equal Event."""
    lines: list[str] = []
    _toml_table(lines, "", event_to_document(event))
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def event_from_toml_text(text: str, *, source: str | None = None) -> Event:
    """Read an event file's text.

    Raises:
        EventFileError: every problem, each with the line it is on where one can be found.
    """
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


def event_from_toml(path: str | os.PathLike[str]) -> Event:
    """Read an event file.

    Raises:
        EventFileError: every problem with file, line, field, value and accepted form.
        OSError: the file cannot be read.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8_file(str(path), exc) from None
    return event_from_toml_text(text, source=str(path))


def _not_utf8_file(source: str | None, exc: UnicodeDecodeError) -> EventFileError:
    line_text, _, message = _not_utf8(exc).partition(": ")
    line = int(line_text.removeprefix("line "))
    return EventFileError(source, [FileProblem(line=line, field="", message=message)])


def _too_deep(source: str | None) -> EventFileError:
    return EventFileError(source, [FileProblem(line=None, field="", message=_TOO_DEEP)])


def event_to_json(event: Event, *, indent: int | None = 2) -> str:
    """Return ``event`` as a JSON event file (the TOML layout plus ``schema_version``)."""
    return json.dumps(
        {"schema_version": SCHEMA_VERSION, **event_to_document(event)},
        ensure_ascii=False,
        indent=indent,
    )


def event_from_json(text: str | bytes, *, source: str | None = None) -> Event:
    """Read a JSON event file.

    Raises:
        EventFileError: invalid JSON (with its line) or every problem of the content.
    """
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


# ------------------------------------------------------------------------------------------
# Selection records (what `replay` needs, kept for years)


def _record_types() -> dict[str, type[Any]]:
    from .selection import FairLotteryRecord, SelectionRecord  # noqa: PLC0415 - on demand

    return {"SelectionRecord": SelectionRecord, "FairLotteryRecord": FairLotteryRecord}


def record_to_json(record: SelectionRecord, *, indent: int | None = 2) -> str:
    """Return a selection's record as JSON that :func:`record_from_json` reads back equal.

    The document names the record's type (a fair lottery's record carries its panels), the
    schema version and the record itself: policy and parameters, seed, rules, the SHA-256 of
    the input, the library version and the decision time.

    Raises:
        TypeError: ``record`` is not a selection record.
    """
    kind = type(record).__name__
    if kind not in _record_types():
        raise TypeError(f"expected a SelectionRecord, got {kind}")
    document = {"schema_version": SCHEMA_VERSION, "record_type": kind, "data": unstructure(record)}
    return json.dumps(document, ensure_ascii=False, indent=indent)


def record_from_json(text: str | bytes) -> SelectionRecord:
    """Read a record written by :func:`record_to_json`, for :func:`ran_events.selection.replay`.

    Raises:
        DocumentError: (a :class:`ValueError`) not such a document, an unknown record type or
            schema version, or a record that does not fit its type.
    """
    what = "selection record"
    document = _json_document(text, what)
    kinds = _record_types()
    kind = document.get("record_type") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("schema_version") != SCHEMA_VERSION
        or not isinstance(kind, str)  # (a list is not a key of kinds: it cannot be hashed)
        or kind not in kinds
    ):
        raise DocumentError(
            what,
            [f"expected schema_version {SCHEMA_VERSION} and a record_type among {sorted(kinds)}"],
        )
    record: SelectionRecord = _structure_document(document.get("data"), kinds[kind], what)
    return record
