"""``ran-events send EVENT --db STORE --smtp smtp://HOST:PORT``: send what is queued."""

from __future__ import annotations

import argparse
import ipaddress
import os
import urllib.parse
from typing import Any, Final, Literal

from ..delivery import PASSWORD_VARIABLE, USER_VARIABLE, SmtpSettings, send_queued
from ..errors import InvalidEmail
from ..models import normalise_email
from ._base import Console, InputError, UsageError
from ._stored import add_db_option, opened, required_db, shown_location, stored_event

DEFAULT_PORTS: Final = {"none": 25, "starttls": 587, "ssl": 465}
"""The port used when ``--smtp`` names none, by security."""


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of messages a minute")
    return value


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "send",
        help="send the messages queued in a store by SMTP, each once",
        description=(
            "Send every message of EVENT (its file, or its id in the store) that the store's "
            "message log holds as queued, to the SMTP server of --smtp; each is marked sent "
            "only after the server took it, so a rerun sends what is left and nothing twice. "
            "Temporary failures are retried with a doubling pause and stay queued; permanent "
            "ones are recorded for their recipient. Log-in credentials come from the "
            f"environment only: {USER_VARIABLE} and {PASSWORD_VARIABLE} (never sent without "
            "--starttls or --ssl, except to a server on this machine). Exit status 1 when a "
            "message was not delivered."
        ),
    )
    parser.add_argument("event", metavar="EVENT", help="the event file, or the event's id")
    add_db_option(parser, "the store whose queued messages are sent")
    parser.add_argument(
        "--smtp",
        required=True,
        metavar="URL",
        help="the server: smtp://HOST[:PORT] (port 25 in the clear, 587 with --starttls, 465 "
        "with --ssl) or smtps://HOST[:PORT] (as --ssl)",
    )
    security = parser.add_mutually_exclusive_group()
    security.add_argument(
        "--starttls", action="store_true", help="upgrade the connection with STARTTLS"
    )
    security.add_argument("--ssl", action="store_true", help="implicit TLS (SMTPS)")
    parser.add_argument(
        "--from",
        dest="sender",
        metavar="ADDR",
        help="the envelope sender (MAIL FROM; default: each message's From, the organiser)",
    )
    parser.add_argument("--rate", type=_rate, metavar="N", help="send at most N messages a minute")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be sent (Message-ID, recipient, kind); connect to nothing",
    )
    parser.set_defaults(run=run)


def settings_of(args: argparse.Namespace) -> SmtpSettings:
    """The SMTP settings of ``--smtp``, ``--starttls``/``--ssl`` and ``--from``.

    Raises:
        UsageError: ``--smtp`` is not an smtp:// or smtps:// URL with a host, or has a bad port.
        InputError: ``--from`` is not an e-mail address.
    """
    url = urllib.parse.urlsplit(args.smtp)
    try:
        port = url.port
    except ValueError:
        raise UsageError(
            f"--smtp {args.smtp!r}: the port is not a number from 1 to 65535"
        ) from None
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise UsageError(f"--smtp {args.smtp!r}: give smtp://HOST[:PORT] or smtps://HOST[:PORT]")
    if url.username is not None or url.path.strip("/"):
        raise UsageError(
            f"--smtp: give only the host and port; credentials come from {USER_VARIABLE} "
            f"and {PASSWORD_VARIABLE}"
        )
    security: Literal["ssl", "starttls", "none"] = "starttls" if args.starttls else "none"
    if args.ssl or url.scheme == "smtps":
        security = "ssl"
    sender = None
    if args.sender is not None:
        try:
            sender = normalise_email(args.sender)
        except InvalidEmail as exc:
            raise InputError("--from", str(exc)) from None
    return SmtpSettings(
        host=url.hostname,
        port=port or DEFAULT_PORTS[security],
        security=security,
        envelope_from=sender,
    )


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace, console: Console) -> int:
    location = required_db(args, "send")
    settings = settings_of(args)
    if (
        settings.security == "none"
        and not args.dry_run
        and (os.environ.get(USER_VARIABLE) or os.environ.get(PASSWORD_VARIABLE))
        and not _local(settings.host)
    ):
        raise UsageError(
            f"{USER_VARIABLE} is set but the connection to {settings.host} would not be "
            "encrypted; add --starttls or --ssl (credentials are never sent in the clear)"
        )
    with opened(location) as store:
        event = stored_event(store, args.event)
        report = send_queued(store, event.id, smtp=settings, rate=args.rate, dry_run=args.dry_run)
    where = shown_location(location)
    if args.dry_run:
        for message_id, recipient, kind in report.planned:
            console.out(f"{message_id}  {recipient}  {kind}")
        console.out(
            f"would send {len(report.planned)} queued message(s) of {event.id} from {where} "
            f"to {settings.describe()} (dry run: nothing sent)"
        )
        return 0
    for missed in report.undelivered:
        what = "refused for good" if missed.permanent else "left queued"
        console.err(f"{where}: {missed.message_id} to {missed.recipient}: {what}: {missed.error}")
    left = sum(not m.permanent for m in report.undelivered)
    failed = len(report.undelivered) - left
    if not report.sent and not report.undelivered:
        console.out(f"nothing queued for {event.id} in {where}: nothing sent")
        return 0
    console.out(
        f"sent {len(report.sent)} message(s) of {event.id} to {settings.describe()}; "
        f"{left} left queued for the next run, {failed} refused for good"
    )
    return 1 if report.undelivered else 0
