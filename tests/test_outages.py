"""Outages of the real PostgreSQL and Redis, stopped and started during the test (issue 15).

Each test runs the real app (over HTTP through ASGI) against a throwaway PostgreSQL server
and a throwaway Redis (``tests/outage_helpers.py``), stops one of them, and checks what a
client sees: 503 with ``Retry-After`` and a typed code in each transport's shape (GraphQL
``SERVICE_UNAVAILABLE``, OAuth ``temporarily_unavailable``, a page in the reader's
language), ``/readyz`` naming the dependency that is down, and, once it is back, the same
tokens working again with no restart. A database crash in the middle of a mutation leaves
nothing half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from identity_graph import container as containers
from identity_graph import db as idg_db
from identity_graph.accounts.models import NaturalPerson
from identity_graph.accounts.records import InfoUpdateRecord
from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.core.audit import AuditEvent
from identity_graph.core.clock import FixedClock
from identity_graph.core.jobs import Job
from identity_graph.sessions.tokens import LoginSession
from identity_graph.settings import Settings
from identity_graph.verification.models import VerificationCase
from tests.graphql.accounts_helpers import LOGIN, ME, PASSWORD, login
from tests.outage_helpers import ThrowawayPostgres, ThrowawayRedis, throwaway_postgres
from tests.outage_helpers import throwaway_redis as start_redis
from tests.verification.flows import ZHANG_WEI, resident, submit

pytestmark = pytest.mark.outage

RETRY_AFTER = "5"


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[ThrowawayRedis]:
    with start_redis() as server:
        yield server


@dataclass
class Env:
    http: httpx.AsyncClient
    container: Container
    hooks: containers.TestHooks
    url: str

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
        expect_status: int = 200,
    ) -> dict[str, Any]:
        response = await self.post_graphql(query, variables, token=token, language=language)
        assert response.status_code == expect_status, response.text
        return dict(response.json())

    async def post_graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if language:
            headers["Accept-Language"] = language
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )


@contextlib.asynccontextmanager
async def running_app(
    postgres: ThrowawayPostgres, redis: ThrowawayRedis, tmp_path: Path, session_database: str
) -> AsyncIterator[Env]:
    """The app on a fresh database of the throwaway server, sharing the throwaway Redis;
    both servers are running again when the test ends, whatever it did to them.

    Tortoise keeps per-model query builders and insert statements at class level, built
    for one dialect: they are rebuilt for this PostgreSQL server on the way in, and for the
    session's own database (SQLite in the default run) on the way out."""
    name = f"outage_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres.url.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = postgres.url_for(name)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        database_url=url,
        redis_url=redis.url,
    )
    hooks = containers.TestHooks()
    EXECUTOR_CACHE.clear()
    try:
        async with TortoiseContext() as context:  # the session's own database stays as it is
            await idg_db.migrate(url)
            await context.init(config=idg_db.tortoise_config(url, 4, 2.0))
            container = Container(settings, clock=FixedClock(), test_hooks=hooks)
            assert container.redis is not None
            await container.redis.flushdb()  # rate limits of the previous test
            app = create_app(settings, container, manage_database=False)
            transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver"
            ) as http:
                yield Env(http, container, hooks, url)
            await container.aclose()
    finally:
        if not postgres.running:
            postgres.start()
        if redis.process is None:
            redis.start()
        EXECUTOR_CACHE.clear()
        await Tortoise.close_connections()
        await idg_db.open_database(session_database, pool_size=5)


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == RETRY_AFTER


def _graphql_code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_database_down_answers_503_everywhere_and_recovers(
    postgres: ThrowawayPostgres, redis_server: ThrowawayRedis, tmp_path: Path, database: str
) -> None:
    async with running_app(postgres, redis_server, tmp_path, database) as env:
        token = await resident(env.gql, env.hooks, env.container, ZHANG_WEI)
        assert "errors" not in await env.gql(ME, token=token)
        postgres.stop()

        me = await env.post_graphql(ME, token=token, language="en")  # bearer read first
        _assert_unavailable(me)
        assert _graphql_code(me) == "SERVICE_UNAVAILABLE"
        assert me.json()["errors"][0]["message"] == (
            "The service is temporarily unavailable; please try again in 5 seconds"
        )
        captcha = await env.post_graphql("{ captcha { id } }")  # fails during execution
        _assert_unavailable(captcha)
        assert _graphql_code(captcha) == "SERVICE_UNAVAILABLE"
        assert captcha.json()["errors"][0]["message"].startswith("服务暂时不可用")
        assert "INTERNAL_ERROR" not in captcha.text

        page = await env.http.get("/login")
        _assert_unavailable(page)
        assert page.headers["content-type"].startswith("text/html")
        assert "服务暂时不可用" in page.text and "Traceback" not in page.text
        english = await env.http.get("/login?lang=en")
        assert "Temporarily unavailable" in english.text

        token_endpoint = await env.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("c", "s")
        )
        _assert_unavailable(token_endpoint)
        assert token_endpoint.json()["error"] == "temporarily_unavailable"

        ready = await env.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "down", "redis": "up"}
        assert (await env.http.get("/healthz")).status_code == 200

        postgres.start()  # back: the same token works, nothing restarted
        assert (await env.gql(ME, token=token))["data"]["me"]["loginName"] == "zhangwei"
        ready = await env.http.get("/readyz")
        assert ready.json() == {"status": "ready", "database": "up", "redis": "up"}
        assert (await env.http.get("/login")).status_code == 200


