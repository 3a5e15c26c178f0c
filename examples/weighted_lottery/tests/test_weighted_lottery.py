"""The weighted lottery's tests, written with the ran-events testing kit.

``webinar_event`` and ``applicant_pool`` are fixtures of the kit's pytest plugin (there is
no conftest.py: installing ran-events registers them).
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from weighted_lottery import WeightedLotteryPolicy

from ran_events.errors import InvalidPolicyConfig
from ran_events.models import Event, Registration
from ran_events.selection import (
    SimulationReport,
    compare,
    default_registry,
    select,
    simulate,
)
from ran_events.testing import (
    assert_meets_constraints,
    assert_probabilities_close,
    assert_reproducible,
)
from ran_events.testing.strategies import applicant_pools, events

PRISON_FIRST = {"weights": {"role": {"prison": 3.0}}}


def weighted(event: Event, parameters: dict[str, object] = PRISON_FIRST) -> Event:
    """``event`` selecting with the weighted lottery."""
    rules = attrs.evolve(event.selection, policy="weighted-lottery", parameters=parameters)
    return attrs.evolve(event, selection=rules)


def test_it_is_found_through_its_entry_point() -> None:
    policy = default_registry().create("weighted-lottery", seed=1, parameters=PRISON_FIRST)
    assert policy == WeightedLotteryPolicy(seed=1, weights={"role": {"prison": 3.0}})


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"weights": {"role": {"prison": 0}}}, "weights.role.prison", "a positive number, not 0"),
        ({"weights": {"role": 3}}, "weights.role", "a table of value -> weight, not 3"),
        ({"weights": {"role": {"prison": True}}}, "weights.role.prison", "not True"),
        ({"weigths": {}}, "weigths", "did you mean 'weights'?"),
    ],
)
def test_bad_weights_are_refused_naming_the_policy_and_the_parameter(
    parameters: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InvalidPolicyConfig) as caught:
        default_registry().create("weighted-lottery", seed=1, parameters=parameters)
    assert caught.value.policy == "weighted-lottery"
    assert caught.value.field == f"selection.parameters.{field}"
    assert message in str(caught.value)


def test_an_applicants_weight_is_the_product_of_its_values(
    applicant_pool: list[Registration],
) -> None:
    policy = WeightedLotteryPolicy(
        seed=1, weights={"role": {"prison": 3.0}, "casework": {"yes": 2.0}}
    )
    for registration in applicant_pool:
        expected = 3.0 if registration.registrant.role == "prison" else 1.0
        expected *= 2.0 if registration.answers.get("casework") is True else 1.0
        assert policy.weight(registration) == expected


@settings(max_examples=25, deadline=None)
@given(
    events(policies=[("weighted-lottery", PRISON_FIRST)]).flatmap(
        lambda event: st.tuples(st.just(event), applicant_pools(event, size=(30, 200)))
    )
)
def test_every_selection_keeps_the_events_rules(case: tuple[Event, list[Registration]]) -> None:
    event, pool = case
    result = select(event, pool, now=event.registration.closes)
    assert len(result.selected) == event.capacity
    assert_meets_constraints(result, event)


def test_it_is_reproducible(webinar_event: Event, applicant_pool: list[Registration]) -> None:
    assert_reproducible("weighted-lottery", weighted(webinar_event), applicant_pool)


def test_prison_staff_are_selected_more_often_than_by_the_plain_lottery(
    webinar_event: Event, applicant_pool: list[Registration]
) -> None:
    event = weighted(webinar_event)
    ours, plain = compare(event, applicant_pool, ("weighted-lottery", "lottery"), runs=400, seed=7)
    prison = [r.id for r in applicant_pool if r.registrant.role == "prison"]

    def mean(report: SimulationReport) -> float:
        return sum(report.probabilities[rid] for rid in prison) / len(prison)

    assert mean(ours) > 1.5 * mean(plain)


def test_without_weights_it_is_as_fair_as_the_plain_lottery(
    webinar_event: Event, applicant_pool: list[Registration]
) -> None:
    even = simulate(weighted(webinar_event, {}), applicant_pool, runs=400, seed=3)
    plain = simulate(webinar_event, applicant_pool, runs=400, seed=3, policy="lottery")
    assert_probabilities_close(even, plain, 0.02)
