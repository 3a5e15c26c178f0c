"""An octet-level check of the iCalendar rules that parsers do not check (ICALENDAR.md 2 and 3).

Parsers are lenient about line ends, line length, folding and escaping, and most accept a
calendar that a strict client mangles. :func:`check_octets` reads the raw bytes and returns one
message per problem, each starting with a rule code from :data:`RULES` and a colon, e.g.
``"crlf: line 3 ends with a bare LF"``, so a test can assert which rule fired.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import attrs

__all__ = ["RULES", "ContentLine", "check_octets", "content_lines"]

#: Every rule code :func:`check_octets` can report.
RULES = (
    "crlf",  # line ends are CRLF only, and the object ends with one
    "line-length",  # no physical line over 75 octets
    "fold-utf8",  # a fold never splits a UTF-8 sequence
    "fold-escape",  # a fold never splits a backslash escape
    "utf8",  # the object is UTF-8
    "bare-cr-lf",  # an unfolded content line holds no CR or LF
    "syntax",  # a content line is name *(;param) : value; BEGIN/END nest
    "text-escape",  # TEXT uses only \\ \; \, \n \N
    "text-unescaped",  # single-valued TEXT escapes , and ;
    "param-quote",  # parameter values with : ; , are double-quoted
    "version",  # VERSION:2.0 exactly once
    "prodid",  # PRODID exactly once
    "tzid-missing",  # every TZID= has a VTIMEZONE
    "tzid-order",  # the VTIMEZONE comes before the VEVENTs using it
    "tzid-utc",  # never TZID=UTC
    "floating",  # DTSTART/DTEND/RECURRENCE-ID are UTC or have a TZID
    "datetime-form",  # date-times are YYYYMMDDTHHMMSS[Z], no UTC offset inside
    "dtstamp-utc",  # DTSTAMP ends with Z
    "cardinality",  # exactly one UID, DTSTAMP, DTSTART per VEVENT
    "dtend-duration",  # not both DTEND and DURATION
    "x-wr-calname",  # no X-WR-CALNAME when METHOD is REQUEST or CANCEL
)

_MAX_OCTETS = 75
_TEXT_SINGLE = frozenset({"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "TZNAME"})
_TEXT_LIST = frozenset({"CATEGORIES", "RESOURCES"})
_MULTI_VALUED_PARAMS = frozenset({"MEMBER", "DELEGATED-TO", "DELEGATED-FROM", "FEATURE"})
_LOCAL_TIMES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID"})
_ADDRESSES = frozenset({"ORGANIZER", "ATTENDEE"})
_DATE_TIME = re.compile(r"\d{8}T\d{6}Z?")
_DATE = re.compile(r"\d{8}")
_ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9-]+")


@attrs.frozen(kw_only=True)
class ContentLine:
    """One unfolded content line.

    Attributes:
        number: The number of its first physical line, from 1.
        name: The property name, upper-cased.
        params: ``(NAME, value, quoted)`` per parameter value, names upper-cased.
        value: The raw value, escapes kept.
    """

    number: int
    name: str
    params: tuple[tuple[str, str, bool], ...]
    value: str

    def param(self, name: str) -> str | None:
        """Return the first value of parameter ``name`` (upper-case), or ``None``."""
        return next((value for key, value, _ in self.params if key == name), None)


def _physical_lines(data: bytes, problems: list[str]) -> list[bytes]:
    """Split on CRLF, reporting every other line end and lines over 75 octets."""
    if data and not data.endswith(b"\r\n"):
        problems.append("crlf: the object does not end with CRLF")
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"crlf: line {number} holds a bare CR or LF line end")
        if len(line) > _MAX_OCTETS:
            problems.append(f"line-length: line {number} has {len(line)} octets (max 75)")
    return lines


def _check_folds(lines: list[bytes], problems: list[str]) -> None:
    for number in range(1, len(lines)):
        line = lines[number]
        if line[:1] not in (b" ", b"\t"):
            continue
        previous, rest = lines[number - 1], line[1:]
        if (rest[:1] and 0x80 <= rest[0] <= 0xBF) or (previous and previous[-1] >= 0xC0):
            problems.append(f"fold-utf8: the fold before line {number + 1} splits a character")
        trailing = len(previous) - len(previous.rstrip(b"\\"))
        if trailing % 2 == 1:
            problems.append(f"fold-escape: the fold before line {number + 1} splits an escape")


def _split_params(head: str) -> list[str]:
    """Split ``name;param;param`` on semicolons outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _param_values(raw: str) -> Iterator[tuple[str, bool]]:
    """Yield ``(value, quoted)`` for each comma-separated value of one parameter."""
    current: list[str] = []
    quoted = was_quoted = False
    for char in raw:
        if char == '"':
            quoted, was_quoted = not quoted, True
        elif char == "," and not quoted:
            yield "".join(current), was_quoted
            current, was_quoted = [], False
        else:
            current.append(char)
    yield "".join(current), was_quoted


