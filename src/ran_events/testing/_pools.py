"""Applicant pools an event can select from, by construction (no Hypothesis needed).

:func:`feasible_pool` plants a *witness*: ``capacity`` eligible applicants that together
meet every quota and cap of the event, so a selection filling every place exists. The other
applicants are drawn from the distributions asked for (roles, answers, countries,
organisation sizes) and may be anything, ineligible ones included; they can only add
choices. Everything is drawn from one seeded generator: the same arguments give the same
pool on every machine.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ran_events.errors import InvalidValue
from ran_events.examples import EXTRA_ROLES, TARGET_GROUPS
from ran_events.models import (
    SCALE_RANGE,
    Event,
    Question,
    QuestionKind,
    QuotaBounds,
    Registrant,
    Registration,
)
from ran_events.selection._rules_check import allowed_values

__all__ = ["COUNTRIES", "feasible_pool"]

COUNTRIES: Final = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
"""The EU member states' codes: the countries of a pool unless a distribution says else."""

_REGISTRANT_FIELDS: Final = ("role", "country", "organisation")

Distribution = Mapping[str, float]
"""Value -> relative weight."""


def _weighted(rng: random.Random, values: Sequence[str], weights: Distribution | None) -> str:
    if not weights:
        return rng.choice(values)
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def _witness_column(
    attribute: str,
    size: int,
    *,
    bounds: Mapping[str, QuotaBounds],
    cap: int | None,
    values: Sequence[str] | None,
    rng: random.Random,
) -> list[str]:
    """``size`` values of ``attribute`` meeting its quotas and its cap (shuffled).

    ``values`` are the values an eligible applicant may have (``None``: any text).

    Raises:
        InvalidValue: no ``size`` values meet the quotas and the cap together.
    """
    limits: dict[str, int] = {}

    def limit(value: str) -> int:
        if value not in limits:
            found = [
                b for b in (bounds[value].max if value in bounds else None, cap) if b is not None
            ]
            limits[value] = min(found, default=size)
        return limits[value]

    counts = {value: b.min for value, b in bounds.items() if b.min}
    candidates = list(dict.fromkeys([*(values or ()), *(v for v in bounds if values is None)]))
    if values is None:  # any text: fresh values as many as may be needed
        candidates += [f"{attribute} {k + 1}" for k in range(size)]
    allowed = set(candidates)
    for value, count in counts.items():
        if count > limit(value) or value not in allowed:
            raise InvalidValue(
                f"selection.quotas.{attribute}.{value}",
                count,
                "a quota an eligible applicant can meet within the caps",
            )
    for _ in range(size - sum(counts.values())):
        open_values = [v for v in candidates if counts.get(v, 0) < limit(v)]
        if not open_values:
            raise InvalidValue(
                f"selection.quotas.{attribute}",
                {v: (b.min, b.max) for v, b in bounds.items()},
                f"quotas and caps that let {size} eligible applicants be selected",
            )
        chosen = rng.choice(open_values)
        counts[chosen] = counts.get(chosen, 0) + 1
    column = [value for value, count in counts.items() for _ in range(count)]
    if len(column) != size:  # more minimums than places
        raise InvalidValue(
            f"selection.quotas.{attribute}",
            sum(b.min for b in bounds.values()),
            f"minimums that fit in {size} places",
        )
    rng.shuffle(column)
    return column


def _values(event: Event, attribute: str) -> Sequence[str] | None:
    """The values an eligible applicant may have for ``attribute`` (``None``: any text)."""
    if attribute == "role":
        return event.target_groups or TARGET_GROUPS
    if attribute == "country":
        return COUNTRIES
    return allowed_values(event, attribute)


