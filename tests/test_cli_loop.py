"""The command after the invites: invites --db, replies, withdraw, expire, send, publish.

Each drives ``ran-events`` as an organiser does, on a SQLite file and on a PostgreSQL
database (``db``: skipped without a server), and checks the store and what an SMTP server
on 127.0.0.1 received.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest
from tests.interop.readers import RadicaleClient
from tests.smtp_server import free_port, smtp_server
from tests.test_cli_applications import run
from tests.test_cli_workshops import applications as ranked_applications
from tests.workshop_events import WORKSHOPS_TOML

from ran_events import eventfile
from ran_events.cli import COMMANDS
from ran_events.delivery import (
    CALDAV_PASSWORD_VARIABLE,
    CALDAV_USER_VARIABLE,
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    resource_name,
)
from ran_events.examples import synthetic_applicants, webinar
from ran_events.ics import session_uid
from ran_events.intake import csv_text
from ran_events.models import Registration, RegistrationStatus
from ran_events.store import open_store

S = RegistrationStatus
EVENT = webinar()
AFTER = "2023-09-07T10:00+02:00"
"""After the webinar's registration deadline: the selection."""
REPLIED = "2023-09-09T12:00+00:00"
LAPSED = "2023-09-11T13:00+00:00"
"""More than 48 hours after REPLIED: the offers made then have lapsed."""


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    eventfile.dump(EVENT, path)
    return path


def selected_store(db: str, event_file: Path, folder: Path, n: int = 60, seed: int = 4) -> None:
    """Take in ``n`` applications and select among them in the store."""
    pool = folder / "applications.csv"
    pool.write_text(csv_text(synthetic_applicants(n, seed=seed, event=EVENT)), encoding="utf-8")
    assert run("applications", str(event_file), str(pool), "--db", db)[0] == 0
    status, _, err = run("select", str(event_file), "--db", db, "--now", AFTER)
    assert (status, err) == (0, "")


@pytest.fixture
def db(store_location: str, event_file: Path, tmp_path: Path) -> str:
    """A store (SQLite file, PostgreSQL) holding 60 applications to the webinar, selected."""
    selected_store(store_location, event_file, tmp_path)
    return store_location


@pytest.fixture
def invited(db: str, event_file: Path) -> str:
    """``db`` with the invites and decision e-mails queued."""
    assert run("invites", str(event_file), "--db", db, "--now", AFTER)[0] == 0
    return db


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (USER_VARIABLE, PASSWORD_VARIABLE, CALDAV_USER_VARIABLE, CALDAV_PASSWORD_VARIABLE):
        monkeypatch.delenv(name, raising=False)


def registrations(db: str) -> list[Registration]:
    with open_store(db) as store:
        return list(store.backend(EVENT.id))


def kinds(db: str, state: str | None = None) -> Counter[str]:
    with open_store(db) as store:
        return Counter(m.kind for m in store.messages(EVENT.id, state=state))


def reply_email(attendee: str, partstat: str, *, sender: str | None = None) -> bytes:
    """A reply as Gmail sends it: a base64 text/calendar part, From the attendee."""
    calendar = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nDTSTAMP:20230909T090000Z\r\n"
        f"UID:{session_uid(EVENT, 'plenary')}\r\nSEQUENCE:0\r\n"
        f"ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT={partstat}:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    return (
        f"From: <{sender or attendee}>\r\nTo: ran-practitioners@example.org\r\n"
        "Subject: Reply\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/calendar; charset=UTF-8; method=REPLY\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(calendar)


