"""Independent iCalendar readers used as test oracles for ``ran_events.ics``.

Each reader takes the iCalendar text (``str`` or ``bytes``) and returns typed results. They
answer the question of ICALENDAR.md section 1: *which UTC instant does a real client compute
from the VTIMEZONE embedded in the object?* Wherever the reader allows it, a TZID is resolved
only against the embedded VTIMEZONE, never against a zone database.

* :func:`libical_check`: libical 3 (Evolution, many servers) through its GObject bindings,
  run with the *system* Python; also runs the RFC 5546 restriction check.
* :func:`icaljs_times`: ical.js 2.x (Thunderbird, Nextcloud) run by ``node``.
* :func:`vobject_parse`: vobject with ``validate=True`` (what Radicale uses).
* :func:`ical_parse`: the ``ical`` package's strict parser (it ignores the embedded block).
* :func:`radicale_server`: a real CalDAV server on 127.0.0.1 for PUT/GET and time-range REPORTs.

Every reader has an ``available()`` check; :func:`require` skips a test when a reader is
missing locally and fails it when ``CI=true``. Install the external ones with
``scripts/install-interop.sh``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import attrs
import pytest

__all__ = [
    "ICAL",
    "ICALJS",
    "LIBICAL",
    "RADICALE",
    "READERS",
    "VOBJECT",
    "EventTimes",
    "InteropError",
    "LibicalError",
    "LibicalResult",
    "RadicaleClient",
    "Reader",
    "VobjectEvent",
    "ical_parse",
    "icaljs_times",
    "libical_check",
    "radicale_server",
    "require",
    "vobject_parse",
]

INTEROP_DIR = Path(__file__).resolve().parent
NODE_DIR = INTEROP_DIR / "node"
LIBICAL_SCRIPT = INTEROP_DIR / "libical_check.py"
ICALJS_SCRIPT = NODE_DIR / "icaljs_times.mjs"
#: The interpreter that can import ``gi`` (Debian's python3-gi); override with an env var.
SYSTEM_PYTHON = os.environ.get("RAN_EVENTS_SYSTEM_PYTHON", "/usr/bin/python3")
_TIMEOUT = 60.0


class InteropError(RuntimeError):
    """An external reader could not be run or gave an answer the harness cannot read."""


# --------------------------------------------------------------------------------------------
# Results


@attrs.frozen(kw_only=True)
class EventTimes:
    """One VEVENT as a reader saw it.

    Attributes:
        uid: The UID, or ``None`` when the event has none.
        dtstart_utc: DTSTART as an aware UTC datetime, ``None`` when the reader could not place
            it (floating, DATE, unknown TZID: see ``problems``).
        dtend_utc: DTEND (or DTSTART + DURATION) likewise.
        problems: What kept the reader from computing an instant, in its words.
        sequence: The SEQUENCE, or ``None`` when the event has none (or the reader does not
            report it).
    """

    uid: str | None
    dtstart_utc: dt.datetime | None
    dtend_utc: dt.datetime | None = None
    problems: tuple[str, ...] = ()
    sequence: int | None = None


@attrs.frozen(kw_only=True)
class LibicalError:
    """An ``X-LIC-ERROR`` property that libical inserted.

    Attributes:
        type: Its ``X-LIC-ERRORTYPE``, e.g. ``INVALID-ITIP``, ``PROPERTY-PARSE-ERROR``.
        message: libical's message.
        component: The component it was attached to, e.g. ``VEVENT``.
    """

    type: str
    message: str
    component: str


@attrs.frozen(kw_only=True)
class LibicalResult:
    """What libical made of an object.

    Attributes:
        version: The ICalGLib namespace version used.
        restriction_ok: Whether ``icalrestriction_check`` passed for every VCALENDAR.
        errors: Every ``X-LIC-ERROR`` (parse and restriction errors).
        events: Every VEVENT with UTC instants from the embedded VTIMEZONEs.
    """

    version: str
    restriction_ok: bool
    errors: tuple[LibicalError, ...]
    events: tuple[EventTimes, ...]

    @property
    def restriction_errors(self) -> tuple[LibicalError, ...]:
        """The errors the RFC 5546 restriction check reported (``INVALID-ITIP``)."""
        return tuple(e for e in self.errors if e.type == "INVALID-ITIP")

    @property
    def parse_errors(self) -> tuple[LibicalError, ...]:
        """The errors the parser reported (everything but the restriction check)."""
        return tuple(e for e in self.errors if e.type != "INVALID-ITIP")


@attrs.frozen(kw_only=True)
class VobjectEvent:
    """One VEVENT as vobject saw it.

    Attributes:
        uid: The UID.
        dtstart_utc: DTSTART computed from the *embedded* VTIMEZONE (vobject/dateutil reading
            of that block), ``None`` when it cannot be placed.
        native_dtstart_utc: DTSTART as vobject's own ``transformToNative`` gave it: vobject
            caches one tzinfo per TZID per process (first one wins) and falls back to pytz,
            so this can differ from ``dtstart_utc`` inside a long-lived process.
        dtend_utc: DTEND from the embedded VTIMEZONE, like ``dtstart_utc``.
    """

    uid: str | None
    dtstart_utc: dt.datetime | None
    native_dtstart_utc: dt.datetime | None
    dtend_utc: dt.datetime | None = None


# --------------------------------------------------------------------------------------------
# Availability


@attrs.frozen(kw_only=True)
class Reader:
    """An external reader and how to tell whether it can run here.

    Attributes:
        name: Short name used in skip/fail messages.
        probe: Returns ``None`` when the reader can run, else the reason why not.
    """

    name: str
    probe: Callable[[], str | None] = attrs.field(eq=False, repr=False)

    def available(self) -> bool:
        """Return whether the reader can run on this machine."""
        return self.probe() is None

    def unavailable_reason(self) -> str | None:
        """Return why the reader cannot run, or ``None`` when it can."""
        return self.probe()


@functools.cache
def _probe_libical() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    code = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-c", code], capture_output=True, timeout=_TIMEOUT, check=False
    )
    if proc.returncode != 0:
        return "ICalGLib not importable by the system python (apt-get install gir1.2-ical-3.0)"
    return None


@functools.cache
def _probe_icaljs() -> str | None:
    if shutil.which("node") is None:
        return "node not on PATH"
    if not (NODE_DIR / "node_modules" / "ical.js" / "package.json").exists():
        return "ical.js not installed (run scripts/install-interop.sh)"
    return None


def _probe_module(name: str) -> Callable[[], str | None]:
    @functools.cache
    def probe() -> str | None:
        try:
            __import__(name)
        except ImportError as exc:
            return f"{name} not importable: {exc}"
        return None

    return probe


LIBICAL = Reader(name="libical", probe=_probe_libical)
ICALJS = Reader(name="ical.js", probe=_probe_icaljs)
VOBJECT = Reader(name="vobject", probe=_probe_module("vobject"))
ICAL = Reader(name="ical", probe=_probe_module("ical.calendar_stream"))
RADICALE = Reader(name="radicale", probe=_probe_module("radicale"))
READERS = (LIBICAL, ICALJS, VOBJECT, ICAL, RADICALE)


def require(reader: Reader) -> None:
    """Skip the calling test when ``reader`` is missing, or fail it when ``CI`` is ``"true"``.

    Args:
        reader: One of :data:`LIBICAL`, :data:`ICALJS`, :data:`VOBJECT`, :data:`ICAL`,
            :data:`RADICALE`.
    """
    reason = reader.unavailable_reason()
    if reason is None:
        return
    message = f"interop reader {reader.name} unavailable: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


# --------------------------------------------------------------------------------------------
# Helpers


def _as_bytes(ics: str | bytes) -> bytes:
    return ics.encode("utf-8") if isinstance(ics, str) else ics


def _as_text(ics: str | bytes) -> str:
    return ics.decode("utf-8") if isinstance(ics, bytes) else ics


def _utc(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _run_json(argv: list[str], data: bytes, cwd: Path) -> Any:
    try:
        proc = subprocess.run(
            argv, input=data, capture_output=True, timeout=_TIMEOUT, check=False, cwd=cwd
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InteropError(f"{argv[0]} could not run: {exc}") from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise InteropError(f"{' '.join(argv)} exited {proc.returncode}: {stderr}")
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise InteropError(f"{argv[0]} printed no JSON: {proc.stdout[:200]!r}") from exc


def _event_times(raw: dict[str, Any]) -> EventTimes:
    return EventTimes(
        uid=raw["uid"],
        dtstart_utc=_utc(raw["dtstart_utc"]),
        dtend_utc=_utc(raw["dtend_utc"]),
        problems=tuple(raw["problems"]),
        sequence=raw.get("sequence"),
    )


# --------------------------------------------------------------------------------------------
# Readers


def libical_check(ics: str | bytes) -> LibicalResult:
    """Parse ``ics`` with libical 3, run the RFC 5546 restriction check, place every VEVENT.

    Args:
        ics: One iCalendar object.

    Returns:
        The restriction outcome, every ``X-LIC-ERROR`` and the VEVENTs' UTC instants computed
        from the VTIMEZONEs embedded in ``ics``.

    Raises:
        InteropError: The system Python or the script failed.
    """
    raw = _run_json([SYSTEM_PYTHON, str(LIBICAL_SCRIPT)], _as_bytes(ics), INTEROP_DIR)
    return LibicalResult(
        version=raw["version"],
        restriction_ok=raw["restriction_ok"],
        errors=tuple(LibicalError(**e) for e in raw["errors"]),
        events=tuple(_event_times(e) for e in raw["events"]),
    )


def icaljs_times(ics: str | bytes) -> list[EventTimes]:
    """Place every VEVENT of ``ics`` as ical.js does, from the embedded VTIMEZONEs.

    Args:
        ics: One iCalendar object.

    Returns:
        One :class:`EventTimes` per VEVENT, in file order.

    Raises:
        InteropError: ``node`` or the script failed (ical.js also throws on syntax errors).
    """
    node = shutil.which("node") or "node"
    raw = _run_json([node, str(ICALJS_SCRIPT)], _as_bytes(ics), NODE_DIR)
    return [_event_times(e) for e in raw["events"]]


def vobject_parse(ics: str | bytes) -> list[VobjectEvent]:
    """Read ``ics`` with ``vobject.readOne(..., validate=True)`` and place every VEVENT.

    Args:
        ics: One iCalendar object.

    Returns:
        One :class:`VobjectEvent` per VEVENT, in file order.

    Raises:
        vobject.base.ValidateError: vobject's validation rejected the object.
        vobject.base.ParseError: vobject could not parse it.
    """
    import vobject
    from vobject.icalendar import stringToDateTime

    text = _as_text(ics)
    cal = vobject.readOne(text, validate=True)
    raw_cal = vobject.readOne(text, transform=False)
    zones = {vtz.tzid.value: vtz for vtz in cal.contents.get("vtimezone", [])}
    out = []
    for native, raw in zip(
        cal.contents.get("vevent", []), raw_cal.contents.get("vevent", []), strict=True
    ):

        def placed(name: str, raw: Any = raw) -> dt.datetime | None:
            line = raw.contents.get(name, [None])[0]
            if line is None:
                return None
            value = line.value
            tzids = line.params.get("TZID")
            if value.endswith("Z"):
                return _to_utc(stringToDateTime(value))
            if tzids and tzids[0] in zones:
                return _to_utc(stringToDateTime(value, zones[tzids[0]].gettzinfo()))
            return None

        native_start = native.dtstart.value if "dtstart" in native.contents else None
        out.append(
            VobjectEvent(
                uid=native.uid.value if "uid" in native.contents else None,
                dtstart_utc=placed("dtstart"),
                native_dtstart_utc=_to_utc(native_start),
                dtend_utc=placed("dtend"),
            )
        )
    return out


def _to_utc(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return None


def ical_parse(ics: str | bytes) -> list[EventTimes]:
    """Read ``ics`` with the ``ical`` package's strict parser.

    ``ical`` resolves an IANA TZID with its own zone database and ignores the embedded
    VTIMEZONE, so this proves strict syntax and cardinality, not the VTIMEZONE block.

    Args:
        ics: One iCalendar object.

    Returns:
        One :class:`EventTimes` per VEVENT (DTEND is the event's end, from DURATION if needed).

    Raises:
        ical.exceptions.CalendarParseError: The strict parser rejected the object.
    """
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(_as_text(ics))
    return [
        EventTimes(uid=event.uid, dtstart_utc=_to_utc(event.dtstart), dtend_utc=_to_utc(event.end))
        for event in calendar.events
    ]


# --------------------------------------------------------------------------------------------
# Radicale


_DAV = "DAV:"
_CALDAV = "urn:ietf:params:xml:ns:caldav"
_RADICALE_USER = "interop"


@attrs.frozen(kw_only=True)
class RadicaleResponse:
    """An HTTP answer from the test server.

    Attributes:
        status: The HTTP status code.
        body: The response body.
    """

    status: int
    body: bytes


@attrs.frozen(kw_only=True)
class RadicaleClient:
    """A minimal CalDAV client for a Radicale server on 127.0.0.1.

    Paths are relative to the test user's home, e.g. ``"cal/"`` and ``"cal/event.ics"``.

    Attributes:
        port: The server's port on 127.0.0.1.
    """

    port: int

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> RadicaleResponse:
        """Send one request and return the answer.

        Args:
            method: HTTP or WebDAV method.
            path: Path below the user's home.
            body: Request body.
            headers: Extra headers.

        Returns:
            The status and body.
        """
        token = base64.b64encode(f"{_RADICALE_USER}:x".encode()).decode()
        all_headers = {"Authorization": f"Basic {token}", **(headers or {})}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=_TIMEOUT)
        try:
            conn.request(method, f"/{_RADICALE_USER}/{path}", body=body, headers=all_headers)
            response = conn.getresponse()
            return RadicaleResponse(status=response.status, body=response.read())
        finally:
            conn.close()

    def mkcalendar(self, collection: str) -> None:
        """Create a calendar collection, e.g. ``"cal/"``.

        Raises:
            InteropError: The server refused.
        """
        answer = self.request("MKCALENDAR", collection)
        if answer.status not in (201, 405):  # 405: it exists already
            raise InteropError(f"MKCALENDAR {collection}: {answer.status} {answer.body!r}")

    def put(self, path: str, ics: str | bytes) -> int:
        """Store one calendar object, e.g. at ``"cal/event.ics"``.

        Returns:
            The HTTP status (201 created, 204 replaced; 4xx when Radicale rejects the object).
        """
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        return self.request("PUT", path, _as_bytes(ics), headers).status

    def get(self, path: str) -> bytes | None:
        """Return the stored object, or ``None`` when there is none."""
        answer = self.request("GET", path)
        return answer.body if answer.status == 200 else None

    def time_range_report(
        self, collection: str, start_utc: dt.datetime, end_utc: dt.datetime
    ) -> list[str]:
        """Ask the server which VEVENTs overlap ``[start_utc, end_utc)`` (CalDAV calendar-query).

        Args:
            collection: The calendar collection, e.g. ``"cal/"``.
            start_utc: Aware start of the range.
            end_utc: Aware end of the range.

        Returns:
            The UIDs of the matching events, sorted.

        Raises:
            InteropError: The server did not answer 207 Multi-Status.
        """

        def stamp(value: dt.datetime) -> str:
            return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<C:calendar-query xmlns:D="{_DAV}" xmlns:C="{_CALDAV}">'
            "<D:prop><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{stamp(start_utc)}" end="{stamp(end_utc)}"/>'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        ).encode()
        headers = {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
        answer = self.request("REPORT", collection, body, headers)
        if answer.status != 207:
            raise InteropError(f"REPORT {collection}: {answer.status} {answer.body!r}")
        uids: list[str] = []
        root = ElementTree.fromstring(answer.body)
        for data in root.iter(f"{{{_CALDAV}}}calendar-data"):
            uids.extend(
                line.split(":", 1)[1].strip()
                for line in (data.text or "").splitlines()
                if line.startswith("UID:")
            )
        return sorted(uids)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def radicale_server(startup_timeout: float = 30.0) -> Iterator[RadicaleClient]:
    """Run a throw-away Radicale on 127.0.0.1 with a ``cal/`` calendar and yield a client.

    Storage lives in a temporary directory, authentication accepts anyone and the server
    listens on one free loopback port. The server is stopped by its process id on exit.

    Args:
        startup_timeout: Seconds to wait for the server to answer.

    Yields:
        A :class:`RadicaleClient` whose ``cal/`` calendar collection exists.

    Raises:
        InteropError: The server did not start.
    """
    with tempfile.TemporaryDirectory(prefix="ran-events-radicale-") as tmp:
        root = Path(tmp)
        port = _free_port()
        config = root / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{port}\n"
            "[auth]\ntype = none\n"
            "[rights]\ntype = owner_only\n"
            f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
            "[web]\ntype = none\n"
            "[logging]\nlevel = warning\n",
            encoding="utf-8",
        )
        log = (root / "radicale.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
        try:
            client = RadicaleClient(port=port)
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.flush()
                    text = (root / "radicale.log").read_text("utf-8", "replace")
                    raise InteropError(f"radicale exited {proc.returncode}: {text}")
                try:
                    client.request("OPTIONS", "")
                    break
                except OSError as exc:
                    if time.monotonic() > deadline:
                        raise InteropError(f"radicale did not answer on port {port}") from exc
                    time.sleep(0.05)
            client.mkcalendar("cal/")
            yield client
        finally:
            _stop(proc)
            log.close()
