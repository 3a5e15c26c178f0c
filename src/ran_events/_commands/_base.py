"""What the subcommands share: console output, input errors, atomic writes, demo state."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from .. import eventfile
from .._atomic import write_atomic
from ..errors import EventFileError
from ..examples import synthetic_applicants

if TYPE_CHECKING:
    from ..models import Event, Registration

__all__ = [
    "CommandError",
    "Console",
    "DemoState",
    "InputError",
    "UsageError",
    "add_force_option",
    "add_now_option",
    "check_folder",
    "check_outputs",
    "load_event",
    "now_of",
    "printable",
    "write_atomic",
]

NAME_MAX: Final = 255
"""The longest file name (in UTF-8 octets) the command writes; most file systems allow 255."""

_CONTROL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
"""Characters that drive a terminal or reorder text: C0 (but tab and newline), DEL, C1,
the line and paragraph separators and the bidirectional controls."""


def printable(text: str) -> str:
    """``text`` with every control character escaped (``\\x1b``, ``\\u202e``).

    Everything a command prints goes through this, so text from an applications or decisions
    file (a role of ``"\\x1b]0;x\\x07\\x1b[2J"``) reaches the terminal as visible
    escapes, never as commands to it. Tabs and newlines are kept.

    >>> printable("a\\x1b[2Jb\\tc")
    'a\\\\x1b[2Jb\\tc'
    """

    def escape(match: re.Match[str]) -> str:
        code = ord(match[0])
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


class CommandError(Exception):
    """A failure to report on stderr as one line and exit with status 1."""


class UsageError(CommandError):
    """Misuse, such as an output that cannot be written, reported in one line (exit status 2)."""


class InputError(CommandError):
    """Invalid input, reported as ``path:line: field: message`` (exit status 1)."""

    def __init__(
        self, path: str, message: str, *, line: int | None = None, field: str = ""
    ) -> None:
        where = path if line is None else f"{path}:{line}"
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(text)
        self.path = path
        self.line = line
        self.field = field


@attrs.define
class Console:
    """Where a command writes: ``out`` for results, ``err`` for problems."""

    stdout: IO[str] = attrs.field(factory=lambda: sys.stdout)
    stderr: IO[str] = attrs.field(factory=lambda: sys.stderr)

    def out(self, text: str = "") -> None:
        """Print a line of results, control characters escaped (:func:`printable`)."""
        print(printable(text), file=self.stdout)

    def err(self, text: str) -> None:
        """Print a line about a problem, control characters escaped (:func:`printable`)."""
        print(printable(text), file=self.stderr)

    @property
    def is_terminal(self) -> bool:
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())


@attrs.define
class DemoState:
    """What the demo steps hand on to each other, in order."""

    event: Event
    out_dir: Path
    applicants: int = 400
    seed: int = 2023
    registrations: list[Registration] = attrs.field(factory=list)
    results: dict[str, Any] = attrs.field(factory=dict)

    def synthetic_pool(self) -> list[Registration]:
        """The demo's seeded applicants (``applicants`` of them, pool seed ``seed``)."""
        return synthetic_applicants(self.applicants, seed=self.seed, event=self.event)

    def pool(self) -> list[Registration]:
        """The registrations taken in by an earlier step, else the synthetic pool."""
        return self.registrations or self.synthetic_pool()


def add_force_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--force``: replace output files that exist (read by :func:`check_outputs`)."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace output files that already exist (default: refuse, and write nothing)",
    )


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()  # pragma: no cover - a relative path's parents end in "."


def check_folder(folder: Path, option: str) -> None:
    """Check that ``folder`` is a folder or can be made one (its files are checked apart).

    Raises:
        UsageError: ``folder`` is a file, or is under a file or a folder not writable.
    """
    existing = _nearest_existing(Path(folder))
    if not existing.is_dir():
        what = "is a file" if existing == Path(folder) else f"is under the file {existing}"
        raise UsageError(f"{option}: {folder} {what}, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: cannot write into {folder}: {existing} is not writable")