def write_reply(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def selected(db: str) -> list[Registration]:
    return sorted((r for r in registrations(db) if r.status is S.SELECTED), key=lambda r: r.id)


def test_the_loop_commands_are_registered() -> None:
    assert {"replies", "withdraw", "expire", "send", "publish"} <= set(COMMANDS)


# -- invites --db ----------------------------------------------------------------------------


def test_invites_queue_every_message_once(db: str, event_file: Path) -> None:
    status, out, err = run("invites", str(event_file), "--db", db, "--now", AFTER)
    assert (status, err) == (0, "")
    held = registrations(db)
    chosen = sum(r.status is S.SELECTED for r in held)
    others = sum(r.status in (S.WAITLISTED, S.REJECTED) for r in held)
    assert (chosen, chosen + others) == (30, 60)
    sessions = len(EVENT.sessions)
    assert kinds(db, "queued") == {"invitation": chosen * sessions, "decision": others}
    assert out.startswith(
        f"queued {chosen * sessions} invite(s) for {chosen} selected and {others} decision "
    )
    with open_store(db) as store:
        by_person = Counter(m.recipient for m in store.messages(EVENT.id))
        waiting = next(r for r in store.backend(EVENT.id) if r.status is S.WAITLISTED)
        (decision,) = [m for m in store.messages(EVENT.id) if m.registration_id == waiting.id]
    assert set(by_person.values()) == {1, sessions}
    body = email.message_from_bytes(decision.data, policy=email.policy.default)
    assert "waiting list" in str(body["Subject"]).lower()
    # a rerun (at another time) queues nothing new and says so
    status, out, _ = run("invites", str(event_file), "--db", db)
    assert status == 0
    assert out.startswith(f"nothing new to queue for {EVENT.id}")
    assert "60 decided registration(s) had their messages queued before" in out
    assert sum(kinds(db).values()) == chosen * sessions + others


def test_invites_before_a_selection_is_misuse(
    store_location: str, event_file: Path, tmp_path: Path
) -> None:
    pool = tmp_path / "applications.csv"
    pool.write_text(csv_text(synthetic_applicants(5, seed=1, event=EVENT)), encoding="utf-8")
    assert run("applications", str(event_file), str(pool), "--db", store_location)[0] == 0
    status, _, err = run("invites", str(event_file), "--db", store_location)
    assert status == 2
    assert f"nothing is selected for {EVENT.id} yet; run ran-events select" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("DECISIONS.csv", "--db", "x.sqlite"), "give DECISIONS and --out, or --db, not both"),
        (("DECISIONS.csv",), "--out DIR is required with DECISIONS"),
        ((), "give DECISIONS and --out DIR, or --db PATH_OR_URL"),
        (("--db", "DB", "--out", "folder"), "--out is for the file form"),
        (("--db", "DB", "--cancel"), "withdraw people with ran-events withdraw"),
    ],
)
def test_invites_takes_a_decisions_file_or_a_store(
    invited: str, event_file: Path, extra: tuple[str, ...], message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("RAN_EVENTS_DB", raising=False)
    argv = [invited if a == "DB" else a for a in extra]
    status, _, err = run("invites", str(event_file), *argv)
    assert status == 2
    assert message in err


def test_invites_give_each_person_only_their_stored_workshops(
    store_location: str, tmp_path: Path
) -> None:
    event_path = tmp_path / "families.toml"
    event_path.write_text(WORKSHOPS_TOML, encoding="utf-8")
    families = eventfile.load(event_path)
    pool = ranked_applications(tmp_path, [f"r{n:02}" for n in range(40)])
    db, now = store_location, "2024-04-02T10:00+02:00"
    assert run("applications", str(event_path), str(pool), "--db", db)[0] == 0
    assert run("select", str(event_path), "--db", db, "--seed", "3", "--now", now)[0] == 0
    status, _, err = run("invites", families.id, "--db", db, "--now", now, "--groups", "x.csv")
    assert status == 1  # nothing queued before the rooms can be read
    assert "x.csv: cannot read" in err
    assert run("workshops", families.id, "--db", db, "--seed", "7", "--now", now)[0] == 0
    status, out, err = run("invites", families.id, "--db", db, "--now", now)
    assert (status, err) == (0, "")
    with open_store(db) as store:
        rooms: dict[str, set[str]] = {}
        for row in store.assignments(families.id):
            rooms.setdefault(row.registration_id, set()).add(row.session_id)
        invited: dict[str, set[str | None]] = {}
        for message in store.messages(families.id):
            assert message.registration_id is not None
            invited.setdefault(message.registration_id, set()).add(message.uid)
    shared = {session_uid(families, s) for s in families.sessions} - {
        session_uid(families, s) for s in families.parallel_sessions
    }
    assert shared
    assert len(invited) == 40
    for rid, uids in invited.items():
        assert uids == shared | {session_uid(families, s) for s in rooms[rid]}
    assert out.startswith(f"queued {sum(len(u) for u in invited.values())} invite(s) for 40 ")


# -- replies ---------------------------------------------------------------------------------


def test_a_declining_reply_offers_the_place_on(
    invited: str, event_file: Path, tmp_path: Path
) -> None:
    first, second = selected(invited)[:2]
    files = [
        write_reply(tmp_path, "decline.eml", reply_email(first.email, "DECLINED")),
        write_reply(tmp_path, "accept.eml", reply_email(second.email, "ACCEPTED")),
    ]
    status, out, err = run(
        "replies", str(event_file), "--db", invited, *map(str, files), "--now", REPLIED
    )
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{files[0]}: {first.email} DECLINED: declined: {first.id}: declined"
    )
    assert "; place offered to " in lines[0]
    assert "until 2023-09-11T12:00:00+00:00" in lines[0]
    assert lines[1] == f"{files[1]}: {second.email} ACCEPTED: confirmed: {second.id}: confirmed"
    assert lines[-1] == "2 file(s), 2 answer(s): 2 applied, 0 file(s) refused"
    by_id = {r.id: r.status for r in registrations(invited)}
    assert (by_id[first.id], by_id[second.id]) == (S.DECLINED, S.CONFIRMED)
    assert kinds(invited, "queued")["offer"] == 1
    assert kinds(invited, "queued")["cancellation"] == len(EVENT.sessions) - 1
    # the same files again: nothing changes, and that is no error
    status, out, _ = run("replies", str(event_file), "--db", invited, *map(str, files))
    assert status == 0
    assert out.count("nothing changed: duplicate: this reply was applied before") == 2


