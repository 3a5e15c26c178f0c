"""The selection engine: eligibility, the policy's order, the exact fill, the explanation.

:func:`select` decides every registration of an event: ineligible ones are rejected with
their reason; the eligible ones are put in the policy's order and the exact ordered fill
(:func:`~ran_events.selection.constraints._feasibility.allocate`) admits each one whose
admission keeps every constraint reachable, until the places the ``fill`` parameter asks
for are filled; the rest form the waiting list in policy order. The
:class:`~ran_events.selection.SelectionRecord` it returns lets :func:`replay` reproduce the
result from the same registrations, and detect changed ones.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ran_events import tz
from ran_events._version import __version__
from ran_events.errors import (
    InvalidPolicyConfig,
    InvalidValue,
    ReplayMismatch,
    SeedMismatch,
)
from ran_events.models import (
    Event,
    Registration,
    RegistrationStatus,
    SelectionRules,
    seed_commitment,
)
from ran_events.selection._policy import (
    FILL_PARAMETER,
    EligibilityRule,
    Placing,
    Policy,
    eligibility_rules,
)
from ran_events.selection._registry import PolicyRegistry, default_registry
from ran_events.selection._result import (
    ConstraintReport,
    Decision,
    Outcome,
    ParamValue,
    Reason,
    SelectionRecord,
    SelectionResult,
)
from ran_events.selection.constraints._feasibility import SkipReason, allocate
from ran_events.selection.constraints._model import Cap, Constraints, Profile, Quota

__all__ = [
    "FILL_CHOICES",
    "Fill",
    "build_constraints",
    "canonical_sha256",
    "check_registrations",
    "constraint_report",
    "fill_of",
    "order_decisions",
    "profiles_of",
    "replay",
    "select",
    "skip_reason",
    "split_eligible",
    "value_key",
    "waitlist_reason",
]

_MISSING: Final = "\x1fnone:"
"""Prefix of the stand-in value of a capped attribute an applicant has no value for: unique
per applicant, so applicants without an organisation are not capped together."""

Fill = Literal["capacity", "most"]
"""How many places a selection fills (``SelectionRules.parameters["fill"]``).

