"""The conformance suite every store (and every book backend) passes.

The tests take the fixtures of ``tests/store/conftest.py`` (``store``, ``store_url``,
``backend``), which run them once per backend; ``test_conformance.py`` collects them. The
bodies of the multi-process scenarios (``scenarios.register_from_processes``,
``scenarios.kill_an_import``) take a store URL, so that a backend's own tests and the
benchmark run them too.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import attrs
import pytest
from tests.store.scenarios import (
    BATCH,
    kill_an_import,
    register_from_processes,
    write_applications,
)

from ran_events.errors import (
    ConcurrentChange,
    DuplicateRegistration,
    InvalidValue,
    NaiveDatetimeError,
    TimeRangeError,
    UnknownEvent,
    UnknownRegistration,
)
from ran_events.intake import BookBackend
from ran_events.models import Event, Registrant, Registration, RegistrationStatus
from ran_events.store import Store, open_store

UTC = dt.UTC
IN_WINDOW = dt.datetime(2023, 8, 20, 8, 15, tzinfo=UTC)
AFTER = dt.datetime(2023, 9, 8, 9, 0, tzinfo=UTC)
ANSWERS = {"motivation": "to learn", "experience": 3, "casework": True, "gender": "female"}


def application(
    event: Event,
    n: int,
    *,
    email: str | None = None,
    minute: int = 0,
    name: str = "Anna Peeters",
    organisation: str = "Police BE",
    role: str = "police",
) -> Registration:
    address = email or f"person{n}@example.org"
    return Registration(
        id=f"r{n:06d}" if email is None else f"r{n:06d}-{minute}",
        event_id=event.id,
        registrant=Registrant(
            name=name,
            email=address,
            organisation=organisation,
            role=role,
            country="BE",
            attributes={"seniority": "senior"},
        ),
        submitted_at=IN_WINDOW + dt.timedelta(minutes=minute),
        answers=ANSWERS,
    )


# ------------------------------------------------------------------------------------------
# Every book backend (memory and stores)


def test_a_backend_holds_finds_and_counts(backend: BookBackend, event: Event) -> None:
    first = backend.hold(application(event, 1), on_duplicate="reject", by="")
    backend.hold(application(event, 2), on_duplicate="reject", by="")
    assert backend.get(first.id) == first
    assert backend.find("person1@example.org") == first
    assert backend.find("nobody@example.org") is None
    assert len(backend) == 2
    assert [r.id for r in backend] == ["r000001", "r000002"]
    with pytest.raises(UnknownRegistration):
        backend.get("r-none")


def test_a_backend_rejects_or_keeps_the_latest(backend: BookBackend, event: Event) -> None:
    address = "anna@example.org"
    backend.hold(application(event, 1, email=address, minute=5), on_duplicate="reject", by="")
    with pytest.raises(DuplicateRegistration):
        backend.hold(application(event, 1, email=address, minute=9), on_duplicate="reject", by="")
    kept = backend.hold(
        application(event, 1, email=address, minute=9), on_duplicate="replace", by="clerk"
    )
    older = backend.hold(
        application(event, 1, email=address, minute=7), on_duplicate="replace", by="clerk"
    )
    assert older.submitted_at == kept.submitted_at == IN_WINDOW + dt.timedelta(minutes=9)
    stored = backend.find(address)
    assert stored == older
    assert len(backend) == 1
    assert [c.reason.split(" submitted")[0] for c in stored.history] == [
        "replaces the application r000001-5",
        "replaces the application r000001-7",
    ]
    assert {c.by for c in stored.history} == {"clerk"}


def test_an_id_belongs_to_one_address(backend: BookBackend, event: Event) -> None:
    backend.hold(application(event, 1), on_duplicate="reject", by="")
    thief = attrs.evolve(application(event, 2), id="r000001")
    with pytest.raises(InvalidValue) as caught:
        backend.hold(thief, on_duplicate="replace", by="")
    assert caught.value.field == "id"


def test_hold_many_answers_each_and_drops_none(backend: BookBackend, event: Event) -> None:
    batch = [
        application(event, 1),
        application(event, 2),
        application(event, 1),  # the same address again
        attrs.evolve(application(event, 3), id="r000002"),  # another address's id
    ]
    results = backend.hold_many(batch, on_duplicate="reject", by="import")
    assert results[:2] == batch[:2]
    assert isinstance(results[2], DuplicateRegistration)
    assert isinstance(results[3], InvalidValue)
    assert len(backend) == 2


def test_hold_many_checks_a_batch_against_what_is_held_before_it(
    backend: BookBackend, event: Event
) -> None:
    """A batch is decided against the registrations held before it, also where the batch
    itself replaces or refuses one (a store that writes a new batch without looking its
    addresses up first must still see these)."""
    backend.hold(application(event, 1), on_duplicate="reject", by="")
    backend.hold(application(event, 2), on_duplicate="reject", by="")
    address = "anna@example.org"
    batch = [
        attrs.evolve(application(event, 3, email=address, minute=1), id="r000001"),  # taken
        application(event, 3, email=address, minute=2),  # then the address's own
        application(event, 4, email="bert@example.org", minute=1),
        application(event, 4, email="bert@example.org", minute=3),  # replaces the one above
        application(event, 5),
    ]
    results = backend.hold_many(batch, on_duplicate="replace", by="import")
    assert isinstance(results[0], InvalidValue)
    assert results[0].field == "id"
    assert results[1] == batch[1]
    assert results[1].history == ()  # a new registration: it replaced nothing
    assert [c.reason.split(" submitted")[0] for c in backend.find("bert@example.org").history] == [
        "replaces the application r000004-1"
    ]
    assert results[4] == batch[4]
    assert len(backend) == 5
    held_before = application(event, 2, minute=1)
    (kept, new) = backend.hold_many(
        [held_before, application(event, 6)], on_duplicate="replace", by="import"
    )
    assert backend.find("person2@example.org") == kept != held_before
    assert [c.reason.split(" submitted")[0] for c in kept.history] == [
        "replaces the application r000002"
    ]
    assert new == backend.get("r000006")
    assert len(backend) == 6
    (again,) = backend.hold_many([application(event, 5)], on_duplicate="reject", by="import")
    assert isinstance(again, DuplicateRegistration)
    assert len(backend) == 6


def test_status_changes_compare_and_set(backend: BookBackend, event: Event) -> None:
    held = backend.hold(application(event, 1), on_duplicate="reject", by="")
    selected = held.transition("selected", at=AFTER, reason="lottery rank 1", by="select")
    assert backend.replace_status(held.id, selected, expected=RegistrationStatus.SUBMITTED)
    stale = held.transition("rejected", at=AFTER, by="someone else")
    with pytest.raises(ConcurrentChange) as caught:
        backend.replace_status(held.id, stale, expected=RegistrationStatus.SUBMITTED)
    assert (caught.value.expected, caught.value.actual) == ("submitted", "selected")
    assert backend.get(held.id) == selected
    with pytest.raises(UnknownRegistration):
        backend.replace_status("r-none", selected, expected=RegistrationStatus.SUBMITTED)


def test_the_expected_status_may_be_given_by_its_name(backend: BookBackend, event: Event) -> None:
    held = backend.hold(application(event, 1), on_duplicate="reject", by="")
    selected = held.transition("selected", at=AFTER, reason="lottery rank 1", by="select")
    assert backend.replace_status(held.id, selected, expected="submitted") == selected
    with pytest.raises(ConcurrentChange):
        backend.replace_status(held.id, selected, expected="submitted")


# ------------------------------------------------------------------------------------------
# Stores


def test_a_book_in_a_store_outlives_the_store_object(store_url: str, event: Event) -> None:
    with open_store(store_url) as store:
        book = store.book(event, on_duplicate="replace")
        first = book.register(
            Registrant(name="Zoë Ødegård", email="Zoe@Example.org", role="prison"),
            submitted_at=IN_WINDOW,
            answers=ANSWERS,
        )
        book.transition(first.id, "waitlisted", at=AFTER, reason="position 1", by="select")
        book.transition(first.id, "selected", at=AFTER + dt.timedelta(days=1), by="promote")
        held = book.get(first.id)
    with open_store(store_url) as store:
        again = store.book(event)
        assert again.get(first.id) == held
        assert again.find("zoe@example.org") == held
        assert [c.to_status for c in held.history] == [
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.SELECTED,
        ]
        assert held.status is RegistrationStatus.SELECTED
        assert store.event_ids() == [event.id]
        assert store.integrity() == []


def test_history_is_appended_never_rewritten(store: Store, event: Event) -> None:
    backend = _backend(store, event)
    held = backend.hold(application(event, 1), on_duplicate="reject", by="")
    selected = held.transition("selected", at=AFTER)
    rewritten = attrs.evolve(
        selected.transition("confirmed", at=AFTER), history=selected.history[1:]
    )
    backend.replace_status(held.id, selected, expected=RegistrationStatus.SUBMITTED)
    with pytest.raises(ValueError, match="appended"):
        backend.replace_status(held.id, rewritten, expected=RegistrationStatus.SELECTED)
    assert backend.get(held.id) == selected  # the refused change left nothing behind


def test_two_store_objects_race_on_a_status_change(store_url: str, event: Event) -> None:
    with open_store(store_url) as one, open_store(store_url) as two:
        held = one.book(event).add(application(event, 1))
        book_one, book_two = one.book(event), two.book(event)
        seen = book_two.get(held.id)  # read by the second before the first writes
        book_one.transition(held.id, "selected", at=AFTER)
        with pytest.raises(ConcurrentChange):
            two.backend(event.id).replace_status(
                held.id, seen.transition("rejected", at=AFTER), expected=seen.status
            )
        assert book_two.get(held.id).status is RegistrationStatus.SELECTED


def test_event_revisions(store: Store, event: Event) -> None:
    assert store.put_event(event, at=IN_WINDOW, source="webinar.toml") == 1
    assert store.put_event(event, at=AFTER) == 1  # the same content: no new revision
    changed = attrs.evolve(event, capacity=event.capacity + 10)
    assert store.put_event(changed, at=AFTER) == 2
    assert store.event(event.id) == changed
    assert store.event(event.id, revision=1) == event
    with pytest.raises(UnknownEvent) as caught:
        store.event(event.id, revision=3)
    assert isinstance(caught.value, LookupError)
    with pytest.raises(UnknownEvent, match="events held"):
        store.event("no-such-event")
    with pytest.raises(UnknownEvent):
        store.backend("no-such-event")


def test_selection_records_are_kept_as_given(store: Store, event: Event) -> None:
    store.put_event(event, at=IN_WINDOW)
    first = store.add_selection(event.id, '{"a": 1}', at=AFTER, seed=2023, policy="lottery")
    second = store.add_selection(event.id, "{}", at=AFTER, seed=None, policy="first-come")
    kept = store.selections(event.id)
    assert [s.id for s in kept] == [first, second]
    assert (kept[0].record_json, kept[0].seed, kept[0].policy) == ('{"a": 1}', 2023, "lottery")
    assert kept[1].seed is None
    assert kept[0].at == AFTER


def test_assignments_are_versioned_and_the_older_kept(store: Store, event: Event) -> None:
    from ran_events.groups import AssignmentRow

    book = store.book(event)
    ids = [book.add(application(event, n)).id for n in range(3)]
    first = [
        AssignmentRow(registration_id=ids[0], group="1", session_id="breakout-1", reason="a"),
        AssignmentRow(registration_id=ids[1], group="1", session_id="breakout-1", reason="b"),
        AssignmentRow(registration_id=ids[2], group="2", reason="c"),
    ]
    assert store.assignments(event.id) == []
    assert store.put_assignments(event.id, "groups", first, at=AFTER, by="organiser") == 1
    kept = store.assignments(event.id)
    assert [(a.registration_id, a.group, a.session_id, a.reason) for a in kept] == [
        (r.registration_id, r.group, r.session_id, r.reason) for r in first
    ]
    assert {(a.kind, a.version, a.at, a.by) for a in kept} == {("groups", 1, AFTER, "organiser")}
    later = AFTER + dt.timedelta(hours=1)
    assert store.put_assignments(event.id, "groups", first, at=later) == 1  # the same: no new
    assert store.assignments(event.id) == kept
    moved = [attrs.evolve(first[1], group="2", session_id=""), first[0], first[2]]
    assert store.put_assignments(event.id, "groups", moved, at=later) == 2
    assert [(a.registration_id, a.group, a.version) for a in store.assignments(event.id)] == [
        (ids[1], "2", 2),
        (ids[0], "1", 2),
        (ids[2], "2", 2),
    ]
    assert store.assignments(event.id, "groups", version=1) == kept  # the older is kept
    assert store.put_assignments(event.id, "groups", first, at=later) == 3  # back: a new one
    workshop = [AssignmentRow(registration_id=ids[2], group="slot-1", session_id="w-2")]
    assert store.put_assignments(event.id, "workshops", workshop, at=later) == 1
    assert [(a.kind, a.version) for a in store.assignments(event.id)] == [
        ("groups", 3),
        ("groups", 3),
        ("groups", 3),
        ("workshops", 1),
    ]
    (only,) = store.assignments(event.id, "workshops")
    assert (only.registration_id, only.session_id, only.reason) == (ids[2], "w-2", "")
    store.erase(event.id, ids[2], at=later, by="dpo")  # an erasure keeps the ids placed
    assert store.assignments(event.id, "workshops") == [only]
    assert store.put_assignments(event.id, "workshops", [], at=later) == 2  # all withdrawn
    assert store.assignments(event.id, "workshops") == []
    assert store.integrity() == []


def test_assignments_refuse_what_is_not_the_events(store: Store, event: Event) -> None:
    from ran_events.groups import AssignmentRow

    book = store.book(event)
    held = book.add(application(event, 1))
    stranger = AssignmentRow(registration_id="r-none", group="1")
    with pytest.raises(UnknownRegistration, match="r-none"):
        store.put_assignments(event.id, "groups", [stranger], at=AFTER)
    with pytest.raises(InvalidValue) as caught:
        store.put_assignments(
            event.id, "rooms", [AssignmentRow(registration_id=held.id, group="1")], at=AFTER
        )
    assert caught.value.field == "kind"
    with pytest.raises(UnknownEvent):
        store.put_assignments("no-such-event", "groups", [], at=AFTER)
    with pytest.raises(NaiveDatetimeError):
        store.put_assignments(event.id, "groups", [], at=AFTER.replace(tzinfo=None))
    with pytest.raises(InvalidValue):
        store.assignments(event.id, "rooms")
    with pytest.raises(InvalidValue):
        store.assignments(event.id, version=1)
    assert store.assignments(event.id) == []  # nothing was stored


def test_offers_open_close_and_expire(store: Store, event: Event) -> None:
    held = store.book(event).add(application(event, 1))
    offer = store.add_offer(
        event.id, held.id, at=AFTER, deadline=AFTER + dt.timedelta(days=2), source="promote"
    )
    assert offer.is_open(AFTER)
    assert store.offers(event.id, open_at=AFTER + dt.timedelta(days=1)) == [offer]
    assert store.offers(event.id, open_at=AFTER + dt.timedelta(days=3)) == []
    closed = store.close_offer(offer.id, at=AFTER + dt.timedelta(hours=5), outcome="accepted")
    assert (closed.outcome, closed.closed_at) == ("accepted", AFTER + dt.timedelta(hours=5))
    assert store.offers(event.id) == [closed]
    with pytest.raises(InvalidValue, match="open offer"):
        store.close_offer(offer.id, at=AFTER, outcome="declined")
    with pytest.raises(InvalidValue, match="accepted or declined"):
        store.close_offer(offer.id, at=AFTER, outcome="maybe")
    with pytest.raises(InvalidValue):
        store.close_offer(9999, at=AFTER, outcome="declined")
    with pytest.raises(UnknownRegistration):
        store.add_offer(event.id, "r-none", at=AFTER, deadline=AFTER + dt.timedelta(days=1))
    with pytest.raises(TimeRangeError):
        store.add_offer(event.id, held.id, at=AFTER, deadline=AFTER)
    with pytest.raises(NaiveDatetimeError):
        store.add_offer(event.id, held.id, at=AFTER.replace(tzinfo=None), deadline=AFTER)


def test_the_message_log_is_idempotent_by_message_id(store: Store, event: Event) -> None:
    store.put_event(event, at=IN_WINDOW)
    first = store.queue_message(
        event.id,
        message_id="<1@ran.example.org>",
        recipient="anna@example.org",
        kind="invitation",
        data=b"Subject: hi\r\n\r\nbody",
        at=AFTER,
        registration_id="r1",
        uid="uid-1",
        sequence=0,
    )
    again = store.queue_message(
        event.id,
        message_id="<1@ran.example.org>",
        recipient="other@example.org",
        kind="decision",
        data=b"other",
        at=AFTER + dt.timedelta(hours=1),
    )
    assert again == first
    assert "anna" not in repr(first)  # a recipient is personal data
    assert [m.message_id for m in store.messages(event.id)] == ["<1@ran.example.org>"]
    store.mark_failed("<1@ran.example.org>", at=AFTER, error="421 try later", permanent=False)
    (retry,) = store.messages(event.id, state="queued")
    assert (retry.attempts, retry.last_error) == (1, "421 try later")
    store.mark_sent("<1@ran.example.org>", at=AFTER + dt.timedelta(minutes=5))
    store.mark_sent("<1@ran.example.org>", at=AFTER + dt.timedelta(minutes=9))  # no change
    (sent,) = store.messages(event.id, state="sent")
    assert sent.sent_at == AFTER + dt.timedelta(minutes=5)
    store.mark_failed("<1@ran.example.org>", at=AFTER, error="late bounce", permanent=True)
    assert store.messages(event.id, state="sent") == [sent]  # a sent message stays sent
    store.queue_message(
        event.id, message_id="<2@x>", recipient="b@example.org", kind="k", data=b"", at=AFTER
    )
    store.mark_failed("<2@x>", at=AFTER, error="550 no such user", permanent=True)
    assert [m.message_id for m in store.messages(event.id, state="failed")] == ["<2@x>"]
    with pytest.raises(InvalidValue):
        store.mark_sent("<none@x>", at=AFTER)
    with pytest.raises(InvalidValue):
        store.messages(event.id, state="lost")


def test_erase_keeps_a_pseudonymous_tombstone(store: Store, event: Event) -> None:
    book = store.book(event)
    held = book.add(application(event, 1, name="Anna Peeters"))
    book.transition(held.id, "selected", at=AFTER, reason="lottery rank 1")
    erased = store.erase(event.id, held.id, at=AFTER + dt.timedelta(days=1), by="dpo")
    assert erased == book.get(held.id)
    assert erased.id == held.id
    assert erased.status is RegistrationStatus.SELECTED
    person = erased.registrant
    assert "Anna" not in person.name
    assert person.email.endswith("@pseudonymised.example.org")
    assert (person.role, person.country) == ("police", "BE")  # quotas read them
    assert person.organisation == "Police BE"  # the webinar caps organisations
    assert person.attributes == {}
    assert erased.answers == {}  # no rule reads the answers
    assert [c.reason for c in erased.history][-1] == "personal data erased"
    assert erased.history[:-1] == book.get(held.id).history[:-1]
    assert book.find("person1@example.org") is None
    assert store.erase(event.id, held.id, at=AFTER) == erased  # once is enough
    (entry,) = [a for a in store.audit(event.id) if a.action == "erase"]
    assert (entry.subject, entry.by, entry.event_id) == (held.id, "dpo", event.id)
    book.add(application(event, 1, email="person1@example.org", minute=1))  # may apply again
    assert store.integrity() == []
    with pytest.raises(UnknownRegistration):
        store.erase(event.id, "r-none", at=AFTER)


def test_a_selection_decides_the_same_after_erasure(store: Store, event: Event) -> None:
    from ran_events.selection import record_text, select

    book = store.book(event)
    for n in range(60):
        book.add(
            application(
                event,
                n,
                role=("police", "prison", "youth")[n % 3],
                organisation=f"Org {n % 25}",
            )
        )
    before = select(event, book.registrations, now=AFTER, seed=2023)
    store.add_selection(
        event.id, record_text(before.record), at=AFTER, seed=2023, policy="lottery"
    )
    for n in range(0, 60, 4):
        store.erase(event.id, f"r{n:06d}", at=AFTER)
    after = select(event, book.registrations, now=AFTER, seed=2023)
    assert [(d.registration_id, d.outcome) for d in after.decisions] == [
        (d.registration_id, d.outcome) for d in before.decisions
    ]
    assert store.selections(event.id)[0].record_json == record_text(before.record)


def test_purge_erases_what_is_older_than_the_retention(store: Store, event: Event) -> None:
    book = store.book(event)
    old = book.add(application(event, 1))
    recent = book.add(application(event, 2))
    book.transition(recent.id, "selected", at=AFTER + dt.timedelta(days=300))
    now = AFTER + dt.timedelta(days=400)
    assert store.purge(event.id, older_than=dt.timedelta(days=365), now=now, by="cron") == [old.id]
    assert store.purge(event.id, older_than=dt.timedelta(days=365), now=now) == []
    assert book.get(recent.id).registrant.name == "Anna Peeters"
    actions = [(a.action, a.subject) for a in store.audit(event.id)]
    assert ("erase", old.id) in actions
    assert ("purge", "older than 365 days, 0:00:00") in actions


def test_integrity_names_each_problem(store_url: str, event: Event) -> None:
    if not store_url.endswith(".sqlite"):
        pytest.skip("breaks the file by hand (SQLite)")
    import sqlite3

    with open_store(store_url) as store:
        held = store.book(event).add(application(event, 1))
        store.book(event).transition(held.id, "selected", at=AFTER)
        assert store.integrity() == []
    with sqlite3.connect(store_url) as db:
        db.execute("UPDATE registrations SET status = 'rejected'")
        db.execute("UPDATE registrations SET data = 'not json' WHERE id = ?", (held.id,))
    with open_store(store_url) as store:
        problems = store.integrity()
    assert any("has status 'rejected' but its history ends in 'selected'" in p for p in problems)
    assert any("unreadable data" in p for p in problems)


def test_naive_times_are_refused(store: Store, event: Event) -> None:
    with pytest.raises(NaiveDatetimeError):
        store.put_event(event, at=IN_WINDOW.replace(tzinfo=None))


def test_threads_share_one_store(store: Store, event: Event) -> None:
    book = store.book(event, on_duplicate="replace")
    start = threading.Barrier(8)

    def register(thread: int) -> None:
        start.wait()
        for n in range(25):
            book.add(application(event, n, email=f"p{n}@example.org", minute=thread))

    workers = [threading.Thread(target=register, args=(t,)) for t in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(book) == 25
    assert {r.submitted_at for r in book} == {IN_WINDOW + dt.timedelta(minutes=7)}
    assert store.integrity() == []


def _backend(store: Store, event: Event) -> BookBackend:
    store.put_event(event, at=IN_WINDOW)
    return store.backend(event.id)


# ------------------------------------------------------------------------------------------
# Several processes (the bodies are in scenarios.py, taking a store URL)


def test_eight_processes_keep_one_registration_per_address_the_latest(store_url: str) -> None:
    outcome = register_from_processes(store_url, processes=8, per_process=120)
    assert outcome.problems == ()
    assert outcome.held == 8 * 108 + 12


@pytest.mark.slow
def test_a_killed_import_leaves_whole_transactions_and_completes_on_rerun(
    store_url: str, tmp_path: Path
) -> None:
    rows = 100_000
    applications = tmp_path / "applications.csv"
    write_applications(applications, rows)
    outcome = kill_an_import(store_url, applications, rows=rows, seed=13)
    assert outcome.killed_midway
    assert 0 < outcome.held_after_kill < rows
    assert outcome.problems_after_kill == ()
    assert outcome.held_after_kill % BATCH == 0  # none or all of each transaction's rows
    assert outcome.held_after_rerun == rows  # what a clean run holds: every row distinct


def test_one_batch_may_replace_its_own_rows(backend: BookBackend, event: Event) -> None:
    """A file with two applications of one address: the later is held, naming the other,
    and the history reads back the same from the backend."""
    address = "anna@example.org"
    first = application(event, 1, email=address, minute=5)
    later = application(event, 1, email=address, minute=9)
    results = backend.hold_many([first, later], on_duplicate="replace", by="import")
    assert results[0] == first
    kept = results[1]
    assert isinstance(kept, Registration)
    assert kept.submitted_at == later.submitted_at
    assert [c.reason.split(" submitted")[0] for c in kept.history] == [
        "replaces the application r000001-5"
    ]
    assert backend.get(kept.id) == kept
    assert kept.id in [r.id for r in backend]


def test_a_transaction_keeps_every_change_or_none(store_url: str, event: Event) -> None:
    """Changes made inside ``store.transaction()`` are written together when it ends, and
    none is when it raises; another store object sees them only after the block."""
    with open_store(store_url) as store, open_store(store_url) as other:
        backend = _backend(store, event)
        first = backend.hold(application(event, 1), on_duplicate="reject", by="")
        second = backend.hold(application(event, 2), on_duplicate="reject", by="")
        deadline = AFTER + dt.timedelta(days=2)
        selected = first.transition("selected", at=AFTER)

        def select_then_fail() -> None:
            with store.transaction():
                backend.replace_status(first.id, selected, expected=RegistrationStatus.SUBMITTED)
                store.add_offer(event.id, first.id, at=AFTER, deadline=deadline)
                assert backend.get(first.id) == selected  # the block reads its own changes
                stale = second.transition("rejected", at=AFTER)
                backend.replace_status(second.id, stale, expected=RegistrationStatus.SELECTED)

        with pytest.raises(ConcurrentChange):
            select_then_fail()
        assert backend.get(first.id) == first  # rolled back, the offer too
        assert store.offers(event.id) == []
        with store.transaction():
            backend.replace_status(first.id, selected, expected=RegistrationStatus.SUBMITTED)
            store.add_offer(event.id, first.id, at=AFTER, deadline=deadline)
        assert other.backend(event.id).get(first.id) == selected
        assert [o.registration_id for o in other.offers(event.id)] == [first.id]
