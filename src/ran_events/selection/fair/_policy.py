"""The ``fair-lottery`` policy: a LEXIMIN distribution over valid selections, drawn in public.

Unlike the order-and-fill policies, the fair lottery chooses a whole selection (a *panel*):

1. :func:`~ran_events.selection.fair.fair_distribution` computes the selection
   probabilities that maximise the smallest one, then the next smallest, and so on
   (``objective = "maximin"``: only the smallest), over every selection of
   ``min(capacity, eligible)`` applicants that meets the quotas and caps;
2. :func:`~ran_events.selection.fair.round_to_uniform` rounds it to ``m`` equally likely
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
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from ran_events.errors import InvalidPolicyConfig, ReplayMismatch
from ran_events.models import Registration
from ran_events.selection._panel import FairDraw, PanelDraw
from ran_events.selection._policy import (
    LotteryPolicy,
    Placing,
    refuse_unknown_parameters,
    required_seed,
)
from ran_events.selection._profiles import Fill, fill_of, profiles_of
from ran_events.selection._result import Reason, SelectionRecord
from ran_events.selection.constraints import (
    Constraints,
    FeasibilityOracle,
    Profile,
    is_valid_selection,
)
from ran_events.selection.fair._leximin import fair_distribution, round_to_uniform

__all__ = [
    "DEFAULT_PANELS",
    "FairLotteryPolicy",
    "FairLotteryRecord",
    "draw_index",
    "panel_size",
]

DEFAULT_PANELS: Final = 1000
"""How many equally likely panels the distribution is rounded to, unless ``panels`` is set."""

_OBJECTIVES: Final = ("leximin", "maximin")


@attrs.frozen(kw_only=True)
class FairLotteryRecord(SelectionRecord):
    """A :class:`~ran_events.selection.SelectionRecord` that also keeps the fair lottery's draw.

    Attributes:
        draw: the rounded distribution and the index drawn; :func:`replay` uses it instead
            of solving again.
    """

    draw: FairDraw


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
        time_limit: seconds after which LEXIMIN starts no new level (``None``: no limit).
            The remaining applicants then share the last level's maximin solution, and the
            draw's ``objective`` says so (``"leximin (stopped at the time limit after N
            levels)"``). A stopped computation depends on the machine's speed: the record
            keeps its panels, so :func:`~ran_events.selection.replay` still reproduces it.

    Raises:
        InvalidPolicyConfig: no seed, an unknown objective, ``panels < 1`` or a time limit
            that is not a number of seconds > 0.
    """

    seed: int
    objective: str = "leximin"
    panels: int = DEFAULT_PANELS
    time_limit: float | None = None

    def __attrs_post_init__(self) -> None:
        required_seed("fair-lottery", self.seed)
        if self.objective not in _OBJECTIVES:
            raise InvalidPolicyConfig(
                "selection.parameters.objective", self.objective, "'leximin' or 'maximin'"
            )
        if isinstance(self.panels, bool) or not isinstance(self.panels, int) or self.panels < 1:
            raise InvalidPolicyConfig(
                "selection.parameters.panels", self.panels, "a whole number >= 1 (e.g. 1000)"
            )
        limit = self.time_limit
        if limit is not None and (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
            or limit <= 0
        ):
            raise InvalidPolicyConfig(
                "selection.parameters.time_limit", limit, "a number of seconds > 0 (e.g. 60)"
            )

    @property
    def name(self) -> str:
        """``"fair-lottery"``."""
        return "fair-lottery"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """``{"objective": ..., "panels": m}``, and ``"time_limit"`` when there is one."""
        limit = {} if self.time_limit is None else {"time_limit": self.time_limit}
        return {"objective": self.objective, "panels": self.panels, **limit}

    @classmethod
    def from_parameters(
        cls, *, seed: int | None, parameters: Mapping[str, Any]
    ) -> FairLotteryPolicy:
        """Build it from configuration: ``objective``, ``panels`` and ``time_limit`` are optional.

        Raises:
            InvalidPolicyConfig: no seed, or an unknown or invalid parameter.
        """
        refuse_unknown_parameters(
            "fair-lottery", parameters, ("objective", "panels", "time_limit")
        )
        return cls(
            seed=required_seed("fair-lottery", seed),
            objective=parameters.get("objective", "leximin"),
            panels=parameters.get("panels", DEFAULT_PANELS),
            time_limit=parameters.get("time_limit"),
        )

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """The ``lottery`` policy's order with the same seed (the waiting-list order)."""
        return LotteryPolicy(seed=self.seed).order(registrations, event_id=event_id)

    def ranking(self, registration_ids: Sequence[str], *, event_id: str) -> list[int]:
        """The positions in ``registration_ids`` in the order of :meth:`order`."""
        return LotteryPolicy(seed=self.seed).ranking(registration_ids, event_id=event_id)

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
        dist = fair_distribution(
            profiles_of(ranked, exact), exact, objective=objective, time_limit=self.time_limit
        )
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

    def drawn(self, distribution: FairDraw, *, event_id: str) -> FairDraw:
        """``distribution`` with the index :func:`draw_index` gives this policy's seed."""
        return attrs.evolve(distribution, index=draw_index(self.seed, event_id, self.panels))

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
        if isinstance(record, FairLotteryRecord):
            draw = record.draw
            index = draw_index(self.seed, record.event_id, self.panels)
            _recheck(draw, eligible, constraints, record, index)
        else:
            fill = fill_of(record.rules.parameters)
            distribution = self.distribution(eligible, constraints, fill=fill)
            draw = self.drawn(distribution, event_id=record.event_id)
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
