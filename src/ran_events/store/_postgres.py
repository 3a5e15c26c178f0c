"""The PostgreSQL store: one database shared by the processes (and machines) of a service.

:class:`PostgresStore` keeps the same tables as the SQLite store, in PostgreSQL's dialect,
through psycopg 3 (the optional extra ``ran-events[postgres]``; imported only here, when a
store is opened). Every change is one transaction. Across processes the database is the
arbiter: a transaction that takes in applications of an event first takes that event's
advisory lock (``pg_advisory_xact_lock``), so "look up the address, then insert or keep the
later application" is one step for every process; the unique constraint on (event, normalised
address) stands behind it. A status change locks its row (``SELECT ... FOR UPDATE``) and
applies only if the status is still the one expected (compare-and-set).

Values a selection record's digest depends on (submission times, the history) are kept as
the JSON text they were written as, so a registration reads back exactly (its offsets too).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import attrs

from .. import eventfile
from .._converter import structure, unstructure
from .._version import __version__
from ..errors import (
    ConcurrentChange,
    DuplicateRegistration,
    InvalidValue,
    StoreError,
    StoreVersionError,
    TimeRangeError,
    UnknownEvent,
    UnknownRegistration,
)
from ..intake import BookBackend, OnDuplicate, RegistrationBook
from ..intake._backend import check_hold
from ..models import Event, Registration, RegistrationStatus, StatusChange
from ..tz import check_aware
from ._protocol import (
    MESSAGE_STATES,
    OFFER_OUTCOMES,
    AuditEntry,
    Offer,
    QueuedMessage,
    StoredSelection,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["SCHEMES", "PostgresStore"]

SCHEMES: Final = ("postgresql", "postgres")
"""The URL schemes of a PostgreSQL store (``postgresql://user@host:port/database``)."""

_STEPS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: the first schema.
    (
        """CREATE TABLE events (
            event_id text NOT NULL,
            revision integer NOT NULL CHECK (revision > 0),
            content text NOT NULL,
            digest text NOT NULL,
            at timestamptz NOT NULL,
            source text NOT NULL DEFAULT '',
            PRIMARY KEY (event_id, revision),
            UNIQUE (event_id, digest))""",
        "CREATE SEQUENCE registration_position",
        """CREATE TABLE registrations (
            event_id text NOT NULL,
            id text NOT NULL,
            email text NOT NULL,
            position bigint NOT NULL,
            submitted_at timestamptz NOT NULL,
            changed_at timestamptz NOT NULL,
            status text NOT NULL,
            data text NOT NULL,
            erased_at timestamptz,
            PRIMARY KEY (event_id, id),
            UNIQUE (event_id, email))""",
        "CREATE INDEX registrations_order ON registrations (event_id, position)",
        """CREATE TABLE status_changes (
            event_id text NOT NULL,
            registration_id text NOT NULL,
            n integer NOT NULL CHECK (n >= 0),
            to_status text NOT NULL,
            at timestamptz NOT NULL,
            data text NOT NULL,
            PRIMARY KEY (event_id, registration_id, n),
            FOREIGN KEY (event_id, registration_id) REFERENCES registrations (event_id, id)
                ON UPDATE CASCADE)""",
        """CREATE TABLE selections (
            id bigserial PRIMARY KEY,
            event_id text NOT NULL,
            at timestamptz NOT NULL,
            seed bigint,
            policy text NOT NULL,
            record_json text NOT NULL)""",
        """CREATE TABLE offers (
            id bigserial PRIMARY KEY,
            event_id text NOT NULL,
            registration_id text NOT NULL,
            at timestamptz NOT NULL,
            deadline timestamptz NOT NULL CHECK (deadline > at),
            closed_at timestamptz,
            outcome text CHECK (outcome IN ('accepted', 'declined', 'expired', 'withdrawn')),
            source text NOT NULL DEFAULT '',
            FOREIGN KEY (event_id, registration_id) REFERENCES registrations (event_id, id)
                ON UPDATE CASCADE)""",
        """CREATE TABLE messages (
            message_id text PRIMARY KEY,
            position bigserial,
            event_id text NOT NULL,
            recipient text NOT NULL,
            kind text NOT NULL,
            data bytea NOT NULL,
            queued_at timestamptz NOT NULL,
            state text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
            sent_at timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            last_error text NOT NULL DEFAULT '',
            registration_id text,
            uid text,
            sequence integer)""",
        "CREATE INDEX messages_event ON messages (event_id, position)",
        """CREATE TABLE audit (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL,
            action text NOT NULL,
            subject text NOT NULL,
            by text NOT NULL DEFAULT '',
            event_id text,
            detail text NOT NULL DEFAULT '')""",
    ),
)
"""The schema's forward migrations: step ``n`` (1-based) brings version ``n - 1`` to ``n``."""

