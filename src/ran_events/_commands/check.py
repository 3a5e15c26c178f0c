"""``ran-events check EVENT``: validate an event file and show its schedule."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..eventfile import locate_problems
from ..models import slot_capacity_problems
from ..selection import rule_problems
from ._base import CommandError, Console, add_now_option, load_event, now_of
from ._schedule import print_schedule

if TYPE_CHECKING:
    from ..models import Event


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate an event file and print its schedule",
        description=(
            "Validate EVENT (TOML, or JSON by its suffix): every problem is reported at once "
            "as FILE:LINE: FIELD: MESSAGE and the exit status is 1. The selection rules are "
            "checked too: a quota or cap on an attribute no applicant can have, a quota value "
            "no applicant can give, an unknown policy or a parameter the policy refuses. A "
            "valid file's schedule is printed in the event's zone and in UTC."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    add_now_option(parser, "the time to judge the file at (is registration still open?)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    now = now_of(args)
    event = load_event(args.event)
    _check_rules(args.event, event)
    print_schedule(event, (event.timezone, "UTC"), console)
    _warn_slot_capacities(args.event, event, console)
    if event.selection.seed is not None and now < event.registration.closes:
        console.err(
            f"{args.event}: selection.seed: warning: the seed is in clear while registration "
            f"is open (until {event.registration.closes.isoformat()}); anyone who reads it "
            "can try addresses until one wins the lottery. Publish only seed_sha256 and "
            "reveal the seed after the deadline (ran-events select --seed N)"
        )
    console.out(f"{args.event}: valid")
    return 0


def _warn_slot_capacities(path: Path, event: Event, console: Console) -> None:
    """Warn of choice slots with fewer places than the event (a warning: fewer may come)."""
    found = slot_capacity_problems(event)
    if not found:
        return
    text = None if path.suffix.lower() == ".json" else path.read_text(encoding="utf-8-sig")
    for problem in locate_problems(found, text=text):
        problem.message = "warning: " + problem.message
        console.err(problem.format(str(path)))


def _check_rules(path: Path, event: Event) -> None:
    """Refuse selection rules that would silently do nothing (one line per problem)."""
    found = rule_problems(event)
    if not found:
        return  # (a valid file is not read again)
    text = None if path.suffix.lower() == ".json" else path.read_text(encoding="utf-8-sig")
    located = locate_problems(found, text=text)
    raise CommandError("\n".join(p.format(str(path)) for p in located))
