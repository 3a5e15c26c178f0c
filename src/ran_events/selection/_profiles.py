"""Applicants as the constraint solvers see them, and how many places a selection fills.

The selection layer's bridge to :mod:`ran_events.selection.constraints`: the event's capacity
and rules become :class:`~ran_events.selection.Constraints` (:func:`build_constraints`),
each registration a :data:`~ran_events.selection.Profile` of normalised values
(:func:`profiles_of`, :func:`value_key`), the ``fill`` parameter a size (:func:`fill_of`),
and what a selection achieves a report per constraint (:func:`constraint_report`). The
engine and every policy (the fair lottery too) share these, so they build their solver
inputs the same way.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from ran_events.errors import InvalidPolicyConfig
from ran_events.models import Registration, SelectionRules
from ran_events.selection._policy import FILL_PARAMETER
from ran_events.selection._result import ConstraintReport
from ran_events.selection.constraints import Cap, Constraints, Profile, Quota

__all__ = [
    "FILL_CHOICES",
    "Fill",
    "build_constraints",
    "constraint_report",
    "fill_of",
    "profiles_of",
    "value_key",
]

_MISSING: Final = "\x1fnone:"
"""Prefix of the stand-in value of a capped attribute an applicant has no value for: unique
per applicant, so applicants without an organisation are not capped together."""

Fill = Literal["capacity", "most"]
"""How many places a selection fills (``SelectionRules.parameters["fill"]``).

