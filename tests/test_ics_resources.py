"""Tests of ran_events.ics._resources: iTIP objects as CalDAV resources (one UID, no METHOD)."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from tests.interop.octets import check_octets

from ran_events import ics
from ran_events.errors import IcsError
from ran_events.models import Event, Registration

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)


def _parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_as_resources_splits_a_listing_per_uid_without_method(webinar: Event) -> None:
    listing = ics.publish(webinar, now=NOW)
    resources = ics.as_resources(listing)
    assert list(resources) == [ics.session_uid(webinar, s) for s in webinar.sessions]
    zone = ics.vtimezone("Europe/Brussels", 2023, 2023)
    for uid, resource in resources.items():
        assert check_octets(resource) == []
        calendar = _parse(resource)
        assert "METHOD" not in calendar
        assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
        assert zone in resource
        (vevent,) = calendar.walk("VEVENT")
        assert str(vevent["UID"]) == uid
        assert len(vevent.walk("VALARM")) == 1
    # Put together again (with METHOD), the resources are the listing.
    head = listing.split(b"BEGIN:VEVENT")[0]
    bodies = [b"BEGIN:VEVENT" + r.split(b"BEGIN:VEVENT", 1)[1] for r in resources.values()]
    rebuilt = head + b"".join(b[: -len(b"END:VCALENDAR\r\n")] for b in bodies)
    assert rebuilt + b"END:VCALENDAR\r\n" == listing


def test_as_resource_drops_only_the_method(webinar: Event, selected: Registration) -> None:
    (request,) = ics.invite(webinar, selected, sessions=["plenary"], now=NOW)
    resource = ics.as_resource(request)
    assert resource == request.data.replace(b"METHOD:REQUEST\r\n", b"")
    assert ics.as_resource(request.data) == resource
    (cancel,) = ics.cancel(webinar, selected, sessions=["plenary"], now=NOW)
    assert b"STATUS:CANCELLED\r\n" in ics.as_resource(cancel)


def test_as_resource_refuses_what_is_not_one_object_of_one_uid(webinar: Event) -> None:
    listing = ics.publish(webinar, now=NOW)
    with pytest.raises(IcsError, match="2 UIDs"):
        ics.as_resource(listing)
    with pytest.raises(IcsError, match="not one iCalendar object"):
        ics.as_resources(listing.replace(b"\r\n", b"\n"))
    with pytest.raises(IcsError, match="not one iCalendar object"):
        ics.as_resources(b"hello")
    with pytest.raises(IcsError, match="no VEVENT"):
        ics.as_resources(
            ics.vtimezone("Asia/Tokyo", 2023, 2023).join(
                [b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", b"END:VCALENDAR\r\n"]
            )
        )
    no_uid = re.sub(rb"UID:[^\r]*\r\n", b"", listing, count=1)
    with pytest.raises(IcsError, match="0 UID"):
        ics.as_resources(no_uid)


def test_as_resources_reads_folded_and_escaped_uids() -> None:
    uid = "a,b;" + "x" * 80 + "@example.org"
    escaped = uid.replace(",", "\\,").replace(";", "\\;").encode()
    data = b"".join(
        [
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n",
            b"UID:" + escaped[:60] + b"\r\n " + escaped[60:] + b"\r\n",
            b"BEGIN:VALARM\r\nUID:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ]
    )
    (found,) = ics.as_resources(data)
    assert found == uid


def test_as_resources_refuses_a_uid_that_is_not_utf8(webinar: Event) -> None:
    data = ics.publish(webinar, now=NOW).replace(b"UID:ran-mh", b"UID:ran\xe4-mh", 1)
    with pytest.raises(IcsError, match=r"UID .* is not UTF-8"):
        ics.as_resources(data)
