"""Deprecated: event files moved to :mod:`ran_events.eventfile`, JSON of models to the converter.

Every name of this module keeps working until ran_events 0.3 and warns on use, naming its
new home: event files in :mod:`ran_events.eventfile` (``load``, ``loads``, ``dump``,
``dumps``), selection records in :mod:`ran_events.selection` (``record_text``,
``record_from_text``, ``write_record``, ``read_record``), and the JSON of models
(``unstructure``, ``structure``, ``to_json``, ``from_json``) in :mod:`ran_events._converter`.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import _converter, eventfile
from ._deprecation import moved
from .models import Event
from .selection import record_from_text, record_text


def _event_from_toml(path: str | os.PathLike[str]) -> Event:
    """Read a TOML event file, whatever its suffix (as ``event_from_toml`` did)."""
    return eventfile.loads(Path(path).read_bytes(), source=str(path))


def _event_from_json(text: str | bytes, *, source: str | None = None) -> Event:
    return eventfile.loads(text, format="json", source=source)


def _event_to_json(event: Event, *, indent: int | None = 2) -> str:
    return eventfile.dumps(event, format="json", indent=indent)


_FILES = "ran_events.eventfile"
_JSON = "ran_events._converter"

__getattr__ = moved(
    "ran_events.serialization",
    {
        "event_from_toml": (f"{_FILES}.load", _event_from_toml),
        "event_from_toml_text": (f"{_FILES}.loads", eventfile.loads),
        "event_from_json": (f'{_FILES}.loads(text, format="json")', _event_from_json),
        "event_to_toml": (f"{_FILES}.dumps", eventfile.dumps),
        "event_to_json": (f'{_FILES}.dumps(event, format="json")', _event_to_json),
        "event_from_document": (f"{_FILES}.event_from_document", eventfile.event_from_document),
        "event_to_document": (f"{_FILES}.event_to_document", eventfile.event_to_document),
        "locate_problems": (f"{_FILES}.locate_problems", eventfile.locate_problems),
        "record_to_json": ("ran_events.selection.record_text", record_text),
        "record_from_json": ("ran_events.selection.record_from_text", record_from_text),
        "SCHEMA_VERSION": (f"{_JSON}.SCHEMA_VERSION", _converter.SCHEMA_VERSION),
        "converter": (f"{_JSON}.converter", _converter.converter),
        "unstructure": (f"{_JSON}.unstructure", _converter.unstructure),
        "structure": (f"{_JSON}.structure", _converter.structure),
        "to_json": (f"{_JSON}.to_json", _converter.to_json),
        "from_json": (f"{_JSON}.from_json", _converter.from_json),
    },
)
