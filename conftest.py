"""Names the docstring examples of ``src/ran_events`` may use without importing them."""

import datetime

import pytest

# The testing kit's fixtures, loaded here (after coverage starts) rather than by its entry
# point, which pyproject.toml's addopts turn off for this suite (-p no:ran_events).
pytest_plugins = ["ran_events.testing.plugin"]


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["datetime"] = datetime


# Run by the system Python (it imports gi for libical), never by pytest: with
# --doctest-modules pytest would import it.
collect_ignore = ["tests/interop/libical_check.py"]
