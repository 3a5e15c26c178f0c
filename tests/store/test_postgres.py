"""What only the PostgreSQL store does: its schema version, its URL in messages, its bulk path,
its integrity check on a database changed by hand. (The behaviour both stores share is the
conformance suite's.)"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import attrs
import psycopg
import pytest

from ran_events.errors import InvalidValue, StoreVersionError
from ran_events.examples import synthetic_applicants
from ran_events.groups import AssignmentRow
from ran_events.intake import MemoryBackend
from ran_events.models import Event, Registration
from ran_events.store import PostgresStore, _postgres, open_store

AT = dt.datetime(2023, 8, 20, 8, 0, tzinfo=dt.UTC)


def test_a_new_database_gets_the_schema_and_a_newer_one_is_refused(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        version = store.schema_version
        assert [(a.action, a.subject) for a in store.audit("any")] == [
            ("migrate", f"schema {n - 1} -> {n}") for n in range(1, version + 1)
        ]
    with open_store(pg_url) as store:  # opened again: nothing to migrate
        assert len(store.audit("any")) == version
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("INSERT INTO schema_version VALUES (99, '9.9', '2030-01-01T00:00:00+00:00')")
    with pytest.raises(StoreVersionError, match=r"schema version 99 written by ran_events 9\.9"):
        open_store(pg_url)


def test_a_version_1_database_gets_the_assignments_when_opened(pg_url: str, event: Event) -> None:
    held = synthetic_applicants(1, seed=11, event=event)[0]
    with psycopg.connect(pg_url, autocommit=True) as db:  # as the first release left it
        db.execute(
            "CREATE TABLE schema_version (version integer NOT NULL, "
            "written_by text NOT NULL, at text NOT NULL)"
        )
        for statement in _postgres._STEPS[0]:
            db.execute(statement.encode())
        db.execute("INSERT INTO schema_version VALUES (1, '0.1.0', '2026-01-01T00:00:00+00:00')")
    with open_store(pg_url) as store:
        store.book(event).add(held)
    with psycopg.connect(pg_url, autocommit=True) as db:  # back to version 1, data kept
        db.execute("DROP TABLE assignments, assignment_versions")
        db.execute("DELETE FROM schema_version WHERE version > 1")
        db.execute("DELETE FROM audit")
    row = AssignmentRow(registration_id=held.id, group="1", reason="alone")
    with open_store(pg_url) as store:
        assert store.schema_version == 2
        assert [a.subject for a in store.audit(event.id)] == ["schema 1 -> 2"]
        assert store.put_assignments(event.id, "groups", [row], at=AT) == 1
        (placed,) = store.assignments(event.id, "groups")
        assert (placed.registration_id, placed.version, placed.at) == (held.id, 1, AT)
        assert store.backend(event.id).get(held.id) == held
        assert store.integrity() == []


def test_a_password_never_reaches_a_repr(pg_url: str) -> None:
    parts = urllib.parse.urlsplit(pg_url)  # the test server trusts local connections
    with_password = parts._replace(netloc=f"postgres:s3cret@{parts.hostname}:{parts.port}")
    with PostgresStore(with_password.geturl()) as store:
        assert "s3cret" not in repr(store)
        assert "postgres:***@" in repr(store)


def _batch(event: Event) -> list[Registration]:
    """Ten applications: new ones, a later and an earlier one of an address in the batch."""
    pool = synthetic_applicants(8, seed=11, event=event)
    later = attrs.evolve(pool[2], submitted_at=pool[2].submitted_at + dt.timedelta(hours=1))
    earlier = attrs.evolve(pool[5], submitted_at=pool[5].submitted_at - dt.timedelta(hours=1))
    return [*pool[:6], later, earlier, *pool[6:]]


def test_a_batch_keeps_what_the_memory_backend_keeps(pg_url: str, event: Event) -> None:
    memory = MemoryBackend()
    with open_store(pg_url) as store:
        store.put_event(event, at=AT)
        backend = store.backend(event.id)
        for batch in (_batch(event), _batch(event)[3:]):  # the second replaces stored ones
            expected = memory.hold_many(batch, on_duplicate="replace", by="import")
            assert backend.hold_many(batch, on_duplicate="replace", by="import") == expected
        # the same registrations; a store keeps the order first taken in
        assert sorted(backend, key=lambda r: r.id) == sorted(memory, key=lambda r: r.id)
        assert [r.email for r in backend] == list(dict.fromkeys(r.email for r in _batch(event)))
        assert "backend of" in repr(backend)
        assert store.integrity() == []


def test_integrity_names_rows_changed_by_hand(pg_url: str, event: Event) -> None:
    with open_store(pg_url) as store:
        book = store.book(event)
        held = book.add(synthetic_applicants(1, seed=11, event=event)[0])
        book.transition(held.id, "waitlisted", at=AT)
        store.queue_message(
            event.id, message_id="<m1@example.org>", recipient="a@example.org",
            kind="decision", data=b"...", at=AT,
        )  # fmt: skip
        with psycopg.connect(pg_url, autocommit=True) as db:
            db.execute("UPDATE registrations SET status = 'selected'")
            db.execute("UPDATE messages SET state = 'lost'")
        assert store.integrity() == [
            (
                f"registration {held.id} of {event.id} has status 'selected' but its history "
                "ends in 'waitlisted'"
            ),
            f"message <m1@example.org> of {event.id} has no known state ('lost')",
        ]


def test_a_registration_of_another_event_is_refused(pg_url: str, event: Event) -> None:
    other = synthetic_applicants(1, seed=11, event=attrs.evolve(event, id="another-event"))[0]
    with open_store(pg_url) as store:
        store.put_event(event, at=AT)
        backend = store.backend(event.id)
        (refused,) = backend.hold_many([other], on_duplicate="reject", by="import")
        assert isinstance(refused, InvalidValue)
        assert refused.field == "event_id"
        assert len(backend) == 0
