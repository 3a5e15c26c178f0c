"""``ran-events check EVENT``: validate an event file and show its schedule."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._base import Console, load_event
from ._schedule import print_schedule


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate an event file and print its schedule",
        description=(
            "Validate EVENT (TOML, or JSON by its suffix): every problem is reported at once "
            "as FILE:LINE: FIELD: MESSAGE and the exit status is 1. A valid file's schedule is "
            "printed in the event's zone and in UTC."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    event = load_event(args.event)
    print_schedule(event, (event.timezone, "UTC"), console)
    console.out(f"{args.event}: valid")
    return 0
