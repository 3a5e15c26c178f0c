"""Applying replies, withdrawals and lapsed offers to the store (the reply loop)."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from tests.reply_loop import SELECTED_AT, Loop, after_invites, queue_invites

import ran_events.replies._apply as apply_module
from ran_events import examples
from ran_events.errors import ConcurrentChange, IllegalTransition, NaiveDatetimeError
from ran_events.models import RegistrationStatus
from ran_events.replies import (
    PartStat,
    Refusal,
    apply_replies,
    apply_reply,
    expire,
    read_reply,
    withdraw,
)
from ran_events.selection import Outcome

S = RegistrationStatus
NOW = SELECTED_AT + dt.timedelta(days=2)


@pytest.fixture
def loop() -> Loop:
    return after_invites()


def _selected(loop: Loop) -> list[str]:
    return [d.registration_id for d in loop.result.decisions if d.outcome is Outcome.SELECTED]


def _waiting(loop: Loop) -> list[str]:
    waitlisted = [d for d in loop.result.decisions if d.outcome is Outcome.WAITLISTED]
    return [d.registration_id for d in sorted(waitlisted, key=lambda d: d.waitlist_position or 0)]


def _kinds(loop: Loop, registration_id: str) -> Counter[str]:
    return Counter(
        m.kind
        for m in loop.store.messages(loop.event.id)
        if m.registration_id == registration_id and m.queued_at > SELECTED_AT
    )


def _holding(loop: Loop) -> int:
    return len(loop.with_status(S.SELECTED)) + len(loop.with_status(S.CONFIRMED))


def test_accepted_confirms_with_the_reply_in_the_history(loop: Loop) -> None:
    rid = _selected(loop)[0]
    outcome = apply_reply(loop.store, loop.event, loop.reply(rid, "ACCEPTED"), now=NOW)
    assert (outcome.applied, outcome.code, outcome.registration_id) == (True, "confirmed", rid)
    registration = loop.registration(rid)
    assert registration.status is S.CONFIRMED
    assert registration.history[-1].by.startswith("reply ACCEPTED ran-mh-pcve-2023+plenary@")
    assert registration.history[-1].at == NOW
    # the same reply again changes nothing, reported as a duplicate
    again = apply_reply(loop.store, loop.event, loop.reply(rid, "ACCEPTED"), now=NOW)
    assert (again.applied, again.code) == (False, Refusal.DUPLICATE)
    # an acceptance of the other session: already confirmed
    other = apply_reply(
        loop.store, loop.event, loop.reply(rid, "ACCEPTED", session="cases"), now=NOW
    )
    assert (other.applied, other.code) == (False, "unchanged")


def test_declined_frees_the_place_for_the_first_admissible_on_the_waiting_list(
    loop: Loop,
) -> None:
    rid = _selected(loop)[0]
    before = _holding(loop)
    outcome = apply_reply(
        loop.store, loop.event, loop.reply(rid, "DECLINED"), now=NOW, offer_hours=24
    )
    assert outcome.applied
    assert outcome.code == "declined"
    assert loop.status(rid) is S.DECLINED
    assert loop.registration(rid).history[-1].by.startswith("reply DECLINED")
    (promoted,) = outcome.promoted
    assert promoted in _waiting(loop)
    assert loop.status(promoted) is S.SELECTED
    assert _holding(loop) == before
    # the promoted person: an offer until now + 24 h, the offer e-mail and the invites
    (offer,) = loop.store.offers(loop.event.id)
    assert (offer.registration_id, offer.deadline) == (promoted, NOW + dt.timedelta(hours=24))
    assert _kinds(loop, promoted) == Counter({"offer": 1, "invitation": 2})
    # the one who declined the plenary gets a CANCEL of the other session only
    assert _kinds(loop, rid) == Counter({"cancellation": 1})
    (cancellation,) = [m for m in loop.store.messages(loop.event.id) if m.kind == "cancellation"]
    assert cancellation.uid == "ran-mh-pcve-2023+cases@example.org"
    assert set(outcome.queued) == {
        m.message_id for m in loop.store.messages(loop.event.id) if m.queued_at == NOW
    }


def test_the_offer_email_says_until_when(loop: Loop) -> None:
    outcome = apply_reply(
        loop.store, loop.event, loop.reply(_selected(loop)[0], "DECLINED"), now=NOW
    )
    (offer,) = [
        m
        for m in loop.store.messages(loop.event.id)
        if m.kind == "offer" and m.registration_id == outcome.promoted[0]
    ]
    message = email.message_from_bytes(offer.data, policy=email.policy.default)
    assert message.defects == []
    text = message.get_content()
    assert "Please accept by Tue 12 Sep 2023, 11:00 CEST" in text  # 48 h, in Brussels time


def test_promotion_keeps_the_quotas(loop: Loop) -> None:
    # decline every selected prison officer: the prison quota (min 4) must still hold
    prison = [rid for rid in _selected(loop) if loop.registration(rid).registrant.role == "prison"]
    assert prison
    for rid in prison:
        apply_reply(loop.store, loop.event, loop.reply(rid, "DECLINED"), now=NOW)
    holding = loop.with_status(S.SELECTED) + loop.with_status(S.CONFIRMED)
    assert len(holding) == loop.event.capacity
    roles = Counter(r.registrant.role for r in holding)
    assert roles["prison"] >= 4
    assert roles["police"] <= 8
    organisations = Counter(r.registrant.organisation for r in holding)
    assert max(organisations.values()) <= 2


def test_a_promoted_person_accepts_and_the_offer_closes(loop: Loop) -> None:
    outcome = apply_reply(
        loop.store, loop.event, loop.reply(_selected(loop)[0], "DECLINED"), now=NOW
    )
    promoted = outcome.promoted[0]
    accepted = apply_reply(
        loop.store,
        loop.event,
        loop.reply(promoted, "ACCEPTED", minute=5),
        now=NOW + dt.timedelta(hours=1),
    )
    assert accepted.code == "confirmed"
    (offer,) = loop.store.offers(loop.event.id)
    assert offer.outcome == "accepted"


def test_refusals_change_nothing(loop: Loop) -> None:
    rid = _selected(loop)[0]
    waiting = _waiting(loop)[0]
    spoofed = apply_reply(
        loop.store,
        loop.event,
        loop.reply(rid, "DECLINED", from_address="mallory@evil.example"),
        now=NOW,
    )
    assert (spoofed.applied, spoofed.code) == (False, Refusal.SPOOFED)
    assert "mallory@evil.example" in spoofed.sentence
    not_invited = apply_reply(loop.store, loop.event, loop.reply(waiting, "ACCEPTED"), now=NOW)
    assert (not_invited.applied, not_invited.code) == (False, Refusal.NOT_INVITED)
    stranger = attrs.evolve(loop.reply(rid, "DECLINED"), attendee="x@nowhere.example")
    assert apply_reply(loop.store, loop.event, stranger, now=NOW).code == Refusal.NOT_INVITED
    unknown = attrs.evolve(loop.reply(rid, "DECLINED"), uid="other+plenary@example.org")
    assert apply_reply(loop.store, loop.event, unknown, now=NOW).code == Refusal.UNKNOWN_UID
    assert loop.status(rid) is S.SELECTED
    assert loop.status(waiting) is S.WAITLISTED
    assert [m for m in loop.store.messages(loop.event.id) if m.queued_at > SELECTED_AT] == []


def test_a_reply_to_an_older_sequence_is_stale() -> None:
    loop = after_invites()
    event = loop.event.revise()  # the invites of revision 1 go out
    rid = _selected(loop)[0]
    registration = loop.registration(rid)
    queue_invites(loop.store, event, registration, now=NOW)
    stale = apply_reply(loop.store, event, loop.reply(rid, "DECLINED", sequence=0), now=NOW)
    assert (stale.applied, stale.code) == (False, Refusal.STALE)
    assert "the latest sent is 1" in stale.sentence
    # Apple Calendar sends no SEQUENCE: not stale
    current = apply_reply(loop.store, event, loop.reply(rid, "DECLINED", sequence=None), now=NOW)
    assert current.applied


def test_tentative_is_recorded_and_changes_no_status(loop: Loop) -> None:
    rid = _selected(loop)[0]
    reply = loop.reply(rid, "TENTATIVE")
    outcome = apply_reply(loop.store, loop.event, reply, now=NOW)
    assert (outcome.applied, outcome.code) == (True, "tentative")
    registration = loop.registration(rid)
    assert registration.status is S.SELECTED
    last = registration.history[-1]
    assert (last.from_status, last.to_status) == (S.SELECTED, S.SELECTED)
    assert "treated as no answer" in last.reason


def test_delegation_is_a_decline_and_the_delegate_gets_nothing(loop: Loop) -> None:
    rid = _selected(loop)[0]
    reply = attrs.evolve(loop.reply(rid, "DELEGATED"), delegated_to=("colleague@prison.example",))
    outcome = apply_reply(loop.store, loop.event, reply, now=NOW)
    assert outcome.code == "declined"
    assert loop.status(rid) is S.DECLINED
    assert "delegated" in loop.registration(rid).history[-1].reason
    assert all(
        m.recipient != "colleague@prison.example" for m in loop.store.messages(loop.event.id)
    )


def test_a_confirmed_person_declining_later_is_withdrawn(loop: Loop) -> None:
    rid = _selected(loop)[0]
    apply_reply(loop.store, loop.event, loop.reply(rid, "ACCEPTED"), now=NOW)
    outcome = apply_reply(loop.store, loop.event, loop.reply(rid, "DECLINED", minute=9), now=NOW)
    assert outcome.code == "withdrawn"
    assert loop.status(rid) is S.WITHDRAWN
    assert len(outcome.promoted) == 1
    late = apply_reply(loop.store, loop.event, loop.reply(rid, "ACCEPTED", minute=20), now=NOW)
    assert (late.applied, late.code) == (False, Refusal.NO_PLACE)


def test_withdraw_by_hand_cancels_every_session_and_promotes(loop: Loop) -> None:
    rid = _selected(loop)[0]
    outcome = withdraw(loop.store, loop.event, rid, now=NOW)
    assert outcome.code == "withdrawn"
    assert loop.registration(rid).history[-1].by == "withdraw"
    assert _kinds(loop, rid) == Counter({"cancellation": 2})
    assert len(outcome.promoted) == 1
    with pytest.raises(IllegalTransition):
        withdraw(loop.store, loop.event, rid, now=NOW)
    with pytest.raises(NaiveDatetimeError):
        withdraw(loop.store, loop.event, _selected(loop)[1], now=dt.datetime(2023, 9, 10))


def test_a_waitlisted_person_withdrawing_frees_nothing(loop: Loop) -> None:
    waiting = _waiting(loop)[0]
    outcome = withdraw(loop.store, loop.event, waiting, now=NOW)
    assert (outcome.code, outcome.promoted, outcome.queued) == ("withdrawn", (), ())


def test_expire_ends_lapsed_offers_and_offers_the_place_on(loop: Loop) -> None:
    first = apply_reply(
        loop.store, loop.event, loop.reply(_selected(loop)[0], "DECLINED"), now=NOW
    )
    promoted = first.promoted[0]
    assert expire(loop.store, loop.event, NOW + dt.timedelta(hours=47)) == []
    later = NOW + dt.timedelta(hours=48)
    (outcome,) = expire(loop.store, loop.event, later)
    assert outcome.code == "expired"
    assert loop.status(promoted) is S.DECLINED
    assert loop.registration(promoted).history[-1].by == "expire"
    (next_one,) = outcome.promoted
    assert next_one != promoted
    assert loop.status(next_one) is S.SELECTED
    offers = loop.store.offers(loop.event.id)
    assert [(o.registration_id, o.outcome) for o in offers] == [
        (promoted, "expired"),
        (next_one, None),
    ]
    assert _kinds(loop, promoted) == Counter({"offer": 1, "invitation": 2, "cancellation": 2})
    # the lapsed offer can no longer be accepted: the invite was cancelled (SEQUENCE 1)
    late = apply_reply(
        loop.store, loop.event, loop.reply(promoted, "ACCEPTED", minute=3), now=later
    )
    assert late.code == Refusal.STALE
    undated = loop.reply(promoted, "ACCEPTED", minute=4, sequence=None)
    assert apply_reply(loop.store, loop.event, undated, now=later).code == Refusal.NO_PLACE
    assert loop.status(promoted) is S.DECLINED
    assert _holding(loop) == loop.event.capacity


def test_an_offer_past_its_deadline_cannot_be_accepted_before_expire_runs(loop: Loop) -> None:
    first = apply_reply(
        loop.store, loop.event, loop.reply(_selected(loop)[0], "DECLINED"), now=NOW
    )
    promoted = first.promoted[0]
    late = apply_reply(
        loop.store,
        loop.event,
        loop.reply(promoted, "ACCEPTED", minute=1),
        now=NOW + dt.timedelta(hours=49),
    )
    assert (late.applied, late.code) == (False, Refusal.NO_PLACE)
    assert "the offer lapsed" in late.sentence


def test_replies_read_from_files_apply(loop: Loop) -> None:
    rid = _selected(loop)[0]
    reply = loop.reply(rid, PartStat.DECLINED)
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{reply.uid}\r\nDTSTAMP:20230909T090000Z\r\nSEQUENCE:0\r\n"
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{reply.attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (outcome,) = apply_replies(loop.store, loop.event, [read_reply(text.encode())], now=NOW)
    assert outcome.code == "declined"


# -- a batch of replies (apply_replies) reads the store once: same outcomes as one by one


def _state(loop: Loop) -> tuple[object, ...]:
    """Everything the replies change: statuses and histories, offers, the message log."""
    registrations = [(r.id, r.status, r.history) for r in loop.store.backend(loop.event.id)]
    offers = [attrs.evolve(o, id=0) for o in loop.store.offers(loop.event.id)]
    messages = sorted(
        (m.registration_id or "", m.kind, m.uid or "", m.sequence or 0, m.queued_at)
        for m in loop.store.messages(loop.event.id)
    )
    return registrations, offers, messages


def _scenario(loop: Loop, name: str) -> list[tuple[str, str, str]]:
    """(registration, answer, session) in order, for a named batching edge."""
    chosen, waiting = _selected(loop), _waiting(loop)
    first, second, third = chosen[:3]
    scenarios = {
        # the same person answers both sessions, and the same reply comes twice
        "same-person": [
            (first, "ACCEPTED", "plenary"),
            (first, "ACCEPTED", "cases"),
            (first, "ACCEPTED", "plenary"),
        ],
        # a decline, then a later accept of the same person (no place left to accept)
        "decline-then-accept": [(first, "DECLINED", "plenary"), (first, "ACCEPTED", "cases")],
        # an accept, then a decline (a withdrawal that promotes); a tentative, then a decline
        "accept-then-decline": [
            (second, "ACCEPTED", "plenary"),
            (second, "DECLINED", "cases"),
            (third, "TENTATIVE", "plenary"),
            (third, "DECLINED", "plenary"),
        ],
        # declines promote the waiting list; the promoted answer in the same batch
        "promoted-answer": [
            (first, "DECLINED", "plenary"),
            (second, "DECLINED", "cases"),
            (waiting[0], "ACCEPTED", "plenary"),
            (waiting[1], "DECLINED", "plenary"),
            (waiting[2], "ACCEPTED", "cases"),
        ],
    }
    return scenarios[name]


@pytest.mark.parametrize("size", [500, 2])
@pytest.mark.parametrize(
    "name", ["same-person", "decline-then-accept", "accept-then-decline", "promoted-answer"]
)
def test_a_batch_gives_what_one_reply_at_a_time_gives(
    name: str, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply_module, "BATCH_SIZE", size)  # 2: a transaction ends inside a batch
    batched, single = after_invites(), after_invites()
    outcomes = []
    for rid, answer, session in _scenario(single, name):
        reply = single.reply(rid, answer, session=session)
        outcomes.append(apply_reply(single.store, single.event, reply, now=NOW))
    replies = [
        batched.reply(rid, answer, session=session)
        for rid, answer, session in _scenario(batched, name)
    ]
    assert apply_replies(batched.store, batched.event, replies, now=NOW) == outcomes
    assert _state(batched) == _state(single)
    assert any(o.applied for o in outcomes)


def test_a_batch_changes_only_its_own_event() -> None:
    first = after_invites()
    other_event = attrs.evolve(examples.webinar(), id="ran-other-2023")
    second = after_invites(event=other_event, store=first.store)
    # someone selected for both events (the same people applied to both)
    rid = next(r for r in _selected(first) if r in set(_selected(second)))
    before = _state(second)
    outcomes = apply_replies(
        first.store,
        first.event,
        [first.reply(rid, "DECLINED"), second.reply(rid, "ACCEPTED")],
        now=NOW,
    )
    assert [o.code for o in outcomes] == ["declined", Refusal.UNKNOWN_UID]
    assert first.status(rid) is S.DECLINED
    assert _state(second) == before
    # the other event's own batch still finds everything as it was
    again = apply_replies(second.store, second.event, [second.reply(rid, "ACCEPTED")], now=NOW)
    assert [o.code for o in again] == ["confirmed"]
    assert (first.status(rid), second.status(rid)) == (S.DECLINED, S.CONFIRMED)


def _change_behind(loop: Loop, rid: str) -> None:
    """Another process's change of ``rid`` (a write a batch under way does not see)."""
    backend = loop.store.backend(loop.event.id)
    current = backend.get(rid)
    to = S.WITHDRAWN if current.status is S.SELECTED else S.SELECTED
    changed = attrs.evolve(current, status=to)  # not a transition: any change will do
    backend.replace_status(rid, changed, expected=current.status)