def check_outputs(paths: Iterable[Path], *, force: bool, option: str = "") -> None:
    """Check every file a command will write, before it writes any; clear stale temp files.

    Missing folders are created when the files are written, so a file's folder must exist or
    be creatable (under a writable folder, not under a file).

    Args:
        paths: the files to write.
        force: files that exist may be replaced (``--force``).
        option: the option that named the files, said in messages (e.g. ``--out``).

    Raises:
        UsageError: a name too long, a path that is a folder, a folder that cannot be made,
            two outputs with one name, or files that exist without ``force``; the message
            names them.
    """
    where = f"{option} " if option else ""
    seen: set[Path] = set()
    existing: list[Path] = []
    folders: dict[Path, set[str]] = {}
    for path in map(Path, paths):
        if len(path.name.encode("utf-8", "surrogateescape")) > NAME_MAX:
            shown = f"{path.name[:40]}...{path.name[-12:]}"
            raise UsageError(f"{where}{shown}: the file name is longer than {NAME_MAX} octets")
        if path in seen:
            raise UsageError(f"{where}{path}: two outputs would have this name")
        seen.add(path)
        if path.is_dir():
            raise UsageError(f"{where}{path}: is a folder; name a file")
        folder = path.parent
        if folder not in folders:
            check_folder(folder, option or str(path))
            folders[folder] = set()
        folders[folder].add(path.name)
        if path.exists():
            existing.append(path)
    if existing and not force:
        more = f" and {len(existing) - 1} other file(s) exist" if len(existing) > 1 else " exists"
        raise UsageError(
            f"{where}{existing[0]}{more} already; use --force to replace, or write "
            "elsewhere (nothing was written)"
        )
    for folder, names in folders.items():
        clear_stale_temporaries(folder, names)


def clear_stale_temporaries(folder: Path, names: set[str] | None = None) -> int:
    """Remove the ``.NAME.XXXXXXXX.tmp`` files a killed run of :func:`write_atomic` left.

    Args:
        folder: where to look (nothing happens when it does not exist).
        names: only the temporaries of these file names (default: every one).

    Returns:
        How many were removed.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        name, dot, random = entry.name[1:].removesuffix(".tmp").rpartition(".")
        if not (
            entry.name.startswith(".")
            and entry.name.endswith(".tmp")
            and dot
            and len(random) == _TEMP_RANDOM
            and (names is None or name in names)
            and entry.is_file(follow_symlinks=False)
        ):
            continue
        Path(entry.path).unlink(missing_ok=True)
        removed += 1
    return removed


_TEMP_RANDOM: Final = 8
"""The length of the random part :func:`tempfile.mkstemp` puts in a name."""


def load_event(path: str | Path) -> Event:
    """Read an event file (TOML, or JSON by its suffix) for a command.

    Raises:
        CommandError: one line per problem, ``path:line: field: message``.
    """
    path = Path(path)
    try:
        return eventfile.load(path)
    except EventFileError as exc:
        raise CommandError("\n".join(p.format(str(path)) for p in exc.problems)) from None
    except OSError as exc:
        raise InputError(
            str(path), f"cannot read the event file ({exc.strerror or exc})"
        ) from None


def add_now_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--now ISO8601`` (read with :func:`now_of`)."""
    parser.add_argument(
        "--now",
        metavar="ISO8601",
        help=f"{what}, with a UTC offset, e.g. 2023-09-07T10:00+02:00 (default: the "
        "current time, in UTC)",
    )


def now_of(args: argparse.Namespace) -> _dt.datetime:
    """The instant of ``--now``, or the current time in UTC when it is not given.

    Raises:
        InputError: the value is not an ISO 8601 date and time, or has no UTC offset.
    """
    text: str | None = args.now
    if text is None:
        return _dt.datetime.now(_dt.UTC)
    example = "e.g. 2023-09-07T10:00+02:00 or 2023-09-07T08:00Z"
    try:
        value = _dt.datetime.fromisoformat(text)
    except ValueError:
        message = f"{text!r} is not an ISO 8601 date and time; expected one with an offset, "
        raise InputError("--now", message + example) from None
    if value.utcoffset() is None:
        message = f"{text!r} has no UTC offset, so it is not an instant; add one, "
        raise InputError("--now", message + example)
    return value
