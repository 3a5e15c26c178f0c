"""``ran-events purge EVENT --db STORE --older-than 365d``: apply a retention period."""

from __future__ import annotations

import argparse
from typing import Any, Final

from ._base import Console, add_now_option, now_of
from ._stored import add_by_option, add_db_option, opened, parse_age, required_db, stored_event

PURGED_BY: Final = "ran-events purge"
"""Who purged, in the histories and the audit log, when ``--by`` is not given."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "purge",
        help="erase the registrations of an event older than a retention period",
        description=(
            "Erase (as ran-events erase does) every registration of EVENT (its file, or its "
            "id in the store) that last changed more than --older-than ago (e.g. 365d, 52w, "
            "48h) and is not erased yet. Logged in the store's audit log."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    add_db_option(parser, "the store")
    parser.add_argument(
        "--older-than",
        required=True,
        metavar="PERIOD",
        help="the retention period: days, weeks or hours, e.g. 365d",
    )
    add_by_option(parser, PURGED_BY, "purges")
    add_now_option(parser, "the time the period is counted back from")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "purge")
    now = now_of(args)
    older_than = parse_age(args.older_than, "--older-than")
    with opened(location) as store:
        event = stored_event(store, args.event)
        erased = store.purge(event.id, older_than=older_than, now=now, by=args.by)
    console.out(
        f"purged {len(erased)} registration(s) of {event.id} last changed before "
        f"{(now - older_than).isoformat()}"
    )
    return 0
