"""After the invites: reading attendees' replies and applying them to the store.

* Reading (:mod:`._read`): :func:`read_reply` / :func:`read_replies` take a ``.ics`` file, an
  ``.eml`` message or their octets and return :class:`~ran_events.ics.Reply` values (the
  iCalendar part is read by :func:`ran_events.ics.replies_from_ics`); anything malformed is
  a :class:`~ran_events.errors.ReplyError` naming the file and what was wrong.
"""

from ..ics import PartStat, Reply
from ._read import ReadReport, read_replies, read_reply, read_reply_files

__all__ = [
    "PartStat",
    "ReadReport",
    "Reply",
    "read_replies",
    "read_reply",
    "read_reply_files",
]
