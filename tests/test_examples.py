"""Tests of ran_events.examples: the announced webinar and the seeded applicant pool."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys

import pytest

from ran_events import tz
from ran_events.examples import TARGET_GROUPS, synthetic_applicants, webinar
from ran_events.models import Registration, SessionKind

UTC = dt.UTC


def test_the_webinar_has_the_announced_facts() -> None:
    event = webinar()
    assert event.title == "RAN Practitioners Training Webinar: Basics of Mental Health in P/CVE"
    assert event.timezone == "Europe/Brussels"
    assert event.language == "en"
    assert event.online is not None
    assert event.online.platform == "WebEx"
    assert set(event.target_groups) == {"prison", "police", "youth", "social", "community", "exit"}
    assert len(event.target_groups) == 6
    assert (event.start, event.end) == (
        dt.datetime(2023, 9, 20, 12, tzinfo=UTC),
        dt.datetime(2023, 9, 20, 15, tzinfo=UTC),
    )
    assert tz.format_range(event.start, event.end, event.timezone) == (
        "Wed 20 Sep 2023, 14:00\u201317:00 CEST"
    )
    plenary, cases = event.sessions
    assert (plenary.kind, cases.kind) == (SessionKind.PLENARY, SessionKind.BREAKOUT)
    assert plenary.end == cases.start  # plenary, then the breakout
    window = event.registration
    assert window.opens == tz.localize(dt.datetime(2023, 8, 11), "Europe/Brussels")
    assert window.closes == dt.datetime(2023, 9, 6, 22, tzinfo=UTC)  # end of Wed 6 Sep
    assert tz.to_zone(window.closes, event.timezone).date() == dt.date(2023, 9, 7)
    assert window.is_open(dt.datetime(2023, 9, 6, 21, 59, 59, tzinfo=UTC))
    assert not window.is_open(window.closes)  # exclusive
    assert event.capacity == 30
    assert event.selection.policy == "lottery"
    assert webinar() == event  # a fresh, equal object each call


def fingerprint(pool: list[Registration]) -> str:
    """A hash of everything in a pool (independent of object identity and hash seeds)."""
    digest = hashlib.sha256()
    for r in pool:
        row = (
            r.id, r.registrant.name, r.registrant.email, r.registrant.organisation,
            r.registrant.country, r.registrant.role, r.submitted_at.isoformat(),
            sorted((k, repr(v)) for k, v in r.answers.items()),
        )  # fmt: skip
        digest.update(repr(row).encode())
    return digest.hexdigest()


# The fingerprint of synthetic_applicants(40, seed=7): docs, demos and pinned selection
# outcomes rely on the pool never changing.
POOL_40_SEED_7 = "621c714996af942d1c480a1231ed331c35c445978e95fe605ac76d3212a63b7f"


def test_same_seed_same_pool_different_seed_different_pool() -> None:
    first = synthetic_applicants(40, seed=7)
    assert fingerprint(first) == fingerprint(synthetic_applicants(40, seed=7))
    assert fingerprint(first) == POOL_40_SEED_7  # the same pool forever, not only per run
    assert first == synthetic_applicants(40, seed=7)
    assert fingerprint(first) != fingerprint(synthetic_applicants(40, seed=8))
    assert synthetic_applicants(10, seed=7) == first[:10]  # a prefix does not depend on n
    assert synthetic_applicants(0, seed=7) == []
    with pytest.raises(ValueError, match="at least 0"):
        synthetic_applicants(-1, seed=7)


def test_the_pool_is_the_same_in_a_fresh_interpreter() -> None:
    code = (
        "from ran_events.examples import synthetic_applicants\n"
        "from tests.test_examples import fingerprint\n"
        "print(fingerprint(synthetic_applicants(40, seed=7)))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == fingerprint(synthetic_applicants(40, seed=7))


def test_the_pool_is_plausible_and_valid() -> None:
    event = webinar()
    pool = synthetic_applicants(300, seed=2023)
    assert [r.id for r in pool] == [f"a{i:05d}" for i in range(1, 301)]
    assert len({r.email for r in pool}) == 300
    countries = tz.countries()
    roles = {r.registrant.role for r in pool}
    assert set(TARGET_GROUPS) <= roles
    assert roles - set(TARGET_GROUPS)  # some applicants are not target groups
    for r in pool:
        assert r.event_id == event.id
        assert event.registration.is_open(r.submitted_at), r.submitted_at
        assert event.form.problems(r.answers) == [], r.answers
        assert r.registrant.country in countries
        assert tz.zone_name(r.submitted_at.tzinfo) == event.timezone  # type: ignore[arg-type]
    organisations = [r.registrant.organisation for r in pool]
    assert max(organisations.count(o) for o in set(organisations)) > 2  # big services


def test_the_pool_shares_what_applicants_have_in_common() -> None:
    """A large pool keeps one copy of each organisation, name and topic tuple (the memory of
    the million-applicant benchmarks)."""
    pool = synthetic_applicants(2_000, seed=2)
    for field in ("organisation", "name"):
        values = [getattr(r.registrant, field) for r in pool]
        assert len({id(v) for v in values}) == len(set(values)) < len(values) / 2
    topics = [r.answers["topics"] for r in pool]
    assert len({id(t) for t in topics}) == len(set(topics)) < len(topics) / 4


def test_a_pool_for_another_event_answers_its_form() -> None:
    from ran_events.models import Form

    event = webinar().revise(form=Form())
    pool = synthetic_applicants(5, seed=1, event=event)
    assert all(r.answers == {} for r in pool)
