"""A light reader for the shapes replies really come in; ``None`` whenever it is not sure.

Reading a reply with Python's e-mail parser and icalendar costs about 3 ms, nearly all of it
on what a reply does not need (every header parsed into objects, every property of the
copied invite typed). Replies come in a few shapes: an ``.eml`` of one part, or
``multipart/alternative`` or ``multipart/mixed`` (one level nested at most twice) holding a
``text/calendar`` part in base64, quoted-printable, 7bit or 8bit; or a bare ``.ics``. For
those, :func:`fast_replies` finds the calendar part with a small MIME scanner that follows
the rules of the standard library's parser (``compat32``) and reads the REPLY's few
properties with a small unfolding line reader that follows icalendar's.

It answers only when the input is in the strict subset where both readers are known to
agree: anything else (a header it does not know how to split, a parameter written in an
unusual way, a backslash where it would change the splitting, delegation, RECURRENCE-ID, an
encoding or charset outside the common ones, a value the full reader would refuse...) gives
``None``, and the caller reads the file with the full reader, so every refusal and its reason
are the full reader's. ``tests/test_replies_fast.py`` checks the agreement with Hypothesis, and
the ``replies`` fuzz target checks it on mutated real replies.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import itertools
import quopri
import re
import urllib.parse
from typing import Final

from .._email import normalize
from ..errors import InvalidEmail
from ..ics import PartStat, Reply

__all__ = ["fast_replies"]

# ---------------------------------------------------------------------------------------------
# MIME (as email.feedparser and email.message read it with the compat32 policy)

_CALENDAR_TYPES: Final = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_MULTIPARTS: Final = frozenset({"multipart/mixed", "multipart/alternative"})
_MAX_DEPTH: Final = 3
_HEADER: Final = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
# A header section the parser keeps as plain text: printable ASCII, tabs and line ends
# (anything else becomes a Header object or is split by str.splitlines()).
_PLAIN_HEADERS: Final = re.compile(rb"[\t\r\n\x20-\x7e]*\Z")
_MIME_NAME: Final = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# Content-Type in the form whose parameters email.message.get_param reads unambiguously:
# names without RFC 2231 stars, values unquoted (no quote, semicolon, backslash or angle
# bracket) or quoted (no quote, backslash or line end inside).
_MIME_VALUE: Final = r"[^\s\";\\<>]+|\"[^\"\\\r\n]*\""
_CONTENT_TYPE: Final = re.compile(
    rf"[ \t]*{_MIME_NAME}/{_MIME_NAME}[ \t]*((?:;\s*[A-Za-z0-9-]+=(?:{_MIME_VALUE})\s*)*)\Z"
)
_PARAMETER: Final = re.compile(rf";\s*([A-Za-z0-9-]+)=({_MIME_VALUE})")
_CHARSETS: Final = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_PLAIN_ENCODINGS: Final = frozenset({"", "7bit", "8bit", "binary"})

# A From header that Python's address parser reads as one mailbox whose addr_spec is the
# address as written: an optional display name of atoms (encoded words are atoms) and
# quoted strings, then the address in angle brackets; or the address alone.
_ATEXT: Final = r"A-Za-z0-9!#$%&'*+\-/=?^_`{|}~"
_ADDR: Final = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@[{_ATEXT}]+(?:\.[{_ATEXT}]+)*"
_WORD: Final = rf"(?:[{_ATEXT}]+|\"[^\"\\\r\n]*\")"
_FROM: Final = re.compile(
    rf"[ \t]*(?:(?:{_WORD}(?:[ \t]+{_WORD})*[ \t]*)?<({_ADDR})>|({_ADDR}))[ \t]*\Z"
)


class _Part:
    """A leaf part: its first header of each name (lower-cased) and its body's octets."""

    __slots__ = ("body", "headers")

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers = headers
        self.body = body


def _content_type(headers: dict[str, str]) -> str:
    value = headers.get("content-type")
    if value is None:
        return "text/plain"
    kind = value.partition(";")[0].strip().lower()
    return kind if kind.count("/") == 1 else "text/plain"


