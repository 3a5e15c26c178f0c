"""A new, empty database on the PostgreSQL test server, for a test or a benchmark run."""

from __future__ import annotations

import contextlib
import urllib.parse
import uuid
from collections.abc import Iterator


@contextlib.contextmanager
def fresh_database(server: str, prefix: str = "ran_test") -> Iterator[str]:
    """Create a database on the server at ``server`` (a URL); yield its URL; drop it."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
