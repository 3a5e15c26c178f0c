"""The ``ran-events`` command: ``demo``, ``check`` and the capability subcommands.

Exit status: 0 on success, 1 on invalid input (a message naming the file, line and field on
stderr, one line per problem), 2 on misuse (argparse's usage message, or an output that cannot
be written, checked before anything is written), 141 when the reader of the output went away
(``ran-events ... | head``), quietly. Output files are written atomically.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import IO, Final

from ._commands import (
    applications,
    check,
    demo,
    erase,
    expire,
    groups,
    ics,
    invites,
    publish,
    purge,
    replies,
    select,
    send,
    simulate,
    status,
    withdraw,
    workshops,
)
from ._commands._base import CommandError, Console, UsageError
from ._version import __version__
from .errors import RanEventsError

__all__ = ["BROKEN_PIPE", "COMMANDS", "DEMO_STEPS", "build_parser", "demo_modules", "main"]

_MODULES: Final = (
    demo,
    check,
    applications,
    select,
    status,
    erase,
    purge,
    groups,
    workshops,
    simulate,
    ics,
    invites,
    replies,
    withdraw,
    expire,
    send,
    publish,
)


def _name(module: ModuleType) -> str:
    return module.__name__.rpartition(".")[2]


COMMANDS: Final = tuple(_name(module) for module in _MODULES)
"""The subcommand modules in :mod:`ran_events._commands`, in the order ``--help`` lists them."""

DEMO_STEPS: Final = (_name(demo), *(_name(module) for module in demo.STEPS))
"""The modules whose ``demo`` step ``ran-events demo`` runs, in this order."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``ran-events``."""
    parser = argparse.ArgumentParser(
        prog="ran-events",
        description=(
            "Run RAN training events: check event files, take in applications, select "
            "participants and write calendar invites."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _MODULES:
        module.add_parser(subparsers)
    return parser


def demo_modules() -> list[ModuleType]:
    """The modules that contribute a step to ``ran-events demo``, in order."""
    return [demo, *demo.STEPS]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the command; returns the exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        stdout: where results go (default ``sys.stdout``).
        stderr: where problems go (default ``sys.stderr``).
    """
    console = Console(stdout=stdout or sys.stdout, stderr=stderr or sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, misuse exits 2
        return int(exc.code or 0)
    try:
        status = int(args.run(args, console))
        console.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:
        _silence(console.stdout)
        return BROKEN_PIPE
    except (CommandError, RanEventsError) as exc:
        # Invalid input, or input that cannot be acted on (an infeasible selection): one
        # line per problem, never a traceback. Misuse (an output that cannot be written)
        # exits 2, as argparse's does.
        for line in str(exc).splitlines():
            console.err(f"ran-events {args.command}: {line}")
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        console.err("interrupted")
        return 130
    return status


BROKEN_PIPE: Final = 141
"""The exit status when the reader of standard output went away (128 + SIGPIPE, as a shell
reports a command killed by it)."""


def _silence(stream: IO[str]) -> None:
    """Point ``stream``'s descriptor at /dev/null, so nothing fails flushing it at exit."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a StringIO in tests)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)
