"""A weighted lottery: a ran-events selection policy published as a plug-in.

Every applicant draws a lottery ticket as in the built-in ``lottery`` (SHA-256 of the seed,
the event id and the registration id, so nothing depends on the input order, the machine or
Python's hash seed), and the ticket is turned into an exponential race: applicant ``i``
with weight ``w_i`` finishes at ``-ln(u_i) / w_i``, where ``u_i`` is the ticket read as a
number in (0, 1). First to finish is first considered. An applicant of weight 3 is
considered before one of weight 1 three times as often as the other way round.

The weights are declared per attribute and value; an applicant's weight is the product
of the weights of its values (1 for a value not named)::

    [selection.parameters.weights.role]
    prison = 3
    exit = 2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from ran_events.errors import InvalidPolicyConfig
from ran_events.models import Registration
from ran_events.selection import Parameter, Placing, PolicyParameters, lottery_ticket

__all__ = ["PARAMETERS", "WeightedLotteryPolicy"]

Weights = Mapping[str, Mapping[str, float]]
"""Attribute -> value -> weight."""


def _weights(value: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """The weights table, checked: attribute -> value -> a positive number."""
    checked: dict[str, dict[str, float]] = {}
    for attribute, table in value.items():
        if not isinstance(table, Mapping):
            raise InvalidPolicyConfig(
                f"a table of value -> weight, not {table!r}", parameter=f"weights.{attribute}"
            )
        checked[attribute] = {}
        for choice, weight in table.items():
            number = weight if isinstance(weight, int | float) else None
            if isinstance(weight, bool) or number is None or not 0 < number < math.inf:
                raise InvalidPolicyConfig(
                    f"a weight must be a positive number, not {weight!r}",
                    parameter=f"weights.{attribute}.{choice}",
                )
            checked[attribute][str(choice)] = float(number)
    return checked


PARAMETERS = PolicyParameters(
    policy="weighted-lottery",
    parameters=(
        Parameter(
            name="weights",
            kind=dict,
            default={},
            check=_weights,
            attributes=True,
            description="attribute -> value -> weight (a positive number; 1 when not named)",
        ),
    ),
)
"""What the policy accepts: ``ran-events check`` reports anything else, with its line."""


@attrs.frozen(kw_only=True)
class WeightedLotteryPolicy:
    """A lottery in which an applicant's chance grows with its weight.

    Raises:
        InvalidPolicyConfig: no seed, or weights that are not positive numbers.
    """

    PARAMETERS: ClassVar[PolicyParameters] = PARAMETERS

    seed: int
    weights: Weights = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        """``"weighted-lottery"``."""
        return "weighted-lottery"

    @property
    def parameters(self) -> Mapping[str, Any]:
        """``{"weights": {...}}``, recorded with every selection."""
        return {"weights": {a: dict(sorted(t.items())) for a, t in sorted(self.weights.items())}}

    @classmethod
    def from_parameters(
        cls, *, seed: int | None, parameters: Mapping[str, Any]
    ) -> WeightedLotteryPolicy:
        """Build it from an event's ``[selection]`` (the entry point's factory)."""
        checked = PARAMETERS.validate(parameters)
        return cls(seed=PARAMETERS.seed(seed), weights=checked["weights"])

    def weight(self, registration: Registration) -> float:
        """The product of the weights of ``registration``'s values (1 when none is named)."""
        product = 1.0
        for attribute, table in sorted(self.weights.items()):
            product *= table.get(registration.value_of(attribute) or "", 1.0)
        return product

    def order(self, registrations: Sequence[Registration], *, event_id: str) -> list[Placing]:
        """By finishing time of the exponential race, then registration id."""
        raced = []
        for registration in registrations:
            ticket = lottery_ticket(self.seed, event_id, registration.id)
            u = (int(ticket[:16], 16) + 0.5) / 2**64  # in (0, 1), never 0 or 1
            weight = self.weight(registration)
            raced.append((-math.log(u) / weight, registration.id, weight, ticket))
        raced.sort()
        return [
            Placing(
                registration_id=rid,
                summary=f"weight {weight:g}, ticket {ticket[:12]}",
                components={"weight": weight, "finish": finish, "ticket": ticket},
            )
            for finish, rid, weight, ticket in raced
        ]
