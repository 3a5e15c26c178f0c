"""Publishing an event's listing into a CalDAV calendar (RFC 4791), with plain HTTP.

A CalDAV collection stores one UID per resource and no METHOD, so the PUBLISH listing goes
in as one resource per session (:func:`ran_events.ics.as_resources`), each at
``<collection>/<UID, percent-encoded>.ics``. Publishing again after a reschedule
(:meth:`~ran_events.models.Event.revise`) replaces each resource with the new times and
SEQUENCE; a cancelled session's resource is deleted, and so is the resource of a session no
longer in the event (found by listing the collection). Credentials come from the
environment only: ``RAN_EVENTS_CALDAV_USER`` and ``RAN_EVENTS_CALDAV_PASSWORD`` (HTTP basic
authentication; both or neither).
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Final

import attrs

from ..errors import CalDavError, InvalidUrl
from ..ics import as_resources, publish, session_uid
from ..models import Event, SessionStatus

__all__ = ["CALDAV_PASSWORD_VARIABLE", "CALDAV_USER_VARIABLE", "CalDavReport", "publish_caldav"]

CALDAV_USER_VARIABLE: Final = "RAN_EVENTS_CALDAV_USER"
CALDAV_PASSWORD_VARIABLE: Final = "RAN_EVENTS_CALDAV_PASSWORD"  # noqa: S105 - a variable name

_HREF: Final = re.compile(r"<(?:[A-Za-z0-9]+:)?href>([^<]+)</(?:[A-Za-z0-9]+:)?href>")
_MKCALENDAR: Final = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"/>\n'
)
_PROPFIND: Final = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>\n'
)


@attrs.frozen(kw_only=True)
class CalDavReport:
    """What :func:`publish_caldav` changed.

    Attributes:
        created: whether the collection was made (MKCALENDAR).
        stored: the URLs of the resources written (one per session that takes place).
        deleted: the URLs of the resources removed (cancelled or removed sessions).
    """

    created: bool = False
    stored: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def resource_name(uid: str) -> str:
    """The file name of a UID's resource in a collection: the UID percent-encoded, ``.ics``."""
    return urllib.parse.quote(uid, safe="@") + ".ics"


def publish_caldav(
    event: Event,
    url: str,
    *,
    now: _dt.datetime,
    join_link: bool = False,
    create: bool = True,
    timeout: float = 30.0,
    environ: Mapping[str, str] | None = None,
) -> CalDavReport:
    """Put an event's listing into a CalDAV collection, one resource per session.

    Args:
        event: the event (publish it again after each change).
        url: the collection's URL (``http://`` or ``https://``; a missing final ``/`` is
            added).
        now: the DTSTAMP of the resources (aware).
        join_link: carry the join link (as :func:`~ran_events.ics.publish`; default not).
        create: make the collection (MKCALENDAR) when it does not exist.
        timeout: seconds to wait for the server.
        environ: where the credentials are read (default :data:`os.environ`).

    Returns:
        What was made, stored and deleted.

    Raises:
        InvalidUrl: ``url`` is not an http(s) URL with a host.
        CalDavError: the server refused a request or could not be reached (the URL and the
            HTTP status say which).
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidUrl(url, field="caldav url")
    collection = url if url.endswith("/") else url + "/"
    headers = _auth(os.environ if environ is None else environ)
    created = False
    status, _ = _request("PROPFIND", collection, headers | {"Depth": "0"}, _PROPFIND, timeout)
    if status == 404:
        if not create:
            raise CalDavError(collection, 404, "the collection does not exist")
        _request("MKCALENDAR", collection, headers, _MKCALENDAR, timeout, ok=(201,))
        created = True
    resources = as_resources(publish(event, now=now, join_link=join_link))
    cancelled = {
        session_uid(event, s) for s in event.sessions if s.status is SessionStatus.CANCELLED
    }
    stored, deleted = [], []
    for uid, data in resources.items():
        target = collection + resource_name(uid)
        if uid in cancelled:
            status, _ = _request("DELETE", target, headers, None, timeout, ok=(200, 204, 404))
            if status != 404:
                deleted.append(target)
            continue
        put_headers = headers | {"Content-Type": "text/calendar; charset=utf-8"}
        _request("PUT", target, put_headers, data, timeout, ok=(200, 201, 204))
        stored.append(target)
    deleted += _remove_stale(event, collection, set(resources), headers, timeout)
    return CalDavReport(created=created, stored=tuple(stored), deleted=tuple(deleted))


def _remove_stale(
    event: Event, collection: str, current: set[str], headers: dict[str, str], timeout: float
) -> list[str]:
    """Delete the resources of this event's sessions that the event no longer has."""
    _, body = _request(
        "PROPFIND", collection, headers | {"Depth": "1"}, _PROPFIND, timeout, ok=(207,)
    )
    prefix = f"{event.id}+"
    keep = {f"{uid}.ics" for uid in current}
    removed = []
    for href in _HREF.findall(body.decode("utf-8", "replace")):
        name = urllib.parse.unquote(href.strip().rstrip("/").rsplit("/", 1)[-1])
        if name.startswith(prefix) and name.endswith(".ics") and name not in keep:
            target = urllib.parse.urljoin(collection, href)
            _request("DELETE", target, headers, None, timeout, ok=(200, 204, 404))
            removed.append(target)
    return removed


def _auth(environ: Mapping[str, str]) -> dict[str, str]:
    user = environ.get(CALDAV_USER_VARIABLE)
    password = environ.get(CALDAV_PASSWORD_VARIABLE)
    if user is None and password is None:
        return {}
    if not user or password is None:
        missing = CALDAV_USER_VARIABLE if not user else CALDAV_PASSWORD_VARIABLE
        raise CalDavError("", 0, f"{missing} is not set (set both, or neither)")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def _request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    timeout: float,
    *,
    ok: tuple[int, ...] | None = None,
) -> tuple[int, bytes]:
    """Send one request; the status and body. ``ok``: the statuses accepted (default any
    2xx and 404); another raises :class:`CalDavError`."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - the scheme is checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, content = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, content = exc.code, exc.read()
        exc.close()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CalDavError(url, 0, f"cannot be reached: {reason}") from None
    accepted = ok if ok is not None else (*range(200, 300), 404)
    if status not in accepted:
        text = content.decode("utf-8", "replace").strip()[:200]
        raise CalDavError(url, status, text or "refused")
    return status, content