def _answer(question: Question, value: str | None, rng: random.Random, weights: Any) -> Any:
    """An answer to ``question``: ``value`` (a witness's) converted, or a drawn one."""
    kind = question.kind
    if kind is QuestionKind.YES_NO:
        return (value or _weighted(rng, ("yes", "no"), weights)) == "yes"
    if kind is QuestionKind.SCALE:
        return int(value or _weighted(rng, [str(n) for n in SCALE_RANGE], weights))
    if kind is QuestionKind.SINGLE_CHOICE:
        return value or _weighted(rng, question.choices, weights)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return (value,) if value else tuple(c for c in question.choices if rng.random() < 0.4)
    return value or f"Answer {rng.randrange(1000)}"


def feasible_pool(
    event: Event,
    size: int,
    *,
    seed: int,
    distributions: Mapping[str, Distribution] | None = None,
    organisations: int = 20,
    skew: float = 2.0,
    ineligible: float = 0.1,
) -> list[Registration]:
    """``size`` applications to ``event`` from which a selection filling every place exists.

    The first ``min(size, capacity)`` applicants (in a shuffled order) meet the event's
    quotas and caps together and are eligible (their role is a target group); the others
    follow ``distributions``.

    Args:
        event: the event (its form is answered, its quotas and caps are met).
        size: how many applications, at least the event's capacity for the pool to be
            feasible whatever the quotas.
        seed: the seed: the same seed gives the same pool.
        distributions: attribute -> value -> relative weight, for ``role`` (target groups
            only), ``country`` and the form's choice, yes/no and scale questions; uniform
            where not given.
        organisations: how many organisations the others belong to.
        skew: how unequal the organisations' sizes are: organisation ``floor(u**skew * n)``
            for a uniform ``u`` (1: equal sizes; 3: a few large ones).
        ineligible: the share of the others whose role is not a target group.

    Returns:
        The applications, ids ``p00001``..., submitted inside the registration window.

    Raises:
        InvalidValue: ``size`` is negative, ``organisations`` below 1, or the event's
            quotas and caps leave no selection of its capacity (e.g. minimums above it).
    """
    if size < 0:
        raise InvalidValue("size", size, "a whole number >= 0")
    if organisations < 1:
        raise InvalidValue("organisations", organisations, "a whole number >= 1")
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by design
    weights = dict(distributions or {})
    rules = event.selection
    witnesses = min(size, event.capacity)
    attributes = sorted(set(rules.quotas) | set(rules.caps))
    planted = {
        attribute: _witness_column(
            attribute,
            witnesses,
            bounds=rules.quotas.get(attribute, {}),
            cap=rules.caps.get(attribute),
            values=_values(event, attribute),
            rng=rng,
        )
        for attribute in attributes
    }
    window = event.registration
    span = max(int((window.closes - window.opens).total_seconds()) - 1, 0)
    groups = list(event.target_groups or TARGET_GROUPS)
    pool = []
    for i in range(size):
        given = {a: column[i] for a, column in planted.items()} if i < witnesses else {}
        if "role" not in given:
            off_target = i >= witnesses and rng.random() < ineligible
            given["role"] = (
                rng.choice(EXTRA_ROLES)
                if off_target
                else _weighted(rng, groups, weights.get("role"))
            )
        given.setdefault("country", _weighted(rng, COUNTRIES, weights.get("country")))
        given.setdefault(
            "organisation", f"Organisation {int(rng.random() ** skew * organisations) + 1}"
        )
        answers = {
            q.id: _answer(q, given.get(q.id), rng, weights.get(q.id)) for q in event.form.questions
        }
        extra = {
            a: v for a, v in given.items() if a not in _REGISTRANT_FIELDS and a not in answers
        }
        pool.append(
            Registration(
                id=f"p{i + 1:05d}",
                event_id=event.id,
                registrant=Registrant(
                    name=f"Applicant {i + 1}",
                    email=f"applicant{i + 1}@example.org",
                    organisation=given["organisation"],
                    country=given["country"],
                    role=given["role"],
                    attributes=extra,
                ),
                submitted_at=window.opens + _dt.timedelta(seconds=rng.randint(0, span)),
                answers=answers,
            )
        )
    rng.shuffle(pool)
    return pool
