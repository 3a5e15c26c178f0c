"""Can these constraints be met? The quota model, its integer program and the feasibility oracle.

Profiles (one per eligible applicant), quotas and caps are the data; the program decides
whether a selection exists and, when none does, which relaxations would make one.
"""
