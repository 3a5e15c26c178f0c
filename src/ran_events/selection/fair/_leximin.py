"""The fair quota lottery: LEXIMIN / MAXIMIN distributions over quota-respecting panels.

Written from Flanigan, Gölz, Gupta, Hennig and Procaccia, *Fair algorithms for selecting
citizens' assemblies* (Nature 596, 2021) and its supplementary column-generation algorithm,
and from Flanigan, Kehne and Procaccia, *Fair sortition made transparent* (NeurIPS 2021) for
rounding a distribution to ``m`` equally likely panels.

A *panel* is a set of exactly ``capacity`` applicants that meets every quota (``min``/``max``
per attribute value) and every cap (at most ``limit`` per value of the attribute; a cap
applies to every value, including the empty "unknown" one, as in the ordered-fill
allocator). The LEXIMIN distribution maximises the smallest selection probability of any
applicant, then the second smallest, and so on.

How it is computed:

* Applicants are grouped into *types*. Two applicants are interchangeable when no constraint
  tells them apart: an attribute value that no quota names and no cap can bind (a capped
  value held by at most ``limit`` applicants) is merged into an anonymous value. By symmetry
  and the uniqueness of the LEXIMIN marginals, all members of a type get the same
  probability, so panels are integer count vectors over types.
* The shortcut first: the LEXIMIN over the *LP relaxation* (a type's count may be any real
  number in ``[0, size]`` that meets the value rows) takes a compact LP per level. Every mix
  of panels is a point of the relaxation, so if a mix of panels attains the relaxation's
  LEXIMIN probabilities, they are the LEXIMIN over panels as well. One column generation
  checks that (:meth:`_ColumnGeneration.attain`): a Carathéodory decomposition of the target
  over the faces of the relaxation offers its panels first (one integer program each,
  :meth:`_ColumnGeneration._decompose`), then Frank-Wolfe steps towards the target offer
  candidate panels cheaply if needed, and the LP over the panels found, with its
  Lagrangian bound, answers exactly yes or no. On "no" (the relaxation is not the convex
  hull of the panels where it matters) the levels below run, keeping the panels found.
* Each LEXIMIN level is an LP over the panels found so far (column generation); *pricing*
  asks an integer program (:func:`scipy.optimize.milp`) for the panel of largest dual
  weight, which joins the LP when it beats the dual bound. At the optimum, every type with a
  positive dual value is tight in every optimal solution and is fixed at that level
  (complementary slackness); a level at probability 1 fixes every remaining type.
* Speed (``benchmarks/bench_fair.py``): the LP stays in one HiGHS instance (the one scipy
  ships) and is re-solved warm by primal simplex as columns arrive, falling back to
  :func:`scipy.optimize.linprog` on its dual when that object is unavailable; a level starts
  by dropping the columns not in use; pricing is stabilised (Wentges smoothing: price a
  point between the dual with the best Lagrangian bound so far and the current dual, and
  price the current dual itself before concluding, so each level still ends on an exact
  pricing proof).
* Type-level panels are expanded to applicant panels that give every member of a type the
  same probability: a flow of each panel's places to the type's members, then systematic
  sampling inside each panel. Everything iterates in a fixed order; the same input gives the
  same output for a given scipy version.

scipy and numpy are imported inside the functions that need them (``import ran_events``
must not load them).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from ran_events.errors import InfeasibleSelection, InvalidValue
from ran_events.selection._panel import STOPPED
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["FairDistribution", "LeximinOptions", "fair_distribution", "round_to_uniform"]

Objective = Literal["leximin", "maximin"]

_MERGED = None  # the anonymous value of attribute values no constraint can tell apart


@attrs.frozen(kw_only=True)
class LeximinOptions:
    """Tuning of the LEXIMIN computation and of the rounding (the defaults are measured).

    Every option changes speed only, never the result beyond the LP tolerances: the tests
    run the other paths against brute force, and ``benchmarks/bench_leximin_scale.py``
    compares them on large pools.

    Attributes:
        smoothing: weight of the stability centre in stabilised pricing (Wentges smoothing;
            ``benchmarks/bench_fair.py`` pool (b): 0, plain column generation, 82 s; 0.5 about
            45 s; 0.8 about 31 s; 0.9 38 s).
        prune: a level starts by rebuilding its LP with the columns in use when there are
            more than this many per row (pool (b): 38 s without, 28 s with 2, 31 s with 1).
        relaxation: try the LEXIMIN of the LP relaxation first and keep it when panels
            attain it (pools (a) and (b) of bench_fair.py: they do; pool (b) 104 s by levels,
            about 6 s with it).
        frank_wolfe: Frank-Wolfe steps per type offered as candidate panels while checking
            that panels attain the relaxation's LEXIMIN, in batches from ``first_batch``
            doubling between LP solves (pool (b): without them 104 s of column generation,
            with them about 500 steps, 7 LP solves, 5 s). The budget shrinks in proportion
            below ``frank_wolfe_capacity`` places (bench_relaxation.py, 1,000 applicants and
            4 places: 16.7 s with the whole budget, 10.9 s with a tenth).
        frank_wolfe_capacity: see ``frank_wolfe``.
        first_batch: see ``frank_wolfe``.
        incremental: keep each LP in one HiGHS instance and re-solve it warm as columns
            arrive; ``False`` solves every LP from scratch with
            :func:`scipy.optimize.linprog` (the path taken when that HiGHS object is missing).
        candidate_gap: relative optimality gap of the pricing program when it looks for a
            Frank-Wolfe candidate (any panel is a valid candidate; the LP and exact pricing
            decide; bench_leximin_scale.py 500 / 50: 10.1 s with 1e-9, 8.5 s with 0.05).
        swaps: panels offered beside each Frank-Wolfe candidate, each swapping one of its
            places for another type (:meth:`_PanelProgram.swaps`): more columns per pricing
            program (bench_leximin_scale.py 500 / 50: 10.0 s with 0, 6.2 s with 4, 4.1 s
            with 16, 6.1 s with 32).
        decompose: before the column generation checks that panels attain the
            relaxation's LEXIMIN, offer it the panels of a Carathéodory decomposition of
            the target (:meth:`_ColumnGeneration._decompose`: one integer program per
            panel on the relaxation's face that holds the rest of the target; on the
            benchmark pools the LP over them attains the target at once).
            bench_leximin_scale.py, CPU: 1,000 / 100 33.2 s without, 1.3 s with; 2,000 /
            100 over 479 s without, 4.1 s with; 500 / 50, where it stops short and the
            column generation finishes, 2.8 s without, 3.9 s with.
        rounding_nodes: branch-and-bound nodes of the rounding program (see
            :func:`round_to_uniform`). Its root (with HiGHS's sub-MIP heuristic) finds the
            rounding; further nodes mostly pay for strong branching (pool (a) largest
            marginal change 2.31/m with 1 or 10 nodes, 1.2 s against 1.9 s; pool (b) with
            organisations capped at 40, 2.94/m either way, 8.8 s against 45 s).
        rounding_program: round with that integer program (HiGHS) instead of the
            deterministic search of :func:`_rounding_search` (bench_leximin_scale.py
            ``--rounding``: largest discrepancy 2.0 either way on 600 / 60, 2.02 against
            2.27 on bench_fair.py's pool (b), at 20-50 times the time).
    """

    smoothing: float = 0.8
    prune: int = 2
    relaxation: bool = True
    frank_wolfe: float = 2.0
    frank_wolfe_capacity: int = 40
    first_batch: int = 8
    incremental: bool = True
    candidate_gap: float = 0.05
    swaps: int = 16
    decompose: bool = True
    rounding_nodes: int = 1
    rounding_program: bool = False


_DEFAULTS = LeximinOptions()


@attrs.frozen(kw_only=True)
class FairDistribution:
    """A probability distribution over panels, with each applicant's selection probability.

    Attributes:
        panels: the panels in the support; each is the sorted tuple of applicant indices
            (positions in the profiles given to :func:`fair_distribution`). Sorted.
        weights: the probability of each panel (same order); they sum to 1.
        probabilities: per applicant, the probability of being selected (the weighted
            number of panels that contain them).
        excluded: applicants that are in no valid panel, mapped to a sentence naming the
            constraint that excludes them. Their probability is 0.
        objective: ``"leximin"``, ``"maximin"``, or ``"leximin (stopped at the time limit
            after N levels)"`` when ``time_limit`` cut the computation short.
        capacity: the number of places (every panel has this many members).
        groups: the applicants no constraint tells apart, each a sorted tuple of indices
            (every member of a group has the same probability).
        group_panels: the panels as counts per group (the support before expansion).
        group_weights: the probability of each group panel.
        method: ``"relaxation"`` when panels attain the LEXIMIN of the LP relaxation (which
            is then the LEXIMIN over panels), ``"levels"`` when it was computed level by
            level over panels.
    """

    panels: tuple[tuple[int, ...], ...]
    weights: tuple[float, ...]
    probabilities: tuple[float, ...]
    excluded: Mapping[int, str]
    objective: str
    capacity: int
    groups: tuple[tuple[int, ...], ...] = ()
    group_panels: tuple[tuple[int, ...], ...] = ()
    group_weights: tuple[float, ...] = ()
    method: Literal["relaxation", "levels"] = "levels"

    def draw(self, m: int, index: int) -> tuple[int, ...]:
        """Return the panel at position ``index`` of the distribution rounded to ``m`` panels.

        Publish ``m`` and the rounded list, then draw ``index`` uniformly in ``range(m)``
        (e.g. with public dice): each listed panel is equally likely.

        Args:
            m: the number of equally likely panels (see :func:`round_to_uniform`).
            index: the position drawn, ``0 <= index < m``.

        Returns:
            The sorted applicant indices of the panel.

        Raises:
            InvalidValue: when ``index`` is outside ``range(m)`` or ``m < 1``.
        """
        if not 0 <= index < m:
            raise InvalidValue("index", index, f"an integer in range({m})")
        return round_to_uniform(self, m)[index]


# --------------------------------------------------------------------------------------------
# The type model


@attrs.frozen(kw_only=True)
class _Row:
    """``lo <= sum(x_t for t in types) <= hi`` for one (merged) attribute value."""

    attribute: int
    value: str | None
    lo: int
    hi: int | None
    sources: tuple[Quota | Cap, ...]


class _TypeModel:
    """Applicants grouped into interchangeable types, and the constraint rows over types."""

    def __init__(self, profiles: Sequence[Profile], constraints: Constraints) -> None:
        _validate(profiles, constraints)
        self.constraints = constraints
        attributes = constraints.attributes
        width = len(attributes)
        named: list[set[str]] = [set() for _ in range(width)]
        for quota in constraints.quotas:
            named[attributes.index(quota.attribute)].add(quota.value)
        limits: list[int | None] = [None] * width
        for cap in constraints.caps:
            a = attributes.index(cap.attribute)
            current = limits[a]
            limits[a] = cap.limit if current is None else min(current, cap.limit)
        counts: list[dict[str, int]] = [{} for _ in range(width)]
        for profile in profiles:
            for a, value in enumerate(profile):
                counts[a][value] = counts[a].get(value, 0) + 1

        def canonical(a: int, value: str) -> str | None:
            limit = limits[a]
            if value in named[a] or (limit is not None and counts[a][value] > limit):
                return value
            return _MERGED

        keys: dict[tuple[str | None, ...], int] = {}
        self.members: list[list[int]] = []
        self.keys: list[tuple[str | None, ...]] = []
        for index, profile in enumerate(profiles):
            key = tuple(canonical(a, value) for a, value in enumerate(profile))
            t = keys.get(key)
            if t is None:
                t = keys[key] = len(self.keys)
                self.keys.append(key)
                self.members.append([])
            self.members[t].append(index)
        self.sizes = [len(m) for m in self.members]
        self.capacity = constraints.capacity
        self.rows = _rows(
            constraints, self.keys, list(constraints.quotas) + list(constraints.caps)
        )

    @property
    def type_count(self) -> int:
        return len(self.keys)


def _validate(profiles: Sequence[Profile], constraints: Constraints) -> None:
    if constraints.capacity < 0:
        raise InvalidValue("capacity", constraints.capacity, "a number of places >= 0")
    for quota in constraints.quotas:
        if quota.min < 0 or (quota.max is not None and quota.max < 0):
            raise InvalidValue(f"quota {quota.describe()}", quota, "a minimum and maximum >= 0")
    for cap in constraints.caps:
        if cap.limit < 0:
            raise InvalidValue(f"cap {cap.describe()}", cap.limit, "a limit >= 0")
    width = len(constraints.attributes)
    for position, profile in enumerate(profiles):
        if len(profile) != width:
            raise InvalidValue(
                f"profiles[{position}]",
                profile,
                f"a tuple of {width} values, one per attribute {constraints.attributes!r}",
            )


def _rows(
    constraints: Constraints,
    keys: Sequence[tuple[str | None, ...]],
    sources: Sequence[Quota | Cap],
) -> list[_Row]:
    """The value rows that ``sources`` (a subset of the quotas and caps) impose on ``keys``."""
    attributes = constraints.attributes
    bounds: dict[tuple[int, str | None], tuple[int, int | None, tuple[Quota | Cap, ...]]] = {}

    def tighten(a: int, value: str | None, lo: int, hi: int | None, source: Quota | Cap) -> None:
        old_lo, old_hi, old_sources = bounds.get((a, value), (0, None, ()))
        new_hi = hi if old_hi is None else (old_hi if hi is None else min(old_hi, hi))
        bounds[(a, value)] = (max(old_lo, lo), new_hi, (*old_sources, source))

    for source in sources:
        a = attributes.index(source.attribute)
        if isinstance(source, Quota):
            tighten(a, source.value, source.min, source.max, source)
        else:
            for value in sorted({key[a] for key in keys if key[a] is not _MERGED}, key=str):
                tighten(a, value, 0, source.limit, source)
    return [
        _Row(attribute=a, value=value, lo=lo, hi=hi, sources=found)
        for (a, value), (lo, hi, found) in sorted(
            bounds.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
        )
    ]


class _PanelProgram:
    """The integer program whose solutions are the type-level panels."""

    def __init__(self, model: _TypeModel, rows: Sequence[_Row]) -> None:
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
        from scipy.sparse import csr_array  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        self.model = model
        size = model.type_count
        data_rows: list[int] = []
        data_cols: list[int] = []
        for r, row in enumerate(rows):
            for t, key in enumerate(model.keys):
                if key[row.attribute] == row.value:
                    data_rows.append(r)
                    data_cols.append(t)
        data_rows.extend([len(rows)] * size)
        data_cols.extend(range(size))
        self.matrix = csr_array(
            (np.ones(len(data_rows)), (np.array(data_rows, dtype=int), np.array(data_cols))),
            shape=(len(rows) + 1, size),
        )
        capacity = float(model.capacity)
        self.lo = np.array([float(row.lo) for row in rows] + [capacity])
        self.hi = np.array(
            [np.inf if row.hi is None else float(row.hi) for row in rows] + [capacity]
        )
        self.upper = np.array(model.sizes, dtype=float)
        self._highs: Any = None
        self._face: tuple[Any, NDArray[Any], NDArray[Any]] | None = None
        self._dense: NDArray[Any] | None = None

    def swaps(self, counts: NDArray[Any], weight: NDArray[Any], number: int) -> list[NDArray[Any]]:
        """Up to ``number`` panels that swap one place of ``counts`` for another type.

        Extra candidate columns at the cost of a few vector operations: the types of
        largest ``weight`` with room come in, each for the first of the (at most 16) types
        of smallest ``weight`` in the panel whose swap keeps every row within its bounds.
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        if number <= 0:
            return []
        if self._dense is None:
            self._dense = self.matrix.toarray()
        dense = self._dense
        sums = dense @ counts
        room = np.flatnonzero(counts < self.upper)
        inside = np.flatnonzero(counts > 0)
        drops = inside[np.argsort(weight[inside], kind="stable")][:16]
        found: list[NDArray[Any]] = []
        for b in room[np.argsort(-weight[room], kind="stable")]:
            if len(found) >= number:
                break
            trial = sums[:, None] - dense[:, drops] + dense[:, [b]]
            within = (trial >= self.lo[:, None] - 0.5) & (trial <= self.hi[:, None] + 0.5)
            fits = np.all(within, axis=0)
            fits &= drops != b
            if np.any(fits):
                variant = counts.copy()
                variant[drops[int(np.argmax(fits))]] -= 1
                variant[b] += 1
                found.append(variant)
        return found

    def price(
        self, objective: NDArray[Any], gap: float = 1e-9, *, incremental: bool = True
    ) -> NDArray[Any]:
        """Counts per type of a panel maximising ``objective`` within relative ``gap``.

        The program is kept in one HiGHS instance in which only the objective changes
        (bench_leximin_scale.py, 1,000 / 100: a fifth less time per pricing than
        :func:`scipy.optimize.milp`, which builds the model each time); :meth:`solve` when
        that object is missing or ``incremental`` is false. The bounds must not change
        after the first call (:meth:`_ColumnGeneration.cover` sets them before).
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        core = _highs_core() if incremental else None
        if core is None:
            counts = self.solve(objective)
            assert counts is not None  # a panel exists: the caller checked
            return counts
        size = len(self.upper)
        if self._highs is None:
            self._highs = self._program(core)
        highs = self._highs
        highs.setOptionValue("mip_rel_gap", gap)
        highs.changeColsCost(size, np.arange(size, dtype=np.int32), objective.astype(float))
        highs.run()
        if highs.getModelStatus() != core.HighsModelStatus.kOptimal:  # pragma: no cover
            counts = self.solve(objective)
            assert counts is not None
            return counts
        return self._checked(np.rint(np.asarray(highs.getSolution().col_value)).astype(np.int64))

    def _program(self, core: Any) -> Any:
        """A HiGHS instance holding this integer program (maximise; no objective yet)."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        size = len(self.upper)
        highs = core._Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")  # as in :meth:`solve`
        inf = highs.getInfinity()
        highs.addVars(size, np.zeros(size), self.upper)
        matrix = self.matrix
        highs.addRows(
            matrix.shape[0],
            self.lo,
            np.where(np.isfinite(self.hi), self.hi, inf),
            matrix.nnz,
            matrix.indptr[:-1].astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data.astype(float),
        )
        highs.changeColsIntegrality(
            size, np.arange(size, dtype=np.int32), np.ones(size, dtype=np.uint8)
        )
        highs.changeObjectiveSense(core.ObjSense.kMaximize)
        return highs

    def within(
        self,
        objective: NDArray[Any],
        counts: tuple[NDArray[Any], NDArray[Any]],
        sums: tuple[NDArray[Any], NDArray[Any]],
        gap: float,
    ) -> NDArray[Any] | None:
        """A panel maximising ``objective`` (within relative ``gap``) on a face.

        The face: each type's count in ``counts`` (lower, upper), each row's sum in
        ``sums`` (lower, upper), narrower than the program's own bounds. ``None`` when no
        panel lies on it, or without the HiGHS object scipy ships. A second HiGHS instance
        (that of :meth:`price` keeps its bounds), with only the changed bounds changed.
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        core = _highs_core()
        if core is None:  # pragma: no cover - scipy < 1.15: the caller goes without
            return None
        size = len(self.upper)
        if self._face is None:
            self._face = (self._program(core), self.lo.copy(), self.hi.copy())
        highs, row_lo, row_hi = self._face
        highs.changeColsBounds(size, np.arange(size, dtype=np.int32), *counts)
        inf = highs.getInfinity()
        for r in np.flatnonzero((sums[0] != row_lo) | (sums[1] != row_hi)).tolist():
            upper = float(sums[1][r])
            highs.changeRowBounds(r, float(sums[0][r]), upper if upper < math.inf else inf)
        self._face = (highs, sums[0].copy(), sums[1].copy())
        highs.setOptionValue("mip_rel_gap", gap)
        highs.changeColsCost(size, np.arange(size, dtype=np.int32), objective.astype(float))
        highs.run()
        if highs.getModelStatus() != core.HighsModelStatus.kOptimal:
            return None
        return self._checked(np.rint(np.asarray(highs.getSolution().col_value)).astype(np.int64))

    def solve(
        self, objective: NDArray[Any] | None = None, lower: NDArray[Any] | None = None
    ) -> NDArray[Any] | None:
        """Counts per type of a panel maximising ``objective`` (``None`` when there is none)."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
        from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        size = len(self.upper)
        low = np.zeros(size) if lower is None else lower
        if np.any(low > self.upper) or np.any(self.lo > self.hi):
            return None
        cost = np.zeros(size) if objective is None else -objective
        result = milp(
            cost,
            integrality=np.ones(size),
            bounds=Bounds(low, self.upper),
            constraints=LinearConstraint(self.matrix, self.lo, self.hi),
            # Without presolve: the same optimum, 1.2-1.7x faster on bench_fair.py's pools.
            options={"mip_rel_gap": 1e-9, "presolve": False},
        )
        if result.status == 2 or result.x is None:
            return None
        return self._checked(np.rint(result.x).astype(np.int64))

    def _checked(self, counts: NDArray[Any]) -> NDArray[Any]:
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        sums = self.matrix @ counts
        if np.any(sums < self.lo - 0.5) or np.any(sums > self.hi + 0.5):  # pragma: no cover
            raise RuntimeError("HiGHS returned a panel that breaks the constraints")
        return counts


# --------------------------------------------------------------------------------------------
# Diagnosis: why no panel exists, or why a type is in none


def _sources(constraints: Constraints) -> list[Quota | Cap]:
    return [*constraints.quotas, *constraints.caps]


def _blocking(model: _TypeModel, lower: NDArray[Any] | None) -> str:
    """Name the smallest set (one, two, or all) of constraints that leaves no panel."""
    sources = _sources(model.constraints)
    for size in (1, 2):
        for group in itertools.combinations(sources, size):
            rows = _rows(model.constraints, model.keys, group)
            if _PanelProgram(model, rows).solve(lower=lower) is None:
                return " and ".join(s.describe() for s in group) + (
                    " together" if size > 1 else ""
                )
    return "the quotas and caps together (" + "; ".join(s.describe() for s in sources) + ")"


def _infeasible(model: _TypeModel) -> InfeasibleSelection:
    total = sum(model.sizes)
    if model.capacity > total:
        return InfeasibleSelection(
            [f"capacity {model.capacity} but only {total} applicants"],
            [f"capacity <= {total}"],
        )
    return InfeasibleSelection(
        [f"no {model.capacity} applicants satisfy {_blocking(model, None)}"]
    )


def _exclusion(model: _TypeModel, t: int) -> str:
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    lower = np.zeros(model.type_count)
    lower[t] = 1.0
    return (
        f"in no selection of {model.capacity}: with this applicant no selection satisfies "
        f"{_blocking(model, lower)}"
    )


# --------------------------------------------------------------------------------------------
# Column generation over types


def _highs_core() -> Any:
    """The HiGHS object that scipy ships (``scipy.optimize._highspy._core``), or ``None``.

    A private module of scipy, chosen over the public ``highspy`` package after measuring
    both (bench_leximin_scale.py's pricing program on 1,000 / 100, 20 objectives: scipy
    1.17's HiGHS 0.49 s, highspy 1.16 1.05-1.11 s, twice as slow), and because
    ``highspy.Highs()`` prints its banner on standard output the first time, before any
    option can silence it (``ran-events select`` writes its results there). scipy is a
    dependency already; this adds none. When scipy moves or changes the module, every
    caller falls back to :func:`scipy.optimize.linprog` / :func:`scipy.optimize.milp`
    (same results, slower), and ``tests/test_leximin.py::test_scipy_still_ships_highs``
    fails loudly so that the move is noticed.
    """
    try:
        from scipy.optimize._highspy import _core as core  # noqa: PLC0415 - scipy only when a lottery runs
    except ImportError:  # pragma: no cover - scipy < 1.15 or a different private layout
        return None
    if not hasattr(core, "_Highs"):  # pragma: no cover - a different private layout
        return None
    return core


class _Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.end = None if seconds is None else time.monotonic() + seconds

    def passed(self) -> bool:
        return self.end is not None and time.monotonic() > self.end


class _IncrementalLP:
    """The level LP in primal form, kept in one HiGHS instance and re-solved warm.

    Variables: ``z`` (column 0, free) and one weight per panel. Rows: per active type
    ``t``, ``share_t . w - z >= o_t`` while ``t`` is unfixed (``o_t`` from ``offsets``, else
    0) and ``share_t . w >= value`` once fixed; last row ``sum(w) = 1``. Adding a panel adds
    a column and keeps the basis, so a round of column generation costs some primal simplex
    pivots instead of a solve from scratch; :meth:`prune` rebuilds the LP with the columns
    that matter. Uses the HiGHS object that scipy ships (``scipy.optimize._highspy``, scipy
    >= 1.15); :meth:`create` returns ``None`` when it is missing and the caller falls back to
    :func:`scipy.optimize.linprog`.
    """

    def __init__(
        self,
        core: Any,
        active: Sequence[int],
        sizes: NDArray[Any],
        offsets: Mapping[int, float] | None = None,
    ) -> None:
        self.core = core
        self.row = {t: r for r, t in enumerate(active)}
        self.active = list(active)
        self.sizes = sizes
        self.offsets = dict(offsets or {})
        self.fixed: dict[int, float] = {}
        self.members: list[int] = []  # the panel index of each LP column after z
        self.contains: set[int] = set()
        self.highs: Any = None
        self.infinity = 0.0
        self._types: NDArray[Any] | None = None
        self._reset()

    def _reset(self) -> None:
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        core = self.core
        self.highs = highs = core._Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("simplex_strategy", 4)  # primal simplex: new columns keep it feasible
        # No bound perturbation: the LP is very degenerate and warm re-solves then take fewer
        # pivots (pool (b), full LEXIMIN without time limit: 170 s -> 123 s, same marginals).
        highs.setOptionValue("primal_simplex_bound_perturbation_multiplier", 0.0)
        self.infinity = inf = highs.getInfinity()
        highs.addVar(-inf, inf)
        highs.changeColCost(0, 1.0)
        highs.changeObjectiveSense(core.ObjSense.kMaximize)
        zero = np.array([0], dtype=np.int32)
        empty = np.array([], dtype=np.int32)
        for t in self.active:
            if t in self.fixed:
                highs.addRow(self.fixed[t], inf, 0, empty, np.array([], dtype=float))
            else:
                highs.addRow(self.offsets.get(t, 0.0), inf, 1, zero, np.array([-1.0]))
        highs.addRow(1.0, 1.0, 0, empty, np.array([], dtype=float))
        self.members = []
        self.contains = set()

    @classmethod
    def create(
        cls,
        active: Sequence[int],
        sizes: NDArray[Any],
        offsets: Mapping[int, float] | None = None,
    ) -> _IncrementalLP | None:
        """The LP over no panel yet; ``offsets`` moves an unfixed row to ``share.w - z >= o``."""
        core = _highs_core()
        return None if core is None else cls(core, active, sizes, offsets)

    def add(self, index: int, counts: NDArray[Any]) -> None:
        """Add panel number ``index`` (type counts ``counts``) as a column."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        if self._types is None:
            self._types = np.array(self.active, dtype=np.int64)
        types = self._types
        rows = np.flatnonzero(counts[types] > 0)
        values = counts[types[rows]] / self.sizes[types[rows]]
        self.highs.addCol(
            0.0,
            0.0,
            self.infinity,
            len(rows) + 1,
            np.append(rows, len(types)).astype(np.int32),
            np.append(values.astype(float), 1.0),
        )
        self.members.append(index)
        self.contains.add(index)

    def fix(self, t: int, value: float) -> None:
        r = self.row[t]
        self.highs.changeCoeff(r, 0, 0.0)
        self.highs.changeRowBounds(r, value, self.infinity)
        self.fixed[t] = value

    def prune(self, panels: Sequence[NDArray[Any]], limit: int) -> None:
        """Rebuild with the columns in use or of zero reduced cost, if there are over ``limit``."""
        if len(self.members) <= limit:
            return
        keep = self.in_use()
        self._reset()
        for index in keep:
            self.add(index, panels[index])

    def in_use(self) -> list[int]:
        """The panels of the last solution's columns with a weight or zero reduced cost."""
        solution = self.highs.getSolution()
        values = solution.col_value
        costs = solution.col_dual
        return [
            index
            for j, index in enumerate(self.members, start=1)
            if values[j] > 1e-12 or costs[j] > -1e-9
        ]

    def weights(self) -> dict[int, float]:
        """The last solution's weight of each panel with one."""
        values = self.highs.getSolution().col_value
        return {index: values[j] for j, index in enumerate(self.members, start=1) if values[j] > 0}

    def solve(self, type_count: int) -> tuple[NDArray[Any], float, float] | None:
        """``(y per type, mu, optimal value)`` like :meth:`_ColumnGeneration._dual`."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        highs = self.highs
        highs.run()
        if highs.getModelStatus() != self.core.HighsModelStatus.kOptimal:  # pragma: no cover
            return None  # the caller solves this LP with linprog instead
        duals = np.asarray(highs.getSolution().row_dual)
        y = np.zeros(type_count)
        y[self.active] = np.clip(-duals[: len(self.active)], 0.0, None)
        value = float(highs.getInfo().objective_function_value)
        return y, float(duals[len(self.active)]), value


class _ColumnGeneration:
    """The LEXIMIN levels over type-level panels (Flanigan et al. 2021, supplement)."""

    def __init__(
        self,
        model: _TypeModel,
        program: _PanelProgram,
        tolerance: float,
        options: LeximinOptions,
    ) -> None:
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        self.options = options
        self.model = model
        self.program = program
        self.tolerance = tolerance
        self.sizes = np.array(model.sizes, dtype=float)
        self.panels: list[NDArray[Any]] = []
        self._index: dict[bytes, int] = {}
        self.active: list[int] = []
        self.excluded: dict[int, str] = {}
        self._lp: _IncrementalLP | None = None
        # The weights of the last LP solution: the final fit starts from them.
        self.solution: dict[int, float] = {}
        self._synced = 0  # the panels before this one are in the level LP (or were pruned)

    def add(self, counts: NDArray[Any]) -> bool:
        """Add a panel to the LP; ``False`` when it is in it already."""
        key = counts.tobytes()
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.panels)
            self.panels.append(counts)
        elif self._lp is None or index in self._lp.contains:
            return False
        if self._lp is not None:
            self._lp.add(index, counts)
            self._synced = len(self.panels)
        return True

    def cover(self) -> None:
        """Find a panel for every type that is in one; record the types in none."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        covered = np.zeros(self.model.type_count, dtype=bool)
        for t in range(self.model.type_count):
            if covered[t]:
                continue
            objective = np.where(covered, 0.0, 1.0) / self.sizes
            lower = np.zeros(self.model.type_count)
            lower[t] = 1.0
            counts = self.program.solve(objective, lower)
            if counts is None:
                self.excluded[t] = _exclusion(self.model, t)
                self.program.upper[t] = 0.0
                continue
            self.add(counts)
            covered |= counts > 0
        self.active = [t for t in range(self.model.type_count) if t not in self.excluded]
        if self.options.incremental:
            self._lp = _IncrementalLP.create(self.active, self.sizes)
        if self._lp is not None:
            for index, counts in enumerate(self.panels):
                self._lp.add(index, counts)
            self._synced = len(self.panels)

    def _price(self, objective: NDArray[Any], gap: float = 1e-9) -> NDArray[Any]:
        return self.program.price(objective, gap, incremental=self.options.incremental)

    def _matrix(self) -> NDArray[Any]:
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        matrix: NDArray[Any] = np.array(self.panels, dtype=float).T / self.sizes[:, None]
        return matrix

    def _dual(self, fixed: Mapping[int, float]) -> tuple[NDArray[Any], float, float]:
        """Dual LP over the current panels: ``(y per type, mu, optimal value)``."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
        from scipy.optimize import linprog  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        if self._lp is not None:
            for t, value in fixed.items():
                if t not in self._lp.fixed:
                    self._lp.fix(t, value - self.tolerance * 1e-2)
            solved = self._lp.solve(self.model.type_count)
            if solved is not None:
                return solved

        active = self.active
        share = self._matrix()[active, :]  # active types x panels
        count = len(active)
        cost = np.append([-fixed.get(t, 0.0) for t in active], 1.0)
        a_ub = np.hstack([share.T, -np.ones((share.shape[1], 1))])
        a_eq = np.append([0.0 if t in fixed else 1.0 for t in active], 0.0)[None, :]
        bounds = [(0.0, None)] * count + [(None, None)]
        result = linprog(
            cost,
            A_ub=a_ub,
            b_ub=np.zeros(share.shape[1]),
            A_eq=a_eq,
            b_eq=[1.0],
            bounds=bounds,
            method="highs-ds",
        )
        if result.status != 0:  # pragma: no cover - the dual is always feasible and bounded
            raise RuntimeError(f"HiGHS could not solve the dual LP: {result.message}")
        y = np.zeros(self.model.type_count)
        y[active] = result.x[:count]
        return y, float(result.x[count]), float(result.fun)

    def level(self, fixed: Mapping[int, float], deadline: _Deadline) -> tuple[float, list[int]]:
        """Maximise the smallest unfixed probability; return it and the types it binds.

        Pricing is stabilised (Wentges smoothing): the panel is sought for a point between
        the best dual point so far (by its Lagrangian bound) and the current LP dual. When
        that panel does not improve the LP, the current dual itself is priced, so the level
        ends exactly when the LP dual prices out every panel.
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        alpha = self.options.smoothing
        slack = self.tolerance * 1e-2
        levels = np.array([fixed.get(t, 0.0) for t in range(self.model.type_count)])
        center: NDArray[Any] | None = None
        best = math.inf
        if self._lp is not None:
            for index in range(self._synced, len(self.panels)):  # those the check found
                self._lp.add(index, self.panels[index])
            self._synced = len(self.panels)
            self._lp.prune(self.panels, self.options.prune * (len(self.active) + 1))
        while True:
            y, mu, value = self._dual(fixed)
            point = y if center is None else alpha * center + (1.0 - alpha) * y
            counts = self._price(point / self.sizes)
            bound = float((point / self.sizes) @ counts - point @ levels)
            if bound < best:
                best, center = bound, point
            if deadline.passed():
                break
            if float((y / self.sizes) @ counts) > mu + slack:
                if self.add(counts):
                    continue
                break  # pragma: no cover - an improving panel is new unless HiGHS rounds
            if center is y:
                break
            counts = self._price(y / self.sizes)
            if float((y / self.sizes) @ counts) <= mu + slack or not self.add(counts):
                break
        self.solution = {} if self._lp is None else self._lp.weights()
        unfixed = [t for t in self.active if t not in fixed]
        if value >= 1.0 - self.tolerance:
            return value, unfixed  # no probability exceeds 1: every unfixed type is tight
        tight = [t for t in unfixed if y[t] > self.tolerance]
        if not tight:  # pragma: no cover - the unfixed duals sum to 1
            tight = [max(unfixed, key=lambda t: (y[t], -t))]
        return value, tight

    def attain(self, target: Mapping[int, float], deadline: _Deadline) -> bool:
        """Whether a mix of panels gives every active type its ``target`` probability.

        Solves ``max z`` subject to ``share_t . w - z >= target_t - tolerance / 10`` over
        the panels found, by column generation. ``True`` as soon as ``z >= 0`` (the panels
        then are in :attr:`panels`), or when no panel improves the LP and ``z`` is within
        ``tolerance`` of it; ``False`` when the Lagrangian bound of the LP duals (the LP
        value plus the largest reduced cost of any panel) proves that no mix of panels
        comes within ``tolerance`` of ``target``, or at the deadline. The panels of
        :meth:`_decompose` join the LP first (with ``options.decompose``); on the benchmark
        pools they attain the target and the first LP answers. Each round prices the
        LP duals exactly (one MILP), then, while a budget of twice the number of types
        lasts (less with under 40 places), takes a batch of Frank-Wolfe steps towards
        ``target``: cheap candidate panels (a pricing MILP each, no LP), in batches of 8,
        16, 32, ... so that easy checks end early. The LP and its duals alone decide.
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        aim = self.tolerance / 10.0  # the final weights then sit within it of the target
        lp = (
            _IncrementalLP.create(self.active, self.sizes, {t: v - aim for t, v in target.items()})
            if self.options.incremental
            else None
        )
        if lp is None:  # pragma: no cover - scipy < 1.15: the levels use linprog instead
            return False
        goal = np.zeros(self.model.type_count)
        for t, value in target.items():
            goal[t] = value - aim
        for index, counts in enumerate(self.panels):
            lp.add(index, counts)
        # The Frank-Wolfe steps start from the panels found before the decomposition's
        # (bench_leximin_scale.py 500 / 50, where it stops short: 7.0 s with its panels in
        # the mean, 4.4 s without).
        mean: NDArray[Any] = self._matrix().mean(axis=1)
        if self.options.decompose:
            self._decompose(lp, target, deadline)
        # With few places a panel column is sparse and an LP re-solve about as cheap as a
        # pricing MILP, so exact pricing does better than Frank-Wolfe candidates.
        options = self.options
        share = min(1.0, self.model.capacity / options.frank_wolfe_capacity)
        budget = int(options.frank_wolfe * share * len(self.active))
        batch = options.first_batch
        while True:
            solved = lp.solve(self.model.type_count)
            if solved is None:  # pragma: no cover - HiGHS solves this LP (z is free)
                return False
            y, mu, value = solved
            self.solution = lp.weights()
            if value >= 0.0 or deadline.passed():
                return value >= 0.0
            priced = self._price(y / self.sizes)
            gain = float((y / self.sizes) @ priced) - mu  # the largest reduced cost
            if value + gain < aim - self.tolerance:
                return False  # no mix of panels comes within tolerance of the target
            if gain <= self.tolerance * 1e-2 or not self._offer(lp, priced):
                return value >= aim - self.tolerance  # the LP is optimal over all panels
            if budget > 0:
                mean = self._frank_wolfe(lp, goal, mean, min(budget, batch))
                budget -= batch
                batch *= 2

    def _decompose(
        self, lp: _IncrementalLP, target: Mapping[int, float], deadline: _Deadline
    ) -> None:
        """Offer panels whose mix is ``target``, found by Carathéodory steps in the relaxation.

        ``x``, the target as counts per type, is a point of the relaxation. A step asks for
        a panel ``p`` on the smallest face of the relaxation that holds ``x`` (every count
        and row sum at a bound at ``x`` stays there; the objective, the cube of each type's
        remaining probability, favours the largest, so that the step is long: 39 and 68
        steps on 1,000 / 100 and 2,000 / 100, against 48 and 100 with the probability
        itself) and moves ``x`` away from ``p`` along the line
        through both until a new bound is reached: ``x = s p + (1 - s) x'`` with ``x'`` on
        a smaller face, so each panel binds at least one more bound. When every such face
        holds a panel the steps end on a panel, with at most as many panels as types and
        rows; otherwise (the relaxation's face has fractional corners only) they stop, and
        the column generation of :meth:`attain` goes on from the panels found. Either way
        the LP alone decides (bench_leximin_scale.py 1,000 / 100: 39 steps of one integer
        program each, where the Frank-Wolfe candidates took 510 integer programs and an LP
        over 8,600 panels).
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        program = self.program
        upper, matrix, lo, hi = program.upper, program.matrix, program.lo, program.hi
        start = np.zeros(self.model.type_count)
        for t, value in target.items():
            start[t] = value * self.sizes[t]
        # The levels were fixed a little below their optimum: back to exactly capacity places.
        start = np.clip(start * (self.model.capacity / max(float(start.sum()), 1e-300)), 0, upper)
        placed = np.zeros_like(start)
        mass, edge = 1.0, 1e-9
        for _ in range(self.model.type_count + len(lo) + 1):  # pragma: no branch - a bound
            if mass < self.tolerance / 20.0 or deadline.passed():
                # What is left moves no probability by more than ``mass``, within the LP's
                # slack (``tolerance / 10``).
                return
            x = np.clip((start - placed) / mass, 0.0, upper)
            sums = matrix @ x
            at_lower, at_upper = x <= edge, x >= upper - edge
            at_lo, at_hi = sums <= lo + edge, sums >= hi - edge
            counts = program.within(
                (x / self.sizes) ** 3,
                (np.where(at_upper, upper, 0.0), np.where(at_lower, 0.0, upper)),
                (np.where(at_hi, hi, lo), np.where(at_lo, lo, hi)),
                self.options.candidate_gap,
            )
            if counts is None:
                return  # no panel on this face: the column generation takes over
            self._offer(lp, counts)
            d = x - counts
            move = matrix @ d
            with np.errstate(divide="ignore", invalid="ignore"):
                limits = (
                    np.where((d < -edge) & ~at_lower, x / -d, np.inf),
                    np.where((d > edge) & ~at_upper, (upper - x) / d, np.inf),
                    np.where((move > edge) & ~at_hi, (hi - sums) / move, np.inf),
                    np.where((move < -edge) & ~at_lo, (sums - lo) / -move, np.inf),
                )
            step = min(float(np.min(limit, initial=np.inf)) for limit in limits)
            if step <= 1e-12:  # pragma: no cover - a bound missed by the face (rounding)
                return
            share = 1.0 if step == math.inf else step / (1.0 + step)
            placed += mass * share * counts
            mass *= 1.0 - share

    def _offer(self, lp: _IncrementalLP, counts: NDArray[Any]) -> bool:
        """Add a new panel to ``lp``, the level LP and :attr:`panels`; ``False`` if known."""
        key = counts.tobytes()
        if key in self._index:
            return False  # every known panel is in ``lp``
        self._index[key] = index = len(self.panels)
        self.panels.append(counts)
        lp.add(index, counts)  # the levels add it to theirs if the check fails
        return True

    def _frank_wolfe(
        self, lp: _IncrementalLP, goal: NDArray[Any], mean: NDArray[Any], steps: int
    ) -> NDArray[Any]:
        """Move ``mean`` towards ``goal`` by ``steps`` Frank-Wolfe steps; offer each panel.

        The steps minimise ``sum_t n_t (mean_t - goal_t)^2 / 2`` (``n_t`` the type's size):
        the panel of largest ``(goal - mean) . counts`` is the direction, with an exact line
        search.
        """
        sizes = self.sizes
        for _ in range(steps):
            counts = self._price(goal - mean, self.options.candidate_gap)
            self._offer(lp, counts)
            for variant in self.program.swaps(counts, goal - mean, self.options.swaps):
                self._offer(lp, variant)
            direction = counts / sizes - mean
            # A zero direction (the panel is the mean) has zero gain: the step is 0.
            curvature = max(float((direction * sizes) @ direction), 1e-300)
            gain = float(((goal - mean) * sizes) @ direction)
            mean = mean + min(1.0, max(0.0, gain / curvature)) * direction
        return mean

    def primal(self, fixed: Mapping[int, float]) -> NDArray[Any]:
        """Panel weights that attain the fixed levels; the unfixed types get a maximin share.

        When every type is fixed, the weights come within ``tolerance`` of every level, up
        or down (the levels are exact only up to the LP tolerances, and a one-sided fit
        would let their slack pile up on a few types): those of the last LP solution when
        they do, else those that minimise the largest deviation over that solution's
        panels, else over all panels. (Profiling 1,000 / 100: the fit over all the panels
        generated took half the time, and the last solution nearly always does.)
        """
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        everything = list(range(len(self.panels)))
        if self.solution and len(fixed) == len(self.active):
            support = sorted(self.solution)
            weights = np.array([self.solution[p] for p in support])
            weights = np.clip(weights, 0.0, None) / weights.sum()
            share = np.array([self.panels[p] for p in support], dtype=float).T[self.active, :]
            reached = (share / self.sizes[self.active][:, None]) @ weights
            levels = np.array([fixed[t] for t in self.active])
            if float(np.max(np.abs(reached - levels))) > self.tolerance:
                weights, deviation = self._fit(fixed, support)
                if deviation > self.tolerance:
                    support = everything
                    weights, _deviation = self._fit(fixed, everything)
            full = np.zeros(len(self.panels))
            full[support] = weights
            return full
        weights, _deviation = self._fit(fixed, everything)
        return weights

    def _fit(
        self, fixed: Mapping[int, float], columns: Sequence[int]
    ) -> tuple[NDArray[Any], float]:
        """The LP of :meth:`primal` over ``columns``: ``(weights, largest deviation)``."""
        import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
        from scipy.optimize import linprog  # noqa: PLC0415 - scipy/numpy only when a lottery runs
        from scipy.sparse import csr_array, hstack, vstack  # noqa: PLC0415 - scipy/numpy only when a lottery runs

        dense = np.array([self.panels[p] for p in columns], dtype=float).T[self.active, :]
        share = csr_array(dense / self.sizes[self.active][:, None])
        count = share.shape[1]
        rows = len(self.active)
        ones = csr_array(np.ones((rows, 1)))
        if len(fixed) == len(self.active):
            levels = np.array([fixed[t] for t in self.active])
            # share.w - u <= level and level - share.w <= u
            a_ub = vstack([hstack([share, -ones]), hstack([-share, -ones])])
            b_ub = np.concatenate([levels, -levels])
            cost = np.append(np.zeros(count), 1.0)
        else:
            # share.w >= z for the unfixed types, share.w >= level - tolerance for the fixed.
            floors = np.array([fixed.get(t, 0.0) - self.tolerance for t in self.active])
            free = np.array([0.0 if t in fixed else 1.0 for t in self.active])
            a_ub = hstack([-share, csr_array(free[:, None])])
            b_ub = np.where(free > 0.0, 0.0, -floors)
            cost = np.append(np.zeros(count), -1.0)
        result = linprog(
            cost,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=np.append(np.ones(count), 0.0)[None, :],
            b_eq=[1.0],
            bounds=[(0.0, None)] * count + [(-1.0, 1.0)],
            method="highs-ds",
        )
        if result.status != 0:  # pragma: no cover - the levels are attained by construction
            raise RuntimeError(f"HiGHS could not solve the final LP: {result.message}")
        weights = np.clip(result.x[:count], 0.0, None)
        return np.asarray(weights / weights.sum()), float(result.x[count])


def _relaxed_leximin(
    program: _PanelProgram, active: Sequence[int], tolerance: float
) -> dict[int, float] | None:
    """The LEXIMIN probabilities per active type over the LP relaxation of the panels.

    The relaxation lets a type's count be any real number in ``[0, size]`` that meets the
    rows of ``program``: a compact LP per level (no column generation), each fixing the
    types with a positive dual value, as :meth:`_ColumnGeneration.level` does, a hundredth
    of ``tolerance`` below the level. Every mix of panels is a point of the relaxation, so
    when a mix of panels attains these probabilities they are the LEXIMIN over panels too
    (a mix that did better would be a better point of the relaxation). ``None`` when HiGHS
    fails on a level (numerical trouble; the caller then goes level by level over panels).
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
    from scipy.optimize import linprog  # noqa: PLC0415 - scipy/numpy only when a lottery runs
    from scipy.sparse import csr_array, hstack, vstack  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    sizes = program.upper.copy()
    count = len(sizes)
    matrix = hstack([program.matrix, csr_array((program.matrix.shape[0], 1))]).tocsr()
    finite = np.flatnonzero(np.isfinite(program.hi))
    positive = np.flatnonzero(program.lo > 0)
    value_rows = vstack([matrix[finite], -matrix[positive]])
    value_rhs = np.concatenate([program.hi[finite], -program.lo[positive]])
    cost = np.zeros(count + 1)
    cost[count] = -1.0
    fixed: dict[int, float] = {}
    while len(fixed) < len(active):
        unfixed = [t for t in active if t not in fixed]
        # x_t / n_t >= z for the unfixed types; the fixed ones keep their level by a bound.
        level_rows = csr_array(
            (
                np.concatenate([-1.0 / sizes[unfixed], np.ones(len(unfixed))]),
                (
                    np.concatenate([np.arange(len(unfixed))] * 2),
                    np.concatenate([unfixed, np.full(len(unfixed), count)]),
                ),
            ),
            shape=(len(unfixed), count + 1),
        )
        lower = np.zeros(count)
        for t, level in fixed.items():
            lower[t] = min(sizes[t], (level - tolerance * 1e-2) * sizes[t])
        result = linprog(
            cost,
            A_ub=vstack([level_rows, value_rows]),
            b_ub=np.concatenate([np.zeros(len(unfixed)), value_rhs]),
            bounds=[*zip(lower, sizes, strict=True), (None, None)],
            method="highs-ds",
            # Presolve may call a level infeasible that the 1e-9 slack keeps feasible.
            options={"presolve": False},
        )
        if result.status != 0:
            return None
        value = min(1.0, -float(result.fun))
        duals = -np.asarray(result.ineqlin.marginals[: len(unfixed)])
        if value >= 1.0 - tolerance:
            tight = unfixed
        else:
            tight = [t for t, y in zip(unfixed, duals, strict=True) if y > tolerance]
            if not tight:  # pragma: no cover - the unfixed duals sum to 1
                tight = [unfixed[int(np.argmax(duals))]]
        for t in tight:
            fixed[t] = value
    return fixed


# --------------------------------------------------------------------------------------------
# From types to applicants


def _member_shares(
    members: Sequence[int], panels: Sequence[tuple[float, int]], size: int
) -> list[dict[int, float]]:
    """Split each panel's places of one type among its members, equal totals per member.

    ``panels`` holds ``(weight, places of this type)``. Returns, per panel, the weight each
    member spends in it (at most the panel's weight). Members are served one by one, taking
    first what the later members could not absorb, then the fullest panels (a Havel-Hakimi
    style greedy); if rounding defeats it, the places are split equally.
    """
    total = sum(w * x for w, x in panels)
    need = total / size
    remaining = [w * x for w, x in panels]
    shares: list[dict[int, float]] = [{} for _ in panels]
    ok = True
    for position, member in enumerate(members):
        later = size - position - 1
        want = need
        taken: dict[int, float] = {}
        for p, (w, _x) in enumerate(panels):
            forced = remaining[p] - later * w
            if forced > 1e-15:
                taken[p] = forced
                want -= forced
        order = sorted(
            range(len(panels)),
            key=lambda p: (-(remaining[p] - taken.get(p, 0.0)) / panels[p][0], p),
        )
        for p in order:
            if want <= 1e-15:
                break
            w = panels[p][0]
            room = min(w - taken.get(p, 0.0), remaining[p] - taken.get(p, 0.0), want)
            if room > 1e-15:
                taken[p] = taken.get(p, 0.0) + room
                want -= room
        if want < -1e-12 or want > 1e-12:
            ok = False
            break
        for p, amount in taken.items():
            if amount > panels[p][0] * (1 + 1e-12):
                ok = False
            remaining[p] -= amount
            shares[p][member] = amount
        if not ok:
            break
    if ok and all(abs(r) <= 1e-12 for r in remaining):
        return shares
    return [dict.fromkeys(members, w * x / size) for w, x in panels]


_NEGLIGIBLE: Final = 1e-12
"""A panel weight below this is LP noise, not a share of the lottery (see :func:`_expand`)."""


def _systematic(fractions: Sequence[tuple[int, float]], places: int) -> list[tuple[float, float]]:
    """Cumulative boundaries of systematic sampling of ``places`` from fractional members."""
    bounds: list[tuple[float, float]] = []
    cumulative = 0.0
    for _member, fraction in fractions:
        start = cumulative
        cumulative += fraction
        bounds.append((start, cumulative))
    if bounds:
        scale = places / cumulative if cumulative > 0 else 0.0
        bounds = [(a * scale, b * scale) for a, b in bounds]
    return bounds


def _expand(
    model: _TypeModel, panels: Sequence[NDArray[Any]], weights: NDArray[Any]
) -> dict[tuple[int, ...], float]:
    """Applicant panels (and weights) that realise type-level ``panels`` with equal shares."""
    # A weight at the LP's noise level (1e-18 has been seen) is no part of the lottery: its
    # member shares, divided by it, lose every digit, and a member taking two places of
    # the systematic sampling would leave its panel one short. Such panels are dropped and
    # the rest renormalised (the probabilities move by less than the weights dropped).
    support = [p for p in range(len(panels)) if weights[p] > _NEGLIGIBLE]
    # Per type, per support panel: member -> fraction of the panel's time selected.
    fixed_members: list[list[int]] = [[] for _ in support]
    split: list[list[tuple[list[tuple[int, float]], int]]] = [[] for _ in support]
    for t, members in enumerate(model.members):
        size = len(members)
        partial: list[int] = []
        for s, p in enumerate(support):
            places = int(panels[p][t])
            if places == size:
                fixed_members[s].extend(members)
            elif places > 0:
                partial.append(s)
        if not partial:
            continue
        shares = _member_shares(
            members,
            [(float(weights[support[s]]), int(panels[support[s]][t])) for s in partial],
            size,
        )
        for s, share in zip(partial, shares, strict=True):
            w = float(weights[support[s]])
            fractions = [(m, min(1.0, share.get(m, 0.0) / w)) for m in members]
            split[s].append(([f for f in fractions if f[1] > 0.0], int(panels[support[s]][t])))
    result: dict[tuple[int, ...], float] = {}
    for s, p in enumerate(support):
        w = float(weights[p])
        samplers = [(fractions, _systematic(fractions, places)) for fractions, places in split[s]]
        cuts = {0.0, 1.0}
        for _fractions, bounds in samplers:
            for _a, b in bounds:
                frac = b - math.floor(b)
                if 1e-12 < frac < 1 - 1e-12:
                    cuts.add(frac)
        edges = sorted(cuts)
        size = len(fixed_members[s]) + sum(places for _fractions, places in split[s])
        for low, high in itertools.pairwise(edges):
            if high - low <= 1e-13:
                continue
            u = (low + high) / 2
            chosen = list(fixed_members[s])
            for fractions, bounds in samplers:
                for (member, _f), (a, b) in zip(fractions, bounds, strict=True):
                    if math.floor(b - u) > math.floor(a - u):
                        chosen.append(member)
            panel = tuple(sorted(chosen))
            if len(panel) != size:
                # The member shares of a panel of tiny weight are its shares divided by that
                # weight: at 1e-9 they keep only about seven digits, and an interval of the
                # systematic sampling that narrow can take a member twice. Such a sliver is
                # rounding, not a share of the lottery: it is left out and the rest
                # renormalised. A wider one would be a bug, and says so.
                if w * (high - low) > _NEGLIGIBLE:
                    raise RuntimeError(f"internal error: panel {panel} is not of size {size}")
                continue
            result[panel] = result.get(panel, 0.0) + w * (high - low)
    total = math.fsum(result.values())
    return {panel: weight / total for panel, weight in result.items()}


# --------------------------------------------------------------------------------------------
# The public functions


def fair_distribution(
    profiles: Sequence[Profile],
    constraints: Constraints,
    *,
    objective: Objective = "leximin",
    tolerance: float = 1e-7,
    time_limit: float | None = None,
    options: LeximinOptions = _DEFAULTS,
) -> FairDistribution:
    """Compute the LEXIMIN (or MAXIMIN) distribution over the panels the constraints allow.

    Args:
        profiles: per applicant, the values of ``constraints.attributes`` in that order.
        constraints: the number of places, the quotas and the caps.
        objective: ``"leximin"`` maximises the smallest probability, then the next, and so
            on; ``"maximin"`` stops after the smallest.
        tolerance: numerical tolerance of the LP steps (a dual value above it fixes a
            type; levels are fixed this much below the LP optimum so that later LPs stay
            feasible).
        time_limit: seconds after which no new LEXIMIN level is started; the remaining
            applicants then share the last level's maximin solution and ``objective`` says
            so. ``None`` for no limit.
        options: the tuning (:class:`LeximinOptions`); the defaults are measured.

    Returns:
        The distribution, its applicant probabilities and the excluded applicants.

    Raises:
        InfeasibleSelection: when no panel of ``capacity`` applicants meets the constraints.
        InvalidValue: when a profile has the wrong length, a bound is negative or
            ``objective`` is unknown.
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    if objective not in ("leximin", "maximin"):
        raise InvalidValue("objective", objective, "'leximin' or 'maximin'")
    model = _TypeModel(profiles, constraints)
    if constraints.capacity == 0:
        return _distribution({(): 1.0}, len(profiles), {}, objective, 0)
    program = _PanelProgram(model, model.rows)
    if constraints.capacity > len(profiles) or program.solve() is None:
        raise _infeasible(model)
    deadline = _Deadline(time_limit)
    generation = _ColumnGeneration(model, program, tolerance, options)
    generation.cover()
    fixed: dict[int, float] = {}
    method: Literal["relaxation", "levels"] = "levels"
    if objective == "leximin" and options.relaxation:
        target = _relaxed_leximin(program, generation.active, tolerance)
        if target is not None and generation.attain(target, deadline):
            fixed, method = target, "relaxation"
    levels = 0
    label: str = objective
    while len(fixed) < len(generation.active):
        if deadline.passed():
            label = f"leximin ({STOPPED} after {levels} levels)"
            break
        value, tight = generation.level(fixed, deadline)
        levels += 1
        if objective == "maximin":
            break
        for t in tight:
            fixed[t] = value
    weights = generation.primal(fixed)
    weights = np.where(weights > 1e-12, weights, 0.0)
    weights = weights / weights.sum()
    applicant_panels = _expand(model, generation.panels, weights)
    support = [p for p in range(len(generation.panels)) if weights[p] > 0.0]
    return attrs.evolve(
        _distribution(
            applicant_panels,
            len(profiles),
            {i: generation.excluded[t] for t in generation.excluded for i in model.members[t]},
            label,
            constraints.capacity,
        ),
        groups=tuple(tuple(members) for members in model.members),
        group_panels=tuple(tuple(int(x) for x in generation.panels[p]) for p in support),
        group_weights=tuple(float(weights[p]) for p in support),
        method=method,
    )


def _distribution(
    panels: Mapping[tuple[int, ...], float],
    size: int,
    excluded: Mapping[int, str],
    objective: str,
    capacity: int,
) -> FairDistribution:
    ordered = sorted(p for p, w in panels.items() if w > 0.0)
    total = sum(panels[p] for p in ordered)
    weights = tuple(panels[p] / total for p in ordered)
    probabilities = [0.0] * size
    for panel, weight in zip(ordered, weights, strict=True):
        for i in panel:
            probabilities[i] += weight
    return FairDistribution(
        panels=tuple(ordered),
        weights=weights,
        probabilities=tuple(probabilities),
        excluded=dict(sorted(excluded.items())),
        objective=objective,
        capacity=capacity,
    )


def round_to_uniform(
    dist: FairDistribution, m: int, *, options: LeximinOptions = _DEFAULTS
) -> tuple[tuple[int, ...], ...]:
    """Round a distribution to ``m`` equally likely panels (listed with repetition).

    Following Flanigan, Kehne and Procaccia (2021): each group panel (see
    :attr:`FairDistribution.group_panels`) is used ``floor(m * weight)`` or
    ``ceil(m * weight)`` times, chosen to keep ``delta`` small: the largest difference, in
    units of ``1 / m`` and per member, between a group's expected and rounded number of
    places. A deterministic search chooses (:func:`_rounding_search`: a greedy descent of
    an exponential potential, then swaps), in 1 to 12 % of the distribution's time on the
    benchmarks' pools of 500 to 5,000 applicants;
    ``options.rounding_program`` minimises ``delta`` with an integer program (HiGHS)
    instead, which costs about as much as the distribution itself. The places of a group
    are then dealt to its members in turn across the ``m`` panels, so members' counts
    differ by at most one.

    Guarantee: every applicant's share of the ``m`` panels is within ``(1 + delta) / m`` of
    their probability, with ``delta < 2 * (capacity + 1)``: a rounding within that bound
    always exists (Beck-Fiala: a group panel's column sums to at most ``capacity``, plus
    one for the count of panels), and a search result that misses it (never seen) is
    replaced by the integer program's, which is bounded by it. Measured shares are within
    about 1 to 3 / m (``benchmarks/bench_fair_select.py``: 1.0 / m on 600 / 60 and 2.02 / m
    on bench_fair.py's pool (b), where the integer program reaches 1.0 and 1.58 / m). Every
    panel meets the constraints, because constraints see only group counts. Deterministic:
    neither the search nor the program (bounded by a node count) depends on time or on a
    seed.

    Args:
        dist: the distribution to round.
        m: the number of panels, at least 1.

    Returns:
        ``m`` panels (sorted applicant indices), in the order of the group panels.

    Raises:
        InvalidValue: when ``m < 1``.
    """
    if m < 1:
        raise InvalidValue("m", m, "a number of panels >= 1")
    if not dist.groups:
        columns = [[(i, 1.0) for i in panel] for panel in dist.panels]
        counts = _apportion(
            dist.weights, columns, len(dist.probabilities), m, dist.capacity, options=options
        )
        return tuple(p for p, c in zip(dist.panels, counts, strict=True) for _ in range(c))
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    sizes = np.array([len(g) for g in dist.groups])
    counted = np.array(dist.group_panels, dtype=int).reshape(len(dist.group_panels), len(sizes))
    places = [np.flatnonzero(panel) for panel in counted]  # the groups each takes places of
    columns = [
        list(zip(t.tolist(), (panel[t] / sizes[t]).tolist(), strict=True))
        for panel, t in zip(counted, places, strict=True)
    ]
    counts = _apportion(dist.group_weights, columns, len(sizes), m, dist.capacity, options=options)
    # The places of a group are dealt to its members in turn: copy k of a panel taking x
    # places of group t gives it the members at turn[t] + k * x + j (j < x), modulo its size.
    members = np.array([i for g in dist.groups for i in g], dtype=int)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    turn = np.zeros(len(sizes), dtype=int)
    rounded: list[tuple[int, ...]] = []
    for panel, t, c in zip(counted, places, counts, strict=True):
        if not c:
            continue
        group = np.repeat(t, panel[t])  # one entry a place
        j = np.arange(len(group)) - np.repeat(np.cumsum(panel[t]) - panel[t], panel[t])
        step = np.arange(c)[:, None] * panel[group][None, :]
        at = offsets[group] + (turn[group] + step + j) % sizes[group]
        rounded.extend(tuple(p) for p in np.sort(members[at], axis=1).tolist())
        turn[t] = (turn[t] + c * panel[t]) % sizes[t]
    return tuple(rounded)


def _apportion(
    weights: Sequence[float],
    columns: Sequence[Sequence[tuple[int, float]]],
    rows: int,
    m: int,
    capacity: int,
    *,
    options: LeximinOptions,
) -> list[int]:
    """Integers ``floor``/``ceil`` of ``m * weights`` summing to ``m``, small row discrepancy.

    ``columns[p]`` lists ``(row, coefficient)`` of panel ``p``; the discrepancy of a row is
    ``|sum_p (count_p - m * weight_p) * coefficient|``; the largest one is kept small by
    :func:`_rounding_search` (or minimised by :func:`_rounding_program` with
    ``options.rounding_program``, or when the search misses the Beck-Fiala bound
    ``2 * (capacity + 1)``, which it never did in the benchmarks).
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
    from scipy.sparse import csc_array  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    targets = [m * w for w in weights]
    counts = [math.floor(t + 1e-9) for t in targets]
    needed = m - sum(counts)
    fractional = [p for p, t in enumerate(targets) if t - counts[p] > 1e-9]
    if needed <= 0 or len(fractional) <= needed:
        for p in fractional[: max(needed, 0)]:
            counts[p] += 1
        counts[0] += m - sum(counts)
        return counts
    data: list[float] = []
    row_index: list[int] = []
    col_index: list[int] = []
    for c, p in enumerate(fractional):
        for r, a in columns[p]:
            data.append(a)
            row_index.append(r)
            col_index.append(c)
    incidence = csc_array(
        (np.array(data), (np.array(row_index, dtype=int), np.array(col_index, dtype=int))),
        shape=(rows, len(fractional)),
    )
    incidence.sum_duplicates()  # canonical: sorted row indices per column
    parts = np.array([targets[p] - counts[p] for p in fractional])
    goal = incidence @ parts
    bound = 2.0 * (capacity + 1)
    chosen, delta = None, bound
    if not options.rounding_program:
        chosen, delta = _rounding_search(incidence, goal, needed)
    if chosen is None or delta >= bound:
        chosen = _rounding_program(
            incidence, goal, parts, needed=needed, bound=bound, options=options
        )
    for c in np.flatnonzero(chosen).tolist():
        counts[fractional[c]] += 1
    return counts


_POTENTIAL_SCALES: Final = (0.5, 1.0, 2.0, 3.0)
"""The ``lambda`` of the rounding search's potentials, each tried in turn (the best kept)."""


def _rounding_search(
    incidence: Any, goal: NDArray[Any], needed: int
) -> tuple[NDArray[Any], float]:
    """Choose ``needed`` columns whose sum is close to ``goal`` in every row (max norm).

    A deterministic descent, in the spirit of the pessimistic estimators of randomised
    rounding: with the discrepancy ``d = chosen columns' sum - goal``, the potential
    ``sum_r exp(lambda * |d_r|)`` is lowered greedily (each step adds the column that
    raises it least), then by swaps (the chosen column whose removal lowers it most for
    the column whose addition then raises it least) while that helps, then by swaps of
    pairs that lower the largest ``|d_r|`` or the number of rows at it (equal within
    :data:`_TIE`). Several ``lambda`` are tried; the best result is kept (ties: the first).
    ``benchmarks/bench_leximin_scale.py --rounding`` and ``bench_fair_select.py``, with
    1,000 panels: 0.01-0.4 s on 500 to 2,000 applicants and 1.2 s on 5,000 / 200, 1 to
    12 % of the distribution's time; largest ``|d_r|`` 1.0 on 600 / 60 and 1,000 / 100
    (the integer program: 1.0), 1.38 on bench_fair.py's pool (b) (1.02), 2.0 on 500 / 50,
    1.33 on 2,000 / 100 and 1.37 on 5,000 / 200.

    Args:
        incidence: the columns (a sparse CSC array, rows x columns, canonical).
        goal: the row sums to approach.
        needed: how many columns to choose (fewer than there are).

    Returns:
        ``(chosen, largest |d_r|)``, ``chosen`` a boolean array over the columns.
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    best: tuple[NDArray[Any], NDArray[Any]] | None = None
    for scale in _POTENTIAL_SCALES:
        chosen, d = _polish(incidence, *_descend(incidence, goal, needed, scale))
        if best is None or _above(_level(best[1]), _level(d)):
            best = (chosen, d)
    assert best is not None
    return best[0], float(np.max(np.abs(best[1])))


_TIE: Final = 1e-6
"""Discrepancies within this (in units of ``1 / m``) are one level for the search: the
weights' LP noise (about 1e-9) made the swaps chase differences that mean nothing."""


def _level(d: NDArray[Any]) -> tuple[float, int]:
    """The largest ``|d_r|`` and the number of rows within :data:`_TIE` of it."""
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    top = float(np.max(np.abs(d)))
    return top, int(np.count_nonzero(np.abs(d) >= top - _TIE))


def _above(level: tuple[float, int], other: tuple[float, int]) -> bool:
    """Whether ``level`` (a :func:`_level`) is worse: a larger largest ``|d_r|``, or as large
    (within :data:`_TIE`) at more rows."""
    if abs(level[0] - other[0]) > _TIE:
        return level[0] > other[0]
    return level[1] > other[1]


def _descend(
    incidence: Any, goal: NDArray[Any], needed: int, scale: float
) -> tuple[NDArray[Any], NDArray[Any]]:
    """The greedy and the swaps of :func:`_rounding_search` for one ``lambda`` (``scale``)."""
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    data, where, starts = incidence.data, incidence.indices, incidence.indptr
    count = incidence.shape[1]

    def change(d: NDArray[Any], sign: float) -> NDArray[Any]:
        # Per column: the potential's change when it is added (+1) or removed (-1). The
        # shift keeps every exponent <= 0 (coefficients are <= 1).
        shift = float(np.max(np.abs(d))) + 1.0
        before = d[where]
        grow = np.exp(scale * (np.abs(before + sign * data) - shift))
        now = np.exp(scale * (np.abs(d) - shift))  # per row, then per entry
        result: NDArray[Any] = np.add.reduceat(grow - now[where], starts[:-1])
        return result

    def column(c: int) -> tuple[NDArray[Any], NDArray[Any]]:
        return where[starts[c] : starts[c + 1]], data[starts[c] : starts[c + 1]]

    d = -goal.copy()
    chosen = np.zeros(count, dtype=bool)
    for _ in range(needed):
        score = change(d, 1.0)
        score[chosen] = np.inf
        c = int(np.argmin(score))
        chosen[c] = True
        rows, values = column(c)
        d[rows] += values
    for _ in range(count):  # pragma: no branch - a bound; the potential stops it first
        score = change(d, -1.0)
        score[~chosen] = np.inf
        out = int(np.argmin(score))
        rows, values = column(out)
        trial = d.copy()
        trial[rows] -= values
        score = change(trial, 1.0)
        score[chosen] = np.inf
        score[out] = np.inf
        into = int(np.argmin(score))
        rows, values = column(into)
        trial[rows] += values
        shift = max(float(np.max(np.abs(d))), float(np.max(np.abs(trial))))
        now = float(np.sum(np.exp(scale * (np.abs(d) - shift))))
        if float(np.sum(np.exp(scale * (np.abs(trial) - shift)))) >= now * (1.0 - 1e-12):
            break
        chosen[out], chosen[into], d = False, True, trial
    return chosen, d


def _polish(
    incidence: Any, chosen: NDArray[Any], d: NDArray[Any], width: int = 96, rounds: int = 200
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Swap pairs that lower the largest ``|d_r|``, or the number of rows at it.

    Each round takes the first worst row and tries the ``width`` chosen columns that push
    it furthest out against the ``width`` others that pull it furthest back (width 96:
    pool (b) 1.38 where 48 leaves 1.48; 400 gains nothing), and makes the best swap
    (:func:`_swap_table`; ties: the first drop, then the first take). Values within
    :data:`_TIE` are one level.
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    by_row = incidence.tocsr()
    for _ in range(rounds):  # pragma: no branch - a bound; no swap helps long before
        r = int(np.argmax(np.abs(d)))
        line = by_row[[r], :].toarray()[0] * (1.0 if d[r] > 0 else -1.0)
        inside = np.flatnonzero(chosen)
        outside = np.flatnonzero(~chosen)
        drops = inside[np.argsort(-line[inside], kind="stable")[:width]]
        takes = outside[np.argsort(line[outside], kind="stable")[:width]]
        largest, at = _swap_table(incidence, d, drops, takes)
        # Per drop, its best take: least largest (equal within _TIE), then fewest at it.
        level = np.rint(largest / _TIE)
        at_least = np.where(level == level.min(axis=1)[:, None], at, np.iinfo(at.dtype).max)
        best_take = np.argmax(at_least == at_least.min(axis=1)[:, None], axis=1)
        swap: tuple[int, int] | None = None
        best = _level(d)
        for a, b in enumerate(best_take.tolist()):
            if _above(best, (float(largest[a, b]), int(at[a, b]))):
                swap, best = (a, b), (float(largest[a, b]), int(at[a, b]))
        if swap is None:
            break
        out, into = int(drops[swap[0]]), int(takes[swap[1]])
        chosen[out], chosen[into] = False, True
        d = (d - incidence[:, [out]].toarray()[:, 0]) + incidence[:, [into]].toarray()[:, 0]
    return chosen, d


_SWAP_VALUES: Final = 1 << 21
"""The most values (16 MB) of one :func:`_swap_table` block: its drops are sliced to fit."""


def _swap_table(
    incidence: Any, d: NDArray[Any], drops: NDArray[Any], takes: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any]]:
    """For every swap (drop ``drops[a]``, take ``takes[b]``): the largest ``|d_r|`` after
    it and the number of rows within :data:`_TIE` of that, as ``(drops x takes)`` arrays.

    A swap changes only the rows of the two columns' supports, which are short: the rows
    of the dropped column are computed per pair (a drops x support x takes block); every
    other row ``i`` is ``|d_i + take_i|``, the same for all drops, so its largest outside
    a drop's support is among the take's ``support + 1`` largest, and its count at a
    threshold is the take's count over all rows less the count over the drop's support.
    The same values, bit for bit, as the whole ``rows x takes`` trial per drop that it
    replaces, for about ``support / rows`` of the work.
    """
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    rows = incidence.shape[0]
    starts = incidence.indptr
    width = max(int((starts[drops + 1] - starts[drops]).max()), 1)
    # The takes' side, the same for every drop: computed once, then the drops in slices of
    # at most _SWAP_VALUES values a block (supports grow with the capacity).
    block = np.zeros((rows + 1, len(takes)))
    block[:rows] = incidence[:, takes].toarray()
    # Rows outside a drop's support: |d_i + take_i| (the dummy row at -1). Among a take's
    # width + 1 largest values, one is outside the drop's support, and the largest of those
    # is the largest outside it.
    outer = np.vstack([np.abs(d[:, None] + block[:rows]), np.full((1, len(takes)), -1.0)])
    top = np.argpartition(-outer, width, axis=0)[: width + 1]
    takes_side = (block, outer, top, np.sort(outer[:rows], axis=0))
    step = max(1, _SWAP_VALUES // (width * len(takes)))
    tables = [
        _swap_rows(incidence, d, drops[i : i + step], width, takes_side)
        for i in range(0, len(drops), step)
    ]
    return np.vstack([t[0] for t in tables]), np.vstack([t[1] for t in tables])


def _swap_rows(
    incidence: Any,
    d: NDArray[Any],
    drops: NDArray[Any],
    width: int,
    takes_side: tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]],
) -> tuple[NDArray[Any], NDArray[Any]]:
    """:func:`_swap_table` for the ``drops`` of one slice (supports padded to ``width``)."""
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    block, outer, top, ascending = takes_side
    rows = incidence.shape[0]
    data, where, starts = incidence.data, incidence.indices, incidence.indptr
    lengths = starts[drops + 1] - starts[drops]
    # The drops' supports, padded with a dummy row (index ``rows``) whose values never count.
    slot = np.arange(width)
    padded = slot[None, :] < lengths[:, None]
    entry = np.where(padded, starts[drops][:, None] + slot[None, :], 0)
    support = np.where(padded, where[entry], rows)
    value = np.where(padded, data[entry], 0.0)
    base = np.append(d, 0.0)
    # Rows in the drop's support: |(d_i - drop_i) + take_i|.
    inner = np.abs((base[support] - value)[:, :, None] + block[support])
    inner[~padded] = -1.0
    member = np.zeros((len(drops), rows + 1), dtype=bool)
    member[np.arange(len(drops))[:, None], support] = padded
    candidates = np.take_along_axis(outer, top, axis=0)
    outside = np.where(member[:, top], -1.0, candidates[None, :, :]).max(axis=1)
    largest = np.maximum(inner.max(axis=1), outside)
    threshold = largest - _TIE
    at = np.count_nonzero(inner >= threshold[:, None, :], axis=1)
    at -= np.count_nonzero(outer[support] >= threshold[:, None, :], axis=1)
    for b in range(block.shape[1]):
        at[:, b] += rows - np.searchsorted(ascending[:, b], threshold[:, b], side="left")
    return largest, at


def _rounding_program(
    incidence: Any,
    goal: NDArray[Any],
    parts: NDArray[Any],
    *,
    needed: int,
    bound: float,
    options: LeximinOptions,
) -> NDArray[Any]:
    """The ``needed`` columns of least largest row discrepancy, by an integer program."""
    import numpy as np  # noqa: PLC0415 - scipy/numpy only when a lottery runs
    from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415 - scipy/numpy only when a lottery runs
    from scipy.sparse import csr_array, hstack, vstack  # noqa: PLC0415 - scipy/numpy only when a lottery runs

    rows, size = incidence.shape
    ones = csr_array(np.ones((rows, 1)))
    matrix = vstack(
        [
            hstack([incidence, -ones]),
            hstack([incidence, ones]),
            csr_array(np.append(np.ones(size), 0.0)[None, :]),
        ]
    )
    lower = np.concatenate([np.full(rows, -np.inf), goal, [needed]])
    upper = np.concatenate([goal, np.full(rows, np.inf), [needed]])
    result = milp(
        np.append(np.zeros(size), 1.0),
        integrality=np.append(np.ones(size), 0.0),
        bounds=Bounds(np.zeros(size + 1), np.append(np.ones(size), bound)),
        constraints=LinearConstraint(matrix, lower, upper),
        options={"node_limit": options.rounding_nodes, "mip_rel_gap": 1e-3},
    )
    chosen = np.zeros(size, dtype=bool)
    if result.x is not None:
        chosen[:] = result.x[:size] > 0.5
    else:  # pragma: no cover - a rounding within the bound exists; largest remainders then
        chosen[np.argsort(-parts, kind="stable")[:needed]] = True
    return chosen
