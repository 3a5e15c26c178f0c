"""The fair lottery: the panel policy, its LEXIMIN distribution over panels, and the rounding."""

from ran_events.selection.fair._leximin import (
    FairDistribution,
    fair_distribution,
    round_to_uniform,
)
from ran_events.selection.fair._policy import (
    DEFAULT_PANELS,
    FairLotteryPolicy,
    FairLotteryRecord,
    draw_index,
    panel_size,
)

__all__ = [
    "DEFAULT_PANELS",
    "FairDistribution",
    "FairLotteryPolicy",
    "FairLotteryRecord",
    "draw_index",
    "fair_distribution",
    "panel_size",
    "round_to_uniform",
]
