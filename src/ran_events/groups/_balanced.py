"""Balanced small groups: mixed professions and countries, colleagues apart, most diverse.

:func:`assign_groups` works in two steps.

1. **The hard rules, exactly.** An integer program (scipy's HiGHS) places every participant
   in one group such that group sizes differ by at most one; for every balanced attribute
   each group holds ``floor(c / k)`` to ``ceil(c / k)`` people of each value held by ``c``
   participants (``k`` groups); and people sharing an ``apart`` value are in different
   groups (at most ``ceil(c / k)`` per group, so one when ``c <= k``). Each rule has a
   slack, priced so that a rule lower in the order is broken before any rule above it:
   apart attributes first (in the order given), then the balanced ones (in the order
   given). The solver proves the least relaxation, so a rule is relaxed only when no split
   meets it together with every rule above it; each one relaxed is recorded in
   :attr:`GroupAssignment.relaxed` with the groups it could not hold in.
2. **Diversity within the rules.** The exchange method of Papenberg and Klau (2021,
   *Psychological Methods* 26(2); the R package anticlust): for each participant in
   ticket order, the swap with a member of another group that most raises diversity and
   keeps every rule (the sizes, and each count within the bounds that step 1 reached) is
   made; passes repeat until none helps. Diversity is the sum over groups of the distances
   between each two members, a distance being the number of the balanced and apart
   attributes on which the two differ (a missing value is a value of its own).

Everything is ordered by a lottery ticket, the SHA-256 of ``["groups", seed, id]`` as JSON,
never by input order or ``hash()``: the same participants and seed give the same groups on
every machine. Facilitators (registrations or names) get one group each, are counted by
the apart rules (a facilitator is not put with a colleague) but not by the balance rules
nor the diversity.

:func:`reassign` repairs an assignment after late withdrawals and additions, moving as few
of the people already placed as the rules allow (an integer program too).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from ran_events.errors import (
    FacilitatorCountError,
    GroupSizeError,
    InvalidValue,
    NoParticipants,
    UnknownGroupAttribute,
    UnknownRegistration,
)
from ran_events.models import Event, Registration, SessionKind

from ._csv import AssignmentRow

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "Group",
    "GroupAssignment",
    "Relaxation",
    "assign_groups",
    "diversity",
    "group_ticket",
    "reassign",
]

TIME_LIMIT: Final = 30.0
"""Seconds HiGHS may take for one integer program (far more than any event needs)."""

MISSING: Final = ""
"""The value of an attribute a participant has not given (a value of its own)."""


def group_ticket(seed: int, key: str) -> str:
    """The lottery ticket of a participant (or facilitator) ``key`` for groups under ``seed``.

    The SHA-256 (hex) of the JSON array ``["groups", seed, key]``: portable, independent of
    the selection's tickets, of input order and of ``PYTHONHASHSEED``.

    >>> group_ticket(2023, "r1")[:12]
    'd18fdc55f2ae'
    """
    text = json.dumps(["groups", int(seed), key], ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------------------------
# Results


@attrs.frozen(kw_only=True)
class Relaxation:
    """A rule that no split could keep together with the rules above it.

    Attributes:
        rule: ``"apart"`` or ``"balance"``.
        attribute: the attribute (``organisation``, ``role``, ...).
        value: the value whose count broke the bounds.
        low, high: the bounds per group the rule asked for.
        groups: the numbers of the groups outside them.
        reason: the explanation, in words.
    """

    rule: str
    attribute: str
    value: str
    low: int
    high: int
    groups: tuple[int, ...]
    reason: str


@attrs.frozen(kw_only=True)
class Group:
    """One small group.

    Attributes:
        number: 1, 2, ...
        session_id: the breakout session it meets in, or ``""``.
        members: the registration ids of its members, in ticket order.
        facilitator: the facilitator's registration id or name, or ``""``.
    """

    number: int
    session_id: str
    members: tuple[str, ...]
    facilitator: str = ""

    def __len__(self) -> int:
        return len(self.members)


def _registrations(value: Iterable[Registration]) -> tuple[Registration, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class GroupAssignment:
    """What :func:`assign_groups` (or :func:`reassign`) decided, and why.

    Attributes:
        groups: the groups, by number.
        relaxed: each rule that had to give way (empty when every rule holds).
        seed: the seed of the tickets.
        balance, apart: the attributes balanced and kept apart.
        diversity: the objective reached (see :func:`diversity`).
        participants: the registrations placed (not in the ``repr``).
        facilitators: the facilitators, as given (not in the ``repr``).
        moved: for :func:`reassign`, the ids of the people placed before who changed group.
    """

    groups: tuple[Group, ...]
    relaxed: tuple[Relaxation, ...]
    seed: int
    balance: tuple[str, ...]
    apart: tuple[str, ...]
    diversity: int
    participants: tuple[Registration, ...] = attrs.field(
        converter=_registrations, repr=False, eq=False
    )
    facilitators: tuple[Registration | str, ...] = attrs.field(repr=False, eq=False)
    moved: tuple[str, ...] = ()

    def group_of(self, registration_id: str) -> Group:
        """The group of a participant.

        Raises:
            UnknownRegistration: the id is not a participant of this assignment.
        """
        for group in self.groups:
            if registration_id in group.members:
                return group
        raise UnknownRegistration(registration_id)

    def _group(self, group: int | Group) -> Group:
        number = group.number if isinstance(group, Group) else group
        if not 1 <= number <= len(self.groups):
            raise InvalidValue("group", number, f"a group number from 1 to {len(self.groups)}")
        return self.groups[number - 1]

    def composition(self, group: int | Group) -> dict[str, Counter[str]]:
        """How many members of ``group`` hold each value of each balanced attribute.

        Raises:
            InvalidValue: there is no such group.
        """
        members = set(self._group(group).members)
        people = [p for p in self.participants if p.id in members]
        return {a: Counter(_value(p, a) for p in people) for a in self.balance}

    def explain(self, group: int | Group) -> str:
        """The group's composition in words: ``group 3: 2 police, 2 prison, 1 youth; FI, SE``.

        One part per balanced attribute: the values with their counts (most first), or only
        the values when each is held once; a missing value reads ``no <attribute>``.

        Raises:
            InvalidValue: there is no such group.
        """
        found = self._group(group)
        parts = [_counts_text(a, c) for a, c in self.composition(found).items()]
        text = f"group {found.number}: " + "; ".join(parts or [f"{len(found)} people"])
        if found.facilitator:
            text += f"; facilitator {found.facilitator}"
        return text

    def reason(self, registration_id: str) -> str:
        """Why a participant is in their group, in words.

        Raises:
            UnknownRegistration: the id is not a participant of this assignment.
        """
        group = self.group_of(registration_id)
        person = next(p for p in self.participants if p.id == registration_id)
        where = f" ({group.session_id})" if group.session_id else ""
        text = f"group {group.number}{where}"
        mine = ", ".join(_value(person, a) or f"no {a}" for a in self.balance)
        if mine:
            text += f": {mine}, placed to mix {' and '.join(self.balance)}"
        broken = [
            r
            for r in self.relaxed
            if group.number in r.groups and _value(person, r.attribute) == r.value
        ]
        for rule in self.apart:
            if _value(person, rule) and not any(r.attribute == rule for r in broken):
                text += f"; no one else from the same {rule}"
        for r in broken:
            text += f"; {r.rule} {r.attribute} relaxed: {r.reason}"
        if registration_id in self.moved:
            text += "; moved after withdrawals"
        return text

    def rows(self) -> list[AssignmentRow]:
        """The groups CSV rows: each participant with group, session and reason, by group."""
        return [
            AssignmentRow(
                registration_id=member,
                group=str(group.number),
                session_id=group.session_id,
                reason=self.reason(member),
            )
            for group in self.groups
            for member in group.members
        ]

    def rooms(self) -> dict[str, tuple[str, ...]]:
        """Each participant's session (the mapping :func:`ran_events.ics.invite` takes);
        empty when the groups have no session."""
        return {m: (g.session_id,) for g in self.groups if g.session_id for m in g.members}


def _counts_text(attribute: str, counts: Counter[str]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] == MISSING, item[0]))
    names = [(v or f"no {attribute}", n) for v, n in ordered]
    if all(n == 1 for _, n in names):
        return ", ".join(v for v, _ in names)
    return ", ".join(f"{n} {v}" for v, n in names)


def _value(registration: Registration | str, attribute: str) -> str:
    if isinstance(registration, str):
        return MISSING
    return registration.value_of(attribute) or MISSING


# --------------------------------------------------------------------------------------------
# The problem


@attrs.frozen
class _Rule:
    """Bounds on how many people of one value of one attribute a group may hold."""

    kind: str  # "apart" or "balance"
    level: int  # 0 is kept longest
    attribute: str
    value: str
    people: tuple[int, ...]  # participant indices
    leaders: tuple[int, ...]  # facilitator indices (apart rules only)
    low: int
    high: int


@attrs.frozen
class _Problem:
    people: tuple[Registration, ...]  # in ticket order
    leaders: tuple[Registration | str, ...]  # in ticket order
    k: int
    low: int
    high: int
    rules: tuple[_Rule, ...]
    levels: tuple[tuple[str, str], ...]  # (kind, attribute) per level


def _check(
    participants: Sequence[Registration], balance: Sequence[str], apart: Sequence[str]
) -> None:
    if not participants:
        raise NoParticipants
    seen: set[str] = set()
    for registration in participants:
        if registration.id in seen:
            raise InvalidValue(
                "participants", registration.id, "each registration once", detail="repeated"
            )
        seen.add(registration.id)
    for field, attributes in (("balance", balance), ("apart", apart)):
        for attribute in attributes:
            if not any(p.value_of(attribute) for p in participants):
                known = {
                    a
                    for p in participants
                    for a in ("role", "country", "organisation", *p.registrant.attributes)
                    if p.value_of(a)
                } | {a for p in participants for a in p.answers if p.value_of(a)}
                raise UnknownGroupAttribute(field, attribute, known)


def _group_count(n: int, size: int | None, groups: int | None) -> int:
    if (size is None) == (groups is None):
        raise GroupSizeError("size/groups", (size, groups), "exactly one of size and groups")
    if size is not None:
        if size < 2:
            raise GroupSizeError("size", size, "a group size of at least 2")
        if size > n:
            raise GroupSizeError(
                "size", size, f"a size of at most {n}, the number of participants"
            )
        return math.ceil(n / size)
    assert groups is not None
    if not 1 <= groups <= n:
        raise GroupSizeError("groups", groups, f"1 to {n} groups (one person at least each)")
    return groups


def _problem(
    people: Sequence[Registration],
    leaders: Sequence[Registration | str],
    k: int,
    balance: Sequence[str],
    apart: Sequence[str],
) -> _Problem:
    n = len(people)
    rules: list[_Rule] = []
    levels: list[tuple[str, str]] = []
    for kind, attributes in (("apart", apart), ("balance", balance)):
        for attribute in attributes:
            level = len(levels)
            levels.append((kind, attribute))
            by_value: dict[str, list[int]] = {}
            for i, person in enumerate(people):
                by_value.setdefault(_value(person, attribute), []).append(i)
            led: dict[str, list[int]] = {}
            if kind == "apart":
                for f, leader in enumerate(leaders):
                    led.setdefault(_value(leader, attribute), []).append(f)
            for value in sorted(set(by_value) | set(led)):
                mine, theirs = by_value.get(value, []), led.get(value, [])
                count = len(mine) + len(theirs)
                if kind == "apart":
                    if value == MISSING or count < 2:
                        continue
                    low, high = 0, math.ceil(count / k)
                else:
                    low, high = count // k, math.ceil(count / k)
                rules.append(
                    _Rule(kind, level, attribute, value, tuple(mine), tuple(theirs), low, high)
                )
    return _Problem(
        people=tuple(people),
        leaders=tuple(leaders),
        k=k,
        low=n // k,
        high=math.ceil(n / k),
        rules=tuple(rules),
        levels=tuple(levels),
    )


def _solve(
    problem: _Problem,
    current: Sequence[int] | None = None,
    leader_groups: Sequence[int] | None = None,
) -> tuple[list[int], list[int], bool]:
    """Place everyone: (group per person, group per facilitator, proven optimal).

    First with every rule hard (fast: a feasibility program); only when that is infeasible
    again with the priced slacks that find the least relaxation. With ``current`` (a group
    per person, -1 for a newcomer) the objective also counts the people moved, below every
    rule; facilitators then keep ``leader_groups``.
    """
    found = _program(problem, current, leader_groups, strict=True)
    if found is None:
        found = _program(problem, current, leader_groups, strict=False)
    assert found is not None
    return found


def _program(
    problem: _Problem,
    current: Sequence[int] | None,
    leader_groups: Sequence[int] | None,
    *,
    strict: bool,
) -> tuple[list[int], list[int], bool] | None:
    """One integer program; ``None`` when ``strict`` and no split keeps every rule."""
    import numpy as np  # noqa: PLC0415 - heavy, only when solving
    from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415 - heavy
    from scipy.sparse import coo_array  # noqa: PLC0415 - heavy, only when solving

    n, m, k = len(problem.people), len(problem.leaders), problem.k
    x0, y0 = 0, n * k
    count = n * k + m * k
    rows: list[int] = []
    cols: list[int] = []
    lows: list[float] = []
    highs: list[float] = []
    cost: list[float] = [0.0] * count
    upper: list[float] = [1.0] * count

    def row(columns: Iterable[int], low: float, high: float) -> None:
        r = len(lows)
        for c in columns:
            rows.append(r)
            cols.append(c)
        lows.append(low)
        highs.append(high)

    def slack(weight: float) -> int:
        cost.append(weight)
        upper.append(float(n + m))
        return len(cost) - 1

    for i in range(n):
        row((x0 + i * k + g for g in range(k)), 1, 1)
    for g in range(k):
        row((x0 + i * k + g for i in range(n)), problem.low, problem.high)
    for f in range(m):
        row((y0 + f * k + g for g in range(k)), 1, 1)
    if m:
        for g in range(k):
            row((y0 + f * k + g for f in range(m)), 1, 1)
    # A level's slacks add up to 2 (n + m) at most: each level outweighs all below it.
    base = 2.0 * (n + m) + 1
    moves = current is not None
    levels = len(problem.levels)
    weights = [base ** (levels - 1 - level + moves) for level in range(levels)]
    signed: list[tuple[int, int, float]] = []  # (row, column, coefficient) of slacks
    for rule in problem.rules:
        weight = weights[rule.level]
        for g in range(k):
            members = [x0 + i * k + g for i in rule.people]
            members += [y0 + f * k + g for f in rule.leaders]
            if strict:
                row(members, rule.low, rule.high)
                continue
            if rule.low > 0:
                signed.append((len(lows), slack(weight), 1.0))
                row(members, rule.low, math.inf)
            signed.append((len(lows), slack(weight), -1.0))
            row(members, -math.inf, rule.high)
    if current is not None:
        for i, g in enumerate(current):
            if g >= 0:
                cost[x0 + i * k + g] = -1.0  # staying is worth one move
        if leader_groups is not None:
            for f, g in enumerate(leader_groups):
                row([y0 + f * k + g], 1, 1)
    elif n:
        row([x0], 1, 1)  # the groups are alike: the first person opens group 1
    values = [1.0] * len(rows) + [c for _, _, c in signed]
    matrix = coo_array(
        (values, ([*rows, *(r for r, _, _ in signed)], [*cols, *(c for _, c, _ in signed)])),
        shape=(len(lows), len(cost)),
    ).tocsr()
    integrality = np.zeros(len(cost))
    integrality[: n * k + m * k] = 1
    result = milp(
        np.asarray(cost),
        integrality=integrality,
        bounds=Bounds(np.zeros(len(cost)), np.asarray(upper)),
        constraints=LinearConstraint(matrix, np.asarray(lows), np.asarray(highs)),
        options={"mip_rel_gap": 0.0, "time_limit": TIME_LIMIT},
    )
    if result.x is None:  # infeasible, or no split found in the time limit
        if strict:
            return None
        raise RuntimeError(f"HiGHS gave no split: {result.message}")  # pragma: no cover
    x = np.rint(result.x[: n * k]).reshape(n, k) if n else np.zeros((0, k))
    y = np.rint(result.x[y0 : y0 + m * k]).reshape(m, k) if m else np.zeros((0, k))
    return (
        [int(v) for v in x.argmax(axis=1)],
        [int(v) for v in y.argmax(axis=1)],
        bool(result.status == 0),
    )


# --------------------------------------------------------------------------------------------
# Diversity and the exchange method


def _codes(people: Sequence[Registration], attributes: Sequence[str]) -> NDArray[np.int64]:
    import numpy as np  # noqa: PLC0415 - heavy, only when solving

    columns = []
    for attribute in attributes:
        values = [_value(p, attribute) for p in people]
        index = {v: c for c, v in enumerate(sorted(set(values)))}
        columns.append([index[v] for v in values])
    return np.asarray(columns, dtype=np.int64).T.reshape(len(people), len(attributes))


def _distances(codes: NDArray[np.int64]) -> NDArray[np.int64]:
    import numpy as np  # noqa: PLC0415 - heavy, only when solving

    n = codes.shape[0]
    found = np.zeros((n, n), dtype=np.int64)
    for a in range(codes.shape[1]):
        found += codes[:, a, None] != codes[None, :, a]
    return found


def _objective(distances: NDArray[np.int64], placed: Sequence[int]) -> int:
    import numpy as np  # noqa: PLC0415 - heavy, only when solving

    groups = np.asarray(placed)
    same = groups[:, None] == groups[None, :]
    return int(distances[same].sum() // 2)


def diversity(
    participants: Sequence[Registration], groups: Sequence[int], attributes: Sequence[str]
) -> int:
    """The diversity of a split: over each group, the sum of the distances of its pairs.

    Args:
        participants: the people.
        groups: the group of each (any labels), in the same order.
        attributes: the attributes whose differences count (one each).

    >>> from ran_events import examples
    >>> people = examples.synthetic_applicants(4, seed=1)
    >>> diversity(people, [0, 0, 1, 1], ["role"]) <= 2
    True
    """
    return _objective(_distances(_codes(participants, attributes)), list(groups))


@attrs.define
class _Counts:
    """The count of each value of one rule's attribute in each group, and its bounds."""

    codes: NDArray[np.int64]  # value code per person
    counts: NDArray[np.int64]  # [group, value], facilitators included for apart
    low: NDArray[np.int64]  # per value
    high: NDArray[np.int64]  # per value


