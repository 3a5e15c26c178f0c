"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from tests.interop.readers import RADICALE, RadicaleClient, radicale_server, require
from tests.pg import fresh_database

from ran_events import examples
from ran_events.models import Event, Registration
from ran_events.selection import FairDraw, FairLotteryPolicy

# Speed is measured in benchmarks/, never in tests: no per-example deadline, so a loaded
# machine cannot turn a property into a flaky failure. The same for the slow-data check.
settings.register_profile(
    "ran_events",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    # Under CI the examples are the same on every run (a red run must be reproducible and
    # must not depend on luck); locally each run explores new ones.
    derandomize=os.environ.get("CI") == "true",
)
settings.load_profile("ran_events")


@pytest.fixture
def radicale() -> Iterator[RadicaleClient]:
    """A fresh Radicale CalDAV server on 127.0.0.1 with an empty ``cal/`` calendar.

    One server per test: Radicale (through vobject) keeps the first VTIMEZONE it saw for a TZID
    for the life of its process, so sharing a server would let one test's zone leak into another.
    Skips when Radicale is missing, fails instead when ``CI=true``.
    """
    require(RADICALE)
    with radicale_server() as client:
        yield client


@pytest.fixture
def webinar() -> Event:
    """The example event: the 20 September 2023 webinar (two sessions, online)."""
    return examples.webinar()


@pytest.fixture
def selected() -> Registration:
    """A selected registration for the webinar."""
    return attrs.evolve(examples.synthetic_applicants(1, seed=7)[0], status="selected")


# ------------------------------------------------------------------------------------------
# PostgreSQL (PostgresStore): the server of scripts/postgres.sh, named by RAN_EVENTS_TEST_PG

PG_ENV = "RAN_EVENTS_TEST_PG"
"""The environment variable holding the URL of the PostgreSQL server the tests may use."""


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The URL of the test server (``RAN_EVENTS_TEST_PG``).

    Skips with the reason when it is not set, fails instead when ``CI=true`` (CI starts the
    server with scripts/postgres.sh; a missing server must not pass as a skip).
    """
    url = os.environ.get(PG_ENV, "")
    if not url:
        reason = (
            f"{PG_ENV} is not set: start a server with "
            f"`export {PG_ENV}=$(scripts/postgres.sh start)` to run the PostgreSQL tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped after the test."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new store is opened: a SQLite file, and a PostgreSQL database (``pg_url``)."""
    if request.param == "sqlite":
        return str(tmp_path / "ran.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def stopped_fair_lottery(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """Make every fair-lottery distribution say a time limit stopped it after 2 levels.

    Returns the list to which each distribution appends the policy's ``time_limit``.
    """
    seen: list[float | None] = []
    original = FairLotteryPolicy.distribution

    def stopped(self: FairLotteryPolicy, *args: Any, **kwargs: Any) -> FairDraw:
        seen.append(self.time_limit)
        draw = original(self, *args, **kwargs)
        return attrs.evolve(draw, objective="leximin (stopped at the time limit after 2 levels)")

    monkeypatch.setattr(FairLotteryPolicy, "distribution", stopped)
    return seen
