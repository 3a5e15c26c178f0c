"""Delivery: the store's queued messages by SMTP, exactly once; listings into CalDAV.

* :func:`send_queued` (:mod:`._smtp`) sends what the store's message log holds as queued,
  marks each message sent only after the server accepted it, retries temporary failures
  with backoff and records permanent ones per recipient; credentials come from
  ``RAN_EVENTS_SMTP_USER`` / ``RAN_EVENTS_SMTP_PASSWORD``.
* :func:`queue_email` puts an e-mail into the store's message log, where
  :func:`send_queued` finds it.
* :func:`publish_caldav` (:mod:`._caldav`) puts the listing into a CalDAV collection, one
  resource per session, replaced on reschedule and deleted on cancel; credentials from
  ``RAN_EVENTS_CALDAV_USER`` / ``RAN_EVENTS_CALDAV_PASSWORD``.
"""

from ._caldav import (
    CALDAV_PASSWORD_VARIABLE,
    CALDAV_USER_VARIABLE,
    CalDavReport,
    publish_caldav,
    resource_name,
)
from ._smtp import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    DeliveryReport,
    MessageLog,
    SmtpSettings,
    Undelivered,
    queue_email,
    send_queued,
)

__all__ = [
    "CALDAV_PASSWORD_VARIABLE",
    "CALDAV_USER_VARIABLE",
    "PASSWORD_VARIABLE",
    "USER_VARIABLE",
    "CalDavReport",
    "DeliveryReport",
    "MessageLog",
    "SmtpSettings",
    "Undelivered",
    "publish_caldav",
    "queue_email",
    "resource_name",
    "send_queued",
]
