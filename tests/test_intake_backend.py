"""The book's backend: atomic holds and compare-and-set status changes, shared by threads."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import sys
import threading
from collections.abc import Iterator

import pytest

from ran_events.errors import ConcurrentChange, DuplicateRegistration, InvalidValue
from ran_events.examples import webinar
from ran_events.intake import BookBackend, MemoryBackend, RegistrationBook
from ran_events.models import Event, Registrant, Registration, RegistrationStatus

UTC = dt.UTC
IN_WINDOW = dt.datetime(2023, 8, 20, 8, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def event() -> Event:
    return webinar()


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch every microsecond, so that a missing lock shows within a few trials."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def application(event: Event, minute: int, email: str = "anna@example.org") -> Registration:
    return Registration(
        id=f"r-{minute}",
        event_id=event.id,
        registrant=Registrant(name=f"Anna {minute}", email=email, role="police"),
        submitted_at=IN_WINDOW + dt.timedelta(minutes=minute),
        answers={"motivation": "to learn", "experience": 3, "casework": True, "gender": "female"},
    )


@pytest.mark.usefixtures("fast_switching")
def test_eight_threads_replacing_one_address_always_keep_the_latest_application(
    event: Event,
) -> None:
    threads = 8
    for trial in range(500):
        book = RegistrationBook(event=event, on_duplicate="replace")
        start = threading.Barrier(threads)
        # each thread its own time; the order they run in differs from trial to trial
        minutes = [(trial * 3 + 5 * k) % threads for k in range(threads)]

        def register(
            minute: int, book: RegistrationBook = book, start: threading.Barrier = start
        ) -> None:
            start.wait()
            book.add(application(event, minute), by=f"thread {minute}")

        workers = [threading.Thread(target=register, args=(m,)) for m in minutes]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(book) == 1, trial
        kept = book.find("anna@example.org")
        assert kept is not None
        assert kept.submitted_at == IN_WINDOW + dt.timedelta(minutes=threads - 1), trial
        assert len(kept.history) == threads - 1, trial  # every replaced one named, once


def test_the_memory_backend_is_a_book_backend_and_the_default() -> None:
    backend = MemoryBackend()
    assert isinstance(backend, BookBackend)
    assert isinstance(RegistrationBook(event=webinar()).backend, MemoryBackend)
    assert repr(backend) == "MemoryBackend(0 registration(s))"


def test_a_status_change_is_a_compare_and_set(event: Event) -> None:
    backend = MemoryBackend()
    book = RegistrationBook(event=event, backend=backend)
    held = book.add(application(event, 1))
    at = IN_WINDOW + dt.timedelta(days=20)
    stale = held.transition("selected", at=at)
    book.transition(held.id, "waitlisted", at=at, reason="position 1")
    with pytest.raises(ConcurrentChange) as caught:
        backend.replace_status(held.id, stale, expected=RegistrationStatus.SUBMITTED)
    assert (caught.value.expected, caught.value.actual) == ("submitted", "waitlisted")
    assert isinstance(caught.value, RuntimeError)
    assert held.id in str(caught.value)
    assert book.get(held.id).status is RegistrationStatus.WAITLISTED


def test_hold_many_answers_per_item_and_drops_none(event: Event) -> None:
    backend = MemoryBackend()
    first = application(event, 1)
    again = application(event, 2)
    stolen_id = application(event, 3, email="bert@example.org")
    stolen_id = Registration(
        id=first.id,
        event_id=event.id,
        registrant=stolen_id.registrant,
        submitted_at=stolen_id.submitted_at,
    )
    results = backend.hold_many([first, again, stolen_id], on_duplicate="reject", by="test")
    assert results[0] == first
    assert isinstance(results[1], DuplicateRegistration)
    assert isinstance(results[2], InvalidValue)
    assert results[2].field == "id"
    assert list(backend) == [first]
    assert first.id in backend
    book = RegistrationBook(event=event, backend=backend)
    assert first.id in book
    assert "r-none" not in book
    assert 42 not in book  # only a text can be an id


def test_a_replaced_application_is_appended_to_the_held_history(event: Event) -> None:
    """The kept history is the held one, then the replacement: a store can only append."""
    book = RegistrationBook(event=event, on_duplicate="replace")
    book.add(application(event, 5))
    book.add(application(event, 9))
    kept = book.add(application(event, 7))  # older than the one held: the held one stays
    assert kept.submitted_at == IN_WINDOW + dt.timedelta(minutes=9)
    assert [c.reason.split(" submitted")[0] for c in kept.history] == [
        "replaces the application r-5",
        "replaces the application r-7",
    ]


def test_a_book_still_compares_copies_and_pickles_by_its_registrations(event: Event) -> None:
    """The lock is not part of a book's value: equal books are equal, copies are books."""
    one, two = RegistrationBook(event=event), RegistrationBook(event=event)
    for book in (one, two):
        book.add(application(event, 1))
    assert one == two
    copied = copy.deepcopy(one)
    assert pickle.loads(pickle.dumps(one)) == one == copied
    copied.add(application(event, 2, email="bert@example.org"))  # with a lock of its own
    assert (len(copied), len(one)) == (2, 1)
    assert copied != one
