"""Exact ordered fill under capacity, quotas and caps, and the feasibility oracle behind it.

:func:`allocate` walks an order of applicants and admits one only if the constraints can
still be met by the applicants after it, at the largest feasible size or at the exact size
asked for. The result is the lexicographically first valid selection of that size in the
given order: exact (never invalid, never short while a fuller valid selection exists) and
explained (every skipped applicant has a :class:`SkipReason`).

How a candidate is decided, cheapest first (a *witness* is a concrete valid completion of
the current selection, kept as counts per applicant type):

1. all places filled: skip;
2. its type is in the witness: admit (the witness is its completion);
3. its type was skipped before: skip (a skipped type never becomes admissible again);
4. a maximum or cap of one of its values is already reached by the selected: skip;
5. one attribute's unmet minimums need more places than would be left: skip;
6. it can replace one witness member without breaking a bound: admit;
7. otherwise ask the integer program (HiGHS via :func:`scipy.optimize.milp`), which either
   gives a new witness (admit) or proves there is no completion (skip).
"""

from __future__ import annotations

from array import array
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence
from typing import Literal

import attrs

from ran_events.errors import InfeasibleSelection, InvalidValue
from ran_events.models import Event, QuotaBounds
from ran_events.selection._result import FrozenMapping
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota
from ran_events.selection.constraints._quota_program import QuotaModel, QuotaProgram

__all__ = [
    "Allocation",
    "FeasibilityOracle",
    "Relaxation",
    "SkipCode",
    "SkipReason",
    "allocate",
    "can_admit",
    "is_valid_selection",
]

SkipCode = Literal["capacity", "max", "cap", "quota-reserve", "fill"]
"""Why an applicant was not admitted.

``capacity``: every place that can be filled is taken. ``max`` / ``cap``: a quota maximum
or a cap of one of the applicant's values is already reached. ``quota-reserve``: the places
left are needed to meet unmet minimums. ``fill``: admitting would leave too few compatible
applicants to fill every place that can be filled.
"""

_LOOKAHEAD = 8
"""Positions per place still to fill whose types the first, restricted solve considers."""

_SWAP_SCAN_LIMIT = 400
"""Most witness types examined when looking for an exchange."""

_CHECK_WITNESS = False
"""Tests set this to re-check the witness in full after every admission (slow)."""

_SECOND_EXCHANGE_TRIES = 4
"""Most first exchanges that a second exchange is looked for."""

_COMPLETION_ROUNDS = 8
"""Most relaxations joined to make one suggested relaxation enough on its own."""


@attrs.frozen(kw_only=True, cache_hash=True)  # hashed once: a dict key per skip
class SkipReason:
    """Why one applicant was not admitted by :func:`allocate`.

    Attributes:
        code: the machine-readable reason.
        constraint: the quota or cap responsible, when a single one is.
        value: the value whose maximum, cap or unmet minimum is the reason (``"BE"`` for a
            country cap), when a single one is.
        sentence: the reason in words, e.g. ``"country=BE already at its cap of 4"``.
    """

    code: SkipCode
    constraint: Quota | Cap | None = None
    value: str | None = None
    sentence: str


def _entries(value: Iterable[tuple[str, str, int]]) -> tuple[tuple[str, str, int], ...]:
    return tuple(value)


def _limits(value: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Relaxation:
    """One change of the rules that makes an infeasible selection feasible, on its own.

    The selection layer checks every relaxation it suggests
    (:attr:`InfeasibleSelection.remedies <ran_events.errors.InfeasibleSelection>`) by
    applying it to the same applicants; :meth:`apply` makes the change to an event.

    Attributes:
        sentence: the change in words (``"lower role=prison min to 8"``).
        capacity: the new capacity, if it changes.
        fill_most: whether the ``fill`` parameter becomes ``"most"``.
        minimums: ``(attribute, value, new minimum)`` of each quota whose minimum changes.
        maximums: ``(attribute, value, new maximum)`` of each quota whose maximum changes.
        caps: ``(attribute, new limit)`` of each cap that changes.
    """

    sentence: str
    capacity: int | None = None
    fill_most: bool = False
    minimums: tuple[tuple[str, str, int], ...] = attrs.field(default=(), converter=_entries)
    maximums: tuple[tuple[str, str, int], ...] = attrs.field(default=(), converter=_entries)
    caps: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_limits)

    @property
    def changes(self) -> tuple[object, ...]:
        """What it changes (relaxations with equal changes are the same advice)."""
        return (
            self.capacity,
            self.fill_most,
            tuple(sorted(self.minimums)),
            tuple(sorted(self.maximums)),
            tuple(sorted(self.caps)),
        )

    @classmethod
    def joined(cls, parts: Sequence[Relaxation]) -> Relaxation:
        """All of ``parts`` at once (the largest relaxation of a bound named twice)."""
        if len(parts) == 1:
            return parts[0]
        lows: dict[tuple[str, str], int] = {}
        highs: dict[tuple[str, str], int] = {}
        limits: dict[str, int] = {}
        capacities = [p.capacity for p in parts if p.capacity is not None]
        for part in parts:
            for attribute, value, low in part.minimums:
                lows[attribute, value] = min(low, lows.get((attribute, value), low))
            for attribute, value, high in part.maximums:
                highs[attribute, value] = max(high, highs.get((attribute, value), high))
            for attribute, limit in part.caps:
                limits[attribute] = max(limit, limits.get(attribute, limit))
        lows, highs, limits = (
            dict(sorted(lows.items())),
            dict(sorted(highs.items())),
            dict(sorted(limits.items())),
        )
        words = [f"raise capacity to {max(capacities)}"] if capacities else []
        words += [f"lower {a}={v} min to {n}" for (a, v), n in lows.items()]
        words += [f"raise {a}={v} max to {n}" for (a, v), n in highs.items()]
        words += [f"raise the {a} cap to {n}" for a, n in limits.items()]
        if any(p.fill_most for p in parts):
            words.append('fill = "most"')
        return cls(
            sentence=" and ".join(words),
            capacity=max(capacities) if capacities else None,
            fill_most=any(p.fill_most for p in parts),
            minimums=[(a, v, n) for (a, v), n in lows.items()],
            maximums=[(a, v, n) for (a, v), n in highs.items()],
            caps=list(limits.items()),
        )

    def and_fill_most(self, places: int) -> Relaxation:
        """This relaxation with ``fill = "most"`` too (``places`` can then be filled)."""
        return attrs.evolve(
            self, sentence=f"{self.sentence} and {_fill_most_text(places)}", fill_most=True
        )

    def relax(self, constraints: Constraints) -> Constraints:
        """The constraints with the change made (the ``fill`` part is not in them)."""
        lows = {(a, v): n for a, v, n in self.minimums}
        highs = {(a, v): n for a, v, n in self.maximums}
        limits = dict(self.caps)
        quotas = tuple(
            attrs.evolve(
                q,
                min=lows.get((q.attribute, q.value), q.min),
                max=highs.get((q.attribute, q.value), q.max),
            )
            for q in constraints.quotas
        )
        caps = tuple(
            attrs.evolve(c, limit=limits.get(c.attribute, c.limit)) for c in constraints.caps
        )
        capacity = constraints.capacity if self.capacity is None else self.capacity
        return Constraints(capacity=capacity, quotas=quotas, caps=caps)

    def apply(self, event: Event) -> Event:
        """``event`` with the change made to its capacity and selection rules."""
        rules = event.selection
        quotas = {a: dict(values) for a, values in rules.quotas.items()}
        for attribute, value, low in self.minimums:
            quotas[attribute][value] = attrs.evolve(quotas[attribute][value], min=low)
        for attribute, value, high in self.maximums:
            old = quotas[attribute][value]
            quotas[attribute][value] = QuotaBounds(min=old.min, max=high)
        caps = {**rules.caps, **dict(self.caps)}
        parameters = dict(rules.parameters)
        if self.fill_most:
            parameters["fill"] = "most"
        changed = attrs.evolve(rules, quotas=quotas, caps=caps, parameters=parameters)
        capacity = event.capacity if self.capacity is None else self.capacity
        return attrs.evolve(event, capacity=capacity, selection=changed)


