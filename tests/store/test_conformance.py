"""Runs the conformance suite (tests/store/conformance.py) on every backend of conftest.py."""

from tests.store.conformance import *  # noqa: F403 - the suite's tests, collected here
