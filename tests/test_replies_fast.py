"""The light reader of replies (replies/_fast.py) answers exactly as the full reader does."""

from __future__ import annotations

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
