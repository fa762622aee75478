"""``transactionConfirmationChanged`` over graphql-transport-ws on real ports (issue 13): a
partner's subscription shows its request, and when the request's time runs out (which no
write announces until someone reads it) the subscription's own read at that moment expires
it and ends with EXPIRED."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from identity_graph.confirmations.drafts import Draft, PersonDraft
from identity_graph.core.audit import AuditContext
from identity_graph.ids.types import IdType
from tests.confirmations.flows import partner
from tests.graphql.test_subscriptions import connect, nodes, receive, ws_url  # noqa: F401
from tests.oauth.helpers import basic
from tests.verification.flows import ZHANG_WEI

CHANGED = "subscription S($id: ID!) { transactionConfirmationChanged(id: $id) { state } }"


async def test_a_request_running_out_of_time_ends_the_subscription_expired(nodes, clock):
    node_a, node_b, container_b = nodes
    backend = await partner(container_b)
    async with httpx.AsyncClient(base_url=node_b) as http:
        answer = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(backend.client_id, backend.client_secret),
        )
    token = answer.json()["access_token"]
    person = PersonDraft(
        ZHANG_WEI["realName"], IdType.RESIDENT_ID_CARD, ZHANG_WEI["idNumber"], "股东"
    )
    draft = Draft("REG-2026-0042", "设立登记", "设立登记：示例公司。", [person])
    request = await container_b.confirmations.create(
        backend.client_id, draft, AuditContext(), ttl=timedelta(seconds=1)
    )

    socket = await connect(ws_url(node_a), token)
    assert (await receive(socket))["type"] == "connection_ack"
    payload = {"query": CHANGED, "variables": {"id": str(request.id)}}
    await socket.send(json.dumps({"id": "c", "type": "subscribe", "payload": payload}))
    assert await state_of(socket) == "OPEN"
    clock.advance(seconds=2)  # its time is up; nothing has been written or announced
    assert await state_of(socket) == "EXPIRED"
    assert (await receive(socket))["type"] == "complete"
    await socket.close()


async def state_of(socket: Any) -> str:
    message = await receive(socket, 5.0)
    assert message["type"] == "next", message
    return str(message["payload"]["data"]["transactionConfirmationChanged"]["state"])
