"""The event bus over PostgreSQL LISTEN/NOTIFY (``core/postgres_bus.py``, issue 16).

Two containers stand for two worker processes or nodes configured with a PostgreSQL
database and **no Redis**: each has its own caches and its own listening connection, and
they share only the database. PostgreSQL only: skipped in the SQLite run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from identity_graph import db as idg_db
from identity_graph.accounts.enums import Role
from identity_graph.app import create_app
from identity_graph.clients.models import OAuthClient
from identity_graph.container import Container
from identity_graph.core.events import RESYNC, LocalBus, RedisBus
from identity_graph.core.postgres_bus import PAYLOAD_LIMIT, PostgresBus, connector, encode
from tests.graphql.test_clients_admin import BACKEND, REGISTER, UPDATE, staff_token
from tests.graphql.test_subscriptions import connect, receive, subscribe, ws_url
from tests.oauth.test_caches import Process, _settings, grant, soon
from tests.verification.flows import ZHANG_WEI, resident, submit
from tests.web.live import bound_socket, serving, url_of

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(db: str) -> str:
    if not idg_db.is_postgres(db):
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (run with --db postgres)")
    return db


@pytest_asyncio.fixture
async def processes(pg: str, data_dir, clock) -> AsyncIterator[tuple[Process, Process]]:
    made: list[Process] = []
    for _ in range(2):
        settings = _settings(data_dir, database_url=pg)
        container = Container(settings, clock=clock)
        assert isinstance(container.events, PostgresBus)
        app = create_app(settings, container, manage_database=False)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        http = httpx.AsyncClient(transport=transport, base_url="https://testserver")
        made.append(Process(container, http))
    for process in made:
        await process.container.changes.ready()
    yield made[0], made[1]
    for process in made:
        await process.http.aclose()
        await process.container.aclose()


async def _client(process: Process) -> tuple[str, str, str]:
    admin = await staff_token(process.container, Role.ADMIN)
    created = (await process.gql(REGISTER, {"input": BACKEND}, admin))["registerClient"]
    return created["client"]["clientId"], created["clientSecret"], admin


async def _is(answer: Any, expected: int) -> bool:
    return bool(await answer == expected)


def test_the_bus_is_chosen_redis_then_postgres_then_in_process(data_dir) -> None:
    pg_url = "postgres://postgres@127.0.0.1:5432/any"
    chosen = {
        "redis": Container(_settings(data_dir, database_url=pg_url, redis_url="redis://x:1/8")),
        "postgres": Container(_settings(data_dir, database_url=pg_url)),
        "sqlite": Container(_settings(data_dir)),
    }
    assert isinstance(chosen["redis"].events, RedisBus)
    assert isinstance(chosen["postgres"].events, PostgresBus)
    assert type(chosen["sqlite"].events) is LocalBus


def test_a_notice_too_large_for_notify_becomes_a_resync() -> None:
    small = encode("cache", {"topic": "client", "key": "abc"})
    assert small == '{"c":"cache","d":{"topic":"client","key":"abc"}}'
    large = encode("cache", {"topic": "client", "key": "x" * 9000})
    assert large == '{"c":"cache","d":{"resync":true}}'
    assert len(encode("c" * 9000, {}).encode()) <= PAYLOAD_LIMIT
    assert encode("c" * 9000, {}) == '{"c":null,"d":{"resync":true}}'
    wide = encode("cache", {"key": "身" * 2700})  # 8,100 bytes in UTF-8: counted in bytes
    assert wide == '{"c":"cache","d":{"resync":true}}'


async def test_a_disabled_client_is_refused_by_the_other_process_at_once(processes):
    one, other = processes
    client_id, secret, admin = await _client(one)
    assert await grant(other, client_id, secret) == 200
    assert other.container.clients._cache.get(client_id)[0]  # served from memory now

    disabled = await one.gql(UPDATE, {"input": {"clientId": client_id, "disabled": True}}, admin)
    assert disabled["updateClient"]["client"]["disabled"] is True
    waited = await soon(lambda: _is(grant(other, client_id, secret), 401))
    assert waited < 1.0
    enabled = await one.gql(UPDATE, {"input": {"clientId": client_id, "disabled": False}}, admin)
    assert enabled["updateClient"]["client"]["disabled"] is False
    await soon(lambda: _is(grant(other, client_id, secret), 200))


async def test_notify_waits_for_the_commit_and_a_rollback_sends_nothing(processes):
    one, other = processes
    async with other.container.events.listen("probe") as listener:
        async with in_transaction():
            await one.container.events.publish("probe", {"n": 1})
            assert await listener.next(0.3) is None  # held by PostgreSQL until the commit
        assert await listener.next(2.0) == {"n": 1}

        class Abandon(Exception):
            pass

        with pytest.raises(Abandon):
            async with in_transaction():
                await one.container.events.publish("probe", {"n": 2})
                raise Abandon
        await one.container.events.publish("probe", {"n": 3})  # no transaction: at once
        assert await listener.next(2.0) == {"n": 3}


async def test_a_large_notice_reaches_the_other_process_as_a_resync(processes):
    one, other = processes
    async with other.container.events.listen("probe") as listener:
        await one.container.events.publish("probe", {"blob": "x" * 10_000})
        assert await listener.next(2.0) == RESYNC


async def test_the_listener_survives_a_killed_connection_and_drops_its_caches(processes, pg):
    one, other = processes
    bus = other.container.events
    assert isinstance(bus, PostgresBus)
    client_id, secret, _ = await _client(one)
    assert await grant(other, client_id, secret) == 200
    assert other.container.clients._cache.get(client_id)[0]
    # A change whose notice the other process will never hear (written behind its back).
    await OAuthClient.filter(client_id=client_id).update(disabled_at=one.container.clock.now())
    assert await grant(other, client_id, secret) == 200  # still from memory

    pid = bus.listener_pid
    assert pid is not None
    admin = await asyncpg.connect(pg.replace("postgres://", "postgresql://", 1))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()

    async def reconnected() -> bool:
        return bus.reconnects == 1 and bus.listener_pid not in (None, pid)

    await soon(reconnected, within=5.0)
    # Resynchronised: the cache was dropped, so the disabled client is refused at once.
    await soon(lambda: _is(grant(other, client_id, secret), 401))
    async with bus.listen("probe") as listener:  # and notices flow again
        await one.container.events.publish("probe", {"after": "reconnect"})
        assert await listener.next(2.0) == {"after": "reconnect"}


async def test_a_listener_that_cannot_connect_retries_then_resyncs(pg: str) -> None:
    attempts = 0
    real = connector(pg)

    async def flaky() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise OSError("database unreachable")
        return await real()

    bus = PostgresBus(flaky)
    try:
        async with bus.listen("probe") as listener:
            assert await listener.next(3.0) == RESYNC  # nothing heard while it was down
            assert attempts == 3 and bus.reconnects == 1
    finally:
        await bus.aclose()


@pytest_asyncio.fixture
async def nodes(pg, settings, clock, hooks) -> AsyncIterator[tuple[str, str, Container]]:
    """Two nodes (each its own container and port) sharing only the PostgreSQL database."""
    shared = settings.model_copy(update={"database_url": pg})
    first, second = Container(shared, clock, hooks), Container(shared, clock, hooks)
    assert isinstance(second.events, PostgresBus)
    sockets = (bound_socket(), bound_socket())
    apps = [
        (create_app(shared, first, manage_database=False), sockets[0]),
        (create_app(shared, second, manage_database=False), sockets[1]),
    ]
    try:
        async with serving(apps):
            yield url_of(sockets[0]), url_of(sockets[1]), second
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_subscription_event_crosses_nodes_without_redis(nodes, hooks):
    node_a, node_b, container_b = nodes
    async with httpx.AsyncClient(base_url=node_b) as http_b:

        async def gql_b(query: str, variables: Any = None, **kw: Any) -> Any:
            headers = {"Authorization": f"Bearer {kw['token']}"} if kw.get("token") else {}
            answer = await http_b.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            return answer.json()

        token = await resident(gql_b, hooks, container_b, ZHANG_WEI)
        socket = await connect(ws_url(node_a), token)
        assert (await receive(socket))["type"] == "connection_ack"
        await subscribe(socket)
        first = await receive(socket)
        assert first["payload"]["data"]["myVerificationChanged"]["status"] == "UNVERIFIED"

        result = await submit(gql_b, hooks, token, person=ZHANG_WEI)  # decided on node B
        assert result["verification"]["status"] == "VERIFIED"
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["status"] != "VERIFIED":
            frame = await receive(socket, wait=5.0)  # the backstop is 30 s: only NOTIFY fits
            seen.append(frame["payload"]["data"]["myVerificationChanged"])
        assert [state["status"] for state in seen] in (["PENDING", "VERIFIED"], ["VERIFIED"])
        await socket.close()
    await asyncio.sleep(0)
