"""Tests of ran_events.ics._lines: which content-line jobs icalendar does for the writer.

The event's parameters are quoted by icalendar; TEXT escaping and folding stay the
library's, because icalendar 7 gets both wrong for some user text. The two tests marked
"icalendar still" show that; when one fails, icalendar has been fixed and can take that job
over (``_lines._event_line``).
"""

from __future__ import annotations

import datetime as dt

import attrs
import icalendar
from tests.interop.octets import check_octets

from ran_events import examples, ics

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)
PATH = "C:\\Nextcloud\\Notes"  # user text with "\N" in it


def _icalendar_line(text: str) -> bytes:
    event = icalendar.Event()
    event.add("DESCRIPTION", text)
    return event.to_ical(sorted=False)


def test_icalendar_still_reads_a_backslash_n_in_text_as_a_line_break() -> None:
    assert icalendar.vText(PATH).to_ical() == b"C:\\nextcloud\\notes"
    event = attrs.evolve(examples.webinar(), description=PATH)
    assert b"\r\nDESCRIPTION:C:\\\\Nextcloud\\\\Notes\r\n" in ics.publish(event, now=NOW)


def _splits_an_escape(data: bytes) -> bool:
    return any(p.startswith("fold-escape") for p in check_octets(data))


def test_icalendar_still_folds_inside_a_backslash_escape() -> None:
    texts = ["a" * n + "\\" * 4 for n in range(50, 80)]
    split = [t for t in texts if _splits_an_escape(_icalendar_line(t))]
    assert split, "icalendar folds escapes whole now: let _lines._event_line use its folding"
    for text in split:
        event = attrs.evolve(examples.webinar(), description=text)
        listing = ics.publish(event, now=NOW)
        assert check_octets(listing) == []
        assert ics.from_ics(listing).description == text


def test_event_parameters_are_quoted_only_where_rfc_5545_needs_it() -> None:
    base = examples.webinar()
    assert base.online is not None
    for platform, written in (
        ("MS Teams (EU)", b";LABEL=MS Teams (EU):"),
        ("Zoom: EU", b';LABEL="Zoom: EU":'),
        ("Web;Ex", b';LABEL="Web;Ex":'),
        ('Say "Hi"\r\nnow', b";LABEL=Say Hi now:"),  # no quote, no line break in a parameter
        ("a^b", b";LABEL=a^^b:"),  # RFC 6868
    ):
        event = attrs.evolve(base, online=attrs.evolve(base.online, platform=platform))
        data = ics.publish(event, now=NOW, join_link=True)
        assert written + b"https://" in data.replace(b"\r\n ", b"")
        assert b";FEATURE=AUDIO,VIDEO;" in data
        assert check_octets(data) == []
