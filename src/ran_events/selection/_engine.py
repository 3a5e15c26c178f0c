"""The selection engine: eligibility, the policy's order, the exact fill, the explanation.

:func:`select` decides every registration of an event: ineligible ones are rejected with
their reason; the eligible ones are put in the policy's order and the exact ordered fill
(:func:`~ran_events.selection.constraints.allocate`) admits each one whose
admission keeps every constraint reachable, until the places the ``fill`` parameter asks
for are filled; the rest form the waiting list in policy order. The
:class:`~ran_events.selection.SelectionRecord` it returns lets :func:`replay` reproduce the
result from the same registrations, and detect changed ones.

The engine knows policies only through their protocols: a
:class:`~ran_events.selection.PanelPolicy` chooses the selected itself (its order is the
waiting list's); any other :class:`~ran_events.selection.Policy` gives the order to fill.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import json
import operator
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
    seed_commitment,
)
from ran_events.selection._panel import PanelPolicy
from ran_events.selection._policy import (
    EligibilityRule,
    Placing,
    Policy,
    TicketPolicy,
    _RankingBuffer,
    eligibility_rules,
)
from ran_events.selection._profiles import (
    build_constraints,
    constraint_report,
    fill_of,
    profiles_of,
)
from ran_events.selection._registry import PolicyRegistry, default_registry
from ran_events.selection._result import (
    Decision,
    Outcome,
    ParamValue,
    Reason,
    SelectionRecord,
    SelectionResult,
    _table_of,
    _WaitlistBlock,
    waitlist_reason,
)
from ran_events.selection.constraints import (
    Cap,
    Constraints,
    Profile,
    Quota,
    SkipReason,
    allocate,
)

__all__ = [
    "canonical_sha256",
    "check_registrations",
    "order_decisions",
    "placings_of",
    "replay",
    "select",
    "skip_reason",
    "split_eligible",
    "waitlist_reason",
]


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
        registrant.normalised_email,
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


_WITHDRAWN = (Reason(code="withdrawn", sentence="the application was withdrawn"),)
"""The reasons of a withdrawn application's rejection (one tuple shared by all)."""


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
            rejected[registration.id] = Decision(
                registration_id=registration.id, outcome=Outcome.REJECTED, reasons=_WITHDRAWN
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
    eligible, decisions = split_eligible(registrations, rules)
    constraints = build_constraints(record.capacity, record.rules)
    if isinstance(policy, PanelPolicy):  # the protocol: it chooses the selection itself
        by_id = {r.id: r for r in registrations}
        return _decide_panel(record, policy, eligible, decisions, by_id, constraints)
    placings: dict[str, Placing] | None = None
    if isinstance(policy, TicketPolicy):  # the order from the ids; placings for the selected
        ordered = _ticket_order(policy, eligible, record.event_id)
    else:
        placed = placings_of(policy, eligible, record.event_id)
        by_id = {r.id: r for r in eligible}
        ordered = [by_id[p.registration_id] for p in placed]
        placings = {p.registration_id: p for p in placed}
        del placed, by_id
    del eligible
    profiles = profiles_of(ordered, constraints)
    size = None
    if fill_of(record.rules.parameters) == "capacity":
        size = min(constraints.capacity, len(ordered))
    allocation = allocate(profiles, constraints, range(len(ordered)), size=size)
    if placings is None:
        chosen = [ordered[position] for position in allocation.selected]
        placings = {p.registration_id: p for p in placings_of(policy, chosen, record.event_id)}
    selected = _selected_decisions(
        policy.name, allocation.selected, ordered, placings, profiles, constraints
    )
    del placings  # a third of the memory at the peak otherwise (summary, components per applicant)
    report = constraint_report(constraints, profiles, allocation.selected)
    del profiles  # a tuple per applicant, not needed by the waiting list's decisions
    waitlist = _waitlist_block(allocation.skipped, ordered)
    rejected = tuple(decisions[rid] for rid in sorted(decisions))
    table = _table_of((selected, waitlist, rejected))
    inputs = [ordered[position] for position in allocation.selected]
    inputs += [ordered[rank - 1] for rank in waitlist.ranks]
    by_id = {r.id: r for r in registrations if r.id in decisions}
    inputs += [by_id[d.registration_id] for d in rejected]
    return SelectionResult(
        decisions=table,
        inputs=inputs,
        transition_by=f"selection:{policy.name}",
        constraints=report,
        record=record,
    )


def _ticket_order(
    policy: TicketPolicy, eligible: Sequence[Registration], event_id: str
) -> list[Registration]:
    """``eligible`` in the order of a ticket policy's :meth:`~TicketPolicy.ranking`.

    Raises:
        InvalidPolicyConfig: the ranking is not an order of every registration given.
    """
    ids = [r.id for r in eligible]
    if isinstance(policy, _RankingBuffer):  # no list of a million ints (the built-in lottery)
        buffer = policy._ranking_buffer(ids, event_id=event_id)
        if buffer is not None:
            return [eligible[i] for i in buffer]
    ranking = policy.ranking(ids, event_id=event_id)
    if len(ranking) != len(eligible) or not all(
        map(operator.eq, sorted(ranking), itertools.count())
    ):
        raise InvalidPolicyConfig(
            "policy",
            policy.name,
            "a ticket policy whose ranking() gives every position it is given exactly once",
        )
    return [eligible[i] for i in ranking]


def _selected_decisions(  # noqa: PLR0917 - the state of _decide, passed on as is
    policy: str,
    admitted: Sequence[int],
    ordered: Sequence[Registration],
    placings: Mapping[str, Placing],
    profiles: Sequence[Profile],
    constraints: Constraints,
) -> tuple[Decision, ...]:
    """The decisions of the ``admitted`` positions of ``ordered``, by rank."""
    counts: dict[tuple[int, str], int] = {}
    mins = {(q.attribute, q.value): q.min for q in constraints.quotas if q.min}
    attributes = constraints.attributes
    selected = []
    for position in admitted:
        rid = ordered[position].id
        reasons = [_rank_reason(policy, position + 1, placings[rid])]
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
        selected.append(
            Decision(
                registration_id=rid, outcome=Outcome.SELECTED, rank=position + 1, reasons=reasons
            )
        )
    return tuple(sorted(selected, key=lambda d: d.rank or 0))


def _waitlist_block(
    skipped: Mapping[int, SkipReason], ordered: Sequence[Registration]
) -> _WaitlistBlock:
    """The skipped positions of ``ordered`` as the waiting list, in order (decisions on demand).

    Each shares its skip's explanation with the others skipped for the same reason.
    """
    ids: list[str] = []
    ranks = array("q")
    index = array("i")
    tails: list[tuple[Reason, ...]] = []
    explained: dict[SkipReason, int] = {}  # a skip reason -> its index in tails
    for position, skip in skipped.items():
        tail = explained.get(skip)
        if tail is None:
            tail = explained[skip] = len(tails)
            tails.append((skip_reason(skip),))
        ids.append(ordered[position].id)
        ranks.append(position + 1)
        index.append(tail)
    return _WaitlistBlock(ids, ranks, range(1, len(ids) + 1), index, tails)


def _decide_panel(  # noqa: PLR0917 - the state of _decide, passed on as is
    record: SelectionRecord,
    policy: PanelPolicy,
    eligible: Sequence[Registration],
    decisions: dict[str, Decision],
    by_id: Mapping[str, Registration],
    constraints: Constraints,
) -> SelectionResult:
    """The decision of a :class:`~ran_events.selection.PanelPolicy`.

    The panel is ranked by the policy's order; the eligible rest, minus the excluded, is the
    waiting list in that order. ``decisions`` holds the ineligible ones (completed here).
    """
    draw = policy.draw_panel(eligible, constraints, record=record)
    placings = placings_of(policy, eligible, record.event_id)
    chosen = set(draw.selected)
    ranked = [p for p in placings if p.registration_id in chosen]
    ranked += [p for p in placings if p.registration_id not in chosen]
    waitlist_position = 0
    for rank, placing in enumerate(ranked, 1):
        rid = placing.registration_id
        if rid in draw.excluded:
            decisions[rid] = Decision(
                registration_id=rid, outcome=Outcome.REJECTED, reasons=(draw.excluded[rid],)
            )
        elif rid in chosen:
            decisions[rid] = Decision(
                registration_id=rid,
                outcome=Outcome.SELECTED,
                rank=rank,
                reasons=_notes(draw.notes, rid),
            )
        else:
            waitlist_position += 1
            decisions[rid] = Decision(
                registration_id=rid,
                outcome=Outcome.WAITLISTED,
                rank=rank,
                waitlist_position=waitlist_position,
                reasons=(waitlist_reason(waitlist_position), *_notes(draw.notes, rid)),
            )
    ordered = [by_id[p.registration_id] for p in ranked]
    profiles = profiles_of(ordered, constraints)
    ordered_decisions = order_decisions(decisions.values())
    return SelectionResult(
        decisions=ordered_decisions,
        inputs=[by_id[d.registration_id] for d in ordered_decisions],
        transition_by=f"selection:{policy.name}",
        constraints=constraint_report(constraints, profiles, list(range(len(chosen)))),
        record=draw.record,
    )


def _notes(notes: Mapping[str, Reason], registration_id: str) -> tuple[Reason, ...]:
    """The panel policy's reason for one registration (a policy may give none)."""
    note = notes.get(registration_id)
    return () if note is None else (note,)


def placings_of(policy: Policy, eligible: Sequence[Registration], event_id: str) -> list[Placing]:
    """The policy's order of ``eligible`` (what a selection, and each run of a simulation, uses).

    Raises:
        InvalidPolicyConfig: the policy does not place every registration exactly once.
    """
    placings = list(policy.order(eligible, event_id=event_id))
    placed = {p.registration_id for p in placings}
    if len(placed) != len(placings) or placed != {r.id for r in eligible}:
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