def _parse_line(number: int, text: str, problems: list[str]) -> ContentLine | None:
    quoted, colon = False, -1
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            colon = index
            break
    if colon < 0:
        problems.append(f"syntax: line {number} has no ':' outside quotes")
        return None
    name, *raw_params = _split_params(text[:colon])
    if not _NAME.fullmatch(name):
        problems.append(f"syntax: line {number} has a bad property name {name!r}")
        return None
    params: list[tuple[str, str, bool]] = []
    for raw in raw_params:
        key, sep, values = raw.partition("=")
        if not sep or not _NAME.fullmatch(key):
            problems.append(
                f"param-quote: line {number} parameter {raw!r} is not NAME=value"
                " (an unquoted ';' in a parameter value?)"
            )
            continue
        found = list(_param_values(values))
        if len(found) > 1 and key.upper() not in _MULTI_VALUED_PARAMS:
            problems.append(f"param-quote: line {number} {key}= holds an unquoted ','")
        params.extend((key.upper(), value, was_quoted) for value, was_quoted in found)
    return ContentLine(
        number=number, name=name.upper(), params=tuple(params), value=text[colon + 1 :]
    )


def content_lines(data: bytes, problems: list[str] | None = None) -> list[ContentLine]:
    """Unfold ``data`` and parse its content lines, adding byte-level problems to ``problems``.

    Args:
        data: The raw iCalendar object.
        problems: Where to append the problems found; a throw-away list when ``None``.

    Returns:
        The parsed content lines in order (unparseable lines are left out and reported).
    """
    sink: list[str] = [] if problems is None else problems
    physical = _physical_lines(data, sink)
    _check_folds(physical, sink)
    logical: list[tuple[int, bytes]] = []
    for number, line in enumerate(physical, 1):
        if line[:1] in (b" ", b"\t") and logical:
            start, folded = logical[-1]
            logical[-1] = (start, folded + line[1:])
        elif line:
            logical.append((number, line))
    out = []
    for number, raw in logical:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            sink.append(f"utf8: line {number} is not UTF-8")
            text = raw.decode("utf-8", "replace")
        if "\r" in text or "\n" in text:
            sink.append(f"bare-cr-lf: content line {number} holds a CR or LF")
        parsed = _parse_line(number, text, sink)
        if parsed is not None:
            out.append(parsed)
    return out


def _check_text(line: ContentLine, problems: list[str]) -> None:
    if line.name not in _TEXT_SINGLE | _TEXT_LIST or line.param("VALUE") not in (None, "TEXT"):
        return
    for match in _ESCAPE.finditer(line.value):
        if match.group(1) not in ("\\", ";", ",", "n", "N"):
            problems.append(
                f"text-escape: line {line.number} {line.name} has the escape \\{match.group(1)}"
            )
    if line.name in _TEXT_SINGLE:
        bare = _ESCAPE.sub("", line.value)
        for char in ",;":
            if char in bare:
                problems.append(
                    f"text-unescaped: line {line.number} {line.name} has a bare {char!r}"
                )


def _check_params(line: ContentLine, problems: list[str]) -> None:
    lowered = line.value.lower()
    if line.name in _ADDRESSES and ":mailto:" in lowered and not lowered.startswith("mailto:"):
        problems.append(
            f"param-quote: line {line.number} {line.name} has an unquoted ':' in a parameter"
        )


