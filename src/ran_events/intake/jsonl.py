"""Applications as JSON lines: one object per line, read by :func:`take_in`, written by
:func:`jsonl_text` / :func:`write_jsonl`.

Each object has the keys of :data:`~ran_events.intake.CSV_COLUMNS`, the answers under
``"answers"`` (typed: a list for several choices, ``true``/``false``, a number, text) and
the registrant's attributes under ``"attributes"``. What :func:`write_jsonl` writes,
:func:`ran_events.intake.read_jsonl` reads back to equal registrations (status and history
are not part of the layout: :func:`~ran_events.intake.write_json` keeps them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import IO, Any

from ..models import Answer, Registration
from .csv import Source, open_text, write_text
from .report import ImportReport, RowProblem
from .rows import _SURROGATE, CSV_COLUMNS, _encoding_problem, _Intake

__all__ = ["jsonl_text", "write_jsonl"]

_NESTED = ("answers", "attributes")


def take_in(intake: _Intake, source: Source) -> ImportReport:
    """Read a JSON-lines file into ``intake``; see :func:`ran_events.intake.read_jsonl`."""
    with open_text(source) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            bad = _SURROGATE.search(text) if not text.isascii() else None
            if bad is not None:
                intake.unread(number, [_encoding_problem("", text)])
                continue
            try:
                record = json.loads(text)
            except (ValueError, RecursionError) as exc:
                intake.unread(
                    number,
                    [
                        RowProblem(
                            field="",
                            value=text.strip()[:80],
                            reason=f"not JSON: {exc}"
                            if isinstance(exc, ValueError)
                            else "JSON nested too deep to read; a line is one object of "
                            "text, numbers, yes/no and lists of text",
                            code="unreadable",
                        )
                    ],
                )
                continue
            if not isinstance(record, dict):
                intake.unread(
                    number,
                    [
                        RowProblem(
                            field="", value=record, reason="not a JSON object", code="unreadable"
                        )
                    ],
                )
                continue
            _record(intake, number, record)
    return intake.report()


def _record(intake: _Intake, line: int, record: dict[str, Any]) -> None:
    fields: dict[str, object] = {k: record[k] for k in CSV_COLUMNS if k in record}
    answers: dict[str, object] = {}
    attributes: dict[str, object] = {}
    nested_problems: list[RowProblem] = []
    for key in _NESTED:
        nested = record.get(key, {})
        if not isinstance(nested, dict):
            nested_problems.append(
                RowProblem(
                    field=key, value=nested, reason="not a JSON object", code="invalid-value"
                )
            )
        elif key == "answers":
            answers.update(nested)
        else:
            attributes.update(nested)
    for key, value in record.items():
        if key in CSV_COLUMNS or key in _NESTED:
            continue
        target = answers if key in intake.questions else attributes
        if key in target:
            nested_problems.append(
                RowProblem(
                    field=key,
                    value=value,
                    reason="given twice: at the top level and under "
                    f"{'answers' if target is answers else 'attributes'!r}",
                    code="invalid-value",
                )
            )
        target[key] = value
    if nested_problems:
        intake.unread(line, nested_problems)
        return
    intake.row(line, fields, answers, attributes)


def _typed(answer: Answer) -> object:
    """An answer as JSON holds it: several choices as a list, the rest as they are."""
    return list(answer) if isinstance(answer, tuple) else answer


def jsonl_text(registrations: Iterable[Registration]) -> str:
    """Return the registrations as JSON lines that :func:`~ran_events.intake.read_jsonl`
    reads back to equal registrations (one object per line, LF line ends).

    Keys: :data:`~ran_events.intake.CSV_COLUMNS` (``submitted_at`` in ISO 8601 with its
    offset), ``"answers"`` typed (several choices as a list, yes/no as ``true``/``false``)
    and ``"attributes"``; ``"consent": true`` and ``"consent_at"`` when consent was given.
    Status and history are not part of the layout: use
    :func:`~ran_events.intake.write_json` for a lossless copy.
    """
    lines = []
    for r in registrations:
        person = r.registrant
        record: dict[str, object] = {
            "id": r.id,
            "email": person.email,
            "name": person.name,
            "submitted_at": r.submitted_at.isoformat(),
            "organisation": person.organisation,
            "country": person.country,
            "role": person.role,
            "answers": {q: _typed(a) for q, a in r.answers.items()},
            "attributes": dict(person.attributes),
        }
        if r.consent is not None:
            record["consent"] = True
            record["consent_at"] = r.consent.at.isoformat()
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def write_jsonl(
    registrations: Iterable[Registration], target: str | os.PathLike[str] | IO[str]
) -> None:
    """Write :func:`jsonl_text` of the registrations to a path (UTF-8) or an open text stream."""
    write_text(jsonl_text(registrations), target)


export_jsonl = write_jsonl
"""The name issue 13 asked for: :func:`write_jsonl` itself (what :func:`read_jsonl` reads)."""
export_jsonl_text = jsonl_text
"""The name issue 13 asked for: :func:`jsonl_text` itself."""
