"""After the invites: reading attendees' replies and applying them to the store.

* Reading (:mod:`._read`): :func:`read_reply` / :func:`read_replies` take a ``.ics`` file, an
  ``.eml`` message or their octets and return :class:`~ran_events.ics.Reply` values (the
  iCalendar part is read by :func:`ran_events.ics.replies_from_ics`); anything malformed is
  a :class:`~ran_events.errors.ReplyError` naming the file and what was wrong.
* Applying (:mod:`._apply`): :func:`apply_reply` confirms, declines (offering the place to
  the waiting list, quotas and caps kept) or records a tentative answer; :func:`withdraw`
  and :func:`expire` free places by hand and when offers lapse. Each change is a
  status-history entry naming its source, and the messages it implies are queued in the
  store for :func:`ran_events.delivery.send_queued`.
"""

from ..ics import PartStat, Reply
from ._apply import Refusal, ReplyOutcome, apply_replies, apply_reply, expire, withdraw
from ._read import ReadReport, read_replies, read_reply, read_reply_files

__all__ = [
    "PartStat",
    "ReadReport",
    "Refusal",
    "Reply",
    "ReplyOutcome",
    "apply_replies",
    "apply_reply",
    "expire",
    "read_replies",
    "read_reply",
    "read_reply_files",
    "withdraw",
]
