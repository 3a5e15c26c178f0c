"""The ``fair-lottery`` policy: a LEXIMIN distribution over valid selections, drawn in public.

Unlike the order-and-fill policies, the fair lottery chooses a whole selection (a *panel*):

1. :func:`~ran_events.selection.fair._leximin.fair_distribution` computes the selection
   probabilities that maximise the smallest one, then the next smallest, and so on
   (``objective = "maximin"``: only the smallest), over every selection of
   ``min(capacity, eligible)`` applicants that meets the quotas and caps;
2. :func:`~ran_events.selection.fair._leximin.round_to_uniform` rounds it to ``m`` equally likely
   panels (``panels = 1000`` by default);
3. the panel at index ``SHA-256([seed, event id, "fair-lottery", m]) mod m`` is selected. The
   index can as well be drawn in public (dice) from the published list of ``m`` panels.

Every decision carries the applicant's exact probability (reason ``fair-lottery``).
Applicants that are in no valid selection are rejected with reason ``no-valid-selection``,
naming the constraint that excludes them. The eligible applicants not in the panel form the
waiting list in lottery-ticket order (the tickets of the ``lottery`` policy with the same
seed), so a freed place goes to a random applicant, not to the one with the highest
probability. The :class:`FairLotteryRecord` keeps the rounded panels, so :func:`replay`
re-checks the draw (each panel against the constraints, the index against the seed) without
solving again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from ran_events.errors import InvalidPolicyConfig, ReplayMismatch
from ran_events.models import Registration
from ran_events.selection._engine import (
    Fill,
    constraint_report,
    fill_of,
    order_decisions,
    profiles_of,
    waitlist_reason,
)
from ran_events.selection._policy import (
    LotteryPolicy,
    Placing,
    Policy,
    _frozen,
    _no_parameters,
    _required_seed,
)
from ran_events.selection._result import (
    Decision,
    Outcome,
    Reason,
    SelectionRecord,
    SelectionResult,
)
from ran_events.selection.constraints._feasibility import FeasibilityOracle, is_valid_selection
from ran_events.selection.constraints._model import Constraints, Profile

__all__ = [
    "DEFAULT_PANELS",
    "FairDraw",
    "FairLotteryPolicy",
    "FairLotteryRecord",
    "PanelDraw",
    "PanelPolicy",
    "decide_panel",
    "draw_index",
    "panel_size",
]

DEFAULT_PANELS: Final = 1000
"""How many equally likely panels the distribution is rounded to, unless ``panels`` is set."""

_OBJECTIVES: Final = ("leximin", "maximin")


def _panels(value: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(panel) for panel in value)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _ints(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class FairDraw:
    """The rounded distribution a fair lottery drew from, and the draw.

    Attributes:
        objective: ``"leximin"`` or ``"maximin"``.
        m: the number of equally likely panels.
        panels: the distinct panels in the order of the rounded list (each the sorted
            registration ids); consecutive copies are stored once.
        counts: how many of the ``m`` consecutive positions each panel takes (sum ``m``).
        index: the position drawn, ``0 <= index < m``.
        probabilities: each eligible registration's exact selection probability.
        excluded: registrations in no valid selection, with the constraint that excludes them.
    """

    objective: str
    m: int
    panels: tuple[tuple[str, ...], ...] = attrs.field(converter=_panels)
    counts: tuple[int, ...] = attrs.field(converter=_ints)
    index: int
    probabilities: Mapping[str, float] = attrs.field(converter=_frozen)
    excluded: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)

    def panel_at(self, index: int) -> tuple[str, ...]:
        """The panel at ``index`` of the rounded list of ``m`` panels.

        Raises:
            InvalidPolicyConfig: ``index`` is not in ``range(m)``.
        """
        if not 0 <= index < self.m:
            raise InvalidPolicyConfig("index", index, f"an integer in range({self.m})")
        for panel, count in zip(self.panels, self.counts, strict=True):
            if index < count:
                return panel
            index -= count
        raise InvalidPolicyConfig("counts", self.counts, f"counts summing to {self.m}")

    @property
    def selected(self) -> tuple[str, ...]:
        """The panel drawn."""
        return self.panel_at(self.index)

    def share(self, registration_id: str) -> float:
        """The fraction of the ``m`` panels that contain ``registration_id``."""
        hits = sum(
            c for p, c in zip(self.panels, self.counts, strict=True) if registration_id in p
        )
        return hits / self.m


@attrs.frozen(kw_only=True)
class FairLotteryRecord(SelectionRecord):
    """A :class:`~ran_events.selection.SelectionRecord` that also keeps the fair lottery's draw.

    Attributes:
        draw: the rounded distribution and the index drawn; :func:`replay` uses it instead
            of solving again.
    """

    draw: FairDraw


@attrs.frozen(kw_only=True)
class PanelDraw:
    """What a :class:`PanelPolicy` returns: the selected panel and a reason per applicant.

    Attributes:
        selected: the registration ids selected.
        notes: per eligible registration, the reason the policy gives (its probability).
        excluded: registrations in no valid selection, with the reason (rejected).
        record: the record of the selection, possibly extended with the draw.
    """

    selected: tuple[str, ...] = attrs.field(converter=_ids)
    notes: Mapping[str, Reason] = attrs.field(converter=_frozen)
    excluded: Mapping[str, Reason] = attrs.field(factory=dict, converter=_frozen)
    record: SelectionRecord


@runtime_checkable
class PanelPolicy(Policy, Protocol):
    """Protocol of a policy that chooses the whole selection instead of an order to fill.

    :func:`~ran_events.selection.select` calls :meth:`draw_panel` with the eligible
    registrations; the rest of :meth:`order` (minus the selected and excluded) is the
    waiting list.
    """

    def draw_panel(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        record: SelectionRecord,
    ) -> PanelDraw:
        """Choose the selected among ``eligible``.

        Args:
            eligible: the eligible registrations, in no particular order.
            constraints: the event's capacity, quotas and caps.
            record: the record of this selection (a replay passes the recorded one).

        Returns:
            The panel, a reason per eligible registration and the record to keep.
        """
        ...


def draw_index(seed: int, event_id: str, m: int) -> int:
    """The index of the panel a fair lottery draws: ``SHA-256([seed, event id, "fair-lottery",
    m])`` as a big-endian integer, modulo ``m``.

    Args:
        seed: the lottery's seed.
        event_id: the event's id.
        m: the number of equally likely panels.

    Returns:
        An integer in ``range(m)``.
    """
    text = json.dumps([int(seed), event_id, "fair-lottery", int(m)], ensure_ascii=True)
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest(), "big") % m


@attrs.frozen(kw_only=True)
class FairLotteryPolicy:
    """The fair quota lottery (LEXIMIN, or MAXIMIN as an option); see the module docstring.

    Attributes:
        seed: the seed the panel index (and the waiting-list tickets) derive from.
        objective: ``"leximin"`` (default) or ``"maximin"``.
        panels: ``m``, the number of equally likely panels the distribution is rounded to.

    Raises:
        InvalidPolicyConfig: no seed, an unknown objective or ``panels < 1``.
    """

    seed: int
    objective: str = "leximin"
    panels: int = DEFAULT_PANELS

    def __attrs_post_init__(self) -> None:
        _required_seed("fair-lottery", self.seed)
        if self.objective not in _OBJECTIVES:
            raise InvalidPolicyConfig(
                "selection.parameters.objective", self.objective, "'leximin' or 'maximin'"
            )
        if isinstance(self.panels, bool) or not isinstance(self.panels, int) or self.panels < 1:
            raise InvalidPolicyConfig(
                "selection.parameters.panels", self.panels, "a whole number >= 1 (e.g. 1000)"
            )

    @property
    def name(self) -> str:
        """``"fair-lottery"``."""
        return "fair-lottery"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """``{"objective": ..., "panels": m}``."""
        return {"objective": self.objective, "panels": self.panels}

    @classmethod
    def from_parameters(
        cls, *, seed: int | None, parameters: Mapping[str, Any]
    ) -> FairLotteryPolicy:
        """Build it from configuration: ``objective`` and ``panels`` are optional.

        Raises:
            InvalidPolicyConfig: no seed, or an unknown or invalid parameter.
        """
        _no_parameters("fair-lottery", parameters, ("objective", "panels"))
        return cls(
            seed=_required_seed("fair-lottery", seed),
            objective=parameters.get("objective", "leximin"),
            panels=parameters.get("panels", DEFAULT_PANELS),
        )

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """The ``lottery`` policy's order with the same seed (the waiting-list order)."""
        return LotteryPolicy(seed=self.seed).order(registrations, event_id=event_id)

    def distribution(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        fill: Fill = "capacity",
    ) -> FairDraw:
        """Solve, round and draw: the :class:`FairDraw` of ``eligible`` (any order).

        Args:
            eligible: the eligible registrations.
            constraints: the capacity, quotas and caps.
            fill: how many places every panel fills, as the ``fill`` parameter says:
                ``"capacity"``, ``min(capacity, eligible)``; ``"most"``, the most that a
                selection meeting every quota and cap can fill.

        Raises:
            InfeasibleSelection: no selection of that many applicants meets the quotas and
                caps (its relaxations say what would make one exist).
        """
        from ran_events.selection.fair._leximin import (  # noqa: PLC0415 - numpy/scipy on demand
            fair_distribution,
            round_to_uniform,
        )

        ranked = sorted(eligible, key=lambda r: r.id)
        ids = [r.id for r in ranked]
        places = panel_size(profiles_of(ranked, constraints), constraints, fill)
        if places == 0:
            return FairDraw(
                objective=self.objective,
                m=self.panels,
                panels=[()],
                counts=[self.panels],
                index=0,
                probabilities=dict.fromkeys(ids, 0.0),
            )
        exact = attrs.evolve(constraints, capacity=places)
        objective: Any = self.objective
        dist = fair_distribution(profiles_of(ranked, exact), exact, objective=objective)
        panels: list[tuple[str, ...]] = []
        counts: list[int] = []
        for panel in round_to_uniform(dist, self.panels):
            named = tuple(sorted(ids[i] for i in panel))
            if panels and panels[-1] == named:
                counts[-1] += 1
            else:
                panels.append(named)
                counts.append(1)
        return FairDraw(
            objective=dist.objective,
            m=self.panels,
            panels=panels,
            counts=counts,
            index=0,
            probabilities={ids[i]: float(p) for i, p in enumerate(dist.probabilities)},
            excluded={ids[i]: text for i, text in dist.excluded.items()},
        )

    def draw_panel(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        record: SelectionRecord,
    ) -> PanelDraw:
        """Draw the panel (or re-check the recorded draw of a :class:`FairLotteryRecord`).

        Raises:
            InfeasibleSelection: no valid selection exists.
            ReplayMismatch: a recorded draw does not fit the eligible registrations, a
                recorded panel breaks a constraint, or the recorded index is not the seed's.
        """
        index = draw_index(self.seed, record.event_id, self.panels)
        if isinstance(record, FairLotteryRecord):
            draw = record.draw
            _recheck(draw, eligible, constraints, record, index)
        else:
            fill = fill_of(record.rules.parameters)
            draw = attrs.evolve(self.distribution(eligible, constraints, fill=fill), index=index)
            record = FairLotteryRecord(**attrs.asdict(record, recurse=False), draw=draw)
        position = f"panel {draw.index + 1} of {draw.m}"
        notes: dict[str, Reason] = {}
        excluded: dict[str, Reason] = {}
        chosen = set(draw.selected)
        for rid, p in draw.probabilities.items():
            params = {"probability": p, "panel": draw.index + 1, "panels": draw.m}
            if rid in draw.excluded:
                why = draw.excluded[rid]
                excluded[rid] = Reason(
                    code="no-valid-selection",
                    params={**params, "constraint": why},
                    sentence=f"fair lottery, probability 0: {why}",
                )
                continue
            where = position if rid in chosen else f"not in {position}"
            notes[rid] = Reason(
                code="fair-lottery",
                params={**params, "objective": draw.objective},
                sentence=f"fair lottery, probability {p:.4f}, {where}",
            )
        return PanelDraw(selected=draw.selected, notes=notes, excluded=excluded, record=record)


