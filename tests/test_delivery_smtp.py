"""Sending queued messages by SMTP to a real server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.reply_loop import new_store, queue_invites
from tests.smtp_server import Mailbox, self_signed, smtp_server

from ran_events import examples
from ran_events.delivery import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    SmtpSettings,
    queue_email,
    send_queued,
)
from ran_events.errors import DeliveryError, InvalidValue, SmtpUtf8Unsupported
from ran_events.ics import invite
from ran_events.imip import invitation_email
from ran_events.models import Registration

NOW = dt.datetime(2023, 9, 8, 9, 0, tzinfo=dt.UTC)
EVENT = examples.webinar()


def _selected(n: int) -> list[Registration]:
    people = examples.synthetic_applicants(n, seed=5, event=EVENT)
    return [r.transition("selected", at=NOW, reason="test", by="test") for r in people]


def _queue(log: object, people: list[Registration]) -> dict[str, list[str]]:
    """Queue every invite of ``people``; the Message-IDs per recipient."""
    log.put_event(EVENT, at=NOW)  # type: ignore[attr-defined]
    return {p.email: queue_invites(log, EVENT, p, now=NOW) for p in people}


@pytest.fixture
def server() -> Iterator[Mailbox]:
    with smtp_server() as mailbox:
        yield mailbox


def _settings(mailbox: Mailbox, **changes: object) -> SmtpSettings:
    base = SmtpSettings(host="127.0.0.1", port=mailbox.port, security="none", backoff=0.01)
    return attrs.evolve(base, **changes)


def _by_recipient(mailbox: Mailbox) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for received in mailbox.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        assert message.defects == []
        for part in message.walk():
            assert part.defects == []
        assert received.recipients == [str(message["To"].addresses[0].addr_spec)]
        found.setdefault(received.recipients[0], []).append(str(message["Message-ID"]))
    return found


def test_every_recipient_gets_exactly_their_messages_once(server: Mailbox) -> None:
    log = new_store()
    expected = _queue(log, _selected(12))
    pauses: list[float] = []
    report = send_queued(
        log, EVENT.id, smtp=_settings(server), now=lambda: NOW, sleep=pauses.append, environ={}
    )
    assert _by_recipient(server) == expected
    assert len(report.sent) == sum(len(v) for v in expected.values()) == 24
    assert {m.state for m in log.messages(EVENT.id)} == {"sent"}
    assert all(r.sender == EVENT.organiser.email for r in server.received)
    # a second run (as after a crash or a repeated command) sends nothing
    again = send_queued(log, EVENT.id, smtp=_settings(server), now=lambda: NOW, environ={})
    assert again.sent == ()
    assert len(server.received) == 24
    assert pauses == []


def test_a_rerun_after_an_interrupted_run_sends_only_the_rest(server: Mailbox) -> None:
    log = new_store()
    expected = _queue(log, _selected(6))
    first = log.messages(EVENT.id)[:5]
    for message in first:  # what the interrupted run got the server to accept
        log.mark_sent(message.message_id, at=NOW)
    report = send_queued(log, EVENT.id, smtp=_settings(server), now=lambda: NOW, environ={})
    assert len(report.sent) == 7
    received = Counter(mid for mids in _by_recipient(server).values() for mid in mids)
    assert set(received) == {mid for v in expected.values() for mid in v} - {
        m.message_id for m in first
    }
    assert set(received.values()) == {1}


def test_permanent_refusal_is_recorded_per_recipient_and_the_rest_is_sent(
    server: Mailbox,
) -> None:
    log = new_store()
    people = _selected(3)
    _queue(log, people)
    server.refuse[people[1].email] = "550 5.1.1 no such mailbox"
    report = send_queued(log, EVENT.id, smtp=_settings(server), now=lambda: NOW, environ={})
    assert len(report.sent) == 4
    assert [(u.recipient, u.permanent) for u in report.undelivered] == [
        (people[1].email, True),
        (people[1].email, True),
    ]
    assert "550 5.1.1 no such mailbox" in report.undelivered[0].error
    failed = log.messages(EVENT.id, state="failed")
    assert {m.recipient for m in failed} == {people[1].email}
    assert all("550" in m.last_error for m in failed)


def test_temporary_refusal_is_retried_with_backoff(server: Mailbox) -> None:
    log = new_store()
    people = _selected(1)
    _queue(log, people)
    server.busy[people[0].email] = 2
    pauses: list[float] = []
    report = send_queued(
        log,
        EVENT.id,
        smtp=_settings(server, backoff=1.5),
        now=lambda: NOW,
        sleep=pauses.append,
        environ={},
    )
    assert len(report.sent) == 2
    assert pauses == [1.5, 3.0]


def test_temporary_refusal_past_the_retries_stays_queued(server: Mailbox) -> None:
    log = new_store()
    people = _selected(1)
    _queue(log, people)
    server.busy[people[0].email] = 100
    report = send_queued(
        log,
        EVENT.id,
        smtp=_settings(server, retries=2),
        now=lambda: NOW,
        sleep=lambda _: None,
        environ={},
    )
    assert report.sent == ()
    assert [u.permanent for u in report.undelivered] == [False, False]
    queued = log.messages(EVENT.id, state="queued")
    assert len(queued) == 2
    assert all(m.attempts == 1 and "451" in m.last_error for m in queued)


def test_a_dropped_connection_is_reopened(server: Mailbox) -> None:
    log = new_store()
    people = _selected(2)
    expected = _queue(log, people)
    server.hang_up[people[0].email] = 1
    report = send_queued(
        log, EVENT.id, smtp=_settings(server), now=lambda: NOW, sleep=lambda _: None, environ={}
    )
    assert len(report.sent) == 4
    assert _by_recipient(server) == expected


def test_an_unreachable_server_leaves_everything_queued() -> None:
    log = new_store()
    _queue(log, _selected(1))
    with smtp_server() as mailbox:
        port = mailbox.port
    pauses: list[float] = []
    with pytest.raises(DeliveryError, match="cannot be reached after 3 retries"):
        send_queued(
            log,
            EVENT.id,
            smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", backoff=0.5),
            now=lambda: NOW,
            sleep=pauses.append,
            environ={},
        )
    assert pauses == [0.5, 1.0, 2.0]
    assert len(log.messages(EVENT.id, state="queued")) == 2


def test_the_rate_limit_spaces_the_messages(server: Mailbox) -> None:
    log = new_store()
    _queue(log, _selected(2))
    ticks = iter(float(t) for t in range(100))
    pauses: list[float] = []
    send_queued(
        log,
        EVENT.id,
        smtp=_settings(server),
        rate=6,  # one every 10 s
        now=lambda: NOW,
        clock=lambda: next(ticks),
        sleep=pauses.append,
        environ={},
    )
    assert pauses == [9.0, 9.0, 9.0]
    with pytest.raises(InvalidValue, match="rate"):
        send_queued(log, EVENT.id, smtp=_settings(server), rate=0)


def test_a_dry_run_lists_and_sends_nothing(server: Mailbox) -> None:
    log = new_store()
    expected = _queue(log, _selected(2))
    report = send_queued(log, EVENT.id, smtp=_settings(server), dry_run=True)
    assert sorted(p[0] for p in report.planned) == sorted(
        mid for mids in expected.values() for mid in mids
    )
    assert {p[2] for p in report.planned} == {"invitation"}
    assert server.received == []
    assert len(log.messages(EVENT.id, state="queued")) == 4


def _non_ascii(log: object) -> None:
    log.put_event(EVENT, at=NOW)  # type: ignore[attr-defined]
    log.queue_message(  # type: ignore[attr-defined]
        EVENT.id,
        message_id="<x@example.org>",
        recipient="zoë@example.org",
        kind="decision",
        data=b"From: ran-practitioners@example.org\r\nTo: zoe@example.org\r\n\r\nhello\r\n",
        at=NOW,
    )


def test_smtputf8_is_used_when_an_address_needs_it(server: Mailbox) -> None:
    log = new_store()
    _non_ascii(log)
    send_queued(log, EVENT.id, smtp=_settings(server), now=lambda: NOW, environ={})
    assert server.received[0].recipients == ["zoë@example.org"]
    assert "SMTPUTF8" in server.received[0].options


def test_smtputf8_missing_on_the_server_is_refused_before_sending() -> None:
    log = new_store()
    _queue(log, _selected(1))
    _non_ascii(log)
    with smtp_server(smtputf8=False) as mailbox:
        with pytest.raises(SmtpUtf8Unsupported, match=r"zoë@example\.org needs SMTPUTF8"):
            send_queued(log, EVENT.id, smtp=_settings(mailbox), now=lambda: NOW, environ={})
        assert mailbox.received == []
    assert len(log.messages(EVENT.id, state="queued")) == 3


def test_credentials_come_from_the_environment_only(server: Mailbox) -> None:
    log = new_store()
    _queue(log, _selected(1))
    with pytest.raises(DeliveryError, match=f"{PASSWORD_VARIABLE} is not set"):
        send_queued(log, EVENT.id, smtp=_settings(server), environ={USER_VARIABLE: "ran"})
    # the test server offers no AUTH: a login is refused with what to do
    with pytest.raises(DeliveryError, match="offers no login"):
        send_queued(
            log,
            EVENT.id,
            smtp=_settings(server),
            environ={USER_VARIABLE: "ran", PASSWORD_VARIABLE: "secret"},
        )
    assert server.received == []


def test_starttls_missing_on_the_server_is_refused(server: Mailbox) -> None:
    log = new_store()
    _queue(log, _selected(1))
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send_queued(log, EVENT.id, smtp=_settings(server, security="starttls"), environ={})
    assert server.received == []


def test_settings_refuse_bad_values() -> None:
    with pytest.raises(InvalidValue, match=r"smtp\.port"):
        SmtpSettings(host="h", port=0)
    with pytest.raises(InvalidValue, match=r"smtp\.security"):
        SmtpSettings(host="h", security="tls")  # type: ignore[arg-type]


def test_the_envelope_sender_can_be_set_and_is_needed_without_a_from(server: Mailbox) -> None:
    log = new_store()
    log.put_event(EVENT, at=NOW)
    log.queue_message(
        EVENT.id,
        message_id="<no-from@example.org>",
        recipient="ann@example.org",
        kind="decision",
        data=b"To: ann@example.org\r\nSubject: x\r\n\r\nhello\r\n",
        at=NOW,
    )
    with pytest.raises(DeliveryError, match="has no single From address"):
        send_queued(log, EVENT.id, smtp=_settings(server), environ={})
    bounces = _settings(server, envelope_from="bounces@example.org")
    send_queued(log, EVENT.id, smtp=bounces, now=lambda: NOW, environ={})
    assert [r.sender for r in server.received] == ["bounces@example.org"]


def test_a_refused_message_body_is_recorded_as_permanent(server: Mailbox) -> None:
    log = new_store()
    _queue(log, _selected(1))
    server.refuse_data = "554 5.6.0 message refused"
    report = send_queued(log, EVENT.id, smtp=_settings(server), now=lambda: NOW, environ={})
    assert [(u.permanent, u.error) for u in report.undelivered] == [
        (True, "554 5.6.0 message refused")
    ] * 2
    assert len(log.messages(EVENT.id, state="failed")) == 2


def _login(expected: tuple[bytes, bytes]) -> Any:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        return AuthResult(success=(auth.login, auth.password) == expected)

    return authenticate


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_login_uses_the_credentials_of_the_environment() -> None:
    log = new_store()
    _queue(log, _selected(1))
    with smtp_server(
        authenticator=_login((b"ran", b"s3cret")), auth_require_tls=False, auth_required=True
    ) as mailbox:
        right = {USER_VARIABLE: "ran", PASSWORD_VARIABLE: "s3cret"}
        report = send_queued(
            log, EVENT.id, smtp=_settings(mailbox), now=lambda: NOW, environ=right
        )
        assert len(report.sent) == len(mailbox.received) == 2


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_starttls_and_implicit_tls_check_the_certificate(security: str, tmp_path: Path) -> None:
    server_context, client_context = self_signed(tmp_path)
    log = new_store()
    _queue(log, _selected(1))
    if security == "ssl":
        running = smtp_server(ssl_context=server_context)
    else:
        running = smtp_server(tls_context=server_context, require_starttls=True)
    with running as mailbox:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=mailbox.port,
            security=security,
            ssl_context=client_context,  # type: ignore[arg-type]
        )
        # the default context does not trust the self-signed certificate: refused, kept queued
        with pytest.raises(DeliveryError, match="cannot be reached"):
            send_queued(
                log,
                EVENT.id,
                smtp=attrs.evolve(settings, ssl_context=None, retries=0),
                environ={},
            )
        report = send_queued(log, EVENT.id, smtp=settings, now=lambda: NOW, environ={})
        assert len(report.sent) == len(mailbox.received) == 2


def test_an_unreachable_server_with_an_address_needing_smtputf8_is_retried_first() -> None:
    log = new_store()
    _non_ascii(log)
    with smtp_server() as mailbox:
        port = mailbox.port
    with pytest.raises(DeliveryError, match="cannot be reached"):
        send_queued(
            log,
            EVENT.id,
            smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", retries=1),
            now=lambda: NOW,
            sleep=lambda _: None,
            environ={},
        )
    assert len(log.messages(EVENT.id, state="queued")) == 1


def test_queue_email_logs_the_message_once_with_its_calendar_object() -> None:
    store = new_store()
    store.put_event(EVENT, at=NOW)
    person = _selected(1)[0]
    calendar = invite(EVENT, person, now=NOW)[0]
    message = invitation_email(EVENT, person, calendar)
    first = queue_email(
        store, EVENT.id, person, message, kind="invitation", at=NOW, uid=calendar.uid, sequence=0
    )
    later = NOW + dt.timedelta(hours=1)
    again = queue_email(store, EVENT.id, person, message, kind="invitation", at=later)
    assert again == first  # by Message-ID: the first is kept
    (logged,) = store.messages(EVENT.id, state="queued")
    assert (logged.message_id, logged.recipient, logged.registration_id) == (
        str(message["Message-ID"]),
        person.email,
        person.id,
    )
    assert (logged.kind, logged.uid, logged.sequence, logged.queued_at) == (
        "invitation",
        calendar.uid,
        0,
        NOW,
    )
    assert logged.data == message.as_bytes()
