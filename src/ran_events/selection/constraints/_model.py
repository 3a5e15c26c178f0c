"""The solver-facing form of a selection's constraints (capacity, quotas, caps).

Shared by the exact ordered-fill allocator (``_feasibility``) and the fair lottery
(``_leximin``). Applicants reach the solvers as *profiles*: a tuple of attribute values,
one per attribute named in :attr:`Constraints.attributes`, in that order (a missing value
is ``""``). Nothing here knows about registrations; the selection layer builds the profiles.
"""

from __future__ import annotations

import attrs

__all__ = ["Cap", "Constraints", "Profile", "Quota"]

Profile = tuple[str, ...]
"""One applicant's values of :attr:`Constraints.attributes`, in that order."""


@attrs.frozen(kw_only=True)
class Quota:
    """At least ``min`` and at most ``max`` selected applicants with ``attribute == value``."""

    attribute: str
    value: str
    min: int = 0
    max: int | None = None

    def describe(self) -> str:
        """``role=prison min 4 max 8`` style text."""
        parts = [f"{self.attribute}={self.value}"]
        if self.min:
            parts.append(f"min {self.min}")
        if self.max is not None:
            parts.append(f"max {self.max}")
        return " ".join(parts)


@attrs.frozen(kw_only=True)
class Cap:
    """At most ``limit`` selected applicants share any one value of ``attribute``."""

    attribute: str
    limit: int

    def describe(self) -> str:
        """``organisation <= 2 each`` style text."""
        return f"{self.attribute} <= {self.limit} each"


@attrs.frozen(kw_only=True)
class Constraints:
    """Capacity, quotas and caps of one selection.

    ``attributes`` fixes the order of values in a :data:`Profile`: every attribute used by a
    quota or a cap, sorted by name.

    The public, stable API a panel policy is written against (all importable from
    :mod:`ran_events.selection`): ``draw_panel`` receives the event's ``Constraints``
    (``capacity``, ``quotas``, ``caps``, ``attributes``, ``index``);
    :func:`~ran_events.selection.profiles_of` turns the eligible registrations into
    profiles; :func:`~ran_events.selection.allocate` fills the places from an order of them
    keeping every quota and cap (its :class:`~ran_events.selection.Allocation` has the
    ``selected`` indices) and :func:`~ran_events.selection.is_valid_selection` lists what a
    selection breaks.
    """

    capacity: int
    quotas: tuple[Quota, ...] = ()
    caps: tuple[Cap, ...] = ()

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute a quota or a cap bounds, sorted: the order of a profile."""
        names = {q.attribute for q in self.quotas} | {c.attribute for c in self.caps}
        return tuple(sorted(names))

    def index(self, attribute: str) -> int:
        """Position of ``attribute`` in a profile."""
        return self.attributes.index(attribute)
