"""Applicant types and the integer program behind exact quota feasibility.

Applicants with identical profiles are interchangeable for every constraint, so the
solvers work on *types*: one integer variable ``x_t`` in ``[0, available_t]`` per distinct
profile. A completion problem asks for counts ``x`` with

* ``min(a=v) - selected(a=v) <= sum(x_t : t has a=v) <= max(a=v) - selected(a=v)`` for every
  bounded attribute value (quota minimums, quota maximums and caps merged per value), and
* ``lo <= sum(x) <= hi`` for the number of places.

It is solved with HiGHS through :func:`scipy.optimize.milp`; scipy and numpy are imported
inside the functions that need them, never when :mod:`ran_events` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ran_events.errors import InvalidValue
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["UNBOUNDED", "QuotaModel", "QuotaProgram"]

UNBOUNDED = 1 << 40
"""Upper bound of an attribute value that no maximum or cap limits."""


class QuotaModel:
    """The constraints merged per attribute value, and the applicants grouped into types.

    Attributes:
        constraints: the constraints as given.
        attributes: attribute names, in profile order.
        value_names: per attribute, the name of each value id.
        lb: per attribute and value id, the merged minimum (0 when none).
        ub: per attribute and value id, the merged maximum (:data:`UNBOUNDED` when none).
        lb_source: the quota that sets each minimum (``None`` when 0).
        ub_source: the quota or cap that sets each maximum (``None`` when unbounded).
        type_of: per applicant (index into the profiles), its type id.
        type_values: per type, its value id on each attribute.
        min_attributes: attributes with at least one positive minimum.
    """

    __slots__ = (
        "attributes",
        "constraints",
        "lb",
        "lb_source",
        "min_attributes",
        "type_of",
        "type_values",
        "ub",
        "ub_source",
        "value_ids",
        "value_names",
    )

    def __init__(self, profiles: Sequence[Profile], constraints: Constraints) -> None:
        _validate_constraints(constraints)
        self.constraints = constraints
        self.attributes = constraints.attributes
        width = len(self.attributes)
        self.value_names: list[list[str]] = [[] for _ in range(width)]
        self.value_ids: list[dict[str, int]] = [{} for _ in range(width)]
        self.lb: list[list[int]] = [[] for _ in range(width)]
        self.ub: list[list[int]] = [[] for _ in range(width)]
        self.lb_source: list[list[Quota | None]] = [[] for _ in range(width)]
        self.ub_source: list[list[Quota | Cap | None]] = [[] for _ in range(width)]
        for quota in constraints.quotas:
            self._value_id(self.attributes.index(quota.attribute), quota.value)
        type_ids: dict[Profile, int] = {}
        self.type_of: list[int] = []
        self.type_values: list[tuple[int, ...]] = []
        for position, profile in enumerate(profiles):
            type_id = type_ids.get(profile)
            if type_id is None:
                if len(profile) != width:
                    raise InvalidValue(
                        f"profiles[{position}]",
                        profile,
                        f"a tuple of {width} values, one per attribute {self.attributes!r}",
                    )
                type_id = len(type_ids)
                type_ids[profile] = type_id
                self.type_values.append(
                    tuple(self._value_id(a, value) for a, value in enumerate(profile))
                )
            self.type_of.append(type_id)
        for quota in constraints.quotas:
            a = self.attributes.index(quota.attribute)
            v = self.value_ids[a][quota.value]
            if quota.min > self.lb[a][v]:
                self.lb[a][v] = quota.min
                self.lb_source[a][v] = quota
            if quota.max is not None and quota.max < self.ub[a][v]:
                self.ub[a][v] = quota.max
                self.ub_source[a][v] = quota
        for cap in constraints.caps:
            a = self.attributes.index(cap.attribute)
            for v, bound in enumerate(self.ub[a]):
                if cap.limit < bound:
                    self.ub[a][v] = cap.limit
                    self.ub_source[a][v] = cap
        self.min_attributes = tuple(a for a in range(width) if any(self.lb[a]))

    def _value_id(self, a: int, value: str) -> int:
        ids = self.value_ids[a]
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(ids)
            self.value_names[a].append(value)
            self.lb[a].append(0)
            self.ub[a].append(UNBOUNDED)
            self.lb_source[a].append(None)
            self.ub_source[a].append(None)
        return found

    @property
    def type_count(self) -> int:
        """The number of distinct profiles."""
        return len(self.type_values)

    def label(self, a: int, v: int) -> str:
        """``attribute=value`` text of one attribute value."""
        return f"{self.attributes[a]}={self.value_names[a][v]}"

    def counts_of(self, members: Sequence[int]) -> list[list[int]]:
        """Per attribute and value id, how many of ``members`` (applicant indices) have it."""
        counts = [[0] * len(names) for names in self.value_names]
        for i in members:
            for a, v in enumerate(self.type_values[self.type_of[i]]):
                counts[a][v] += 1
        return counts

    def available(self, pool: Sequence[int]) -> list[int]:
        """Per type, how many applicants of ``pool`` have it."""
        available = [0] * self.type_count
        for i in pool:
            available[self.type_of[i]] += 1
        return available


def _validate_constraints(constraints: Constraints) -> None:
    if constraints.capacity < 0:
        raise InvalidValue("capacity", constraints.capacity, "a number of places >= 0")
    for quota in constraints.quotas:
        if quota.min < 0:
            raise InvalidValue(f"quota {quota.describe()}", quota.min, "a minimum >= 0")
        if quota.max is not None and quota.max < 0:
            raise InvalidValue(f"quota {quota.describe()}", quota.max, "a maximum >= 0")
    for cap in constraints.caps:
        if cap.limit < 0:
            raise InvalidValue(f"cap {cap.describe()}", cap.limit, "a limit >= 0")


class QuotaProgram:
    """The constraint matrix of a :class:`QuotaModel`, built once, solved many times.

    Rows are the bounded attribute values (``rows[r] == (a, v)``) followed by one row for the
    number of places. ``calls`` counts the solves.
    """

    __slots__ = ("_matrix", "calls", "model", "row_of", "rows")

    def __init__(self, model: QuotaModel) -> None:
        import numpy as np  # noqa: PLC0415 - heavy, only when solving
        from scipy.sparse import csc_array  # noqa: PLC0415 - heavy, only when solving

        self.model = model
        self.rows: list[tuple[int, int]] = [
            (a, v)
            for a in range(len(model.attributes))
            for v in range(len(model.value_names[a]))
            if model.lb[a][v] > 0 or model.ub[a][v] < UNBOUNDED
        ]
        self.row_of = {key: r for r, key in enumerate(self.rows)}
        data_rows: list[int] = []
        data_cols: list[int] = []
        total_row = len(self.rows)
        for t, values in enumerate(model.type_values):
            for a, v in enumerate(values):
                r = self.row_of.get((a, v))
                if r is not None:
                    data_rows.append(r)
                    data_cols.append(t)
            data_rows.append(total_row)
            data_cols.append(t)
        self._matrix = csc_array(
            (np.ones(len(data_rows)), (np.array(data_rows), np.array(data_cols))),
            shape=(total_row + 1, model.type_count),
        )
        self.calls = 0

    def row_bounds(
        self, selected: Sequence[Sequence[int]], *, with_mins: bool = True
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Lower and upper bounds of the value rows, offset by the ``selected`` counts."""
        import numpy as np  # noqa: PLC0415 - heavy, only when solving

        lb, ub = self.model.lb, self.model.ub
        lo = np.array([lb[a][v] for a, v in self.rows], dtype=float)
        hi = np.array(
            [ub[a][v] if ub[a][v] < UNBOUNDED else np.inf for a, v in self.rows], dtype=float
        )
        if not with_mins:
            lo[:] = 0
        for a, row in enumerate(selected):
            for v, count in enumerate(row):
                if count and (r := self.row_of.get((a, v))) is not None:
                    lo[r] -= count
                    hi[r] -= count
        return np.maximum(lo, 0), hi

    def indicator(self, a: int, v: int) -> NDArray[Any]:
        """Per type, 1.0 when it has value ``v`` on attribute ``a``, else 0.0."""
        import numpy as np  # noqa: PLC0415 - heavy, only when solving

        return np.array([1.0 if values[a] == v else 0.0 for values in self.model.type_values])

    def solve(
        self,
        upper: Sequence[int] | NDArray[Any],
        lo: NDArray[Any],
        hi: NDArray[Any],
        *,
        total: tuple[float, float],
        objective: NDArray[Any] | None = None,
        columns: Sequence[int] | None = None,
    ) -> list[int] | None:
        """Integer counts per type meeting the rows, or ``None`` when none exist.

        Args:
            upper: per type, the most applicants of it that may be taken.
            lo: lower bounds of the value rows (see :meth:`row_bounds`).
            hi: upper bounds of the value rows.
            total: bounds of the number of applicants taken.
            objective: costs per type to minimise (feasibility only when ``None``).
            columns: solve over these types only, the others taken 0 times (all when
                ``None``); a solution of the restricted problem is one of the full problem.

        Returns:
            An optimal solution as a list of counts, checked in integer arithmetic.
        """
        import numpy as np  # noqa: PLC0415 - heavy, only when solving
        from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415 - heavy, only when solving

        if np.any(lo > hi) or total[0] > total[1]:
            return None
        upper_array = np.asarray(upper, dtype=float)
        matrix = self._matrix
        cost = np.zeros(self.model.type_count) if objective is None else objective
        if columns is not None:
            picked = np.asarray(columns, dtype=np.intp)
            upper_array, matrix, cost = upper_array[picked], matrix[:, picked], cost[picked]
            # keep the rows the picked types touch, and the minimums they must still meet
            kept = np.union1d(matrix.indices, np.flatnonzero(lo > 0))
            kept = np.union1d(kept, [len(self.rows)])
            matrix = matrix[kept]
            lo, hi = lo[kept[:-1]], hi[kept[:-1]]
        size = len(upper_array)
        if size == 0:  # nothing to choose: only the empty completion
            if np.all(lo <= 0) and np.all(hi >= 0) and total[0] <= 0:
                return [0] * self.model.type_count
            return None
        self.calls += 1
        result = milp(
            cost,
            integrality=np.ones(size),
            bounds=Bounds(np.zeros(size), upper_array),
            constraints=LinearConstraint(matrix, np.append(lo, total[0]), np.append(hi, total[1])),
            options={"mip_rel_gap": 0.0},
        )
        if result.status == 2:  # infeasible
            return None
        if result.x is None:
            raise RuntimeError(f"HiGHS gave no solution: {result.message}")
        found = [round(value) for value in result.x]
        self._verify(found, matrix, upper_array, lo, hi, total)
        if columns is None:
            return found
        counts = [0] * self.model.type_count
        for t, count in zip(columns, found, strict=True):
            counts[t] = count
        return counts

    def _verify(  # noqa: PLR0917 - private; every argument is one part of the problem
        self,
        counts: list[int],
        matrix: Any,
        upper: NDArray[Any],
        lo: NDArray[Any],
        hi: NDArray[Any],
        total: tuple[float, float],
    ) -> None:
        import numpy as np  # noqa: PLC0415 - heavy, only when solving

        x = np.asarray(counts, dtype=float)
        sums = matrix @ x
        if (
            np.any(x < 0)
            or np.any(x > upper)
            or np.any(sums[:-1] < lo)
            or np.any(sums[:-1] > hi)
            or not total[0] <= sums[-1] <= total[1]
        ):  # pragma: no cover - would be a solver bug
            raise RuntimeError("HiGHS returned a solution that breaks the constraints")
