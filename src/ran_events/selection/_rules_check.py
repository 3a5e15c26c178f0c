"""The static check of an event's selection rules (``ran-events check`` and event files).

A quota or cap on an attribute no applicant can have, a quota value no applicant can give,
an unknown policy or a parameter the policy refuses would make a rule silently do nothing
(or fail only when the selection runs). :func:`rule_problems` finds them all from the event
alone, each with the field it is in and, where a near name exists, what was probably meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ran_events.errors import InvalidPolicyConfig, InvalidValue, UnknownPolicy
from ran_events.models import SCALE_RANGE, Event, QuestionKind
from ran_events.selection._parameters import declared_parameters
from ran_events.selection._policy import REQUIRE_PARAMETER, eligibility_rules, policy_parameters
from ran_events.selection._profiles import fill_of, value_key
from ran_events.selection._registry import PolicyRegistry, build_policy, default_registry

__all__ = [
    "REGISTRANT_ATTRIBUTES",
    "allowed_values",
    "known_attributes",
    "rule_problems",
    "unknown_attribute",
]

REGISTRANT_ATTRIBUTES: Final = ("role", "country", "organisation", "name")
"""The attributes every applicant has a field for."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'organisation'?"`` when a known name is near ``name``, else ``""``."""
    choices = list(known)
    folded = {value_key(c): c for c in choices}
    close = difflib.get_close_matches(value_key(name), list(folded), n=1, cutoff=0.75)
    return f"; did you mean {folded[close[0]]!r}?" if close else ""


def known_attributes(event: Event) -> tuple[str, ...]:
    """The attributes an applicant to ``event`` can have a value of: the registrant's fields,
    the form's questions and the free attributes declared in ``selection.attributes``."""
    questions = tuple(q.id for q in event.form.questions)
    return tuple(dict.fromkeys((*REGISTRANT_ATTRIBUTES, *questions, *event.selection.attributes)))


def unknown_attribute(
    field: str, attribute: str, known: Sequence[str], *, rule: str = "the rule"
) -> InvalidValue:
    """The problem of ``field`` naming ``attribute``, which no applicant can have."""
    return InvalidValue(
        field,
        attribute,
        "an attribute an applicant can have: "
        + ", ".join(known)
        + " (declare a column of the applications file that is not a form "
        "question in selection.attributes)",
        detail=f"no applicant can have it, so {rule} would do nothing"
        + did_you_mean(attribute, known),
    )


def rule_problems(event: Event, *, registry: PolicyRegistry | None = None) -> list[InvalidValue]:
    """Every problem of ``event``'s selection rules that would make one silently do nothing.

    Checked: each attribute a quota, a cap, ``require`` or ``score`` weights name is one an
    applicant can have (:func:`known_attributes`); each quota value is one an applicant can
    give (a choice of the question, ``yes``/``no``, 1 to 5, a target group, a country
    code) and is named once once normalised; the policy is registered and accepts its
    parameters; ``fill`` and ``require`` are valid. A missing seed is not reported here
    (it may be given when selecting).

    Args:
        event: the event.
        registry: where the policy is looked up (default: :func:`default_registry`).

    Returns:
        The problems, each an :class:`~ran_events.errors.InvalidValue` whose ``field`` is the
        dotted path in the event file (``selection.caps.organsation``).
    """
    rules = event.selection
    known = known_attributes(event)
    problems: list[InvalidValue] = []

    def attribute_problem(field: str, attribute: str) -> None:
        if attribute not in known:
            problems.append(unknown_attribute(field, attribute, known))

    for attribute in sorted(rules.caps):
        attribute_problem(f"selection.caps.{attribute}", attribute)
    for attribute, values in sorted(rules.quotas.items()):
        if attribute not in known:
            attribute_problem(f"selection.quotas.{attribute}", attribute)
            continue
        problems.extend(_value_problems(event, attribute, list(values)))
    parameters = rules.parameters
    required = parameters.get(REQUIRE_PARAMETER)
    if isinstance(required, Mapping):
        for attribute in sorted(required):
            attribute_problem(f"selection.parameters.{REQUIRE_PARAMETER}.{attribute}", attribute)
    weights = parameters.get("weights")
    if rules.policy == "score" and isinstance(weights, Mapping):
        for attribute in sorted(weights):
            attribute_problem(f"selection.parameters.weights.{attribute}", attribute)
    problems.extend(_policy_problems(event, registry or default_registry()))
    return problems


def allowed_values(event: Event, attribute: str) -> Sequence[str] | None:
    """The values of ``attribute`` an applicant can give, or None when any text can be."""
    if attribute == "role" and event.target_groups:
        return event.target_groups
    for question in event.form.questions:
        if question.id != attribute:
            continue
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            return question.choices
        if question.kind is QuestionKind.YES_NO:
            return ("yes", "no")
        if question.kind is QuestionKind.SCALE:
            return tuple(str(n) for n in SCALE_RANGE)
    return None


def _value_problems(event: Event, attribute: str, values: Sequence[str]) -> list[InvalidValue]:
    problems: list[InvalidValue] = []
    allowed = allowed_values(event, attribute)
    folded = None if allowed is None else {value_key(a) for a in allowed}
    seen: dict[str, str] = {}
    for value in values:
        field = f"selection.quotas.{attribute}.{value}"
        key = value_key(value)
        if key in seen:
            problems.append(
                InvalidValue(
                    field,
                    value,
                    "each value once",
                    detail=f"the same value as {seen[key]!r} (case and spaces do not count)",
                )
            )
            continue
        seen[key] = value
        if attribute == "country" and not (len(key) == 2 and key.isalpha()):
            problems.append(
                InvalidValue(field, value, "an ISO 3166-1 alpha-2 country code such as BE")
            )
        elif allowed is not None and folded is not None and key not in folded:
            what = "a target group" if attribute == "role" else f"an answer to {attribute!r}"
            problems.append(
                InvalidValue(
                    field,
                    value,
                    f"{what}: " + ", ".join(allowed),
                    detail="no applicant can have it, so the quota would do nothing"
                    + did_you_mean(value, allowed),
                )
            )
    return problems


def _policy_problems(event: Event, registry: PolicyRegistry) -> list[InvalidValue]:
    rules = event.selection
    problems: list[InvalidValue] = []
    try:
        fill_of(rules.parameters)
    except InvalidPolicyConfig as exc:
        problems.append(exc)
    try:
        eligibility_rules(event.target_groups, rules.parameters)
    except InvalidPolicyConfig as exc:
        problems.append(exc)
    try:
        factory = registry.factory(rules.policy)
    except UnknownPolicy as exc:
        problems.append(
            InvalidValue(
                "selection.policy",
                rules.policy,
                "a registered policy: " + ", ".join(exc.known),
                detail="unknown policy" + did_you_mean(rules.policy, exc.known),
            )
        )
        return problems
    seed: Any = 0 if rules.seed is None else rules.seed  # a seed may come at selection time
    parameters = policy_parameters(rules.parameters)
    try:
        build_policy(rules.policy, factory, seed=seed, parameters=parameters)
    except InvalidValue as exc:
        problems.append(exc)
    declared = declared_parameters(factory)
    if declared is not None:  # a plug-in's table of applicant attributes
        known = known_attributes(event)
        problems.extend(
            unknown_attribute(field, attribute, known, rule=f"the {rules.policy!r} policy")
            for field, attribute in declared.attribute_names(parameters)
            if attribute not in known
        )
    return problems
