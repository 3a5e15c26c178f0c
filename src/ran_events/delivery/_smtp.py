"""Sending the store's queued messages by SMTP, exactly once (stdlib :mod:`smtplib`).

The store's message log is the source of truth. A message is marked sent only after the
server accepted it (``250`` after DATA), and only ``queued`` messages are sent, so running
:func:`send_queued` again after a crash or an interruption sends what is still queued and
nothing twice. (One window remains, as with every SMTP client: a crash between the server's
``250`` and the store's commit; the message keeps its ``Message-ID``, by which mail systems
and readers recognise a repeat.)

Failures are told apart by their SMTP reply code (RFC 5321 4.2.1):

* ``4xx`` and lost connections are temporary: retried after a growing pause
  (``backoff * 2**n`` seconds, the pause injectable as ``sleep``), then left queued with the
  error recorded (``attempts`` counts them) for the next run;
* ``5xx`` is permanent: recorded for that recipient (state ``failed``), and the run goes on.

Credentials come from the environment only, never from files or arguments:
``RAN_EVENTS_SMTP_USER`` and ``RAN_EVENTS_SMTP_PASSWORD`` (both or neither).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import email.policy
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Final, Literal, Protocol

import attrs

from .. import tz
from ..errors import DeliveryError, InvalidValue, SmtpUtf8Unsupported
from ..models import Registration
from ..store import QueuedMessage, Store

__all__ = [
    "PASSWORD_VARIABLE",
    "USER_VARIABLE",
    "DeliveryReport",
    "MessageLog",
    "SmtpSettings",
    "Undelivered",
    "queue_email",
    "send_queued",
]

USER_VARIABLE: Final = "RAN_EVENTS_SMTP_USER"
PASSWORD_VARIABLE: Final = "RAN_EVENTS_SMTP_PASSWORD"  # noqa: S105 - a variable name, not one

Security = Literal["ssl", "starttls", "none"]


class LoggedMessage(Protocol):
    """What :func:`send_queued` reads of a message in the log (the store's QueuedMessage)."""

    @property
    def message_id(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> bytes: ...


class MessageLog(Protocol):
    """The part of :class:`ran_events.store.Store` that delivery uses (a Protocol)."""

    def messages(self, event_id: str, *, state: str | None = None) -> Sequence[LoggedMessage]:
        """The event's messages in the order queued, those in ``state`` if given."""
        ...

    def mark_sent(self, message_id: str, *, at: _dt.datetime) -> None:
        """Record that the server accepted the message."""
        ...

    def mark_failed(
        self, message_id: str, *, at: _dt.datetime, error: str, permanent: bool
    ) -> None:
        """Record a failed attempt (a permanent one ends the message's delivery)."""
        ...


def _port(value: int) -> int:
    if not 0 < value < 65536:
        raise InvalidValue("smtp.port", value, "a TCP port from 1 to 65535")
    return value


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """Where and how to send.

    Attributes:
        host: the SMTP server.
        port: its port (default 587: submission with STARTTLS).
        security: ``"starttls"`` (default), ``"ssl"`` (implicit TLS, usually port 465) or
            ``"none"`` (only for a server on this machine or in tests).
        envelope_from: the envelope sender (``MAIL FROM``); default: each message's From.
        timeout: seconds to wait for the server.
        retries: how often a temporary failure is retried before the message is left queued.
        backoff: the first pause in seconds before a retry (doubled each time).
        ssl_context: the TLS context (default: :func:`ssl.create_default_context`, which
            checks the server's certificate and name).
    """

    host: str
    port: int = attrs.field(default=587, converter=_port)
    security: Security = attrs.field(default="starttls")
    envelope_from: str | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, eq=False, repr=False)

    @security.validator
    def _check_security(self, _attribute: object, value: str) -> None:
        if value not in ("ssl", "starttls", "none"):
            raise InvalidValue("smtp.security", value, "'ssl', 'starttls' or 'none'")

    def describe(self) -> str:
        """``host:port (security)``, for messages."""
        return f"{self.host}:{self.port} ({self.security})"


@attrs.frozen(kw_only=True)
class Undelivered:
    """A message the server did not take in this run.

    Attributes:
        message_id: its Message-ID.
        recipient: its recipient.
        error: the server's reply or the connection error.
        permanent: ``True``: refused for good (state ``failed``); ``False``: left queued.
    """

    message_id: str
    recipient: str
    error: str
    permanent: bool


@attrs.frozen(kw_only=True)
class DeliveryReport:
    """What :func:`send_queued` did (or, in a dry run, would do).

    Attributes:
        sent: the Message-IDs the server accepted, in order (in a dry run: none).
        undelivered: the messages refused or left queued, with why.
        planned: in a dry run, ``(message_id, recipient, kind)`` of every queued message;
            else empty.
    """

    sent: tuple[str, ...] = ()
    undelivered: tuple[Undelivered, ...] = ()
    planned: tuple[tuple[str, str, str], ...] = ()


def _credentials(environ: Mapping[str, str]) -> tuple[str, str] | None:
    user, password = environ.get(USER_VARIABLE), environ.get(PASSWORD_VARIABLE)
    if user is None and password is None:
        return None
    if not user or password is None:
        missing = USER_VARIABLE if not user else PASSWORD_VARIABLE
        raise DeliveryError(
            f"{missing} is not set; set both {USER_VARIABLE} and {PASSWORD_VARIABLE} to log "
            "in, or neither to send without logging in"
        )
    return user, password


_HEADERS: Final = BytesHeaderParser(policy=email.policy.default)


def _sender(message: LoggedMessage, settings: SmtpSettings) -> str:
    if settings.envelope_from is not None:
        return settings.envelope_from
    addresses: tuple[Address, ...]
    try:
        header = _HEADERS.parsebytes(message.data).get("From")
        addresses = tuple(getattr(header, "addresses", ()))
    except (ValueError, IndexError, TypeError):
        addresses = ()
    if len(addresses) != 1:
        raise DeliveryError(
            f"{message.message_id} has no single From address; give SmtpSettings.envelope_from"
        )
    return str(addresses[0].addr_spec)


class _Connection:
    """One SMTP session, opened when first needed and again after it was lost."""

    def __init__(self, settings: SmtpSettings, credentials: tuple[str, str] | None) -> None:
        self.settings = settings
        self.credentials = credentials
        self.client: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.client is not None:
            return self.client
        s = self.settings
        context = s.ssl_context or ssl.create_default_context()
        client: smtplib.SMTP
        if s.security == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{s.describe()} does not offer STARTTLS; use security='ssl' for "
                        "implicit TLS, or a server that offers it"
                    )
                client.starttls(context=context)
                client.ehlo()
            if self.credentials is not None:
                try:
                    client.login(*self.credentials)
                except smtplib.SMTPAuthenticationError as exc:
                    raise DeliveryError(
                        f"{s.describe()} refused the login of {self.credentials[0]!r}: "
                        f"{exc.smtp_code} {_text(exc.smtp_error)}"
                    ) from None
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(
                        f"{s.describe()} offers no login (AUTH); unset {USER_VARIABLE} and "
                        f"{PASSWORD_VARIABLE} to send without"
                    ) from None
        except BaseException:
            _quietly_close(client)
            raise
        self.client = client
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(self.client)
            self.client = None

    def drop(self) -> None:
        if self.client is not None:
            _quietly_close(self.client)
            self.client = None


