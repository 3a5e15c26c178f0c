"""Deprecated: the intake moved to :mod:`ran_events.intake` (removed in ran_events 0.3).

Every name of this module still works, warns on use and names its new place.
"""

from __future__ import annotations

from . import _deprecation
from .intake import (
    CSV_COLUMNS,
    ImportReport,
    OnDuplicate,
    RegistrationBook,
    RejectedRow,
    RowProblem,
    csv_text,
    json_text,
    pseudonymise,
    read_csv,
    read_jsonl,
    registration_id,
)
from .intake.export import _from_json_text

__getattr__ = _deprecation.moved(
    "ran_events.registration",
    {
        "CSV_COLUMNS": ("ran_events.intake.CSV_COLUMNS", CSV_COLUMNS),
        "ImportReport": ("ran_events.intake.ImportReport", ImportReport),
        "OnDuplicate": ("ran_events.intake.OnDuplicate", OnDuplicate),
        "RegistrationBook": ("ran_events.intake.RegistrationBook", RegistrationBook),
        "RejectedRow": ("ran_events.intake.RejectedRow", RejectedRow),
        "RowProblem": ("ran_events.intake.RowProblem", RowProblem),
        "export_csv": ("ran_events.intake.csv_text", csv_text),
        "export_json": ("ran_events.intake.json_text", json_text),
        "import_csv": ("ran_events.intake.read_csv", read_csv),
        "import_json": ("ran_events.intake.read_json", _from_json_text),
        "import_jsonl": ("ran_events.intake.read_jsonl", read_jsonl),
        "pseudonymise": ("ran_events.intake.pseudonymise", pseudonymise),
        "registration_id": ("ran_events.intake.registration_id", registration_id),
    },
)
