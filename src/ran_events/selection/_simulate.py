"""Simulate a selection policy over many seeds: selection probabilities, counts, waiting list.

:func:`simulate` runs a policy ``runs`` times on the same applicants. Run ``r`` uses the seed
:func:`run_seed` ``(seed, r)`` and is exactly the selection :func:`~ran_events.selection.select`
makes with that seed (the tests check it), but computed without the decisions, reasons and
input hash: eligibility, the constraint profiles and the allocator's target are computed
once; a run builds the policy with its seed, asks it for its order exactly as ``select``
does (a :class:`~ran_events.selection.TicketPolicy`, such as the lottery, for just the
``ranking`` of the ids) and fills.

The fill of a run first tries the shortest prefix of the order that can fill the places: a
prefix result is the full result when no applicant before its last admission was skipped
for a reason that depends on the applicants after it (only ``fill`` does); otherwise the
prefix grows. Runs are grouped in chunks of :data:`CHUNK_RUNS`; each chunk returns integer
tallies and the tallies are summed, so a report is identical whatever the
:class:`concurrent.futures.Executor` and its number of workers.

A :class:`~ran_events.selection.PanelLotteryPolicy` (the ``fair-lottery``) is simulated
exactly: the probabilities are those of its distribution (computed once); each run's policy
draws its panel from it (``drawn``) and orders its waiting list, for the counts and the
waiting-list positions. Any other panel policy is refused.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    ValuesView,
)
from concurrent.futures import Executor, as_completed
from statistics import NormalDist
from typing import Any, Final, Literal, TypeAlias, overload

import attrs

from ran_events import _converter, _deprecation
from ran_events.errors import InfeasibleSelection, InvalidPolicyConfig, InvalidValue
from ran_events.models import Event, Registration
from ran_events.selection._engine import check_registrations, placings_of, split_eligible
from ran_events.selection._panel import STOPPED, FairDraw, PanelLotteryPolicy, PanelPolicy
from ran_events.selection._policy import (
    Policy,
    PolicyFactory,
    TicketPolicy,
    eligibility_rules,
    policy_parameters,
)
from ran_events.selection._profiles import _MISSING, build_constraints, fill_of, profiles_of
from ran_events.selection._registry import PolicyRegistry, build_policy, default_registry
from ran_events.selection._result import bounds_text
from ran_events.selection._tables import Results
from ran_events.selection.constraints import Constraints, Profile, allocate

__all__ = [
    "CHUNK_RUNS",
    "Comparison",
    "ConfiguredPolicy",
    "Estimate",
    "Estimates",
    "PolicyEntry",
    "SimulationReport",
    "ValueCounts",
    "compare",
    "gini",
    "run_seed",
    "simulate",
]

CHUNK_RUNS: Final = 250
"""Runs per unit of work given to an executor (fixed: the report must not depend on it)."""

Interval = Literal["jeffreys", "wilson"]

_SOUND_SKIPS: Final = frozenset({"capacity", "max", "cap", "quota-reserve"})
"""Skip codes that depend only on the applicants admitted before (not on those after)."""


def run_seed(seed: int, run: int) -> int:
    """The seed of run ``run`` of a simulation seeded ``seed``: the first 8 bytes of
    ``SHA-256([seed, run])``, big-endian.

    Args:
        seed: the simulation's seed.
        run: the run's index, from 0.

    Returns:
        A whole number in ``range(2**64)``.
    """
    text = f"[{int(seed)}, {int(run)}]".encode("ascii")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of ``values`` (0: all equal; near 1: one has everything).

    Returns:
        ``sum |x_i - x_j| / (2 n^2 mean)``; 0 for no values or all zero.
    """
    ordered = sorted(values)
    n = len(ordered)
    total = math.fsum(ordered)
    if not n or total <= 0:
        return 0.0
    weighted = math.fsum((2 * (i + 1) - n - 1) * x for i, x in enumerate(ordered))
    return weighted / (n * total)


# --------------------------------------------------------------------------------------------
# The report


def _mapping(value: Mapping[int, int]) -> Mapping[int, int]:
    return dict(sorted(value.items()))


def _any_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


