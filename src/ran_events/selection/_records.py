"""The selection record file: what :func:`~ran_events.selection.replay` needs, kept for years.

A record document names the record's type (a fair lottery's record carries its panels), the
schema version and the record itself: policy and parameters, seed, rules, the SHA-256 of the
input, the library version and the decision time. Selection writes it through the project's
converter (:mod:`ran_events._converter`), like every other JSON document of the library.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any, Final

from ran_events._atomic import write_atomic
from ran_events._converter import SCHEMA_VERSION, parse_json, structure_document, unstructure
from ran_events.errors import DocumentError
from ran_events.selection._result import SelectionRecord
from ran_events.selection.fair._policy import FairLotteryRecord

__all__ = ["read_record", "record_from_text", "record_text", "write_record"]

_RECORD_TYPES: Final[dict[str, type[SelectionRecord]]] = {
    "SelectionRecord": SelectionRecord,
    "FairLotteryRecord": FairLotteryRecord,
}
"""The ``record_type`` of a document -> the record class it holds."""


def record_text(record: SelectionRecord, *, indent: int | None = 2) -> str:
    """Return a selection's record as JSON that :func:`record_from_text` reads back equal.

    Raises:
        TypeError: ``record`` is not a selection record.
    """
    kind = type(record).__name__
    if kind not in _RECORD_TYPES:
        raise TypeError(f"expected a SelectionRecord, got {kind}")
    document = {"schema_version": SCHEMA_VERSION, "record_type": kind, "data": unstructure(record)}
    return json.dumps(document, ensure_ascii=False, indent=indent)


def record_from_text(text: str | bytes) -> SelectionRecord:
    """Read a record written by :func:`record_text`, for :func:`~ran_events.selection.replay`.

    Raises:
        DocumentError: (a :class:`ValueError`) not such a document, an unknown record type or
            schema version, or a record that does not fit its type.
    """
    what = "selection record"
    document: Any = parse_json(text, what)
    kind = document.get("record_type") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("schema_version") != SCHEMA_VERSION
        or not isinstance(kind, str)  # (a list is not a key of the types: it cannot be hashed)
        or kind not in _RECORD_TYPES
    ):
        raise DocumentError(
            what,
            [
                (
                    f"expected schema_version {SCHEMA_VERSION} and a record_type among "
                    f"{sorted(_RECORD_TYPES)}"
                )
            ],
        )
    return structure_document(document.get("data"), _RECORD_TYPES[kind], what)


def write_record(record: SelectionRecord, target: str | os.PathLike[str] | IO[str]) -> None:
    """Write :func:`record_text` of ``record`` to a path or an open text stream.

    A path is written atomically (a reader sees the old file or the whole new one) and is
    readable by its owner only: a fair lottery's record holds the registrations' ids.

    Raises:
        TypeError: ``record`` is not a selection record.
        OSError: the file cannot be written.
    """
    text = record_text(record)
    if isinstance(target, str | os.PathLike):
        write_atomic(Path(target), text)
    else:
        target.write(text)


def read_record(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> SelectionRecord:
    """Read a record file (a path or an open stream) written by :func:`write_record`.

    Raises:
        DocumentError: as :func:`record_from_text`.
        OSError: the file cannot be read.
    """
    if isinstance(source, str | os.PathLike):
        return record_from_text(Path(source).read_bytes())
    return record_from_text(source.read())
