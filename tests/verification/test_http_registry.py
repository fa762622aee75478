"""``HttpRegistry`` specifics: retries, timeouts, refusals, and what an answer must be to count.

Most cases script the registry with ``httpx.MockTransport`` (the point is the adapter's
reading of a response); timeouts, refused connections and the server's own signature check
use real local servers, because there the socket is the point.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.core.signatures import sign, verify
from identity_graph.ids.types import IdType
from identity_graph.verification.providers import signed_http
from identity_graph.verification.providers.base import (
    PersonClaim,
    RegistryAnswer,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.providers.http import HttpRegistry
from identity_graph.verification.providers.registry_file import load_registry
from identity_graph.verification.providers.registry_server import create_registry_app
from identity_graph.verification.providers.sandbox import SandboxRegistry
from tests.web.live import bound_socket, serving, url_of

SECRET = b"registry-shared-secret"
BASE_URL = "https://registry.test"
PERSON = PersonClaim(
    real_name="张伟",
    id_type=IdType.RESIDENT_ID_CARD,
    id_number="110105198503120039",
    valid_from=date(2015, 6, 1),
    valid_until=date(2035, 6, 1),
)
UNIT = UnitClaim(
    code="91110000MA01K7PW7Y",
    name="北京星桥信息技术有限公司",
    legal_rep_name="张伟",
    legal_rep_id_type=IdType.RESIDENT_ID_CARD,
    legal_rep_id_number="110105198503120039",
    founding_date=date(2014, 5, 20),
    proxy_id_number="440305199501300062",
)
PII = ("张伟", "110105198503120039", "北京星桥", "440305199501300062")
Handler = Callable[[httpx.Request], httpx.Response]


def signed(
    request: httpx.Request,
    status: int = 200,
    *,
    secret: bytes = SECRET,
    age: int = 0,
    **fields: Any,
) -> httpx.Response:
    """The registry's answer to ``request``: a match unless ``fields`` say otherwise."""
    content = {
        "request_id": orjson.loads(request.content)["request_id"],
        "outcome": "match",
        "mismatched": [],
        "reference": "reg-1",
        **fields,
    }
    return raw(orjson.dumps(content), status, secret=secret, age=age)


def raw(body: bytes, status: int = 200, *, secret: bytes = SECRET, age: int = 0) -> httpx.Response:
    timestamp = str(int(time.time()) - age)
    headers = {"X-IDG-Timestamp": timestamp, "X-IDG-Signature": sign(secret, timestamp, body)}
    return httpx.Response(status, content=body, headers=headers)


class Scripted:
    """A registry answering from a script, one entry per request (the last one repeats)."""

    def __init__(self, *script: Handler) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.script[min(len(self.requests), len(self.script)) - 1](request)


def status(code: int) -> Handler:
    return lambda request: signed(request, code)


@pytest_asyncio.fixture
async def call() -> AsyncIterator[Callable[..., Any]]:
    """Run one check against a scripted registry; closes the client afterwards."""
    clients: list[httpx.AsyncClient] = []

    async def run(
        registry: Scripted, claim: PersonClaim | UnitClaim = PERSON, **options: Any
    ) -> RegistryAnswer:
        client = httpx.AsyncClient(transport=httpx.MockTransport(registry))
        clients.append(client)
        check = HttpRegistry(BASE_URL, SECRET, backoff_seconds=0, client=client, **options)
        if isinstance(claim, PersonClaim):
            return await check.check_person(claim)
        return await check.check_unit(claim)

    yield run
    for client in clients:
        await client.aclose()


def assert_unavailable(answer: RegistryAnswer, detail: str) -> None:
    assert answer == RegistryAnswer(RegistryOutcome.UNAVAILABLE, detail=detail)