def _bounds(
    problem: _Problem, placed: Sequence[int], leader_groups: Sequence[int]
) -> list[_Counts]:
    """The bounds a swap must keep: each rule's, widened to the counts the program reached."""
    import numpy as np  # noqa: PLC0415 - heavy, only when solving

    found = []
    for kind, attribute in problem.levels:
        values = sorted({_value(p, attribute) for p in problem.people})
        index = {v: c for c, v in enumerate(values)}
        codes = np.asarray([index[_value(p, attribute)] for p in problem.people], dtype=np.int64)
        counts = np.zeros((problem.k, len(values)), dtype=np.int64)
        np.add.at(counts, (np.asarray(placed), codes), 1)
        low = np.zeros(len(values), dtype=np.int64)
        high = np.full(len(values), len(problem.people) + 1, dtype=np.int64)
        for rule in problem.rules:
            if (rule.kind, rule.attribute) != (kind, attribute) or rule.value not in index:
                continue
            v = index[rule.value]
            for f in rule.leaders:
                counts[leader_groups[f], v] += 1
            low[v] = min(rule.low, int(counts[:, v].min()))
            high[v] = max(rule.high, int(counts[:, v].max()))
        found.append(_Counts(codes, counts, low, high))
    return found


def _exchange(
    distances: NDArray[np.int64], placed: list[int], k: int, rules: Sequence[_Counts]
) -> list[int]:
    """The exchange method: best improving swap for each person in turn, until none helps."""
    import numpy as np  # noqa: PLC0415 - heavy, only when solving

    n = len(placed)
    groups = np.asarray(placed, dtype=np.int64)
    sums = np.zeros((n, k), dtype=np.int64)  # sums[i, g]: distances from i to group g
    for g in range(k):
        sums[:, g] = distances[:, groups == g].sum(axis=1)
    everyone = np.arange(n)
    improved = True
    while improved:
        improved = False
        for i in range(n):
            gi = int(groups[i])
            gain = (
                sums[i, groups]
                - distances[i]
                - sums[i, gi]
                + sums[:, gi]
                - distances[:, i]
                - sums[everyone, groups]
            )
            allowed = groups != gi
            for rule in rules:
                vi, vj = int(rule.codes[i]), rule.codes
                c = rule.counts
                ok = (
                    (c[gi, vi] - 1 >= rule.low[vi])
                    & (c[gi, vj] + 1 <= rule.high[vj])
                    & (c[groups, vj] - 1 >= rule.low[vj])
                    & (c[groups, vi] + 1 <= rule.high[vi])
                )
                allowed &= ok | (vj == vi)
            gain = np.where(allowed, gain, 0)
            j = int(gain.argmax())
            if gain[j] <= 0:
                continue
            gj = int(groups[j])
            for rule in rules:
                vi, vj2 = int(rule.codes[i]), int(rule.codes[j])
                rule.counts[gi, vi] -= 1
                rule.counts[gj, vi] += 1
                rule.counts[gj, vj2] -= 1
                rule.counts[gi, vj2] += 1
            sums[:, gi] += distances[:, j] - distances[:, i]
            sums[:, gj] += distances[:, i] - distances[:, j]
            groups[i], groups[j] = gj, gi
            improved = True
    return [int(g) for g in groups]


