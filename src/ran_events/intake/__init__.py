"""Intake: the registration book of one event, and applications taken in from files.

- :mod:`~ran_events.intake.book`: :class:`RegistrationBook` (checks the window, the form
  and duplicates by normalised address; keeps its registrations in a :class:`BookBackend`:
  :class:`MemoryBackend` by default, or a store of :mod:`ran_events.store`) and
  :func:`read_csv` / :func:`read_jsonl`, which take in a whole file and return an
  :class:`ImportReport`: every row accepted or rejected with its line, field, value and
  reason; a read never stops half-way.
- :mod:`~ran_events.intake.rows`: the checks of one row; :func:`registration_id`.
- :mod:`~ran_events.intake.report`: :class:`ImportReport`, :class:`RejectedRow`, the one
  shape of a refused row in every bulk read of the library.
- :mod:`~ran_events.intake.csv`: the CSV layout (:func:`csv_text`, :func:`write_csv`) and
  the one CSV line reader of the library (:class:`~ran_events.intake.csv.Records`).
- :mod:`~ran_events.intake.jsonl`: JSON lines (:func:`jsonl_text`, :func:`write_jsonl`).
- :mod:`~ran_events.intake.export`: the lossless JSON copy (:func:`json_text`,
  :func:`write_json`, :func:`read_json`).
- :mod:`~ran_events.intake.pseudonyms`: :func:`pseudonymise`.
"""

from ._backend import BookBackend, MemoryBackend
from .book import OnDuplicate, RegistrationBook, import_csv, import_jsonl, read_csv, read_jsonl
from .csv import csv_text, export_csv, write_csv
from .export import export_json, import_json, json_text, read_json, write_json
from .jsonl import export_jsonl, export_jsonl_text, jsonl_text, write_jsonl
from .pseudonyms import pseudonymise
from .report import ImportReport, RejectedRow, RowProblem
from .rows import CONSENT_COLUMNS, CSV_COLUMNS, registration_id

__all__ = [
    "CONSENT_COLUMNS",
    "CSV_COLUMNS",
    "BookBackend",
    "ImportReport",
    "MemoryBackend",
    "OnDuplicate",
    "RegistrationBook",
    "RejectedRow",
    "RowProblem",
    "csv_text",
    "export_csv",
    "export_json",
    "export_jsonl",
    "export_jsonl_text",
    "import_csv",
    "import_json",
    "import_jsonl",
    "json_text",
    "jsonl_text",
    "pseudonymise",
    "read_csv",
    "read_json",
    "read_jsonl",
    "registration_id",
    "write_csv",
    "write_json",
    "write_jsonl",
]
