"""Content lines: TEXT, parameters and folding as RFC 5545 (3.1, 3.3.11) and ICALENDAR.md ask.

CRLF line ends, lines of at most 75 octets, folds that never split a UTF-8 sequence or a
backslash escape; TEXT escaping of ``\\ ; , newline`` and nothing else; user text is data,
never structure (line breaks are escaped, parameter values are sanitised and quoted).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

import icalendar

from .. import tz
from .._email import ascii_address
from ..errors import IcsError
from ..models import check_instant

__all__ = ["clean_text", "display_name"]

_CRLF: Final = b"\r\n"
_MAX_OCTETS: Final = 75
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ESCAPED: Final = re.compile(r"\\(.)", re.DOTALL)
_TOKEN: Final = re.compile(r"[A-Za-z0-9._\-/+]+")


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
    What is left is written with ``^`` as ``^^`` (RFC 6868), quoted where it needs to be.
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


def _quoted(name: str) -> str:
    """A parameter value as :func:`display_name` leaves it, quoted unless a plain token."""
    text = name.replace("^", "^^")
    if text and _TOKEN.fullmatch(text):
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


def _event_line(name: str, value: str, params: Mapping[str, str | list[str]]) -> bytes:
    """A content line of an event's shared part, its parameters written by icalendar.

    icalendar quotes a parameter value that needs it (``:``, ``;``, ``,``; a list such as
    ``FEATURE=AUDIO,VIDEO`` item by item) and applies RFC 6868, after :func:`display_name`
    has taken out what no parameter may carry here. This runs once per event; the ATTENDEE
    line of each invite keeps the hand-written :func:`_quoted`, which costs a tenth.

    The value's TEXT escaping and the folding stay this module's: icalendar 7.3 reads a
    ``\\N`` in the text as a line break and folds some lines inside a backslash escape
    (``tests/test_ics_lines.py`` shows both, and fails once icalendar no longer does).
    """
    parameters = icalendar.Parameters()
    for key, given in params.items():
        parameters[key] = given if isinstance(given, list) else display_name(given)
    return _fold(f"{name};{parameters.to_ical(sorted=False).decode()}:{value}")


def _utc_value(instant: _dt.datetime) -> str:
    return tz.to_utc(instant).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: _dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _mailto(address: str) -> str:
    """A ``mailto:`` URI; an IDN domain in its ASCII form, as a URI must be (RFC 6068)."""
    return f"mailto:{address if address.isascii() else ascii_address(address)}"


def _now(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        now = _dt.datetime.now(_dt.UTC)
    return tz.to_utc(check_instant(now, "now")).replace(microsecond=0)


def _stamp_line(now: _dt.datetime | None) -> bytes:
    """The DTSTAMP line of ``now`` (``None``: the current second), as :func:`_now` checks it.

    The lines of the last few instants are kept, so that one invite at a time does not
    format the same stamp again.
    """
    if now is None:
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    # The fold is part of the key: two wall times that differ only by it compare (and hash)
    # equal in one zone, yet are an hour apart.
    return _stamp_of(now, getattr(now, "fold", 0))


@lru_cache(maxsize=16)
def _stamp_of(now: _dt.datetime, _fold: int) -> bytes:
    return _line("DTSTAMP", _utc_value(_now(now)))


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