def test_refused_and_unreadable_replies_change_nothing(
    invited: str, event_file: Path, tmp_path: Path
) -> None:
    victim = selected(invited)[0]
    forged = write_reply(
        tmp_path, "forged.eml", reply_email(victim.email, "DECLINED", sender="mallory@example.com")
    )
    broken = write_reply(
        tmp_path, "broken.eml", b"From: a@example.org\r\n\r\nno calendar here\r\n"
    )
    missing = tmp_path / "missing.eml"
    before = kinds(invited)
    status, out, err = run(
        "replies", str(event_file), "--db", invited, str(forged), str(broken), str(missing)
    )
    assert status == 1
    assert f"{forged}: {victim.email} DECLINED: nothing changed: spoofed: sent by mallory" in out
    assert out.splitlines()[-1] == "3 file(s), 1 answer(s): 0 applied, 3 file(s) refused"
    errors = err.splitlines()
    assert errors[0].startswith(f"{broken}: ")
    assert errors[0].endswith("; nothing applied")
    assert errors[1].startswith(f"{missing}: cannot read: ")
    assert {r.id: r.status for r in registrations(invited)}[victim.id] is S.SELECTED
    assert kinds(invited) == before


# -- withdraw and expire ---------------------------------------------------------------------


def test_withdraw_by_hand_cancels_and_promotes(invited: str, event_file: Path) -> None:
    person = selected(invited)[0]
    shouted = person.email.upper()
    status, out, err = run(
        "withdraw", str(event_file), "--db", invited, shouted, "--now", REPLIED,
        "--reason", "phoned: ill",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.startswith(f"withdrawn: {person.id}: withdrawn; place offered to ")
    (after,) = [r for r in registrations(invited) if r.id == person.id]
    assert after.status is S.WITHDRAWN
    assert (after.history[-1].reason, after.history[-1].by) == (
        "phoned: ill",
        "ran-events withdraw",
    )
    assert kinds(invited, "queued")["cancellation"] == len(EVENT.sessions)
    assert kinds(invited, "queued")["offer"] == 1
    status, _, err = run("withdraw", str(event_file), "--db", invited, person.email)
    assert status == 1
    assert f"EMAIL: registration {person.id} is withdrawn; only a submitted" in err
    status, _, err = run("withdraw", str(event_file), "--db", invited, "nobody@example.org")
    assert status == 1
    assert "holds no registration of this address" in err


def test_expire_passes_lapsed_offers_on(invited: str, event_file: Path) -> None:
    first = selected(invited)[0]
    assert run("withdraw", EVENT.id, "--db", invited, first.email, "--now", REPLIED)[0] == 0
    status, out, _ = run("expire", EVENT.id, "--db", invited, "--now", "2023-09-10T12:00Z")
    assert status == 0
    assert out == f"no offer(s) of {EVENT.id} lapsed by 2023-09-10T12:00:00+00:00; 1 open\n"
    status, out, _ = run(
        "expire", EVENT.id, "--db", invited, "--now", LAPSED, "--offer-hours", "24"
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("expired: ")
    assert "lapsed (no answer); place offered to " in lines[0]
    assert "until 2023-09-12T13:00:00+00:00" in lines[0]
    assert lines[1] == f"1 offer(s) of {EVENT.id} lapsed by 2023-09-11T13:00:00+00:00; 1 open"


def test_offer_hours_must_be_a_positive_number(
    invited: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = run("expire", EVENT.id, "--db", invited, "--offer-hours", "0")
    assert status == 2
    assert "'0' is not a positive whole number of hours" in capsys.readouterr().err


# -- send ------------------------------------------------------------------------------------


def test_send_delivers_what_is_queued_once(invited: str) -> None:
    queued = sum(kinds(invited, "queued").values())
    with smtp_server() as server:
        url = f"smtp://127.0.0.1:{server.port}"
        status, out, err = run("send", EVENT.id, "--db", invited, "--smtp", url, "--dry-run")
        assert (status, err) == (0, "")
        assert len(out.splitlines()) == queued + 1
        assert out.splitlines()[-1].startswith(f"would send {queued} queued message(s)")
        assert server.received == []
        status, out, err = run(
            "send", EVENT.id, "--db", invited, "--smtp", url, "--from", "Bounce@Example.org",
            "--rate", "100000",
        )  # fmt: skip
        assert (status, err) == (0, "")
        assert out.startswith(f"sent {queued} message(s) of {EVENT.id} to 127.0.0.1:")
        status, out, _ = run("send", EVENT.id, "--db", invited, "--smtp", url)
        assert (status, out) == (0, f"nothing queued for {EVENT.id} in {invited}: nothing sent\n")
    assert len(server.received) == queued
    assert {m.sender for m in server.received} == {"bounce@example.org"}
    assert kinds(invited, "queued") == Counter()


def test_send_reports_refused_recipients(invited: str) -> None:
    person = selected(invited)[0]
    with smtp_server() as server:
        server.refuse[person.email] = "550 5.1.1 no such mailbox"
        status, out, err = run(
            "send", EVENT.id, "--db", invited, "--smtp", f"smtp://127.0.0.1:{server.port}"
        )
    assert status == 1
    assert f"to {person.email}: refused for good: 550" in err
    assert f"; 0 left queued for the next run, {len(EVENT.sessions)} refused for good" in out
    assert kinds(invited, "failed") == {"invitation": len(EVENT.sessions)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--smtp", "http://mail.example.org"), "give smtp://HOST[:PORT] or smtps://HOST[:PORT]"),
        (("--smtp", "smtp://mail.example.org:99999"), "the port is not a number"),
        (("--smtp", "smtp://me:secret@mail.example.org"), "credentials come from"),
        (("--smtp", "smtp://x", "--rate", "0"), "'0' is not a positive number of messages"),
        (("--smtp", "smtp://x", "--rate", "many"), "'many' is not a positive number"),
        (("--smtp", "smtp://x", "--ssl", "--starttls"), "not allowed with argument"),
        (("--smtp", "smtp://mail.example.org"), "would not be encrypted; add --starttls or --ssl"),
    ],
)
def test_send_misuse(
    invited: str,
    options: tuple[str, ...],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(USER_VARIABLE, "ran")
    monkeypatch.setenv(PASSWORD_VARIABLE, "secret")
    status, _, err = run("send", EVENT.id, "--db", invited, *options)
    err += capsys.readouterr().err  # argparse's own messages
    assert status == 2
    assert message in err
    assert "secret" not in err


def test_send_checks_the_sender(invited: str) -> None:
    status, _, err = run(
        "send", EVENT.id, "--db", invited, "--smtp", "smtp://127.0.0.1:25", "--from", "nobody"
    )
    assert status == 1
    assert err.startswith("ran-events send: --from: ")


def test_an_unreachable_server_leaves_everything_queued(invited: str) -> None:
    url = f"smtps://127.0.0.1:{free_port()}"
    before = kinds(invited, "queued")
    status, _, err = run("send", EVENT.id, "--db", invited, "--smtp", url)
    assert status == 1
    assert "cannot be reached" in err
    assert kinds(invited, "queued") == before


# -- publish ---------------------------------------------------------------------------------


@pytest.mark.interop
def test_publish_puts_each_session_into_the_calendar(
    radicale: RadicaleClient, event_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CALDAV_USER_VARIABLE, "interop")
    monkeypatch.setenv(CALDAV_PASSWORD_VARIABLE, "x")
    url = f"http://127.0.0.1:{radicale.port}/interop/ran/"
    status, out, err = run("publish", str(event_file), "--caldav", url, "--now", AFTER)
    assert (status, err) == (0, "")
    assert out == (
        f"made the collection and stored {len(EVENT.sessions)} session(s) of {EVENT.id} at "
        f"{url}; deleted 0\n"
    )
    for session in EVENT.sessions:
        stored = radicale.get("ran/" + resource_name(session_uid(EVENT, session)))
        assert stored is not None


def test_publish_needs_an_http_url(event_file: Path) -> None:
    status, _, err = run("publish", str(event_file), "--caldav", "ftp://example.org/cal/")
    assert status == 2
    assert "give the collection's http(s):// URL" in err


def test_publish_reads_the_event_from_a_store(db: str) -> None:
    status, _, err = run("publish", "no-such-event", "--db", db, "--caldav", "http://x/")
    assert status == 1
    assert f"the store holds no event 'no-such-event' (events held: {EVENT.id})" in err


# -- the whole loop, through the command -----------------------------------------------------


@pytest.mark.slow
def test_declines_expiry_and_delivery_through_the_command(
    event_file: Path, tmp_path: Path
) -> None:
    """400 applications for 30 places with quotas (prison >= 4, police <= 8, at most 2 per
    organisation); 5 selected decline by e-mail; after replies, expire and send exactly 30
    hold a place or an open offer, the quotas hold, and the server got each logged message
    once."""
    db = str(tmp_path / "ran.sqlite")
    selected_store(db, event_file, tmp_path, n=400, seed=11)
    assert run("invites", str(event_file), "--db", db, "--now", AFTER)[0] == 0
    decliners = selected(db)[:5]
    files = [
        write_reply(tmp_path, f"reply-{n}.eml", reply_email(r.email, "DECLINED"))
        for n, r in enumerate(decliners)
    ]
    status, out, err = run("replies", EVENT.id, "--db", db, *map(str, files), "--now", REPLIED)
    assert (status, err) == (0, "")
    assert out.count("; place offered to ") == 5
    with open_store(db) as store:
        first_offers = {o.registration_id for o in store.offers(EVENT.id)}
    assert len(first_offers) == 5
    status, out, err = run("expire", EVENT.id, "--db", db, "--now", LAPSED)
    assert (status, err) == (0, "")
    assert (
        out.splitlines()[-1]
        == f"5 offer(s) of {EVENT.id} lapsed by 2023-09-11T13:00:00+00:00; 5 open"
    )
    with smtp_server() as server:
        url = f"smtp://127.0.0.1:{server.port}"
        status, out, err = run("send", EVENT.id, "--db", db, "--smtp", url)
        assert (status, err) == (0, "")
        again = run("send", EVENT.id, "--db", db, "--smtp", url)
    assert again[0] == 0
    assert "nothing sent" in again[1]

    held = registrations(db)
    holding = [r for r in held if r.status in (S.SELECTED, S.CONFIRMED)]
    with open_store(db) as store:
        open_offers = {
            o.registration_id
            for o in store.offers(EVENT.id, open_at=dt.datetime(2023, 9, 11, 14, 0, tzinfo=dt.UTC))
        }
        logged: dict[str, Counter[str]] = {}
        for message in store.messages(EVENT.id):
            assert message.state == "sent"
            logged.setdefault(message.recipient, Counter())[message.message_id] += 1
    assert len(holding) == 30
    assert len(open_offers) == 5
    assert open_offers.isdisjoint(first_offers)
    assert open_offers <= {r.id for r in holding}
    assert {r.id for r in decliners}.isdisjoint(r.id for r in holding)
    roles = Counter(r.registrant.role for r in holding)
    assert roles["prison"] >= 4
    assert roles["police"] <= 8
    assert max(Counter(r.registrant.organisation for r in holding).values()) <= 2
    received: dict[str, Counter[str]] = {}
    for item in server.received:
        parsed = email.message_from_bytes(item.data, policy=email.policy.default)
        assert parsed.defects == []
        assert all(part.defects == [] for part in parsed.walk())
        (recipient,) = item.recipients
        received.setdefault(recipient, Counter())[str(parsed["Message-ID"])] += 1
    assert received == logged
    assert len(received) == 400
    assert kinds(db, "sent")["offer"] == 10
    assert kinds(db, "sent")["decision"] == 370


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_credentials_may_go_in_the_clear_only_to_this_machine(
    invited: str, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(USER_VARIABLE, "ran")
    monkeypatch.setenv(PASSWORD_VARIABLE, "secret")
    with smtp_server() as server:  # offers no AUTH: the log-in is tried, and refused
        status, _, err = run(
            "send", EVENT.id, "--db", invited, "--smtp", f"smtp://{host}:{server.port}"
        )
    assert status == 1
    assert "would not be encrypted" not in err
    assert err.startswith("ran-events send: ")
    assert server.received == []


def test_publish_to_a_server_that_does_not_answer(event_file: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/cal/"
    status, _, err = run("publish", str(event_file), "--caldav", url)
    assert status == 1
    assert err.startswith("ran-events publish: ")
    assert "127.0.0.1" in err


def test_a_library_selection_given_withdrawn_registrations_still_offers_places_on() -> None:
    """The library's callers may give a selection every registration, withdrawn ones too
    (the command gives only the undecided): a decline still offers the place on."""
    from tests.reply_loop import SELECTED_AT, Loop, new_store, queue_invites

    from ran_events.replies import apply_reply
    from ran_events.selection import record_text, select

    store = new_store()
    book = store.book(EVENT)
    for person in synthetic_applicants(60, seed=4, event=EVENT):
        book.add(person)
    gone = next(iter(book))
    book.transition(gone.id, "withdrawn", at=SELECTED_AT, reason="changed plans", by="me")
    result = select(EVENT, list(book), now=SELECTED_AT)
    backend = store.backend(EVENT.id)
    for registration in result.registrations:
        if registration.status is not S.WITHDRAWN:
            backend.replace_status(registration.id, registration, expected=S.SUBMITTED)
    store.add_selection(
        EVENT.id, record_text(result.record), at=SELECTED_AT, seed=None, policy="lottery"
    )
    chosen = [r for r in result.registrations if r.status is S.SELECTED]
    for registration in chosen:
        queue_invites(store, EVENT, registration, now=SELECTED_AT)
    loop = Loop(store=store, event=EVENT, result=result)
    outcome = apply_reply(
        store, EVENT, loop.reply(chosen[0].id, "DECLINED"), now=SELECTED_AT + dt.timedelta(days=1)
    )
    assert outcome.code == "declined"
    assert len(outcome.promoted) == 1
