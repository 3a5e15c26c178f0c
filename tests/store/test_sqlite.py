"""The SQLite store's own parts: its file, its schema versions and its migrations."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.store.conformance import AFTER, application

from ran_events.errors import (
    DuplicateRegistration,
    InvalidValue,
    StoreError,
    StoreIntegrityError,
    StoreVersionError,
)
from ran_events.examples import synthetic_applicants
from ran_events.groups import AssignmentRow
from ran_events.intake import csv_text
from ran_events.models import Event, Registration
from ran_events.store import SqliteStore, Store, _codec, _migrations, open_store

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_open_store_opens_a_path_as_sqlite_in_wal_mode(sqlite_url: str) -> None:
    with open_store(Path(sqlite_url)) as store:
        assert isinstance(store, SqliteStore)
        assert isinstance(store, Store)
        assert store.schema_version == _migrations.LATEST
        assert "schema version" in repr(store)
    with sqlite3.connect(sqlite_url) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_store_in_memory(event: Event) -> None:
    with open_store(":memory:") as store:
        held = store.book(event).add(application(event, 1))
        assert store.book(event).get(held.id) == held


def test_a_postgresql_url_is_not_taken_for_a_path() -> None:
    # Port 1 of the loopback refuses at once: nothing leaves the machine.
    with pytest.raises(StoreError, match="cannot open the store") as caught:
        open_store("postgresql://ran:secret@127.0.0.1:1/ran?connect_timeout=2")
    assert "secret" not in str(caught.value)  # a password never reaches a message


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a ran_events store"):
        SqliteStore(not_sqlite)


def version_1_file(
    path: str, event: Event, registration: Registration, *, version: int = 1
) -> None:
    """A store as an older release wrote it (the first: step 1 only), one event, one
    registration."""
    with sqlite3.connect(path) as db:
        for step in range(1, version + 1):
            for statement in _migrations.STEPS[step]:
                db.execute(statement)
        db.execute(
            "INSERT INTO schema_version VALUES (?, '0.1.0', '2026-01-01T00:00:00+00:00')",
            (version,),
        )
        db.execute("INSERT INTO settings VALUES ('secret', ?)", ("ab" * 32,))
        db.execute("INSERT INTO events VALUES (?)", (event.id,))
        from ran_events.store import _codec

        text, digest = _codec.event_text(event)
        db.execute(
            "INSERT INTO event_revisions VALUES (?, 1, ?, ?, '2026-01-01T00:00:00+00:00', '')",
            (event.id, digest, text),
        )
        db.execute(
            "INSERT INTO registrations (event_id, id, normalised_email, submitted_at, status, "
            "data) VALUES (?, ?, ?, ?, 'submitted', ?)",
            (
                event.id,
                registration.id,
                registration.email,
                registration.submitted_at.isoformat(),
                _codec.registration_data(registration),
            ),
        )


def test_a_version_1_store_is_upgraded_when_opened(sqlite_url: str, event: Event) -> None:
    held = application(event, 1)
    version_1_file(sqlite_url, event, held)
    with SqliteStore(sqlite_url, now=lambda: NOW) as store:
        assert store.schema_version == _migrations.LATEST == 3
        book = store.book(event)
        assert book.get(held.id) == held
        erased = store.erase(event.id, held.id, at=AFTER)  # needs step 2's column
        assert erased.registrant.name != held.registrant.name
        migrations = [a for a in store.audit(event.id) if a.action == "migrate"]
        assert [(m.subject, m.at, m.event_id) for m in migrations] == [
            ("schema 1 -> 2", NOW, None),
            ("schema 2 -> 3", NOW, None),
        ]
        assert store.integrity() == []
    with sqlite3.connect(sqlite_url) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(3,)]


def test_a_version_2_store_gets_the_assignments_when_opened(sqlite_url: str, event: Event) -> None:
    held = application(event, 1)
    version_1_file(sqlite_url, event, held, version=2)
    row = AssignmentRow(registration_id=held.id, group="1", session_id="", reason="alone")
    with SqliteStore(sqlite_url, now=lambda: NOW) as store:
        assert store.put_assignments(event.id, "groups", [row], at=AFTER) == 1  # step 3's
        (placed,) = store.assignments(event.id)
        assert (placed.registration_id, placed.group, placed.version) == (held.id, "1", 1)
        (migration,) = [a for a in store.audit(event.id) if a.action == "migrate"]
        assert migration.subject == "schema 2 -> 3"
        assert store.integrity() == []


def test_a_newer_store_is_refused_naming_both_versions(sqlite_url: str) -> None:
    SqliteStore(sqlite_url).close()
    with sqlite3.connect(sqlite_url) as db:
        db.execute("UPDATE schema_version SET version = 9, written_by = '0.9.1'")
    with pytest.raises(StoreVersionError) as caught:
        open_store(sqlite_url)
    error = caught.value
    assert (error.found, error.known, error.written_by) == (9, _migrations.LATEST, "0.9.1")
    assert "ran_events 0.9.1 or newer" in str(error)
    assert isinstance(error, RuntimeError)
    with sqlite3.connect(sqlite_url) as db:  # nothing was changed
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(9,)]


def test_a_store_with_a_damaged_schema_table_reports_it(sqlite_url: str) -> None:
    SqliteStore(sqlite_url).close()
    with sqlite3.connect(sqlite_url) as db:
        db.execute("DELETE FROM settings")
    with pytest.raises(StoreIntegrityError, match="lacks its setting 'secret'") as caught:
        SqliteStore(sqlite_url)
    assert caught.value.problems == ["the store lacks its setting 'secret'"]
    assert isinstance(caught.value, StoreError)


def test_a_store_backend_holds_only_its_own_events_registrations(
    sqlite_url: str, event: Event
) -> None:
    with open_store(sqlite_url) as store:
        store.put_event(event, at=AFTER)
        other = attrs.evolve(application(event, 1), event_id="another-event")
        (result,) = store.backend(event.id).hold_many([other], on_duplicate="reject", by="")
        assert isinstance(result, InvalidValue)
        assert result.field == "event_id"
        assert len(store.backend(event.id)) == 0


def test_a_registration_is_stored_as_the_json_encoder_writes_it(event: Event) -> None:
    """The fast row encoder writes exactly what ``json.dumps`` (compact, ASCII) writes."""
    held = application(event, 1)
    odd = attrs.evolve(
        held,
        registrant=attrs.evolve(
            held.registrant,
            name='Zoë "Q" Łukasz\n\u2028',
            attributes={"note": "tab\there", "emoji": "\U0001f600"},
        ),
        answers={**held.answers, "several": ("a", "b"), "ratio": 0.1, "flag": False},
    )
    text = _codec.registration_data(odd)
    assert text == json.dumps(json.loads(text), separators=(",", ":"))
    assert json.loads(text)["name"] == odd.registrant.name
    assert json.loads(text)["answers"]["several"] == ["a", "b"]
    assert text.isascii()


def test_a_file_of_ten_thousand_rows_is_taken_in_one_transaction(
    sqlite_url: str, event: Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store commits a file's rows 10,000 at a time (each commit rewrites the index pages
    its addresses touch): a file of up to 10,000 rows is held all or none."""
    path = tmp_path / "applications.csv"
    path.write_text(csv_text(synthetic_applicants(2_500, seed=3, event=event)), encoding="utf-8")
    batches: list[int] = []
    hold_many = SqliteStore.hold_many

    def counted(self: SqliteStore, *args: Any, **kwargs: Any) -> Any:
        batch = list(args[1])
        batches.append(len(batch))
        return hold_many(self, args[0], batch, *args[2:], **kwargs)

    monkeypatch.setattr(SqliteStore, "hold_many", counted)
    with SqliteStore(sqlite_url) as store:
        book = store.book(event)
        report = book.read_csv(path)
        assert len(book) == len(report.accepted) > 0
    assert batches == [2_500]


