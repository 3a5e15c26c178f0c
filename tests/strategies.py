"""Hypothesis strategies shared by the tests (add to this file; do not rewrite it)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ran_events.selection._constraints import Cap, Constraints, Profile, Quota

SelectionProblem = tuple[list[Profile], Constraints, list[int]]
"""Profiles, constraints and an order of applicants (indices into the profiles)."""


@st.composite
def selection_problems(draw: st.DrawFn, max_applicants: int = 9) -> SelectionProblem:
    """Small random pools: 1-3 attributes of 2-3 values, random minimums, maximums, caps,
    capacity and an order over a random subset of the applicants."""
    width = draw(st.integers(1, 3))
    names = [f"attr{a}" for a in range(width)]
    values = [[f"v{v}" for v in range(draw(st.integers(2, 3)))] for _ in range(width)]
    size = draw(st.integers(0, max_applicants))
    profiles: list[Profile] = [
        tuple(draw(st.sampled_from(values[a])) for a in range(width)) for _ in range(size)
    ]
    quotas = []
    for a in range(width):
        for value in values[a]:
            if draw(st.booleans()):
                low = draw(st.integers(0, 3))
                high = draw(st.none() | st.integers(low, 5))
                quotas.append(Quota(attribute=names[a], value=value, min=low, max=high))
    caps = [
        Cap(attribute=names[a], limit=draw(st.integers(1, 4)))
        for a in range(width)
        if draw(st.booleans())
    ]
    used = {q.attribute for q in quotas} | {c.attribute for c in caps}
    for name, named in zip(names, values, strict=True):
        if name not in used:  # every attribute of a profile must be constrained somehow
            quotas.append(Quota(attribute=name, value=named[0]))
    constraints = Constraints(
        capacity=draw(st.integers(0, 7)), quotas=tuple(quotas), caps=tuple(caps)
    )
    order = draw(st.permutations(range(size)))
    order = order[: draw(st.integers(0, size))] if draw(st.booleans()) else order
    return profiles, constraints, list(order)


# ------------------------------------------------------------------------------------------
# Time zones and wall times (tests of ran_events.tz, models and event files)

EU_ZONES: tuple[str, ...] = (
    "Europe/Vienna", "Europe/Brussels", "Europe/Sofia", "Europe/Zagreb", "Asia/Nicosia",
    "Europe/Prague", "Europe/Copenhagen", "Europe/Tallinn", "Europe/Helsinki", "Europe/Paris",
    "Europe/Berlin", "Europe/Athens", "Europe/Budapest", "Europe/Dublin", "Europe/Rome",
    "Europe/Riga", "Europe/Vilnius", "Europe/Luxembourg", "Europe/Malta", "Europe/Amsterdam",
    "Europe/Warsaw", "Europe/Lisbon", "Europe/Bucharest", "Europe/Bratislava",
    "Europe/Ljubljana", "Europe/Madrid", "Europe/Stockholm",
)  # fmt: skip
"""The zone of every EU member state."""

ZONES: tuple[str, ...] = (
    *EU_ZONES,
    "UTC", "Australia/Sydney", "America/New_York", "Asia/Tokyo", "America/Santiago",
    "Pacific/Apia", "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Casablanca",
    "America/Havana", "Pacific/Chatham", "Antarctica/Troll", "America/St_Johns",
    "Europe/London", "America/Sao_Paulo", "Pacific/Kiritimati",
)  # fmt: skip
"""EU zones plus zones with odd rules: 30-minute DST, negative DST, midnight changes, a
skipped day, two-hour DST, no DST."""


def naive_datetimes(
    min_value: dt.datetime = dt.datetime(1900, 1, 1),
    max_value: dt.datetime = dt.datetime(2100, 12, 31),
) -> st.SearchStrategy[dt.datetime]:
    """Wall times (no tzinfo) between ``min_value`` and ``max_value``, seconds included."""
    return st.datetimes(min_value, max_value, timezones=st.none())
