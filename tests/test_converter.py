"""Tests of the JSON of models through the project's converter (ran_events._converter)."""

from __future__ import annotations

import json

import cattrs
import pytest

from ran_events import _converter
from ran_events.errors import DocumentError
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import QuotaBounds, Registration, SelectionRules, Session

DEEP = 5_000
"""Deeper than any parser of the standard library goes (it raises RecursionError)."""


def read_registrations(text: str) -> list[Registration]:
    """What intake's JSON reader does: a list of registrations through the converter."""
    return _converter.from_json(text, list[Registration])


def test_models_to_and_from_json() -> None:
    rules = SelectionRules(
        policy="lottery", seed=7, quotas={"role": {"prison": QuotaBounds(min=2)}}
    )
    text = _converter.to_json(rules)
    assert json.loads(text)["schema_version"] == _converter.SCHEMA_VERSION
    assert _converter.from_json(text, SelectionRules) == rules
    session = webinar().sessions[0]
    data = _converter.unstructure(session)
    assert data["start"] == "2023-09-20T14:00:00+02:00"
    assert _converter.structure(data, Session) == session
    assert _converter.converter.unstructure(rules) == _converter.unstructure(rules)
    with pytest.raises(ValueError, match="schema_version 1"):
        _converter.from_json('{"data": {}}', SelectionRules)
    with pytest.raises(ValueError, match="schema_version 1 and data"):
        _converter.from_json('{"schema_version": 1}', SelectionRules)


def test_the_converter_reads_datetimes_as_text_or_objects() -> None:
    session = webinar().sessions[0]
    data = _converter.unstructure(session)
    assert _converter.structure({**data, "start": session.start}, Session) == session
    with pytest.raises(cattrs.ClassValidationError) as info:
        _converter.structure({**data, "start": 1695211200}, Session)
    assert "ISO 8601" in repr(info.value.exceptions)


def test_from_json_names_every_field_that_does_not_fit() -> None:

    with pytest.raises(DocumentError) as info:
        read_registrations('{"schema_version":1,"data":[{}]}')
    assert "required field missing @ $[0].id" in info.value.problems
    assert info.value.what == "list of Registration"
    assert isinstance(info.value, ValueError)
    with pytest.raises(DocumentError, match="schema_version 1 and data"):
        read_registrations("[]")


def test_from_json_of_null_or_a_broken_model_names_the_problem() -> None:

    with pytest.raises(DocumentError, match="the data does not fit its type"):
        read_registrations('{"schema_version": 1, "data": null}')
    document = json.loads(_converter.to_json(synthetic_applicants(1, seed=1, event=webinar())))
    document["data"][0]["submitted_at"] = "0001-01-01T00:00:00+05:00"
    with pytest.raises(DocumentError) as info:
        read_registrations(json.dumps(document))
    expected = (
        "submitted_at: '0001-01-01T00:00:00+05:00' is not valid; expected an instant in the "
        "years 1970 to 2100 @ $[0]"
    )
    assert info.value.problems == (expected,)


def test_a_json_document_that_is_not_the_layout_says_what_it_got() -> None:

    with pytest.raises(DocumentError, match=r"schema_version 1 and data; got 'x'"):
        read_registrations('"x"')
    with pytest.raises(DocumentError, match=r"schema_version 1 and data; got a JSON list"):
        read_registrations("[[1]]")


def test_json_documents_nested_too_deeply_are_document_errors() -> None:

    with pytest.raises(DocumentError, match="selection record: nested too deeply"):
        _converter.parse_json("[" * DEEP + "]" * DEEP, "selection record")
    with pytest.raises(DocumentError, match="nested too deeply"):
        read_registrations('{"schema_version": 1, "data": ' + "[" * DEEP + "]" * DEEP + "}")


def test_a_json_document_with_a_number_too_long_for_int_is_a_document_error() -> None:

    with pytest.raises(DocumentError, match=r"selection record: invalid JSON \(Exceeds"):
        _converter.parse_json('{"schema_version": ' + "1" * 5000 + "}", "selection record")
    with pytest.raises(DocumentError, match="invalid JSON"):
        read_registrations("[" + "1" * 5000 + "]")


def test_an_answer_of_another_type_is_refused_with_what_would_do() -> None:
    registration = synthetic_applicants(1, seed=1, event=webinar())[0]
    data = _converter.unstructure(registration)
    expected = r"expected str \| int \| bool \| tuple\[str, \.\.\.\] @ \$\.answers\['gender'\]"
    with pytest.raises(DocumentError, match=expected):
        _converter.structure_document({**data, "answers": {"gender": 1.5}}, Registration, "x")