def _parameters(headers: dict[str, str]) -> dict[str, str] | None:
    """The Content-Type parameters (first of each name, unquoted), or ``None`` if unusual."""
    value = headers.get("content-type", "")
    found = _CONTENT_TYPE.match(value)
    if found is None:
        return None
    parameters: dict[str, str] = {}
    for name, raw in _PARAMETER.findall(found.group(1)):
        parameters.setdefault(name.lower(), raw[1:-1] if raw.startswith('"') else raw)
    return parameters


def _headers(
    lines: list[bytes], start: int, end: int
) -> tuple[dict[str, str], list[str], int] | None:
    """The header section from ``start``: first value of each name, the From values, and
    the index of the body's first line; ``None`` unless every line is a plain header."""
    headers: dict[str, str] = {}
    senders: list[str] = []
    name: str | None = None
    value: list[bytes] = []
    index = start
    while True:
        if index >= end:
            return None  # no empty line before the end
        line = lines[index]
        index += 1
        if line in (b"\r\n", b"\n", b"\r"):
            break
        if line[:1] in (b" ", b"\t"):
            if name is None:
                return None
            value.append(line)
            continue
        if name is not None:
            _keep(headers, senders, name, value)
        found = _HEADER.match(line)
        if found is None:
            return None
        name = line[: found.end() - 1].decode("ascii").lower()
        value = [line[found.end() :].lstrip(b" \t")]
    if name is not None:
        _keep(headers, senders, name, value)
    if _PLAIN_HEADERS.match(b"".join(lines[start:index])) is None:
        return None
    return headers, senders, index


def _keep(headers: dict[str, str], senders: list[str], name: str, value: list[bytes]) -> None:
    text = b"".join(value).rstrip(b"\r\n").decode("latin-1")  # (ASCII: checked after)
    headers.setdefault(name, text)
    if name == "from":
        senders.append(text)


def _calendar_parts(
    lines: list[bytes], start: int, end: int, *, depth: int, last_eol: bool
) -> list[_Part] | None:
    """The calendar parts of the entity in ``lines[start:end]``, in the parser's walk order.

    ``last_eol``: the entity is a part of a multipart, whose last line end belongs to the
    boundary after it.
    """
    parsed = _headers(lines, start, end)
    if parsed is None:
        return None
    headers, _, body = parsed
    kind = _content_type(headers)
    if kind.startswith("message/"):
        return None  # a message inside: the parser would walk into it
    if kind.startswith("multipart/"):
        return _multipart(lines, headers, kind, body, end, depth=depth)
    if kind not in _CALENDAR_TYPES:
        return []
    octets = b"".join(lines[body:end])
    if last_eol:
        octets = octets.removesuffix(b"\n").removesuffix(b"\r")
    return [_Part(headers, octets)]


def _multipart(
    lines: list[bytes],
    headers: dict[str, str],
    kind: str,
    start: int,
    end: int,
    *,
    depth: int,
) -> list[_Part] | None:
    parameters = _parameters(headers)
    if kind not in _MULTIPARTS or depth >= _MAX_DEPTH or parameters is None:
        return None
    boundary = parameters.get("boundary", "")
    if not boundary or boundary != boundary.strip() or "<" in boundary or ">" in boundary:
        return None
    separator = b"--" + boundary.encode("ascii")
    cuts: list[int] = []
    closed = False
    for index in range(start, end):
        line = lines[index]
        if not line.startswith(separator):
            continue
        rest = line[len(separator) :].rstrip(b"\r\n")
        if rest not in (b"", b"--"):
            if rest.rstrip(b" \t") in (b"", b"--"):
                return None  # a boundary with trailing blanks: the parser's own rules
            continue
        cuts.append(index)
        if rest == b"--":
            closed = True
            break
    if not closed or len(cuts) < 2:
        return None
    found: list[_Part] = []
    for begin, stop in itertools.pairwise(cuts):
        if stop == begin + 1:
            return None  # two boundaries in a row: the parser skips the empty part
        inner = _calendar_parts(lines, begin + 1, stop, depth=depth + 1, last_eol=True)
        if inner is None:
            return None
        found += inner
    return found


def _decoded(part: _Part) -> bytes | None:
    encoding = part.headers.get("content-transfer-encoding", "").lower()
    if encoding == "base64":
        joined = b"".join(part.body.splitlines())
        if len(joined) % 4:
            return None
        try:
            return base64.b64decode(joined, validate=True)
        except binascii.Error:
            return None
    if encoding == "quoted-printable":
        return quopri.decodestring(part.body)
    return part.body if encoding in _PLAIN_ENCODINGS else None