def panel_size(profiles: Sequence[Profile], constraints: Constraints, fill: Fill) -> int:
    """How many places a fair lottery's panels fill.

    Args:
        profiles: the eligible applicants' profiles.
        constraints: the capacity, quotas and caps.
        fill: ``"capacity"``: ``min(capacity, eligible)``; ``"most"``: the most places a
            selection meeting every quota and cap fills.

    Raises:
        InfeasibleSelection: no selection of that size exists, with relaxations that each
            make one exist (the ordered fill's diagnosis).
    """
    size = None if fill == "most" else min(constraints.capacity, len(profiles))
    if size == 0:
        return 0
    return FeasibilityOracle(profiles, constraints, size=size).max_fill()


def _recheck(
    draw: FairDraw,
    eligible: Sequence[Registration],
    constraints: Constraints,
    record: SelectionRecord,
    index: int,
) -> None:
    """Check a recorded draw against the eligible registrations, the constraints and seed."""

    def mismatch(detail: str) -> ReplayMismatch:
        return ReplayMismatch(record.input_sha256, record.input_sha256, detail)

    if sorted(draw.probabilities) != sorted(r.id for r in eligible):
        raise mismatch("the recorded fair-lottery draw is for other eligible registrations")
    if draw.index != index or sum(draw.counts) != draw.m:
        raise mismatch(f"the recorded panel index {draw.index} is not the seed's ({index})")
    by_id = {r.id: r for r in eligible}
    ranked = sorted(eligible, key=lambda r: r.id)
    size = panel_size(
        profiles_of(ranked, constraints), constraints, fill_of(record.rules.parameters)
    )
    places = attrs.evolve(constraints, capacity=size)
    for number, panel in enumerate(draw.panels, 1):
        members = [by_id[rid] for rid in panel if rid in by_id]
        broken = is_valid_selection(
            profiles_of(members, places), places, list(range(len(members)))
        )
        if len(members) != len(panel) or len(panel) != places.capacity or broken:
            raise mismatch(
                f"recorded panel {number} is not a valid selection: "
                + ("; ".join(broken) or f"{len(panel)} members for {places.capacity} places")
            )


