"""Tests of the seed commitment: ``selection.seed_sha256`` in the model, the event file,
``select(..., seed=...)`` and ``replay``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import attrs
import pytest

from ran_events import eventfile
from ran_events.errors import EventFileError, InvalidValue, SeedMismatch
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Event, SelectionRules, seed_commitment
from ran_events.selection import record_from_text, record_text, replay, select

AFTER = dt.datetime(2023, 9, 7, 10, tzinfo=dt.UTC)
SECRET = 8_146_275_390_127_554_613


def committed(seed: int = SECRET) -> Event:
    """The webinar with only the commitment to ``seed`` in its rules."""
    event = webinar()
    rules = attrs.evolve(event.selection, seed=None, seed_sha256=seed_commitment(seed))
    return attrs.evolve(event, selection=rules)


def test_the_commitment_is_the_sha256_of_the_decimal_text() -> None:
    assert seed_commitment(2023) == hashlib.sha256(b"2023").hexdigest()
    assert seed_commitment(-5) == hashlib.sha256(b"-5").hexdigest()


def test_rules_refuse_a_seed_that_does_not_match_the_commitment() -> None:
    with pytest.raises(SeedMismatch) as caught:
        SelectionRules(policy="lottery", seed=1, seed_sha256=seed_commitment(2))
    assert caught.value.commitment == seed_commitment(2)
    assert caught.value.actual == seed_commitment(1)
    assert seed_commitment(2) in str(caught.value)
    assert seed_commitment(1) in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("bad", ["abc", "g" * 64, 12])
def test_rules_refuse_a_commitment_that_is_not_a_sha256(bad: object) -> None:
    with pytest.raises(InvalidValue, match="seed_sha256"):
        SelectionRules(seed_sha256=bad)  # type: ignore[arg-type]


def test_an_upper_case_commitment_is_read_as_lower_case() -> None:
    rules = SelectionRules(seed=7, seed_sha256=seed_commitment(7).upper())
    assert rules.seed_sha256 == seed_commitment(7)


def test_select_with_the_revealed_seed_keeps_seed_and_commitment_in_the_record() -> None:
    event = committed()
    pool = synthetic_applicants(80, seed=3, event=event)
    result = select(event, pool, now=AFTER, seed=SECRET)
    assert result.record.seed == SECRET
    assert result.record.rules.seed_sha256 == seed_commitment(SECRET)
    with_seed = attrs.evolve(event, selection=attrs.evolve(event.selection, seed=SECRET))
    assert result.decisions == select(with_seed, pool, now=AFTER).decisions
    back = record_from_text(record_text(result.record))
    assert back == result.record
    assert replay(back, pool).decisions == result.decisions


def test_select_refuses_a_seed_that_does_not_match_the_commitment() -> None:
    event = committed()
    pool = synthetic_applicants(20, seed=3, event=event)
    with pytest.raises(SeedMismatch) as caught:
        select(event, pool, now=AFTER, seed=SECRET + 1)
    assert caught.value.seed == SECRET + 1


def test_a_record_edited_to_another_seed_is_not_read() -> None:
    event = committed()
    pool = synthetic_applicants(80, seed=3, event=event)
    document = json.loads(record_text(select(event, pool, now=AFTER, seed=SECRET).record))
    document["data"]["rules"]["seed"] = SECRET + 1
    with pytest.raises(ValueError, match="seed"):
        record_from_text(json.dumps(document))


def test_replay_checks_the_seed_against_the_commitment() -> None:
    event = committed()
    pool = synthetic_applicants(80, seed=3, event=event)
    record = select(event, pool, now=AFTER, seed=SECRET).record
    object.__setattr__(record.rules, "seed", SECRET + 1)  # a record built around the checks
    with pytest.raises(SeedMismatch):
        replay(record, pool)


def test_the_event_file_carries_the_commitment() -> None:
    event = committed()
    text = eventfile.dumps(event)
    assert f'seed_sha256 = "{seed_commitment(SECRET)}"' in text
    assert "\nseed = " not in text
    assert eventfile.loads(text) == event


def test_an_event_file_whose_seed_does_not_match_its_commitment_is_refused() -> None:
    text = eventfile.dumps(webinar()).replace(
        "seed = 2023", f'seed = 2023\nseed_sha256 = "{seed_commitment(2024)}"'
    )
    with pytest.raises(EventFileError) as caught:
        eventfile.loads(text)
    (problem,) = caught.value.problems
    assert problem.line is not None
    assert seed_commitment(2024) in problem.message
