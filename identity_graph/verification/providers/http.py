"""The registry check over HTTP: signed JSON to a national-platform gateway (SPEC §4.4, §10).

The wire protocol, which ``registry_server`` serves for tests and for a sandbox run as its
own process:

* ``POST {base_url}/v1/persons/check`` with ``real_name``, ``id_type``, ``id_number``,
  ``valid_from``, ``valid_until`` (ISO dates or null), ``long_term``; ``POST
  {base_url}/v1/units/check`` with ``code``, ``name``, ``legal_rep_name``,
  ``legal_rep_id_type``, ``legal_rep_id_number``, ``founding_date``, ``proxy_id_number``.
  Both carry a ``request_id`` that is also the ``Idempotency-Key`` header.
* Requests and answers are signed with ``core.signatures`` (headers ``X-IDG-Timestamp``,
  ``X-IDG-Signature``). An answer is ``{"request_id", "outcome": "match" | "mismatch" |
  "not_found", "mismatched": [field names of base.py], "reference"}``.

An answer is believed only if it is signed with the shared secret, fresh, well formed and
names this request's id: a forged or replayed MATCH must never verify anyone, so anything
else is UNAVAILABLE and the case stays PENDING. Timeouts, connection errors, 429 and 5xx
are retried with the same body, signature and request id, so a registry that deduplicates
on the key answers a retry once; any other 4xx is a configuration error and is not
retried. Logs name the path, the status and the request id, never a name or an ID number.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import httpx
import orjson

from identity_graph.core.signatures import sign, verify
from identity_graph.verification.providers.base import (
    PERSON_FIELDS,
    UNIT_FIELDS,
    PersonClaim,
    RegistryAnswer,
    RegistryOutcome,
    UnitClaim,
)

PERSONS_PATH = "/v1/persons/check"
UNITS_PATH = "/v1/units/check"
TIMESTAMP_HEADER = "X-IDG-Timestamp"
SIGNATURE_HEADER = "X-IDG-Signature"
# A tuple, not a set: membership by equality, so an unhashable "outcome" is just refused.
_ANSWERED = (RegistryOutcome.MATCH, RegistryOutcome.MISMATCH, RegistryOutcome.NOT_FOUND)
_REFERENCE_MAX = 128

log = logging.getLogger(__name__)


def person_body(claim: PersonClaim) -> dict[str, Any]:
    """The JSON fields of a person check (orjson writes dates as ISO 8601)."""
    return {
        "real_name": claim.real_name,
        "id_type": claim.id_type.value,
        "id_number": claim.id_number,
        "valid_from": claim.valid_from,
        "valid_until": claim.valid_until,
        "long_term": claim.long_term,
    }


def unit_body(claim: UnitClaim) -> dict[str, Any]:
    """The JSON fields of a unit check."""
    return {
        "code": claim.code,
        "name": claim.name,
        "legal_rep_name": claim.legal_rep_name,
        "legal_rep_id_type": claim.legal_rep_id_type.value,
        "legal_rep_id_number": claim.legal_rep_id_number,
        "founding_date": claim.founding_date,
        "proxy_id_number": claim.proxy_id_number,
    }


class HttpRegistry:
    """``RegistryCheck`` against a registry gateway speaking the protocol above."""

    name = "http"

    def __init__(
        self,
        base_url: str,
        secret: bytes,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not base_url or attempts < 1:
            raise ValueError("the http registry needs a base URL and at least one attempt")
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def check_person(self, claim: PersonClaim) -> RegistryAnswer:
        return await self._check(PERSONS_PATH, person_body(claim), PERSON_FIELDS)

    async def check_unit(self, claim: UnitClaim) -> RegistryAnswer:
        return await self._check(UNITS_PATH, unit_body(claim), UNIT_FIELDS)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def _check(
        self, path: str, fields: dict[str, Any], allowed: tuple[str, ...]
    ) -> RegistryAnswer:
        request_id = uuid.uuid4().hex
        body = orjson.dumps({**fields, "request_id": request_id})
        # Signed once: every retry is the same request, byte for byte.
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": request_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        response = await self._post(path, body, headers)
        if isinstance(response, str):
            log.warning("registry %s unavailable (%s), request %s", path, response, request_id)
            return _unavailable(response)
        return self._read(path, response, request_id, allowed)

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response | str:
        """The first response worth reading, or why none came (the last failure)."""
        failure = "no attempt made"
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.post(
                    self._base_url + path, content=body, headers=headers, timeout=self._timeout
                )
            except httpx.RequestError as exc:  # timeouts, refused connections, broken streams
                failure = type(exc).__name__
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            failure = f"HTTP {response.status_code}"
        return failure

    def _read(
        self, path: str, response: httpx.Response, request_id: str, allowed: tuple[str, ...]
    ) -> RegistryAnswer:
        status = response.status_code
        if not 200 <= status < 300:
            log.warning(
                "registry %s refused request %s: HTTP %d (configuration?)", path, request_id, status
            )
            return _unavailable(f"HTTP {status}")
        if not self._signed(response):
            log.warning("registry %s: unsigned or badly signed answer to %s", path, request_id)
            return _unavailable("unsigned registry answer")
        decoded = _decode(response.content, allowed)
        if decoded is None:
            log.warning("registry %s: malformed answer to request %s", path, request_id)
            return _unavailable("malformed registry answer")
        answered_id, answer = decoded
        if answered_id != request_id:
            log.warning("registry %s: answer to request %s names another request", path, request_id)
            return _unavailable("registry answer for another request")
        return answer

    def _signed(self, response: httpx.Response) -> bool:
        return verify(
            self._secret,
            response.headers.get(TIMESTAMP_HEADER, ""),
            response.content,
            response.headers.get(SIGNATURE_HEADER, ""),
            now=time.time(),
        )


def _decode(content: bytes, allowed: tuple[str, ...]) -> tuple[object, RegistryAnswer] | None:
    """The answer's request id and its meaning, or None if it is not a well-formed answer."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("outcome") not in _ANSWERED:
        return None
    outcome = RegistryOutcome(data["outcome"])
    mismatched, reference = data.get("mismatched", []), data.get("reference")
    if not isinstance(mismatched, list) or not all(name in allowed for name in mismatched):
        return None
    # A mismatch names at least one field, and only a mismatch names any.
    if (outcome is RegistryOutcome.MISMATCH) != bool(mismatched):
        return None
    if reference is not None and not isinstance(reference, str):
        return None
    names = tuple(dict.fromkeys(mismatched))
    return data.get("request_id"), RegistryAnswer(
        outcome, names, reference=reference[:_REFERENCE_MAX] if reference else None
    )


def _unavailable(detail: str) -> RegistryAnswer:
    return RegistryAnswer(RegistryOutcome.UNAVAILABLE, detail=detail)
