"""What the commands that work on a store share: ``--db``, opening it, naming the event."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..errors import InvalidEmail, StoreError, UnknownEvent
from ..models import normalise_email
from ..store import open_store
from ._base import CommandError, InputError, UsageError, load_event

if TYPE_CHECKING:
    from ..models import Event, Registration
    from ..store import Store

__all__ = [
    "DB_ENV",
    "add_by_option",
    "add_db_option",
    "address_of",
    "db_of",
    "opened",
    "parse_age",
    "registration_of",
    "required_db",
    "shown_location",
    "stored_event",
]

DB_ENV: Final = "RAN_EVENTS_DB"
"""The environment variable naming the store when ``--db`` is not given."""

_AGE: Final = re.compile(r"(?P<n>[0-9]+)\s*(?P<unit>d|w|h|days?|weeks?|hours?)", re.IGNORECASE)
_UNITS: Final = {"d": "days", "w": "weeks", "h": "hours"}


def add_db_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--db PATH_OR_URL`` (read with :func:`db_of`)."""
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=f"{what}: a SQLite file (made if missing) or a postgresql:// URL (default: "
        f"${DB_ENV} when set)",
    )


def add_by_option(parser: argparse.ArgumentParser, default: str, what: str) -> None:
    """Add ``--by WHO`` (who made the change, kept in the history and the audit log)."""
    parser.add_argument(
        "--by", default=default, metavar="WHO", help=f"who {what} (kept in the audit log)"
    )


def db_of(args: argparse.Namespace) -> str | None:
    """The store named by ``--db``, else by ``$RAN_EVENTS_DB``, else ``None``."""
    given: str | None = args.db
    if given is not None:
        if not given.strip():
            raise UsageError("--db: empty; name a SQLite file or a postgresql:// URL")
        return given
    return os.environ.get(DB_ENV) or None


def shown_location(location: str) -> str:
    """A store's path or URL without a password, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", location)


@contextmanager
def opened(location: str) -> Iterator[Store]:
    """Open the store at ``location`` for a command, closed afterwards.

    Raises:
        UsageError: it cannot be opened (a folder that does not exist, a server that does
            not answer, a newer store); the message names it (without a password).
    """
    try:
        store = open_store(location)
    except (StoreError, OSError) as exc:
        message = str(exc)
        shown = shown_location(location)
        raise UsageError(message if shown in message else f"--db {shown}: {message}") from None
    with store:
        yield store


def required_db(args: argparse.Namespace, command: str) -> str:
    """The store of a command that needs one.

    Raises:
        UsageError: neither ``--db`` nor ``$RAN_EVENTS_DB`` names one.
    """
    location = db_of(args)
    if location is None:
        raise UsageError(f"{command} works on a store: give --db PATH_OR_URL or set ${DB_ENV}")
    return location


def stored_event(store: Store, name: str) -> Event:
    """The event a command names by its file or by its id in the store.

    An existing file is read (and its event must be in the store); anything else is an
    event id.

    Raises:
        CommandError: the file is invalid, or the store holds no such event (the message
            names the events it holds).
    """
    path = Path(name)
    event_id = load_event(path).id if path.is_file() else name
    try:
        return store.event(event_id)
    except UnknownEvent as exc:
        held = ", ".join(exc.known) or "none"
        raise CommandError(
            f"{name}: the store holds no event {event_id!r} (events held: {held}); take in "
            "its applications first: ran-events applications EVENT APPLICATIONS --db ..."
        ) from None


def address_of(text: str) -> str:
    """The normalised address of an ``EMAIL`` argument.

    Raises:
        InputError: not an e-mail address.
    """
    try:
        return normalise_email(text)
    except InvalidEmail as exc:
        raise InputError("EMAIL", str(exc)) from None


def registration_of(store: Store, event: Event, address: str, location: str) -> Registration:
    """The registration of a normalised address (:func:`address_of`) to an event.

    Raises:
        InputError: the store holds none.
    """
    held = store.backend(event.id).find(address)
    if held is None:
        raise InputError(
            "EMAIL",
            f"{shown_location(location)} holds no registration of this address for {event.id}",
        )
    return held


def parse_age(text: str, option: str) -> _dt.timedelta:
    """A retention period such as ``365d``, ``52w`` or ``48h``.

    Raises:
        InputError: not a whole number followed by ``d``, ``w`` or ``h``, or zero.
    """
    match = _AGE.fullmatch(text.strip())
    if match is None or int(match["n"]) == 0:
        raise InputError(
            option, f"{text!r} is not a period; give days, weeks or hours, e.g. 365d, 52w, 48h"
        )
    unit = _UNITS[match["unit"][0].lower()]
    return _dt.timedelta(**{unit: int(match["n"])})