async def test_a_crash_in_the_middle_of_a_mutation_leaves_nothing_half_written(
    postgres: ThrowawayPostgres, redis_server: ThrowawayRedis, tmp_path: Path, database: str
) -> None:
    async with running_app(postgres, redis_server, tmp_path, database) as env:
        token = await resident(env.gql, env.hooks, env.container, ZHANG_WEI)
        before = await NaturalPerson.get()
        records = await InfoUpdateRecord.all().count()
        changed = {**ZHANG_WEI, "idValidUntil": "2036-06-01"}

        # Hold the table the submission writes last, so it stops after its first writes
        # (the case with the proposed identity data, the account's pointer to it, the
        # registry job), then crash the server under it.
        blocker = await asyncpg.connect(env.url.replace("postgres://", "postgresql://", 1))
        await blocker.execute("BEGIN; LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
        submission = asyncio.create_task(submit(env.gql, env.hooks, token, person=changed))
        written = await _until_waiting_on_a_lock(blocker)
        assert {"verification_cases", "accounts", "jobs"} <= written, written
        await asyncio.to_thread(postgres.stop, "immediate")
        with pytest.raises(AssertionError, match="SERVICE_UNAVAILABLE"):
            await submission  # the GraphQL helper expects 200: the answer was 503
        blocker.terminate()
        postgres.start()

        after = await NaturalPerson.get()
        assert after.id_valid_until == before.id_valid_until
        assert await InfoUpdateRecord.all().count() == records
        assert await VerificationCase.all().count() == 0
        assert await Job.filter(kind="verification.registry_check").count() == 0
        assert await AuditEvent.filter(action="verification.submitted").count() == 0
        resubmitted = await submit(env.gql, env.hooks, token, person=ZHANG_WEI)
        assert resubmitted["verification"]["status"] == "VERIFIED"


async def _until_waiting_on_a_lock(admin: asyncpg.Connection) -> set[str]:
    """Wait until the submission is blocked; return the tables its transaction has written."""
    for _ in range(200):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        if pid is not None:
            rows = await admin.fetch(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = $1 AND l.mode = 'RowExclusiveLock' AND l.granted",
                pid,
            )
            return {row["relname"] for row in rows}
        await asyncio.sleep(0.02)
    raise AssertionError("the submission never reached the locked table")


async def test_redis_down_fails_logins_closed_with_503_and_recovers(
    postgres: ThrowawayPostgres, redis_server: ThrowawayRedis, tmp_path: Path, database: str
) -> None:
    async with running_app(postgres, redis_server, tmp_path, database) as env:
        await resident(env.gql, env.hooks, env.container, ZHANG_WEI)
        sessions = await LoginSession.all().count()
        redis_server.stop()

        credentials = {"kind": "NATURAL_PERSON", "identifier": "zhangwei", "password": PASSWORD}
        refused = await env.post_graphql(LOGIN, {"input": credentials}, language="en")
        _assert_unavailable(refused)
        assert _graphql_code(refused) == "SERVICE_UNAVAILABLE"
        assert await LoginSession.all().count() == sessions
        page = await env.http.get("/login")  # the page's captcha is rate-limited in Redis
        _assert_unavailable(page)
        assert "服务暂时不可用" in page.text
        ready = await env.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "up", "redis": "down"}

        redis_server.start()
        tokens = await login(env.gql, "NATURAL_PERSON", "zhangwei")
        assert tokens["__typename"] == "SessionTokens", tokens
        assert (await env.http.get("/readyz")).status_code == 200
