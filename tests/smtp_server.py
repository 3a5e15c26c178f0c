"""A real SMTP server on 127.0.0.1 for the delivery tests (aiosmtpd, in a thread).

:func:`smtp_server` starts one on a free port and stops it; it keeps every message it
accepted with its envelope, and can be told to refuse recipients for good (``550``), for a
while (``451`` the first ``n`` times), or to drop the connection.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.controller import Controller


@attrs.define
class Received:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    data: bytes
    options: list[str]


@attrs.define
class Mailbox:
    """The server's behaviour and what it received."""

    received: list[Received] = attrs.Factory(list)
    refuse: dict[str, str] = attrs.Factory(dict)  # recipient -> reply ("550 ...")
    busy: Counter[str] = attrs.Factory(Counter)  # recipient -> 451s still to give
    hang_up: Counter[str] = attrs.Factory(Counter)  # recipient -> dropped connections to give
    refuse_data: str | None = None  # a reply to DATA instead of accepting ("554 ...")
    port: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if self.busy[address] > 0:
            self.busy[address] -= 1
            return "451 4.3.0 try again later"
        if self.hang_up[address] > 0:
            self.hang_up[address] -= 1
            server.transport.close()
            return "421 4.3.0 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        self.received.append(
            Received(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or envelope.content),
                options=list(envelope.mail_options),
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1 made with the openssl command: (server, client) contexts
    (the client trusts only that certificate)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


@contextmanager
def smtp_server(
    *, smtputf8: bool = True, ssl_context: ssl.SSLContext | None = None, **kwargs: Any
) -> Iterator[Mailbox]:
    """A running server (stopped on leaving); ``kwargs`` go to aiosmtpd's SMTP;
    ``ssl_context``: implicit TLS (SMTPS)."""
    mailbox = Mailbox(port=free_port())
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=mailbox.port,
        enable_SMTPUTF8=smtputf8,
        decode_data=False,
        ssl_context=ssl_context,
        server_hostname="127.0.0.1" if ssl_context is not None else None,
        **kwargs,
    )
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
