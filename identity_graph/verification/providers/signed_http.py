"""Signed JSON over HTTP with retries: the transport every external authority adapter shares.

A request body is signed once (``core.signatures``; headers ``X-IDG-Timestamp`` and
``X-IDG-Signature``) and carries an idempotency key, so every retry is the same request,
byte for byte. Timeouts, connection errors, 429 and 5xx are retried with exponential
backoff; any other 4xx is a configuration error and is not. An answer counts only if it
is a 2xx, signed with the shared secret, fresh and a JSON object: anything else is a
failure described in words for operators (never with a field of the body, which may hold
personal data).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from identity_graph.core.outbound import outbound_client
from identity_graph.core.signatures import sign, verify

TIMESTAMP_HEADER = "X-IDG-Timestamp"
SIGNATURE_HEADER = "X-IDG-Signature"

log = logging.getLogger(__name__)


class Unanswered(Exception):
    """No believable answer came; ``str(self)`` says why (HTTP 503, unsigned answer...)."""


class SignedExchange:
    """POSTs signed JSON to one authority and returns its verified JSON answer."""

    def __init__(
        self,
        base_url: str,
        secret: bytes,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
        client: httpx.AsyncClient | None = None,
        label: str = "provider",
        now: Callable[[], float] = time.time,
    ) -> None:
        if not base_url or attempts < 1:
            raise ValueError("an HTTP provider needs a base URL and at least one attempt")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.label = label
        self._now = now
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._owns_client = client is None
        self._client = client or outbound_client(timeout=timeout)

    async def post(self, path: str, fields: dict[str, Any], key: str) -> dict[str, Any]:
        """The signed answer to ``fields`` sent to ``path`` under idempotency ``key``.

        Raises ``Unanswered`` when no attempt produced a signed 2xx JSON object.
        """
        body = orjson.dumps(fields)
        timestamp = str(int(self._now()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        response = await self._send(path, body, headers)
        if isinstance(response, str):
            log.warning("%s %s unavailable (%s), request %s", self.label, path, response, key)
            raise Unanswered(response)
        status = response.status_code
        if not 200 <= status < 300:
            log.warning(
                "%s %s refused request %s: HTTP %d (configuration?)", self.label, path, key, status
            )
            raise Unanswered(f"HTTP {status}")
        if not self.signed(response):
            log.warning("%s %s: unsigned or badly signed answer to %s", self.label, path, key)
            raise Unanswered(f"unsigned {self.label} answer")
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            log.warning("%s %s: malformed answer to request %s", self.label, path, key)
            raise Unanswered(f"malformed {self.label} answer")
        return data

    async def _send(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response | str:
        """The first response worth reading, or why none came (the last failure)."""
        failure = "no attempt made"
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.post(
                    self.base_url + path, content=body, headers=headers, timeout=self._timeout
                )
            except httpx.RequestError as exc:  # timeouts, refused connections, broken streams
                failure = type(exc).__name__
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            failure = f"HTTP {response.status_code}"
        return failure

    def signed(self, response: httpx.Response) -> bool:
        return verify(
            self.secret,
            response.headers.get(TIMESTAMP_HEADER, ""),
            response.content,
            response.headers.get(SIGNATURE_HEADER, ""),
            now=self._now(),
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def signed_message(
    secret: bytes, content: dict[str, Any], now: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """Body and signature headers of a signed JSON message (servers and callbacks)."""
    body = orjson.dumps(content)
    timestamp = str(int(time.time() if now is None else now))
    return body, {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}
