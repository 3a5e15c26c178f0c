"""The command on a store: ``--db`` for applications and select; status, erase, purge.

Every test runs on a SQLite file and on a PostgreSQL database (``pg_url``: skipped without a
server, failed under CI).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.test_cli_applications import run

from ran_events import eventfile
from ran_events.cli import COMMANDS
from ran_events.errors import DuplicateRegistration
from ran_events.examples import synthetic_applicants, webinar
from ran_events.intake import RegistrationBook, csv_text
from ran_events.models import Registration, RegistrationStatus
from ran_events.selection import read_record, record_from_text, replay
from ran_events.store import open_store

AFTER = "2023-09-07T10:00+02:00"
"""A time after the webinar's registration deadline."""


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    """The webinar's event file."""
    path = tmp_path / "event.toml"
    eventfile.dump(webinar(), path)
    return path


@pytest.fixture
def pool_file(tmp_path: Path) -> Path:
    """60 applications to the webinar (those of the file form's tests)."""
    path = tmp_path / "applications.csv"
    path.write_text(csv_text(synthetic_applicants(60, seed=4)), encoding="utf-8")
    return path


@pytest.fixture
def db(store_location: str) -> str:
    """A new store of each kind (a SQLite file, a PostgreSQL database)."""
    return store_location


def stored(db: str) -> dict[str, RegistrationStatus]:
    with open_store(db) as store:
        return {r.id: r.status for r in store.backend(webinar().id)}


def test_the_store_commands_are_registered() -> None:
    assert {"status", "erase", "purge"} <= set(COMMANDS)


def test_applications_are_stored_once(db: str, event_file: Path, pool_file: Path) -> None:
    status, out, err = run("applications", str(event_file), str(pool_file), "--db", db)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith("Stored 60 new application(s) in ")
    assert "secret" not in out
    assert len(stored(db)) == 60
    status, out, err = run("applications", str(event_file), str(pool_file), "--db", db)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith("Nothing new: all 60 application(s) were stored")
    with open_store(db) as store:
        assert all(r.history == () for r in store.backend(webinar().id))


def test_new_rows_are_added_to_what_is_stored(
    db: str, event_file: Path, pool_file: Path, tmp_path: Path
) -> None:
    more = tmp_path / "more.csv"
    pool = synthetic_applicants(70, seed=4)
    more.write_text(csv_text(pool), encoding="utf-8")
    pool_file.write_text(csv_text(pool[:50]), encoding="utf-8")
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    status, out, _ = run("applications", str(event_file), str(more), "--db", db)
    assert status == 0
    expected = f"Stored 20 new application(s) in {db}; 50 stored already"
    assert out.splitlines()[-1] == expected
    assert len(stored(db)) == 70


def test_a_rerun_keeping_the_latest_adds_no_history(
    db: str, event_file: Path, pool_file: Path
) -> None:
    lines = pool_file.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    later = [*first]
    later[0], later[3] = "later", "2023-09-06T23:00:00+02:00"
    pool_file.write_text("\n".join([*lines, ",".join(later)]) + "\n", encoding="utf-8")
    args = ("applications", str(event_file), str(pool_file), "--db", db, "--keep-latest")
    status, out, _ = run(*args)
    assert status == 0
    assert "Stored 60 new application(s)" in out
    with open_store(db) as store:
        kept = store.backend(webinar().id).get("later")
    assert len(kept.history) == 1  # it replaced the first application
    status, out, _ = run(*args)
    assert (status, out.splitlines()[-1][:12]) == (0, "Nothing new:")
    with open_store(db) as store:
        assert store.backend(webinar().id).get("later").history == kept.history


