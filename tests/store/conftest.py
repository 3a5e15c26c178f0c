"""The backends every store test runs on: one fixture parameter per backend.

A new backend is one more parameter of :func:`store_url` (and of :func:`backend_kind` if a
book can live in it). PostgreSQL comes from the ``pg_url`` fixture (engineer pgcli's: it
skips with the reason when no server runs, and fails under CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ran_events.examples import webinar
from ran_events.intake import BookBackend, MemoryBackend
from ran_events.models import Event
from ran_events.store import Store, open_store

STORES = ("sqlite", "postgresql")
"""The kinds of store (the conformance suite runs on each)."""


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite store file (not created yet)."""
    return str(tmp_path / "ran.sqlite")


def url_of(request: pytest.FixtureRequest, kind: str) -> str:
    """Where a fresh store of ``kind`` is opened."""
    if kind == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    try:
        return str(request.getfixturevalue("pg_url"))
    except pytest.FixtureLookupError:
        pytest.skip("PostgreSQL: no pg_url fixture in this tree (the PostgreSQL store's tests)")


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest) -> str:
    """Where a fresh store of each kind is opened."""
    return url_of(request, request.param)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store of each kind, closed afterwards."""
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def event() -> Event:
    """The webinar of 20 September 2023 (window 11 August - 6 September)."""
    return webinar()


@pytest.fixture(params=("memory", *STORES))
def backend(request: pytest.FixtureRequest, event: Event) -> Iterator[BookBackend]:
    """A fresh book backend of the webinar: in memory, and in each kind of store."""
    if request.param == "memory":
        yield MemoryBackend()
        return
    with open_store(url_of(request, request.param)) as opened:
        opened.put_event(event, at=event.registration.opens)
        yield opened.backend(event.id)
