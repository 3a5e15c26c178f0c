"""``ran-events expire EVENT --db STORE``: end the offers past their deadline."""

from __future__ import annotations

import argparse
from typing import Any

from ..replies import expire
from ._base import Console, add_now_option, now_of
from ._loop import add_offer_hours_option, tell
from ._stored import add_db_option, opened, required_db, stored_event


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "expire",
        help="end the offers nobody answered in time; offer each place to the next",
        description=(
            "End every open offer of EVENT (its file, or its id in the store) whose deadline "
            "has passed at --now: the person is declined (no answer), their invites are "
            "cancelled, and the place is offered to the next person waiting (quotas and caps "
            "kept) with a new deadline. Run it regularly (e.g. hourly from cron), then "
            "ran-events send."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    add_db_option(parser, "the store")
    add_offer_hours_option(parser)
    add_now_option(parser, "the time the deadlines are judged against")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "expire")
    now = now_of(args)
    with opened(location) as store:
        event = stored_event(store, args.event)
        outcomes = expire(store, event, now, offer_hours=args.offer_hours)
        still_open = len(store.offers(event.id, open_at=now))
    for outcome in outcomes:
        tell(console, "", outcome)
    console.out(
        f"{len(outcomes) or 'no'} offer(s) of {event.id} lapsed by {now.isoformat()}; "
        f"{still_open} open"
    )
    return 0
