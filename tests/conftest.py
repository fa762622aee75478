"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with ``--db postgres``), a
FixedClock, a container with test hooks, and an HTTP client speaking to the real ASGI app.

``make test`` runs the suite on SQLite, then again with ``--db postgres`` when
``IDG_TEST_POSTGRES_URL`` is set; the second run keeps only tests that touch the database.
"""

from __future__ import annotations

import graphlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio
from tortoise import Tortoise

from identity_graph import db as idg_db
from identity_graph.app import create_app
from identity_graph.container import Container, TestHooks
from identity_graph.core.clock import FixedClock
from identity_graph.settings import Settings

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="sqlite",
        choices=["sqlite", "postgres"],
        help="database for tests that use the `db` fixture",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "postgres":
        return
    keep, drop = [], []
    for item in items:
        uses_db = "db" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest_asyncio.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    base = os.environ.get("IDG_TEST_POSTGRES_URL")
    if not base:
        pytest.exit("--db postgres needs IDG_TEST_POSTGRES_URL", returncode=2)
    name = f"idg_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(base, name)
    finally:
        await Tortoise.close_connections()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[str]:
    await idg_db.migrate(database_url)
    await idg_db.open_database(database_url, pool_size=5)
    yield database_url
    await idg_db.close_database()


def _tables() -> list[str]:
    assert Tortoise.apps is not None
    return [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]


_EMPTYING: dict[str, str] = {}


async def _postgres_emptying_script(connection: Any, tables: list[str]) -> str:
    """``DELETE`` every table, each before the tables it references, and restart any
    sequence. A ``TRUNCATE`` of every table costs 100-1,000 ms per test on PostgreSQL (a new
    file per table); deleting the few rows a test leaves costs about 1 ms."""
    references = await connection.execute_query_dict(
        "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid"
        " JOIN pg_class parent ON parent.oid = c.confrelid"
        " WHERE c.contype = 'f' AND child.oid <> parent.oid"
    )
    referenced_by: dict[str, set[str]] = {name: set() for name in tables}
    for row in references:
        if row["parent"] in referenced_by and row["child"] in referenced_by:
            referenced_by[row["parent"]].add(row["child"])
    order = list(graphlib.TopologicalSorter(referenced_by).static_order())  # children first
    sequences = await connection.execute_query_dict(
        "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name) AS name"
        " FROM information_schema.sequences"
    )
    restarts = "".join(f"SELECT setval('{row['name']}', 1, false);" for row in sequences)
    return "".join(f'DELETE FROM "{name}";' for name in order) + restarts


@pytest_asyncio.fixture
async def db(database: str) -> AsyncIterator[str]:
    """A migrated database, emptied before each test."""
    connection = Tortoise.get_connection("default")
    tables = _tables()
    if database not in _EMPTYING:
        if idg_db.is_postgres(database):
            _EMPTYING[database] = await _postgres_emptying_script(connection, tables)
        else:
            _EMPTYING[database] = "".join(f'DELETE FROM "{name}";' for name in tables)
    await connection.execute_script(_EMPTYING[database])
    yield database


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
    )


@pytest.fixture
def hooks() -> TestHooks:
    return TestHooks()


@pytest_asyncio.fixture
async def container(
    db: str, settings: Settings, clock: FixedClock, hooks: TestHooks
) -> AsyncIterator[Container]:
    services = Container(settings, clock=clock, test_hooks=hooks)
    yield services
    await services.aclose()


@pytest_asyncio.fixture
async def client(settings: Settings, container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    """Send a GraphQL document over HTTP; return the JSON body (asserts HTTP 200)."""

    async def send(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
        expect_status: int = 200,
    ) -> dict[str, Any]:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if language:
            headers["Accept-Language"] = language
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == expect_status, response.text
        return dict(response.json())

    return send


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("IDG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
