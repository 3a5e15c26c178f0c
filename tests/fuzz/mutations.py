"""Hypothesis strategies that turn valid inputs into hostile ones.

Three levels, so that a fuzzer reaches past the first parser into the checks behind it:

- a *document* (the parsed tree of a TOML or JSON file) gets values replaced by values of
  the wrong type, out of range or deeply nested, keys removed and unknown keys added, and is
  written out again (:func:`toml_text` and :func:`json_text` write any tree, also ones the
  library's writers refuse, such as TOML dates where strings belong);
- *lines* (rows of a CSV, content lines of iCalendar) are repeated, dropped, swapped, or get
  a cell or a property value replaced;
- *bytes* get flipped, inserted, deleted, repeated or cut off.

Every strategy shrinks towards "no change", so a failure is reported with the smallest
mutation that still shows it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

# ------------------------------------------------------------------------------------------
# Values


class Deep:
    """A value written as ``n`` nested lists (``[[[...]]]``): too deep for recursive code."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __repr__(self) -> str:
        return f"Deep({self.depth})"


NASTY_TEXT: tuple[str, ...] = (
    "",
    " ",
    "\n",
    "\r",
    "a\rb",
    "\r\n",
    '"',
    '"x',
    ",",
    ";",
    "\\",
    "\x00",
    "\x7f",
    "\ufeff",
    "\u2028",
    "²",
    "١٢",
    "e\u0301",
    "\U0001f4a5",
    "x" * 300,
    "Europe/" + "X" * 300,
    "0001-01-01",
    "0001-01-01T00:00",
    "0001-01-01T00:00+05:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31T23:59:59-05:00",
    "2023-02-30",
    "2023-09-20T14:00",
    "2023-03-26T02:30",
    "2023-10-29T02:30",
    "2023-09-06T23:59:59+02:00",
    "2023-08-20T10:15:00+02:00",
    "nan",
    "-1",
    "0",
    "1e999",
    "9" * 30,
    "CEST",
    "Europe/Brussels",
    "Mars/Olympus",
    "cases\n",
    "a@b",
    "x@example.org",
    "Jos.Peeters@Example.BE",
    "https://a.example/x",
    "http://[",
    "ftp://a.example/",
    "mailto:x@example.org",
    "female",
    "yes",
    "5",
    "lottery",
    "fair-lottery",
)
"""Texts that readers tend to get wrong: line ends, quotes, digits that are not ASCII,
dates at the ends of the calendar, zone names and URLs of the wrong kind."""

NASTY_SCALARS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**63,
    -(2**63) - 1,
    1.5,
    1e308,
    float("inf"),
    float("nan"),
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(2023, 9, 20, 14, 0),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    dt.time(14, 0),
)
"""Non-text values, including the TOML date and time types (JSON writes them as text)."""

NASTY_STRUCTURES: tuple[Any, ...] = (
    [],
    {},
    [1],
    [[1]],
    [1, "female"],
    ["female", "female"],
    {"a": 1},
    {"min": -1},
    {"min": 5, "max": 1},
    Deep(5000),
)


def nasty_values() -> st.SearchStrategy[Any]:
    """One hostile value: text, a scalar, a structure, or a short random text."""
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.sampled_from(NASTY_SCALARS),
        st.sampled_from(NASTY_STRUCTURES),
        st.text(max_size=12),
        st.integers(),
    )


# ------------------------------------------------------------------------------------------
# Documents (trees of dicts and lists)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


@st.composite
def mutated_documents(draw: st.DrawFn, document: Any, max_changes: int = 3) -> Any:
    """``document`` (not changed) copied with up to ``max_changes`` changes at random paths:
    a value replaced, a key or list item removed, an unknown key added, an item repeated."""
    result = _copy(document)
    for _ in range(draw(st.integers(0, max_changes))):
        paths = _paths(result)
        path = draw(st.sampled_from(paths))
        operation = draw(st.sampled_from(["replace", "remove", "add", "repeat"]))
        if not path:
            if operation == "replace":
                result = _copy(draw(nasty_values()))
            continue
        parent = result
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if operation == "replace":
            parent[last] = _copy(draw(nasty_values()))
        elif operation == "remove":
            del parent[last]
        elif operation == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(["x", "id", "", "a.b", "é", *NASTY_TEXT[:8]]))
            parent[key] = _copy(draw(nasty_values()))
        elif operation == "repeat" and isinstance(parent, list):
            parent.insert(last, _copy(parent[last]))
    return result


