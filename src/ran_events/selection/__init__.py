"""Participant selection: quotas, caps, policies and the fair lottery."""

from ran_events.selection._engine import canonical_sha256, replay, select
from ran_events.selection._io import (
    DECISION_COLUMNS,
    DecisionRow,
    DecisionsFile,
    decisions_csv_text,
    read_decisions_csv,
    write_decisions_csv,
)
from ran_events.selection._policy import (
    EligibilityRule,
    FirstComePolicy,
    LotteryPolicy,
    Placing,
    Policy,
    PolicyFactory,
    RequiredValueRule,
    ScorePolicy,
    TargetGroupRule,
    lottery_ticket,
)
from ran_events.selection._registry import ENTRY_POINT_GROUP, PolicyRegistry, default_registry
from ran_events.selection._result import (
    ConstraintReport,
    Decision,
    Offer,
    Outcome,
    Reason,
    SelectionRecord,
    SelectionResult,
)
from ran_events.selection._waitlist import expire_offers, promote, respond

__all__ = [
    "DECISION_COLUMNS",
    "ENTRY_POINT_GROUP",
    "ConstraintReport",
    "Decision",
    "DecisionRow",
    "DecisionsFile",
    "EligibilityRule",
    "FirstComePolicy",
    "LotteryPolicy",
    "Offer",
    "Outcome",
    "Placing",
    "Policy",
    "PolicyFactory",
    "PolicyRegistry",
    "Reason",
    "RequiredValueRule",
    "ScorePolicy",
    "SelectionRecord",
    "SelectionResult",
    "TargetGroupRule",
    "canonical_sha256",
    "decisions_csv_text",
    "default_registry",
    "expire_offers",
    "lottery_ticket",
    "promote",
    "read_decisions_csv",
    "replay",
    "respond",
    "select",
    "write_decisions_csv",
]
