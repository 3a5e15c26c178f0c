"""``ran-events replies EVENT --db STORE FILE...``: apply attendees' calendar replies."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import ReplyError
from ..replies import Refusal, Reply, apply_replies, read_replies
from ._base import Console, add_now_option, now_of
from ._loop import add_offer_hours_option, tell
from ._stored import add_db_option, opened, required_db, stored_event

REFUSED = frozenset(r.value for r in Refusal) - {Refusal.DUPLICATE.value}
"""The refusals that make the exit status 1 (a reply applied before is a rerun's, harmless)."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "replies",
        help="apply attendees' replies (.eml or .ics) to a store",
        description=(
            "Read each FILE (an e-mail with the calendar reply, as Outlook, Gmail, Apple "
            "Calendar and Thunderbird send them, or a .ics iTIP REPLY) and apply its answers "
            "to EVENT (its file, or its id in the store): ACCEPTED confirms, DECLINED frees the "
            "place and offers it to the waiting list (quotas and caps kept) and queues the "
            "messages that implies, TENTATIVE is recorded. Prints per file what changed or "
            "why nothing did. A reply for another event's session, from someone not invited, "
            "older than the latest invite, or sent from another address than the attendee's "
            "changes nothing. Exit status 1 when a file could not be read or a reply in it was "
            "refused (a reply applied before is only reported)."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the replies")
    add_db_option(parser, "the store")
    add_offer_hours_option(parser)
    add_now_option(parser, "the time the replies are applied (offers' deadlines count from it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "replies")
    now = now_of(args)
    read: list[tuple[Path, list[Reply]]] = []
    refused = 0
    for path in args.files:
        try:
            read.append((path, read_replies(path)))
        except ReplyError as exc:
            console.err(f"{exc}; nothing applied")
            refused += 1
        except OSError as exc:
            console.err(f"{path}: cannot read: {exc.strerror or exc}; nothing applied")
            refused += 1
    with opened(location) as store:
        event = stored_event(store, args.event)
        replies = [reply for _, replies in read for reply in replies]
        outcomes = iter(
            apply_replies(store, event, replies, now=now, offer_hours=args.offer_hours)
        )
    changed = 0
    for path, replies in read:
        file_refused = False
        for reply in replies:
            outcome = next(outcomes)
            tell(console, f"{path}: {reply.attendee} {reply.partstat.value}: ", outcome)
            changed += outcome.applied
            file_refused |= not outcome.applied and outcome.code in REFUSED
        refused += file_refused
    console.out(
        f"{len(args.files)} file(s), {sum(len(r) for _, r in read)} answer(s): {changed} "
        f"applied, {refused} file(s) refused"
    )
    return 1 if refused else 0