def assert_no_pii(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "a warning was expected"
    for value in PII:
        assert value not in caplog.text


async def test_person_request_body_and_headers(call: Callable[..., Any]) -> None:
    registry = Scripted(signed)

    answer = await call(registry)

    assert answer == RegistryAnswer(RegistryOutcome.MATCH, reference="reg-1")
    [request] = registry.requests
    assert (request.method, str(request.url)) == ("POST", f"{BASE_URL}/v1/persons/check")
    body = orjson.loads(request.content)
    assert body == {
        "real_name": "张伟",
        "id_type": "resident_id_card",
        "id_number": "110105198503120039",
        "valid_from": "2015-06-01",
        "valid_until": "2035-06-01",
        "long_term": False,
        "request_id": body["request_id"],
    }
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == body["request_id"]
    timestamp, signature = request.headers["x-idg-timestamp"], request.headers["x-idg-signature"]
    assert verify(SECRET, timestamp, request.content, signature, now=time.time())


async def test_unit_request_body(call: Callable[..., Any]) -> None:
    registry = Scripted(signed)

    await call(registry, UNIT)

    [request] = registry.requests
    assert str(request.url) == f"{BASE_URL}/v1/units/check"
    body = orjson.loads(request.content)
    assert body == {
        "code": "91110000MA01K7PW7Y",
        "name": "北京星桥信息技术有限公司",
        "legal_rep_name": "张伟",
        "legal_rep_id_type": "resident_id_card",
        "legal_rep_id_number": "110105198503120039",
        "founding_date": "2014-05-20",
        "proxy_id_number": "440305199501300062",
        "request_id": body["request_id"],
    }


async def test_each_check_has_its_own_request_id(call: Callable[..., Any]) -> None:
    registry = Scripted(signed)

    await call(registry)
    await call(registry)

    first, second = (orjson.loads(r.content)["request_id"] for r in registry.requests)
    assert first != second


async def test_mismatch_names_the_fields(call: Callable[..., Any]) -> None:
    registry = Scripted(
        lambda request: signed(request, outcome="mismatch", mismatched=["realName", "idLongTerm"])
    )

    answer = await call(registry)

    assert (answer.outcome, answer.mismatched) == (
        RegistryOutcome.MISMATCH,
        ("realName", "idLongTerm"),
    )


@pytest.mark.parametrize("code", [503, 500, 429])
async def test_retries_then_success(call: Callable[..., Any], code: int) -> None:
    registry = Scripted(status(code), status(code), signed)

    answer = await call(registry, attempts=3)

    assert answer.outcome is RegistryOutcome.MATCH
    assert len(registry.requests) == 3


async def test_retries_send_the_same_request(call: Callable[..., Any]) -> None:
    registry = Scripted(status(503), status(502), signed)

    await call(registry, attempts=3)

    keys = ("idempotency-key", "x-idg-timestamp", "x-idg-signature")
    sent = {(r.content, *(r.headers[key] for key in keys)) for r in registry.requests}
    assert len(sent) == 1
    [(content, idempotency_key, *_)] = sent
    assert orjson.loads(content)["request_id"] == idempotency_key


async def test_gives_up_after_the_attempts(
    call: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    registry = Scripted(status(503))

    with caplog.at_level(logging.WARNING):
        answer = await call(registry, attempts=2)

    assert_unavailable(answer, "HTTP 503")
    assert len(registry.requests) == 2
    assert_no_pii(caplog)


async def test_backoff_grows_between_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    # Only the adapter's pauses: the event loop's other tasks keep the real asyncio.sleep.
    monkeypatch.setattr(signed_http, "asyncio", SimpleNamespace(sleep=record))
    registry = Scripted(status(503))
    async with httpx.AsyncClient(transport=httpx.MockTransport(registry)) as client:
        check = HttpRegistry(BASE_URL, SECRET, attempts=3, backoff_seconds=0.2, client=client)
        await check.check_person(PERSON)

    assert pauses == [0.2, 0.4]


@pytest.mark.parametrize("code", [400, 401, 403, 404])
async def test_client_errors_are_not_retried(
    call: Callable[..., Any], caplog: pytest.LogCaptureFixture, code: int
) -> None:
    registry = Scripted(status(code))

    with caplog.at_level(logging.WARNING):
        answer = await call(registry, attempts=3)

    assert_unavailable(answer, f"HTTP {code}")
    assert len(registry.requests) == 1
    assert_no_pii(caplog)


@pytest.mark.parametrize(
    "forge",
    [
        lambda request: signed(request, secret=b"attacker-secret"),
        lambda request: httpx.Response(200, json={"outcome": "match", "mismatched": []}),
        lambda request: signed(request, age=3600),
        lambda request: _tampered(signed(request, outcome="not_found")),
    ],
    ids=["wrong-secret", "unsigned", "stale", "tampered"],
)
async def test_forged_answers_verify_no_one(
    call: Callable[..., Any], caplog: pytest.LogCaptureFixture, forge: Handler
) -> None:
    registry = Scripted(forge)

    with caplog.at_level(logging.WARNING):
        answer = await call(registry)

    assert_unavailable(answer, "unsigned registry answer")
    assert len(registry.requests) == 1
    assert_no_pii(caplog)


def _tampered(response: httpx.Response) -> httpx.Response:
    body = response.content.replace(b'"not_found"', b'"match"')
    return httpx.Response(200, content=body, headers=response.headers)


async def test_a_replayed_answer_to_another_request_verifies_no_one(
    call: Callable[..., Any],
) -> None:
    registry = Scripted(lambda request: signed(request, request_id="0" * 32))

    answer = await call(registry)

    assert_unavailable(answer, "registry answer for another request")


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: raw(b"<html>busy</html>"),
        lambda request: raw(b'["match"]'),
        lambda request: signed(request, outcome="yes"),
        lambda request: signed(request, outcome="unavailable"),
        lambda request: signed(request, outcome=["match"]),
        lambda request: signed(request, outcome="mismatch", mismatched=["phone"]),
        lambda request: signed(request, outcome="mismatch", mismatched=["unitName"]),
        lambda request: signed(request, outcome="mismatch", mismatched=[]),
        lambda request: signed(request, outcome="mismatch", mismatched="realName"),
        lambda request: signed(request, mismatched=["realName"]),
        lambda request: signed(request, reference=7),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "unknown-outcome",
        "unavailable-outcome",
        "unhashable-outcome",
        "unknown-field",
        "unit-field-for-person",
        "mismatch-without-fields",
        "fields-not-a-list",
        "match-with-fields",
        "reference-not-text",
    ],
)
async def test_malformed_answers_are_unavailable(
    call: Callable[..., Any], caplog: pytest.LogCaptureFixture, answer: Handler
) -> None:
    registry = Scripted(answer)

    with caplog.at_level(logging.WARNING):
        result = await call(registry)

    assert_unavailable(result, "malformed registry answer")
    assert_no_pii(caplog)


