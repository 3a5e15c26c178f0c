"""What the reply-loop commands (replies, withdraw, expire) share: ``--offer-hours`` and how
an outcome is told."""

from __future__ import annotations

import argparse

from ..replies import ReplyOutcome
from ._base import Console


def add_offer_hours_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--offer-hours N`` (how long a freed place is offered)."""
    parser.add_argument(
        "--offer-hours",
        type=_hours,
        metavar="N",
        help="how long a freed place is offered to the next person waiting (default: the "
        "event's [registration] offer_hours, 48 unless set)",
    )


def _hours(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number of hours")
    return int(text)


def tell(console: Console, prefix: str, outcome: ReplyOutcome) -> None:
    """One line: what changed (and the messages queued), or why nothing did."""
    queued = f" ({len(outcome.queued)} message(s) queued)" if outcome.queued else ""
    if outcome.applied:
        console.out(f"{prefix}{outcome.code}: {outcome.sentence}{queued}")
    else:
        console.out(f"{prefix}nothing changed: {outcome.code}: {outcome.sentence}")