SCHEMA_VERSION: Final = len(_STEPS)
"""The newest schema version this code writes and reads."""

_MIGRATION_LOCK: Final = 0x72616E5F6576  # "ran_ev": the advisory lock of migrations
_ERASED: Final = "erased"
"""Who an erased registration's registrant becomes (name)."""


def _utc(value: _dt.datetime, field: str) -> _dt.datetime:
    return check_aware(value, field)


def _event_lock(event_id: str) -> int:
    """The advisory lock key of one event's registrations (64 bits of its id's SHA-256)."""
    digest = hashlib.sha256(event_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _registration_text(registration: Registration) -> str:
    data = unstructure(registration)
    del data["history"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _change_text(change: StatusChange) -> str:
    return json.dumps(unstructure(change), ensure_ascii=False, separators=(",", ":"))


def _registration(data: str, status: str, history: Sequence[str]) -> Registration:
    fields = json.loads(data)
    fields["status"] = status
    fields["history"] = [json.loads(change) for change in history]
    return structure(fields, Registration)


def _shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


@attrs.define(repr=False)
class PostgresStore:
    """A store in a PostgreSQL database, shared by every process that opens the same URL.

    Opening creates the schema in an empty database, or upgrades an older one (every step
    in one transaction, under an advisory lock so two processes opening at once do not both
    migrate). One connection per store, shared by the store's threads under a lock; open
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
    schema_version: int = attrs.field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        try:
            import psycopg  # noqa: PLC0415 - psycopg is an optional extra
        except ImportError:  # pragma: no cover - the test extra installs it
            raise StoreError(
                "PostgresStore needs psycopg 3: pip install 'ran-events[postgres]'"
            ) from None
        try:
            self._conn = psycopg.connect(self.url, options="-c TimeZone=UTC")
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"{_shown_url(self.url)}: cannot open the store: {reason}") from None
        self._migrate()

    def __repr__(self) -> str:
        return f"PostgresStore({_shown_url(self.url)!r}, schema_version={self.schema_version})"

    # -- opening ------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            found = self._conn.execute(
                "SELECT to_regclass('schema_version') IS NOT NULL"
            ).fetchone()
            if found is None or not found[0]:
                self._conn.execute(
                    "CREATE TABLE schema_version (version integer NOT NULL, "
                    "ran_events text NOT NULL, at timestamptz NOT NULL)"
                )
                version, written_by = 0, ""
            else:
                row = self._conn.execute(
                    "SELECT version, ran_events FROM schema_version "
                    "ORDER BY version DESC LIMIT 1"
                ).fetchone()
                version, written_by = (0, "") if row is None else (int(row[0]), str(row[1]))
            if version > SCHEMA_VERSION:
                raise StoreVersionError(_shown_url(self.url), version, SCHEMA_VERSION, written_by)
            now = _dt.datetime.now(_dt.UTC)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _STEPS[number - 1]:
                    self._conn.execute(statement.encode())
                self._conn.execute(
                    "INSERT INTO schema_version (version, ran_events, at) VALUES (%s, %s, %s)",
                    (number, __version__, now),
                )
                self._conn.execute(
                    "INSERT INTO audit (at, action, subject, by, detail) "
                    "VALUES (%s, 'migrate', %s, 'ran_events', %s)",
                    (now, f"schema {number}", f"from version {number - 1} to {number}"),
                )
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
        at = _utc(at, "at")
        content = eventfile.dumps(event, format="json", indent=None)
        digest = hashlib.sha256(content.encode()).hexdigest()
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_event_lock(event.id),))
            row = self._conn.execute(
                "SELECT revision FROM events WHERE event_id = %s AND digest = %s",
                (event.id, digest),
            ).fetchone()
            if row is not None:
                return int(row[0])
            row = self._conn.execute(
                "INSERT INTO events (event_id, revision, content, digest, at, source) "
                "SELECT %s, coalesce(max(revision), 0) + 1, %s, %s, %s, %s "
                "FROM events WHERE event_id = %s RETURNING revision",
                (event.id, content, digest, at, source, event.id),
            ).fetchone()
            assert row is not None
            return int(row[0])

    def event(self, event_id: str, *, revision: int | None = None) -> Event:
        """See :meth:`Store.event`."""
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                "SELECT content FROM events WHERE event_id = %s "
                "AND (%s::integer IS NULL OR revision = %s) ORDER BY revision DESC LIMIT 1",
                (event_id, revision, revision),
            ).fetchone()
        if row is None:
            raise UnknownEvent(event_id, revision=revision, known=self.event_ids())
        return eventfile.loads(row[0], format="json", source=f"store event {event_id}")

    def event_ids(self) -> list[str]:
        """See :meth:`Store.event_ids`."""
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT DISTINCT event_id FROM events ORDER BY event_id"
            ).fetchall()
        return [str(row[0]) for row in rows]

    def _check_event(self, event_id: str) -> None:
        row = self._conn.execute(
            "SELECT 1 FROM events WHERE event_id = %s LIMIT 1", (event_id,)
        ).fetchone()
        if row is None:
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

    def _histories(self, event_id: str, ids: Sequence[str] | None) -> dict[str, list[str]]:
        """The stored history of each registration (all of the event's when ``ids`` is None)."""
        query = "SELECT registration_id, data FROM status_changes WHERE event_id = %s"
        params: tuple[object, ...] = (event_id,)
        if ids is not None:
            query += " AND registration_id = ANY(%s)"
            params = (event_id, list(ids))
        histories: dict[str, list[str]] = {}
        for registration_id, data in self._conn.execute(
            query + " ORDER BY registration_id, n", params
        ):
            histories.setdefault(registration_id, []).append(data)
        return histories

    def _registrations(self, event_id: str, where: str, params: tuple[object, ...]) -> list[Registration]:
        rows = self._conn.execute(
            f"SELECT id, data, status FROM registrations WHERE event_id = %s{where} "  # noqa: S608 - fixed fragments
            "ORDER BY position",
            (event_id, *params),
        ).fetchall()
        if not rows:
            return []
        histories = self._histories(event_id, None if not where else [r[0] for r in rows])
        return [_registration(data, status, histories.get(id_, [])) for id_, data, status in rows]

    def _write(
        self,
        event_id: str,
        registrations: Sequence[tuple[Registration, bool, int]],
    ) -> None:
        """Write kept registrations: (registration, held before, stored history length)."""
        if not registrations:
            return
        positions = [
            int(row[0])
            for row in self._conn.execute(
                "SELECT nextval('registration_position') FROM generate_series(1, %s)",
                (len(registrations),),
            )
        ]
        updates = []
        inserts = []
        changes = []
        for (registration, held, stored), position in zip(registrations, positions, strict=True):
            changed_at = max(
                [registration.submitted_at, *(c.at for c in registration.history)]
            )
            values = (
                registration.id,
                position,
                registration.submitted_at,
                changed_at,
                registration.status.value,
                _registration_text(registration),
            )
            if held:
                updates.append((*values, event_id, registration.email))
            else:
                inserts.append((event_id, registration.email, *values))
            changes.extend(
                (event_id, registration.id, n, change.to_status.value, change.at, _change_text(change))
                for n, change in enumerate(registration.history)
                if n >= stored
            )
        cursor = self._conn.cursor()
        if updates:
            cursor.executemany(
                "UPDATE registrations SET id = %s, position = %s, submitted_at = %s, "
                "changed_at = %s, status = %s, data = %s WHERE event_id = %s AND email = %s",
                updates,
            )
        if inserts:
            with cursor.copy(
                "COPY registrations (event_id, email, id, position, submitted_at, changed_at, "
                "status, data) FROM STDIN"
            ) as copy:
                for row in inserts:
                    copy.write_row(row)
        if changes:
            with cursor.copy(
                "COPY status_changes (event_id, registration_id, n, to_status, at, data) "
                "FROM STDIN"
            ) as copy:
                for row in changes:
                    copy.write_row(row)

    def _hold_many(
        self,
        event_id: str,
        registrations: Iterable[Registration],
        *,
        on_duplicate: OnDuplicate,
        by: str,
    ) -> list[Registration | Exception]:
        batch = list(registrations)
        results: list[Registration | Exception] = []
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_event_lock(event_id),))
            emails = list({r.email for r in batch})
            ids = list({r.id for r in batch})
            held_rows = self._conn.execute(
                "SELECT id, email, data, status FROM registrations WHERE event_id = %s "
                "AND (email = ANY(%s) OR id = ANY(%s))",
                (event_id, emails, ids),
            ).fetchall()
            histories = self._histories(event_id, [row[0] for row in held_rows])
            by_email: dict[str, Registration] = {}
            owner: dict[str, str] = {}
            stored: dict[str, int] = {}  # held before: address -> stored history length
            for id_, email, data, status in held_rows:
                history = histories.get(id_, [])
                by_email[email] = _registration(data, status, history)
                owner[id_] = email
                stored[email] = len(history)
            touched: dict[str, None] = {}  # the addresses changed, in the order last changed
            for registration in batch:
                existing = by_email.get(registration.email)
                try:
                    kept = check_hold(
                        existing,
                        registration,
                        id_owner=owner.get(registration.id),
                        on_duplicate=on_duplicate,
                        by=by,
                    )
                except (DuplicateRegistration, InvalidValue) as exc:
                    results.append(exc)
                    continue
                if existing is not None:
                    del owner[existing.id]
                by_email[kept.email] = kept
                owner[kept.id] = kept.email
                touched.pop(kept.email, None)
                touched[kept.email] = None
                results.append(kept)
            self._write(
                event_id,
                [(by_email[e], e in stored, stored.get(e, 0)) for e in touched],
            )
        return results

    def _replace_status(
        self,
        event_id: str,
        registration_id: str,
        changed: Registration,
        *,
        expected: RegistrationStatus,
    ) -> Registration:
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                "SELECT status, (SELECT count(*) FROM status_changes s WHERE s.event_id = "
                "r.event_id AND s.registration_id = r.id) FROM registrations r "
                "WHERE event_id = %s AND id = %s FOR UPDATE",
                (event_id, registration_id),
            ).fetchone()
            if row is None:
                raise UnknownRegistration(registration_id)
            if row[0] != expected.value:
                raise ConcurrentChange(registration_id, expected.value, str(row[0]))
            self._write(event_id, [(changed, True, int(row[1]))])
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
        at = _utc(at, "at")
        with self._lock, self._conn.transaction():
            self._check_event(event_id)
            row = self._conn.execute(
                "INSERT INTO selections (event_id, at, seed, policy, record_json) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (event_id, at, seed, policy, record_json),
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
        return [
            StoredSelection(
                id=id_, event_id=event_id, at=at, seed=seed, policy=policy, record_json=record
            )
            for id_, at, seed, policy, record in rows
        ]

    # -- offers -------------------------------------------------------------------------

    _OFFER: Final = (
        "SELECT id, event_id, registration_id, at, deadline, closed_at, outcome, source "
        "FROM offers"
    )

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
        at, deadline = _utc(at, "at"), _utc(deadline, "deadline")
        if deadline <= at:
            raise TimeRangeError(at, deadline, "offer")
        with self._lock, self._conn.transaction():
            held = self._conn.execute(
                "SELECT 1 FROM registrations WHERE event_id = %s AND id = %s",
                (event_id, registration_id),
            ).fetchone()
            if held is None:
                raise UnknownRegistration(registration_id)
            row = self._conn.execute(
                "INSERT INTO offers (event_id, registration_id, at, deadline, source) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (event_id, registration_id, at, deadline, source),
            ).fetchone()
            assert row is not None
            return self._offer(int(row[0]))

    def _offer(self, offer_id: int) -> Offer:
        row = self._conn.execute(f"{self._OFFER} WHERE id = %s", (offer_id,)).fetchone()
        if row is None:
            raise InvalidValue("offer_id", offer_id, "the id of an offer in the store")
        return _offer_of(row)

    def offers(self, event_id: str, *, open_at: _dt.datetime | None = None) -> list[Offer]:
        """See :meth:`Store.offers`."""
        if open_at is not None:
            open_at = _utc(open_at, "open_at")
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                f"{self._OFFER} WHERE event_id = %s ORDER BY id", (event_id,)
            ).fetchall()
        offers = [_offer_of(row) for row in rows]
        if open_at is None:
            return offers
        return [offer for offer in offers if offer.is_open(open_at)]

    def close_offer(self, offer_id: int, *, at: _dt.datetime, outcome: str) -> Offer:
        """See :meth:`Store.close_offer`."""
        at = _utc(at, "at")
        if outcome not in OFFER_OUTCOMES:
            raise InvalidValue("outcome", outcome, " or ".join(OFFER_OUTCOMES))
        with self._lock, self._conn.transaction():
            offer = self._offer(offer_id)
            row = self._conn.execute(
                "UPDATE offers SET closed_at = %s, outcome = %s "
                "WHERE id = %s AND closed_at IS NULL RETURNING id",
                (at, outcome, offer_id),
            ).fetchone()
            if row is None:
                raise ConcurrentChange(
                    f"offer {offer_id} of {offer.registration_id}", "open", f"{offer.outcome}"
                )
            return self._offer(offer_id)

    # -- the outgoing message log -------------------------------------------------------

    _MESSAGE: Final = (
        "SELECT message_id, event_id, recipient, kind, data, queued_at, state, sent_at, "
        "attempts, last_error, registration_id, uid, sequence FROM messages"
    )

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
        at = _utc(at, "at")
        with self._lock, self._conn.transaction():
            self._conn.execute(
                "INSERT INTO messages (message_id, event_id, recipient, kind, data, queued_at, "
                "state, registration_id, uid, sequence) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'queued', %s, %s, %s) "
                "ON CONFLICT (message_id) DO NOTHING",
                (message_id, event_id, recipient, kind, data, at, registration_id, uid, sequence),
            )
            return self._message(message_id)

    def _message(self, message_id: str) -> QueuedMessage:
        row = self._conn.execute(
            f"{self._MESSAGE} WHERE message_id = %s", (message_id,)
        ).fetchone()
        if row is None:
            raise InvalidValue("message_id", message_id, "the Message-ID of a queued message")
        return _message_of(row)

    def messages(self, event_id: str, *, state: str | None = None) -> list[QueuedMessage]:
        """See :meth:`Store.messages`."""
        if state is not None and state not in MESSAGE_STATES:
            raise InvalidValue("state", state, " or ".join(MESSAGE_STATES))
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                f"{self._MESSAGE} WHERE event_id = %s AND (%s::text IS NULL OR state = %s) "
                "ORDER BY position",
                (event_id, state, state),
            ).fetchall()
        return [_message_of(row) for row in rows]

    def mark_sent(self, message_id: str, *, at: _dt.datetime) -> None:
        """See :meth:`Store.mark_sent`."""
        at = _utc(at, "at")
        with self._lock, self._conn.transaction():
            self._message(message_id)
            self._conn.execute(
                "UPDATE messages SET state = 'sent', sent_at = %s "
                "WHERE message_id = %s AND state <> 'sent'",
                (at, message_id),
            )

    def mark_failed(
        self, message_id: str, *, at: _dt.datetime, error: str, permanent: bool
    ) -> None:
        """See :meth:`Store.mark_failed`."""
        _utc(at, "at")
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
        at = _utc(at, "at")
        with self._lock, self._conn.transaction():
            event = self.event(event_id)
            rows = self._registrations(event_id, " AND id = %s", (registration_id,))
            if not rows:
                raise UnknownRegistration(registration_id)
            return self._erase(event, rows[0], at=at, by=by, action="erase")

    def _erase(
        self, event: Event, registration: Registration, *, at: _dt.datetime, by: str, action: str
    ) -> Registration:
        stored = len(registration.history)
        tombstone = _tombstone(event, registration, at=at, by=by)
        self._conn.execute(
            "UPDATE registrations SET email = %s, erased_at = %s WHERE event_id = %s AND id = %s",
            (tombstone.email, at, event.id, registration.id),
        )
        self._write(event.id, [(tombstone, True, stored)])
        self._conn.execute(
            "INSERT INTO audit (at, action, subject, by, event_id) VALUES (%s, %s, %s, %s, %s)",
            (at, action, registration.id, by, event.id),
        )
        return tombstone

    def purge(
        self, event_id: str, *, older_than: _dt.timedelta, now: _dt.datetime, by: str = ""
    ) -> list[str]:
        """See :meth:`Store.purge`."""
        now = _utc(now, "now")
        with self._lock, self._conn.transaction():
            event = self.event(event_id)
            rows = self._registrations(
                event_id, " AND erased_at IS NULL AND changed_at < %s", (now - older_than,)
            )
            return [
                self._erase(event, registration, at=now, by=by, action="purge").id
                for registration in rows
            ]

    def audit(self, event_id: str) -> list[AuditEntry]:
        """See :meth:`Store.audit`."""
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT at, action, subject, by, event_id, detail FROM audit "
                "WHERE event_id = %s OR event_id IS NULL ORDER BY id",
                (event_id,),
            ).fetchall()
        return [
            AuditEntry(at=at, action=action, subject=subject, by=by, event_id=eid, detail=detail)
            for at, action, subject, by, eid, detail in rows
        ]

    # -- maintenance --------------------------------------------------------------------

    def integrity(self) -> list[str]:
        """See :meth:`Store.integrity`."""
        problems: list[str] = []
        with self._lock, self._conn.transaction():
            for event_id, id_, status, last in self._conn.execute(
                "SELECT r.event_id, r.id, r.status, (SELECT s.to_status FROM status_changes s "
                "WHERE s.event_id = r.event_id AND s.registration_id = r.id "
                "ORDER BY s.n DESC LIMIT 1) FROM registrations r"
            ).fetchall():
                if last is not None and last != status:
                    problems.append(
                        f"registration {id_} of {event_id} has status {status!r} but its "
                        f"history ends in {last!r}"
                    )
            for event_id, id_, count, top in self._conn.execute(
                "SELECT event_id, registration_id, count(*), max(n) FROM status_changes "
                "GROUP BY event_id, registration_id HAVING count(*) <> max(n) + 1"
            ).fetchall():
                problems.append(
                    f"registration {id_} of {event_id} has a gap in its history "
                    f"({count} entries numbered up to {top})"
                )
            for (event_id,) in self._conn.execute(
                "SELECT DISTINCT r.event_id FROM registrations r WHERE NOT EXISTS "
                "(SELECT 1 FROM events e WHERE e.event_id = r.event_id)"
            ).fetchall():
                problems.append(f"registrations of {event_id} but no such event")
        return problems