def _fill_most_text(places: int) -> str:
    return (
        f'fill only {"1 place" if places == 1 else f"{places} places"} (parameter fill = "most")'
    )


def _frozen_reasons(value: Mapping[int, SkipReason]) -> Mapping[int, SkipReason]:
    return value if isinstance(value, _SkipTable) else FrozenMapping(value)


class _SkipItems(ItemsView[int, SkipReason]):
    """The items of a :class:`_SkipTable`, read straight from its columns."""

    _mapping: _SkipTable

    def __iter__(self) -> Iterator[tuple[int, SkipReason]]:
        table = self._mapping
        order, reasons = table.order, table.reasons
        for position, reason in enumerate(table.reason_of):
            if reason >= 0:
                yield order[position], reasons[reason]


class _SkipTable(Mapping[int, SkipReason]):
    """:attr:`Allocation.skipped` as columns: a read-only mapping, applicant -> skip reason.

    ``reason_of[position]`` is the index in ``reasons`` (the distinct reasons) of the skip of
    ``order[position]``, or -1 when it was admitted: 4 bytes an applicant where a dict entry
    with its key takes some 100. Iterates in the order of ``order``.
    """

    __slots__ = ("_count", "_position_of", "order", "reason_of", "reasons")

    def __init__(
        self, order: Sequence[int], reason_of: Iterable[int], reasons: Sequence[SkipReason]
    ) -> None:
        self.order = order
        self.reason_of = array("i", reason_of)
        self.reasons = tuple(reasons)
        self._count = len(self.reason_of) - self.reason_of.count(-1)
        self._position_of: dict[int, int] | None = None

    def _position(self, applicant: object) -> int | None:
        order = self.order
        if not isinstance(applicant, int):
            return None
        if isinstance(order, range):
            return order.index(applicant) if applicant in order else None
        if self._position_of is None:
            self._position_of = {i: position for position, i in enumerate(order)}
        return self._position_of.get(applicant)

    def __getitem__(self, applicant: int) -> SkipReason:
        position = self._position(applicant)
        reason = -1 if position is None else self.reason_of[position]
        if reason < 0:
            raise KeyError(applicant)
        return self.reasons[reason]

    def __iter__(self) -> Iterator[int]:
        return (applicant for applicant, _ in self.items())

    def __len__(self) -> int:
        return self._count

    def items(self) -> _SkipItems:
        """The (applicant, reason) pairs, in the order walked."""
        return _SkipItems(self)

    def __repr__(self) -> str:
        return f"FrozenMapping({dict(self.items())!r})"

    def __reduce__(self) -> tuple[type[_SkipTable], tuple[object, ...]]:
        return (type(self), (self.order, self.reason_of, self.reasons))


def _frozen_counts(value: Mapping[tuple[str, str], int]) -> Mapping[tuple[str, str], int]:
    return FrozenMapping(value)


