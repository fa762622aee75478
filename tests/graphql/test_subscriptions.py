"""Subscriptions over graphql-transport-ws at ``/graphql`` on real ports (issue 13, SPEC §9):
authentication in ``connection_init``, an event produced on one node reaching a subscriber
on another through Redis, and the connection limits (quota per account, operations per
connection, idle timeout)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import websockets
from redis.asyncio import Redis
from redis.exceptions import RedisError

from identity_graph.app import create_app
from identity_graph.container import Container
from tests.verification.flows import ZHANG_WEI, resident, submit
from tests.web.live import bound_socket, serving, url_of

SUBSCRIPTION = "subscription { myVerificationChanged { status statusText level } }"
PROTOCOL = websockets.Subprotocol("graphql-transport-ws")


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://") + "/graphql"


async def receive(socket: Any, wait: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(wait):
        frame = await socket.recv()
    assert isinstance(frame, str), "graphql-transport-ws messages are text frames"
    return dict(json.loads(frame))


async def connect(url: str, token: str | None = None, **params: Any) -> Any:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": {**payload, **params}}))
    return socket


async def subscribe(socket: Any, query: str = SUBSCRIPTION, op: str | None = None) -> str:
    op = op or uuid.uuid4().hex
    await socket.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query}}))
    return op


@pytest_asyncio.fixture
async def nodes(db, settings, clock, hooks, redis_url) -> AsyncIterator[tuple[str, str, Container]]:
    """Two nodes (each its own container and port) sharing the database and Redis."""
    probe = Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        await probe.ping()
    except (RedisError, OSError) as exc:
        await probe.aclose()
        pytest.skip(f"Redis unreachable at {redis_url}: {exc}")
    before = set(await probe.keys("idg:*"))
    shared = settings.model_copy(update={"redis_url": redis_url})
    first, second = Container(shared, clock, hooks), Container(shared, clock, hooks)
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
        created = set(await probe.keys("idg:*")) - before
        if created:  # this test's rate-limit counters and connection slots
            await probe.delete(*created)
        await probe.aclose()


async def test_an_event_on_one_node_reaches_a_subscriber_on_the_other(nodes, gql, hooks):
    node_a, node_b, container_b = nodes
    import httpx

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
        op = await subscribe(socket)
        first = await receive(socket)
        assert first["id"] == op and first["type"] == "next"
        assert first["payload"]["data"]["myVerificationChanged"]["status"] == "UNVERIFIED"

        result = await submit(gql_b, hooks, token, person=ZHANG_WEI)  # decided on node B
        assert result["verification"]["status"] == "VERIFIED"
        seen = []
        while not seen or seen[-1]["status"] != "VERIFIED":
            seen.append((await receive(socket))["payload"]["data"]["myVerificationChanged"])
        # The case opens PENDING, then the registry's answer verifies it: each state once.
        assert [state["status"] for state in seen] in (["PENDING", "VERIFIED"], ["VERIFIED"])
        assert seen[-1] == {
            "status": "VERIFIED",
            "statusText": "国家平台实名认证通过",
            "level": "REAL_NAME",
        }
        await socket.close()


async def test_tokens_are_checked_in_connection_init(nodes, gql, hooks, container):
    node_a, _, _ = nodes
    refused = await connect(ws_url(node_a), "not-a-token")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await receive(refused)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    anonymous = await connect(ws_url(node_a))
    assert (await receive(anonymous))["type"] == "connection_ack"
    op = await subscribe(anonymous)
    error = await receive(anonymous)
    assert error["id"] == op
    # graphql-transport-ws: an execution error comes as a result carrying errors.
    errors = error["payload"] if error["type"] == "error" else error["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    await anonymous.close()


async def test_connections_per_account_are_limited(nodes, gql, hooks, container, settings):
    node_a, node_b, _ = nodes
    token = await resident(gql, hooks, container, ZHANG_WEI)
    limit = settings.ws_connections_per_account
    opened = []
    for n in range(limit):
        socket = await connect(ws_url(node_a if n % 2 else node_b), token)  # both nodes count
        assert (await receive(socket))["type"] == "connection_ack"
        opened.append(socket)
    extra = await connect(ws_url(node_a), token)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await receive(extra)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    await opened.pop().close()
    await asyncio.sleep(0.2)  # the slot is given back when the socket closes
    again = await connect(ws_url(node_a), token)
    assert (await receive(again))["type"] == "connection_ack"
    for socket in [*opened, again]:
        await socket.close()


async def test_operations_per_connection_and_idle_sockets_are_limited(
    db, settings, container, gql, hooks
):
    tight = settings.model_copy(update={"ws_max_operations": 2, "ws_idle_seconds": 0.5})
    app = create_app(tight, container, manage_database=False)
    sock = bound_socket()
    token = await resident(gql, hooks, container, ZHANG_WEI)
    async with serving([(app, sock)]):
        socket = await connect(ws_url(url_of(sock)), token)
        assert (await receive(socket))["type"] == "connection_ack"
        for _ in range(2):
            await subscribe(socket)
            assert (await receive(socket))["type"] == "next"
        op = await subscribe(socket)
        refused = await receive(socket)
        assert (refused["id"], refused["type"]) == (op, "error")
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
        await socket.close()

        idle = await connect(ws_url(url_of(sock)), token)
        assert (await receive(idle))["type"] == "connection_ack"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await receive(idle, wait=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