def _text_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Estimate:
    """One registration's estimated selection probability and waiting-list positions.

    Attributes:
        registration_id: the registration.
        selected: in how many runs it was selected.
        probability: the estimate (``selected / runs``), or the exact probability.
        low: the lower end of the confidence interval (``probability`` when exact).
        high: the upper end.
        exact: whether ``probability`` is exact (the fair lottery) rather than estimated.
        waitlisted: in how many runs it was on the waiting list.
        mean_waitlist_position: its average position when waitlisted (``None``: never).
        top_positions: in how many runs it was at waiting-list position 1, 2, ... (up to the
            report's ``waitlist_depth``).
        attributes: the registration's value of each quota and cap attribute, as the
            selection reads it (``""``: no value), for tables and groups without a join.
    """

    registration_id: str
    selected: int
    probability: float
    low: float
    high: float
    exact: bool = False
    waitlisted: int = 0
    mean_waitlist_position: float | None = None
    top_positions: tuple[int, ...] = attrs.field(default=(), converter=_tuple)
    attributes: Mapping[str, str] = attrs.field(
        factory=dict, converter=_text_mapping, hash=False
    )  # a dict: hashed by the other fields


_OLD_ESTIMATES: Final = "SimulationReport.estimates used as a tuple of Estimate"
"""What the transition's warnings call the old use (removed in ``_deprecation.REMOVED_IN``)."""


class Estimates(Mapping[str, Estimate]):
    """A report's estimates by registration id: an immutable mapping, ids in sorted order.

    ``report.estimates["a00007"]``, ``.keys()``, ``.values()``, ``.items()``, ``.get()``,
    ``len()`` and ``"a00007" in report.estimates`` are the mapping's. Until ran_events 0.3
    the estimates were a tuple, and the uses in which a tuple and a mapping differ keep the
    tuple's meaning for one release, each with a :class:`DeprecationWarning`: iterating
    yields :class:`Estimate` objects (a mapping yields ids), an integer or a slice indexes
    by position, ``reversed()`` yields estimates, ``estimate in report.estimates`` tests an
    :class:`Estimate`, and ``==`` with a tuple or a list compares the estimates in order.
    From 0.3 iteration yields the ids, as for every mapping; write ``.values()`` to iterate
    over the estimates (it works, silently, now and later).
    """

    __slots__ = ("_by_id", "_in_order")

    def __init__(self, estimates: Iterable[Estimate] | Mapping[str, Estimate] = ()) -> None:
        """Index ``estimates`` (an iterable of estimates, or a mapping by id) by id.

        Raises:
            InvalidValue: two estimates share an id, or a mapping's key is not its
                estimate's id.
        """
        if isinstance(estimates, Mapping):
            for key, e in estimates.items():
                if key != e.registration_id:
                    raise InvalidValue("estimates", key, f"the key {e.registration_id!r}")
            estimates = estimates.values()
        by_id: dict[str, Estimate] = {}
        for e in estimates:
            if by_id.setdefault(e.registration_id, e) is not e:
                raise InvalidValue("estimates", e.registration_id, "one estimate per id")
        self._by_id = dict(sorted(by_id.items()))
        self._in_order = tuple(self._by_id.values())

    @overload
    def __getitem__(self, key: str) -> Estimate: ...
    @overload
    def __getitem__(self, key: int) -> Estimate: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[Estimate, ...]: ...
    def __getitem__(self, key: str | int | slice) -> Estimate | tuple[Estimate, ...]:
        if isinstance(key, int | slice):
            _deprecation.warn(f"{_OLD_ESTIMATES} (indexed by position)", "estimates[id]")
            return self._in_order[key]
        return self._by_id[key]

    def __iter__(self) -> Iterator[Estimate]:  # type: ignore[override]
        _deprecation.warn(
            f"{_OLD_ESTIMATES} (iterated for estimates)",
            "estimates.values() (from 0.3 iterating yields the ids, as for any mapping)",
        )
        return iter(self._in_order)

    def __reversed__(self) -> Iterator[Estimate]:
        _deprecation.warn(f"{_OLD_ESTIMATES} (reversed)", "reversed(estimates.values())")
        return reversed(self._in_order)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, Estimate):
            _deprecation.warn(f"{_OLD_ESTIMATES} (estimate in estimates)", "id in estimates")
            return key in self._in_order
        return key in self._by_id

    def keys(self) -> KeysView[str]:
        """The registration ids, sorted."""
        return self._by_id.keys()

    def values(self) -> ValuesView[Estimate]:
        """The estimates, by id."""
        return self._by_id.values()

    def items(self) -> ItemsView[str, Estimate]:
        """(id, estimate) pairs, by id."""
        return self._by_id.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Estimates):
            return self._by_id == other._by_id
        if isinstance(other, Mapping):
            return self._by_id == dict(other.items())
        if isinstance(other, tuple | list):
            _deprecation.warn(f"{_OLD_ESTIMATES} (compared with a tuple)", "estimates == dict")
            return self._in_order == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._in_order)

    def __repr__(self) -> str:
        return f"<Estimates of {len(self._by_id)} registrations>"


