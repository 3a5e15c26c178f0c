"""Policies that choose the whole selection (a *panel*) instead of an order to fill.

:func:`~ran_events.selection.select` asks every policy for its order; a policy that is also
a :class:`PanelPolicy` (it has :meth:`~PanelPolicy.draw_panel`) chooses the selected itself,
and its order is the waiting list's. A :class:`PanelLotteryPolicy` draws its panel from a
distribution that does not depend on its seed (the ``fair-lottery``):
:func:`~ran_events.selection.simulate` computes the distribution once and lets each run's
seed draw from it, exactly as ``select`` draws. Everything a panel policy needs is public
(:class:`~ran_events.selection.Constraints`, :class:`~ran_events.selection.SelectionRecord`,
:class:`~ran_events.selection.Reason`), so one can be written outside this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from ran_events.errors import InvalidPolicyConfig
from ran_events.models import Registration
from ran_events.selection._policy import Policy
from ran_events.selection._profiles import Fill
from ran_events.selection._result import FrozenMapping, Reason, SelectionRecord
from ran_events.selection.constraints import Constraints

__all__ = ["STOPPED", "FairDraw", "PanelDraw", "PanelLotteryPolicy", "PanelPolicy"]

STOPPED: Final = "stopped at the time limit"
"""The words a :attr:`FairDraw.objective` contains when a time limit cut it short."""


def _panels(value: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(map(tuple, value))  # a tuple of tuples is kept as is


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _ints(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # A frozen table is kept as is: drawn() evolves a FairDraw on every simulated run.
    return value if isinstance(value, FrozenMapping) else FrozenMapping(value)


@attrs.frozen(kw_only=True)
class FairDraw:
    """The rounded distribution a fair lottery drew from, and the draw.

    Attributes:
        objective: ``"leximin"`` or ``"maximin"``, or ``"leximin (stopped at the time limit
            after N levels)"`` when a time limit cut the computation short (:attr:`stopped`).
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
    def stopped(self) -> bool:
        """Whether a time limit stopped the distribution before its last level.

        The smallest probability is then the one of the levels reached, and the
        applicants above it share the last level's solution, which need not be LEXIMIN.
        """
        return STOPPED in self.objective

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


@runtime_checkable
class PanelLotteryPolicy(PanelPolicy, Protocol):
    """Protocol of a panel policy that draws from a distribution its seed does not change.

    :meth:`distribution` is computed once for the eligible registrations; :meth:`drawn`
    picks the panel of this policy's seed from it. ``draw_panel`` must select the panel of
    ``drawn(distribution(...))``, so that :func:`~ran_events.selection.simulate` (one
    distribution, many seeds) and :func:`~ran_events.selection.select` agree.
    """

    def distribution(
        self,
        eligible: Sequence[Registration],
        constraints: Constraints,
        *,
        fill: Fill = "capacity",
    ) -> FairDraw:
        """The equally likely panels and each eligible registration's exact probability.

        Raises:
            InfeasibleSelection: no valid selection of the size ``fill`` asks for exists.
        """
        ...

    def drawn(self, distribution: FairDraw, *, event_id: str) -> FairDraw:
        """``distribution`` with the index of the panel this policy's seed draws."""
        ...
