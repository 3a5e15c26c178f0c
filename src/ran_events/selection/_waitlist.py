"""The waiting list: promotion when a place frees up, offers with a deadline to answer.

:func:`promote` gives a freed place to the first waitlisted applicant whose admission keeps
every constraint satisfiable (with the applicants still waiting); the ones passed over keep
their place in the list, with the reason recorded in their decision. A promotion is an
:class:`~ran_events.selection.Offer`, optionally with ``respond_by``: :func:`respond` accepts
or declines it, and :func:`expire_offers` treats an unanswered offer as declined once its
deadline has passed and promotes the next applicant.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import attrs

from ran_events import tz
from ran_events.errors import InvalidValue, TimeRangeError
from ran_events.models import Registration, RegistrationStatus
from ran_events.selection._engine import order_decisions, waitlist_reason
from ran_events.selection._profiles import build_constraints, constraint_report, profiles_of
from ran_events.selection._result import Decision, Offer, Outcome, Reason, SelectionResult
from ran_events.selection.constraints import Cap, Constraints, FeasibilityOracle, QuotaModel

__all__ = ["expire_offers", "promote", "respond"]

_BY = "waitlist"
_HOLDS_PLACE = (RegistrationStatus.SELECTED, RegistrationStatus.CONFIRMED)


def promote(
    result: SelectionResult,
    withdrawn_id: str,
    *,
    now: _dt.datetime,
    respond_by: _dt.datetime | None = None,
) -> SelectionResult:
    """Record that ``withdrawn_id`` withdrew and offer a freed place to the waiting list.

    Args:
        result: the current state of the selection.
        withdrawn_id: the registration that withdraws (selected, confirmed or waitlisted; a
            waitlisted one just leaves the list).
        now: when (the time of the status changes and of the offer).
        respond_by: when the offer lapses (see :func:`expire_offers`); ``None``: never.

    Returns:
        The new state: the withdrawn registration rejected with reason ``withdrawn``, the
        promoted one (if any admission keeps the constraints satisfiable) selected with an
        :class:`Offer`, the waiting list renumbered.

    Raises:
        UnknownRegistration: no registration has that id.
        IllegalTransition: the registration cannot withdraw (already final).
        NaiveDatetimeError: ``now`` or ``respond_by`` has no zone.
        TimeRangeError: ``respond_by`` is not after ``now``.
    """
    reason = Reason(
        code="withdrawn",
        params={"at": now.isoformat()},
        sentence=f"withdrew on {now.isoformat()}",
    )
    return _vacate(
        result,
        withdrawn_id,
        status=RegistrationStatus.WITHDRAWN,
        reason=reason,
        now=now,
        respond_by=respond_by,
    )


def respond(
    result: SelectionResult,
    registration_id: str,
    *,
    accept: bool,
    now: _dt.datetime,
    respond_by: _dt.datetime | None = None,
) -> SelectionResult:
    """Record a selected applicant's answer: confirmed, or declined (and the place offered on).

    Args:
        result: the current state of the selection.
        registration_id: a selected registration.
        accept: ``True`` to confirm, ``False`` to decline.
        now: when.
        respond_by: deadline of the offer made to the next applicant when declining.

    Raises:
        UnknownRegistration: no registration has that id.
        IllegalTransition: the registration is not selected.
    """
    tz.check_aware(now, "now")
    if accept:
        registration = result.registration(registration_id)
        confirmed = registration.transition(
            RegistrationStatus.CONFIRMED, at=now, reason="accepted the place", by=_BY
        )
        return attrs.evolve(
            result,
            inputs=_replace(result.registrations, confirmed),
            transition_by=None,
            offers=tuple(o for o in result.offers if o.registration_id != registration_id),
        )
    reason = Reason(
        code="declined", params={"at": now.isoformat()}, sentence=f"declined on {now.isoformat()}"
    )
    return _vacate(
        result,
        registration_id,
        status=RegistrationStatus.DECLINED,
        reason=reason,
        now=now,
        respond_by=respond_by,
    )


def expire_offers(
    result: SelectionResult, *, now: _dt.datetime, respond_by: _dt.datetime | None = None
) -> SelectionResult:
    """Treat every offer not answered by its ``respond_by`` as declined; promote the next.

    An offer lapses at its ``respond_by`` instant (``now >= respond_by``). Each lapsed place
    goes to the waiting list as with :func:`promote`, the new offer carrying ``respond_by``.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
    """
    tz.check_aware(now, "now")
    for offer in result.offers:
        if offer.respond_by is None or now < offer.respond_by:
            continue
        current = result.registration(offer.registration_id)
        if current.status is not RegistrationStatus.SELECTED:
            continue
        reason = Reason(
            code="offer-lapsed",
            params={"respond_by": offer.respond_by.isoformat()},
            sentence=f"no answer to the offer by {offer.respond_by.isoformat()}",
        )
        result = _vacate(
            result,
            offer.registration_id,
            status=RegistrationStatus.DECLINED,
            reason=reason,
            now=now,
            respond_by=respond_by,
        )
    return result


# --------------------------------------------------------------------------------------------


def _replace(
    registrations: Sequence[Registration], *changed: Registration
) -> tuple[Registration, ...]:
    new = {r.id: r for r in changed}
    return tuple(new.get(r.id, r) for r in registrations)


def _vacate(
    result: SelectionResult,
    registration_id: str,
    *,
    status: RegistrationStatus,
    reason: Reason,
    now: _dt.datetime,
    respond_by: _dt.datetime | None,
) -> SelectionResult:
    tz.check_aware(now, "now")
    if respond_by is not None:
        tz.check_aware(respond_by, "respond_by")
        if respond_by <= now:
            raise TimeRangeError(now, respond_by, "offer respond_by")
    registration = result.registration(registration_id)
    held_place = registration.status in _HOLDS_PLACE
    left = registration.transition(status, at=now, reason=reason.sentence, by=_BY)
    decisions = {d.registration_id: d for d in result.decisions}
    decisions[registration_id] = Decision(
        registration_id=registration_id,
        outcome=Outcome.REJECTED,
        rank=decisions[registration_id].rank,
        reasons=(reason,),
    )
    registrations = {r.id: r for r in result.registrations}
    registrations[registration_id] = left
    offers = [o for o in result.offers if o.registration_id != registration_id]
    constraints = build_constraints(result.record.capacity, result.record.rules)
    if held_place:
        promoted = _fill(constraints, decisions, registrations, registration_id, now)
        if promoted is not None:
            offers.append(
                Offer(
                    registration_id=promoted,
                    offered_at=now,
                    respond_by=respond_by,
                    replaces=registration_id,
                )
            )
    _renumber(decisions)
    ordered = order_decisions(decisions.values())
    eligible = [
        registrations[d.registration_id] for d in ordered if d.outcome is not Outcome.REJECTED
    ]
    selected = [i for i, r in enumerate(eligible) if decisions[r.id].outcome is Outcome.SELECTED]
    return attrs.evolve(
        result,
        decisions=ordered,
        inputs=[registrations[d.registration_id] for d in ordered],
        transition_by=None,
        constraints=constraint_report(constraints, profiles_of(eligible, constraints), selected),
        offers=offers,
    )


def _fill(
    constraints: Constraints,
    decisions: dict[str, Decision],
    registrations: dict[str, Registration],
    vacated: str,
    now: _dt.datetime,
) -> str | None:
    """Promote the first admissible waitlisted applicant in place; return its id."""
    ordered = order_decisions(decisions.values())
    holders = [
        d.registration_id
        for d in ordered
        if d.outcome is Outcome.SELECTED
        and registrations[d.registration_id].status in _HOLDS_PLACE
    ]
    waiting = [d.registration_id for d in ordered if d.outcome is Outcome.WAITLISTED]
    if not waiting:
        return None
    people = holders + waiting
    profiles = profiles_of([registrations[i] for i in people], constraints)
    oracle = FeasibilityOracle(profiles, constraints)
    model = oracle.model
    selected = list(range(len(holders)))
    pool = list(range(len(holders), len(people)))
    counts = model.counts_of(selected)
    reachable = oracle.can_complete(selected, pool)
    passed: list[str] = []
    for index in pool:
        rid = people[index]
        blocked = _blocked(model, counts, index, len(selected), constraints.capacity)
        if blocked is None:
            others = [j for j in pool if j != index]
            if not reachable or oracle.can_complete([*selected, index], others):
                _promote_one(
                    decisions,
                    registrations,
                    rid=rid,
                    vacated=vacated,
                    passed=passed,
                    now=now,
                    reachable=reachable,
                )
                return rid
            blocked = _reserve_sentence(model, counts, index)
        decisions[rid] = _with_passed_over(decisions[rid], vacated, blocked)
        passed.append(rid)
    return None


def _blocked(
    model: QuotaModel, counts: list[list[int]], index: int, size: int, capacity: int
) -> tuple[str, str] | None:
    if size >= capacity:
        return ("capacity", f"all {capacity} places are taken")
    for a, v in enumerate(model.type_values[model.type_of[index]]):
        if counts[a][v] >= model.ub[a][v]:
            source = model.ub_source[a][v]
            kind = "cap" if isinstance(source, Cap) else "max"
            return (kind, f"{model.label(a, v)} already at its {kind} of {model.ub[a][v]}")
    return None


def _reserve_sentence(model: QuotaModel, counts: list[list[int]], index: int) -> tuple[str, str]:
    values = model.type_values[model.type_of[index]]
    unmet = [
        f"{model.label(a, v)} min {model.lb[a][v]} ({counts[a][v]} selected)"
        for a in model.min_attributes
        for v in range(len(model.lb[a]))
        if counts[a][v] + (values[a] == v) < model.lb[a][v]
    ]
    if unmet:
        return ("quota-reserve", "the place is needed for " + ", ".join(unmet))
    return ("fill", "admitting would leave the quotas unreachable with the applicants waiting")


def _with_passed_over(decision: Decision, vacated: str, blocked: tuple[str, str]) -> Decision:
    code, sentence = blocked
    reason = Reason(
        code="passed-over",
        params={"place_of": vacated, "because": code},
        sentence=f"passed over for a freed place: {sentence}",
    )
    kept = tuple(r for r in decision.reasons if r.code != "passed-over")
    return attrs.evolve(decision, reasons=(*kept, reason))


def _promote_one(
    decisions: dict[str, Decision],
    registrations: dict[str, Registration],
    *,
    rid: str,
    vacated: str,
    passed: Sequence[str],
    now: _dt.datetime,
    reachable: bool,
) -> None:
    before = decisions[rid]
    position = before.waitlist_position
    sentence = f"promoted from waitlist position {position} to a freed place"
    if passed:
        sentence += f" ({len(passed)} ahead passed over for the constraints)"
    reasons = [
        Reason(
            code="promoted",
            params={"from_position": position, "place_of": vacated, "passed_over": tuple(passed)},
            sentence=sentence,
        )
    ]
    if not reachable:
        reasons.append(
            Reason(
                code="quota-unreachable",
                sentence="the quota minimums can no longer all be met from the waiting list",
            )
        )
    if before.rank is None:  # pragma: no cover - a waitlisted decision always has a rank
        raise InvalidValue("rank", None, "a ranked waitlisted decision")
    decisions[rid] = Decision(
        registration_id=rid, outcome=Outcome.SELECTED, rank=before.rank, reasons=reasons
    )
    registrations[rid] = registrations[rid].transition(
        RegistrationStatus.SELECTED, at=now, reason=f"selected: {sentence}", by=_BY
    )


def _renumber(decisions: dict[str, Decision]) -> None:
    waiting = sorted(
        (d for d in decisions.values() if d.outcome is Outcome.WAITLISTED),
        key=lambda d: (d.waitlist_position or 0, d.registration_id),
    )
    for position, decision in enumerate(waiting, start=1):
        if decision.waitlist_position == position:
            continue
        reasons = tuple(
            waitlist_reason(position) if r.code == "waitlist-position" else r
            for r in decision.reasons
        )
        decisions[decision.registration_id] = attrs.evolve(
            decision, waitlist_position=position, reasons=reasons
        )
