"""JSON for every model, through the project's own cattrs converter (no knowledge of files).

:data:`converter` is a :class:`cattrs.Converter` of this project's own (never the global one):
aware datetimes as ISO 8601 with offset, enums as their values, tuples as lists, a
registrant without its derived ``normalised_email``. :func:`to_json` wraps the data in a
document that carries :data:`SCHEMA_VERSION`; :func:`from_json` reads it back and reports
every field that does not fit at once (:class:`~ran_events.errors.DocumentError`).

Layers above add their own types: :mod:`ran_events.eventfile` registers the event-file
layout for :class:`~ran_events.models.Event` when it is imported, and
:mod:`ran_events.selection` writes its records through :func:`unstructure` and
:func:`structure_document`.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from . import tz
from .errors import DocumentError, RanEventsError
from .models import Answer, Registrant, Registration

__all__ = [
    "SCHEMA_VERSION",
    "TOO_DEEP",
    "converter",
    "from_json",
    "not_utf8",
    "parse_json",
    "structure",
    "structure_document",
    "to_json",
    "too_long",
    "unstructure",
]

SCHEMA_VERSION: Final = 1
"""The version of the JSON and TOML layouts; raised on any incompatible change."""

T = TypeVar("T")


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


def _make_converter() -> cattrs.Converter:
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
        make_dict_unstructure_fn(Registrant, conv, normalised_email=override(omit=True)),
    )
    conv.register_structure_hook(
        Registrant,
        make_dict_structure_fn(
            Registrant, conv, _cattrs_forbid_extra_keys=True, normalised_email=override(omit=True)
        ),
    )
    # A registration without consent is written as before consent existed (old files and
    # their golden copies stay byte for byte the same).
    conv.register_unstructure_hook(
        Registration,
        make_dict_unstructure_fn(Registration, conv, consent=override(omit_if_default=True)),
    )
    return conv


converter: Final[cattrs.Converter] = _make_converter()
"""The project's :class:`cattrs.Converter`."""


def unstructure(obj: object) -> Any:
    """Turn a model (or a list/dict of models) into JSON-able data."""
    return converter.unstructure(obj)


def structure(data: object, cls: type[T]) -> T:
    """Build a model of type ``cls`` from JSON-able data.

    Raises:
        cattrs.BaseValidationError: the data does not fit ``cls`` (all problems grouped).
        RanEventsError: a model invariant is broken.
    """
    return converter.structure(data, cls)


def to_json(obj: object, *, indent: int | None = 2) -> str:
    """Serialise a model as JSON with ``schema_version``."""
    document = {"schema_version": SCHEMA_VERSION, "data": unstructure(obj)}
    return json.dumps(document, ensure_ascii=False, indent=indent, sort_keys=False)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Read what :func:`to_json` wrote.

    Raises:
        DocumentError: (a :class:`ValueError`) the text is not JSON, the schema version is
            not understood, or the data does not fit ``cls`` (every field's problem, with its
            path; a model's refusal with the model's message).
    """
    what = _document_name(cls)
    document = parse_json(text, what)
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
    return structure_document(document["data"], cls, what)


def _document_name(cls: object) -> str:
    """``Registration``, or ``list of Registration`` for ``list[Registration]``."""
    args: tuple[object, ...] = getattr(cls, "__args__", ())
    if args:
        return "list of " + _document_name(args[0])
    return str(getattr(cls, "__name__", cls))


def _shown(value: object) -> str:
    """A short view of a JSON value (a container by its type: printing it could recurse)."""
    return f"a JSON {type(value).__name__}" if isinstance(value, list | dict) else repr(value)[:80]


TOO_DEEP: Final = "nested too deeply (no file of this library nests more than a few levels)"
"""The problem of a document nested deeper than the parser can go."""


def parse_json(text: str | bytes, what: str) -> Any:
    """Parse the JSON text of a document called ``what`` (for the messages).

    Raises:
        DocumentError: not UTF-8, not JSON, or nested too deeply to parse.
    """
    try:
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise DocumentError(what, [not_utf8(exc)]) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(what, [f"invalid JSON ({exc})"]) from None
    except ValueError as exc:  # a number of 4,300 digits or more, which int() refuses
        raise DocumentError(what, [f"invalid JSON ({too_long(exc)})"]) from None
    except RecursionError:
        raise DocumentError(what, [TOO_DEEP]) from None


def too_long(exc: ValueError) -> str:
    """The words of ``int()``'s refusal of a number too long (without the advice)."""
    return str(exc).split(";", 1)[0]  # (not the advice to raise Python's limit)


def not_utf8(exc: UnicodeDecodeError) -> str:
    """``line N: byte 0xNN is not UTF-8 (...)`` for a decoding error."""
    data = exc.object
    line = bytes(data[: exc.start]).count(b"\n") + 1
    return f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 (save the file as UTF-8)"


def structure_document(data: object, cls: type[T], what: str) -> T:
    """:func:`structure`, with every misfit of the data as one :class:`DocumentError`.

    Raises:
        DocumentError: the data does not fit ``cls`` (every field's problem, with its path).
    """
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
    return format_exception(exc, type_)