def _sender(values: list[str]) -> str | None:
    if len(values) != 1:
        return None
    found = _FROM.match("".join(values[0].splitlines()))
    if found is None:
        return None
    try:
        return normalize(found.group(1) or found.group(2))
    except InvalidEmail:
        return None


def _from_email(data: bytes, name: str) -> list[Reply] | None:
    lines = data.splitlines(keepends=True)
    parsed = _headers(lines, 0, len(lines))
    if parsed is None:
        return None
    _, senders, _ = parsed
    parts = _calendar_parts(lines, 0, len(lines), depth=0, last_eol=False)
    if not parts:
        return None
    # the first calendar part, those saying method=REPLY first (as the full reader tries them)
    chosen: _Part | None = None
    for part in parts:
        parameters = _parameters(part.headers)
        if parameters is None:
            return None
        if parameters.get("method", "").upper() == "REPLY":
            chosen = part
            break
        chosen = chosen or part
    assert chosen is not None
    sender = _sender(senders)
    parameters = _parameters(chosen.headers) or {}
    charset = parameters.get("charset", "") or "utf-8"
    octets = _decoded(chosen)
    if sender is None or octets is None or charset.lower() not in _CHARSETS:
        return None
    try:
        text = octets.decode(charset)
    except UnicodeDecodeError:
        return None
    return _from_calendar(text, name, sender)


# ---------------------------------------------------------------------------------------------
# iCalendar (as ran_events.ics.replies_from_ics reads it: the lines it keeps, then icalendar)

_FOLD: Final = re.compile(r"\r?\n[ \t]")
_LINE_END: Final = re.compile(r"\r\n|\n|\r")
_NAME: Final = re.compile(r"[A-Za-z0-9-]*")
_READ: Final = frozenset(
    {"METHOD", "UID", "SEQUENCE", "ATTENDEE", "COMMENT", "RECURRENCE-ID", "DTSTAMP"}
)
_KEPT: Final = (["VCALENDAR"], ["VCALENDAR", "VEVENT"])
# A property line in the form icalendar splits the plain way: parameters unquoted (no
# delimiter, quote, backslash or RFC 6868 caret; no blank at either end or beside an "=")
# or quoted (no backslash or caret), and no backslash before the value.
_UNQUOTED: Final = r"[^\s\";:,\\^=](?:(?:(?!\s=|=\s)[^\";:,\\^])*[^\s\";:,\\^=])?"
_PROPERTY: Final = re.compile(
    rf"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:{_UNQUOTED}|\"[^\"\\^]+\"))*):(.*)", re.DOTALL
)
_PARAM: Final = re.compile(r";([A-Za-z0-9-]+)=(\"[^\"]*\"|[^;]*)")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_ESCAPE: Final = re.compile(r"\\([\\,;:nN])")
_DIGITS: Final = re.compile(r"[0-9]+\Z")
_UTC: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z\Z")
_ANSWERS: Final = frozenset({"ACCEPTED", "DECLINED", "TENTATIVE"})
_SINGLE: Final = ("UID", "SEQUENCE", "DTSTAMP", "METHOD")


