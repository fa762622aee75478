"""The registry check protocol of ``http.py``, served: a small Starlette app over any check.

It exists so that ``HttpRegistry`` is tested against a real server, and so that operators
can run the sandbox registry as a process of its own, reached over HTTP like the national
platform. A request must carry a valid signature (401 otherwise) and a well-formed body
(400); the wrapped check answers, an UNAVAILABLE answer becomes a 503 (the client retries),
and every response is signed so that the client can tell it from a forgery.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.core.signatures import verify
from identity_graph.ids.types import IdType
from identity_graph.verification.providers.base import (
    PersonClaim,
    RegistryAnswer,
    RegistryCheck,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.providers.http import PERSONS_PATH, UNITS_PATH
from identity_graph.verification.providers.signed_http import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_message,
)

_C = TypeVar("_C")


def create_registry_app(registry: RegistryCheck, secret: bytes) -> Starlette:
    async def persons(request: Request) -> Response:
        return await _serve(request, secret, person_claim, registry.check_person)

    async def units(request: Request) -> Response:
        return await _serve(request, secret, unit_claim, registry.check_unit)

    return Starlette(
        routes=[
            Route(PERSONS_PATH, persons, methods=["POST"]),
            Route(UNITS_PATH, units, methods=["POST"]),
        ]
    )


async def _serve(
    request: Request,
    secret: bytes,
    parse: Callable[[dict[str, Any]], _C],
    check: Callable[[_C], Awaitable[RegistryAnswer]],
) -> Response:
    body = await request.body()
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not verify(secret, timestamp, body, signature, now=time.time()):
        return _signed(secret, {"error": "bad signature"}, 401)
    try:
        data = orjson.loads(body)
        request_id, claim = _text(data, "request_id"), parse(data)
    except (ValueError, KeyError, TypeError):  # orjson.JSONDecodeError is a ValueError
        return _signed(secret, {"error": "malformed request"}, 400)
    answer = await check(claim)
    if answer.outcome is RegistryOutcome.UNAVAILABLE:
        return _signed(secret, {"request_id": request_id, "error": answer.detail}, 503)
    return _signed(
        secret,
        {
            "request_id": request_id,
            "outcome": answer.outcome.value,
            "mismatched": list(answer.mismatched),
            "reference": answer.reference,
        },
        200,
    )


def _signed(secret: bytes, content: dict[str, Any], status: int) -> Response:
    body, headers = signed_message(secret, content)
    return Response(body, status, headers, media_type="application/json")


def person_claim(data: dict[str, Any]) -> PersonClaim:
    return PersonClaim(
        real_name=_text(data, "real_name"),
        id_type=IdType(data["id_type"]),
        id_number=_text(data, "id_number"),
        valid_from=_day(data.get("valid_from")),
        valid_until=_day(data.get("valid_until")),
        long_term=_flag(data.get("long_term", False)),
    )


def unit_claim(data: dict[str, Any]) -> UnitClaim:
    proxy = data.get("proxy_id_number")
    return UnitClaim(
        code=_text(data, "code"),
        name=_text(data, "name"),
        legal_rep_name=_text(data, "legal_rep_name"),
        legal_rep_id_type=IdType(data["legal_rep_id_type"]),
        legal_rep_id_number=_text(data, "legal_rep_id_number"),
        founding_date=_day(data.get("founding_date")),
        proxy_id_number=None if proxy is None else _text(data, "proxy_id_number"),
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def _day(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("date")
    return date.fromisoformat(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("flag")
    return value
