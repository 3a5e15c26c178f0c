"""``ran-events ics EVENT [-o FILE]``: write the event's PUBLISH calendar (its listing)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import ics
from ._base import (
    Console,
    DemoState,
    add_force_option,
    check_outputs,
    load_event,
    write_atomic,
)


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "ics",
        help="write the event's calendar listing (METHOD:PUBLISH)",
        description=(
            "Write the PUBLISH calendar of EVENT: one VEVENT per session, the organiser, the "
            "online platform (not its join link, which only the invites carry, unless "
            "--with-join-link) and a reminder, with a compact VTIMEZONE. This is the 'add to "
            "my calendar' file; it names no attendee."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE",
        help="where to write (default: EVENT with the suffix .ics)",
    )  # fmt: skip
    parser.add_argument(
        "--with-join-link", action="store_true",
        help="put the join URL and access notes in the listing (default: the platform only; "
        "everyone who gets the listing, selected or not, could join)",
    )  # fmt: skip
    add_force_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    target = args.output or Path(args.event).with_suffix(".ics")
    check_outputs([target], force=args.force, option="-o" if args.output else "")
    event = load_event(args.event)
    data = ics.publish(event, join_link=args.with_join_link)
    write_atomic(target, data, private=False)  # a listing: no personal data
    console.out(f"{target}: {len(event.sessions)} session(s), {len(data)} octets")
    return 0


def demo(state: DemoState, console: Console) -> None:
    """Write the webinar's listing."""
    target = state.out_dir / f"{state.event.id}.ics"
    listing = ics.publish(state.event, now=state.event.registration.closes)
    write_atomic(target, listing, private=False)
    console.out("")
    console.out("== Calendar listing ==")
    console.out(f"  {target} (METHOD:PUBLISH, {len(state.event.sessions)} sessions)")