def _unescaped(value: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _kept_lines(text: str) -> list[list[tuple[str, dict[str, str], str]]] | None:
    """The properties read, per kept component (the calendar first, then each VEVENT):
    ``(name, parameters, value)``; ``None`` unless the structure is plain."""
    components: list[list[tuple[str, dict[str, str], str]]] = []
    open_components: list[str] = []
    begun = False
    for line in _LINE_END.split(_FOLD.sub("", text)):
        name = _NAME.match(line).group().upper()  # type: ignore[union-attr]  # (matches "")
        after = line[len(name) : len(name) + 1]
        value = line[len(name) + 1 :].strip().upper() if after == ":" else ""
        if name == "BEGIN":
            open_components.append(value)
            if open_components in _KEPT:
                if line != f"BEGIN:{value}" or (value == "VCALENDAR" and begun):
                    return None
                begun = True
                components.append([])
        elif name == "END" and open_components:
            closed = open_components.pop()
            if value != closed:
                return None  # the full reader refuses it
            if [*open_components, closed] in _KEPT and line != f"END:{value}":
                return None
        elif name in _READ and open_components in _KEPT:
            found = _PROPERTY.fullmatch(line)
            if found is None or _CONTROL.search(line):
                return None
            parameters: dict[str, str] = {}
            for written, raw in _PARAM.findall(found.group(2)):
                key = written.upper()
                if key in parameters:
                    return None
                parameters[key] = raw[1:-1] if raw.startswith('"') else raw
            components[0 if len(open_components) == 1 else -1].append(
                (name, parameters, found.group(3))
            )
        elif not open_components and line.strip():
            return None  # outside any component
    if open_components or not components:
        return None
    return components


def _from_calendar(text: str, name: str, sender: str | None) -> list[Reply] | None:
    components = _kept_lines(text.removeprefix("\ufeff"))
    if components is None or len(components) < 2:
        return None
    calendar, *vevents = components
    if _repeated(calendar) or _repeated_in(vevents):
        return None
    if any(key in ("SEQUENCE", "DTSTAMP") for key, _, _ in calendar):
        return None  # typed values outside the VEVENTs: left to the full reader
    methods = [value for key, _, value in calendar if key == "METHOD"]
    if len(methods) != 1 or _unescaped(methods[0]).strip().upper() != "REPLY":
        return None
    replies = []
    for vevent in vevents:
        reply = _reply(vevent, name, sender)
        if reply is None:
            return None
        replies.append(reply)
    return replies


def _repeated(component: list[tuple[str, dict[str, str], str]]) -> bool:
    names = [key for key, _, _ in component if key in _SINGLE]
    return len(names) != len(set(names)) or any(
        key == "RECURRENCE-ID" or (key in _SINGLE and parameters)
        for key, parameters, _ in component
    )


def _repeated_in(vevents: list[list[tuple[str, dict[str, str], str]]]) -> bool:
    return any(_repeated(vevent) for vevent in vevents)


def _reply(
    vevent: list[tuple[str, dict[str, str], str]], name: str, sender: str | None
) -> Reply | None:
    values: dict[str, str] = {}
    attendees: list[tuple[dict[str, str], str]] = []
    comments: list[str] = []
    for key, parameters, value in vevent:
        if key == "ATTENDEE":
            attendees.append((parameters, value))
        elif key == "COMMENT":
            comments.append(_unescaped(value))
        else:
            values[key] = value
    uid = _unescaped(values.get("UID", "")).strip()
    sequence = values.get("SEQUENCE")
    stamp = _UTC.match(values.get("DTSTAMP", ""))
    if not uid or len(attendees) != 1 or stamp is None:
        return None
    if sequence is not None and _DIGITS.match(sequence) is None:
        return None
    parameters, value = attendees[0]
    partstat = parameters.get("PARTSTAT", "").strip().upper()
    if partstat not in _ANSWERS or "DELEGATED-FROM" in parameters:
        return None
    attendee = _address(_unescaped(value))
    try:
        year, month, day, hour, minute, second = map(int, stamp.groups())
        dtstamp = _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.UTC)
    except ValueError:
        return None
    if attendee is None:
        return None
    return Reply(
        uid=uid,
        sequence=None if sequence is None else int(sequence),
        attendee=attendee,
        partstat=PartStat(partstat),
        comment="\n".join(comments),
        dtstamp=dtstamp,
        from_address=sender,
        source=name,
    )


def _address(uri: str) -> str | None:
    text = uri.strip()
    if text[:7].lower() != "mailto:":
        return None
    try:
        return normalize(urllib.parse.unquote(text[7:]).strip())
    except InvalidEmail:
        return None


# ---------------------------------------------------------------------------------------------


def fast_replies(data: bytes, name: str, *, calendar: bool) -> list[Reply] | None:
    """The answers of a reply read the light way, or ``None`` when the full reader must read it.

    Args:
        data: the file's octets (at most the reader's size limit).
        name: the source named in each answer.
        calendar: whether the octets are a bare iCalendar object (else an e-mail).
    """
    if not calendar:
        return _from_email(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _from_calendar(text, name, None)