# --------------------------------------------------------------------------------------------
# The public functions


def _ordered(seed: int, items: Iterable[Registration | str]) -> list[Registration | str]:
    def key(item: Registration | str) -> tuple[str, str]:
        name = item if isinstance(item, str) else item.id
        return group_ticket(seed, name), name

    return sorted(items, key=key)


def _sessions(event: Event | None, k: int) -> list[str]:
    if event is None:
        return [""] * k
    breakouts = [s.id for s in event.sessions if s.kind is SessionKind.BREAKOUT]
    if len(breakouts) == k:
        return breakouts
    return [breakouts[0] if breakouts else ""] * k


def assign_groups(
    participants: Sequence[Registration],
    *,
    size: int | None = None,
    groups: int | None = None,
    balance: Sequence[str] = ("role", "country"),
    apart: Sequence[str] = ("organisation",),
    facilitators: Sequence[Registration | str] = (),
    seed: int,
    event: Event | None = None,
) -> GroupAssignment:
    """Split ``participants`` into small groups that mix, keep colleagues apart, and differ.

    See the module's description for the rules, their order and the method.

    Args:
        participants: the registrations to place (their ``role``, ``country``,
            ``organisation``, free attributes or answers are the attributes).
        size: the largest group size: ``ceil(n / size)`` groups are made.
        groups: the number of groups (instead of ``size``).
        balance: attributes whose values each group mixes in proportion.
        apart: attributes whose shared values (colleagues of one organisation) are spread
            over different groups.
        facilitators: one per group (registrations or names), or none.
        seed: the seed of the tickets that order everything.
        event: the event, for the groups' sessions: with as many breakout sessions as
            groups, group ``i`` meets in the ``i``-th; otherwise every group in the first
            breakout session (none: ``""``).

    Returns:
        The groups, what was relaxed, and the explanation of each placement.

    Raises:
        NoParticipants: ``participants`` is empty.
        GroupSizeError: neither or both of ``size`` and ``groups``, a size below 2 or above
            the number of participants, or more groups than participants.
        UnknownGroupAttribute: an attribute of ``balance`` or ``apart`` that no participant
            has.
        FacilitatorCountError: facilitators given, but not one per group.
        InvalidValue: a registration given twice.
    """
    balance, apart = tuple(balance), tuple(apart)
    _check(participants, balance, apart)
    k = _group_count(len(participants), size, groups)
    if facilitators and len(facilitators) != k:
        raise FacilitatorCountError(k, len(facilitators))
    people = [p for p in _ordered(seed, participants) if isinstance(p, Registration)]
    leaders = _ordered(seed, facilitators)
    problem = _problem(people, leaders, k, balance, apart)
    placed, leader_groups, proven = _solve(problem)
    attributes = tuple(dict.fromkeys((*balance, *apart)))
    distances = _distances(_codes(people, attributes))
    placed = _exchange(distances, placed, k, _bounds(problem, placed, leader_groups))
    return _result(problem, placed, leader_groups, proven, seed, balance, apart, event, ())


