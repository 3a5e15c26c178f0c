"""Delivery: the store's queued messages by SMTP, exactly once; listings into CalDAV.

* :func:`send_queued` (:mod:`._smtp`) sends what the store's message log holds as queued,
  marks each message sent only after the server accepted it, retries temporary failures
  with backoff and records permanent ones per recipient; credentials come from
  ``RAN_EVENTS_SMTP_USER`` / ``RAN_EVENTS_SMTP_PASSWORD``.
"""

from ._smtp import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    DeliveryReport,
    MessageLog,
    SmtpSettings,
    Undelivered,
    send_queued,
)

__all__ = [
    "PASSWORD_VARIABLE",
    "USER_VARIABLE",
    "DeliveryReport",
    "MessageLog",
    "SmtpSettings",
    "Undelivered",
    "send_queued",
]
