"""The whole loop after the invites: replies by e-mail, lapsed offers, delivery by SMTP.

400 applications for the webinar's 30 places (quotas: prison >= 4, police <= 8; at most 2
per organisation); 5 selected people decline by e-mail; the offers made to the waiting list
lapse and pass on; everything queued is sent to a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest
from tests.reply_loop import SELECTED_AT, after_invites
from tests.smtp_server import smtp_server

from ran_events.delivery import SmtpSettings, send_queued
from ran_events.ics import session_uid
from ran_events.models import RegistrationStatus
from ran_events.replies import apply_replies, expire, read_reply_files
from ran_events.selection import Outcome

S = RegistrationStatus
REPLIED = SELECTED_AT + dt.timedelta(days=1)


def _reply_email(attendee: str, uid: str) -> bytes:
    calendar = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nDTSTAMP:20230909T090000Z\r\n"
        f"UID:{uid}\r\nSEQUENCE:0\r\n"
        f"ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=DECLINED:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    return (
        f"From: <{attendee}>\r\nTo: ran-practitioners@example.org\r\nSubject: Declined\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(calendar)


@pytest.mark.slow
def test_declines_expiry_and_delivery_keep_30_places_and_the_quotas(tmp_path: Path) -> None:
    loop = after_invites(400, seed=11)
    event, store = loop.event, loop.store
    assert event.capacity == 30
    selected = [d.registration_id for d in loop.result.decisions if d.outcome is Outcome.SELECTED]
    assert len(selected) == 30
    # five selected people decline by e-mail; everyone else selected accepts
    decliners = selected[:5]
    files = []
    for rid in decliners:
        path = tmp_path / f"{rid}.eml"
        path.write_bytes(_reply_email(loop.registration(rid).email, session_uid(event, "plenary")))
        files.append(path)
    read = read_reply_files(files)
    assert read.refused == ()
    outcomes = apply_replies(store, event, read.replies, now=REPLIED)
    assert [o.code for o in outcomes] == ["declined"] * 5
    first_offers = [p for o in outcomes for p in o.promoted]
    assert len(first_offers) == 5
    accepted = [loop.reply(rid, "ACCEPTED") for rid in selected[5:]]
    assert {o.code for o in apply_replies(store, event, accepted, now=REPLIED)} == {"confirmed"}
    # nobody answers the offers: they lapse after 48 h and pass on
    lapsed = expire(store, event, REPLIED + dt.timedelta(hours=48))
    assert len(lapsed) == 5
    second_offers = [p for o in lapsed for p in o.promoted]
    assert len(second_offers) == 5
    assert set(second_offers).isdisjoint(first_offers)

    holding = loop.with_status(S.SELECTED) + loop.with_status(S.CONFIRMED)
    now = REPLIED + dt.timedelta(hours=49)
    open_offers = {o.registration_id for o in store.offers(event.id, open_at=now)}
    assert len(holding) == 30
    assert open_offers == set(second_offers) == {r.id for r in holding if r.status is S.SELECTED}
    roles = Counter(r.registrant.role for r in holding)
    assert roles["prison"] >= 4
    assert roles["police"] <= 8
    assert max(Counter(r.registrant.organisation for r in holding).values()) <= 2

    with smtp_server() as server:
        report = send_queued(
            store,
            event.id,
            smtp=SmtpSettings(host="127.0.0.1", port=server.port, security="none"),
            now=lambda: now,
            environ={},
        )
        again = send_queued(
            store,
            event.id,
            smtp=SmtpSettings(host="127.0.0.1", port=server.port, security="none"),
            now=lambda: now,
            environ={},
        )
    assert again.sent == ()
    assert report.undelivered == ()
    logged: dict[str, Counter[str]] = {}
    for message in store.messages(event.id):
        assert message.state == "sent"
        logged.setdefault(message.recipient, Counter())[message.message_id] += 1
    received: dict[str, Counter[str]] = {}
    for item in server.received:
        parsed = email.message_from_bytes(item.data, policy=email.policy.default)
        assert parsed.defects == []
        assert all(part.defects == [] for part in parsed.walk())
        (recipient,) = item.recipients
        received.setdefault(recipient, Counter())[str(parsed["Message-ID"])] += 1
    assert received == logged
    assert len(received) == 400
