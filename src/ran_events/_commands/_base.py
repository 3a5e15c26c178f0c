"""What the subcommands share: console output, input errors, atomic writes, demo state."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..models import Event, Registration

__all__ = [
    "CommandError",
    "Console",
    "DemoState",
    "InputError",
    "add_now_option",
    "load_event",
    "now_of",
    "write_atomic",
]


class CommandError(Exception):
    """A failure to report on stderr as one line and exit with status 1."""


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
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        print(text, file=self.stderr)

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
        from ..examples import synthetic_applicants  # noqa: PLC0415

        return synthetic_applicants(self.applicants, seed=self.seed, event=self.event)

    def pool(self) -> list[Registration]:
        """The registrations taken in by an earlier step, else the synthetic pool."""
        return self.registrations or self.synthetic_pool()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_event(path: str | Path) -> Event:
    """Read an event file (TOML, or JSON by its suffix) for a command.

    Raises:
        CommandError: one line per problem, ``path:line: field: message``.
    """
    from ..errors import EventFileError  # noqa: PLC0415
    from ..serialization import event_from_json, event_from_toml  # noqa: PLC0415

    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            return event_from_json(path.read_bytes(), source=str(path))
        return event_from_toml(path)
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