def test_a_new_store_file_has_16_kib_pages_and_an_older_keeps_its_own(
    sqlite_url: str, tmp_path: Path, event: Event
) -> None:
    """Bigger pages: a quarter of the page writes a big import's commits make."""
    SqliteStore(sqlite_url).close()
    with sqlite3.connect(sqlite_url) as db:
        assert db.execute("PRAGMA page_size").fetchone() == (16_384,)
    older = str(tmp_path / "older.sqlite")
    held = application(event, 1)
    version_1_file(older, event, held, version=_migrations.LATEST)
    with SqliteStore(older) as store:
        assert store.get(event.id, held.id) == held
        assert store.integrity() == []
    with sqlite3.connect(older) as db:
        assert db.execute("PRAGMA page_size").fetchone() == (4_096,)


def test_a_batch_of_new_addresses_is_written_without_looking_them_up(
    sqlite_url: str, event: Event
) -> None:
    """The unique constraints check a batch of new addresses and ids as it is written; only
    a batch that meets one reads what is held (and is then decided as before)."""
    with SqliteStore(sqlite_url) as store:
        store.put_event(event, at=AFTER)
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)
        batch = [application(event, n) for n in range(1, 6)]
        assert store.hold_many(event.id, batch, on_duplicate="reject", by="") == batch
        assert not [s for s in statements if " IN (" in s]
        statements.clear()
        again = [application(event, 5), application(event, 6)]
        results = store.hold_many(event.id, again, on_duplicate="reject", by="")
        assert any("normalised_email IN (" in s for s in statements)
        assert "ROLLBACK TO hold_new" in statements
        assert isinstance(results[0], DuplicateRegistration)
        assert results[1] == again[1]
        assert [r.id for r in store.registrations(event.id)] == [r.id for r in batch[:5]] + [
            again[1].id
        ]
