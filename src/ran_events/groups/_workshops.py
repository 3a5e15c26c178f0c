"""Parallel workshops: each participant gets one session of each choice slot.

:func:`assign_workshops` places the selected participants into the event's choice sessions
(``choice = true``, grouped into slots by :func:`ran_events.models.choice_slots`) from their
rankings, exactly:

* each person gets one session per slot, and no session gets more people than its
  ``capacity``;
* the sum of preference scores is the largest possible. In a slot of ``n`` sessions a
  person's 1st choice scores ``n``, the 2nd ``n - 1``, ..., the last ranked 1, and a session
  they did not rank 0 (worse than every ranked one);
* among the placements with that best total, ties are broken by a lottery: a person's
  ticket is the SHA-256 of ``["workshops", seed, event id, registration id]`` (JSON), and
  the placement chosen minimises ``sum((N - position) * rank)`` over the N people ranked by
  ticket (position 0 the best; an unranked session counts as rank ``n + 1``): when two people
  compete for the last place of a session, the better ticket gets it. The result depends on
  the seed and the data only, never on the order of the input.

Both criteria are one integer cost (``rank * B + (N - position) * rank``, ``B`` larger than
any possible tie-break total) minimised by an exact assignment of people to places (one
column per place: a minimum-cost flow of unit capacities, solved by
:func:`scipy.optimize.linear_sum_assignment`, integers far below 2**53, so no rounding). Its
cost matrix holds people x places numbers per slot (a session without a capacity counts as
one place per person): 500 people and 520 places take 2 MB and tens of milliseconds.

This module takes plain registrations and the event; it imports no selection or iCalendar
module (:func:`WorkshopAssignment.rooms` is what :func:`ran_events.ics.invite` takes).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from ..errors import InvalidValue, WorkshopCapacityError
from ..models import ChoiceSlot, Event, QuestionKind, Registration
from ._csv import AssignmentRow

__all__ = [
    "WorkshopAssignment",
    "WorkshopPlacement",
    "assign_workshops",
    "choice_summary",
    "ordinal",
    "rankings_of",
    "workshop_ticket",
]

_LABEL: Final = "workshops"
"""The first element of a workshop ticket's hashed text: a lottery of its own, so that
winning the selection lottery gives no advantage here."""


def workshop_ticket(seed: int, event_id: str, registration_id: str) -> str:
    """A person's lottery ticket for workshop ties (hexadecimal; the smaller, the better).

    >>> workshop_ticket(2023, "ran-ws", "r-0001")[:12]
    '77095b2de184'
    """
    text = json.dumps([_LABEL, int(seed), event_id, registration_id], ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def ordinal(rank: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``...

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']
    """
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


@attrs.frozen(kw_only=True)
class WorkshopPlacement:
    """One person's session in one choice slot, and why.

    Attributes:
        registration_id: the person.
        slot: the slot's id (``slot-1``).
        session_id: the session they attend.
        rank: where they ranked it (1 = first choice), ``None`` if they did not rank it.
        lottery_position: their place in the tie-break lottery (1 = the best ticket).
        reason: a sentence saying why (``2nd choice; ws-a (1st) is full: 25 of 25 places``).
    """

    registration_id: str
    slot: str
    session_id: str
    rank: int | None
    lottery_position: int
    reason: str


@attrs.frozen(kw_only=True)
class WorkshopAssignment:
    """The result of :func:`assign_workshops`: every person's session in every slot.

    Attributes:
        event_id: the event.
        seed: the seed of the tie-break lottery.
        slots: the choice slots, in time order.
        placements: one per person and slot, by slot then registration id.
    """

    event_id: str
    seed: int
    slots: tuple[ChoiceSlot, ...]
    placements: tuple[WorkshopPlacement, ...]

    def rooms(self) -> dict[str, tuple[str, ...]]:
        """Registration id -> the sessions of that person, one per slot in time order.

        This is the ``rooms`` argument of :func:`ran_events.ics.invite`.
        """
        found: dict[str, list[str]] = {}
        for placement in self.placements:
            found.setdefault(placement.registration_id, []).append(placement.session_id)
        return {rid: tuple(ids) for rid, ids in found.items()}

    def placement(self, registration_id: str, slot: str | None = None) -> WorkshopPlacement:
        """The placement of one person (in ``slot``; default: the only or first slot).

        Raises:
            KeyError: no such person or slot.
        """
        for placement in self.placements:
            if placement.registration_id == registration_id and slot in (None, placement.slot):
                return placement
        raise KeyError(f"no placement of {registration_id!r}" + (f" in {slot}" if slot else ""))

    def choice_counts(self, slot: str | None = None) -> dict[int | None, int]:
        """How many got their 1st, 2nd, ... choice (``None``: a session they did not rank).

        Keys in order: 1, 2, ..., then ``None``; only ranks that occur. Over all slots, or
        one.
        """
        counts = Counter(p.rank for p in self.placements if slot in (None, p.slot))
        ranked = sorted(r for r in counts if r is not None)
        ordered: dict[int | None, int] = {r: counts[r] for r in ranked}
        if None in counts:
            ordered[None] = counts[None]
        return ordered

    def session_counts(self) -> dict[str, int]:
        """How many people each choice session gets, in the event's order."""
        counts = Counter(p.session_id for p in self.placements)
        return {s.id: counts[s.id] for slot in self.slots for s in slot.sessions}

    @property
    def total_score(self) -> int:
        """The sum of preference scores maximised (``n + 1 - rank``; 0 if not ranked)."""
        sizes = {slot.id: len(slot.sessions) for slot in self.slots}
        return sum(sizes[p.slot] + 1 - p.rank for p in self.placements if p.rank is not None)

    def rows(self) -> list[AssignmentRow]:
        """The placements as rows of the groups CSV: the group is the slot's id.

        Written with :func:`~ran_events.groups.write_assignments_csv`; the file read back
        gives :meth:`rooms` (:meth:`~ran_events.groups.AssignmentsFile.rooms`).
        """
        return [
            AssignmentRow(
                registration_id=p.registration_id,
                group=p.slot,
                session_id=p.session_id,
                reason=p.reason,
            )
            for p in self.placements
        ]

    def summary(self) -> str:
        """One line of counts: ``1st choice: 410, 2nd choice: 80, not ranked: 10``."""
        return choice_summary(self.choice_counts())


