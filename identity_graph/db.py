"""Database configuration and migrations (Tortoise 1.x built-in migrations).

One Tortoise app, ``models``, lists every domain's model module; migrations live in
``identity_graph/migrations`` and run unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
]
MIGRATIONS_MODULE = "identity_graph.migrations"


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "asyncpg", "psycopg"}


async def _release_as_is(connection: Any) -> None:
    """Return a PostgreSQL connection to the pool without asyncpg's reset query.

    asyncpg's pool first rolls back any transaction left open (always, before this hook),
    then by default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release: one more round trip after each statement run outside a
    transaction. This service takes no advisory locks, declares no cursors, listens to
    nothing and sets no session variables, so there is nothing to reset.
    """


def tortoise_config(url: str, pool_size: int = 10, statement_timeout_ms: int = 0) -> dict[str, Any]:
    """The Tortoise config dict for ``url`` (``sqlite://path`` or ``postgres://…``).

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


def ensure_sqlite_dir(url: str) -> None:
    path = url.split("://", 1)[1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(url: str, pool_size: int = 10, statement_timeout_ms: int = 0) -> None:
    """Initialise Tortoise for this process (visible to every task, as Starlette needs)."""
    config = tortoise_config(url, pool_size, statement_timeout_ms)
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(url: str) -> None:
    """Apply every pending migration; safe to run at each start."""
    await tortoise_migrate(config=tortoise_config(url, 2))
    await Tortoise.close_connections()
