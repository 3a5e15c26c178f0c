"""The PostgreSQL store: one database shared by the processes (and machines) of a service.

:class:`PostgresStore` keeps the same tables as the SQLite store, in PostgreSQL's dialect,
through psycopg 3 (the optional extra ``ran-events[postgres]``; imported only here, when a
store is opened). Every change is one transaction. Across processes the database is the
arbiter: a transaction that takes in applications of an event first takes that event's
advisory lock (``pg_advisory_xact_lock``), so "look up the address, then insert or keep the
later application" is one step for every process; the unique constraint on (event, normalised
address) stands behind it. A status change locks its row (``SELECT ... FOR UPDATE``) and
applies only if the status is still the one expected (compare-and-set).

Rows are written and read by the same codec as the SQLite store's (``store/_codec.py``):
instants as ISO 8601 text with the offset given, so a registration reads back equal and a
selection record replays on it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import secrets
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._version import __version__
from ..errors import (
    ConcurrentChange,
    InvalidValue,
    StoreError,
    StoreVersionError,
    TimeRangeError,
    UnknownEvent,
    UnknownRegistration,
)
from ..intake import BookBackend, OnDuplicate, RegistrationBook
from ..intake._backend import hold_each
from ..models import Event, Registration, RegistrationStatus, StatusChange
from . import _codec as codec
from ._migrations import STEPS
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

# The same columns as the SQLite store, read into values the same way.
from ._sqlite import _MESSAGE, _OFFER
from ._sqlite import _message as _message_of
from ._sqlite import _offer as _offer_of

if TYPE_CHECKING:
    import psycopg

__all__ = ["SCHEMES", "PostgresStore"]

SCHEMES: Final = ("postgresql", "postgres")
"""The URL schemes of a PostgreSQL store (``postgresql://user@host:port/database``)."""

_STEPS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: the SQLite store's tables (store/_migrations.py, steps 1 and 2) in PostgreSQL's
    # dialect; instants are kept as the ISO 8601 text the codec writes (offsets kept), and a
    # registration's place in the book's order is a column (the order first taken in).
    (
        """CREATE TABLE settings (
            key text PRIMARY KEY,
            value text NOT NULL)""",
        """CREATE TABLE events (
            event_id text PRIMARY KEY)""",
        """CREATE TABLE event_revisions (
            event_id text NOT NULL REFERENCES events (event_id),
            revision integer NOT NULL CHECK (revision >= 1),
            digest text NOT NULL,
            document text NOT NULL,
            at text NOT NULL,
            source text NOT NULL,
            PRIMARY KEY (event_id, revision),
            UNIQUE (event_id, digest))""",
        "CREATE SEQUENCE registration_position",
        """CREATE TABLE registrations (
            pk bigserial PRIMARY KEY,
            event_id text NOT NULL REFERENCES events (event_id),
            id text NOT NULL,
            normalised_email text NOT NULL,
            submitted_at text NOT NULL,
            status text NOT NULL,
            data text NOT NULL,
            erased_at text,
            position bigint NOT NULL,
            UNIQUE (event_id, normalised_email),
            UNIQUE (event_id, id))""",
        "CREATE INDEX registrations_in_order ON registrations (event_id, position)",
        """CREATE TABLE status_changes (
            seq bigserial PRIMARY KEY,
            registration_pk bigint NOT NULL REFERENCES registrations (pk),
            from_status text NOT NULL,
            to_status text NOT NULL,
            at text NOT NULL,
            reason text NOT NULL,
            by text NOT NULL)""",
        "CREATE INDEX status_changes_by_registration ON status_changes (registration_pk, seq)",
        """CREATE TABLE selections (
            id bigserial PRIMARY KEY,
            event_id text NOT NULL REFERENCES events (event_id),
            at text NOT NULL,
            seed bigint,
            policy text NOT NULL,
            record_json text NOT NULL)""",
        """CREATE TABLE offers (
            id bigserial PRIMARY KEY,
            event_id text NOT NULL REFERENCES events (event_id),
            registration_id text NOT NULL,
            at text NOT NULL,
            deadline text NOT NULL,
            closed_at text,
            outcome text,
            source text NOT NULL,
            FOREIGN KEY (event_id, registration_id) REFERENCES registrations (event_id, id)
                ON UPDATE CASCADE)""",
        "CREATE INDEX offers_by_event ON offers (event_id)",
        """CREATE TABLE messages (
            message_id text PRIMARY KEY,
            position bigserial,
            event_id text NOT NULL REFERENCES events (event_id),
            recipient text NOT NULL,
            kind text NOT NULL,
            data bytea NOT NULL,
            queued_at text NOT NULL,
            state text NOT NULL,
            sent_at text,
            attempts integer NOT NULL,
            last_error text NOT NULL,
            registration_id text,
            uid text,
            sequence integer)""",
        "CREATE INDEX messages_by_event ON messages (event_id, state)",
        """CREATE TABLE audit (
            id bigserial PRIMARY KEY,
            event_id text,
            at text NOT NULL,
            action text NOT NULL,
            subject text NOT NULL,
            by text NOT NULL,
            detail text NOT NULL)""",
    ),
    # 2: the small groups' and workshops' assignments: SQLite's step 3, whose statements
    # PostgreSQL reads as they are.
    STEPS[3],
)
"""The schema's forward migrations: step ``n`` (1-based) brings version ``n - 1`` to ``n``."""

