"""Delivery gateways, chosen by ``IDG_NOTIFIER``: the outbox (default) and an HTTP gateway.

* ``outbox``: the message row *is* the delivery. Operators and tests read it with
  ``identity-graph outbox`` or the admin ``outbox`` query; nothing leaves the machine.
* ``http``: a signed JSON POST to an SMS/e-mail gateway. The body is signed with
  HMAC-SHA256 over ``timestamp + "." + body`` (header ``X-IDG-Signature: sha256=<hex>``, the
  scheme of ``core.signatures``, which the gateway's tests import from here as ``sign``),
  the message id is the ``Idempotency-Key`` so a retried job is not sent twice by a gateway
  that honours it, and 5xx / timeouts raise ``GatewayUnavailable`` for the job to retry.
"""

from __future__ import annotations

import time

import httpx
import orjson

from identity_graph.core.outbound import outbound_client
from identity_graph.core.signatures import sign
from identity_graph.notifications.base import GatewayUnavailable, OutgoingMessage


class OutboxGateway:
    name = "outbox"

    async def deliver(self, message: OutgoingMessage) -> str:
        return f"outbox:{message.id}"


class HttpGateway:
    name = "http"

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = 5.0,
        attempts: int = 2,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not url:
            raise ValueError("IDG_SMS_GATEWAY_URL is required for the http notifier")
        self._url = url
        self._secret = secret
        self._attempts = attempts
        self._client = client or outbound_client(timeout=timeout)

    async def deliver(self, message: OutgoingMessage) -> str:
        body = orjson.dumps(
            {
                "id": str(message.id),
                "channel": message.channel.value,
                "template": message.template,
                "to": message.destination,
                "text": message.text,
            }
        )
        last_error = "no attempt made"
        for _ in range(self._attempts):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": f"idg-message-{message.id}",
                "X-IDG-Timestamp": timestamp,
                "X-IDG-Signature": sign(self._secret, timestamp, body),
            }
            try:
                response = await self._client.post(self._url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}"
                continue
            if response.status_code < 300:
                return str(_reference(response) or f"http:{message.id}")
            if response.status_code < 500 and response.status_code != 429:
                raise GatewayUnavailable(f"gateway refused message: HTTP {response.status_code}")
            last_error = f"HTTP {response.status_code}"
        raise GatewayUnavailable(last_error)

    async def aclose(self) -> None:
        await self._client.aclose()


def _reference(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("reference") if isinstance(data, dict) else None
    return str(value)[:128] if value else None
