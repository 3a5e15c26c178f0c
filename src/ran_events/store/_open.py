"""Opening a store by a path or a URL."""

from __future__ import annotations

import os
from typing import Final

from ..errors import StoreError
from ._protocol import Store
from ._sqlite import SqliteStore

__all__ = ["POSTGRES_SCHEMES", "open_store"]

POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")
"""The URL schemes that name a PostgreSQL database; anything else is a SQLite path."""


def open_store(url_or_path: str | os.PathLike[str]) -> Store:
    """Open (creating or upgrading as needed) the store at ``url_or_path``.

    A ``postgresql://`` or ``postgres://`` URL opens a
    :class:`~ran_events.store.PostgresStore`; anything else is the path of a
    :class:`~ran_events.store.SqliteStore` file (``":memory:"`` for one in memory).

    Raises:
        StoreVersionError: the store was written by a newer ran_events.
        StoreError: it cannot be opened, or is not a ran_events store.
    """
    location = os.fspath(url_or_path)
    if location.startswith(POSTGRES_SCHEMES):
        raise StoreError(
            f"{location.split('@')[-1]}: PostgreSQL stores need PostgresStore "
            "(ran-events[postgres]), which this build does not have"
        )
    return SqliteStore(location)