def _result(  # noqa: PLR0917 - private; every argument is one part of the result
    problem: _Problem,
    placed: Sequence[int],
    leader_groups: Sequence[int],
    proven: bool,
    seed: int,
    balance: tuple[str, ...],
    apart: tuple[str, ...],
    event: Event | None,
    moved: tuple[str, ...],
    sessions: Sequence[str] | None = None,
) -> GroupAssignment:
    k = problem.k
    found = [
        Group(
            number=g + 1,
            session_id=(sessions or _sessions(event, k))[g],
            members=tuple(p.id for p, pg in zip(problem.people, placed, strict=True) if pg == g),
            facilitator=next(
                (
                    leader if isinstance(leader, str) else leader.id
                    for leader, lg in zip(problem.leaders, leader_groups, strict=True)
                    if lg == g
                ),
                "",
            ),
        )
        for g in range(k)
    ]
    attributes = tuple(dict.fromkeys((*balance, *apart)))
    return GroupAssignment(
        groups=tuple(found),
        relaxed=_relaxations(problem, placed, leader_groups, proven),
        seed=seed,
        balance=balance,
        apart=apart,
        diversity=_objective(_distances(_codes(problem.people, attributes)), placed),
        participants=problem.people,
        facilitators=problem.leaders,
        moved=moved,
    )