def decide_panel(  # noqa: PLR0917 - the engine's state, passed on as is
    record: SelectionRecord,
    policy: PanelPolicy,
    eligible: Sequence[Registration],
    decisions: dict[str, Decision],
    by_id: Mapping[str, Registration],
    constraints: Constraints,
) -> SelectionResult:
    """The engine's decision for a :class:`PanelPolicy` (see :func:`~ran_events.selection.select`).

    The panel is ranked by the policy's order; the eligible rest, minus the excluded, is the
    waiting list in that order.

    Args:
        record: the record so far (or the recorded one, in a replay).
        policy: the policy.
        eligible: the eligible registrations.
        decisions: the decisions already made (the ineligible, rejected); completed here.
        by_id: every registration by id.
        constraints: the capacity, quotas and caps.

    Returns:
        The selection result.
    """
    draw = policy.draw_panel(eligible, constraints, record=record)
    placings = policy.order(eligible, event_id=record.event_id)
    chosen = set(draw.selected)
    ranked = [p for p in placings if p.registration_id in chosen]
    ranked += [p for p in placings if p.registration_id not in chosen]
    waitlist_position = 0
    for rank, placing in enumerate(ranked, 1):
        rid = placing.registration_id
        if rid in draw.excluded:
            decisions[rid] = Decision(
                registration_id=rid, outcome=Outcome.REJECTED, reasons=(draw.excluded[rid],)
            )
        elif rid in chosen:
            decisions[rid] = Decision(
                registration_id=rid,
                outcome=Outcome.SELECTED,
                rank=rank,
                reasons=(draw.notes[rid],),
            )
        else:
            waitlist_position += 1
            decisions[rid] = Decision(
                registration_id=rid,
                outcome=Outcome.WAITLISTED,
                rank=rank,
                waitlist_position=waitlist_position,
                reasons=(waitlist_reason(waitlist_position), draw.notes[rid]),
            )
    ordered = [by_id[p.registration_id] for p in ranked]
    profiles = profiles_of(ordered, constraints)
    ordered_decisions = order_decisions(decisions.values())
    return SelectionResult(
        decisions=ordered_decisions,
        inputs=[by_id[d.registration_id] for d in ordered_decisions],
        transition_by=f"selection:{policy.name}",
        constraints=constraint_report(constraints, profiles, list(range(len(chosen)))),
        record=draw.record,
    )