def _structure_estimates(value: object, _type: object) -> Estimates:
    """JSON of :class:`Estimates`: an object by id, or the list written before 0.3."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list):
        raise TypeError(f"expected an object of estimates by id, got {type(value).__name__}")
    return Estimates([_converter.structure(v, Estimate) for v in value])


_converter.converter.register_structure_hook(Estimates, _structure_estimates)


@attrs.frozen(kw_only=True)
class ValueCounts:
    """How many selected have one constrained value (or, for a cap, share the most common
    value), across the runs.

    Attributes:
        kind: ``"quota"`` or ``"cap"``.
        attribute: the attribute.
        value: the quota's value (``None`` for a cap).
        min: the lower bound (0 when none).
        max: the upper bound or cap (``None`` when none).
        counts: number selected -> in how many runs.
    """

    kind: str
    attribute: str
    value: str | None
    min: int = 0
    max: int | None = None
    counts: Mapping[int, int] = attrs.field(converter=_mapping)

    @property
    def label(self) -> str:
        """``role=prison`` or ``organisation (each)``."""
        return (
            f"{self.attribute}={self.value}"
            if self.kind == "quota"
            else f"{self.attribute} (each)"
        )

    @property
    def bounds(self) -> str:
        """``>= 4``, ``<= 8``, ``4..8`` or ``any``."""
        return bounds_text(self.min, self.max)

    @property
    def mean(self) -> float:
        """The average count."""
        runs = sum(self.counts.values())
        return sum(c * n for c, n in self.counts.items()) / runs if runs else 0.0


@attrs.frozen(kw_only=True)
class SimulationReport(Results):
    """What :func:`simulate` found for one policy on one pool.

    Its table methods (:meth:`rows`, :meth:`to_csv`, :meth:`by`, :meth:`plot`...) are those of
    :class:`~ran_events.selection.Comparison`, for this one policy.

    Attributes:
        event_id: the event.
        policy: the policy's name.
        label: the policy's label in tables and pictures (default: its name).
        parameters: the policy's parameters.
        runs: how many runs.
        seed: the simulation's seed (run ``r`` used :func:`run_seed` ``(seed, r)``).
        interval: ``"jeffreys"`` or ``"wilson"``.
        confidence: the intervals' confidence level.
        estimates: one per eligible registration, by registration id (a mapping,
            :class:`Estimates`; its uses as the tuple it was until 0.3 warn).
        attributes: the quota and cap attributes, whose values each estimate carries.
        ineligible: the registrations no run can select (rejected by eligibility rules or
            withdrawn), by id.
        excluded: eligible registrations in no valid selection (known for the fair
            lottery), with the constraint that excludes them.
        values: per quota value and cap, the distribution of counts.
        waitlist_depth: how many waiting-list positions ``top_positions`` covers.
        objective: the objective of the exact distribution of a panel lottery (the fair
            lottery's ``"leximin"``, or ``"leximin (stopped at the time limit after N
            levels)"`` when a time limit cut it short); ``None`` for estimates.
    """

    event_id: str
    policy: str
    label: str = attrs.field(default=attrs.Factory(lambda self: self.policy, takes_self=True))
    parameters: Mapping[str, Any] = attrs.field(factory=dict, converter=_any_mapping)
    runs: int
    seed: int
    interval: str
    confidence: float
    estimates: Estimates = attrs.field(converter=Estimates)
    attributes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    ineligible: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    excluded: Mapping[str, str] = attrs.field(factory=dict, converter=_text_mapping)
    values: tuple[ValueCounts, ...] = attrs.field(default=(), converter=_tuple)
    waitlist_depth: int = 10
    objective: str | None = None

    @property
    def stopped(self) -> bool:
        """Whether a time limit stopped the exact distribution before its last level."""
        return self.objective is not None and STOPPED in self.objective

    def reports_of(self) -> tuple[SimulationReport]:
        """This report alone (the table methods' view of it)."""
        return (self,)

    @property
    def probabilities(self) -> dict[str, float]:
        """Each eligible registration's (estimated or exact) probability, by id."""
        return {e.registration_id: e.probability for e in self.estimates.values()}

    @property
    def minimum(self) -> float:
        """The smallest probability of an eligible registration (0 when none)."""
        return min((e.probability for e in self.estimates.values()), default=0.0)

    @property
    def maximum(self) -> float:
        """The largest probability of an eligible registration (0 when none)."""
        return max((e.probability for e in self.estimates.values()), default=0.0)

    @property
    def gini(self) -> float:
        """The Gini coefficient of the eligible registrations' probabilities."""
        return gini([e.probability for e in self.estimates.values()])

    def estimate(self, registration_id: str) -> Estimate:
        """The estimate of one eligible registration.

        Raises:
            InvalidValue: it is not one of the eligible registrations.
        """
        found = self.estimates.get(registration_id)
        if found is None:
            raise InvalidValue("registration_id", registration_id, "an eligible registration's id")
        return found


# --------------------------------------------------------------------------------------------
# The plan (computed once, sent to the workers) and the tallies (summed)


@attrs.frozen(kw_only=True)
class _Plan:
    event_id: str
    ids: tuple[str, ...]
    profiles: tuple[Profile, ...]
    constraints: Constraints
    target: int
    factory: PolicyFactory
    ranking: bool = False
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    registrations: tuple[Registration, ...] = ()
    draw: FairDraw | None = None
    depth: int = 10


@attrs.define
class _Tally:
    selected: list[int]
    waitlisted: list[int]
    position_sum: list[int]
    top: list[list[int]]
    values: dict[tuple[int, int], int]

    @classmethod
    def empty(cls, n: int, depth: int) -> _Tally:
        return cls([0] * n, [0] * n, [0] * n, [[0] * depth for _ in range(n)], {})

    def add(self, other: _Tally) -> None:
        for mine, theirs in (
            (self.selected, other.selected),
            (self.waitlisted, other.waitlisted),
            (self.position_sum, other.position_sum),
        ):
            for i, x in enumerate(theirs):
                mine[i] += x
        for row, theirs_row in zip(self.top, other.top, strict=True):
            for j, x in enumerate(theirs_row):
                row[j] += x
        for key, x in other.values.items():
            self.values[key] = self.values.get(key, 0) + x


def _fill(plan: _Plan, order: list[int]) -> Sequence[int]:
    """The applicants :func:`allocate` admits from ``order``, trying prefixes first."""
    n = len(order)
    length = max(4 * plan.target, 64)
    while length < n:
        prefix = order[:length]
        try:
            allocation = allocate(plan.profiles, plan.constraints, prefix, size=plan.target)
        except InfeasibleSelection:
            length *= 4
            continue
        position = {i: p for p, i in enumerate(prefix)}
        last = max((position[i] for i in allocation.selected), default=-1)
        if all(
            skip.code in _SOUND_SKIPS or position[i] > last
            for i, skip in allocation.skipped.items()
        ):
            return allocation.selected
        length *= 4
    return allocate(plan.profiles, plan.constraints, order, size=plan.target).selected


def _run_chunk(plan: _Plan, start: int, stop: int, seed: int) -> _Tally:
    """The tallies of runs ``start`` to ``stop - 1``."""
    n = len(plan.ids)
    tally = _Tally.empty(n, plan.depth)
    quotas = [(plan.constraints.index(q.attribute), q.value) for q in plan.constraints.quotas]
    caps = [plan.constraints.index(c.attribute) for c in plan.constraints.caps]
    cache: tuple[tuple[int, ...], Sequence[int]] | None = None
    index_of = {rid: i for i, rid in enumerate(plan.ids)}
    excluded: set[int] = set()
    if plan.draw is not None:
        excluded = {index_of[rid] for rid in plan.draw.excluded}
    for run in range(start, stop):
        # The run's policy, asked exactly as select() asks it (same order, same draw).
        policy = plan.factory(seed=run_seed(seed, run), parameters=plan.parameters)
        if plan.ranking:  # the same order, without the placings
            assert isinstance(policy, TicketPolicy)  # as the probe is
            order = policy.ranking(plan.ids, event_id=plan.event_id)
        else:
            placings = placings_of(policy, plan.registrations, plan.event_id)
            order = [index_of[p.registration_id] for p in placings]
        if plan.draw is not None:
            assert isinstance(policy, PanelLotteryPolicy)  # as the probe
            panel = policy.drawn(plan.draw, event_id=plan.event_id).selected
            selected: Sequence[int] = [index_of[rid] for rid in panel]
        elif cache is not None and cache[0] == tuple(order):
            selected = cache[1]
        else:
            selected = _fill(plan, order)
            cache = (tuple(order), selected)
        chosen = set(selected)
        position = 0
        for i in order:
            if i in chosen or i in excluded:
                continue
            position += 1
            tally.waitlisted[i] += 1
            tally.position_sum[i] += position
            if position <= plan.depth:
                tally.top[i][position - 1] += 1
        for i in selected:
            tally.selected[i] += 1
        for q, (a, value) in enumerate(quotas):
            count = sum(1 for i in selected if plan.profiles[i][a] == value)
            key = (q, count)
            tally.values[key] = tally.values.get(key, 0) + 1
        for c, a in enumerate(caps):
            shared: dict[str, int] = {}
            for i in selected:
                shared[plan.profiles[i][a]] = shared.get(plan.profiles[i][a], 0) + 1
            key = (len(quotas) + c, max(shared.values(), default=0))
            tally.values[key] = tally.values.get(key, 0) + 1
    return tally


# --------------------------------------------------------------------------------------------
# Public functions


def _intervals(
    hits: Sequence[int], runs: int, kind: Interval, confidence: float
) -> list[tuple[float, float]]:
    alpha = 1.0 - confidence
    if kind == "wilson":
        z = NormalDist().inv_cdf(1 - alpha / 2)
        out = []
        for x in hits:
            p = x / runs
            centre = (p + z * z / (2 * runs)) / (1 + z * z / runs)
            half = (
                z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / (1 + z * z / runs)
            )
            out.append((max(0.0, centre - half), min(1.0, centre + half)))
        return out
    import numpy as np  # noqa: PLC0415 - numpy only when simulating
    from scipy.stats import beta  # noqa: PLC0415 - scipy only when simulating

    k = np.asarray(hits, dtype=float)
    low = np.where(k == 0, 0.0, beta.ppf(alpha / 2, k + 0.5, runs - k + 0.5))
    high = np.where(k == runs, 1.0, beta.ppf(1 - alpha / 2, k + 0.5, runs - k + 0.5))
    return [(float(lo), float(hi)) for lo, hi in zip(low, high, strict=True)]


def simulate(
    event: Event,
    registrations: Sequence[Registration],
    *,
    runs: int,
    seed: int,
    policy: str | Policy | None = None,
    parameters: Mapping[str, Any] | None = None,
    label: str | None = None,
    executor: Executor | None = None,
    registry: PolicyRegistry | None = None,
    interval: Interval = "jeffreys",
    confidence: float = 0.95,
    waitlist_depth: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    """Run a selection policy ``runs`` times on the same registrations and report.

    Args:
        event: the event: its capacity, target groups, quotas, caps and (unless ``policy``
            is given) policy and parameters.
        registrations: the applications, as for :func:`~ran_events.selection.select`
            (``submitted``; ``withdrawn`` ones are ineligible).
        runs: how many runs, at least 1.
        seed: the simulation's seed; run ``r`` selects with :func:`run_seed` ``(seed, r)``.
        policy: the policy's name (default: the event's), or a policy object: its class's
            ``from_parameters(seed=..., parameters=...)`` builds each run's policy (as the
            built-in policies' classes do), with the object's parameters by default.
        parameters: the policy's parameters (default: the object's; for a name, the
            event's when it is the event's policy, else none); ``require`` and ``fill``
            stay the event's.
        label: the policy's label in the report's tables and pictures (default: its name).
        executor: where the chunks of runs are computed (e.g. a
            :class:`~concurrent.futures.ProcessPoolExecutor`); ``None``: in this process.
            The report does not depend on it. The policy factory must be picklable.
        registry: where the policy is looked up (default: :func:`default_registry`).
        interval: ``"jeffreys"`` (default) or ``"wilson"`` confidence intervals.
        confidence: their confidence level.
        waitlist_depth: how many waiting-list positions each estimate counts.
        progress: called with (runs done, runs) as chunks complete.

    Returns:
        The report.

    Raises:
        InvalidValue: ``runs < 1``, an unknown interval or a confidence not in (0, 1); or,
            as for ``select``, two registrations share an id, one is for another event, or
            one is neither ``submitted`` nor ``withdrawn``.
        InfeasibleSelection: no selection meets the quotas and caps.
        UnknownPolicy: the policy is not registered.
        InvalidPolicyConfig: the policy refuses its parameters, or a policy object's class
            has no ``from_parameters``.
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InvalidValue("runs", runs, "a whole number >= 1")
    if interval not in ("jeffreys", "wilson"):
        raise InvalidValue("interval", interval, "'jeffreys' or 'wilson'")
    if not 0.0 < confidence < 1.0:
        raise InvalidValue("confidence", confidence, "a level between 0 and 1, e.g. 0.95")
    rules = event.selection
    if policy is None or isinstance(policy, str):
        name = policy or rules.policy
        if parameters is None:
            parameters = policy_parameters(rules.parameters) if name == rules.policy else {}
        factory = (registry or default_registry()).factory(name)
    else:
        name, factory = policy.name, _factory_of(policy)
        if parameters is None:
            parameters = policy.parameters
    probe = build_policy(name, factory, seed=seed, parameters=dict(parameters))
    check_registrations(event.id, registrations)
    eligible, rejected = split_eligible(
        registrations, eligibility_rules(event.target_groups, rules.parameters)
    )
    eligible.sort(key=lambda r: r.id)
    ineligible = sorted(rejected)
    constraints = build_constraints(event.capacity, rules)
    profiles = tuple(profiles_of(eligible, constraints))
    ids = tuple(r.id for r in eligible)
    size = min(constraints.capacity, len(eligible))
    fill = fill_of(rules.parameters)
    draw = None
    if isinstance(probe, PanelLotteryPolicy):  # one distribution, each run's seed draws
        draw = probe.distribution(eligible, constraints, fill=fill)
    elif isinstance(probe, PanelPolicy):
        raise InvalidPolicyConfig(
            "policy",
            name,
            "for simulate, an order policy or a panel policy with distribution() and "
            "drawn() (PanelLotteryPolicy)",
        )
    else:
        if fill == "most":
            size = allocate(profiles, constraints, range(len(ids))).target
        allocate(profiles, constraints, range(len(ids)), size=size)  # infeasible: raise now
    plan = _Plan(
        event_id=event.id,
        ids=ids,
        profiles=profiles,
        constraints=constraints,
        target=size,
        factory=factory,
        ranking=isinstance(probe, TicketPolicy),
        parameters=dict(parameters),
        registrations=tuple(eligible),
        draw=draw,
        depth=waitlist_depth,
    )
    total = _Tally.empty(len(ids), waitlist_depth)
    chunks = [(start, min(start + CHUNK_RUNS, runs)) for start in range(0, runs, CHUNK_RUNS)]
    done = 0
    if executor is None:
        for start, stop in chunks:
            total.add(_run_chunk(plan, start, stop, seed))
            done += stop - start
            if progress is not None:
                progress(done, runs)
    else:
        futures = {
            executor.submit(_run_chunk, plan, start, stop, seed): stop - start
            for start, stop in chunks
        }
        for future in as_completed(futures):
            total.add(future.result())
            done += futures[future]
            if progress is not None:
                progress(done, runs)
    report = _report(plan, total, name, dict(probe.parameters), runs, seed, interval, confidence)
    objective = None if draw is None else draw.objective
    return attrs.evolve(report, ineligible=ineligible, label=label or name, objective=objective)


def _factory_of(policy: Policy) -> PolicyFactory:
    """The factory of a policy object's class (``from_parameters``), to build each run's."""
    factory = getattr(type(policy), "from_parameters", None)
    if not callable(factory):
        raise InvalidPolicyConfig(
            "policy",
            policy.name,
            "a policy whose class has from_parameters(seed=..., parameters=...): simulate "
            "builds each run's policy with the run's seed",
        )
    return factory  # type: ignore[no-any-return]


def _report(  # noqa: PLR0917 - assembling the report
    plan: _Plan,
    total: _Tally,
    name: str,
    parameters: Mapping[str, Any],
    runs: int,
    seed: int,
    interval: Interval,
    confidence: float,
) -> SimulationReport:
    draw = plan.draw
    bounds = [] if draw is not None else _intervals(total.selected, runs, interval, confidence)
    estimates = []
    attributes = plan.constraints.attributes
    for i, rid in enumerate(plan.ids):
        waitlisted = total.waitlisted[i]
        mean = total.position_sum[i] / waitlisted if waitlisted else None
        if draw is not None:
            p = draw.probabilities[rid]
            low, high, exact = p, p, True
        else:
            p = total.selected[i] / runs
            (low, high), exact = bounds[i], False
        estimates.append(
            Estimate(
                registration_id=rid,
                selected=total.selected[i],
                probability=p,
                low=low,
                high=high,
                exact=exact,
                waitlisted=waitlisted,
                mean_waitlist_position=mean,
                top_positions=total.top[i],
                attributes={
                    a: "" if v.startswith(_MISSING) else v
                    for a, v in zip(attributes, plan.profiles[i], strict=True)
                },
            )
        )
    values = [
        ValueCounts(
            kind="quota",
            attribute=q.attribute,
            value=q.value,
            min=q.min,
            max=q.max,
            counts={c: n for (k, c), n in total.values.items() if k == index},
        )
        for index, q in enumerate(plan.constraints.quotas)
    ]
    values += [
        ValueCounts(
            kind="cap",
            attribute=cap.attribute,
            value=None,
            max=cap.limit,
            counts={
                c: n
                for (k, c), n in total.values.items()
                if k == len(plan.constraints.quotas) + index
            },
        )
        for index, cap in enumerate(plan.constraints.caps)
    ]
    return SimulationReport(
        event_id=plan.event_id,
        policy=name,
        parameters=parameters,
        runs=runs,
        seed=seed,
        interval=interval,
        confidence=confidence,
        estimates=estimates,
        attributes=attributes,
        excluded=dict(draw.excluded) if draw is not None else {},
        values=values,
        waitlist_depth=plan.depth,
    )


@attrs.frozen(kw_only=True)
class ConfiguredPolicy:
    """One labelled entry of :func:`compare`: a policy, its parameters and its label.

    Attributes:
        label: how tables, summaries and pictures name it (unique within a comparison).
        policy: the policy's registered name, or a policy object (see :func:`simulate`).
        parameters: its parameters (``None``: as :func:`simulate` chooses: for a name, the
            event's when it is the event's policy, else none; for an object, its own).
    """

    label: str
    policy: str | Policy
    parameters: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, entry: PolicyEntry) -> ConfiguredPolicy:
        """The configured policy an entry of :func:`compare`'s ``policies`` stands for.

        ``"lottery"`` (a name; labelled so), ``("score", {"weights": ...})`` (a name and its
        parameters; labelled with the name), ``("prison x2", "score", {...})`` (a label, a
        name and parameters), a policy object (labelled with its ``name``), or a
        :class:`ConfiguredPolicy` (as it is).

        Raises:
            InvalidValue: the entry is none of these.
        """
        if isinstance(entry, ConfiguredPolicy):
            return entry
        if isinstance(entry, str):
            return cls(label=entry, policy=entry)
        if isinstance(entry, tuple):
            if len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], Mapping):
                return cls(label=entry[0], policy=entry[0], parameters=dict(entry[1]))
            if (
                len(entry) == 3
                and isinstance(entry[0], str)
                and isinstance(entry[1], str)
                and isinstance(entry[2], Mapping)
            ):
                return cls(label=entry[0], policy=entry[1], parameters=dict(entry[2]))
        elif isinstance(entry, Policy):
            return cls(label=entry.name, policy=entry)
        raise InvalidValue(
            "policies",
            entry,
            "a policy name, (name, parameters), (label, name, parameters), a policy object "
            "or a ConfiguredPolicy",
        )


PolicyEntry: TypeAlias = (
    str | tuple[str, Mapping[str, Any]] | tuple[str, str, Mapping[str, Any]] | Policy
    | ConfiguredPolicy
)  # fmt: skip
"""What :func:`compare` accepts for each policy (see :meth:`ConfiguredPolicy.of`)."""


class Comparison(Results, tuple[SimulationReport, ...]):
    """What :func:`compare` found: one :class:`SimulationReport` per labelled policy.

    A tuple of the reports, in the order of the policies (so ``lottery, fair = compare(...)``
    works as before), with the table methods of a report over all of them: :meth:`rows`
    gives one row per applicant and policy, :meth:`by` one summary per policy and value,
    :meth:`plot` draws the policies on one axis.
    """

    __slots__ = ()

    def __new__(cls, reports: Iterable[SimulationReport]) -> Comparison:
        """The reports, in order.

        Raises:
            InvalidValue: two reports share a label.
        """
        found = tuple(reports)
        _distinct([r.label for r in found])
        return super().__new__(cls, found)

    def reports_of(self) -> tuple[SimulationReport, ...]:
        """The reports, in order."""
        return tuple(self)

    @property
    def labels(self) -> tuple[str, ...]:
        """The policies' labels, in order."""
        return tuple(r.label for r in self)

    def report(self, label: str) -> SimulationReport:
        """The report of the policy labelled ``label``.

        Raises:
            InvalidValue: no policy has that label.
        """
        for r in self:
            if r.label == label:
                return r
        raise InvalidValue("label", label, "one of " + ", ".join(map(repr, self.labels)))


def compare(
    event: Event,
    registrations: Sequence[Registration],
    policies: Sequence[PolicyEntry] = ("lottery", "fair-lottery"),
    *,
    runs: int,
    seed: int,
    executor: Executor | None = None,
    registry: PolicyRegistry | None = None,
    interval: Interval = "jeffreys",
    confidence: float = 0.95,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Simulate several configured policies on the same pool with the same seed.

    >>> from ran_events.examples import synthetic_applicants, webinar
    >>> found = compare(
    ...     webinar(), synthetic_applicants(120, seed=4),
    ...     ["lottery", ("by experience", "score", {"weights": {"experience": 1}})],
    ...     runs=20, seed=2,
    ... )
    >>> found.labels
    ('lottery', 'by experience')
    >>> [round(g.mean, 2) for g in found.by("role") if g.value == "prison"]
    [0.38, 0.36]

    Args:
        event: the event (capacity, quotas, caps; its parameters go to its own policy
            when that is given by name alone).
        registrations: the applications.
        policies: the entries, in the order of the reports: names, ``(name, parameters)``,
            ``(label, name, parameters)``, policy objects or :class:`ConfiguredPolicy`
            (see :meth:`ConfiguredPolicy.of`). Labels must differ.
        runs: runs per policy.
        seed: the seed of every simulation.
        executor: see :func:`simulate`.
        registry: see :func:`simulate`.
        interval: see :func:`simulate`.
        confidence: see :func:`simulate`.
        progress: called with (label, runs done, runs).

    Returns:
        The reports, one per entry, in order (a tuple with table methods).

    Raises:
        InvalidValue: ``policies`` is empty, an entry is not one of the forms above, or two
            entries have one label; or see :func:`simulate`.
    """
    if not policies:
        raise InvalidValue("policies", policies, "at least one policy name")
    configured = [ConfiguredPolicy.of(entry) for entry in policies]
    _distinct([c.label for c in configured])  # before the work
    reports = []
    for entry in configured:
        reports.append(
            simulate(
                event,
                registrations,
                runs=runs,
                seed=seed,
                policy=entry.policy,
                parameters=entry.parameters,
                label=entry.label,
                executor=executor,
                registry=registry,
                interval=interval,
                confidence=confidence,
                progress=None if progress is None else _named(progress, entry.label),
            )
        )
    return Comparison(reports)


def _distinct(labels: Sequence[str]) -> None:
    for label in labels:
        if labels.count(label) > 1:
            raise InvalidValue(
                "policies",
                label,
                "distinct labels: label the entries that share a policy, e.g. "
                "(label, name, parameters)",
            )


def _named(progress: Callable[[str, int, int], None], name: str) -> Callable[[int, int], None]:
    def report(done: int, runs: int) -> None:
        progress(name, done, runs)

    return report
