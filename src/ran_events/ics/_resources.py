"""CalDAV resources: an iTIP object as a calendar server stores it (RFC 4791, 4.1)."""

from __future__ import annotations

from ..errors import IcsError
from ._lines import _ESCAPED, _content_lines
from ._writer import CalendarObject

__all__ = ["as_resource", "as_resources"]


def as_resources(data: bytes | CalendarObject) -> dict[str, bytes]:
    """Return the CalDAV resources of an iTIP object: one per UID, without ``METHOD``.

    A calendar server stores each UID as its own resource, and RFC 4791 (4.1) forbids the
    ``METHOD`` property in stored objects. This is what a client does with an object it
    files into a CalDAV calendar: each resource keeps the calendar's other properties and
    its VTIMEZONEs, in order, and the VEVENTs of its UID; nothing else is changed (octets
    included). Put each at its own path (e.g. ``<uid>.ics``), and an update or cancellation
    over the resource of the same UID.

    Args:
        data: an object of :func:`publish`, :func:`invite` or :func:`cancel` (octets or a
            :class:`CalendarObject`).

    Returns:
        The resources by UID, in the order of the object's VEVENTs.

    Raises:
        IcsError: the data is not one iCalendar object, has no VEVENT, a VEVENT has no UID,
            or a UID is not UTF-8.
    """
    raw = data.data if isinstance(data, CalendarObject) else data
    lines = _content_lines(raw)
    common: list[bytes] = []
    events: dict[str, list[bytes]] = {}
    block: list[bytes] = []
    uids: list[str] = []
    depth = 0
    for line in lines[1:-1]:
        name, _, value = line[:-2].replace(b"\r\n ", b"").partition(b":")
        name = name.split(b";", 1)[0].upper()
        if depth == 0 and name == b"METHOD":
            continue
        if name == b"BEGIN":
            depth += 1
        elif depth == 1 and name == b"UID":
            try:
                uids.append(_ESCAPED.sub(r"\1", value.decode("utf-8")))
            except UnicodeDecodeError:
                raise IcsError(f"the UID {value!r} is not UTF-8") from None
        (block if depth else common).append(line)
        if name == b"END":
            depth -= 1
            if depth == 0:
                _file_component(block, uids, common, events)
                block, uids = [], []
    if not events:
        raise IcsError("the object has no VEVENT")
    head, tail = lines[0] + b"".join(common), lines[-1]
    return {uid: head + b"".join(parts) + tail for uid, parts in events.items()}


def _file_component(
    block: list[bytes], uids: list[str], common: list[bytes], events: dict[str, list[bytes]]
) -> None:
    """Add a top-level component to the shared part, or a VEVENT to its UID's resource."""
    if block[0].upper() != b"BEGIN:VEVENT\r\n":
        common += block
        return
    if len(uids) != 1:
        raise IcsError(f"a VEVENT has {len(uids)} UID properties (want one)")
    events.setdefault(uids[0], []).extend(block)


def as_resource(data: bytes | CalendarObject) -> bytes:
    """Return an object of one UID as a CalDAV resource: the object without ``METHOD``.

    Use it to store a REQUEST, an update or a CANCEL in a calendar (over the resource of the
    same UID); a listing with several sessions needs :func:`as_resources`.

    Raises:
        IcsError: the data is not one iCalendar object, or it holds no UID or several.
    """
    resources = as_resources(data)
    if len(resources) != 1:
        raise IcsError(f"the object holds {len(resources)} UIDs (use as_resources)")
    return next(iter(resources.values()))
