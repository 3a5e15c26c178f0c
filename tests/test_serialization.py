"""The deprecated names of event files: ``ran_events.serialization`` and Event's file methods.

Each still works for one release, warns naming its new home, and does what it did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ran_events import _converter, eventfile, serialization
from ran_events.errors import EventFileError
from ran_events.examples import synthetic_applicants, webinar
from ran_events.models import Event, Session
from ran_events.models import event as event_module
from ran_events.selection import record_from_text, record_text, select


def old(name: str, new: str) -> Any:
    """``serialization.<name>``, checking that using it warns and names ``new``."""
    with pytest.warns(DeprecationWarning, match=rf"serialization\.{name} is deprecated.*{new}"):
        return getattr(serialization, name)


def test_event_file_functions_moved_to_eventfile(tmp_path: Path) -> None:
    event = webinar()
    text = eventfile.dumps(event)
    as_json = eventfile.dumps(event, format="json")
    assert old("event_to_toml", r"eventfile\.dumps")(event) == text
    assert old("event_from_toml_text", r"eventfile\.loads")(text, source="e.toml") == event
    assert old("event_to_json", r"eventfile\.dumps\(event, format=.json.\)")(event) == as_json
    compact = old("event_to_json", "eventfile.dumps")(event, indent=None)
    assert compact == eventfile.dumps(event, format="json", indent=None)
    assert old("event_from_json", r"eventfile\.loads\(text, format=.json.\)")(as_json) == event
    document = eventfile.event_to_document(event)
    assert old("event_to_document", r"eventfile\.event_to_document")(event) == document
    assert old("event_from_document", r"eventfile\.event_from_document")(document) == event
    assert old("locate_problems", r"eventfile\.locate_problems") is eventfile.locate_problems


def test_event_from_toml_reads_toml_whatever_the_suffix(tmp_path: Path) -> None:
    # (eventfile.load reads a .json name as JSON; the old function read every path as TOML)
    path = tmp_path / "event.json"
    path.write_text(eventfile.dumps(webinar()), encoding="utf-8")
    assert old("event_from_toml", r"eventfile\.load")(path) == webinar()
    path.write_text("capacity = 0\n", encoding="utf-8")
    with pytest.raises(EventFileError) as info:
        old("event_from_toml", "eventfile.load")(str(path))
    assert info.value.path == str(path)
    assert (1, "capacity") in [(p.line, p.field) for p in info.value.problems]


def test_record_functions_moved_to_selection() -> None:
    event = webinar()
    result = select(event, synthetic_applicants(120, seed=3), now=event.registration.closes)
    text = old("record_to_json", r"selection\.record_text")(result.record)
    assert text == record_text(result.record)
    assert old("record_from_json", r"selection\.record_from_text")(text) == result.record
    assert old("record_from_json", "record_from_text") is record_from_text


def test_json_of_models_moved_to_the_converter() -> None:
    session = webinar().sessions[0]
    data = old("unstructure", r"_converter\.unstructure")(session)
    assert data == _converter.unstructure(session)
    assert old("structure", r"_converter\.structure")(data, Session) == session
    text = old("to_json", r"_converter\.to_json")(session)
    assert text == _converter.to_json(session)
    assert old("from_json", r"_converter\.from_json")(text, Session) == session
    assert old("SCHEMA_VERSION", r"_converter\.SCHEMA_VERSION") == 1
    assert old("converter", r"_converter\.converter") is _converter.converter


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"'ran_events\.serialization' has no attribute 'x'"):
        serialization.x  # noqa: B018 - the attribute access is the test


# -- Event's file methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "new", "call", "expected"),
    [
        (
            "to_toml",
            r"eventfile\.dumps",
            lambda e, _: e.to_toml(),
            lambda e, _: eventfile.dumps(e),
        ),
        (
            "to_json",
            r"eventfile\.dumps\(event, format=.json.\)",
            lambda e, _: e.to_json(indent=None),
            lambda e, _: eventfile.dumps(e, format="json", indent=None),
        ),
        (
            "from_toml_text",
            r"eventfile\.loads",
            lambda e, _: Event.from_toml_text(eventfile.dumps(e), source="e.toml"),
            lambda e, _: e,
        ),
        (
            "from_json",
            r"eventfile\.loads\(text, format=.json.\)",
            lambda e, _: Event.from_json(eventfile.dumps(e, format="json").encode()),
            lambda e, _: e,
        ),
        (
            "from_toml",
            r"eventfile\.load",
            lambda _, path: Event.from_toml(path),
            lambda e, _: e,
        ),
    ],
)
def test_event_file_methods_warn_and_forward_to_eventfile(
    tmp_path: Path,
    method: str,
    new: str,
    call: Callable[[Event, Path], object],
    expected: Callable[[Event, Path], object],
) -> None:
    event = webinar()
    path = tmp_path / "event.toml"
    eventfile.dump(event, path)
    with pytest.warns(DeprecationWarning, match=rf"Event\.{method} is deprecated.*{new}") as got:
        assert call(event, path) == expected(event, path)
    assert got[0].filename == __file__  # the warning points at the caller


def test_event_s_file_methods_report_problems_as_before() -> None:
    text = eventfile.dumps(webinar()).replace("capacity = 30", "capacity = 0")
    with (
        pytest.warns(DeprecationWarning, match="Event.from_toml_text"),
        pytest.raises(EventFileError) as info,
    ):
        Event.from_toml_text(text, source="e.toml")
    assert [(p.line, p.field) for p in info.value.problems] == [(6, "capacity")]
    document = json.loads(eventfile.dumps(webinar(), format="json"))
    with (
        pytest.warns(DeprecationWarning, match="Event.from_json"),
        pytest.raises(EventFileError, match=r"e\.json"),
    ):
        Event.from_json(json.dumps({**document, "capacity": 0}), source="e.json")


def test_without_eventfile_s_hook_the_methods_say_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ran_events/__init__ always loads eventfile, which sets the hook; should it ever be
    # unset, the alias says so instead of failing somewhere deeper.
    monkeypatch.setattr(event_module, "_EVENT_FILES", {})
    with (
        pytest.warns(DeprecationWarning, match="Event.to_toml"),
        pytest.raises(RuntimeError, match=r"ran_events\.eventfile has not registered"),
    ):
        webinar().to_toml()