async def test_only_an_owned_client_is_closed() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(Scripted(signed))) as client:
        await HttpRegistry(BASE_URL, SECRET, client=client).aclose()
        assert not client.is_closed

    owned = HttpRegistry(BASE_URL, SECRET)
    await owned.aclose()
    assert owned._exchange._client.is_closed


# Real sockets: a registry that never answers, one that is not there, and the server's checks.


@pytest_asyncio.fixture
async def silent() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A registry that accepts requests and never answers (until the test ends)."""
    received: list[bytes] = []
    release = asyncio.Event()

    async def hang(request: Request) -> Response:
        received.append(await request.body())
        await release.wait()
        return Response(status_code=503)

    sock = bound_socket()
    app = Starlette(routes=[Route("/v1/persons/check", hang, methods=["POST"])])
    async with serving([(app, sock)]):
        yield url_of(sock), received
        release.set()


async def test_timeout_is_unavailable(silent: tuple[str, list[bytes]]) -> None:
    url, received = silent
    check = HttpRegistry(url, SECRET, timeout=0.05, attempts=2, backoff_seconds=0)
    try:
        answer = await check.check_person(PERSON)
    finally:
        await check.aclose()

    assert_unavailable(answer, "ReadTimeout")
    assert len(received) == 2


async def test_unreachable_registry_is_unavailable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and is now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    check = HttpRegistry(f"http://127.0.0.1:{port}", SECRET, attempts=2, backoff_seconds=0)
    try:
        answer = await check.check_person(PERSON)
    finally:
        await check.aclose()

    assert_unavailable(answer, "ConnectError")


@pytest_asyncio.fixture(scope="module")
async def server() -> AsyncIterator[str]:
    sandbox = SandboxRegistry(load_registry(None))
    sock = bound_socket()
    async with serving([(create_registry_app(sandbox, SECRET), sock)]):
        yield url_of(sock)


def _request(body: bytes, secret: bytes = SECRET, age: int = 0) -> dict[str, Any]:
    timestamp = str(int(time.time()) - age)
    headers = {"X-IDG-Timestamp": timestamp, "X-IDG-Signature": sign(secret, timestamp, body)}
    return {"content": body, "headers": headers}


@pytest.mark.parametrize(
    "options",
    [{"secret": b"attacker-secret"}, {"age": 3600}],
    ids=["wrong-secret", "stale"],
)
async def test_server_refuses_a_badly_signed_request(server: str, options: dict[str, Any]) -> None:
    body = orjson.dumps({"request_id": "r1", "real_name": "张伟"})
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(f"{server}/v1/persons/check", content=body)
        forged = await client.post(f"{server}/v1/persons/check", **_request(body, **options))

    assert (unsigned.status_code, forged.status_code) == (401, 401)


async def test_server_refuses_a_malformed_request(server: str) -> None:
    body = orjson.dumps({"request_id": "r1", "real_name": "张伟", "id_type": "passport"})
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server}/v1/persons/check", **_request(body))

    assert response.status_code == 400
    timestamp, signature = response.headers["x-idg-timestamp"], response.headers["x-idg-signature"]
    assert verify(SECRET, timestamp, response.content, signature, now=time.time())


async def test_server_answers_a_signed_request_with_a_signed_answer(server: str) -> None:
    check = HttpRegistry(server, SECRET)
    try:
        answer = await check.check_unit(UNIT)
    finally:
        await check.aclose()

    assert answer.outcome is RegistryOutcome.MATCH