# ------------------------------------------------------------------------------------------
# Writers that write any tree


def _toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key):
        return key
    return json.dumps(key)


def _toml_string(text: str) -> str:
    # A TOML basic string is a JSON string, but for the escapes TOML lacks: \uXXXX of a
    # surrogate is not allowed, so such text is written raw (the file is then not UTF-8).
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, Deep):
        return "[" * value.depth + "]" * value.depth
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    return _toml_string(str(value))


def toml_text(document: Any) -> str:
    """``document`` as TOML: a table's scalars as ``key = value``, tables and arrays of
    tables with headers (as people write event files), anything else inline."""
    if not isinstance(document, dict):
        return f"value = {_toml_value(document)}\n"
    lines: list[str] = []
    _toml_table(lines, (), document)
    return "\n".join(lines) + "\n"


def _toml_table(lines: list[str], header: tuple[str, ...], table: dict[str, Any]) -> None:
    nested = []
    for key, value in table.items():
        if (isinstance(value, dict) and value) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            nested.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in nested:
        name = ".".join(_toml_key(k) for k in (*header, key))
        if isinstance(value, dict):
            lines.extend(["", f"[{name}]"])
            _toml_table(lines, (*header, key), value)
        else:
            for item in value:
                lines.extend(["", f"[[{name}]]"])
                _toml_table(lines, (*header, key), item)


def _json_value(value: Any) -> str:
    if isinstance(value, Deep):
        return "[" * value.depth + "]" * value.depth
    if isinstance(value, dict):
        pairs = (f"{json.dumps(str(k))}: {_json_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_value(v) for v in value) + "]"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def json_text(document: Any) -> str:
    """``document`` as JSON text (deep nesting written without recursion limits)."""
    return _json_value(document)


# ------------------------------------------------------------------------------------------
# Lines and cells


@st.composite
def mutated_lines(
    draw: st.DrawFn,
    lines: Sequence[str],
    replace_part: st.SearchStrategy[str] | None = None,
    *,
    keep_first: bool = False,
    max_changes: int = 3,
) -> list[str]:
    """``lines`` with up to ``max_changes`` changes: a line repeated, dropped, swapped with
    the next, or (given ``replace_part``) one of its ``,``- or ``:``-separated parts replaced.
    With ``keep_first`` the first line (a header) stays as it is."""
    result = list(lines)
    low = 1 if keep_first else 0
    for _ in range(draw(st.integers(0, max_changes))):
        if len(result) <= low:
            break
        index = draw(st.integers(low, len(result) - 1))
        operation = draw(st.sampled_from(["part", "repeat", "drop", "swap", "blank"]))
        if operation == "part" and replace_part is not None:
            line = result[index]
            separator = ":" if ":" in line and "," not in line else ","
            parts = line.split(separator)
            which = draw(st.integers(0, len(parts) - 1))
            if separator == ":" and which == 0 and len(parts) > 1:
                which = 1  # keep the property's name; change its value
            parts[which] = draw(replace_part)
            result[index] = separator.join(parts)
        elif operation == "repeat":
            result.insert(index, result[index])
        elif operation == "drop":
            del result[index]
        elif operation == "swap" and index + 1 < len(result):
            result[index], result[index + 1] = result[index + 1], result[index]
        elif operation == "blank":
            result.insert(index, "")
    return result


# ------------------------------------------------------------------------------------------
# Bytes

TOKENS: tuple[bytes, ...] = (
    b'"',
    b"'",
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xe4",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"[",
    b"]",
    b"{",
    b"}",
    b"=",
    b":",
    b";",
    b"\\",
    b"#",
    b"\t",
    b" ",
    b"0",
    b"9999",
    "²".encode(),
)
"""Bytes that mean something to one of the formats, and bytes that are not UTF-8."""


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, max_changes: int = 3) -> bytes:
    """``data`` with up to ``max_changes`` byte-level changes."""
    result = bytearray(data)
    for _ in range(draw(st.integers(0, max_changes))):
        at = draw(st.integers(0, len(result)))
        operation = draw(st.sampled_from(["insert", "flip", "delete", "repeat", "cut"]))
        if operation == "insert":
            token = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=4))
            result[at:at] = token
        elif operation == "flip" and at < len(result):
            result[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "delete":
            result[at : at + draw(st.integers(1, 16))] = b""
        elif operation == "repeat":
            chunk = result[at : at + draw(st.integers(1, 64))]
            result[at:at] = chunk
        elif operation == "cut":
            del result[at:]
    return bytes(result)
