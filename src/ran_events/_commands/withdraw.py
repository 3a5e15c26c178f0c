"""``ran-events withdraw EVENT --db STORE EMAIL``: withdraw a registration by hand."""

from __future__ import annotations

import argparse
from typing import Any, Final

from ..errors import IllegalTransition
from ..replies import withdraw
from ._base import Console, InputError, add_now_option, now_of
from ._loop import add_offer_hours_option, tell
from ._stored import (
    add_by_option,
    add_db_option,
    address_of,
    opened,
    registration_of,
    required_db,
    stored_event,
)

WITHDRAWN_BY: Final = "ran-events withdraw"
"""Who withdrew, in the history, when ``--by`` is not given."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "withdraw",
        help="withdraw one registration by hand; its place goes to the waiting list",
        description=(
            "Withdraw the registration of EMAIL (any spelling of the address) to EVENT (its "
            "file, or its id in the store), e.g. after a phone call: a selected or confirmed "
            "person gets a CANCEL of every session they were invited to and the place is "
            "offered to the next person waiting (quotas and caps kept), with an offer e-mail "
            "and invites queued; a waitlisted person leaves the list. Send the messages with "
            "ran-events send."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    parser.add_argument("email", metavar="EMAIL", help="the registrant's e-mail address")
    add_db_option(parser, "the store")
    parser.add_argument(
        "--reason",
        default="withdrawn by the organiser",
        metavar="TEXT",
        help="why, kept in the status history (default: 'withdrawn by the organiser')",
    )
    add_by_option(parser, WITHDRAWN_BY, "withdraws")
    add_offer_hours_option(parser)
    add_now_option(parser, "the time of the withdrawal (the offer's deadline counts from it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "withdraw")
    now = now_of(args)
    address = address_of(args.email)
    with opened(location) as store:
        event = stored_event(store, args.event)
        held = registration_of(store, event, address, location)
        try:
            outcome = withdraw(
                store,
                event,
                held.id,
                now=now,
                offer_hours=args.offer_hours,
                reason=args.reason,
                by=args.by,
            )
        except IllegalTransition as exc:
            raise InputError(
                "EMAIL",
                f"registration {held.id} is {exc.current}; only a submitted, selected, "
                "confirmed or waitlisted registration can be withdrawn",
            ) from None
    tell(console, "", outcome)
    return 0