def _offer_of(row: Sequence[Any]) -> Offer:
    id_, event_id, registration_id, at, deadline, closed_at, outcome, source = row
    return Offer(
        id=id_,
        event_id=event_id,
        registration_id=registration_id,
        at=at,
        deadline=deadline,
        closed_at=closed_at,
        outcome=outcome,
        source=source,
    )


def _message_of(row: Sequence[Any]) -> QueuedMessage:
    (message_id, event_id, recipient, kind, data, queued_at, state, sent_at, attempts,
     last_error, registration_id, uid, sequence) = row  # fmt: skip
    return QueuedMessage(
        message_id=message_id,
        event_id=event_id,
        recipient=recipient,
        kind=kind,
        data=bytes(data),
        queued_at=queued_at,
        state=state,
        sent_at=sent_at,
        attempts=attempts,
        last_error=last_error,
        registration_id=registration_id,
        uid=uid,
        sequence=sequence,
    )


def _tombstone(
    event: Event, registration: Registration, *, at: _dt.datetime, by: str
) -> Registration:
    """Placeholder until the shared erasure rule (engineer store) is merged."""
    raise NotImplementedError


@attrs.define(repr=False)
class _PostgresBackend:
    """One event's registrations in a :class:`PostgresStore` (a ``BookBackend``)."""

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

    def get(self, registration_id: str) -> Registration:
        """See :meth:`BookBackend.get`."""
        store = self._store
        with store._lock, store._conn.transaction():
            found = store._registrations(self.event_id, " AND id = %s", (registration_id,))
        if not found:
            raise UnknownRegistration(registration_id)
        return found[0]

    def find(self, normalised_email: str) -> Registration | None:
        """See :meth:`BookBackend.find`."""
        store = self._store
        with store._lock, store._conn.transaction():
            found = store._registrations(self.event_id, " AND email = %s", (normalised_email,))
        return found[0] if found else None

    def __iter__(self) -> Iterator[Registration]:
        store = self._store
        with store._lock, store._conn.transaction():
            return iter(store._registrations(self.event_id, "", ()))

    def __len__(self) -> int:
        store = self._store
        with store._lock, store._conn.transaction():
            row = store._conn.execute(
                "SELECT count(*) FROM registrations WHERE event_id = %s", (self.event_id,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus
    ) -> Registration:
        """See :meth:`BookBackend.replace_status`."""
        return self._store._replace_status(
            self.event_id, registration_id, changed, expected=expected
        )
