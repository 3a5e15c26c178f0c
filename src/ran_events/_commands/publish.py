"""``ran-events publish EVENT --caldav URL``: put the listing into a CalDAV calendar."""

from __future__ import annotations

import argparse
from typing import Any

from ..delivery import CALDAV_PASSWORD_VARIABLE, CALDAV_USER_VARIABLE, publish_caldav
from ..errors import InvalidUrl
from ._base import Console, UsageError, add_now_option, load_event, now_of
from ._stored import add_db_option, db_of, opened, stored_event


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="put the event's listing into a CalDAV calendar, one resource per session",
        description=(
            "Put the listing of EVENT (its file; with --db, or its id in the store) into the "
            "CalDAV collection at --caldav, one resource per session, made with MKCALENDAR "
            "when missing. Run it again after a change: a rescheduled session is replaced, a "
            "cancelled or removed one deleted. Credentials come from the environment only: "
            f"{CALDAV_USER_VARIABLE} and {CALDAV_PASSWORD_VARIABLE}."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or its id with --db")
    parser.add_argument(
        "--caldav", required=True, metavar="URL", help="the collection's http(s):// URL"
    )
    add_db_option(parser, "read the event from this store")
    parser.add_argument(
        "--join-link", action="store_true", help="carry the join link (default: not public)"
    )
    parser.add_argument(
        "--no-create",
        action="store_true",
        help="refuse a collection that does not exist instead of making it",
    )
    add_now_option(parser, "the DTSTAMP of the resources")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    now = now_of(args)
    location = db_of(args)
    if location is None:
        event = load_event(args.event)
    else:
        with opened(location) as store:
            event = stored_event(store, args.event)
    try:
        report = publish_caldav(
            event, args.caldav, now=now, join_link=args.join_link, create=not args.no_create
        )
    except InvalidUrl:
        raise UsageError(
            f"--caldav {args.caldav!r}: give the collection's http(s):// URL"
        ) from None
    made = "made the collection and " if report.created else ""
    console.out(
        f"{made}stored {len(report.stored)} session(s) of {event.id} at {args.caldav}; "
        f"deleted {len(report.deleted)}"
    )
    for url in report.deleted:
        console.out(f"  deleted {url}")
    return 0