SCHEMA_VERSION: Final = len(_STEPS)
"""The newest schema version this code writes and reads."""

_MIGRATION_LOCK: Final = 0x72616E5F6576
"""The advisory lock key that one opening process holds while it migrates ("ran_ev")."""


def _event_lock(event_id: str) -> int:
    """The advisory lock key of one event (64 bits of its id's SHA-256)."""
    digest = hashlib.sha256(event_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{netloc}").geturl()


_FEW: Final = 4
"""Up to how many registrations a transaction writes one statement each (else ``COPY``)."""


def _columns(registration: Registration) -> tuple[str, str, str, str, str]:
    """id, normalised address, submission time, status, data: a registration's row."""
    return (
        registration.id,
        registration.email,
        codec.instant(registration.submitted_at, "submitted_at"),
        registration.status.value,
        codec.registration_data(registration),
    )


_LATEST_ASSIGNMENTS: Final = codec.LATEST_ASSIGNMENTS.replace("?", "%s")
_ASSIGNMENT_ROWS: Final = codec.ASSIGNMENT_ROWS.replace("?", "%s")

_REGISTRATION: Final = (
    "SELECT pk, id, submitted_at, status, data FROM registrations WHERE event_id = %s"
)


@attrs.define(repr=False)
class PostgresStore:
    """A store in a PostgreSQL database, shared by every process that opens the same URL.

    Opening creates the schema in an empty database, or upgrades an older one (every missing
    step in one transaction, under an advisory lock, so two processes opening at once do not
    both migrate). The store holds one connection, shared by its threads under a lock; open
    one store per process.

    Args:
        url: a ``postgresql://`` (or ``postgres://``) URL, as libpq reads it.

    Raises:
        StoreError: psycopg is not installed (``pip install 'ran-events[postgres]'``), or the
            database cannot be reached (the message names the URL without its password).
        StoreVersionError: the database was written by a newer ran_events.
    """

    url: str
    _conn: psycopg.Connection[Any] = attrs.field(init=False)
    _lock: threading.RLock = attrs.field(init=False, factory=threading.RLock)
    _secret: bytes = attrs.field(init=False, default=b"")
    schema_version: int = attrs.field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        try:
            import psycopg  # noqa: PLC0415 - psycopg is an optional extra
        except ImportError:  # pragma: no cover - the test extra installs it
            raise StoreError(
                "PostgresStore needs psycopg 3: pip install 'ran-events[postgres]'"
            ) from None
        try:
            self._conn = psycopg.connect(self.url)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreError(f"{_shown_url(self.url)}: cannot open the store: {reason}") from None
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({_shown_url(self.url)!r}, schema_version={self.schema_version})"

    # -- opening ------------------------------------------------------------------------

    def _migrate(self) -> None:
        db = self._conn
        with self._lock, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            version, written_by = 0, ""
            if db.execute("SELECT to_regclass('schema_version')").fetchone() != (None,):
                row = db.execute(
                    "SELECT version, written_by FROM schema_version ORDER BY version DESC"
                ).fetchone()
                if row is not None:
                    version, written_by = int(row[0]), str(row[1])
            else:
                db.execute(
                    "CREATE TABLE schema_version (version integer NOT NULL, "
                    "written_by text NOT NULL, at text NOT NULL)"
                )
            if version > SCHEMA_VERSION:
                raise StoreVersionError(_shown_url(self.url), version, SCHEMA_VERSION, written_by)
            at = codec.instant(_dt.datetime.now(_dt.UTC), "at")
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _STEPS[number - 1]:
                    db.execute(statement.encode())
                db.execute(
                    "INSERT INTO schema_version (version, written_by, at) VALUES (%s, %s, %s)",
                    (number, __version__, at),
                )
                self._audit(
                    None, at, "migrate", f"schema {number - 1} -> {number}",
                    f"ran_events {__version__}", "",
                )  # fmt: skip
            db.execute(
                "INSERT INTO settings (key, value) VALUES ('secret', %s) "
                "ON CONFLICT (key) DO NOTHING",
                (secrets.token_hex(32),),
            )
            row = db.execute("SELECT value FROM settings WHERE key = 'secret'").fetchone()
            assert row is not None
            self._secret = bytes.fromhex(row[0])
            self.schema_version = SCHEMA_VERSION

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- events -------------------------------------------------------------------------

    def put_event(self, event: Event, *, at: _dt.datetime, source: str = "") -> int:
        """See :meth:`Store.put_event`."""
        when = codec.instant(at, "at")
        document, digest = codec.event_text(event)
        db = self._conn
        with self._lock, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_event_lock(event.id),))
            row = db.execute(
                "SELECT revision FROM event_revisions WHERE event_id = %s AND digest = %s",
                (event.id, digest),
            ).fetchone()
            if row is not None:
                return int(row[0])
            db.execute(
                "INSERT INTO events (event_id) VALUES (%s) ON CONFLICT DO NOTHING", (event.id,)
            )
            row = db.execute(
                "INSERT INTO event_revisions (event_id, revision, digest, document, at, source) "
                "SELECT %s, coalesce(max(revision), 0) + 1, %s, %s, %s, %s "
                "FROM event_revisions WHERE event_id = %s RETURNING revision",
                (event.id, digest, document, when, source, event.id),
            ).fetchone()
            assert row is not None
            return int(row[0])

    def event(self, event_id: str, *, revision: int | None = None) -> Event:
        """See :meth:`Store.event`."""
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                "SELECT document FROM event_revisions WHERE event_id = %s "
                "AND (%s::integer IS NULL OR revision = %s) ORDER BY revision DESC",
                (event_id, revision, revision),
            ).fetchone()
            if row is None:
                raise UnknownEvent(event_id, revision=revision, known=self.event_ids())
        return codec.read_event(row[0])

    def event_ids(self) -> list[str]:
        """See :meth:`Store.event_ids`."""
        with self._lock, self._conn.transaction():
            rows = self._conn.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()
        return [str(row[0]) for row in rows]

    def _check_event(self, event_id: str) -> None:
        if self._conn.execute("SELECT 1 FROM events WHERE event_id = %s", (event_id,)).fetchone():
            return
        raise UnknownEvent(event_id, known=self.event_ids())

    # -- registrations ------------------------------------------------------------------

    def book(self, event: Event, *, on_duplicate: OnDuplicate = "reject") -> RegistrationBook:
        """See :meth:`Store.book`."""
        self.put_event(event, at=_dt.datetime.now(_dt.UTC))
        return RegistrationBook(event, on_duplicate=on_duplicate, backend=self.backend(event.id))

    def backend(self, event_id: str) -> BookBackend:
        """See :meth:`Store.backend`."""
        with self._lock, self._conn.transaction():
            self._check_event(event_id)
        return _PostgresBackend(self, event_id)

    def _read(
        self, event_id: str, where: str = "", params: Sequence[object] = ()
    ) -> list[tuple[int, Registration]]:
        """The registrations of the event that ``where`` picks, in the book's order, with
        their row keys (call within a transaction)."""
        rows = self._conn.execute(
            f"{_REGISTRATION}{where} ORDER BY position", (event_id, *params)
        ).fetchall()
        if not rows:
            return []
        histories: dict[int, list[StatusChange]] = {}
        for pk, *change in self._conn.execute(
            "SELECT registration_pk, from_status, to_status, at, reason, by "
            "FROM status_changes WHERE registration_pk = ANY(%s) ORDER BY seq",
            ([row[0] for row in rows],),
        ):
            histories.setdefault(pk, []).append(codec.read_change(*change))
        return [
            (
                pk,
                codec.read_registration(
                    id_, event_id, submitted, status, data, histories.get(pk, [])
                ),
            )
            for pk, id_, submitted, status, data in rows
        ]

    def _write(
        self,
        event_id: str,
        kept: Sequence[tuple[int | None, Registration, Sequence[StatusChange]]],
    ) -> None:
        """Store registrations: (row key or None for a new one, the registration, its history
        as stored). A new one goes to the end of the book's order, a held one keeps its
        place; a history is appended to.

        A few (one application from a service) are written a statement each; a batch of a
        file import with ``COPY``, its row keys drawn in one query."""
        db = self._conn
        if len(kept) <= _FEW:
            for held_pk, registration, stored in kept:
                self._write_one(event_id, held_pk, registration, stored)
            return
        keys = db.execute(
            "SELECT nextval('registration_position'), nextval('registrations_pk_seq') "
            "FROM generate_series(1, %s)",
            (len(kept),),
        ).fetchall()
        updates: list[tuple[object, ...]] = []
        inserts: list[tuple[object, ...]] = []
        changes: list[tuple[object, ...]] = []
        for (held_pk, registration, stored), (position, new_pk) in zip(kept, keys, strict=True):
            pk = new_pk if held_pk is None else held_pk
            if held_pk is None:
                inserts.append((pk, event_id, *_columns(registration), position))
            else:
                updates.append((*_columns(registration), pk))
            changes.extend(
                (pk, *codec.change_row(change))
                for change in codec.added_history(stored, registration)
            )
        with db.cursor() as cursor:
            if updates:
                cursor.executemany(
                    "UPDATE registrations SET id = %s, normalised_email = %s, "
                    "submitted_at = %s, status = %s, data = %s WHERE pk = %s",
                    updates,
                )
            if inserts:
                with cursor.copy(
                    "COPY registrations (pk, event_id, id, normalised_email, submitted_at, "
                    "status, data, position) FROM STDIN"
                ) as copy:
                    for row in inserts:
                        copy.write_row(row)
            if changes:
                with cursor.copy(
                    "COPY status_changes (registration_pk, from_status, to_status, at, reason, "
                    "by) FROM STDIN"
                ) as copy:
                    for row in changes:
                        copy.write_row(row)

    def _write_one(
        self,
        event_id: str,
        held_pk: int | None,
        registration: Registration,
        stored: Sequence[StatusChange],
    ) -> None:
        db = self._conn
        if held_pk is None:
            row = db.execute(
                "INSERT INTO registrations (id, normalised_email, submitted_at, status, data, "
                "position, event_id) VALUES (%s, %s, %s, %s, %s, "
                "nextval('registration_position'), %s) RETURNING pk",
                (*_columns(registration), event_id),
            ).fetchone()
            assert row is not None
            pk = int(row[0])
        else:
            pk = held_pk
            db.execute(
                "UPDATE registrations SET id = %s, normalised_email = %s, submitted_at = %s, "
                "status = %s, data = %s WHERE pk = %s",
                (*_columns(registration), pk),
            )
        self._append(pk, stored, registration)

    def _hold_many(
        self,
        event_id: str,
        registrations: Iterable[Registration],
        *,
        on_duplicate: OnDuplicate,
        by: str,
    ) -> list[Registration | Exception]:
        batch = list(registrations)
        db = self._conn
        with self._lock, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_event_lock(event_id),))
            held = self._read(
                event_id,
                " AND (normalised_email = ANY(%s) OR id = ANY(%s))",
                (list({r.email for r in batch}), list({r.id for r in batch})),
            )
            by_email = {registration.email: registration for _, registration in held}
            owner = {registration.id: registration.email for _, registration in held}
            stored = {r.email: (pk, r.history) for pk, r in held}
            results = hold_each(event_id, batch, by_email, owner, on_duplicate=on_duplicate, by=by)
            # the addresses changed, in the order first changed
            touched = dict.fromkeys(r.email for r in results if isinstance(r, Registration))
            self._write(
                event_id,
                [
                    (
                        stored[email][0] if email in stored else None,
                        by_email[email],
                        stored[email][1] if email in stored else (),
                    )
                    for email in touched
                ],
            )
        return results

    def _replace_status(
        self,
        event_id: str,
        registration_id: str,
        changed: Registration,
        *,
        expected: RegistrationStatus | str,
    ) -> Registration:
        expected = RegistrationStatus(expected)
        db = self._conn
        with self._lock, db.transaction():
            row = db.execute(
                "SELECT pk FROM registrations WHERE event_id = %s AND id = %s FOR UPDATE",
                (event_id, registration_id),
            ).fetchone()
            if row is None:
                raise UnknownRegistration(registration_id)
            ((pk, current),) = self._read(event_id, " AND pk = %s", (row[0],))
            if current.status is not expected:
                raise ConcurrentChange(registration_id, expected.value, current.status.value)
            db.execute(
                "UPDATE registrations SET status = %s, data = %s WHERE pk = %s",
                (changed.status.value, codec.registration_data(changed), pk),
            )
            self._append(pk, current.history, changed)
        return changed

    # -- selection records --------------------------------------------------------------

    def add_selection(
        self,
        event_id: str,
        record_json: str,
        *,
        at: _dt.datetime,
        seed: int | None,
        policy: str,
    ) -> int:
        """See :meth:`Store.add_selection`."""
        when = codec.instant(at, "at")
        with self._lock, self._conn.transaction():
            self._check_event(event_id)
            row = self._conn.execute(
                "INSERT INTO selections (event_id, at, seed, policy, record_json) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (event_id, when, seed, policy, record_json),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def selections(self, event_id: str) -> list[StoredSelection]:
        """See :meth:`Store.selections`."""
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT id, at, seed, policy, record_json FROM selections "
                "WHERE event_id = %s ORDER BY id",
                (event_id,),
            ).fetchall()
        return codec.read_selections(event_id, rows)

    # -- small groups and workshops ----------------------------------------------------

    def put_assignments(
        self,
        event_id: str,
        kind: str,
        rows: Iterable[AssignmentLike],
        *,
        at: _dt.datetime,
        by: str = "",
    ) -> int:
        """See :meth:`Store.put_assignments` (under the event's advisory lock)."""
        placed = codec.assignment_rows(kind, rows)
        when = codec.instant(at, "at")
        db = self._conn
        with self._lock, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_event_lock(event_id),))
            self._check_event(event_id)
            known = db.execute("SELECT id FROM registrations WHERE event_id = %s", (event_id,))
            codec.unknown_ids(placed, (row[0] for row in known))
            row = db.execute(
                "SELECT coalesce(max(version), 0) FROM assignment_versions "
                "WHERE event_id = %s AND kind = %s",
                (event_id, kind),
            ).fetchone()
            latest = int(row[0]) if row is not None else 0
            stored = db.execute(_ASSIGNMENT_ROWS, (event_id, kind, latest)).fetchall()
            if latest and [tuple(r) for r in stored] == placed:
                return latest
            db.execute(
                "INSERT INTO assignment_versions (event_id, kind, version, at, by) "
                "VALUES (%s, %s, %s, %s, %s)",
                (event_id, kind, latest + 1, when, by),
            )
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO assignments (event_id, kind, version, position, "
                    "registration_id, group_label, session_id, reason) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [(event_id, kind, latest + 1, n, *r) for n, r in enumerate(placed)],
                )
        return latest + 1

    def assignments(
        self, event_id: str, kind: str | None = None, *, version: int | None = None
    ) -> list[StoredAssignment]:
        """See :meth:`Store.assignments`."""
        query = codec.assignment_query(event_id, kind, version)
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(_LATEST_ASSIGNMENTS, query).fetchall()
        return codec.read_assignments(rows)

    # -- offers -------------------------------------------------------------------------

    def add_offer(
        self,
        event_id: str,
        registration_id: str,
        *,
        at: _dt.datetime,
        deadline: _dt.datetime,
        source: str = "",
    ) -> Offer:
        """See :meth:`Store.add_offer`."""
        when, until = codec.instant(at, "at"), codec.instant(deadline, "deadline")
        if deadline <= at:
            raise TimeRangeError(at, deadline, "offer")
        with self._lock, self._conn.transaction():
            if not self._conn.execute(
                "SELECT 1 FROM registrations WHERE event_id = %s AND id = %s",
                (event_id, registration_id),
            ).fetchone():
                raise UnknownRegistration(registration_id)
            row = self._conn.execute(
                "INSERT INTO offers (event_id, registration_id, at, deadline, source) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (event_id, registration_id, when, until, source),
            ).fetchone()
            assert row is not None
            return self._offer(int(row[0]))

    def _offer(self, offer_id: int, *, lock: bool = False) -> Offer:
        row = self._conn.execute(
            f"{_OFFER} WHERE id = %s{' FOR UPDATE' if lock else ''}", (offer_id,)
        ).fetchone()
        if row is None:
            raise InvalidValue("offer_id", offer_id, "the id of an offer in the store")
        return _offer_of(row)

    def offers(self, event_id: str, *, open_at: _dt.datetime | None = None) -> list[Offer]:
        """See :meth:`Store.offers`."""
        if open_at is not None:
            codec.instant(open_at, "open_at")
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                f"{_OFFER} WHERE event_id = %s ORDER BY id", (event_id,)
            ).fetchall()
        offers = [_offer_of(row) for row in rows]
        return offers if open_at is None else [o for o in offers if o.is_open(open_at)]

    def close_offer(self, offer_id: int, *, at: _dt.datetime, outcome: str) -> Offer:
        """See :meth:`Store.close_offer`."""
        when = codec.instant(at, "at")
        if outcome not in OFFER_OUTCOMES:
            raise InvalidValue("outcome", outcome, " or ".join(OFFER_OUTCOMES))
        with self._lock, self._conn.transaction():
            offer = self._offer(offer_id, lock=True)
            if offer.closed_at is not None:
                raise InvalidValue(
                    "offer_id", offer_id, f"an open offer (it closed as {offer.outcome})"
                )
            self._conn.execute(
                "UPDATE offers SET closed_at = %s, outcome = %s WHERE id = %s",
                (when, outcome, offer_id),
            )
            return self._offer(offer_id)

    # -- the outgoing message log -------------------------------------------------------

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
        """See :meth:`Store.queue_message`."""
        when = codec.instant(at, "at")
        with self._lock, self._conn.transaction():
            self._check_event(event_id)
            self._conn.execute(
                "INSERT INTO messages (message_id, event_id, recipient, kind, data, queued_at, "
                "state, attempts, last_error, registration_id, uid, sequence) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'queued', 0, '', %s, %s, %s) "
                "ON CONFLICT (message_id) DO NOTHING",
                (message_id, event_id, recipient, kind, data, when, registration_id, uid,
                 sequence),
            )  # fmt: skip
            return self._message(message_id)

    def _message(self, message_id: str) -> QueuedMessage:
        row = self._conn.execute(f"{_MESSAGE} WHERE message_id = %s", (message_id,)).fetchone()
        if row is None:
            raise InvalidValue("message_id", message_id, "the Message-ID of a queued message")
        return _message_of(row)

    def messages(self, event_id: str, *, state: str | None = None) -> list[QueuedMessage]:
        """See :meth:`Store.messages`."""
        if state is not None and state not in MESSAGE_STATES:
            raise InvalidValue("state", state, " or ".join(MESSAGE_STATES))
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                f"{_MESSAGE} WHERE event_id = %s AND (%s::text IS NULL OR state = %s) "
                "ORDER BY position",
                (event_id, state, state),
            ).fetchall()
        return [_message_of(row) for row in rows]

    def mark_sent(self, message_id: str, *, at: _dt.datetime) -> None:
        """See :meth:`Store.mark_sent`."""
        when = codec.instant(at, "at")
        with self._lock, self._conn.transaction():
            self._message(message_id)
            self._conn.execute(
                "UPDATE messages SET state = 'sent', sent_at = %s "
                "WHERE message_id = %s AND state <> 'sent'",
                (when, message_id),
            )

    def mark_failed(
        self, message_id: str, *, at: _dt.datetime, error: str, permanent: bool
    ) -> None:
        """See :meth:`Store.mark_failed`."""
        codec.instant(at, "at")
        with self._lock, self._conn.transaction():
            self._message(message_id)
            self._conn.execute(
                "UPDATE messages SET attempts = attempts + 1, last_error = %s, state = %s "
                "WHERE message_id = %s AND state <> 'sent'",
                (error, "failed" if permanent else "queued", message_id),
            )

    # -- personal data ------------------------------------------------------------------

    def erase(
        self, event_id: str, registration_id: str, *, at: _dt.datetime, by: str = ""
    ) -> Registration:
        """See :meth:`Store.erase`."""
        codec.instant(at, "at")
        with self._lock, self._conn.transaction():
            event = self.event(event_id)
            held = self._read(event_id, " AND id = %s", (registration_id,))
            if not held:
                raise UnknownRegistration(registration_id)
            return self._erase(event, *held[0], at=at, by=by)

    def _erase(
        self, event: Event, pk: int, registration: Registration, *, at: _dt.datetime, by: str
    ) -> Registration:
        if codec.is_erased(registration):
            return registration
        tombstone = codec.tombstone(registration, event, secret=self._secret, at=at, by=by)
        when = codec.instant(at, "at")
        self._conn.execute(
            "UPDATE registrations SET normalised_email = %s, data = %s, erased_at = %s "
            "WHERE pk = %s",
            (tombstone.email, codec.registration_data(tombstone), when, pk),
        )
        self._append(pk, registration.history, tombstone)
        self._audit(event.id, when, "erase", registration.id, by, "")
        return tombstone

    def _append(self, pk: int, stored: Sequence[StatusChange], changed: Registration) -> None:
        """Append the history entries ``changed`` adds to the ``stored`` ones."""
        added = [(pk, *codec.change_row(c)) for c in codec.added_history(stored, changed)]
        if added:
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO status_changes (registration_pk, from_status, to_status, at, "
                    "reason, by) VALUES (%s, %s, %s, %s, %s, %s)",
                    added,
                )

    def _audit(  # noqa: PLR0917 - one audit row's columns
        self, event_id: str | None, at: str, action: str, subject: str, by: str, detail: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO audit (event_id, at, action, subject, by, detail) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (event_id, at, action, subject, by, detail),
        )

    def purge(
        self, event_id: str, *, older_than: _dt.timedelta, now: _dt.datetime, by: str = ""
    ) -> list[str]:
        """See :meth:`Store.purge`."""
        when = codec.instant(now, "now")
        cutoff = codec.micros(now - older_than)
        with self._lock, self._conn.transaction():
            event = self.event(event_id)
            due = [
                (pk, registration)
                for pk, registration in self._read(event_id, " AND erased_at IS NULL")
                if codec.micros(codec.last_change(registration)) < cutoff
            ]
            for pk, registration in due:
                self._erase(event, pk, registration, at=now, by=by)
            self._audit(
                event_id,
                when,
                "purge",
                f"older than {older_than}",
                by,
                f"{len(due)} registration(s) erased",
            )
        return [registration.id for _, registration in due]

    def audit(self, event_id: str) -> list[AuditEntry]:
        """See :meth:`Store.audit`."""
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT at, action, subject, by, event_id, detail FROM audit "
                "WHERE event_id = %s OR event_id IS NULL ORDER BY id",
                (event_id,),
            ).fetchall()
        return codec.read_audit(rows)

    # -- maintenance --------------------------------------------------------------------

    def integrity(self) -> list[str]:
        """See :meth:`Store.integrity`."""
        problems: list[str] = []
        with self._lock, self._conn.transaction():
            for event_id, id_, status, last in self._conn.execute(
                "SELECT r.event_id, r.id, r.status, (SELECT s.to_status FROM status_changes s "
                "WHERE s.registration_pk = r.pk ORDER BY s.seq DESC LIMIT 1) "
                "FROM registrations r ORDER BY r.event_id, r.position"
            ).fetchall():
                if last is not None and last != status:
                    problems.append(
                        f"registration {id_} of {event_id} has status {status!r} but its "
                        f"history ends in {last!r}"
                    )
            for event_id, id_, state in self._conn.execute(
                "SELECT event_id, message_id, state FROM messages "
                "WHERE state NOT IN ('queued', 'sent', 'failed') ORDER BY position"
            ).fetchall():
                problems.append(f"message {id_} of {event_id} has no known state ({state!r})")
        return problems

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """See :meth:`Store.transaction`."""
        with self._lock, self._conn.transaction():
            yield


