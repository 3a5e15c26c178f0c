"""The light reader of replies (replies/_fast.py) answers exactly as the full reader does."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import reply_files

from ran_events.errors import ReplyError
from ran_events.replies import read_replies
from ran_events.replies._fast import fast_replies
from ran_events.replies._read import _full_replies, _is_calendar

DATA = Path(__file__).parent / "data" / "replies"


def _full(data: bytes) -> object:
    """What the full reader gives: the answers, or the error's type and message."""
    try:
        return _full_replies(data, "<bytes>", calendar=_is_calendar(data))
    except ReplyError as exc:
        return (type(exc), str(exc))


def _read(data: bytes) -> object:
    try:
        return read_replies(data)
    except ReplyError as exc:
        return (type(exc), str(exc))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(reply_files())
def test_the_light_reader_agrees_with_the_full_one(file: tuple[bytes, bool]) -> None:
    data, plain = file
    fast = fast_replies(data, "<bytes>", calendar=_is_calendar(data))
    full = _full(data)
    if fast is not None:
        assert fast == full
    # the shapes replies really come in are read the light way (else it would save nothing)
    assert fast is not None or not plain, data
    assert _read(data) == full


@given(reply_files(), st.data())
def test_a_damaged_reply_is_read_or_refused_as_the_full_reader_does(
    file: tuple[bytes, bool], data: st.DataObject
) -> None:
    octets = bytearray(file[0])
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.integers(0, len(octets)))
        octets[spot:spot] = data.draw(
            st.sampled_from([b"\r", b"\n", b"\\", b'"', b";", b"\xff", b" "])
        )
    assert _read(bytes(octets)) == _full(bytes(octets))


@pytest.mark.parametrize("path", sorted(DATA.iterdir()), ids=lambda p: p.name)
def test_every_sample_reply_is_read_alike(path: Path) -> None:
    data = path.read_bytes()
    assert _read(data) == _full(data)
    if not path.name.startswith("bad-") and "delegated" not in path.name:
        assert fast_replies(data, "<bytes>", calendar=_is_calendar(data)) is not None


_CALENDAR = (
    "BEGIN:VCALENDAR\r\nPRODID:-//t//t//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
    "UID:ran-mh-pcve-2023+plenary@example.org\r\nSEQUENCE:0\r\nDTSTAMP:20230913T061544Z\r\n"
    "ATTENDEE;CN=Lea Garcia;PARTSTAT=ACCEPTED:mailto:lea.garcia@prison-service.example\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _message(
    calendar: str = _CALENDAR, *, before: str = "", part: str = "", end: str = ""
) -> bytes:
    encoded = base64.encodebytes(calendar.encode()).decode().replace("\n", "\r\n")
    return (
        "From: Lea Garcia <lea.garcia@prison-service.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        f"{before}--b1\r\nContent-Type: text/plain\r\n\r\nLea has answered.\r\n"
        f"--b1\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY{part}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}{end}--b1--\r\n"
    ).encode()


@pytest.mark.parametrize(
    "data",
    [
        # MIME the light reader leaves to Python's parser
        _message().replace(b"Content-Type: text/plain", b"Content-Type: message/rfc822"),
        _message().replace(b"multipart/mixed", b"multipart/related"),
        _message().replace(
            b"--b1\r\nContent-Type: text/plain", b"--b1 \r\nContent-Type: text/plain"
        ),
        _message().replace(b'boundary="b1"', b'boundary="<b1>"'),
        _message().replace(b"Content-Type: text/plain\r\n\r\nLea has answered.\r\n", b"X: y\r\n"),
        _message().replace(
            b"--b1\r\nContent-Type: text/plain", b"--b1\r\n x\r\nContent-Type: a/b"
        ),
        _message().replace(b"Lea Garcia <lea.garcia@prison-service.example>", b"<x@localhost>"),
        _message(_CALENDAR.replace("lea.garcia@prison-service.example", "x@localhost")),
        _message().replace(b"--b1--\r\n", b""),
        _message(before="--b1\r\n"),
        _message(end="!!!!\r\n"),
        _message(part="; x-odd"),
        # calendars the light reader leaves to icalendar
        _message(_CALENDAR.replace("BEGIN:VEVENT", "BEGIN:VEVENT ")),
        _message(_CALENDAR.replace("END:VEVENT", "END:VTODO")),
        _message(_CALENDAR.replace("END:VEVENT", "END:VEVENT ")),
        _message(_CALENDAR.replace("PARTSTAT=ACCEPTED", "PARTSTAT=ACCEPTED;partstat=DECLINED")),
        _message(_CALENDAR + "X-AFTER:the end\r\n"),
        _message(_CALENDAR.replace("METHOD:REPLY", "METHOD:REPLY\r\nSEQUENCE:1")),
        _message(_CALENDAR.replace("20230913T061544Z", "20231340T061544Z")),
        _CALENDAR.replace("ATTENDEE", "ATTENDEE;X-A=b = c").encode(),
        _CALENDAR.encode("utf-16"),
    ],
)
def test_what_the_light_reader_is_not_sure_of_is_read_in_full(data: bytes) -> None:
    assert fast_replies(data, "<bytes>", calendar=_is_calendar(data)) is None
    assert _read(data) == _full(data)


@pytest.mark.parametrize(
    "data",
    [
        _message(),  # (the cases above are near misses of it)
        _message().replace(b"Lea has answered.", b"--b1x is no boundary"),
    ],
)
def test_the_light_reader_reads_the_plain_message_of_these_cases(data: bytes) -> None:
    fast = fast_replies(data, "<bytes>", calendar=False)
    assert fast is not None
    assert fast == _full(data)
    assert fast[0].partstat == "ACCEPTED"
    assert fast[0].from_address == "lea.garcia@prison-service.example"
