"""``qrLoginStatus`` over graphql-transport-ws on real ports (issue 13): an approval made on
one node reaches the page subscribed on the other long before any backstop; a notice that
overtakes its write still ends in the written state; an expiry, which nobody announces,
ends the subscription with EXPIRED at the request's own expiry."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from identity_graph.graphql.subscriptions import QR_BACKSTOP_SECONDS
from identity_graph.sessions.qr_login import QrLoginRequest, QrState, qr_channel
from tests.graphql.test_subscriptions import connect, nodes, receive, ws_url  # noqa: F401
from tests.verification.flows import ZHANG_WEI, resident
from tests.web.test_qr_login import APPROVE

QR_STATUS = (
    "subscription Q($id: ID!, $token: String!) { qrLoginStatus(requestId: $id, pollToken: $token) }"
)


async def watching(url: str, request_id: uuid.UUID, poll_token: str) -> Any:
    """A page's socket subscribed to its request, after the first state (PENDING)."""
    socket = await connect(ws_url(url))
    assert (await receive(socket))["type"] == "connection_ack"
    variables = {"id": str(request_id), "token": poll_token}
    payload = {"query": QR_STATUS, "variables": variables}
    await socket.send(json.dumps({"id": "qr", "type": "subscribe", "payload": payload}))
    assert await state_of(socket) == "PENDING"
    return socket


async def state_of(socket: Any, wait: float = 5.0) -> str:
    message = await receive(socket, wait)
    assert message["type"] == "next", message
    return str(message["payload"]["data"]["qrLoginStatus"])


async def test_an_approval_on_one_node_reaches_the_page_on_the_other(nodes, hooks):
    node_a, node_b, container_b = nodes
    challenge = await container_b.qr_logins.start()
    socket = await watching(node_a, challenge.request_id, challenge.poll_token)
    async with httpx.AsyncClient(base_url=node_b) as http_b:

        async def gql_b(query: str, variables: Any = None, **kw: Any) -> Any:
            headers = {"Authorization": f"Bearer {kw['token']}"} if kw.get("token") else {}
            body = {"query": query, "variables": variables}
            return (await http_b.post("/graphql", json=body, headers=headers)).json()

        token = await resident(gql_b, hooks, container_b, ZHANG_WEI)
        sent = time.monotonic()
        answer = await gql_b(APPROVE, {"code": challenge.qr_text}, token=token)
    assert answer["data"]["approveQrLogin"]["__typename"] == "QrLoginApproved"
    assert await state_of(socket) == "APPROVED"
    assert time.monotonic() - sent < QR_BACKSTOP_SECONDS / 10  # the notice, not a timer
    assert (await receive(socket))["type"] == "complete"
    await socket.close()


async def test_a_notice_ahead_of_its_write_still_shows_the_written_state(nodes):
    node_a, _, container_b = nodes
    challenge = await container_b.qr_logins.start()
    socket = await watching(node_a, challenge.request_id, challenge.poll_token)
    await container_b.events.publish(qr_channel(challenge.request_id), {"state": "approved"})
    await asyncio.sleep(0.1)  # the subscriber reads "pending" first, then again while settling
    await QrLoginRequest.filter(id=challenge.request_id).update(state=QrState.APPROVED)
    assert await state_of(socket) == "APPROVED"
    await socket.close()


async def test_an_expiry_without_any_notice_ends_the_subscription(nodes, clock):
    node_a, _, container_b = nodes
    challenge = await container_b.qr_logins.start()
    await QrLoginRequest.filter(id=challenge.request_id).update(
        expires_at=clock.now() + timedelta(seconds=1)
    )
    socket = await watching(node_a, challenge.request_id, challenge.poll_token)
    clock.advance(seconds=2)  # the request lapses; nothing is written or published
    started = time.monotonic()
    assert await state_of(socket) == "EXPIRED"
    assert time.monotonic() - started < 3  # read at its expiry, not at the 60 s backstop
    assert (await receive(socket))["type"] == "complete"
    await socket.close()
