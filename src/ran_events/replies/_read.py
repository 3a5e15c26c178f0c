"""Reading replies from the files an organiser saves: ``.ics`` calendars and ``.eml`` e-mails.

An e-mail reply carries its calendar as a ``text/calendar; method=REPLY`` part, alone or
inside ``multipart/alternative`` or ``multipart/mixed`` (Gmail and Thunderbird add the same
calendar once more as an ``application/ics`` attachment), in base64, quoted-printable, 7bit
or 8bit UTF-8. The first calendar part whose content is a REPLY is read; the From address is
kept in each :class:`~ran_events.ics.Reply`, so a reply sent by someone else than the
attendee can be refused when it is applied.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import os
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Final

import attrs

from .._email import normalize
from ..errors import InvalidEmail, ReplyError
from ..ics import Reply, replies_from_ics
from ._fast import fast_replies

__all__ = ["ReadReport", "read_replies", "read_reply", "read_reply_files"]

_PARSER: Final = BytesParser(policy=email.policy.compat32)
_CALENDAR_TYPES: Final = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_MAX_BYTES: Final = 10 * 1024 * 1024
"""A reply is a few kilobytes; a file over 10 MiB is refused before it is parsed."""


def read_reply(source: str | os.PathLike[str] | bytes) -> Reply:
    """Read the one answer of a reply file or of its octets.

    Args:
        source: a path to a ``.ics`` or ``.eml`` file (which one is told by the content, not
            the name), or the file's octets.

    Raises:
        ReplyError: see :func:`read_replies`; also when the reply answers more than one
            session or instance (read those with :func:`read_replies`).
        OSError: the file cannot be read.
    """
    replies = read_replies(source)
    if len(replies) != 1:
        raise ReplyError(replies[0].source, f"{len(replies)} answers in one reply; expected one")
    return replies[0]


def read_replies(source: str | os.PathLike[str] | bytes) -> list[Reply]:
    """Read every answer of a reply file or of its octets (one per VEVENT).

    Args:
        source: a path to a ``.ics`` or ``.eml`` file, or the file's octets.

    Returns:
        The answers, each with ``source`` (the path, or ``"<bytes>"``) and, from an
        e-mail, ``from_address`` (the normalised From address).

    Raises:
        ReplyError: the data is neither an iCalendar object nor an e-mail with a calendar
            part; the e-mail has no From address, or more than one; the calendar is not a
            valid REPLY (see :func:`ran_events.ics.replies_from_ics`). The message names
            the file and what was wrong.
        OSError: the file cannot be read.
    """
    if isinstance(source, bytes):
        name, data = "<bytes>", source
    else:
        path = Path(source)
        name = str(path)
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise ReplyError(name, f"{size} bytes; a reply is at most 10 MiB")
        data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise ReplyError(name, f"{len(data)} bytes; a reply is at most 10 MiB")
    calendar = _is_calendar(data)
    fast = fast_replies(data, name, calendar=calendar)
    if fast is not None:
        return fast
    return _full_replies(data, name, calendar=calendar)


def _full_replies(data: bytes, name: str, *, calendar: bool) -> list[Reply]:
    """The full reader: Python's e-mail parser and :func:`ran_events.ics.replies_from_ics`.

    Reads everything :func:`read_replies` accepts and gives every refusal; the light reader
    (:mod:`._fast`) answers first for the common shapes, and gives the same answers.
    """
    if calendar:
        return replies_from_ics(data, source=name)
    return _from_email(data, name)


@attrs.frozen(kw_only=True)
class ReadReport:
    """What :func:`read_reply_files` read: every answer, and every file refused with why.

    Attributes:
        replies: the answers, file by file in the order given.
        refused: each refused file's :class:`~ran_events.errors.ReplyError` (or the
            :class:`OSError` that kept it from being read).
    """

    replies: tuple[Reply, ...]
    refused: tuple[ReplyError | OSError, ...]


def read_reply_files(paths: Iterable[str | os.PathLike[str]]) -> ReadReport:
    """Read many reply files; a file that cannot be read is reported, never skipped silently.

    Never raises for a bad file: each is in :attr:`ReadReport.refused`.
    """
    replies: list[Reply] = []
    refused: list[ReplyError | OSError] = []
    for path in paths:
        try:
            replies += read_replies(path)
        except (ReplyError, OSError) as exc:
            refused.append(exc)
    return ReadReport(replies=tuple(replies), refused=tuple(refused))


def _is_calendar(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:VCALENDAR")


def _from_email(data: bytes, name: str) -> list[Reply]:
    # The MIME structure is walked with the compat32 policy (3x faster than the default
    # one, which parses every header of every part into objects); the From header alone is
    # parsed as an address list by the default policy.
    try:
        message = _PARSER.parsebytes(data)
    except (ValueError, IndexError, TypeError, LookupError, email.errors.MessageError) as exc:
        raise ReplyError(name, f"not an e-mail message: {str(exc)[:200]}") from None
    calendars = list(_calendar_parts(message))
    if not calendars:
        raise ReplyError(
            name, "neither an iCalendar object nor an e-mail with a text/calendar part"
        )
    sender = _from(message, name)
    problem: ReplyError | None = None
    for part in calendars:
        try:
            replies = replies_from_ics(_text_of(part, name), source=name)
        except ReplyError as exc:
            problem = problem or exc
            continue
        return [attrs.evolve(r, from_address=sender) for r in replies]
    assert problem is not None
    raise problem


def _calendar_parts(message: Message) -> Iterable[Message]:
    """The calendar parts, those saying ``method=REPLY`` first."""
    found: list[Message] = []
    try:
        for part in message.walk():
            if part.get_content_type() in _CALENDAR_TYPES:
                found.append(part)
    except (ValueError, IndexError, TypeError, LookupError, email.errors.MessageError):
        pass  # a broken MIME structure: the parts found before it
    return sorted(found, key=lambda p: str(p.get_param("method", "")).upper() != "REPLY")


def _text_of(part: Message, name: str) -> str:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, IndexError, TypeError, LookupError, email.errors.MessageError) as exc:
        raise ReplyError(name, f"the calendar part cannot be decoded: {exc}") from None
    if not isinstance(payload, bytes):
        raise ReplyError(name, "the calendar part has no content")
    charset = str(part.get_param("charset", "utf-8") or "utf-8")
    try:
        return payload.decode(charset)
    except LookupError:
        raise ReplyError(
            name, f"the calendar part's charset {charset[:40]!r} is unknown"
        ) from None
    except UnicodeDecodeError as exc:
        raise ReplyError(
            name, f"the calendar part is not {charset[:40]} ({exc.reason} at {exc.start})"
        ) from None


def _from(message: Message, name: str) -> str:
    raw = [str(value) for key, value in message.raw_items() if key.lower() == "from"]
    if not raw:
        raise ReplyError(name, "the e-mail has no From header (who sent the reply?)")
    addresses: tuple[Address, ...]
    try:
        header = email.policy.default.header_factory("From", "".join(raw[0].splitlines()))
        addresses = tuple(getattr(header, "addresses", ()))
    except (ValueError, IndexError, TypeError, LookupError, email.errors.MessageError):
        addresses = ()  # Python's parser fails on some broken addresses ("x@")
    if len(raw) != 1 or len(addresses) != 1:
        shown = " / ".join(raw)[:80]
        raise ReplyError(
            name, f"the e-mail's From {shown!r} has {len(addresses)} addresses; expected one"
        )
    address = addresses[0].addr_spec
    try:
        return normalize(address)
    except InvalidEmail as exc:
        raise ReplyError(name, f"the From address {address[:80]!r}: {exc.reason}") from None