def _check_time(line: ContentLine, problems: list[str]) -> None:
    value = line.value
    if line.name == "DTSTAMP":
        if not value.endswith("Z"):
            problems.append(f"dtstamp-utc: line {line.number} DTSTAMP {value!r} is not UTC")
        return
    if line.param("VALUE") == "DATE":
        if not _DATE.fullmatch(value):
            problems.append(f"datetime-form: line {line.number} {line.name} {value!r}")
        return
    if not _DATE_TIME.fullmatch(value):
        problems.append(f"datetime-form: line {line.number} {line.name} {value!r}")
        return
    if not value.endswith("Z") and line.param("TZID") is None:
        problems.append(f"floating: line {line.number} {line.name} {value!r} has no TZID or Z")


def _check_event(lines: list[ContentLine], problems: list[str]) -> None:
    counts = Counter(line.name for line in lines)
    start = lines[0].number if lines else 0
    for name in ("UID", "DTSTAMP", "DTSTART"):
        if counts[name] != 1:
            problems.append(f"cardinality: VEVENT at line {start} has {counts[name]} {name}")
    if counts["DTEND"] and counts["DURATION"]:
        problems.append(f"dtend-duration: VEVENT at line {start} has both DTEND and DURATION")


def check_octets(data: bytes) -> list[str]:
    """Return every problem of ``data`` against ICALENDAR.md sections 2 and 3.

    Args:
        data: One iCalendar object, exactly as it would be sent.

    Returns:
        One message per problem, each ``"<rule>: <detail>"`` with ``<rule>`` from
        :data:`RULES`; an empty list when the object passes.
    """
    problems: list[str] = []
    lines = content_lines(data, problems)
    stack: list[str] = []
    top: list[ContentLine] = []
    event: list[ContentLine] | None = None
    zones: dict[str, int] = {}
    zone_uses: list[tuple[str, int]] = []
    for line in lines:
        if line.name == "BEGIN":
            stack.append(line.value.upper())
            if stack[-1] == "VEVENT":
                event = [line]
            continue
        if line.name == "END":
            if not stack or stack[-1] != line.value.upper():
                problems.append(f"syntax: line {line.number} END:{line.value} does not match")
            elif stack.pop() == "VEVENT" and event is not None:
                _check_event(event[1:], problems)
                event = None
            continue
        if line.name == "TZID" and stack[-1:] == ["VTIMEZONE"]:
            zones.setdefault(line.value, line.number)
        if stack == ["VCALENDAR"]:
            top.append(line)
        if event is not None and len(stack) == 2:
            event.append(line)
        _check_text(line, problems)
        _check_params(line, problems)
        in_event = "VEVENT" in stack and "VALARM" not in stack
        if in_event and (line.name in _LOCAL_TIMES or line.name == "DTSTAMP"):
            _check_time(line, problems)
        tzid = line.param("TZID")
        if tzid is not None:
            if tzid.upper() == "UTC":
                problems.append(f"tzid-utc: line {line.number} uses TZID=UTC (write ...Z)")
            zone_uses.append((tzid, line.number))
    if stack:
        problems.append(f"syntax: {'/'.join(stack)} not closed")
    for tzid, number in zone_uses:
        if tzid not in zones:
            problems.append(f"tzid-missing: line {number} TZID={tzid} has no VTIMEZONE")
        elif zones[tzid] > number:
            problems.append(f"tzid-order: line {number} uses TZID={tzid} before its VTIMEZONE")
    top_names = Counter(line.name for line in top)
    versions = [line.value for line in top if line.name == "VERSION"]
    if versions != ["2.0"]:
        problems.append(f"version: VERSION values {versions} (want exactly one 2.0)")
    if top_names["PRODID"] != 1:
        problems.append(f"prodid: {top_names['PRODID']} PRODID (want exactly one)")
    methods = {line.value.upper() for line in top if line.name == "METHOD"}
    if top_names["X-WR-CALNAME"] and methods & {"REQUEST", "CANCEL"}:
        problems.append("x-wr-calname: X-WR-CALNAME on a REQUEST/CANCEL invite")
    return problems
