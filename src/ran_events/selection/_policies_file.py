"""Labelled policy configurations for :func:`~ran_events.selection.compare`: the policies file
(TOML) and the command's ``--policy NAME:key=value,...``.

A policies file has one table per label, each with the policy's registered name and,
optionally, its parameters (the words of an event file's ``[selection]`` table)::

    [lottery]
    policy = "lottery"

    ["experience first"]
    policy = "score"
    parameters = { weights = { experience_years = 1 } }

Reading one reports every problem at once, each with the line it is on.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ran_events.errors import (
    FileProblem,
    InvalidValue,
    PoliciesFileError,
    RanEventsError,
    UnknownPolicy,
)
from ran_events.selection._registry import PolicyRegistry, default_registry
from ran_events.selection._simulate import ConfiguredPolicy

__all__ = ["load_policies", "loads_policies", "parse_policy_option"]

_ENTRY_KEYS: Final = ("policy", "parameters")
_KEY_LINE: Final = re.compile(r"^\s*([^=#\[\s][^=#]*?)\s*=")
_BARE: Final = re.compile(r"[A-Za-z0-9_-]+")
_OPTION_SPLIT: Final = re.compile(r",(?=\s*[A-Za-z0-9_.-]+\s*=)")
_OPTION_KEY: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


def load_policies(
    path: str | os.PathLike[str], *, registry: PolicyRegistry | None = None
) -> tuple[ConfiguredPolicy, ...]:
    """Read a policies file (TOML): one labelled configuration per table, in file order.

    Args:
        path: the file.
        registry: where the names are looked up and the parameters checked, by building
            each policy once (default: :func:`default_registry`).

    Raises:
        PoliciesFileError: every problem, each with file, line, field and message.
        OSError: the file cannot be read.
    """
    path = Path(path)
    return loads_policies(path.read_bytes(), source=str(path), registry=registry)


def loads_policies(
    text: str | bytes, *, source: str | None = None, registry: PolicyRegistry | None = None
) -> tuple[ConfiguredPolicy, ...]:
    """Read the text of a policies file (octets are read as UTF-8); see :func:`load_policies`.

    >>> [(c.label, c.policy) for c in loads_policies('[a]\\npolicy = "lottery"\\n')]
    [('a', 'lottery')]

    Raises:
        PoliciesFileError: every problem, each with the line it is on where one is found.
    """
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _error(source, line, "", "not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise _error(
            source, int(found.group(1)) if found else None, "", f"not valid TOML: {exc}"
        ) from None
    except (ValueError, RecursionError) as exc:  # a huge integer; nesting too deep
        raise _error(source, None, "", f"not readable TOML: {exc}") from None
    lines = _lines(text)
    problems: list[FileProblem] = []
    configured: list[ConfiguredPolicy] = []

    def problem(label: str, key: str, value: Any, message: str) -> None:
        where = lines.get((label, key)) or lines.get((label, ""))
        field = _key(label) + (f".{key}" if key else "")
        problems.append(FileProblem(line=where, field=field, value=value, message=message))

    for label, table in document.items():
        if not label.strip():
            problem(label, "", label, "a label that is not empty")
            continue
        if not isinstance(table, dict):
            problem(label, "", table, 'a table such as { policy = "lottery" }')
            continue
        for key in table:
            if key not in _ENTRY_KEYS:
                problem(label, key, table[key], f"one of the keys {', '.join(_ENTRY_KEYS)}")
        name = table.get("policy")
        parameters = table.get("parameters", {})
        if not isinstance(name, str) or not name.strip():
            problem(label, "policy", name, "a registered policy's name, e.g. 'lottery'")
            continue
        if not isinstance(parameters, dict):
            problem(label, "parameters", parameters, "a table of the policy's parameters")
            continue
        checked = _checked(name, parameters, registry)
        if checked is not None:
            key = "policy" if checked[0] else "parameters"
            problem(label, key, name if checked[0] else parameters, checked[1])
            continue
        configured.append(ConfiguredPolicy(label=label, policy=name, parameters=parameters))
    if not document:
        problems.append(
            FileProblem(line=None, field="", message="at least one labelled policy table")
        )
    if problems:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise PoliciesFileError(source, problems)
    return tuple(configured)


def _checked(
    name: str, parameters: Mapping[str, Any], registry: PolicyRegistry | None
) -> tuple[bool, str] | None:
    """``None`` when the policy builds with ``parameters``; else (unknown name?, message)."""
    try:
        (registry or default_registry()).create(name, seed=0, parameters=parameters)
    except UnknownPolicy as exc:
        return True, str(exc)
    except (RanEventsError, ValueError, TypeError) as exc:  # the policy refuses them
        return False, str(exc)
    return None


def parse_policy_option(text: str) -> ConfiguredPolicy:
    """The configuration of a ``--policy NAME:key=value,...`` option, labelled ``text``.

    Each value is read as a TOML value when it is one (``2``, ``0.5``, ``true``,
    ``["a", "b"]``, ``{ x = 1 }``), else as text; a dotted key makes nested tables
    (``weights.experience_years=2``). A comma that is not followed by ``key=`` belongs to
    the value.

    >>> parse_policy_option("score:weights.experience_years=2").parameters
    {'weights': {'experience_years': 2}}

    Raises:
        InvalidValue: no name, a part without ``=``, a bad key, or a key given twice.
    """
    name, _, rest = text.partition(":")
    name = name.strip()
    if not name:
        raise InvalidValue("--policy", text, "NAME or NAME:key=value,...")
    parameters: dict[str, Any] = {}
    for part in _OPTION_SPLIT.split(rest) if rest.strip() else []:
        key, equals, raw = part.partition("=")
        key = key.strip()
        if not equals or not _OPTION_KEY.fullmatch(key):
            raise InvalidValue("--policy", part, "key=value, with a key such as weights.role")
        *path, last = key.split(".")
        table = parameters
        for step in path:
            table = table.setdefault(step, {})
            if not isinstance(table, dict):
                raise InvalidValue("--policy", key, "each key once")
        if last in table:
            raise InvalidValue("--policy", key, "each key once")
        table[last] = _value(raw.strip())
    return ConfiguredPolicy(label=text, policy=name, parameters=parameters)


def _value(raw: str) -> Any:
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        return raw  # "nan" and "inf" are not weights
    return value


def _error(source: str | None, line: int | None, field: str, message: str) -> PoliciesFileError:
    return PoliciesFileError(source, [FileProblem(line=line, field=field, message=message)])


def _key(label: str) -> str:
    """``label`` as a TOML key: bare when it can be, else quoted."""
    if _BARE.fullmatch(label):
        return label
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(text: str) -> dict[tuple[str, str], int]:
    """(label, key) -> the line that defines it (key ``""``: the label's table)."""
    found: dict[tuple[str, str], int] = {}
    label: str | None = None
    # Only LF ends a TOML line; splitlines() would also split at U+2028 in a string.
    for number, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        if stripped.startswith("["):
            path = _path(stripped)
            if path:
                label = path[0]
                found.setdefault((label, ""), number)
                if len(path) > 1:
                    found.setdefault((label, path[1]), number)
            continue
        match = _KEY_LINE.match(raw)
        if match is None:
            continue
        path = _path(match.group(1) + " = 0")
        if not path:
            continue
        if label is None:  # label = { policy = ... } on one line
            found.setdefault((path[0], ""), number)
        else:
            found.setdefault((label, path[0]), number)
    return found


def _path(line: str) -> list[str]:
    """The dotted key a header or ``key = 0`` line names (``[]`` if it is not one)."""
    try:
        node: Any = tomllib.loads(line)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return []
    path = []
    while isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        path.append(key)
        node = node[key]
    return path