def _relaxations(
    problem: _Problem, placed: Sequence[int], leader_groups: Sequence[int], proven: bool
) -> tuple[Relaxation, ...]:
    found = []
    for rule in problem.rules:
        counts = Counter(placed[i] for i in rule.people)
        counts.update(leader_groups[f] for f in rule.leaders)
        outside = tuple(
            g + 1 for g in range(problem.k) if not rule.low <= counts.get(g, 0) <= rule.high
        )
        if not outside:
            continue
        above = [f"{kind} {attribute}" for kind, attribute in problem.levels[: rule.level]]
        total = len(rule.people) + len(rule.leaders)
        why = (
            f"no split of {len(problem.people)} into {problem.k} groups gives each "
            f"{rule.low} to {rule.high} of the {total} with {rule.attribute} "
            f"{rule.value or '(none)'}"
        )
        if above:
            why += " while " + ", ".join(above) + " hold"
        if not proven:
            why += f" (not proven within {TIME_LIMIT:g} s)"
        found.append(
            Relaxation(
                rule=rule.kind,
                attribute=rule.attribute,
                value=rule.value,
                low=rule.low,
                high=rule.high,
                groups=outside,
                reason=why,
            )
        )
    return tuple(found)


def reassign(
    assignment: GroupAssignment,
    *,
    withdrawn: Iterable[str] = (),
    added: Iterable[Registration] = (),
    seed: int | None = None,
) -> GroupAssignment:
    """The assignment after late withdrawals and additions, moving as few people as possible.

    An integer program keeps the same number of groups, their sessions and facilitators,
    and every rule of :func:`assign_groups` (recomputed for the people now there, relaxed in
    the same order only where no split keeps it), and among the splits that do, changes the
    group of the fewest people already placed (newcomers are placed, not moved). Nobody
    moves when the withdrawals break no rule. :attr:`GroupAssignment.moved` lists who did.

    Args:
        assignment: the assignment to repair.
        withdrawn: the registration ids that left.
        added: registrations that joined.
        seed: the seed of the newcomers' tickets (default: the assignment's).

    Raises:
        UnknownRegistration: a withdrawn id is not in the assignment.
        NoParticipants: everybody withdrew.
        GroupSizeError: fewer people left than groups.
        InvalidValue: an added registration is already placed or given twice.
    """
    seed = assignment.seed if seed is None else seed
    gone = set(withdrawn)
    placed_before = {m: g.number - 1 for g in assignment.groups for m in g.members}
    for registration_id in sorted(gone):
        if registration_id not in placed_before:
            raise UnknownRegistration(registration_id)
    staying = [p for p in assignment.participants if p.id not in gone]
    newcomers = [p for p in _ordered(seed, added) if isinstance(p, Registration)]
    people = staying + newcomers
    _check(people, assignment.balance, assignment.apart)
    k = len(assignment.groups)
    if len(people) < k:
        raise GroupSizeError("withdrawn", len(gone), f"at least {k} people left for {k} groups")
    problem = _problem(people, assignment.facilitators, k, assignment.balance, assignment.apart)
    current = [placed_before.get(p.id, -1) for p in people]
    leader_groups = [
        next(
            g.number - 1
            for g in assignment.groups
            if g.facilitator == (leader if isinstance(leader, str) else leader.id)
        )
        for leader in assignment.facilitators
    ]
    placed, _, proven = _solve(problem, current, leader_groups)
    moved = tuple(
        p.id for p, now, before in zip(people, placed, current, strict=True) if 0 <= before != now
    )
    return _result(
        problem,
        placed,
        leader_groups,
        proven,
        seed,
        assignment.balance,
        assignment.apart,
        None,
        moved,
        sessions=[g.session_id for g in assignment.groups],
    )