def _meddle(loop: Loop, rid: str, *, on: set[int]) -> Callable[[], Any]:
    """``loop.store.transaction`` as it is, but before the calls numbered in ``on`` another
    process changes ``rid``."""
    real = loop.store.transaction
    calls = 0

    @contextlib.contextmanager
    def transaction() -> Iterator[None]:
        nonlocal calls
        calls += 1
        if calls in on:
            _change_behind(loop, rid)
        with real():
            yield

    return transaction


def test_a_batch_meeting_another_writers_change_is_applied_again_on_what_is_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apply_module, "BATCH_SIZE", 2)
    batched, single = after_invites(), after_invites()
    first, second, third, fourth = _selected(batched)[:4]
    answers = [
        (first, "ACCEPTED"),
        (second, "ACCEPTED"),
        (third, "ACCEPTED"),
        (fourth, "DECLINED"),
    ]
    # one at a time, with the other process's withdrawal of `third` after the first two
    outcomes = [
        apply_reply(single.store, single.event, single.reply(rid, answer), now=NOW)
        for rid, answer in answers[:2]
    ]
    _change_behind(single, third)
    outcomes += [
        apply_reply(single.store, single.event, single.reply(rid, answer), now=NOW)
        for rid, answer in answers[2:]
    ]
    # the batch read `third` as selected before its second transaction, which meets the change
    monkeypatch.setattr(batched.store, "transaction", _meddle(batched, third, on={2}))
    replies = [batched.reply(rid, answer) for rid, answer in answers]
    assert apply_replies(batched.store, batched.event, replies, now=NOW) == outcomes
    assert _state(batched) == _state(single)
    assert [o.applied for o in outcomes] == [True, True, False, True]
    assert batched.status(third) is S.WITHDRAWN


def test_a_batch_that_keeps_meeting_changes_raises_and_keeps_the_transactions_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apply_module, "BATCH_SIZE", 2)
    loop = after_invites()
    first, second, third, fourth = _selected(loop)[:4]
    real, tries = apply_module._apply, []

    def busy(store: Any, event: Any, reply: Any, **kwargs: Any) -> Any:
        # another process changes `third` each time its reply is applied, read anew or not
        if reply.attendee == loop.registration(third).email:
            tries.append(reply)
            raise ConcurrentChange(third, "selected", "withdrawn")
        return real(store, event, reply, **kwargs)

    monkeypatch.setattr(apply_module, "_apply", busy)
    replies = [loop.reply(rid, "ACCEPTED") for rid in (first, second, third, fourth)]
    with pytest.raises(ConcurrentChange):
        apply_replies(loop.store, loop.event, replies, now=NOW)
    assert len(tries) == apply_module.ATTEMPTS
    statuses = [loop.status(rid) for rid in (first, second, fourth)]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.SELECTED]  # the first transaction is kept