``capacity`` (the default): exactly ``min(capacity, eligible applicants)``, or
:class:`~ran_events.errors.InfeasibleSelection` when the quotas and caps do not allow it.
``most``: the most places a selection meeting every quota and cap can fill.
"""

FILL_CHOICES: Final[tuple[Fill, ...]] = ("capacity", "most")
"""The values of the ``fill`` parameter; the first is the default."""


def fill_of(parameters: Mapping[str, Any]) -> Fill:
    """The ``fill`` entry of ``SelectionRules.parameters`` (``"capacity"`` when absent).

    Raises:
        InvalidPolicyConfig: the entry is not one of :data:`FILL_CHOICES`.
    """
    value = parameters.get(FILL_PARAMETER, FILL_CHOICES[0])
    for choice in FILL_CHOICES:
        if value == choice:
            return choice
    raise InvalidPolicyConfig(
        f"selection.parameters.{FILL_PARAMETER}",
        value,
        '"capacity" (fill exactly min(capacity, eligible) places, or fail) or "most" '
        "(fill as many places as the quotas and caps allow)",
    )


def build_constraints(capacity: int, rules: SelectionRules) -> Constraints:
    """The solver-facing constraints of an event's capacity and selection rules.

    Quotas are taken attribute by attribute, value by value, in sorted order.
    """
    quotas = tuple(
        Quota(attribute=attribute, value=value, min=bounds.min, max=bounds.max)
        for attribute, values in sorted(rules.quotas.items())
        for value, bounds in sorted(values.items())
    )
    caps = tuple(
        Cap(attribute=attribute, limit=limit) for attribute, limit in sorted(rules.caps.items())
    )
    return Constraints(capacity=capacity, quotas=quotas, caps=caps)


def value_key(value: str) -> str:
    """The form in which quotas and caps compare a value: Unicode NFKC, case folded, runs of
    white space as one space, none at the ends.

    So ``"Federal Police BE"``, ``"federal police BE"`` and ``"Federal  Police BE"`` are one
    organisation to a cap, and a quota on ``Prison`` counts applicants whose role is
    ``prison``.

    >>> value_key("  Federal\u00a0 POLICE  BE ")
    'federal police be'
    """
    return " ".join(
        unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).split()
    )


def profiles_of(registrations: Sequence[Registration], constraints: Constraints) -> list[Profile]:
    """Each registration's values of the constrained attributes (see ``Constraints``).

    Values that are equal once normalised (:func:`value_key`) are one value, shown as first
    written: as a quota names it, else as the earliest application (by ``submitted_at``,
    then id) among ``registrations`` writes it, so the profiles do not depend on the order
    of ``registrations``. A missing value (or one that is only white space) is ``""``,
    except for a capped attribute, where it is a stand-in unique to the registration
    (having no organisation is not an organisation).
    """
    attributes = constraints.attributes
    capped = {c.attribute for c in constraints.caps}
    columns = [[r.value_of(attribute) for r in registrations] for attribute in attributes]
    profiles_by_column = []
    for a, column in enumerate(columns):
        named = {  # key -> the form a quota writes
            value_key(q.value): q.value for q in constraints.quotas if q.attribute == attributes[a]
        }
        shown: dict[str | None, str | None] = {None: None}  # raw value -> the form shown
        spellings: dict[str, list[str]] = {}
        for raw in set(column):
            if raw is None:
                continue
            key = value_key(raw)
            if not key:
                shown[raw] = None
            elif key in named:
                shown[raw] = named[key]
            else:
                spellings.setdefault(key, []).append(raw)
        earliest = None
        for forms in spellings.values():
            if len(forms) == 1:
                shown[forms[0]] = forms[0]
                continue
            if earliest is None:  # several spellings: the earliest application's is shown
                earliest = sorted(
                    range(len(registrations)),
                    key=lambda i: (
                        registrations[i].submitted_at.astimezone(_dt.UTC),
                        registrations[i].id,
                    ),
                )
            first = next(column[i] for i in earliest if column[i] in forms)
            for form in forms:
                shown[form] = first
        values = [shown[raw] for raw in column]
        if None in shown.values():  # missing values: "", or a stand-in when capped
            missing = attributes[a] in capped
            values = [
                (_MISSING + r.id if missing else "") if value is None else value
                for r, value in zip(registrations, values, strict=True)
            ]
        profiles_by_column.append(values)
    return (
        list(zip(*profiles_by_column, strict=True)) if attributes else [() for _ in registrations]
    )


def canonical_sha256(registrations: Sequence[Registration]) -> str:
    """SHA-256 of the registrations in a canonical form (independent of their order).

    Covers every field a selection can read: id, event, registrant, submission instant,
    answers, status and history.
    """
    # The JSON text of the list of canonical rows by id, hashed row by row: the text of a
    # million registrations (half a gigabyte) is never held at once.
    encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
    digest = hashlib.sha256()
    separator = b"["
    for registration in sorted(registrations, key=lambda r: r.id):
        digest.update(separator + encode(_canonical(registration)).encode("ascii"))
        separator = b","
    digest.update(b"]" if separator == b"," else b"[]")
    return digest.hexdigest()


def _canonical(registration: Registration) -> list[Any]:
    registrant = registration.registrant
    return [
        registration.id,
        registration.event_id,
        registrant.name,
        registrant.normalized_email,
        registrant.organisation,
        registrant.country,
        registrant.role,
        sorted(registrant.attributes.items()),
        registration.submitted_at.isoformat(),
        sorted(registration.answers.items()),  # JSON writes a tuple answer as a list
        registration.status.value,
        [
            [c.from_status.value, c.to_status.value, c.at.isoformat(), c.reason, c.by]
            for c in registration.history
        ],
    ]


def select(
    event: Event,
    registrations: Sequence[Registration],
    *,
    now: _dt.datetime,
    seed: int | None = None,
    registry: PolicyRegistry | None = None,
) -> SelectionResult:
    """Select the participants of ``event`` from ``registrations`` by its selection rules.

    Args:
        event: the event; its ``capacity``, ``target_groups`` and ``selection`` (policy, seed,
            quotas, caps, parameters) decide.
        registrations: every application, in any order (the result does not depend on it);
            each must be ``submitted`` (decided) or ``withdrawn`` (rejected as such).
        now: when the selection is made (recorded, and the time of each status change).
        seed: the seed, revealed now (default: the event's ``selection.seed``); when the
            event publishes a commitment (``selection.seed_sha256``) it must match it.
        registry: where the policy name is looked up (default: :func:`default_registry`).

    Returns:
        One decision per registration, the constraint report, the record and the
        registrations with their new status.

    Raises:
        InfeasibleSelection: no selection of the eligible applicants meets the quotas and
            caps (with ``fill = "capacity"``, the default: none filling every place that has
            an eligible applicant); the exception names the conflict and what relaxing
            would make it feasible.
        UnknownPolicy: the policy name is not registered.
        InvalidPolicyConfig: the policy refuses its seed or parameters, or the ``fill``
            parameter is not ``"capacity"`` or ``"most"``.
        InvalidValue: two registrations share an id, one is for another event, or one is in
            a status a selection cannot decide.
        NaiveDatetimeError: ``now`` has no zone.
        SeedMismatch: ``seed`` (or the event's seed) does not match the event's
            ``selection.seed_sha256``.
    """
    tz.check_aware(now, "now")
    rules = event.selection
    if seed is not None:
        rules = attrs.evolve(rules, seed=seed)  # SeedMismatch against the commitment
    fill_of(rules.parameters)
    policy = (registry or default_registry()).from_rules(rules)
    record = SelectionRecord(
        event_id=event.id,
        capacity=event.capacity,
        target_groups=event.target_groups,
        rules=rules,
        policy_parameters=dict(policy.parameters),
        input_sha256=canonical_sha256(registrations),
        registration_count=len(registrations),
        decided_at=now,
        library_version=__version__,
    )
    return _decide(record, registrations, policy)


def replay(
    record: SelectionRecord,
    registrations: Sequence[Registration],
    *,
    registry: PolicyRegistry | None = None,
) -> SelectionResult:
    """Reproduce the selection ``record`` describes from the same registrations.

    Args:
        record: the record of the selection (:attr:`SelectionResult.record`).
        registrations: the registrations as they were given to :func:`select`.
        registry: where the policy name is looked up (it must build the same policy).

    Returns:
        A result equal to the recorded selection's.

    Raises:
        ReplayMismatch: the registrations are not the recorded input, or the policy now
            reports other parameters.
        SeedMismatch: the recorded seed does not match the recorded commitment
            (``rules.seed_sha256``).
    """
    rules = record.rules
    if rules.seed_sha256 is not None and rules.seed is not None:
        actual_seed = seed_commitment(rules.seed)
        if actual_seed != rules.seed_sha256:  # a record built around the model's check
            raise SeedMismatch(rules.seed, rules.seed_sha256, actual_seed)
    actual = canonical_sha256(registrations)
    if actual != record.input_sha256:
        if len(registrations) != record.registration_count:
            detail = (
                f"{len(registrations)} registrations given, {record.registration_count} recorded"
            )
        else:
            detail = "same number of registrations, but their content differs"
        raise ReplayMismatch(record.input_sha256, actual, detail)
    policy = (registry or default_registry()).from_rules(record.rules)
    if dict(policy.parameters) != dict(record.policy_parameters):
        raise ReplayMismatch(
            record.input_sha256,
            actual,
            f"policy {record.policy!r} now reports parameters {dict(policy.parameters)!r}, "
            f"recorded {dict(record.policy_parameters)!r}",
        )
    return _decide(record, registrations, policy)


# --------------------------------------------------------------------------------------------
# The decision


def check_registrations(event_id: str, registrations: Sequence[Registration]) -> None:
    """Check that a selection can decide ``registrations``.

    Args:
        event_id: the event selected for.
        registrations: the applications given to the selection.

    Raises:
        InvalidValue: two registrations share an id, one is for another event, or one is in
            a status a selection cannot decide (neither ``submitted`` nor ``withdrawn``).
    """
    seen: set[str] = set()
    for position, registration in enumerate(registrations):
        if registration.id in seen:
            raise InvalidValue(f"registrations[{position}].id", registration.id, "a unique id")
        seen.add(registration.id)
        if registration.event_id != event_id:
            raise InvalidValue(
                f"registrations[{position}].event_id",
                registration.event_id,
                f"the event being selected for, {event_id!r}",
            )
        if registration.status not in (RegistrationStatus.SUBMITTED, RegistrationStatus.WITHDRAWN):
            raise InvalidValue(
                f"registrations[{position}].status",
                registration.status.value,
                "'submitted' or 'withdrawn' (a selection decides new applications; use "
                "promote() to change a decided one)",
            )


def split_eligible(
    registrations: Sequence[Registration], rules: Sequence[EligibilityRule]
) -> tuple[list[Registration], dict[str, Decision]]:
    """Separate the registrations a selection may choose from those it rejects first.

    Args:
        registrations: checked applications (see :func:`check_registrations`).
        rules: the eligibility rules (:func:`eligibility_rules`).

    Returns:
        The eligible registrations in the order given, and by id a rejection for each
        other one: ``withdrawn``, or the reason of every rule it fails.
    """
    rejected: dict[str, Decision] = {}
    eligible: list[Registration] = []
    for registration in registrations:
        if registration.status is RegistrationStatus.WITHDRAWN:
            reason = Reason(code="withdrawn", sentence="the application was withdrawn")
            rejected[registration.id] = Decision(
                registration_id=registration.id, outcome=Outcome.REJECTED, reasons=(reason,)
            )
            continue
        failed = [found for rule in rules if (found := rule.check(registration)) is not None]
        if failed:
            rejected[registration.id] = Decision(
                registration_id=registration.id, outcome=Outcome.REJECTED, reasons=failed
            )
        else:
            eligible.append(registration)
    return eligible, rejected


def _decide(
    record: SelectionRecord, registrations: Sequence[Registration], policy: Policy
) -> SelectionResult:
    check_registrations(record.event_id, registrations)
    rules = eligibility_rules(record.target_groups, record.rules.parameters)
    by_id = {r.id: r for r in registrations}
    eligible, decisions = split_eligible(registrations, rules)
    constraints = build_constraints(record.capacity, record.rules)
    from ran_events.selection.fair._policy import PanelPolicy, decide_panel  # noqa: PLC0415 - imports us

    if isinstance(policy, PanelPolicy):  # chooses the whole selection (the fair lottery)
        return decide_panel(record, policy, eligible, decisions, by_id, constraints)
    placings = _placings(policy, eligible, record.event_id)
    ordered = [by_id[p.registration_id] for p in placings]
    profiles = profiles_of(ordered, constraints)
    size = None
    if fill_of(record.rules.parameters) == "capacity":
        size = min(constraints.capacity, len(ordered))
    allocation = allocate(profiles, constraints, range(len(ordered)), size=size)
    counts: dict[tuple[int, str], int] = {}
    mins = {(q.attribute, q.value): q.min for q in constraints.quotas if q.min}
    attributes = constraints.attributes
    for position in allocation.selected:
        placing = placings[position]
        reasons = [_rank_reason(policy.name, position + 1, placing)]
        for a, value in enumerate(profiles[position]):
            low = mins.get((attributes[a], value), 0)
            have = counts.get((a, value), 0)
            if have < low:
                reasons.append(
                    Reason(
                        code="quota-min",
                        params={"attribute": attributes[a], "value": value, "min": low},
                        sentence=f"counts towards {attributes[a]}={value} min {low} "
                        f"({have} selected before)",
                    )
                )
            counts[a, value] = have + 1
        decisions[placing.registration_id] = Decision(
            registration_id=placing.registration_id,
            outcome=Outcome.SELECTED,
            rank=position + 1,
            reasons=reasons,
        )
    del placings  # a third of the memory at the peak otherwise (summary, components per applicant)
    waitlist_position = 0
    explained: dict[SkipReason, Reason] = {}
    for position, registration in enumerate(ordered):
        skip = allocation.skipped.get(position)
        if skip is None:
            continue
        waitlist_position += 1
        decisions[registration.id] = Decision(
            registration_id=registration.id,
            outcome=Outcome.WAITLISTED,
            rank=position + 1,
            waitlist_position=waitlist_position,
            reasons=(waitlist_reason(waitlist_position), _explain(skip, explained)),
        )
    ordered_decisions = order_decisions(decisions.values())
    return SelectionResult(
        decisions=ordered_decisions,
        inputs=[by_id[d.registration_id] for d in ordered_decisions],
        transition_by=f"selection:{policy.name}",
        constraints=constraint_report(constraints, profiles, allocation.selected),
        record=record,
    )


def _explain(skip: SkipReason, explained: dict[SkipReason, Reason]) -> Reason:
    found = explained.get(skip)
    if found is None:
        found = explained[skip] = skip_reason(skip)
    return found


def _placings(policy: Policy, eligible: Sequence[Registration], event_id: str) -> list[Placing]:
    placings = list(policy.order(eligible, event_id=event_id))
    given = sorted(r.id for r in eligible)
    placed = sorted(p.registration_id for p in placings)
    if given != placed:
        raise InvalidPolicyConfig(
            "policy",
            policy.name,
            "a policy whose order() places every registration it is given exactly once",
        )
    return placings


def _rank_reason(policy: str, rank: int, placing: Placing) -> Reason:
    sentence = f"{policy} rank {rank}"
    if placing.summary:
        sentence += f" ({placing.summary})"
    return Reason(
        code="rank",
        params={"policy": policy, "rank": rank, "placing": placing.summary},
        sentence=sentence,
    )


def waitlist_reason(position: int) -> Reason:
    """The ``waitlist-position`` reason: ``"position 4"``."""
    return Reason(
        code="waitlist-position", params={"position": position}, sentence=f"position {position}"
    )


def skip_reason(skip: SkipReason) -> Reason:
    """A skip of the ordered fill as a decision reason (code, constraint and sentence)."""
    params: dict[str, ParamValue] = {}
    constraint = skip.constraint
    if isinstance(constraint, Quota):
        params = {
            "attribute": constraint.attribute,
            "value": skip.value or constraint.value,
            "min": constraint.min,
            "max": constraint.max,
        }
    elif isinstance(constraint, Cap):
        params = {
            "attribute": constraint.attribute,
            "limit": constraint.limit,
            "value": skip.value,
        }
    return Reason(code=skip.code, params=params, sentence=skip.sentence)


def order_decisions(decisions: Iterable[Decision]) -> tuple[Decision, ...]:
    """Selected by rank, then waitlisted by position, then rejected by registration id."""
    order = {Outcome.SELECTED: 0, Outcome.WAITLISTED: 1, Outcome.REJECTED: 2}

    def key(d: Decision) -> tuple[int, int, str]:
        if d.outcome is Outcome.SELECTED:
            number = d.rank or 0
        elif d.outcome is Outcome.WAITLISTED:
            number = d.waitlist_position or 0
        else:
            number = 0
        return (order[d.outcome], number, d.registration_id)

    return tuple(sorted(decisions, key=key))


def constraint_report(
    constraints: Constraints, profiles: Sequence[Profile], selected: Sequence[int]
) -> tuple[ConstraintReport, ...]:
    """The capacity, every quota value and every cap, with what ``selected`` achieves.

    Args:
        constraints: the constraints.
        profiles: the eligible applicants' profiles.
        selected: the selected (indices into ``profiles``).
    """
    attributes = constraints.attributes
    chosen: dict[tuple[str, str], int] = {}
    pool: dict[tuple[str, str], int] = {}
    for profile in profiles:
        for attribute, value in zip(attributes, profile, strict=True):
            pool[attribute, value] = pool.get((attribute, value), 0) + 1
    for i in selected:
        for attribute, value in zip(attributes, profiles[i], strict=True):
            chosen[attribute, value] = chosen.get((attribute, value), 0) + 1
    reports = [
        ConstraintReport(
            kind="capacity",
            max=constraints.capacity,
            achieved=len(selected),
            available=len(profiles),
        )
    ]
    for quota in constraints.quotas:
        key = (quota.attribute, quota.value)
        reports.append(
            ConstraintReport(
                kind="quota",
                attribute=quota.attribute,
                value=quota.value,
                min=quota.min,
                max=quota.max,
                achieved=chosen.get(key, 0),
                available=pool.get(key, 0),
            )
        )
    for cap in constraints.caps:
        shared = sorted(  # the stand-ins of a missing value are no value to report
            (-n, value)
            for (a, value), n in chosen.items()
            if a == cap.attribute and not value.startswith(_MISSING)
        )
        top_value = shared[0][1] if shared else None
        top = -shared[0][0] if shared else min(1, len(selected))
        reports.append(
            ConstraintReport(
                kind="cap",
                attribute=cap.attribute,
                value=top_value,
                max=cap.limit,
                achieved=top,
                available=len(profiles),
            )
        )
    return tuple(reports)
