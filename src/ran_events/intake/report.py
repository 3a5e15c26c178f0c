"""The one report of a bulk read: what was taken in, and every row that was not, with why.

:class:`RejectedRow` (``line``, ``field``, ``value``, ``reason``, ``code``) is the one shape
of a refused row in every reader of the library: the applications readers put them in an
:class:`ImportReport`, the decisions CSV reader
(:func:`ran_events.selection.read_decisions_csv`) beside its valid rows.
"""

from __future__ import annotations

from collections import Counter

import attrs

from ..errors import InvalidValue
from ..models import Registration, mask_email

__all__ = ["ImportReport", "RejectedRow", "RowProblem"]


@attrs.frozen(kw_only=True, repr=False)
class RowProblem:
    """One problem of one row: the field, the value as read, what is wrong.

    ``code`` is machine-readable: ``missing``, ``invalid-email``, ``invalid-datetime``,
    ``no-offset``, ``nonexistent-time``, ``ambiguous-time``, ``not-open``, ``closed``,
    ``invalid-country``, ``invalid-answer``, ``missing-answer``, ``unknown-question``,
    ``invalid-value``, ``cell-count``, ``encoding``, ``unreadable``, ``unbalanced-quote``,
    ``duplicate``, ``duplicate-id``, ``superseded``, ``header`` (the decisions CSV reader:
    a wrong header row). The ``repr`` masks an e-mail address.
    """

    field: str
    value: object
    reason: str
    code: str

    def __repr__(self) -> str:
        masked = self.field == "email" and isinstance(self.value, str)
        shown = mask_email(str(self.value)) if masked else self.value
        return (
            f"RowProblem(field={self.field!r}, value={shown!r}, reason={self.reason!r}, "
            f"code={self.code!r})"
        )


@attrs.frozen(kw_only=True)
class RejectedRow:
    """A row that was not taken in, with every problem found in it.

    Read it as ``line``, ``field``, ``value``, ``reason``, ``code`` (the first problem's field,
    value and code; the reason of every problem); ``problems`` holds each problem on its own.

    Attributes:
        line: the 1-based line the row starts on (the header is line 1 of a CSV file).
        problems: every problem of the row, field by field; at least one.
    """

    line: int
    problems: tuple[RowProblem, ...]

    @classmethod
    def single(
        cls, line: int, *, field: str, value: object, reason: str, code: str
    ) -> RejectedRow:
        """A row rejected for one problem."""
        return cls(
            line=line, problems=(RowProblem(field=field, value=value, reason=reason, code=code),)
        )

    @property
    def field(self) -> str:
        """The field of the first problem."""
        return self.problems[0].field

    @property
    def value(self) -> object:
        """The value of the first problem."""
        return self.problems[0].value

    @property
    def reason(self) -> str:
        """Every problem's reason after its field, separated by semicolons."""
        return "; ".join(f"{p.field}: {p.reason}" if p.field else p.reason for p in self.problems)

    @property
    def code(self) -> str:
        """The code of the first problem (see :class:`RowProblem`)."""
        return self.problems[0].code

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the problems."""
        return tuple(p.code for p in self.problems)

    def format(self, path: str | None = None) -> str:
        """Return ``path:line: field: reason[; field: reason]``."""
        return f"{path or '<input>'}:{self.line}: {self.reason}"


@attrs.frozen(kw_only=True, repr=False)
class ImportReport:
    """What an import did: the registrations taken in and every row that was not.

    ``len(accepted) + len(rejected) == rows`` always holds. With ``on_duplicate="replace"``
    an earlier application replaced by a later one of the same address is among
    ``rejected`` with the code ``superseded`` (it was not taken in; its line is shown).

    Raises:
        InvalidValue: the totals do not add up (a bug; never expected).
    """

    accepted: tuple[Registration, ...]
    rejected: tuple[RejectedRow, ...]
    rows: int

    def __attrs_post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.rows:
            raise InvalidValue(
                "rows", self.rows, f"{len(self.accepted)} accepted + {len(self.rejected)} rejected"
            )

    def __repr__(self) -> str:
        return (
            f"ImportReport(rows={self.rows}, accepted={len(self.accepted)}, "
            f"rejected={len(self.rejected)})"
        )

    @property
    def errors(self) -> tuple[RejectedRow, ...]:
        """The rejected rows that are errors (all but ``superseded`` applications)."""
        return tuple(r for r in self.rejected if r.codes != ("superseded",))

    def counts(self, attribute: str) -> dict[str, int]:
        """Accepted registrations by value of ``attribute`` (``status`` or what
        :meth:`~ran_events.models.Registration.value_of` reads), most frequent first;
        no value counts as ``""``."""
        if attribute == "status":
            found = Counter(r.status.value for r in self.accepted)
        else:
            found = Counter(r.value_of(attribute) or "" for r in self.accepted)
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
