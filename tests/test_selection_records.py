"""Tests of the selection record file (ran_events.selection._records)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest

from ran_events.errors import DocumentError
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Registration
from ran_events.selection import (
    SelectionResult,
    read_record,
    record_from_text,
    record_text,
    replay,
    select,
    write_record,
)

Decided = tuple[SelectionResult, list[Registration]]


@pytest.mark.parametrize("policy", ["lottery", "fair-lottery"])
def test_a_selection_record_survives_json_and_replays(policy: str) -> None:
    event = webinar()
    event = attrs.evolve(event, selection=attrs.evolve(event.selection, policy=policy))
    pool = synthetic_applicants(120, seed=3)
    result = select(event, pool, now=event.registration.closes)
    text = record_text(result.record)
    record = record_from_text(text)
    assert type(record) is type(result.record)
    assert record == result.record
    assert replay(record, pool) == result
    assert json.loads(text)["record_type"] == type(result.record).__name__


def test_a_record_file_that_is_not_one_is_a_value_error() -> None:

    with pytest.raises(ValueError, match="invalid JSON"):
        record_from_text("{")
    with pytest.raises(ValueError, match="record_type among"):
        record_from_text('{"schema_version": 1, "record_type": "Other", "data": {}}')
    with pytest.raises(ValueError, match="does not fit its type"):
        record_from_text('{"schema_version": 1, "record_type": "SelectionRecord", "data": {}}')
    with pytest.raises(TypeError, match="expected a SelectionRecord"):
        record_text(webinar())


def test_a_record_type_that_is_not_a_name_is_a_document_error() -> None:

    with pytest.raises(DocumentError, match="record_type among"):
        record_from_text('{"schema_version":1,"record_type":[]}')
    with pytest.raises(DocumentError, match=r"byte 0xe4 is not UTF-8"):
        record_from_text(b'{"schema_version":1,"record_type":"\xe4"}')


@pytest.mark.parametrize("data", ['"x"', "[1]", "3", "null"])
def test_record_data_that_is_not_an_object_is_a_document_error(data: str) -> None:
    # Found by fuzzing (tests/fuzz_corpus/records/e0cdbd1b65c39b96): an AttributeError before.

    text = '{"schema_version":1,"record_type":"SelectionRecord","data":' + data + "}"
    with pytest.raises(DocumentError, match=r"expected an object, got \w+ @ \$"):
        record_from_text(text)


@pytest.fixture
def decided() -> Decided:
    """A fair lottery's record (it holds the registrations' ids) and its applications."""
    event = webinar()
    event = attrs.evolve(event, selection=attrs.evolve(event.selection, policy="fair-lottery"))
    pool = synthetic_applicants(60, seed=5)
    return select(event, pool, now=event.registration.closes), pool


def test_a_record_file_is_written_atomically_for_its_owner_only_and_read_back(
    tmp_path: Path, decided: Decided
) -> None:
    result, pool = decided
    path = tmp_path / "records" / "record.json"
    write_record(result.record, path)
    assert path.read_text(encoding="utf-8") == record_text(result.record)
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]  # no temporary left
    assert replay(read_record(path), pool) == result
    assert read_record(str(path)) == result.record


def test_a_record_goes_to_and_from_open_streams(decided: Decided) -> None:
    result, _ = decided
    stream = io.StringIO()
    write_record(result.record, stream)
    assert read_record(io.StringIO(stream.getvalue())) == result.record
    octets = io.BytesIO(stream.getvalue().encode("utf-8"))
    assert read_record(octets) == result.record


def test_reading_a_record_file_that_is_not_one_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_bytes(b'{"schema_version": 1, "record_type": "Other"}')
    with pytest.raises(DocumentError, match=r"selection record: .*record_type among"):
        read_record(path)
    with pytest.raises(FileNotFoundError):
        read_record(tmp_path / "missing.json")
