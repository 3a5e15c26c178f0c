"""The SQLite store's schema, as numbered forward steps; a store is upgraded when opened.

Step ``n`` takes a store from version ``n - 1`` to ``n``. A store opened by this code runs
every step it lacks in one transaction (all or none) and logs each in the audit log; a store
of a newer version than :data:`LATEST` is refused
(:class:`~ran_events.errors.StoreVersionError`): a store is never downgraded.

A step is never edited once released: a change to the schema is a new step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Final

__all__ = ["LATEST", "STEPS", "stored_version"]

STEPS: Final[Mapping[int, tuple[str, ...]]] = {
    1: (
        """CREATE TABLE schema_version (
            version INTEGER NOT NULL,
            written_by TEXT NOT NULL,
            at TEXT NOT NULL)""",
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL)""",
        """CREATE TABLE events (
            event_id TEXT PRIMARY KEY)""",
        """CREATE TABLE event_revisions (
            event_id TEXT NOT NULL REFERENCES events (event_id),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            digest TEXT NOT NULL,
            document TEXT NOT NULL,
            at TEXT NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (event_id, revision),
            UNIQUE (event_id, digest))""",
        """CREATE TABLE registrations (
            pk INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events (event_id),
            id TEXT NOT NULL,
            normalised_email TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            status TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (event_id, normalised_email),
            UNIQUE (event_id, id))""",
        """CREATE TABLE status_changes (
            seq INTEGER PRIMARY KEY,
            registration_pk INTEGER NOT NULL REFERENCES registrations (pk),
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL,
            by TEXT NOT NULL)""",
        """CREATE TABLE selections (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events (event_id),
            at TEXT NOT NULL,
            seed INTEGER,
            policy TEXT NOT NULL,
            record_json TEXT NOT NULL)""",
        """CREATE TABLE offers (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events (event_id),
            registration_id TEXT NOT NULL,
            at TEXT NOT NULL,
            deadline TEXT NOT NULL,
            closed_at TEXT,
            outcome TEXT,
            source TEXT NOT NULL,
            FOREIGN KEY (event_id, registration_id) REFERENCES registrations (event_id, id))""",
        """CREATE TABLE messages (
            message_id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES events (event_id),
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            data BLOB NOT NULL,
            queued_at TEXT NOT NULL,
            state TEXT NOT NULL,
            sent_at TEXT,
            attempts INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            registration_id TEXT,
            uid TEXT,
            sequence INTEGER)""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            event_id TEXT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            by TEXT NOT NULL,
            detail TEXT NOT NULL)""",
    ),
    # 2: erasure is a state of its own (when), and a registration's history is read by
    # an index instead of a scan of every change of the store.
    2: (
        "ALTER TABLE registrations ADD COLUMN erased_at TEXT",
        "CREATE INDEX status_changes_by_registration ON status_changes (registration_pk, seq)",
        "CREATE INDEX messages_by_event ON messages (event_id, state)",
        "CREATE INDEX offers_by_event ON offers (event_id)",
    ),
    # 3: the small groups' and workshops' assignments, each stored as a new version (the
    # older kept); a row names its registration by id only (erasure keeps ids).
    3: (
        """CREATE TABLE assignment_versions (
            event_id TEXT NOT NULL REFERENCES events (event_id),
            kind TEXT NOT NULL CHECK (kind IN ('groups', 'workshops')),
            version INTEGER NOT NULL CHECK (version >= 1),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            PRIMARY KEY (event_id, kind, version))""",
        """CREATE TABLE assignments (
            event_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            position INTEGER NOT NULL,
            registration_id TEXT NOT NULL,
            group_label TEXT NOT NULL,
            session_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (event_id, kind, version, position),
            FOREIGN KEY (event_id, kind, version)
                REFERENCES assignment_versions (event_id, kind, version))""",
    ),
}
"""Step number (the version it reaches) -> its statements."""

LATEST: Final = max(STEPS)
"""The newest schema version this code reads and writes."""


def stored_version(db: sqlite3.Connection) -> tuple[int, str]:
    """The schema version of an open database (0: empty) and the ran_events that wrote it."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0, ""
    row = db.execute("SELECT version, written_by FROM schema_version").fetchone()
    return (0, "") if row is None else (int(row[0]), str(row[1]))
