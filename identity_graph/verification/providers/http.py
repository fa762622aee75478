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

import logging
import uuid
from typing import Any

import httpx

from identity_graph.verification.providers.base import (
    PERSON_FIELDS,
    UNIT_FIELDS,
    PersonClaim,
    RegistryAnswer,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.providers.signed_http import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedExchange,
    Unanswered,
)

PERSONS_PATH = "/v1/persons/check"
UNITS_PATH = "/v1/units/check"
__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "HttpRegistry", "person_body", "unit_body"]
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
        self._exchange = SignedExchange(
            base_url,
            secret,
            timeout=timeout,
            attempts=attempts,
            backoff_seconds=backoff_seconds,
            client=client,
            label="registry",
        )

    async def check_person(self, claim: PersonClaim) -> RegistryAnswer:
        return await self._check(PERSONS_PATH, person_body(claim), PERSON_FIELDS)

    async def check_unit(self, claim: UnitClaim) -> RegistryAnswer:
        return await self._check(UNITS_PATH, unit_body(claim), UNIT_FIELDS)

    async def aclose(self) -> None:
        await self._exchange.aclose()

    async def _check(
        self, path: str, fields: dict[str, Any], allowed: tuple[str, ...]
    ) -> RegistryAnswer:
        request_id = uuid.uuid4().hex
        try:
            data = await self._exchange.post(path, {**fields, "request_id": request_id}, request_id)
        except Unanswered as why:
            return _unavailable(str(why))
        decoded = _decode(data, allowed)
        if decoded is None:
            log.warning("registry %s: malformed answer to request %s", path, request_id)
            return _unavailable("malformed registry answer")
        answered_id, answer = decoded
        if answered_id != request_id:
            log.warning("registry %s: answer to request %s names another request", path, request_id)
            return _unavailable("registry answer for another request")
        return answer


def _decode(data: dict[str, Any], allowed: tuple[str, ...]) -> tuple[object, RegistryAnswer] | None:
    """The answer's request id and its meaning, or None if it is not a well-formed answer."""
    if data.get("outcome") not in _ANSWERED:
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
