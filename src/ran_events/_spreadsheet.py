"""Cells of CSV files meant for people: spreadsheet formulas neutralised, and undone.

A spreadsheet (Excel, LibreOffice, Google Sheets) opening a CSV file runs a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)`` leaks data when clicked,
``+cmd|' /C calc'!A0`` starts a program through DDE), and a leading tab or carriage return
does not stop it. Following OWASP's rule for CSV injection, :func:`neutralise` puts an
apostrophe before such a cell: a spreadsheet shows the text as written and runs nothing.

To stay reversible, a cell that already starts with an apostrophe followed by one of those
characters (or by another apostrophe) gets one more apostrophe, so :func:`restore` undoes
:func:`neutralise` exactly: ``restore(neutralise(text)) == text`` for every text. A cell
starting with an apostrophe followed by anything else is left alone both ways.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FORMULA_STARTS", "neutralise", "restore"]

FORMULA_STARTS: Final = frozenset("=+-@\t\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP)."""

_ESCAPED: Final = FORMULA_STARTS | {"'"}
"""What may follow the apostrophe that :func:`neutralise` adds."""


def neutralise(text: str) -> str:
    """Return ``text`` as a cell that no spreadsheet runs as a formula.

    >>> neutralise("=HYPERLINK(\\"https://example.org\\")")
    '\\'=HYPERLINK("https://example.org")'
    >>> neutralise("Anna Peeters")
    'Anna Peeters'
    """
    if text and (text[0] in FORMULA_STARTS or (text[0] == "'" and text[1:2] in _ESCAPED)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo :func:`neutralise`: ``restore(neutralise(text)) == text``.

    >>> restore("'=1+1@example.org")
    '=1+1@example.org'
    >>> restore("'quoted'")
    "'quoted'"
    """
    if text[:1] == "'" and text[1:2] in _ESCAPED:
        return text[1:]
    return text
