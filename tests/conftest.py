"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from tests.interop.readers import RADICALE, RadicaleClient, radicale_server, require

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