def choice_summary(counts: Mapping[int | None, int]) -> str:
    """``1st choice: 410, 2nd choice: 80, not ranked: 10`` from :meth:`choice_counts`."""
    return (
        ", ".join(
            f"{'not ranked' if rank is None else ordinal(rank) + ' choice'}: {count}"
            for rank, count in counts.items()
        )
        or "nobody placed"
    )


def rankings_of(event: Event, registrations: Iterable[Registration]) -> dict[str, tuple[str, ...]]:
    """Each registration's ranking of the choice sessions, from the form's ranking answers.

    The answers to the event's ``ranking`` questions, in the form's order, joined (a form
    may ask one ranking per slot); a registration without one ranks nothing.
    """
    questions = [q.id for q in event.form.questions if q.kind is QuestionKind.RANKING]
    found: dict[str, tuple[str, ...]] = {}
    for registration in registrations:
        ranked: list[str] = []
        for question in questions:
            answer = registration.answers.get(question)
            if isinstance(answer, tuple):
                ranked.extend(a for a in answer if a not in ranked)
        found[registration.id] = tuple(ranked)
    return found


def assign_workshops(
    participants: Iterable[Registration | str],
    event: Event,
    *,
    seed: int,
    rankings: Mapping[str, Sequence[str]] | None = None,
) -> WorkshopAssignment:
    """Place each participant in one session of each of the event's choice slots.

    Exact: capacities respected, the sum of preference scores the largest possible, ties
    broken by the workshop lottery (see the module's documentation). A session ranked that
    is cancelled is skipped (the next one moves up).

    Args:
        participants: the selected registrations (their answers to the form's ``ranking``
            questions are their preferences), or bare registration ids (no preference).
        event: the event; its confirmed ``choice = true`` sessions are placed.
        seed: the seed of the tie-break lottery.
        rankings: registration id -> session ids, best first; replaces the answers of the
            people it names (a ranking of someone not among ``participants`` is checked,
            then left aside).

    Returns:
        A :class:`WorkshopAssignment` (empty when the event has no choice sessions).

    Raises:
        WorkshopCapacityError: a slot's sessions have fewer places than participants (the
            slot and the shortfall are named).
        InvalidValue: a registration of another event, a person given twice, a ranking
            that names a session that is not a choice session of the event or names one
            twice, or a seed that is not a whole number.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidValue("seed", seed, "a whole number")
    people = _people(participants, event)
    given = rankings_of(event, [p for p in people if isinstance(p, Registration)])
    ids = [p.id if isinstance(p, Registration) else p for p in people]
    preferences = {rid: tuple(given.get(rid, ())) for rid in ids}
    choice_ids = {s.id for s in event.sessions if s.choice}
    for rid, ranking in (rankings or {}).items():
        _check_ranking(rid, ranking, choice_ids)
        if rid in preferences:
            preferences[rid] = tuple(ranking)
    tickets = sorted((workshop_ticket(seed, event.id, rid), rid) for rid in ids)
    order = [rid for _, rid in tickets]
    placements: list[WorkshopPlacement] = []
    for slot in event.choice_slots:
        placements.extend(_assign_slot(slot, order, preferences))
    placements.sort(key=lambda p: (p.slot, p.registration_id))
    return WorkshopAssignment(
        event_id=event.id, seed=seed, slots=event.choice_slots, placements=tuple(placements)
    )


def _people(participants: Iterable[Registration | str], event: Event) -> list[Registration | str]:
    people = list(participants)
    seen: set[str] = set()
    for person in people:
        if isinstance(person, Registration):
            rid = person.id
            if person.event_id != event.id:
                raise InvalidValue(
                    "event_id", person.event_id, f"a registration for event {event.id!r}"
                )
        elif isinstance(person, str) and person:
            rid = person
        else:
            raise InvalidValue("participants", person, "a Registration or a registration id")
        if rid in seen:
            raise InvalidValue("participants", rid, "each participant once")
        seen.add(rid)
    return people


def _check_ranking(rid: str, ranking: Sequence[str], choice_ids: set[str]) -> None:
    if isinstance(ranking, str):
        raise InvalidValue(f"rankings[{rid!r}]", ranking, "a list of session ids, not a text")
    unknown = [s for s in ranking if s not in choice_ids]
    if unknown:
        raise InvalidValue(
            f"rankings[{rid!r}]",
            list(ranking),
            f"choice session ids (one of {sorted(choice_ids)})",
        )
    if len(set(ranking)) != len(ranking):
        raise InvalidValue(f"rankings[{rid!r}]", list(ranking), "each session once")


def _assign_slot(
    slot: ChoiceSlot, order: Sequence[str], preferences: Mapping[str, Sequence[str]]
) -> list[WorkshopPlacement]:
    """The exact placement of ``order`` (people by ticket, best first) in one slot."""
    people = len(order)
    sessions = slot.sessions
    places = [people if s.capacity is None else min(s.capacity, people) for s in sessions]
    if sum(places) < people:
        raise WorkshopCapacityError(slot.id, slot.session_ids, people, sum(places))
    if not people:
        return []
    slot_ids = set(slot.session_ids)
    unranked = len(sessions) + 1
    ranks = [
        {sid: position for position, sid in enumerate(_in_slot(preferences[rid], slot_ids), 1)}
        for rid in order
    ]
    chosen = _solve(ranks, [s.id for s in sessions], places, unranked)
    taken = Counter(chosen)
    placements = []
    for position, (rid, session_id) in enumerate(zip(order, chosen, strict=True)):
        rank = ranks[position].get(session_id)
        placements.append(
            WorkshopPlacement(
                registration_id=rid,
                slot=slot.id,
                session_id=session_id,
                rank=rank,
                lottery_position=position + 1,
                reason=_reason(
                    session_id, rank, ranks[position], slot, places, taken, position + 1
                ),
            )
        )
    return placements


def _in_slot(ranking: Sequence[str], slot_ids: set[str]) -> list[str]:
    return [sid for sid in ranking if sid in slot_ids]


def _solve(
    ranks: Sequence[Mapping[str, int]],
    session_ids: Sequence[str],
    places: Sequence[int],
    unranked: int,
) -> list[str]:
    """Each person's session: the minimum of ``rank * B + (N - position) * rank``."""
    import numpy as np  # noqa: PLC0415 - numpy is heavy; imported only to place people
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415 - scipy is heavy

    people = len(ranks)
    rank_matrix = np.array(
        [[r.get(sid, unranked) for sid in session_ids] for r in ranks], dtype=np.int64
    )
    weights = np.arange(people, 0, -1, dtype=np.int64)[:, None]  # N for the best ticket
    big = int(weights.sum()) * unranked + 1  # above any tie-break total
    cost = rank_matrix * big + weights * rank_matrix  # < 2**53: exact in float64
    columns = np.repeat(np.arange(len(session_ids)), places)
    rows, seats = linear_sum_assignment(cost[:, columns])
    chosen = [""] * people
    for row, seat in zip(rows.tolist(), seats.tolist(), strict=True):
        chosen[row] = session_ids[int(columns[seat])]
    return chosen


def _reason(  # noqa: PLR0917 - a private sentence builder
    session_id: str,
    rank: int | None,
    ranked: Mapping[str, int],
    slot: ChoiceSlot,
    places: Sequence[int],
    taken: Mapping[str, int],
    lottery_position: int,
) -> str:
    """Why this session: its rank, and that every session ranked better is full."""
    capacity = dict(zip(slot.session_ids, places, strict=True))
    better = sorted((r, sid) for sid, r in ranked.items() if rank is None or r < rank)
    what = f"{ordinal(rank)} choice" if rank is not None else "a session not ranked"
    text = f"{slot.id}: {session_id}, {what}"
    if better:
        full = "; ".join(
            f"{sid} ({ordinal(r)}) is full: {taken[sid]} of {capacity[sid]} places"
            for r, sid in better
        )
        text += f" ({full}; lottery position {lottery_position})"
    elif rank is None:
        text += " (ranked none of this slot's sessions: placed where places were left)"
    return text
