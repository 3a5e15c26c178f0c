"""Hypothesis strategies for policy experiments: events, applicant pools, seeds.

Needs Hypothesis (``pip install 'ran-events[testing]'``), which is why these live in a module
of their own: :mod:`ran_events.testing` and its pytest plugin work without it.

>>> from hypothesis import given
>>> from ran_events.testing.strategies import applicant_pools, events
>>> @given(events().flatmap(lambda event: applicant_pools(event).map(lambda pool: (event, pool))))
... def test_select(case): ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from ran_events.examples import TARGET_GROUPS, WEBINAR_FORM, webinar
from ran_events.models import Event, QuestionKind, QuotaBounds, Registration, SelectionRules
from ran_events.testing._pools import Distribution, feasible_pool

__all__ = ["applicant_pools", "events", "seeds"]

Sizes = int | tuple[int, int]
"""A size, or the (smallest, largest) range one is drawn from."""

PolicySpec = str | tuple[str, Mapping[str, Any]]
"""A policy name, or a name and its parameters."""

_SCORE_WEIGHTS: Final = {"experience": 1.0, "casework": 2.0}


def _range(value: Sizes) -> st.SearchStrategy[int]:
    low, high = (value, value) if isinstance(value, int) else value
    return st.integers(low, high)


def seeds() -> st.SearchStrategy[int]:
    """Selection seeds: whole numbers from 0 to 2**32 - 1 (0 is a seed)."""
    return st.integers(0, 2**32 - 1)


@st.composite
def _bounds(
    draw: st.DrawFn, values: Sequence[str], capacity: int, most: int
) -> dict[str, QuotaBounds]:
    """Quotas on up to ``most`` of ``values``: minimums that fit ``capacity`` together, and
    at least one value left without a maximum (so the places can always be filled)."""
    chosen = draw(st.lists(st.sampled_from(values), max_size=most, unique=True))
    share = capacity // max(len(values), 1)
    open_value = draw(st.sampled_from(values))
    table = {}
    for value in chosen:
        low = draw(st.integers(0, share))
        high = (
            None if value == open_value else draw(st.none() | st.integers(max(low, 1), capacity))
        )
        table[value] = QuotaBounds(min=low, max=high)
    return table


@st.composite
def _events(
    draw: st.DrawFn,
    *,
    capacity: Sizes,
    policies: Sequence[PolicySpec],
    quotas: Sequence[str],
    caps: Sequence[str],
    cap_limits: Sizes,
    max_quota_values: int,
) -> Event:
    base = webinar()
    places = draw(_range(capacity))
    groups = tuple(
        draw(st.lists(st.sampled_from(TARGET_GROUPS), min_size=2, max_size=6, unique=True))
    )
    choices = {
        q.id: q.choices for q in WEBINAR_FORM.questions if q.kind is QuestionKind.SINGLE_CHOICE
    }
    table = {}
    for attribute in quotas:
        values = groups if attribute == "role" else choices.get(attribute, ())
        if not values:
            raise ValueError(f"no quota values for {attribute!r}: role or {', '.join(choices)}")
        bounds = draw(_bounds(values, places, max_quota_values))
        if bounds:
            table[attribute] = bounds
    spec = draw(st.sampled_from(list(policies)))
    name, parameters = (spec, {}) if isinstance(spec, str) else (spec[0], dict(spec[1]))
    if name == "score" and not parameters:
        parameters = {"weights": dict(_SCORE_WEIGHTS)}
    rules = SelectionRules(
        policy=name,
        seed=draw(seeds()),
        quotas=table,
        caps={attribute: draw(_range(cap_limits)) for attribute in caps},
        parameters=parameters,
    )
    return attrs.evolve(base, capacity=places, target_groups=groups, selection=rules)


def events(
    *,
    capacity: Sizes = (5, 40),
    policies: Sequence[PolicySpec] = ("lottery",),
    quotas: Sequence[str] = ("role", "gender"),
    caps: Sequence[str] = ("organisation",),
    cap_limits: Sizes = (1, 3),
    max_quota_values: int = 3,
) -> st.SearchStrategy[Event]:
    """Events like the webinar with quotas and caps that some selection can meet.

    Each has 2 to 6 of the target groups, a capacity from ``capacity``, quotas on up to
    ``max_quota_values`` values of each attribute of ``quotas`` (``role``: target groups;
    a single-choice question of the webinar's form, such as ``gender``: its choices) whose
    minimums fit the capacity together and leave one value without a maximum, and a cap
    from ``cap_limits`` on each attribute of ``caps``. With a pool from
    :func:`applicant_pools` every such event can fill its places.

    Args:
        capacity: the places (a number or a range).
        policies: the policies drawn from: names, or (name, parameters); ``score`` without
            parameters weighs ``experience`` and ``casework``.
        quotas: the attributes quotas are drawn on.
        caps: the capped attributes.
        cap_limits: the caps' limits.
        max_quota_values: how many values of one attribute may have a quota.
    """
    return _events(
        capacity=capacity,
        policies=policies,
        quotas=quotas,
        caps=caps,
        cap_limits=cap_limits,
        max_quota_values=max_quota_values,
    )


@st.composite
def _pools(
    draw: st.DrawFn,
    event: Event,
    *,
    size: Sizes,
    distributions: Mapping[str, Distribution] | None,
    organisations: Sizes,
    skew: float,
    ineligible: float,
) -> list[Registration]:
    return feasible_pool(
        event,
        max(draw(_range(size)), event.capacity),
        seed=draw(seeds()),
        distributions=distributions,
        organisations=draw(_range(organisations)),
        skew=skew,
        ineligible=ineligible,
    )


def applicant_pools(
    event: Event,
    *,
    size: Sizes = (50, 500),
    distributions: Mapping[str, Distribution] | None = None,
    organisations: Sizes = (5, 60),
    skew: float = 2.0,
    ineligible: float = 0.1,
) -> st.SearchStrategy[list[Registration]]:
    """Pools of applications to ``event`` from which a selection filling every place exists.

    Built by :func:`~ran_events.testing.feasible_pool` from a drawn seed (so Hypothesis
    shrinks a failing pool to a smaller size and seed, not applicant by applicant).

    Args:
        event: the event applied to.
        size: how many applications (a number or a range; never fewer than the capacity).
        distributions: attribute -> value -> relative weight (``role``, ``country``, the
            form's questions); uniform where not given.
        organisations: how many organisations (a number or a range).
        skew: how unequal the organisations' sizes are (1: equal; 3: a few large ones).
        ineligible: the share of applicants (beyond the planted feasible panel) whose role
            is not a target group.
    """
    return _pools(
        event,
        size=size,
        distributions=distributions,
        organisations=organisations,
        skew=skew,
        ineligible=ineligible,
    )
