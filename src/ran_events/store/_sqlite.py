"""The embedded store: one SQLite file (stdlib :mod:`sqlite3`), shared by threads and processes.

WAL journal (readers never wait for the writer), foreign keys on, a busy timeout (a writer
waits for another instead of failing), every change one ``BEGIN IMMEDIATE`` transaction (the
write lock is taken before anything is read, so "check, then insert or replace" cannot
interleave with another process's). One connection per store object, used under a lock.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Final

from .._version import __version__
from ..errors import (
    ConcurrentChange,
    InvalidValue,
    StoreError,
    StoreIntegrityError,
    StoreVersionError,
    TimeRangeError,
    UnknownEvent,
    UnknownRegistration,
)
from ..intake import BookBackend, OnDuplicate, RegistrationBook
from ..intake._backend import hold_each
from ..models import Event, Registration, RegistrationStatus, StatusChange
from ..tz import check_aware
from . import _codec
from ._migrations import LATEST, STEPS, stored_version
from ._protocol import (
    MESSAGE_STATES,
    OFFER_OUTCOMES,
    AssignmentLike,
    AuditEntry,
    Offer,
    QueuedMessage,
    StoredAssignment,
    StoredSelection,
)

__all__ = ["SqliteStore"]

_CHUNK: Final = 500
"""Most values bound in one ``IN (...)`` (SQLite allows 32,766 since 3.32; older 999)."""
_PAGE_SIZE: Final = 16_384
"""The page size of a new store file, in bytes (SQLite's default is 4,096)."""
_REGISTRATION: Final = "SELECT pk, id, submitted_at, status, data FROM registrations"
_HISTORY: Final = "SELECT from_status, to_status, at, reason, by FROM status_changes"
_INSERT_CHANGE: Final = (
    "INSERT INTO status_changes (registration_pk, from_status, to_status, at, reason, by) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_OFFER: Final = (
    "SELECT id, event_id, registration_id, at, deadline, closed_at, outcome, source FROM offers"
)
_MESSAGE: Final = (
    "SELECT message_id, event_id, recipient, kind, data, queued_at, state, sent_at, attempts, "
    "last_error, registration_id, uid, sequence FROM messages"
)


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


class SqliteStore:
    """A :class:`~ran_events.store.Store` in one SQLite file (or ``":memory:"``).

    Args:
        path: the file (created with the schema if missing) or ``":memory:"``.
        timeout: how long (seconds) a write waits for another process's transaction.
        now: the clock for the audit entries of a migration (default: the system clock, read
            only when a migration runs).

    Raises:
        StoreVersionError: the file was written by a newer ran_events.
        StoreIntegrityError: the file is a store that lacks a part it cannot work without.
        StoreError: the file is not a ran_events store (or not SQLite).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        now: Callable[[], _dt.datetime] = _utcnow,
    ) -> None:
        self.location = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        memory = self.location == ":memory:"
        try:
            self._db = sqlite3.connect(
                self.location,
                timeout=timeout,
                isolation_level=None,  # transactions are begun and ended here, explicitly
                check_same_thread=False,  # shared between threads, under self._lock
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.location}: cannot open the store: {exc}") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._db.execute("PRAGMA foreign_keys = ON")
            if not memory:
                # A new file only (the size is fixed when the first table is made): 16 KiB
                # pages, a quarter of the pages (and writes) a big import's commits make.
                self._db.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint
                self._db.execute(
                    "PRAGMA cache_size = -65536"
                )  # 64 MiB: the indexes of a big import
            self._migrate(now)
            self._secret = bytes.fromhex(self._setting("secret"))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.location}: not a ran_events store: {exc}") from exc
        except BaseException:
            self._db.close()
            raise
        self.schema_version: int = LATEST

    def __repr__(self) -> str:
        return f"SqliteStore({self.location!r}, schema version {self.schema_version})"

    # -- connection and transactions ------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction (nested uses join the outer one); ``IMMEDIATE`` to write."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute(f"BEGIN {mode}")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._depth = 0
                self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    def _read(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A read transaction: one consistent view for several statements."""
        return self._transaction("DEFERRED")

    def _migrate(self, now: Callable[[], _dt.datetime]) -> None:
        with self._transaction() as db:
            version, written_by = stored_version(db)
            if version > LATEST:
                raise StoreVersionError(self.location, version, LATEST, written_by)
            if version == LATEST:
                return
            at = _codec.instant(now(), "now")
            for step in range(version + 1, LATEST + 1):
                for statement in STEPS[step]:
                    db.execute(statement)
                if step > 1:  # the first step makes the store: nothing to say
                    db.execute(
                        "INSERT INTO audit (event_id, at, action, subject, by, detail) "
                        "VALUES (NULL, ?, 'migrate', ?, ?, ?)",
                        (at, f"schema {step - 1} -> {step}", f"ran_events {__version__}", ""),
                    )
            if version == 0:
                db.execute(
                    "INSERT INTO settings (key, value) VALUES ('secret', ?)",
                    (secrets.token_hex(32),),
                )
            db.execute("DELETE FROM schema_version")
            db.execute(
                "INSERT INTO schema_version (version, written_by, at) VALUES (?, ?, ?)",
                (LATEST, __version__, at),
            )

    def _setting(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StoreIntegrityError(self.location, [f"the store lacks its setting {key!r}"])
        return str(row[0])

    def close(self) -> None:
        """Close the connection (closing twice is harmless)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- events ---------------------------------------------------------------------------

    def put_event(self, event: Event, *, at: _dt.datetime, source: str = "") -> int:
        """See :meth:`~ran_events.store.Store.put_event`."""
        stamp = _codec.instant(at, "at")
        text, digest = _codec.event_text(event)
        with self._transaction() as db:
            row = db.execute(
                "SELECT revision FROM event_revisions WHERE event_id = ? AND digest = ?",
                (event.id, digest),
            ).fetchone()
            if row is not None:
                return int(row[0])
            db.execute("INSERT OR IGNORE INTO events (event_id) VALUES (?)", (event.id,))
            (latest,) = db.execute(
                "SELECT coalesce(max(revision), 0) FROM event_revisions WHERE event_id = ?",
                (event.id,),
            ).fetchone()
            revision = int(latest) + 1
            db.execute(
                "INSERT INTO event_revisions (event_id, revision, digest, document, at, source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event.id, revision, digest, text, stamp, source),
            )
            return revision

    def event(self, event_id: str, *, revision: int | None = None) -> Event:
        """See :meth:`~ran_events.store.Store.event`."""
        with self._read() as db:
            if revision is None:
                row = db.execute(
                    "SELECT document FROM event_revisions WHERE event_id = ? "
                    "ORDER BY revision DESC LIMIT 1",
                    (event_id,),
                ).fetchone()
            else:
                row = db.execute(
                    "SELECT document FROM event_revisions WHERE event_id = ? AND revision = ?",
                    (event_id, revision),
                ).fetchone()
            if row is None:
                raise UnknownEvent(event_id, revision=revision, known=self.event_ids())
        return _codec.read_event(row[0])

    def event_ids(self) -> list[str]:
        """See :meth:`~ran_events.store.Store.event_ids`."""
        with self._read() as db:
            return [r[0] for r in db.execute("SELECT event_id FROM events ORDER BY event_id")]

    def _require_event(self, db: sqlite3.Connection, event_id: str) -> None:
        if db.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone() is None:
            raise UnknownEvent(event_id, known=self.event_ids())

    # -- books ----------------------------------------------------------------------------

    def book(self, event: Event, *, on_duplicate: OnDuplicate = "reject") -> RegistrationBook:
        """See :meth:`~ran_events.store.Store.book` (the event is stored as of now)."""
        self.put_event(event, at=_utcnow())
        return RegistrationBook(event, on_duplicate, backend=self.backend(event.id))

    def backend(self, event_id: str) -> BookBackend:
        """See :meth:`~ran_events.store.Store.backend`."""
        with self._read() as db:
            self._require_event(db, event_id)
        return _SqliteBackend(self, event_id)

    # -- registrations --------------------------------------------------------------------

    def _history(self, db: sqlite3.Connection, pk: int) -> list[StatusChange]:
        rows = db.execute(f"{_HISTORY} WHERE registration_pk = ? ORDER BY seq", (pk,))
        return [_codec.read_change(*row) for row in rows]

    def _registration(
        self, db: sqlite3.Connection, event_id: str, row: Sequence[Any]
    ) -> Registration:
        pk, registration_id, submitted_at, status, data = row
        history = self._history(db, pk)
        return _codec.read_registration(
            registration_id, event_id, submitted_at, status, data, history
        )

    def _get(self, db: sqlite3.Connection, event_id: str, registration_id: str) -> Registration:
        row = db.execute(
            f"{_REGISTRATION} WHERE event_id = ? AND id = ?", (event_id, registration_id)
        ).fetchone()
        if row is None:
            raise UnknownRegistration(registration_id)
        return self._registration(db, event_id, row)

    def get(self, event_id: str, registration_id: str) -> Registration:
        """The registration ``registration_id`` of the event (``UnknownRegistration``)."""
        with self._read() as db:
            return self._get(db, event_id, registration_id)

    def find(self, event_id: str, normalised_email: str) -> Registration | None:
        """The registration of this normalised address to the event, or ``None``."""
        with self._read() as db:
            row = db.execute(
                f"{_REGISTRATION} WHERE event_id = ? AND normalised_email = ?",
                (event_id, normalised_email),
            ).fetchone()
            return None if row is None else self._registration(db, event_id, row)

    def registrations(self, event_id: str) -> list[Registration]:
        """The event's registrations, in the order first taken in."""
        with self._read() as db:
            histories: dict[int, list[StatusChange]] = {}
            for pk, *change in db.execute(
                "SELECT c.registration_pk, c.from_status, c.to_status, c.at, c.reason, c.by "
                "FROM status_changes c JOIN registrations r ON r.pk = c.registration_pk "
                "WHERE r.event_id = ? ORDER BY c.seq",
                (event_id,),
            ):
                histories.setdefault(pk, []).append(_codec.read_change(*change))
            return [
                _codec.read_registration(rid, event_id, at, status, data, histories.get(pk, ()))
                for pk, rid, at, status, data in db.execute(
                    f"{_REGISTRATION} WHERE event_id = ? ORDER BY pk", (event_id,)
                )
            ]

    def count(self, event_id: str) -> int:
        """How many registrations the event has."""
        with self._read() as db:
            (n,) = db.execute(
                "SELECT count(*) FROM registrations WHERE event_id = ?", (event_id,)
            ).fetchone()
            return int(n)

    def hold_many(
        self,
        event_id: str,
        registrations: Iterable[Registration],
        *,
        on_duplicate: OnDuplicate,
        by: str,
    ) -> list[Registration | Exception]:
        """See :meth:`~ran_events.intake.BookBackend.hold_many`: one transaction.

        A batch of addresses and ids the store does not hold yet (a new file's, the usual
        case) is written without looking any up first: the unique constraints are the check,
        and a batch that meets one is undone (to a savepoint) and taken the long way, the
        registrations held for its addresses read first.
        """
        batch = list(registrations)
        with self._transaction() as db:
            self._require_event(db, event_id)
            kept = _distinct(event_id, batch)
            results: list[Registration | Exception] = [*batch]
            if kept is None:  # the batch replaces or refuses some of its own
                kept = {}
                results = hold_each(event_id, batch, kept, {}, on_duplicate=on_duplicate, by=by)
            if self._write_new(db, event_id, batch, kept):
                return results
            stored = self._held(db, event_id, (r.email for r in batch))
            kept = {email: registration for email, (_pk, registration) in stored.items()}
            owners = self._id_owners(db, event_id, (r.id for r in batch))
            results = hold_each(event_id, batch, kept, owners, on_duplicate=on_duplicate, by=by)
            self._write_held(db, event_id, kept, stored)
        return results

    def _write_new(
        self,
        db: sqlite3.Connection,
        event_id: str,
        batch: Sequence[Registration],
        kept: dict[str, Registration],
    ) -> bool:
        """Write ``kept`` (decided as if the store held none of the batch) if that holds true.

        Returns whether it did; if not, nothing is written. Any address or id of the batch
        that ``kept`` does not carry (one replaced or refused within the batch) is looked up;
        the others are checked by the unique constraints as the rows go in.
        """
        unseen_ids = {r.id for r in batch}.difference(r.id for r in kept.values())
        unseen_emails = {r.email for r in batch}.difference(kept)
        if unseen_ids or unseen_emails:
            found = self._id_owners(db, event_id, unseen_ids)
            if found or self._held(db, event_id, unseen_emails):
                return False
        db.execute("SAVEPOINT hold_new")
        try:
            self._write_held(db, event_id, kept, {})
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK TO hold_new")
            return False
        finally:
            db.execute("RELEASE hold_new")
        return True

    def _held(
        self, db: sqlite3.Connection, event_id: str, addresses: Iterable[str]
    ) -> dict[str, tuple[int, Registration]]:
        """The registrations held for these addresses, with their rows' pks."""
        found: dict[str, tuple[int, Registration]] = {}
        emails = sorted(set(addresses))
        for start in range(0, len(emails), _CHUNK):
            chunk = emails[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT pk, id, submitted_at, status, data, normalised_email FROM registrations "  # noqa: S608 - only "?"s formatted in
                f"WHERE event_id = ? AND normalised_email IN ({marks})",
                (event_id, *chunk),
            ).fetchall()
            for row in rows:
                found[row[5]] = (row[0], self._registration(db, event_id, row[:5]))
        return found

    @staticmethod
    def _id_owners(db: sqlite3.Connection, event_id: str, wanted: Iterable[str]) -> dict[str, str]:
        """The normalised address that holds each of these ids (those held)."""
        owners: dict[str, str] = {}
        ids = sorted(set(wanted))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            owners.update(
                db.execute(
                    "SELECT id, normalised_email FROM registrations "  # noqa: S608 - only "?"s formatted in
                    f"WHERE event_id = ? AND id IN ({marks})",
                    (event_id, *chunk),
                ).fetchall()
            )
        return owners

    def _write_held(
        self,
        db: sqlite3.Connection,
        event_id: str,
        kept: dict[str, Registration],
        stored: dict[str, tuple[int, Registration]],
    ) -> None:
        """Write what a batch changed: new rows in one ``executemany``, replaced ones in place.

        ``kept``: per address, the registration kept; ``stored``: the row (pk, registration)
        held for an address before the batch.
        """
        new = [r for email, r in kept.items() if email not in stored]
        db.executemany(
            "INSERT INTO registrations (event_id, id, normalised_email, submitted_at, status, "
            "data) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    event_id,
                    r.id,
                    r.email,
                    r.submitted_at.isoformat(),  # aware: a Registration checked it
                    r.status.value,
                    _codec.registration_data(r),
                )
                for r in new
            ],
        )
        for registration in new:
            if registration.history:
                (pk,) = db.execute(
                    "SELECT pk FROM registrations WHERE event_id = ? AND normalised_email = ?",
                    (event_id, registration.email),
                ).fetchone()
                self._append(db, pk, (), registration)
        for email, (pk, before) in stored.items():
            registration = kept[email]
            if registration.history == before.history:
                continue
            db.execute(
                "UPDATE registrations SET id = ?, submitted_at = ?, status = ?, data = ? "
                "WHERE pk = ?",
                (
                    registration.id,
                    _codec.instant(registration.submitted_at, "submitted_at"),
                    registration.status.value,
                    _codec.registration_data(registration),
                    pk,
                ),
            )
            self._append(db, pk, before.history, registration)

    def _append(
        self,
        db: sqlite3.Connection,
        pk: int,
        stored: Sequence[StatusChange],
        changed: Registration,
    ) -> None:
        db.executemany(
            _INSERT_CHANGE,
            [(pk, *_codec.change_row(c)) for c in _codec.added_history(stored, changed)],
        )

    def replace_status(
        self,
        event_id: str,
        registration_id: str,
        changed: Registration,
        *,
        expected: RegistrationStatus | str,
    ) -> Registration:
        """See :meth:`~ran_events.intake.BookBackend.replace_status` (compare-and-set)."""
        expected = RegistrationStatus(expected)
        with self._transaction() as db:
            row = db.execute(
                f"{_REGISTRATION} WHERE event_id = ? AND id = ?", (event_id, registration_id)
            ).fetchone()
            if row is None:
                raise UnknownRegistration(registration_id)
            pk, status = row[0], row[3]
            if status != expected.value:
                raise ConcurrentChange(registration_id, expected.value, status)
            stored = self._history(db, pk)
            db.execute(
                "UPDATE registrations SET status = ? WHERE pk = ? AND status = ?",
                (changed.status.value, pk, expected.value),
            )
            self._append(db, pk, stored, changed)
        return changed

    # -- selection records ----------------------------------------------------------------

    def add_selection(
        self,
        event_id: str,
        record_json: str,
        *,
        at: _dt.datetime,
        seed: int | None,
        policy: str,
    ) -> int:
        """See :meth:`~ran_events.store.Store.add_selection`."""
        stamp = _codec.instant(at, "at")
        with self._transaction() as db:
            self._require_event(db, event_id)
            cursor = db.execute(
                "INSERT INTO selections (event_id, at, seed, policy, record_json) "
                "VALUES (?, ?, ?, ?, ?)",
                (event_id, stamp, seed, policy, record_json),
            )
            return int(cursor.lastrowid or 0)

    def selections(self, event_id: str) -> list[StoredSelection]:
        """See :meth:`~ran_events.store.Store.selections`."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, at, seed, policy, record_json FROM selections WHERE event_id = ? "
                "ORDER BY id",
                (event_id,),
            ).fetchall()
        return _codec.read_selections(event_id, rows)

    # -- small groups and workshops ------------------------------------------------------

    def put_assignments(
        self,
        event_id: str,
        kind: str,
        rows: Iterable[AssignmentLike],
        *,
        at: _dt.datetime,
        by: str = "",
    ) -> int:
        """See :meth:`~ran_events.store.Store.put_assignments`."""
        placed = _codec.assignment_rows(kind, rows)
        stamp = _codec.instant(at, "at")
        with self._transaction() as db:
            self._require_event(db, event_id)
            known = db.execute("SELECT id FROM registrations WHERE event_id = ?", (event_id,))
            _codec.unknown_ids(placed, (row[0] for row in known))
            (latest,) = db.execute(
                "SELECT coalesce(max(version), 0) FROM assignment_versions "
                "WHERE event_id = ? AND kind = ?",
                (event_id, kind),
            ).fetchone()
            stored = db.execute(_codec.ASSIGNMENT_ROWS, (event_id, kind, latest)).fetchall()
            if latest and [tuple(row) for row in stored] == placed:
                return int(latest)
            version = int(latest) + 1
            db.execute(
                "INSERT INTO assignment_versions (event_id, kind, version, at, by) "
                "VALUES (?, ?, ?, ?, ?)",
                (event_id, kind, version, stamp, by),
            )
            db.executemany(
                "INSERT INTO assignments (event_id, kind, version, position, registration_id, "
                "group_label, session_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(event_id, kind, version, n, *row) for n, row in enumerate(placed)],
            )
            return version

    def assignments(
        self, event_id: str, kind: str | None = None, *, version: int | None = None
    ) -> list[StoredAssignment]:
        """See :meth:`~ran_events.store.Store.assignments`."""
        query = _codec.assignment_query(event_id, kind, version)
        with self._read() as db:
            rows = db.execute(_codec.LATEST_ASSIGNMENTS, query).fetchall()
        return _codec.read_assignments(rows)

    # -- offers ---------------------------------------------------------------------------

    def add_offer(
        self,
        event_id: str,
        registration_id: str,
        *,
        at: _dt.datetime,
        deadline: _dt.datetime,
        source: str = "",
    ) -> Offer:
        """See :meth:`~ran_events.store.Store.add_offer`."""
        stamp = _codec.instant(at, "at")
        until = _codec.instant(deadline, "deadline")
        if deadline <= at:
            raise TimeRangeError(at, deadline, "offer")
        with self._transaction() as db:
            self._get(db, event_id, registration_id)
            cursor = db.execute(
                "INSERT INTO offers (event_id, registration_id, at, deadline, source) "
                "VALUES (?, ?, ?, ?, ?)",
                (event_id, registration_id, stamp, until, source),
            )
            return self._offer(db, int(cursor.lastrowid or 0))

    @staticmethod
    def _offer(db: sqlite3.Connection, offer_id: int) -> Offer:
        row = db.execute(f"{_OFFER} WHERE id = ?", (offer_id,)).fetchone()
        if row is None:
            raise InvalidValue("offer_id", offer_id, "the id of an offer in this store")
        return _offer(row)

    def offers(self, event_id: str, *, open_at: _dt.datetime | None = None) -> list[Offer]:
        """See :meth:`~ran_events.store.Store.offers`."""
        if open_at is not None:
            check_aware(open_at, "open_at")
        with self._read() as db:
            rows = db.execute(f"{_OFFER} WHERE event_id = ? ORDER BY id", (event_id,)).fetchall()
        found = [_offer(row) for row in rows]
        return found if open_at is None else [o for o in found if o.is_open(open_at)]

    def close_offer(self, offer_id: int, *, at: _dt.datetime, outcome: str) -> Offer:
        """See :meth:`~ran_events.store.Store.close_offer`."""
        stamp = _codec.instant(at, "at")
        if outcome not in OFFER_OUTCOMES:
            raise InvalidValue("outcome", outcome, " or ".join(OFFER_OUTCOMES))
        with self._transaction() as db:
            offer = self._offer(db, offer_id)
            if offer.closed_at is not None:
                raise InvalidValue(
                    "offer_id", offer_id, f"an open offer (it closed as {offer.outcome})"
                )
            db.execute(
                "UPDATE offers SET closed_at = ?, outcome = ? WHERE id = ? AND closed_at IS NULL",
                (stamp, outcome, offer_id),
            )
            return self._offer(db, offer_id)

    # -- the message log ------------------------------------------------------------------

    def queue_message(
        self,
        event_id: str,
        *,
        message_id: str,
        recipient: str,
        kind: str,
        data: bytes,
        at: _dt.datetime,
        registration_id: str | None = None,
        uid: str | None = None,
        sequence: int | None = None,
    ) -> QueuedMessage:
        """See :meth:`~ran_events.store.Store.queue_message` (idempotent by Message-ID)."""
        stamp = _codec.instant(at, "at")
        with self._transaction() as db:
            self._require_event(db, event_id)
            db.execute(
                "INSERT INTO messages (message_id, event_id, recipient, kind, data, queued_at, "
                "state, attempts, last_error, registration_id, uid, sequence) "
                "VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, '', ?, ?, ?) "
                "ON CONFLICT (message_id) DO NOTHING",
                (
                    message_id,
                    event_id,
                    recipient,
                    kind,
                    bytes(data),
                    stamp,
                    registration_id,
                    uid,
                    sequence,
                ),
            )
            return self._message(db, message_id)

    @staticmethod
    def _message(db: sqlite3.Connection, message_id: str) -> QueuedMessage:
        row = db.execute(f"{_MESSAGE} WHERE message_id = ?", (message_id,)).fetchone()
        if row is None:
            raise InvalidValue("message_id", message_id, "the Message-ID of a queued message")
        return _message(row)

    def messages(self, event_id: str, *, state: str | None = None) -> list[QueuedMessage]:
        """See :meth:`~ran_events.store.Store.messages`."""
        if state is not None and state not in MESSAGE_STATES:
            raise InvalidValue("state", state, " or ".join(MESSAGE_STATES))
        with self._read() as db:
            rows = db.execute(
                f"{_MESSAGE} WHERE event_id = ? AND (? IS NULL OR state = ?) ORDER BY rowid",
                (event_id, state, state),
            ).fetchall()
        return [_message(row) for row in rows]

    def mark_sent(self, message_id: str, *, at: _dt.datetime) -> None:
        """See :meth:`~ran_events.store.Store.mark_sent`."""
        stamp = _codec.instant(at, "at")
        with self._transaction() as db:
            self._message(db, message_id)
            db.execute(
                "UPDATE messages SET state = 'sent', sent_at = ? "
                "WHERE message_id = ? AND state != 'sent'",
                (stamp, message_id),
            )

    def mark_failed(
        self, message_id: str, *, at: _dt.datetime, error: str, permanent: bool
    ) -> None:
        """See :meth:`~ran_events.store.Store.mark_failed`."""
        _codec.instant(at, "at")
        with self._transaction() as db:
            self._message(db, message_id)
            db.execute(
                "UPDATE messages SET attempts = attempts + 1, last_error = ?, state = ? "
                "WHERE message_id = ? AND state != 'sent'",
                (error, "failed" if permanent else "queued", message_id),
            )

    # -- personal data --------------------------------------------------------------------

    def erase(
        self, event_id: str, registration_id: str, *, at: _dt.datetime, by: str = ""
    ) -> Registration:
        """See :meth:`~ran_events.store.Store.erase`."""
        stamp = _codec.instant(at, "at")
        with self._transaction() as db:
            current = self._get(db, event_id, registration_id)
            if _codec.is_erased(current):
                return current
            event = self.event(event_id)
            erased = _codec.tombstone(current, event, secret=self._secret, at=at, by=by)
            (pk,) = db.execute(
                "SELECT pk FROM registrations WHERE event_id = ? AND id = ?",
                (event_id, registration_id),
            ).fetchone()
            db.execute(
                "UPDATE registrations SET normalised_email = ?, data = ?, erased_at = ? "
                "WHERE pk = ?",
                (erased.email, _codec.registration_data(erased), stamp, pk),
            )
            self._append(db, pk, current.history, erased)
            self._audit(db, event_id, stamp, "erase", registration_id, by, "")
        return erased

    def purge(
        self, event_id: str, *, older_than: _dt.timedelta, now: _dt.datetime, by: str = ""
    ) -> list[str]:
        """See :meth:`~ran_events.store.Store.purge`."""
        stamp = _codec.instant(now, "now")
        cutoff = _codec.micros(now - older_than)
        with self._transaction() as db:
            self._require_event(db, event_id)
            due = [
                r.id
                for r in self.registrations(event_id)
                if not _codec.is_erased(r) and _codec.micros(_codec.last_change(r)) < cutoff
            ]
            for registration_id in due:
                self.erase(event_id, registration_id, at=now, by=by)
            self._audit(
                db,
                event_id,
                stamp,
                "purge",
                f"older than {older_than}",
                by,
                f"{len(due)} registration(s) erased",
            )
        return due

    @staticmethod
    def _audit(  # noqa: PLR0917 - one audit row's columns
        db: sqlite3.Connection,
        event_id: str | None,
        at: str,
        action: str,
        subject: str,
        by: str,
        detail: str,
    ) -> None:
        db.execute(
            "INSERT INTO audit (event_id, at, action, subject, by, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, at, action, subject, by, detail),
        )

    def audit(self, event_id: str) -> list[AuditEntry]:
        """See :meth:`~ran_events.store.Store.audit`."""
        with self._read() as db:
            rows = db.execute(
                "SELECT at, action, subject, by, event_id, detail FROM audit "
                "WHERE event_id = ? OR event_id IS NULL ORDER BY id",
                (event_id,),
            ).fetchall()
        return _codec.read_audit(rows)

    # -- maintenance ----------------------------------------------------------------------

    def integrity(self) -> list[str]:
        """See :meth:`~ran_events.store.Store.integrity`."""
        problems: list[str] = []
        with self._read() as db:
            checked = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if checked != ["ok"]:
                problems.extend(f"SQLite reports: {line}" for line in checked)
            problems.extend(
                f"{table} row {rowid} refers to a missing row of {parent}"
                for table, rowid, parent, _fk in db.execute("PRAGMA foreign_key_check")
            )
            version, _written_by = stored_version(db)
            if version != LATEST:
                problems.append(f"the schema version is {version}, expected {LATEST}")
            problems.extend(
                f"registration {rid} of {event_id} has status {status!r} but its history "
                f"ends in {last!r}"
                for rid, event_id, status, last in db.execute(
                    "SELECT r.id, r.event_id, r.status, c.to_status FROM registrations r "
                    "JOIN status_changes c ON c.seq = "
                    "(SELECT max(seq) FROM status_changes WHERE registration_pk = r.pk) "
                    "WHERE r.status != c.to_status"
                )
            )
            problems.extend(_unreadable_rows(db))
            problems.extend(
                f"offer {oid} is closed as {outcome!r} at {closed_at!r}, not one of "
                f"{list(OFFER_OUTCOMES)} at a time"
                for oid, closed_at, outcome in db.execute(
                    "SELECT id, closed_at, outcome FROM offers"
                )
                if (closed_at is None) != (outcome is None)
                or (outcome is not None and outcome not in OFFER_OUTCOMES)
            )
            problems.extend(
                f"message {mid} is in state {state!r}, not one of {list(MESSAGE_STATES)}"
                for mid, state in db.execute("SELECT message_id, state FROM messages")
                if state not in MESSAGE_STATES
            )
        return problems

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """See :meth:`~ran_events.store.Store.transaction`."""
        with self._transaction():
            yield


def _unreadable_rows(db: sqlite3.Connection) -> Iterator[str]:
    """Registrations whose data is not the JSON object of a registrant."""
    for rid, event_id, data in db.execute("SELECT id, event_id, data FROM registrations"):
        try:
            fields = json.loads(data)
            ok = isinstance(fields, dict) and "name" in fields and "email" in fields
        except ValueError:
            ok = False
        if not ok:
            yield f"registration {rid} of {event_id} has unreadable data"


def _offer(row: Sequence[Any]) -> Offer:
    oid, event_id, registration_id, at, deadline, closed_at, outcome, source = row
    return Offer(
        id=oid,
        event_id=event_id,
        registration_id=registration_id,
        at=_codec.read_instant(at),
        deadline=_codec.read_instant(deadline),
        closed_at=None if closed_at is None else _codec.read_instant(closed_at),
        outcome=outcome,
        source=source,
    )


def _message(row: Sequence[Any]) -> QueuedMessage:
    (mid, event_id, recipient, kind, data, queued_at, state, sent_at, attempts, error) = row[:10]
    registration_id, uid, sequence = row[10:]
    return QueuedMessage(
        message_id=mid,
        event_id=event_id,
        recipient=recipient,
        kind=kind,
        data=bytes(data),
        queued_at=_codec.read_instant(queued_at),
        state=state,
        sent_at=None if sent_at is None else _codec.read_instant(sent_at),
        attempts=attempts,
        last_error=error,
        registration_id=registration_id,
        uid=uid,
        sequence=sequence,
    )


def _distinct(event_id: str, batch: Sequence[Registration]) -> dict[str, Registration] | None:
    """The batch by address if it is of this event with no address or id twice (so that
    each is held as it is unless the store holds its address or id), else ``None``."""
    by_email = {registration.email: registration for registration in batch}
    if len(by_email) != len(batch) or len({r.id for r in batch}) != len(batch):
        return None
    return by_email if all(r.event_id == event_id for r in batch) else None


class _SqliteBackend:
    """One event's :class:`~ran_events.intake.BookBackend` in a :class:`SqliteStore`."""

    def __init__(self, store: SqliteStore, event_id: str) -> None:
        self.store = store
        self.event_id = event_id

    def __repr__(self) -> str:
        return f"<book backend of {self.event_id!r} in {self.store!r}>"

    def hold(
        self, registration: Registration, *, on_duplicate: OnDuplicate, by: str
    ) -> Registration:
        (result,) = self.store.hold_many(
            self.event_id, [registration], on_duplicate=on_duplicate, by=by
        )
        if isinstance(result, Exception):
            raise result
        return result

    def hold_many(
        self, registrations: Iterable[Registration], *, on_duplicate: OnDuplicate, by: str
    ) -> list[Registration | Exception]:
        return self.store.hold_many(self.event_id, registrations, on_duplicate=on_duplicate, by=by)

    def get(self, registration_id: str) -> Registration:
        return self.store.get(self.event_id, registration_id)

    def find(self, normalised_email: str) -> Registration | None:
        return self.store.find(self.event_id, normalised_email)

    def __iter__(self) -> Iterator[Registration]:
        return iter(self.store.registrations(self.event_id))

    def __len__(self) -> int:
        return self.store.count(self.event_id)

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus | str
    ) -> Registration:
        return self.store.replace_status(
            self.event_id, registration_id, changed, expected=expected
        )