def test_the_store_may_come_from_the_environment(
    db: str, event_file: Path, pool_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAN_EVENTS_DB", db)
    assert run("applications", str(event_file), str(pool_file))[0] == 0
    assert len(stored(db)) == 60
    status, out, _ = run("status", str(event_file), "--now", AFTER)
    assert status == 0
    assert "60 registration(s)" in out.splitlines()[0]


def test_select_from_the_store_keeps_the_record_and_the_decisions(
    db: str, event_file: Path, pool_file: Path, tmp_path: Path
) -> None:
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    record = tmp_path / "record.json"
    status, out, err = run(
        "select", str(event_file), "--db", db, "--seed", "7", "--now", AFTER,
        "--record", str(record),
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith("stored selection #1 and 60 decisions in ")
    written = read_record(record)
    with open_store(db) as store:
        (kept,) = store.selections(webinar().id)
        registrations = list(store.backend(webinar().id))
        history = registrations[0].history[-1]
    assert (kept.seed, kept.policy) == (7, "lottery")
    assert record_from_text(kept.record_json) == written
    assert history.by == "ran-events select"
    assert history.reason.startswith(history.to_status.value)
    # the stored record replays on the registrations as they were before its decisions
    before = [
        attrs.evolve(r, status=r.history[-1].from_status, history=r.history[:-1])
        for r in registrations
    ]
    replayed = replay(record_from_text(kept.record_json), before)
    decided = {d.registration_id: d.outcome.value for d in replayed.decisions}
    assert {k: v.value for k, v in stored(db).items()} == decided
    status, _, err = run("select", str(event_file), "--db", db, "--seed", "7", "--now", AFTER)
    assert status == 1
    assert "nothing to select for ran-mh-pcve-2023: all 60 registration(s) are decided" in err


def test_select_needs_applications_or_a_store_not_both(
    event_file: Path, pool_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAN_EVENTS_DB", raising=False)
    db = str(tmp_path / "ran.sqlite")
    status, _, err = run("select", str(event_file), str(pool_file), "--db", db, "--now", AFTER)
    assert (status, err) == (2, "ran-events select: give APPLICATIONS or --db, not both\n")
    status, _, err = run("select", str(event_file), "--now", AFTER)
    assert status == 2
    assert "give APPLICATIONS, or --db PATH_OR_URL (or set $RAN_EVENTS_DB)" in err
    # the file form ignores $RAN_EVENTS_DB: it selects from the file, as before
    monkeypatch.setenv("RAN_EVENTS_DB", db)
    status, out, _ = run("select", str(event_file), str(pool_file), "--now", AFTER)
    assert status == 0
    assert "stored selection" not in out
    assert not Path(db).exists()


def test_select_from_an_empty_store_says_so(db: str, event_file: Path) -> None:
    with open_store(db) as store:
        store.put_event(webinar(), at=dt.datetime(2023, 8, 11, tzinfo=dt.UTC))
    status, _, err = run("select", str(event_file), "--db", db, "--now", AFTER)
    assert status == 1
    assert "nothing to select for ran-mh-pcve-2023: none" in err


def test_status_counts_per_status_quota_and_open_offers(
    db: str, event_file: Path, pool_file: Path
) -> None:
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    assert run("select", str(event_file), "--db", db, "--now", AFTER)[0] == 0
    statuses = stored(db)
    waiting = next(k for k, v in statuses.items() if v is RegistrationStatus.WAITLISTED)
    now = dt.datetime.fromisoformat(AFTER)
    with open_store(db) as store:
        offer = store.add_offer(webinar().id, waiting, at=now, deadline=now + dt.timedelta(days=2))
    status, out, err = run("status", "ran-mh-pcve-2023", "--db", db, "--now", AFTER, "--json")
    assert (status, err) == (0, "")
    shown = json.loads(out)
    counted = {s.value: list(statuses.values()).count(s) for s in set(statuses.values())}
    assert shown["registrations"] == 60
    assert shown["by_status"] == dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    roles = shown["by_attribute"]["role"]
    assert sum(sum(counts.values()) for counts in roles.values()) == 60
    assert shown["open_offers"] == [
        {
            "id": offer.id,
            "registration_id": waiting,
            "offered_at": offer.at.isoformat(),
            "deadline": offer.deadline.isoformat(),
        }
    ]
    assert [s["id"] for s in shown["selections"]] == [1]
    status, out, _ = run("status", str(event_file), "--db", db, "--now", AFTER)
    assert f"    #{offer.id} {waiting} until {offer.deadline.isoformat()}" in out.splitlines()
    status, out, _ = run("status", str(event_file), "--db", db, "--now", "2023-09-10T10:00Z")
    assert status == 0
    assert out.splitlines()[1] == "  by status: " + ", ".join(
        f"{k} {v}" for k, v in shown["by_status"].items()
    )
    assert "  by role:" in out
    assert "open offers at 2023-09-10T10:00:00+00:00: none" in out


def test_status_of_an_event_the_store_lacks(db: str, event_file: Path) -> None:
    status, _, err = run("status", "no-such-event", "--db", db)
    assert status == 1
    assert "no-such-event: the store holds no event 'no-such-event' (events held: none)" in err


def test_erase_by_address_keeps_a_tombstone(db: str, event_file: Path, pool_file: Path) -> None:
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    person = synthetic_applicants(60, seed=4)[3]
    spelled = person.registrant.email.upper()
    status, out, err = run(
        "erase", str(event_file), spelled, "--db", db, "--now", AFTER, "--by", "dpo"
    )
    assert (status, err) == (0, "")
    assert out.startswith(f"erased the personal data of registration {person.id}")
    with open_store(db) as store:
        tombstone = store.backend(webinar().id).get(person.id)
        (entry,) = [a for a in store.audit(webinar().id) if a.action == "erase"]
    assert person.registrant.name not in tombstone.registrant.name
    assert tombstone.history[-1].reason == "personal data erased"
    assert (entry.subject, entry.by) == (person.id, "dpo")
    status, _, err = run("erase", str(event_file), spelled, "--db", db)
    assert status == 1
    assert err.startswith("ran-events erase: EMAIL: ")
    assert "holds no registration of this address for ran-mh-pcve-2023" in err
    status, _, err = run("erase", str(event_file), "not-an-address", "--db", db)
    assert status == 1
    assert "EMAIL: email: 'not-an-address' is not valid" in err


def test_purge_applies_the_retention_period(db: str, event_file: Path, pool_file: Path) -> None:
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    args = ("purge", str(event_file), "--db", db, "--older-than")
    status, out, _ = run(*args, "365d", "--now", "2024-01-01T00:00Z")
    expected = (
        "purged 0 registration(s) of ran-mh-pcve-2023 last changed before "
        "2023-01-01T00:00:00+00:00\n"
    )
    assert (status, out) == (0, expected)
    status, out, _ = run(*args, "52w", "--now", "2025-01-01T00:00Z")
    assert (status, out.split(" of ")[0]) == (0, "purged 60 registration(s)")
    with open_store(db) as store:
        held = list(store.backend("ran-mh-pcve-2023"))
    assert all(r.history[-1].reason == "personal data erased" for r in held)
    status, _, err = run(*args, "a year")
    assert status == 1
    assert "--older-than: 'a year' is not a period; give days, weeks or hours" in err


@pytest.mark.parametrize("command", ["status", "erase", "purge"])
def test_the_store_commands_need_a_store(
    command: str, event_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAN_EVENTS_DB", raising=False)
    extra = {"erase": ["a@example.org"], "purge": ["--older-than", "1d"]}.get(command, [])
    status, _, err = run(command, str(event_file), *extra)
    assert status == 2
    assert f"{command} works on a store: give --db PATH_OR_URL or set $RAN_EVENTS_DB" in err
    status, _, err = run(command, str(event_file), *extra, "--db", " ")
    assert (status, err) == (
        2,
        f"ran-events {command}: --db: empty; name a SQLite file or a postgresql:// URL\n",
    )


def test_a_store_that_cannot_be_opened_is_misuse(event_file: Path, pool_file: Path) -> None:
    url = "postgresql://ran:secret@127.0.0.1:1/ran?connect_timeout=2"
    status, _, err = run("applications", str(event_file), str(pool_file), "--db", url)
    assert status == 2
    assert "cannot open the store" in err
    assert "secret" not in err
    status, _, err = run("status", str(event_file), "--db", "/no/such/folder/ran.sqlite")
    assert status == 2
    assert "/no/such/folder/ran.sqlite" in err


def test_a_decision_that_meets_a_concurrent_change_stops_the_rest(
    db: str, event_file: Path, pool_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("applications", str(event_file), str(pool_file), "--db", db)[0] == 0
    transition = RegistrationBook.transition
    calls: list[str] = []

    def another_process_was_first(
        book: RegistrationBook, registration_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        calls.append(registration_id)
        if len(calls) == 3:  # another process withdrew this one meanwhile
            transition(book, registration_id, "withdrawn", at=dt.datetime.fromisoformat(AFTER))
        return transition(book, registration_id, *args, **kwargs)

    monkeypatch.setattr(RegistrationBook, "transition", another_process_was_first)
    status, _, err = run("select", str(event_file), "--db", db, "--now", AFTER)
    assert status == 1
    assert f"registration {calls[2]} changed while selecting (cannot go from 'withdrawn'" in err
    assert "2 of 60 decisions of selection #1 were stored, the rest not" in err
    assert list(stored(db).values()).count(RegistrationStatus.SUBMITTED) == 57


def test_a_book_over_a_rerun_guard_is_the_store_book(db: str) -> None:
    from ran_events._commands.applications import _StoredOnce

    event = webinar()
    first, second = synthetic_applicants(2, seed=4)
    with open_store(db) as store:
        held = store.book(event).add(first)
        guarded = _StoredOnce(store.backend(event.id))
        book = RegistrationBook(event, backend=guarded)
        assert book.add(first) == held  # stored already: answered, nothing written
        assert (guarded.already_stored, guarded.same) == (1, 1)
        added = book.add(second)
        assert (len(book), list(book), book.get(added.id)) == (2, [held, added], added)
        assert book.find(second.registrant.email) == added
        moved = book.transition(held.id, "selected", at=dt.datetime(2023, 9, 7, tzinfo=dt.UTC))
        assert store.backend(event.id).get(held.id) == moved
        another = attrs.evolve(second, submitted_at=second.submitted_at + dt.timedelta(hours=1))
        with pytest.raises(DuplicateRegistration):
            guarded.hold(another, on_duplicate="reject", by="")
