"""What ``groups`` and ``workshops`` share with ``--db``: the selected read from the store,
the assignment stored there as a new version (or found the same as the stored one)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..models import RegistrationStatus
from ._base import CommandError, Console, UsageError, add_now_option, load_event
from ._stored import DB_ENV, add_by_option, add_db_option, db_of, shown_location, stored_event

if TYPE_CHECKING:
    import datetime

    from ..models import Event, Registration
    from ..store import AssignmentLike, Store

__all__ = [
    "PLACED",
    "add_store_options",
    "assigned_event",
    "keep_assignment",
    "location_of",
    "stored_participants",
]

PLACED: Final = frozenset({RegistrationStatus.SELECTED, RegistrationStatus.CONFIRMED})
"""The statuses of the registrations placed in groups and workshops: the selected, and
those who have confirmed their place."""


def add_store_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add ``--db``, ``--now`` and ``--by`` (the store the selected come from)."""
    add_db_option(
        parser,
        "read the selected from this store and keep the assignment there (instead of "
        "DECISIONS and --applications)",
    )
    add_now_option(parser, "with --db: when the assignment is stored")
    add_by_option(parser, f"ran-events {command}", "stored the assignment")


def location_of(args: argparse.Namespace, *, out: Path | None) -> str | None:
    """The store a ``groups``/``workshops`` run reads, or ``None`` for the file form.

    Raises:
        UsageError: both DECISIONS and ``--db`` given, or neither; ``--applications`` with
            ``--db``; or the file form without ``--out``.
    """
    if args.decisions is not None:
        if args.db is not None:
            raise UsageError("give DECISIONS or --db, not both")
        if out is None:
            raise UsageError("--out: needed without --db (where the assignment goes)")
        return None  # the file form, whatever $RAN_EVENTS_DB says
    location = db_of(args)
    if location is None:
        raise UsageError(f"give DECISIONS, or --db PATH_OR_URL (or set ${DB_ENV})")
    if args.applications is not None:
        raise UsageError("--applications: not with --db (the store holds the applications)")
    return location


def assigned_event(store: Store, name: Path, *, now: datetime.datetime) -> Event:
    """The event named by EVENT: its file (kept in the store as its latest revision, as
    ``select --db`` keeps it) or its id in the store.

    Raises:
        CommandError: the file is invalid, or the store holds no such event.
    """
    stored = stored_event(store, str(name))
    if not name.is_file():
        return stored
    event = load_event(name)
    store.put_event(event, at=now, source=str(name))
    return event


def stored_participants(store: Store, event: Event, location: str) -> list[Registration]:
    """The event's registrations in the store that are selected (or confirmed).

    Raises:
        CommandError: there are none (the message says where to look).
    """
    held = [r for r in store.backend(event.id) if r.status in PLACED]
    if not held:
        raise CommandError(
            f"{shown_location(location)}: no selected registration of {event.id} to place; "
            "run ran-events select EVENT --db first (see ran-events status)"
        )
    return held


def keep_assignment(  # noqa: PLR0917 - what one stored assignment needs
    store: Store,
    event: Event,
    kind: str,
    rows: Iterable[AssignmentLike],
    now: datetime.datetime,
    by: str,
    location: str,
    console: Console,
) -> int:
    """Store ``rows`` as the event's assignment of ``kind`` and say which version it is.

    A run that assigns what the latest stored version holds (the same seed, the same
    selected) adds no version: the message says it is unchanged.
    """
    placed = list(rows)
    before = max((a.version for a in store.assignments(event.id, kind)), default=0)
    version = store.put_assignments(event.id, kind, placed, at=now, by=by)
    where = shown_location(location)
    if version == before:
        console.out(
            f"{kind} assignment unchanged: the same as the stored version {version} in {where}"
        )
    else:
        console.out(
            f"stored {kind} assignment version {version} ({len(placed)} placement(s)) in {where}"
        )
    return version
