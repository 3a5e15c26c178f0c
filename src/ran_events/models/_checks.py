"""The checks the models share, as attrs validators and converters.

Aware instants in the years the library accepts, texts, identifiers and counts. Every model
module uses them; this module imports no other model module.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Any, Final

import attrs

from .. import tz
from ..errors import InvalidValue

__all__ = ["FIRST_YEAR", "LAST_YEAR", "check_instant"]


FIRST_YEAR: Final = 1970
"""The first year of the instants the library accepts (event times, submissions, stamps)."""
LAST_YEAR: Final = 2100
"""The last year of the instants the library accepts: the tz database is right until then,
and a day's margin either side keeps every conversion from overflowing."""


def check_instant(value: object, field: str) -> _dt.datetime:
    """Return ``value`` if it is an aware datetime in the years the library accepts.

    The year is the one of the value as given (in its own offset); any offset then keeps the
    instant far from the ends of :class:`datetime.datetime`, so no conversion overflows.

    Raises:
        NaiveDatetimeError: ``value`` has no zone.
        InvalidValue: the year is before :data:`FIRST_YEAR` or after :data:`LAST_YEAR`.
    """
    if isinstance(value, _dt.datetime) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        # Before tz.check_aware, whose consistency check converts (and would overflow).
        raise InvalidValue(
            field, value.isoformat(), f"an instant in the years {FIRST_YEAR} to {LAST_YEAR}"
        )
    return tz.check_aware(value, field)


def _aware(field_name: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        check_instant(value, field_name)

    return check


_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f]")


def _non_empty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, value, "a string")
    # Control characters do not count: no file or calendar can carry them (ics.clean_text
    # drops them), so a title of only a backspace would be written as an empty one.
    if not _CONTROLS.sub("", value).strip():
        raise InvalidValue(attribute.name, value, "a non-empty text")


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, value, "a string")


_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")


def _identifier(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # fullmatch: "$" would also accept a final newline ("cases\n"), breaking UIDs and names.
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise InvalidValue(
            attribute.name,
            value,
            "an identifier of letters, digits, '.', '_' or '-' starting with a letter or digit",
        )


def _positive_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(attribute.name, value, "a whole number of at least 1")


def _non_negative_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(attribute.name, value, "a whole number of at least 0")


def _string_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)
