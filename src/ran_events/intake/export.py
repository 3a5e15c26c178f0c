"""A lossless copy of registrations: JSON with ``schema_version``, status and history included.

:func:`json_text` / :func:`write_json` write it, :func:`read_json` reads it back to equal
registrations. (The exchange layouts, without status and history, are the CSV of
:mod:`ran_events.intake.csv` and the JSON lines of :mod:`ran_events.intake.jsonl`.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .. import _deprecation
from .._converter import from_json, to_json
from ..models import Registration
from .csv import write_text
from .report import ImportReport

__all__ = ["json_text", "read_json", "write_json"]


def json_text(registrations: Iterable[Registration], *, indent: int | None = 2) -> str:
    """Return the registrations as JSON (schema-versioned).

    :func:`read_json` reads it back to equal registrations, status and history included.

    Args:
        registrations: the registrations.
        indent: the JSON indentation (``None``: one line).

    Returns:
        The JSON text.
    """
    return to_json(list(registrations), indent=indent)


def write_json(
    registrations: Iterable[Registration],
    target: str | os.PathLike[str] | IO[str],
    *,
    indent: int | None = 2,
) -> None:
    """Write :func:`json_text` of the registrations to a path (UTF-8) or an open text stream."""
    write_text(json_text(registrations, indent=indent), target)


def read_json(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> ImportReport:
    """Read registrations written by :func:`write_json` / :func:`json_text`.

    The copy is read whole, as written: the report's ``accepted`` holds every registration
    in the file's order (``rejected`` is empty; ``rows`` the number of registrations). A
    file that is not this layout is refused as a whole, since it holds no rows to report.

    Args:
        source: a path (UTF-8), or a text or binary stream.

    Raises:
        DocumentError: (a :class:`ValueError`) not JSON of this layout (or a later schema
            version); every field that does not fit, with its path.
        RanEventsError: a registration breaks a model invariant.
    """
    data = Path(source).read_bytes() if isinstance(source, str | os.PathLike) else source.read()
    registrations = _from_json_text(data)
    return ImportReport(accepted=tuple(registrations), rejected=(), rows=len(registrations))


def _from_json_text(text: str | bytes) -> list[Registration]:
    """The registrations of a :func:`json_text` document, as a list (the behaviour of the
    deprecated ``import_json``).

    Raises:
        DocumentError: as for :func:`read_json`.
        RanEventsError: a registration breaks a model invariant.
    """
    return from_json(text, list[Registration])


export_json = _deprecation.renamed(
    json_text, "ran_events.export_json", "ran_events.intake.json_text"
)
import_json = _deprecation.renamed(
    _from_json_text, "ran_events.import_json", "ran_events.intake.read_json"
)
