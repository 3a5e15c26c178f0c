"""Publishing the listing into a real Radicale CalDAV server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from tests.interop.readers import RadicaleClient

from ran_events import examples
from ran_events.delivery import (
    CALDAV_PASSWORD_VARIABLE,
    CALDAV_USER_VARIABLE,
    publish_caldav,
    resource_name,
)
from ran_events.errors import CalDavError, InvalidUrl
from ran_events.ics import session_uid

NOW = dt.datetime(2023, 9, 8, 9, 0, tzinfo=dt.UTC)
EVENT = examples.webinar()
USER = {CALDAV_USER_VARIABLE: "interop", CALDAV_PASSWORD_VARIABLE: "x"}


def _url(radicale: RadicaleClient, collection: str = "ran/") -> str:
    return f"http://127.0.0.1:{radicale.port}/interop/{collection}"


def _path(session_id: str, collection: str = "ran/") -> str:
    return collection + resource_name(session_uid(EVENT, session_id))


pytestmark = pytest.mark.interop


def test_each_session_is_stored_as_its_own_resource(radicale: RadicaleClient) -> None:
    report = publish_caldav(EVENT, _url(radicale), now=NOW, environ=USER)
    assert report.created
    assert len(report.stored) == len(EVENT.sessions) == 2
    for session in EVENT.sessions:
        stored = radicale.get(_path(session.id))
        assert stored is not None
        assert f"UID:{session_uid(EVENT, session)}".encode() in stored
        assert b"METHOD:" not in stored
        start, end = session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC)
        assert session_uid(EVENT, session) in radicale.time_range_report("ran/", start, end)


def test_a_reschedule_replaces_the_resource(radicale: RadicaleClient) -> None:
    publish_caldav(EVENT, _url(radicale), now=NOW, environ=USER)
    plenary = EVENT.session("plenary")
    later = EVENT.reschedule(
        "plenary",
        start=plenary.start + dt.timedelta(days=1),
        end=plenary.end + dt.timedelta(days=1),
    )
    again = publish_caldav(later, _url(radicale), now=NOW, environ=USER)
    assert not again.created
    start = later.session("plenary").start.astimezone(dt.UTC)
    end = later.session("plenary").end.astimezone(dt.UTC)
    uid = session_uid(EVENT, "plenary")
    assert uid in radicale.time_range_report("ran/", start, end)
    old = (plenary.start.astimezone(dt.UTC), plenary.end.astimezone(dt.UTC))
    assert uid not in radicale.time_range_report("ran/", *old)
    stored = radicale.get(_path("plenary"))
    assert stored is not None
    assert b"SEQUENCE:1" in stored


def test_a_cancelled_or_removed_session_is_deleted(radicale: RadicaleClient) -> None:
    publish_caldav(EVENT, _url(radicale), now=NOW, environ=USER)
    cancelled = EVENT.cancel_session("cases")
    report = publish_caldav(cancelled, _url(radicale), now=NOW, environ=USER)
    assert report.deleted == (_url(radicale) + resource_name(session_uid(EVENT, "cases")),)
    assert radicale.get(_path("cases")) is None
    assert radicale.get(_path("plenary")) is not None
    # a session that left the event altogether
    publish_caldav(EVENT, _url(radicale), now=NOW, environ=USER)
    only = EVENT.revise(sessions=[EVENT.session("plenary")])
    report = publish_caldav(only, _url(radicale), now=NOW, environ=USER)
    assert [unquote(r.rsplit("/", 1)[-1]) for r in report.deleted] == [
        session_uid(EVENT, "cases") + ".ics"
    ]
    assert radicale.get(_path("cases")) is None


def test_a_missing_collection_is_an_error_when_not_to_be_made(radicale: RadicaleClient) -> None:
    with pytest.raises(CalDavError, match="the collection does not exist") as raised:
        publish_caldav(EVENT, _url(radicale, "none/"), now=NOW, create=False, environ=USER)
    assert raised.value.status == 404


def test_refusals_and_unreachable_servers_are_reported(radicale: RadicaleClient) -> None:
    # Radicale's owner_only rights: another user's home is refused
    with pytest.raises(CalDavError, match="HTTP 4") as raised:
        publish_caldav(
            EVENT,
            f"http://127.0.0.1:{radicale.port}/someone-else/ran/",
            now=NOW,
            environ=USER,
        )
    assert 400 <= raised.value.status < 500
    with pytest.raises(CalDavError, match="is not set"):
        publish_caldav(EVENT, _url(radicale), now=NOW, environ={CALDAV_USER_VARIABLE: "x"})


def test_bad_urls_and_no_server() -> None:
    with pytest.raises(InvalidUrl):
        publish_caldav(EVENT, "ftp://example.org/cal/", now=NOW, environ={})
    with pytest.raises(CalDavError, match="cannot be reached") as raised:
        publish_caldav(EVENT, "http://127.0.0.1:9/cal", now=NOW, environ={}, timeout=2)
    assert raised.value.status == 0
