"""The partner's webhook (SPEC §8): on every change of a confirmation request the partner's
``webhookUrl`` receives its current state, signed, through the jobs outbox (retried with
backoff on 5xx, 429, timeouts and refused connections).

    POST <webhookUrl>
    Content-Type: application/json
    X-IDG-Webhook-Signature: <JWS, ES256, signed with a key from /oauth/jwks>
    Idempotency-Key: <request id>:<update time>

    {"event": "transaction_confirmation.changed", "id", "reference", "state", "updatedAt",
     "items": [{"position", "role", "state", "decidedAt", "declineReason", "evidence"}]}

The JWS's claims are ``iss`` (this service), ``aud`` (the partner's client id), ``iat``,
``jti`` and ``body_sha256`` (hex SHA-256 of the exact body bytes). A partner accepts a
delivery when the signature verifies against the JWKS, ``aud`` is its client id,
``body_sha256`` matches, ``iat`` is within five minutes of its clock (the replay window)
and it has not seen the ``jti`` before. Deliveries may repeat (at least once) and may
arrive out of order: ``updatedAt`` orders them, and each carries the whole current state.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from identity_graph.confirmations.models import ConfirmationItem, ConfirmationRequest
from identity_graph.confirmations.service import Signer
from identity_graph.core.clock import Clock
from identity_graph.core.outbound import outbound_client

SIGNATURE_HEADER = "X-IDG-Webhook-Signature"


class WebhookRefused(Exception):
    """The partner answered with an error status: the job retries later."""


def webhook_body(request: ConfirmationRequest, items: list[ConfirmationItem]) -> bytes:
    return orjson.dumps(
        {
            "event": "transaction_confirmation.changed",
            "id": str(request.id),
            "reference": request.reference,
            "state": request.state.value,
            "updatedAt": request.updated_at.isoformat(),
            "items": [
                {
                    "position": item.position,
                    "role": item.role,
                    "state": item.state.value,
                    "decidedAt": item.decided_at.isoformat() if item.decided_at else None,
                    "declineReason": item.decline_reason,
                    "evidence": item.evidence,
                }
                for item in items
            ],
        }
    )


class WebhookSender:
    def __init__(self, clock: Clock, signer: Signer, timeout: float = 5.0) -> None:
        self._clock = clock
        self._signer = signer
        self._client = outbound_client(timeout=timeout, follow_redirects=False)

    async def deliver(self, payload: Mapping[str, Any]) -> None:
        """The job handler: send the request's current state to its webhook."""
        request = await ConfirmationRequest.get_or_none(id=payload["request_id"])
        if request is None or not request.webhook_url:
            return
        items = await ConfirmationItem.filter(request_id=request.id).order_by("position")
        body = webhook_body(request, items)
        signature = await self._signer.sign(
            {
                "aud": request.client_id,
                "iat": int(self._clock.now().timestamp()),
                "jti": uuid.uuid4().hex,
                "body_sha256": hashlib.sha256(body).hexdigest(),
            }
        )
        response = await self._client.post(
            request.webhook_url,
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature,
                "Idempotency-Key": f"{request.id}:{request.updated_at.isoformat()}",
            },
        )
        if response.status_code >= 300:
            raise WebhookRefused(f"webhook answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
