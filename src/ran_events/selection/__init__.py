"""Participant selection: quotas, caps, policies and the fair lottery."""

from ran_events.selection._decisions_csv import (
    DECISION_COLUMNS,
    DecisionRow,
    DecisionsFile,
    decisions_csv_text,
    read_decisions_csv,
    write_decisions_csv,
)
from ran_events.selection._engine import canonical_sha256, replay, select
from ran_events.selection._panel import FairDraw, PanelDraw, PanelLotteryPolicy, PanelPolicy
from ran_events.selection._parameters import (
    REQUIRED,
    Parameter,
    PolicyParameters,
    declared_parameters,
)
from ran_events.selection._policies_file import (
    load_policies,
    loads_policies,
    parse_policy_option,
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
    TicketPolicy,
    lottery_ticket,
)
from ran_events.selection._profiles import profiles_of
from ran_events.selection._records import read_record, record_from_text, record_text, write_record
from ran_events.selection._registry import (
    BUILTIN_POLICIES,
    ENTRY_POINT_GROUP,
    PolicyRegistry,
    default_registry,
)
from ran_events.selection._result import (
    ConstraintReport,
    Decision,
    DecisionTable,
    Offer,
    Outcome,
    Reason,
    SelectionRecord,
    SelectionResult,
)
from ran_events.selection._rules_check import known_attributes, rule_problems
from ran_events.selection._simulate import (
    Comparison,
    ConfiguredPolicy,
    Estimate,
    Estimates,
    PolicyEntry,
    SimulationReport,
    ValueCounts,
    compare,
    gini,
    run_seed,
    simulate,
)
from ran_events.selection._tables import GroupSummary, ProbabilityRow
from ran_events.selection._waitlist import expire_offers, promote, respond
from ran_events.selection.constraints import (
    Allocation,
    Cap,
    Constraints,
    Profile,
    Quota,
    Relaxation,
    allocate,
    is_valid_selection,
)
from ran_events.selection.fair import FairLotteryPolicy, FairLotteryRecord, draw_index

__all__ = [
    "BUILTIN_POLICIES",
    "DECISION_COLUMNS",
    "ENTRY_POINT_GROUP",
    "REQUIRED",
    "Allocation",
    "Cap",
    "ConstraintReport",
    "Constraints",
    "Decision",
    "DecisionRow",
    "DecisionTable",
    "DecisionsFile",
    "EligibilityRule",
    "Estimate",
    "FairDraw",
    "FairLotteryPolicy",
    "FairLotteryRecord",
    "FirstComePolicy",
    "LotteryPolicy",
    "Offer",
    "Outcome",
    "PanelDraw",
    "PanelLotteryPolicy",
    "PanelPolicy",
    "Parameter",
    "Placing",
    "Policy",
    "PolicyFactory",
    "PolicyParameters",
    "PolicyRegistry",
    "Profile",
    "Quota",
    "Reason",
    "Relaxation",
    "RequiredValueRule",
    "ScorePolicy",
    "SelectionRecord",
    "SelectionResult",
    "SimulationReport",
    "TargetGroupRule",
    "TicketPolicy",
    "ValueCounts",
    "allocate",
    "canonical_sha256",
    "compare",
    "decisions_csv_text",
    "declared_parameters",
    "default_registry",
    "draw_index",
    "expire_offers",
    "gini",
    "is_valid_selection",
    "known_attributes",
    "lottery_ticket",
    "profiles_of",
    "promote",
    "read_decisions_csv",
    "replay",
    "respond",
    "rule_problems",
    "run_seed",
    "select",
    "simulate",
    "write_decisions_csv",
]
__all__ += ["read_record", "record_from_text", "record_text", "write_record"]  # the record file
__all__ += [  # policy experiments: tables, configured comparisons, the policies file
    "Comparison",
    "ConfiguredPolicy",
    "Estimates",
    "GroupSummary",
    "PolicyEntry",
    "ProbabilityRow",
    "load_policies",
    "loads_policies",
    "parse_policy_option",
]
