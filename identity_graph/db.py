"""Database configuration and migrations (Tortoise 1.x built-in migrations).

One Tortoise app, ``models``, lists every domain's model module; migrations live in
``identity_graph/migrations`` and run unchanged on SQLite and PostgreSQL.

Several nodes may start at once against one database (``serve`` migrates first): one of
them runs the migrations while holding a lock, the others wait for it and then find
nothing left to do. On PostgreSQL the lock is a session advisory lock on a connection of
its own, outside the pool (so pooled connections never hold one, see ``_release_as_is``),
released when the migrations end or the process dies. On SQLite, which only one host can
share, it is an exclusive ``flock`` on a file beside the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

MODEL_MODULES = [
    "identity_graph.core.audit",
    "identity_graph.core.jobs",
    "identity_graph.notifications.models",
    "identity_graph.challenges.models",
    "identity_graph.accounts.models",
    "identity_graph.clients.models",
    "identity_graph.clients.revocations",
    "identity_graph.agents.models",
    "identity_graph.sessions.models",
    "identity_graph.sessions.signing_keys",
    "identity_graph.sessions.tokens",
    "identity_graph.sessions.authorization_codes",
    "identity_graph.sessions.consents",
    "identity_graph.sessions.oauth_refresh",
    "identity_graph.sessions.pushed_requests",
    "identity_graph.sessions.qr_login",
    "identity_graph.sessions.upstream",
    "identity_graph.files.models",
    "identity_graph.verification.models",
    "identity_graph.confirmations.models",
    "identity_graph.recovery.reset_models",
    "identity_graph.recovery.appeals.models",
    "identity_graph.recovery.activation_models",
]
MIGRATIONS_MODULE = "identity_graph.migrations"
# pg_advisory_lock key of the migration lock: any constant that no other program on the
# same database uses ("idg-migr" as bytes).
MIGRATION_LOCK_KEY = 0x6964_672D_6D69_6772


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "asyncpg", "psycopg"}


async def _release_as_is(connection: Any) -> None:
    """Return a PostgreSQL connection to the pool without asyncpg's reset query.

    asyncpg's pool first rolls back any transaction left open (always, before this hook),
    then by default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release: one more round trip after each statement run outside a
    transaction. Pooled connections take no advisory locks (the migration lock lives on a
    dedicated connection, ``_migration_lock``), declare no cursors, listen to nothing and
    set no session variables, so there is nothing to reset.
    """


def tortoise_config(
    url: str, pool_size: int = 10, connect_timeout: float = 5.0, statement_timeout_ms: int = 0
) -> dict[str, Any]:
    """The Tortoise config dict for ``url`` (``sqlite://path`` or ``postgres://…``).

    ``connect_timeout`` bounds each new PostgreSQL connection: a database host that does
    not answer at all fails the request (503) instead of holding it for asyncpg's 60 s.
    ``statement_timeout_ms`` (PostgreSQL) cuts off any statement that runs longer, so a
    slow query cannot hold a pooled connection and a worker (0: no limit, for migrations).
    """
    connection: str | dict[str, Any] = url
    if is_postgres(url):
        separator = "&" if "?" in url else "?"
        if "maxsize=" not in url:
            url = f"{url}{separator}minsize=1&maxsize={pool_size}"
        connection = expand_db_url(url)
        connection["credentials"]["reset"] = _release_as_is
        connection["credentials"]["timeout"] = connect_timeout
        if statement_timeout_ms > 0:
            connection["credentials"]["server_settings"] = {
                "statement_timeout": str(statement_timeout_ms)
            }
    else:
        ensure_sqlite_dir(url)
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _sqlite_path(url: str) -> str:
    return url.split("://", 1)[1].split("?", 1)[0]


def ensure_sqlite_dir(url: str) -> None:
    path = _sqlite_path(url)
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(
    url: str, pool_size: int = 10, connect_timeout: float = 5.0, statement_timeout_ms: int = 0
) -> None:
    """Initialise Tortoise for this process (visible to every task, as Starlette needs)."""
    config = tortoise_config(url, pool_size, connect_timeout, statement_timeout_ms)
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(url: str, target: str | None = None) -> None:
    """Apply every pending migration (up to ``target``, e.g. ``0004_accounts_registration``)
    under the migration lock; safe to run at each start of each node."""
    async with _migration_lock(url):
        await tortoise_migrate(
            config=tortoise_config(url, 2), target=f"models.{target}" if target else None
        )
        await Tortoise.close_connections()


@contextlib.asynccontextmanager
async def _migration_lock(url: str) -> AsyncIterator[None]:
    if is_postgres(url):
        async with _advisory_lock(url):
            yield
    else:
        async with _file_lock(url):
            yield


@contextlib.asynccontextmanager
async def _advisory_lock(url: str) -> AsyncIterator[None]:
    credentials = expand_db_url(url)["credentials"]
    connection = await asyncpg.connect(
        host=credentials.get("host"),
        port=int(credentials.get("port") or 5432),
        user=credentials.get("user"),
        password=credentials.get("password"),
        database=credentials.get("database"),
    )
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        yield
    finally:
        # Closing the session releases the lock too; unlocking first frees the next node
        # without waiting for the server to notice the closed socket.
        with contextlib.suppress(Exception):
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await connection.close()


@contextlib.asynccontextmanager
async def _file_lock(url: str) -> AsyncIterator[None]:
    path = _sqlite_path(url)
    if not path or path == ":memory:":
        yield
        return
    ensure_sqlite_dir(url)
    flags = os.O_RDWR | os.O_CREAT
    fd = await anyio.to_thread.run_sync(os.open, f"{path}.migrate-lock", flags, 0o600)
    try:
        await anyio.to_thread.run_sync(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