``capacity`` (the default): exactly ``min(capacity, eligible applicants)``, or
:class:`~ran_events.errors.InfeasibleSelection` when the quotas and caps do not allow it.
``most``: the most places a selection meeting every quota and cap can fill.
"""

FILL_CHOICES: Final[tuple[Fill, ...]] = ("capacity", "most")
"""The values of the ``fill`` parameter; the first is the default."""


def fill_of(parameters: Mapping[str, Any]) -> Fill:
    """The ``fill`` entry of ``SelectionRules.parameters`` (``"capacity"`` when absent).

    Raises:
        InvalidPolicyConfig: the entry is not one of :data:`FILL_CHOICES`.
    """
    value = parameters.get(FILL_PARAMETER, FILL_CHOICES[0])
    for choice in FILL_CHOICES:
        if value == choice:
            return choice
    raise InvalidPolicyConfig(
        f"selection.parameters.{FILL_PARAMETER}",
        value,
        '"capacity" (fill exactly min(capacity, eligible) places, or fail) or "most" '
        "(fill as many places as the quotas and caps allow)",
    )


def build_constraints(capacity: int, rules: SelectionRules) -> Constraints:
    """The solver-facing constraints of an event's capacity and selection rules.

    Quotas are taken attribute by attribute, value by value, in sorted order.
    """
    quotas = tuple(
        Quota(attribute=attribute, value=value, min=bounds.min, max=bounds.max)
        for attribute, values in sorted(rules.quotas.items())
        for value, bounds in sorted(values.items())
    )
    caps = tuple(
        Cap(attribute=attribute, limit=limit) for attribute, limit in sorted(rules.caps.items())
    )
    return Constraints(capacity=capacity, quotas=quotas, caps=caps)


def value_key(value: str) -> str:
    """The form in which quotas and caps compare a value: Unicode NFKC, case folded, runs of
    white space as one space, none at the ends.

    So ``"Federal Police BE"``, ``"federal police BE"`` and ``"Federal  Police BE"`` are one
    organisation to a cap, and a quota on ``Prison`` counts applicants whose role is
    ``prison``.

    >>> value_key("  Federal\u00a0 POLICE  BE ")
    'federal police be'
    """
    return " ".join(
        unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).split()
    )


def profiles_of(registrations: Sequence[Registration], constraints: Constraints) -> list[Profile]:
    """Each registration's values of the constrained attributes (see ``Constraints``).

    Values that are equal once normalised (:func:`value_key`) are one value, shown as first
    written: as a quota names it, else as the earliest application (by ``submitted_at``,
    then id) among ``registrations`` writes it, so the profiles do not depend on the order
    of ``registrations``. A missing value (or one that is only white space) is ``""``,
    except for a capped attribute, where it is a stand-in unique to the registration
    (having no organisation is not an organisation).
    """
    attributes = constraints.attributes
    capped = {c.attribute for c in constraints.caps}
    columns = [[r.value_of(attribute) for r in registrations] for attribute in attributes]
    profiles_by_column = []
    for a, column in enumerate(columns):
        named = {  # key -> the form a quota writes
            value_key(q.value): q.value for q in constraints.quotas if q.attribute == attributes[a]
        }
        shown: dict[str | None, str | None] = {None: None}  # raw value -> the form shown
        spellings: dict[str, list[str]] = {}
        for raw in set(column):
            if raw is None:
                continue
            key = value_key(raw)
            if not key:
                shown[raw] = None
            elif key in named:
                shown[raw] = named[key]
            else:
                spellings.setdefault(key, []).append(raw)
        earliest = None
        for forms in spellings.values():
            if len(forms) == 1:
                shown[forms[0]] = forms[0]
                continue
            if earliest is None:  # several spellings: the earliest application's is shown
                earliest = sorted(
                    range(len(registrations)),
                    key=lambda i: (
                        registrations[i].submitted_at.astimezone(_dt.UTC),
                        registrations[i].id,
                    ),
                )
            first = next(column[i] for i in earliest if column[i] in forms)
            for form in forms:
                shown[form] = first
        values = [shown[raw] for raw in column]
        if None in shown.values():  # missing values: "", or a stand-in when capped
            missing = attributes[a] in capped
            values = [
                (_MISSING + r.id if missing else "") if value is None else value
                for r, value in zip(registrations, values, strict=True)
            ]
        profiles_by_column.append(values)
    return (
        list(zip(*profiles_by_column, strict=True)) if attributes else [() for _ in registrations]
    )


def constraint_report(
    constraints: Constraints, profiles: Sequence[Profile], selected: Sequence[int]
) -> tuple[ConstraintReport, ...]:
    """The capacity, every quota value and every cap, with what ``selected`` achieves.

    Args:
        constraints: the constraints.
        profiles: the eligible applicants' profiles.
        selected: the selected (indices into ``profiles``).
    """
    attributes = constraints.attributes
    chosen: dict[tuple[str, str], int] = {}
    pool: dict[tuple[str, str], int] = {}
    for profile in profiles:
        for attribute, value in zip(attributes, profile, strict=True):
            pool[attribute, value] = pool.get((attribute, value), 0) + 1
    for i in selected:
        for attribute, value in zip(attributes, profiles[i], strict=True):
            chosen[attribute, value] = chosen.get((attribute, value), 0) + 1
    reports = [
        ConstraintReport(
            kind="capacity",
            max=constraints.capacity,
            achieved=len(selected),
            available=len(profiles),
        )
    ]
    for quota in constraints.quotas:
        key = (quota.attribute, quota.value)
        reports.append(
            ConstraintReport(
                kind="quota",
                attribute=quota.attribute,
                value=quota.value,
                min=quota.min,
                max=quota.max,
                achieved=chosen.get(key, 0),
                available=pool.get(key, 0),
            )
        )
    for cap in constraints.caps:
        shared = sorted(  # the stand-ins of a missing value are no value to report
            (-n, value)
            for (a, value), n in chosen.items()
            if a == cap.attribute and not value.startswith(_MISSING)
        )
        top_value = shared[0][1] if shared else None
        top = -shared[0][0] if shared else min(1, len(selected))
        reports.append(
            ConstraintReport(
                kind="cap",
                attribute=cap.attribute,
                value=top_value,
                max=cap.limit,
                achieved=top,
                available=len(profiles),
            )
        )
    return tuple(reports)
