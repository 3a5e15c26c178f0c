"""The testing kit for policy experiments: feasible pools, assertions, a pytest plugin.

For an analyst's or a plug-in author's own test suite:

* :func:`feasible_pool`: a seeded pool of applications from which the event can fill its
  places (a planted panel meets every quota and cap);
* :func:`assert_meets_constraints`, :func:`assert_reproducible`,
  :func:`assert_probabilities_close`: the properties every policy must keep;
* :mod:`ran_events.testing.strategies`: Hypothesis strategies for events, pools and seeds
  (the ``testing`` extra: ``pip install 'ran-events[testing]'``);
* :mod:`ran_events.testing.plugin`: the fixtures ``webinar_event`` and ``applicant_pool``,
  registered with pytest by the ``pytest11`` entry point when ran-events is installed.

None of this module needs Hypothesis or pytest; only ``strategies`` needs Hypothesis.
"""

from ran_events.testing._assertions import (
    assert_meets_constraints,
    assert_probabilities_close,
    assert_reproducible,
    estimates_of,
)
from ran_events.testing._pools import COUNTRIES, feasible_pool

__all__ = [
    "COUNTRIES",
    "assert_meets_constraints",
    "assert_probabilities_close",
    "assert_reproducible",
    "estimates_of",
    "feasible_pool",
]