def _quietly_close(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):  # closing a socket that is gone
        client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


_Outcome = tuple[Literal["sent", "temporary", "permanent"], str]


def _send_one(connection: _Connection, message: LoggedMessage, sender: str) -> _Outcome:
    """Hand one message to the server: ``("sent", "")`` or a failure with its text."""
    try:
        client = connection.open()
        options: list[str] = []
        if not (message.recipient.isascii() and sender.isascii()):
            if not client.has_extn("smtputf8"):
                raise SmtpUtf8Unsupported(
                    message.recipient, message.message_id, connection.settings.describe()
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        client.sendmail(sender, [message.recipient], message.data, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return _by_code(code, f"{code} {_text(reply)}")
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        return _by_code(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
    except smtplib.SMTPResponseException as exc:  # e.g. 421 at any step
        connection.drop()
        return _by_code(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        connection.drop()
        return ("temporary", f"connection: {exc}")
    return ("sent", "")


def _by_code(code: int, text: str) -> _Outcome:
    return ("permanent", text) if 500 <= code < 600 else ("temporary", text)


def queue_email(
    store: Store,
    event_id: str,
    registration: Registration,
    message: EmailMessage,
    *,
    kind: str,
    at: _dt.datetime,
    uid: str | None = None,
    sequence: int | None = None,
) -> QueuedMessage:
    """Put an e-mail to a registrant into the store's outgoing log, for :func:`send_queued`.

    Idempotent by the message's ``Message-ID`` (the store keeps the first).

    Args:
        kind: what it is (``"invitation"``, ``"decision"``, ``"offer"``, ``"cancellation"``).
        at: when it is queued.
        uid: the UID of the calendar object it carries, if any (a later CANCEL is sent for the
            sessions whose invitation was queued); ``sequence``: that object's SEQUENCE.
    """
    return store.queue_message(
        event_id,
        message_id=str(message["Message-ID"]),
        recipient=registration.email,
        kind=kind,
        data=message.as_bytes(),
        at=at,
        registration_id=registration.id,
        uid=uid,
        sequence=sequence,
    )


def send_queued(
    store: MessageLog,
    event_id: str,
    *,
    smtp: SmtpSettings,
    rate: float | None = None,
    dry_run: bool = False,
    now: Callable[[], _dt.datetime] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
) -> DeliveryReport:
    """Send every queued message of an event, each once; record each outcome in the log.

    Args:
        store: the store (its message log: ``messages``, ``mark_sent``, ``mark_failed``).
        event_id: the event whose messages are sent.
        smtp: the server and how to reach it.
        rate: at most this many messages per minute (``None``: as fast as the server takes
            them).
        dry_run: list what would be sent (:attr:`DeliveryReport.planned`); connect to
            nothing, change nothing.
        now: the clock for the log's timestamps (aware); default: the current UTC time.
        clock: a monotonic clock in seconds, for the rate limit.
        sleep: pauses (the rate limit and the backoff between retries).
        environ: where the credentials are read (default :data:`os.environ`).

    Returns:
        What was sent and what was not, with why.

    Raises:
        DeliveryError: the credentials are incomplete, the server refuses the login or
            STARTTLS is missing, or it cannot be reached after every retry (what was sent
            until then is recorded; the rest stays queued).
        SmtpUtf8Unsupported: a message needs SMTPUTF8 and the server lacks it (nothing is
            sent: the check is made before the first message).
        InvalidValue: ``rate`` is not positive.
    """
    if rate is not None and not rate > 0:
        raise InvalidValue("rate", rate, "a positive number of messages per minute")
    stamp = now or (lambda: _dt.datetime.now(_dt.UTC))
    queued = list(store.messages(event_id, state="queued"))
    if dry_run:
        return DeliveryReport(planned=tuple((m.message_id, m.recipient, m.kind) for m in queued))
    if not queued:
        return DeliveryReport()
    credentials = _credentials(os.environ if environ is None else environ)
    connection = _Connection(smtp, credentials)
    senders = {m.message_id: _sender(m, smtp) for m in queued}
    sent: list[str] = []
    undelivered: list[Undelivered] = []
    interval = 60.0 / rate if rate is not None else 0.0
    last: float | None = None
    try:
        _check_smtputf8(connection, queued, senders)
        for message in queued:
            if last is not None and interval:
                wait = last + interval - clock()
                if wait > 0:
                    sleep(wait)
            outcome, error = _send_one(connection, message, senders[message.message_id])
            attempt = 0
            while outcome == "temporary" and attempt < smtp.retries:
                sleep(smtp.backoff * 2**attempt)
                attempt += 1
                outcome, error = _send_one(connection, message, senders[message.message_id])
            last = clock()
            at = tz.check_aware(stamp(), "now")
            if outcome == "sent":
                store.mark_sent(message.message_id, at=at)
                sent.append(message.message_id)
                continue
            permanent = outcome == "permanent"
            store.mark_failed(message.message_id, at=at, error=error, permanent=permanent)
            undelivered.append(
                Undelivered(
                    message_id=message.message_id,
                    recipient=message.recipient,
                    error=error,
                    permanent=permanent,
                )
            )
            if not permanent and error.startswith("connection:"):
                raise DeliveryError(
                    f"{smtp.describe()} cannot be reached after {smtp.retries} retries "
                    f"({error}); {len(sent)} sent, the rest stays queued for the next run"
                )
    finally:
        connection.close()
    return DeliveryReport(sent=tuple(sent), undelivered=tuple(undelivered))


def _check_smtputf8(
    connection: _Connection, queued: Sequence[LoggedMessage], senders: Mapping[str, str]
) -> None:
    needing = [
        m for m in queued if not (m.recipient.isascii() and senders[m.message_id].isascii())
    ]
    if not needing:
        return
    try:
        client = connection.open()
    except (smtplib.SMTPException, OSError):
        return  # the first send reports the connection (and retries it)
    if not client.has_extn("smtputf8"):
        first = needing[0]
        raise SmtpUtf8Unsupported(
            first.recipient, first.message_id, connection.settings.describe()
        )
