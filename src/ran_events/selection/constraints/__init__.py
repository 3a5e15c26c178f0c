"""Can these constraints be met? The quota model, its integer program and the feasibility oracle.

Profiles (one per eligible applicant), quotas and caps are the data; the program decides
whether a selection exists and, when none does, which relaxations would make one.
"""

from ran_events.selection.constraints._feasibility import (
    Allocation,
    FeasibilityOracle,
    Relaxation,
    SkipCode,
    SkipReason,
    allocate,
    can_admit,
    is_valid_selection,
)
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota
from ran_events.selection.constraints._quota_program import UNBOUNDED, QuotaModel, QuotaProgram

__all__ = [
    "UNBOUNDED",
    "Allocation",
    "Cap",
    "Constraints",
    "FeasibilityOracle",
    "Profile",
    "Quota",
    "QuotaModel",
    "QuotaProgram",
    "Relaxation",
    "SkipCode",
    "SkipReason",
    "allocate",
    "can_admit",
    "is_valid_selection",
]