def _profile_tuple(value: Sequence[Profile]) -> tuple[Profile, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Allocation:
    """The result of an ordered fill.

    Attributes:
        selected: the admitted applicants (indices into the profiles), in admission order.
        skipped: every applicant of the order that was not admitted, with the reason.
        target: the number of places filled: the size asked for, or else the largest size,
            at most the capacity, of a selection meeting every constraint.
        counts: per ``(attribute, value)``, how many selected applicants have it (every value
            seen in the order or named by a quota, zeros included).
        solver_calls: how many integer programs were solved (a diagnostic; not compared).
    """

    selected: tuple[int, ...]
    skipped: Mapping[int, SkipReason] = attrs.field(converter=_frozen_reasons)
    target: int
    counts: Mapping[tuple[str, str], int] = attrs.field(converter=_frozen_counts)
    solver_calls: int = attrs.field(default=0, eq=False)


@attrs.define
class FeasibilityOracle:
    """Exact answers about which selections of ``profiles`` can meet ``constraints``.

    Applicants are indices into ``profiles``. The integer program is built on first use and
    reused; :attr:`solver_calls` counts its solves.

    Args:
        profiles: each applicant's values of ``constraints.attributes``, in that order.
        constraints: capacity, quotas and caps.
        size: the exact number of places a selection must fill; ``None`` for the most that
            can be filled (``n*``, see :meth:`max_fill`).

    Raises:
        InvalidValue: a profile has the wrong length, a bound is negative, or ``size`` is
            negative or above the capacity.
    """

    profiles: Sequence[Profile] = attrs.field(converter=_profile_tuple)
    constraints: Constraints
    size: int | None = attrs.field(default=None, kw_only=True)
    _model: QuotaModel = attrs.field(init=False, repr=False)
    _program: QuotaProgram | None = attrs.field(init=False, default=None, repr=False)
    _fill: tuple[int, list[int]] | None = attrs.field(init=False, default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        self._model = QuotaModel(self.profiles, self.constraints)
        capacity = self.constraints.capacity
        if self.size is not None and not 0 <= self.size <= capacity:
            raise InvalidValue("size", self.size, f"a number of places from 0 to {capacity}")

    @property
    def model(self) -> QuotaModel:
        """The constraints merged per value and the applicants grouped into types."""
        return self._model

    @property
    def program(self) -> QuotaProgram:
        """The integer program over the applicant types (built on first use)."""
        if self._program is None:
            self._program = QuotaProgram(self._model)
        return self._program

    @property
    def solver_calls(self) -> int:
        """How many integer programs were solved so far."""
        return 0 if self._program is None else self._program.calls

    def max_fill(self) -> int:
        """The number of places an exact allocation fills.

        Returns:
            :attr:`size` when set; otherwise ``n*``, the largest size, at most the capacity,
            of a selection meeting every constraint.

        Raises:
            InfeasibleSelection: no selection of any size meets the constraints, or none of
                exactly :attr:`size` places; then the first conflict says how many places
                can be filled (``"the constraints allow at most 23 of the 25 places to be
                filled"``).
        """
        return self._max_fill_solution()[0]

    def check_feasible(self) -> None:
        """Do nothing when some selection meets the constraints.

        Raises:
            InfeasibleSelection: none does; ``conflicts`` names the constraints that cannot
                hold together and ``relaxations`` what change would make them feasible.
        """
        self._max_fill_solution()

    def witness(self) -> list[int]:
        """A selection of :meth:`max_fill` applicants meeting every constraint (indices).

        Raises:
            InfeasibleSelection: no selection meets the constraints.
        """
        counts = list(self._max_fill_solution()[1])
        chosen = []
        for i, t in enumerate(self._model.type_of):
            if counts[t]:
                counts[t] -= 1
                chosen.append(i)
        return chosen

    def _max_fill_solution(self) -> tuple[int, list[int]]:
        if self._fill is None:
            counts = self._solution()
            if counts is None:
                conflicts, candidates = self._diagnosis()
                raise InfeasibleSelection(conflicts, remedies=self._verified(candidates))
            self._fill = (sum(counts), counts)
        return self._fill

    def _solution(self) -> list[int] | None:
        """Counts per type of a valid selection of :attr:`size` (or ``n*``) places, or None."""
        model = self._model
        if _counting_conflicts(model)[0]:
            return None
        places = self.constraints.capacity if self.size is None else self.size
        counts = _greedy_full_selection(model, places)
        if counts is None:
            counts = self._solve_fill() if self.size is None else self._solve_size(self.size)
        return counts

    def _diagnosis(self) -> tuple[list[str], list[Relaxation]]:
        """The conflicts of an infeasible selection and the candidate relaxations."""
        conflicts, candidates = _counting_conflicts(self._model)
        if conflicts:
            return conflicts, candidates
        most = self._solve_fill()
        if most is None:
            return _diagnose(self)
        assert self.size is not None  # only an exact size can fail here
        return _short_of(self, self.size, sum(most))

    def _verified(self, candidates: Sequence[Relaxation]) -> list[Relaxation]:
        """Relaxations that each make the selection feasible when applied.

        Each candidate is tried alone. When it is not enough (several conflicts, or places
        that still cannot all be filled), the diagnosis of the relaxed selection adds its
        first relaxation, until the selection is feasible; as a last step ``fill = "most"``
        is added. A candidate that nothing makes enough is left out. When none is left,
        dropping every minimum (and, if still needed, ``fill = "most"``) is the advice: that
        always lets a selection exist, so an infeasible selection always has a remedy.
        """
        kept: list[Relaxation] = []
        for candidate in candidates:
            found = self._completed(candidate)
            if found is not None and all(k.changes != found.changes for k in kept):
                kept.append(found)
        last_resort = None if kept else _drop_minimums(self._model)
        if last_resort is not None and (found := self._completed(last_resort)) is not None:
            kept.append(found)
        return kept

    def _completed(self, candidate: Relaxation) -> Relaxation | None:
        """``candidate``, with what else it needs to be enough, or None."""
        current = candidate
        for _ in range(_COMPLETION_ROUNDS):
            relaxed = self._relaxed(current)
            if relaxed is None:
                return None
            if relaxed._solution() is not None:
                return current
            _, more = relaxed._diagnosis()
            joined = [Relaxation.joined([current, m]) for m in more if not m.fill_most]
            useful = [j for j in joined if j.changes != current.changes]
            if not useful:
                break
            current = useful[0]
        if self.size is not None and not current.fill_most:
            relaxed = self._relaxed(attrs.evolve(current, fill_most=True))
            counts = None if relaxed is None else relaxed._solution()
            if counts is not None:
                return current.and_fill_most(sum(counts))
        return None

    def _relaxed(self, relaxation: Relaxation) -> FeasibilityOracle | None:
        """The oracle of the same applicants once ``relaxation`` is applied."""
        constraints = relaxation.relax(self.constraints)
        size = self.size
        if relaxation.fill_most:
            size = None
        elif size is not None and size == min(self.constraints.capacity, len(self.profiles)):
            size = min(constraints.capacity, len(self.profiles))  # fill = "capacity"
        try:
            return FeasibilityOracle(self.profiles, constraints, size=size)
        except InvalidValue:
            return None

    def _solve_fill(self) -> list[int] | None:
        """Counts per type of a largest valid selection (``n*`` places), or None."""
        import numpy as np  # noqa: PLC0415 - loaded only when a solve is needed

        program = self.program
        model = self._model
        lo, hi = program.row_bounds([[0] * len(names) for names in model.value_names])
        return program.solve(
            model.available(range(len(self.profiles))),
            lo,
            hi,
            total=(0, self.constraints.capacity),
            objective=-np.ones(model.type_count),
        )

    def _solve_size(self, size: int) -> list[int] | None:
        """Counts per type of a valid selection of exactly ``size`` places, or None."""
        program = self.program
        model = self._model
        lo, hi = program.row_bounds([[0] * len(names) for names in model.value_names])
        return program.solve(
            model.available(range(len(self.profiles))), lo, hi, total=(size, size)
        )

    def can_complete(
        self, selected: Sequence[int], pool: Sequence[int], *, size: int | None = None
    ) -> bool:
        """Whether ``selected`` plus some applicants of ``pool`` meets every constraint.

        Args:
            selected: applicants already in (indices; they may break minimums for now).
            pool: applicants that may be added (those also in ``selected`` are ignored).
            size: the exact size the completed selection must have; when ``None``, the
                oracle's :attr:`size`, or any size up to the capacity if that is ``None``.

        Returns:
            ``True`` when such a completion exists.
        """
        model = self._model
        size = self.size if size is None else size
        chosen = set(selected)
        counts = model.counts_of(list(chosen))
        total = len(chosen)
        hi_size = self.constraints.capacity if size is None else size
        if hi_size > self.constraints.capacity:
            return False
        lo_size = total if size is None else size
        if total > hi_size or any(
            counts[a][v] > model.ub[a][v]
            for a in range(len(counts))
            for v in range(len(counts[a]))
        ):
            return False
        deficits = _deficits(model, counts)
        if any(deficit > hi_size - total for deficit in deficits.values()):
            return False
        if lo_size == total and not any(deficits.values()):
            return True
        program = self.program
        lo, hi = program.row_bounds(counts)
        upper = model.available([i for i in set(pool) if i not in chosen])
        completion = program.solve(upper, lo, hi, total=(lo_size - total, hi_size - total))
        return completion is not None


def _deficits(model: QuotaModel, counts: Sequence[Sequence[int]]) -> dict[int, int]:
    return {
        a: sum(max(0, low - have) for low, have in zip(model.lb[a], counts[a], strict=True))
        for a in model.min_attributes
    }


# --------------------------------------------------------------------------------------------
# Public functions


def allocate(
    profiles: Sequence[Profile],
    constraints: Constraints,
    order: Sequence[int],
    *,
    size: int | None = None,
) -> Allocation:
    """Walk ``order`` and admit each applicant whose admission keeps the constraints reachable.

    The number of places filled is ``size``, or when it is ``None`` ``n*``: the largest
    size at most the capacity of a selection of applicants in ``order`` meeting every quota
    and cap. An applicant is admitted when the admitted ones plus it can still be completed
    to that many places from the applicants after it in ``order``; otherwise it is skipped
    with its reason. The result is the lexicographically first valid selection of that size
    in ``order``.

    Args:
        profiles: each applicant's values of ``constraints.attributes``, in that order.
        constraints: capacity, quotas and caps.
        order: the applicants to consider (indices into ``profiles``), first to last;
            applicants not in it are not considered.
        size: the exact number of places to fill (at most the capacity); ``None`` for the
            most that can be filled.

    Returns:
        The admitted applicants and the reason for every other one.

    Raises:
        InfeasibleSelection: no selection of the applicants in ``order`` meets the
            constraints, or none of exactly ``size`` places; the exception names the
            conflicting constraints (for ``size``: first how many places can be filled,
            ``"the constraints allow at most 23 of the 25 places to be filled"``).
        InvalidValue: ``order`` repeats an applicant or names one that does not exist,
            ``size`` is negative or above the capacity, or a profile or bound is malformed.
    """
    order = _checked_order(order, len(profiles))
    oracle = FeasibilityOracle([profiles[i] for i in order], constraints, size=size)
    walk = _OrderedFill(oracle)
    walk.run()
    model = oracle.model
    counts = {
        (model.attributes[a], model.value_names[a][v]): walk.selected_counts[a][v]
        for a in range(len(model.attributes))
        for v in range(len(model.value_names[a]))
    }
    return Allocation(
        selected=tuple(order[position] for position in walk.admitted),
        skipped=_SkipTable(order, walk.reason_of, walk.reasons),
        target=walk.target,
        counts=counts,
        solver_calls=oracle.solver_calls,
    )


def _checked_order(order: Sequence[int], size: int) -> Sequence[int]:
    ends = (order[0], order[-1]) if isinstance(order, range) and order else ()
    if isinstance(order, range) and all(0 <= i < size for i in ends):
        return order  # a range never repeats: only its ends need checking
    seen: set[int] = set()
    for i in order:
        if not 0 <= i < size:
            raise InvalidValue("order", i, f"an applicant index from 0 to {size - 1}")
        if i in seen:
            raise InvalidValue("order", i, "each applicant at most once")
        seen.add(i)
    return list(order)


def is_valid_selection(
    profiles: Sequence[Profile], constraints: Constraints, selected: Sequence[int]
) -> list[str]:
    """Every constraint that ``selected`` breaks, in words (empty when it is valid).

    Args:
        profiles: each applicant's values of ``constraints.attributes``, in that order.
        constraints: capacity, quotas and caps.
        selected: the selection to check (indices into ``profiles``).

    Returns:
        One sentence per broken constraint, e.g. ``"role=prison min 4 but 2 selected"``.
    """
    problems: list[str] = []
    if len(set(selected)) != len(selected):
        problems.append("an applicant is selected more than once")
    if len(selected) > constraints.capacity:
        problems.append(f"{len(selected)} selected but the capacity is {constraints.capacity}")
    attributes = constraints.attributes
    counts: dict[tuple[str, str], int] = {}
    for i in selected:
        for attribute, value in zip(attributes, profiles[i], strict=True):
            counts[attribute, value] = counts.get((attribute, value), 0) + 1
    for quota in constraints.quotas:
        have = counts.get((quota.attribute, quota.value), 0)
        if have < quota.min or (quota.max is not None and have > quota.max):
            problems.append(f"{quota.describe()} but {have} selected")
    for cap in constraints.caps:
        for (attribute, value), have in sorted(counts.items()):
            if attribute == cap.attribute and have > cap.limit:
                problems.append(f"{attribute}={value}: {have} selected, cap {cap.limit}")
    return problems


def can_admit(
    profiles: Sequence[Profile],
    constraints: Constraints,
    selected: Sequence[int],
    candidate: int,
    pool: Sequence[int],
) -> bool:
    """Whether admitting ``candidate`` keeps every constraint reachable with ``pool``.

    For promotion from a waiting list: true when ``selected`` plus ``candidate`` plus some
    applicants of ``pool`` form a selection of at most the capacity that meets every quota
    and cap (the minimums included, even if ``selected`` does not meet them yet).

    Args:
        profiles: each applicant's values of ``constraints.attributes``, in that order.
        constraints: capacity, quotas and caps.
        selected: the applicants already selected (indices into ``profiles``).
        candidate: the applicant to admit.
        pool: the applicants that may still be added later.

    Returns:
        ``True`` when the candidate can be admitted.
    """
    oracle = FeasibilityOracle(profiles, constraints)
    return oracle.can_complete([*selected, candidate], pool)


# --------------------------------------------------------------------------------------------
# The walk


class _OrderedFill:
    """The state of one ordered fill; positions index ``oracle.profiles``, walked in order."""

    def __init__(self, oracle: FeasibilityOracle) -> None:
        self.oracle = oracle
        model = oracle.model
        self.model = model
        self.target, witness = oracle._max_fill_solution()
        self.available = model.available(range(len(oracle.profiles)))
        self.selected_counts = [[0] * len(names) for names in model.value_names]
        self.total_counts = [[0] * len(names) for names in model.value_names]
        self.witness: list[int] = [0] * model.type_count
        self.active: set[int] = set()
        self.members: list[list[set[int]]] = [
            [set() for _ in names] for names in model.value_names
        ]
        self.by_value: list[list[list[int]]] = [[[] for _ in names] for names in model.value_names]
        for t, type_values in enumerate(model.type_values):
            for a, v in enumerate(type_values):
                self.by_value[a][v].append(t)
        self._set_witness(witness)
        self.deficit = _deficits(model, self.selected_counts)
        self.admitted: list[int] = []
        self.reason_of = array("i")  # per position walked: index in reasons, -1 if admitted
        self.reasons: list[SkipReason] = []  # the distinct skip reasons, shared
        self._reason_ids: dict[SkipReason, int] = {}
        self.blocked: dict[int, SkipCode] = {}
        self._all_filled: SkipReason | None = None

    def _set_witness(self, counts: Sequence[int]) -> None:
        values = self.model.type_values
        for a, row in enumerate(self.selected_counts):
            self.total_counts[a] = list(row)
            for group in self.members[a]:
                group.clear()
        self.active.clear()
        for t, count in enumerate(counts):
            self.witness[t] = count
            if count:
                self.active.add(t)
                for a, v in enumerate(values[t]):
                    self.total_counts[a][v] += count
                    self.members[a][v].add(t)

    def _drop_from_witness(self, t: int) -> None:
        self.witness[t] -= 1
        gone = not self.witness[t]
        if gone:
            self.active.discard(t)
        for a, v in enumerate(self.model.type_values[t]):
            self.total_counts[a][v] -= 1
            if gone:
                self.members[a][v].discard(t)

    def _add_to_witness(self, t: int) -> None:
        self.witness[t] += 1
        self.active.add(t)
        for a, v in enumerate(self.model.type_values[t]):
            self.total_counts[a][v] += 1
            self.members[a][v].add(t)

    def _admit(self, position: int, t: int) -> None:
        model = self.model
        for a, v in enumerate(model.type_values[t]):
            have = self.selected_counts[a][v]
            self.selected_counts[a][v] = have + 1
            self.total_counts[a][v] += 1
            if have < model.lb[a][v]:
                self.deficit[a] -= 1
        self.admitted.append(position)
        if _CHECK_WITNESS:
            self._check_witness()

    def _check_witness(self) -> None:
        """Fail unless the witness completes the selection to ``target`` within every bound."""
        model = self.model
        counts = [list(row) for row in self.selected_counts]
        for u, count in enumerate(self.witness):
            if not 0 <= count <= self.available[u] or (count and u in self.blocked):
                raise AssertionError(f"witness takes {count} of type {u}")
            for a, v in enumerate(model.type_values[u]):
                counts[a][v] += count
        if counts != self.total_counts or any(
            not model.lb[a][v] <= counts[a][v] <= model.ub[a][v]
            for a in range(len(counts))
            for v in range(len(counts[a]))
        ):
            raise AssertionError("the witness breaks a bound or its counts are stale")
        if len(self.admitted) + sum(self.witness) != self.target:
            raise AssertionError("the witness does not reach the target")

    def run(self) -> None:
        for position, t in enumerate(self.model.type_of):
            self.available[t] -= 1  # from here on: applicants after this position
            reason = self._skip_reason(t)
            if reason is None:
                self._admit(position, t)
                self.reason_of.append(-1)
                continue
            found = self._reason_ids.setdefault(reason, len(self.reasons))
            if found == len(self.reasons):
                self.reasons.append(reason)
            self.reason_of.append(found)

    def _skip_reason(self, t: int) -> SkipReason | None:
        """Why the applicant of type ``t`` walked now is skipped; ``None`` to admit it."""
        if len(self.admitted) == self.target:
            return self._full(t)
        if self.witness[t]:
            self._drop_from_witness(t)
            return None
        reason = self._blocked_reason(t)
        if reason is None and self._swap(t):
            return None
        if reason is None:
            code = self._solve(t)
            if code is None:
                return None
            self.blocked[t] = code
            reason = self._solver_reason(code, t)
        return reason

    def _full(self, t: int) -> SkipReason:
        capacity = self.oracle.constraints.capacity
        if self.target == capacity:
            if self._all_filled is None:
                self._all_filled = SkipReason(
                    code="capacity", sentence=f"all {capacity} places filled"
                )
            return self._all_filled
        if (limit := self._limit_reason(t)) is not None:
            return limit
        if self.oracle.size is None:
            sentence = f"all {self.target} places that can be filled are taken"
        else:
            sentence = f"all {self.target} places to fill are taken"
        return SkipReason(code="capacity", sentence=f"{sentence} (capacity {capacity})")

    def _limit_reason(self, t: int) -> SkipReason | None:
        """The maximum or cap that the selected already reach on a value of type ``t``."""
        model = self.model
        for a, v in enumerate(model.type_values[t]):
            if self.selected_counts[a][v] >= model.ub[a][v]:
                source = model.ub_source[a][v]
                value = model.value_names[a][v]
                if isinstance(source, Cap):
                    sentence = f"{model.label(a, v)} already at its cap of {source.limit}"
                    return SkipReason(
                        code="cap", constraint=source, value=value, sentence=sentence
                    )
                sentence = f"{model.label(a, v)} already at its max of {model.ub[a][v]}"
                return SkipReason(code="max", constraint=source, value=value, sentence=sentence)
        return None

    def _blocked_reason(self, t: int) -> SkipReason | None:
        """A reason why type ``t`` cannot be admitted found by counting, else ``None``."""
        limit = self._limit_reason(t)
        if limit is not None:
            return limit
        model = self.model
        values = model.type_values[t]
        left = self.target - len(self.admitted) - 1
        for a in model.min_attributes:
            v = values[a]
            needed = self.deficit[a] - (1 if self.selected_counts[a][v] < model.lb[a][v] else 0)
            if needed > left:
                return self._reserve_reason(a, left + 1)
        code = self.blocked.get(t)
        return None if code is None else self._solver_reason(code, t)

    def _reserve_reason(self, a: int, left: int) -> SkipReason:
        model = self.model
        unmet = [(v, low) for v, low in enumerate(model.lb[a]) if self.selected_counts[a][v] < low]
        unmet.sort(key=lambda item: self.selected_counts[a][item[0]] - item[1])
        parts = [
            f"{model.label(a, v)} (min {low}, {self.selected_counts[a][v]} selected)"
            for v, low in unmet
        ]
        places = "the place left is" if left == 1 else f"the {left} places left are"
        return SkipReason(
            code="quota-reserve",
            constraint=model.lb_source[a][unmet[0][0]],
            value=model.value_names[a][unmet[0][0]],
            sentence=f"{places} needed for {', '.join(parts)}",
        )

    def _swap(self, t: int) -> bool:
        """Make room for type ``t`` in the witness by one or two exchanges; say if done.

        One exchange: ``t`` replaces a witness member ``u``. When that leaves minimums of
        ``u``'s values unmet, a second exchange replaces another member ``w`` by a spare
        applicant type ``y`` having those values. Every bound is checked on the counts.
        """
        model = self.model
        values = model.type_values[t]
        total = self.total_counts
        lb, ub = model.lb, model.ub
        fixed = [a for a, v in enumerate(values) if total[a][v] >= ub[a][v]]
        scan = min((self.members[a][values[a]] for a in fixed), key=len, default=self.active)
        fallback: list[tuple[int, list[int]]] = []
        for examined, u in enumerate(scan):
            if examined == _SWAP_SCAN_LIMIT:
                break
            other = model.type_values[u]
            short: list[int] = []
            for a, v in enumerate(values):
                w = other[a]
                if w == v:
                    continue
                if total[a][v] >= ub[a][v]:
                    break
                if total[a][w] <= lb[a][w]:
                    short.append(a)
            else:
                if not short:
                    self._drop_from_witness(u)
                    return True
                if len(fallback) < _SECOND_EXCHANGE_TRIES:
                    fallback.append((u, short))
        return any(self._second_exchange(t, u, short) for u, short in fallback)

    def _second_exchange(self, t: int, u: int, short: list[int]) -> bool:
        """Replace ``u`` by ``t`` and some member ``w`` by a spare ``y`` refilling ``short``."""
        model = self.model
        lb, ub = model.lb, model.ub
        values, removed = model.type_values[t], model.type_values[u]
        total = [list(row) for row in self.total_counts]
        for a in range(len(values)):
            total[a][values[a]] += 1
            total[a][removed[a]] -= 1
        needed = {a: removed[a] for a in short}
        first = short[0]
        budget = _SWAP_SCAN_LIMIT
        for y in self.by_value[first][removed[first]]:
            if self.available[y] <= self.witness[y] or y in self.blocked:
                continue
            added = model.type_values[y]
            if any(added[a] != v for a, v in needed.items()):
                continue
            fixed = [a for a, v in enumerate(added) if total[a][v] >= ub[a][v]]
            if any(a in needed for a in fixed):
                continue
            scan = min((self.members[a][added[a]] for a in fixed), key=len, default=self.active)
            for w in scan:
                budget -= 1
                if budget < 0:
                    return False
                if w == u and self.witness[u] < 2:
                    continue
                dropped = model.type_values[w]
                for a, v in enumerate(added):
                    x = dropped[a]
                    if x == v:
                        if a in needed:
                            break
                        continue
                    if total[a][v] >= ub[a][v] or total[a][x] <= lb[a][x]:
                        break
                else:
                    self._drop_from_witness(u)
                    self._drop_from_witness(w)
                    self._add_to_witness(y)
                    return True
        return False

    def _solve(self, t: int) -> SkipCode | None:
        """Ask the integer program for a completion with ``t`` admitted; why not if none."""
        import numpy as np  # noqa: PLC0415 - loaded only when a solve is needed

        model = self.model
        program = self.oracle.program
        counts = [list(row) for row in self.selected_counts]
        for a, v in enumerate(model.type_values[t]):
            counts[a][v] += 1
        lo, hi = program.row_bounds(counts)
        upper = np.array(self.available, dtype=float)
        for blocked in self.blocked:
            upper[blocked] = 0
        need = self.target - len(self.admitted) - 1
        # First over the witness and the types coming soon: a completion found there is a
        # completion. Only when there is none is the whole pool searched.
        start = len(self.reason_of) + 1
        solution = None
        for lookahead in (_LOOKAHEAD, _LOOKAHEAD * 4, _LOOKAHEAD * 16):
            soon = model.type_of[start : start + lookahead * (need + 1)]
            columns = sorted(u for u in self.active.union(soon) if upper[u] > 0)
            if len(columns) >= model.type_count * 3 // 4:
                break
            solution = program.solve(upper, lo, hi, total=(need, need), columns=columns)
            if solution is not None:
                break
        if solution is None:
            solution = program.solve(upper, lo, hi, total=(need, need))
        if solution is None:  # none: is it the minimums, or the number of places?
            solution = program.solve(
                upper, lo, hi, total=(0, need), objective=-np.ones(model.type_count)
            )
        if solution is not None and sum(solution) == need:
            self._set_witness(solution)
            return None
        return "quota-reserve" if solution is None else "fill"

    def _solver_reason(self, code: SkipCode, t: int) -> SkipReason:
        """The reason for a skip the integer program proved, in words."""
        if code == "fill":
            return SkipReason(
                code="fill",
                sentence="admitting would leave too few compatible applicants to fill all "
                f"{self.target} places",
            )
        model = self.model
        counts = self.selected_counts
        values = model.type_values[t]
        unmet = [
            f"{model.label(a, v)} min {model.lb[a][v]}"
            for a in model.min_attributes
            for v in range(len(model.lb[a]))
            if counts[a][v] + (values[a] == v) < model.lb[a][v]
        ]
        return SkipReason(
            code=code,
            sentence="admitting would leave no way to meet "
            + ", ".join(unmet)
            + " with the applicants left",
        )


# --------------------------------------------------------------------------------------------
# A full selection without the solver


def _greedy_full_selection(model: QuotaModel, capacity: int) -> list[int] | None:
    """Counts per type of a valid selection of ``capacity`` places, if a greedy finds one.

    Types are taken in two passes: first those that help unmet minimums, then any. A type is
    taken only while every maximum and cap holds and each attribute's unmet minimums still
    fit in the places left. ``None`` when it does not reach ``capacity`` places with every
    minimum met (the integer program then decides).
    """
    available = model.available(range(len(model.type_of)))
    counts = [[0] * len(names) for names in model.value_names]
    deficit = _deficits(model, counts)
    taken = [0] * model.type_count
    size = 0
    lb, ub = model.lb, model.ub

    def helps(t: int) -> int:
        values = model.type_values[t]
        return sum(1 for a in model.min_attributes if counts[a][values[a]] < lb[a][values[a]])

    for needy in (True, False):
        ranked = sorted(range(model.type_count), key=helps, reverse=True) if needy else None
        for t in ranked if ranked is not None else range(model.type_count):
            values = model.type_values[t]
            while taken[t] < available[t] and size < capacity:
                if needy and not helps(t):
                    break
                if any(counts[a][v] >= ub[a][v] for a, v in enumerate(values)):
                    break
                left = capacity - size - 1
                if any(
                    deficit[a] - (1 if counts[a][values[a]] < lb[a][values[a]] else 0) > left
                    for a in model.min_attributes
                ):
                    break
                for a, v in enumerate(values):
                    if counts[a][v] < lb[a][v]:
                        deficit[a] -= 1
                    counts[a][v] += 1
                taken[t] += 1
                size += 1
    if size < capacity or any(deficit.values()):
        return None
    return taken


# --------------------------------------------------------------------------------------------
# Diagnosis of an infeasible selection


def _counting_conflicts(model: QuotaModel) -> tuple[list[str], list[Relaxation]]:
    """Conflicts visible by counting alone, and the candidate relaxations of each."""
    conflicts: list[str] = []
    relaxations: list[Relaxation] = []
    capacity = model.constraints.capacity
    for quota in model.constraints.quotas:
        label = f"{quota.attribute}={quota.value}"
        key = (quota.attribute, quota.value)
        if quota.max is not None and quota.min > quota.max:
            conflicts.append(f"{label} min {quota.min} exceeds its max {quota.max}")
            relaxations.append(_lower(key, quota.max))
            relaxations.append(
                Relaxation(
                    sentence=f"raise {label} max to {quota.min}", maximums=[(*key, quota.min)]
                )
            )
        for cap in model.constraints.caps:
            if cap.attribute == quota.attribute and quota.min > cap.limit:
                conflicts.append(f"{label} min {quota.min} exceeds the cap {cap.describe()}")
                relaxations.append(_lower(key, cap.limit))
                relaxations.append(
                    Relaxation(
                        sentence=f"raise the {cap.attribute} cap to {quota.min}",
                        caps=[(cap.attribute, quota.min)],
                    )
                )
    eligible = model.counts_of(range(len(model.type_of)))
    for a, names in enumerate(model.value_names):
        for v in range(len(names)):
            low, have = model.lb[a][v], eligible[a][v]
            if low > have:
                noun = "applicant" if have == 1 else "applicants"
                conflicts.append(f"{model.label(a, v)} min {low} but only {have} eligible {noun}")
                relaxations.append(_lower(_quota_key(model, a, v), have))
    for a in model.min_attributes:
        needed = sum(model.lb[a])
        if needed > capacity:
            attribute = model.attributes[a]
            conflicts.append(f"sum of {attribute} minimums {needed} exceeds capacity {capacity}")
            relaxations.append(Relaxation(sentence=f"raise capacity to {needed}", capacity=needed))
            relaxations.append(_lower_in_total(model, a, needed - capacity))
    return conflicts, relaxations


def _quota_key(model: QuotaModel, a: int, v: int) -> tuple[str, str]:
    """The (attribute, value) of the quota that sets the minimum of value ``v``."""
    source = model.lb_source[a][v]
    assert source is not None  # called for values with a minimum
    return (source.attribute, source.value)


def _lower(key: tuple[str, str], low: int, *, dropped: int | None = None) -> Relaxation:
    """Lower one quota's minimum to ``low`` (with ``dropped``, the minimum, when 0 is meant:
    "drop the minimum role=exit min 2")."""
    attribute, value = key
    if dropped is not None and not low:
        sentence = f"drop the minimum {attribute}={value} min {dropped}"
    else:
        sentence = f"lower {attribute}={value} min to {low}"
    return Relaxation(sentence=sentence, minimums=[(attribute, value, low)])


def _lower_in_total(model: QuotaModel, a: int, excess: int) -> Relaxation:
    """Lower the largest minimums of attribute ``a`` by ``excess`` in total, named each."""
    lows = {v: low for v, low in enumerate(model.lb[a]) if low}
    while excess:
        v = max(lows, key=lambda v: (lows[v], -v))
        lows[v] -= 1
        excess -= 1
    changes = [(*_quota_key(model, a, v), low) for v, low in lows.items() if low != model.lb[a][v]]
    words = " and ".join(f"{attribute}={value} min to {low}" for attribute, value, low in changes)
    return Relaxation(sentence=f"lower {words}", minimums=changes)


def _short_of(
    oracle: FeasibilityOracle, size: int, most: int
) -> tuple[list[str], list[Relaxation]]:
    """No selection of exactly ``size`` places, though one of ``most`` places exists."""
    conflicts, relaxations = _diagnose(oracle, size)
    if most < size:
        first = f"the constraints allow at most {most} of the {size} places to be filled"
        relax = Relaxation(sentence=_fill_most_text(most), fill_most=True)
    else:
        first = f"no selection of exactly {size} places meets the constraints ({most} can)"
        relax = Relaxation(sentence=f"fill {most} places", fill_most=True)
    return [first, *conflicts], [relax, *relaxations]


def _diagnose(
    oracle: FeasibilityOracle, size: int | None = None
) -> tuple[list[str], list[Relaxation]]:
    """The smallest set of minimums that cannot hold together, and how to relax it.

    With ``size``, of a selection of exactly that many places; the maximums and caps that
    alone keep it from existing are named too.
    """
    import numpy as np  # noqa: PLC0415 - loaded only when a solve is needed

    model = oracle.model
    program = oracle.program
    capacity = model.constraints.capacity
    fewest, most = (0, capacity) if size is None else (size, size)
    upper = model.available(range(len(model.type_of)))
    none = [[0] * len(names) for names in model.value_names]
    full_lo, full_hi = program.row_bounds(none)
    mins = [r for r in range(len(program.rows)) if full_lo[r] > 0]

    def feasible(kept: Sequence[int], hi: np.ndarray | None = None, top: float = most) -> bool:
        lo = np.zeros(len(program.rows))
        lo[list(kept)] = full_lo[list(kept)]
        bounds_hi = full_hi if hi is None else hi
        return program.solve(upper, lo, bounds_hi, total=(fewest, top)) is not None

    conflict = list(mins)
    for r in mins:  # deletion filter: what stays is irreducible
        trial = [kept for kept in conflict if kept != r]
        if not feasible(trial):
            conflict = trial
    conflicts = [f"{model.label(*program.rows[r])} min {int(full_lo[r])}" for r in conflict]
    relaxations: list[Relaxation] = []
    if size is None and feasible(conflict, top=np.inf):
        conflicts.append(f"capacity {capacity}")
        smallest = program.solve(
            upper, full_lo, full_hi, total=(0, np.inf), objective=np.ones(model.type_count)
        )
        if smallest is not None:
            needed = int(sum(smallest))
            relaxations.append(Relaxation(sentence=f"raise capacity to {needed}", capacity=needed))
    raises: list[Quota | Cap] = []
    for source in _upper_sources(model):
        relaxed_hi = full_hi.copy()
        for r, (a, v) in enumerate(program.rows):
            if model.ub_source[a][v] is source:
                relaxed_hi[r] = np.inf
        if feasible(conflict, relaxed_hi):
            conflicts.append(source.describe())
            raises.append(source)
    for r in conflict:
        a, v = program.rows[r]
        lo = full_lo.copy()
        lo[r] = 0
        best = program.solve(
            upper, lo, full_hi, total=(fewest, most), objective=-program.indicator(a, v)
        )
        if best is None:  # minimums outside the conflict bind too: reach without them
            others = [kept for kept in conflict if kept != r]
            lo = np.zeros(len(program.rows))
            lo[others] = full_lo[others]
            best = program.solve(
                upper, lo, full_hi, total=(fewest, most), objective=-program.indicator(a, v)
            )
        # The deletion filter keeps a minimum only if the others of the conflict can be met
        # without it, so the conflict less one minimum always has a solution.
        assert best is not None
        reach = sum(c for t, c in enumerate(best) if model.type_values[t][a] == v)
        relaxations.append(_lower(_quota_key(model, a, v), int(reach), dropped=int(full_lo[r])))
    relaxations += [_raise_bound(oracle, source) for source in raises]
    return conflicts, relaxations


def _raise_bound(oracle: FeasibilityOracle, source: Quota | Cap) -> Relaxation:
    """Raise the maximum or cap ``source`` as little as makes the selection feasible.

    Raising a bound only relaxes, so the smallest sufficient bound is found by bisection up
    to the capacity (where the bound no longer limits anything). When even that is not
    enough, the bound raised to the capacity is the candidate (other relaxations are joined
    to it when it is verified).
    """

    def raised(limit: int) -> Relaxation:
        if isinstance(source, Cap):
            return Relaxation(
                sentence=f"raise the {source.attribute} cap to {limit}",
                caps=[(source.attribute, limit)],
            )
        return Relaxation(
            sentence=f"raise {source.attribute}={source.value} max to {limit}",
            maximums=[(source.attribute, source.value, limit)],
        )

    def enough(limit: int) -> bool:
        relaxed = oracle._relaxed(raised(limit))
        return relaxed is not None and relaxed._solution() is not None

    low = source.limit if isinstance(source, Cap) else (source.max or 0)
    high = max(low + 1, oracle.constraints.capacity)
    if not enough(high):
        return raised(high)
    while high - low > 1:  # enough(high), not enough(low)
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return raised(high)


def _drop_minimums(model: QuotaModel) -> Relaxation | None:
    """Every quota minimum dropped at once (``None`` when there is none)."""
    parts = [
        _lower((quota.attribute, quota.value), 0, dropped=quota.min)
        for quota in model.constraints.quotas
        if quota.min
    ]
    return Relaxation.joined(parts) if parts else None


def _upper_sources(model: QuotaModel) -> list[Quota | Cap]:
    sources: list[Quota | Cap] = []
    for row in model.ub_source:
        for source in row:
            if source is not None and all(source is not seen for seen in sources):
                sources.append(source)
    return sources
