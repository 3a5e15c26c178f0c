"""The pytest plugin of the testing kit: fixtures for policy tests.

Registered through the ``pytest11`` entry point, so any test suite run where ran-events is
installed has:

* ``webinar_event``: the example webinar (:func:`ran_events.examples.webinar`);
* ``applicant_pool``: a feasible pool of 200 applications to ``webinar_event`` (override
  the fixture ``webinar_event`` to get a pool for your event), the same on every run.
  ``@pytest.mark.applicant_pool(size=500, seed=7, skew=3.0)`` changes its size, seed and
  any other argument of :func:`~ran_events.testing.feasible_pool`.
"""

from __future__ import annotations

import pytest

from ran_events.examples import webinar
from ran_events.models import Event, Registration
from ran_events.testing._pools import feasible_pool

__all__ = ["POOL_SEED", "POOL_SIZE", "applicant_pool", "webinar_event"]

POOL_SIZE = 200
"""The size of ``applicant_pool`` unless its marker says else."""

POOL_SEED = 2023
"""The seed of ``applicant_pool`` unless its marker says else."""


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``applicant_pool`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        "applicant_pool(size=200, seed=2023, **options): the applicant_pool fixture's "
        "arguments to ran_events.testing.feasible_pool",
    )


@pytest.fixture
def webinar_event() -> Event:
    """The example webinar of 20 September 2023 (30 places, quotas on role, 2 per
    organisation, a lottery)."""
    return webinar()


@pytest.fixture
def applicant_pool(request: pytest.FixtureRequest, webinar_event: Event) -> list[Registration]:
    """A pool of applications to ``webinar_event`` that can fill its places."""
    marker = request.node.get_closest_marker("applicant_pool")
    options = dict(marker.kwargs) if marker is not None else {}
    size = options.pop("size", POOL_SIZE)
    seed = options.pop("seed", POOL_SEED)
    return feasible_pool(webinar_event, size, seed=seed, **options)
