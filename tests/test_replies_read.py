"""Reading iTIP replies from the files calendar programs send (tests/data/replies)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ran_events.errors import IcsError, ReplyError
from ran_events.ics import replies_from_ics
from ran_events.replies import PartStat, Reply, read_replies, read_reply, read_reply_files

DATA = Path(__file__).parent / "data" / "replies"
PLENARY = "ran-mh-pcve-2023+plenary@example.org"
CASES = "ran-mh-pcve-2023+cases@example.org"


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "outlook-accepted.eml",
            Reply(
                uid=PLENARY,
                sequence=0,
                attendee="lea.garcia@prison-service.example",
                partstat=PartStat.ACCEPTED,
                comment="Looking forward to it.\n",
                dtstamp=_utc(2023, 9, 11, 8, 30, 12),
                from_address="lea.garcia@prison-service.example",
            ),
        ),
        (
            "gmail-declined.eml",
            Reply(
                uid=PLENARY,
                sequence=0,
                attendee="tomas.novak.youth@gmail.example",
                partstat=PartStat.DECLINED,
                comment="Sorry, I have a court hearing that afternoon.",
                dtstamp=_utc(2023, 9, 12, 14, 15, 3),
                from_address="tomas.novak.youth@gmail.example",
            ),
        ),
        (
            "apple-accepted.eml",
            Reply(
                uid=PLENARY,
                sequence=None,
                attendee="zoe.muller@jugendamt.example",
                partstat=PartStat.ACCEPTED,
                dtstamp=_utc(2023, 9, 13, 6, 15, 44),
                from_address="zoe.muller@jugendamt.example",
            ),
        ),
        (
            "thunderbird-tentative.eml",
            Reply(
                uid=CASES,
                sequence=1,
                attendee="jerome.lefevre@police.example",
                partstat=PartStat.TENTATIVE,
                comment="Je dois confirmer avec mon équipe d’ici vendredi.",
                dtstamp=_utc(2023, 9, 14, 10, 11, 22),
                from_address="jerome.lefevre@police.example",
            ),
        ),
        (
            "outlook-delegated.ics",
            Reply(
                uid=PLENARY,
                sequence=0,
                attendee="per.lindqvist@exit-sweden.example",
                partstat=PartStat.DELEGATED,
                delegated_to=("anna.berg@exit-sweden.example",),
                dtstamp=_utc(2023, 9, 15, 9, 10),
            ),
        ),
        (
            "declined.ics",
            Reply(
                uid=PLENARY,
                sequence=0,
                attendee="amina.haddad@community.example",
                partstat=PartStat.DECLINED,
                dtstamp=_utc(2023, 9, 16, 7, 0),
            ),
        ),
    ],
)
def test_each_client_shape_is_read(name: str, expected: Reply) -> None:
    path = DATA / name
    reply = read_reply(path)
    assert reply == attrs.evolve(expected, source=str(path))
    # the octets give the same answer, from "<bytes>"
    assert read_reply(path.read_bytes()) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-request-not-reply.ics", "METHOD 'REQUEST': not a reply"),
        ("bad-needs-action.ics", "has PARTSTAT NEEDS-ACTION; expected ACCEPTED"),
        ("bad-no-attendee.ics", "has no ATTENDEE"),
        ("bad-sequence.ics", "SEQUENCE 'first' is not a number"),
        ("bad-no-calendar.eml", "neither an iCalendar object nor an e-mail with a text/calendar"),
    ],
)
def test_a_malformed_reply_names_file_and_fault(name: str, reason: str) -> None:
    path = DATA / name
    with pytest.raises(ReplyError) as raised:
        read_reply(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert reason in str(raised.value)
    assert raised.value.source == str(path)
    assert isinstance(raised.value, IcsError)
    assert isinstance(raised.value, ValueError)


def test_reading_many_files_reports_every_refused_one(tmp_path: Path) -> None:
    names = sorted(p.name for p in DATA.iterdir())
    report = read_reply_files([*(DATA / n for n in names), tmp_path / "missing.eml"])
    assert len(report.replies) == 6
    refused = [getattr(e, "source", None) or getattr(e, "filename", None) for e in report.refused]
    assert sorted(Path(str(r)).name for r in refused) == sorted(
        [*(n for n in names if n.startswith("bad-")), "missing.eml"]
    )


_REPLY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REPLY\r\n{events}"
    "END:VCALENDAR\r\n"
)
_EVENT = "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20230916T070000Z\r\n{lines}END:VEVENT\r\n"


def _calendar(*events: tuple[str, str]) -> str:
    return _REPLY.format(events="".join(_EVENT.format(uid=u, lines=x) for u, x in events))


def test_several_answers_are_read_by_read_replies_and_refused_by_read_reply() -> None:
    text = _calendar(
        (PLENARY, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"),
        (CASES, "ATTENDEE;PARTSTAT=DECLINED:mailto:a@b.example\r\n"),
    )
    replies = read_replies(text.encode())
    assert [(r.uid, r.partstat) for r in replies] == [
        (PLENARY, PartStat.ACCEPTED),
        (CASES, PartStat.DECLINED),
    ]
    with pytest.raises(ReplyError, match="2 answers in one reply"):
        read_reply(text.encode())


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ("ATTENDEE;PARTSTAT=ACCEPTED:https://a.example/\r\n", "is not a mailto: address"),
        ("ATTENDEE;PARTSTAT=ACCEPTED:mailto:not-an-address\r\n", "ATTENDEE 'not-an-address'"),
        (
            (
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"
                "ATTENDEE;PARTSTAT=DECLINED:mailto:c@b.example\r\n"
            ),
            "2 ATTENDEEs and 2 of them answering",
        ),
        ("ATTENDEE:mailto:a@b.example\r\n", "has no PARTSTAT"),
        ("ATTENDEE;PARTSTAT=DELEGATED:mailto:a@b.example\r\n", "DELEGATED without DELEGATED-TO"),
        ("ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nSEQUENCE:-1\r\n", "SEQUENCE '-1'"),
        (
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nSEQUENCE:1\r\nSEQUENCE:2\r\n",
            "SEQUENCE is given 2 times",
        ),
        ("ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nDTSTAMP:20230916\r\n", "DTSTAMP"),
    ],
)
def test_a_vevent_that_is_no_answer_is_refused(lines: str, reason: str) -> None:
    with pytest.raises(ReplyError, match=reason):
        replies_from_ics(_calendar((PLENARY, lines)))


def test_floating_dtstamp_and_missing_uid_are_refused() -> None:
    text = _calendar((PLENARY, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"))
    with pytest.raises(ReplyError, match="is not a UTC date-time"):
        replies_from_ics(text.replace("20230916T070000Z", "20230916T070000"))
    with pytest.raises(ReplyError, match="has no UID"):
        replies_from_ics(text.replace(f"UID:{PLENARY}\r\n", ""))
    with pytest.raises(ReplyError, match="no METHOD"):
        replies_from_ics(text.replace("METHOD:REPLY\r\n", ""))
    with pytest.raises(ReplyError, match="no VEVENT"):
        replies_from_ics(_REPLY.format(events=""))
    with pytest.raises(ReplyError, match="not UTF-8"):
        replies_from_ics(text.encode() + b"\xff")


def test_recurrence_id_and_several_comments_are_kept() -> None:
    text = _calendar(
        (
            PLENARY,
            (
                "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:A%2Bx@B.example\r\n"
                "RECURRENCE-ID;TZID=Europe/Brussels:20230920T140000\r\n"
                "COMMENT:one\r\nCOMMENT:two\r\n"
            ),
        )
    )
    (reply,) = replies_from_ics(text)
    assert reply.attendee == "a+x@b.example"
    assert reply.recurrence_id == "20230920T140000"
    assert reply.comment == "one\ntwo"


def _email(calendar: bytes, *, headers: str = "From: A <a@b.example>\r\n") -> bytes:
    body = base64.encodebytes(calendar).replace(b"\n", b"\r\n")
    return (
        headers.encode()
        + b"To: ran-practitioners@example.org\r\nMIME-Version: 1.0\r\n"
        + b"Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n"
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + body
    )


def test_an_email_without_a_single_sender_is_refused() -> None:
    calendar = _calendar((PLENARY, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n")).encode()
    assert read_reply(_email(calendar)).from_address == "a@b.example"
    with pytest.raises(ReplyError, match="has no From header"):
        read_reply(_email(calendar, headers="Subject: x\r\n"))
    with pytest.raises(ReplyError, match="has 2 addresses; expected one"):
        read_reply(_email(calendar, headers="From: a@b.example, c@d.example\r\n"))
    with pytest.raises(ReplyError, match="has 0 addresses; expected one"):
        read_reply(_email(calendar, headers="From: x@\r\n"))
    with pytest.raises(ReplyError, match="the From address 'x@localhost'"):
        read_reply(_email(calendar, headers="From: x@localhost\r\n"))


def test_an_email_whose_calendar_is_no_reply_reports_the_calendar() -> None:
    calendar = _calendar((PLENARY, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"))
    message = _email(calendar.replace("METHOD:REPLY", "METHOD:REQUEST").encode())
    with pytest.raises(ReplyError, match="METHOD 'REQUEST'"):
        read_reply(message)
    latin = _email(calendar.encode()).replace(b"charset=UTF-8", b"charset=x-unknown")
    with pytest.raises(ReplyError, match="charset 'x-unknown' is unknown"):
        read_reply(latin)


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\n" + b"X" * (10 * 1024 * 1024))
    with pytest.raises(ReplyError, match="a reply is at most 10 MiB"):
        read_reply(path)
    with pytest.raises(ReplyError, match="a reply is at most 10 MiB"):
        read_reply(path.read_bytes())


@given(st.binary(max_size=300))
def test_any_octets_are_read_or_refused_with_reply_error(data: bytes) -> None:
    with contextlib.suppress(ReplyError):
        read_replies(data)


def test_a_component_closed_by_another_end_and_a_wrong_charset_are_refused() -> None:
    text = _calendar((PLENARY, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\n"))
    with pytest.raises(ReplyError, match="END:VTODO closes BEGIN:VEVENT"):
        replies_from_ics(text.replace("END:VEVENT", "END:VTODO"))
    latin = text.replace("PRODID:-//t//t//EN", "PRODID:-//Zoë//EN").encode("latin-1")
    message = _email(latin).replace(b"charset=UTF-8", b"charset=us-ascii")
    with pytest.raises(ReplyError, match="the calendar part is not us-ascii"):
        read_reply(message)
