"""Calendar objects for events: PUBLISH listings, REQUEST invites, updates and CANCEL.

Objects are *written* by a small, exact writer so that every rule of ICALENDAR.md holds for
every octet and the output is byte-stable:

* CRLF line ends, lines of at most 75 octets, folds that never split a UTF-8 sequence or a
  backslash escape; TEXT escaping of ``\\ ; , newline`` and nothing else; user text is data,
  never structure (line breaks are escaped, parameter values are sanitised and quoted)
  (:mod:`._lines`).
* The compact VTIMEZONE: one observance per rule period with ``RRULE:FREQ=YEARLY``, derived
  from the tz database for the years the calendar spans (:func:`vtimezone`, :mod:`._vtimezone`).
* UIDs ``<event id>+<session id>@<organiser's domain>``, identical in PUBLISH, REQUEST,
  updates and CANCEL; ``SEQUENCE`` is the event's revision (CANCEL: revision + 1).
* One REQUEST per session and attendee, listing only that attendee; no VALARM in CANCEL;
  no ``X-WR-CALNAME`` outside PUBLISH (:mod:`._writer`).

A listing is read back with :func:`from_ics` (:mod:`._reader`, with :mod:`icalendar`), an
attendee's iTIP REPLY with :func:`replies_from_ics` (:mod:`._replies`), and an
object is filed into a CalDAV calendar with :func:`as_resource`/:func:`as_resources`
(:mod:`._resources`).
"""

from ._lines import clean_text, display_name
from ._reader import from_ics
from ._replies import PartStat, Reply, replies_from_ics
from ._resources import as_resource, as_resources
from ._vtimezone import vtimezone
from ._writer import (
    DEFAULT_REMINDERS,
    PRODID,
    Attendee,
    CalendarObject,
    InviteFailure,
    InviteTemplate,
    Method,
    Rooms,
    attendee_line,
    cancel,
    cancel_attendee,
    filename_part,
    invite,
    invites_for,
    publish,
    room_sessions,
    session_uid,
)

__all__ = [
    "DEFAULT_REMINDERS",
    "PRODID",
    "Attendee",
    "CalendarObject",
    "InviteFailure",
    "InviteTemplate",
    "Method",
    "PartStat",
    "Reply",
    "Rooms",
    "as_resource",
    "as_resources",
    "attendee_line",
    "cancel",
    "cancel_attendee",
    "clean_text",
    "display_name",
    "filename_part",
    "from_ics",
    "invite",
    "invites_for",
    "publish",
    "replies_from_ics",
    "room_sessions",
    "session_uid",
    "vtimezone",
]
