"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.interop.readers import RADICALE, RadicaleClient, radicale_server, require


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