@attrs.define(repr=False)
class _PostgresBackend:
    """One event's registrations in a :class:`PostgresStore` (its ``BookBackend``)."""

    _store: PostgresStore
    event_id: str

    def __repr__(self) -> str:
        return f"PostgresStore backend of {self.event_id!r} ({len(self)} registration(s))"

    def hold(
        self, registration: Registration, *, on_duplicate: OnDuplicate, by: str
    ) -> Registration:
        """See :meth:`BookBackend.hold`."""
        (result,) = self.hold_many([registration], on_duplicate=on_duplicate, by=by)
        if isinstance(result, Exception):
            raise result
        return result

    def hold_many(
        self, registrations: Iterable[Registration], *, on_duplicate: OnDuplicate, by: str
    ) -> list[Registration | Exception]:
        """See :meth:`BookBackend.hold_many`."""
        return self._store._hold_many(
            self.event_id, registrations, on_duplicate=on_duplicate, by=by
        )

    def _read(self, where: str = "", params: Sequence[object] = ()) -> list[Registration]:
        store = self._store
        with store._lock, store._conn.transaction():
            return [registration for _, registration in store._read(self.event_id, where, params)]

    def get(self, registration_id: str) -> Registration:
        """See :meth:`BookBackend.get`."""
        found = self._read(" AND id = %s", (registration_id,))
        if not found:
            raise UnknownRegistration(registration_id)
        return found[0]

    def find(self, normalised_email: str) -> Registration | None:
        """See :meth:`BookBackend.find`."""
        found = self._read(" AND normalised_email = %s", (normalised_email,))
        return found[0] if found else None

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._read())

    def __len__(self) -> int:
        store = self._store
        with store._lock, store._conn.transaction():
            row = store._conn.execute(
                "SELECT count(*) FROM registrations WHERE event_id = %s", (self.event_id,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus | str
    ) -> Registration:
        """See :meth:`BookBackend.replace_status`."""
        return self._store._replace_status(
            self.event_id, registration_id, changed, expected=expected
        )
