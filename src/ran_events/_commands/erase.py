"""``ran-events erase EVENT --db STORE EMAIL``: erase one registrant's personal data."""

from __future__ import annotations

import argparse
from typing import Any, Final

from ._base import Console, add_now_option, now_of
from ._stored import (
    add_by_option,
    add_db_option,
    address_of,
    opened,
    registration_of,
    required_db,
    stored_event,
)

ERASED_BY: Final = "ran-events erase"
"""Who erased, in the history and the audit log, when ``--by`` is not given."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "erase",
        help="erase the personal data of one registration in a store",
        description=(
            "Erase the registration of EMAIL (any spelling of the address) to EVENT (its "
            "file, or its id in the store): name, address, organisation and the answers no "
            "rule reads are removed; a pseudonymous tombstone keeps the id, the status "
            "history and what the event's quotas and caps read, so stored selections still "
            "replay. The erasure is logged in the store's audit log."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    parser.add_argument("email", metavar="EMAIL", help="the registrant's e-mail address")
    add_db_option(parser, "the store")
    add_by_option(parser, ERASED_BY, "erases")
    add_now_option(parser, "the time of the erasure")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "erase")
    now = now_of(args)
    address = address_of(args.email)
    with opened(location) as store:
        event = stored_event(store, args.event)
        held = registration_of(store, event, address, location)
        erased = store.erase(event.id, held.id, at=now, by=args.by)
    console.out(
        f"erased the personal data of registration {erased.id} of {event.id} "
        f"(status {erased.status.value}; the tombstone keeps its history)"
    )
    return 0
