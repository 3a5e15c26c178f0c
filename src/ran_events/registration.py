"""Deprecated: the intake moved to :mod:`ran_events.intake` (removed in ran_events 0.3).

Every name of this module still works, warns on use and names its new place. The names are
not bound here (only reached through ``__getattr__``), so that each use warns.
"""

from __future__ import annotations

from . import _deprecation
from . import intake as _intake
from .intake import export as _export

__getattr__ = _deprecation.moved(
    "ran_events.registration",
    {
        "CSV_COLUMNS": ("ran_events.intake.CSV_COLUMNS", _intake.CSV_COLUMNS),
        "ImportReport": ("ran_events.intake.ImportReport", _intake.ImportReport),
        "OnDuplicate": ("ran_events.intake.OnDuplicate", _intake.OnDuplicate),
        "RegistrationBook": ("ran_events.intake.RegistrationBook", _intake.RegistrationBook),
        "RejectedRow": ("ran_events.intake.RejectedRow", _intake.RejectedRow),
        "RowProblem": ("ran_events.intake.RowProblem", _intake.RowProblem),
        "export_csv": ("ran_events.intake.csv_text", _intake.csv_text),
        "export_json": ("ran_events.intake.json_text", _intake.json_text),
        "import_csv": ("ran_events.intake.read_csv", _intake.read_csv),
        # the old behaviour: text in, a list out (read_json reads a file into a report)
        "import_json": ("ran_events.intake.read_json", _export._from_json_text),
        "import_jsonl": ("ran_events.intake.read_jsonl", _intake.read_jsonl),
        "pseudonymise": ("ran_events.intake.pseudonymise", _intake.pseudonymise),
        "registration_id": ("ran_events.intake.registration_id", _intake.registration_id),
    },
)
