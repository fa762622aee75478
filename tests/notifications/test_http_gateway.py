"""``HttpGateway`` against a real HTTP server (Starlette under uvicorn on 127.0.0.1).

Proves the wire contract: a JSON body with id/channel/template/to/text, an HMAC-SHA256
signature over ``timestamp + "." + body`` that the receiver can check (and that fails with any
other secret), and an ``Idempotency-Key``; a 2xx answer yields the gateway's reference; 5xx
answers are retried ``attempts`` times, then ``GatewayUnavailable``; a 4xx refusal raises
``GatewayUnavailable`` at once; a timeout raises ``GatewayUnavailable``.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Literal

import orjson
import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.notifications.base import GatewayUnavailable, OutgoingMessage
from identity_graph.notifications.gateways import HttpGateway, sign
from identity_graph.notifications.models import Channel

SECRET = b"gateway-shared-secret"
MESSAGE = OutgoingMessage(
    id=42,
    channel=Channel.SMS,
    template="sms_login_code",
    destination="13812345678",
    text="您的验证码是 123456，5 分钟内有效。",
)
Mode = Literal["ok", "unavailable", "refused", "slow"]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    def signature_valid(self, secret: bytes) -> bool:
        """The receiving side's check, as a gateway would implement it."""
        expected = sign(secret, self.headers["x-idg-timestamp"], self.body)
        return hmac.compare_digest(expected, self.headers["x-idg-signature"])


@dataclass
class FakeGateway:
    """An SMS gateway double: records each request and answers as ``mode`` says."""

    url: str = ""
    mode: Mode = "ok"
    received: list[Received] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        self.received.append(Received(dict(request.headers), await request.body()))
        if self.mode == "unavailable":
            return JSONResponse({"error": "busy"}, status_code=503)
        if self.mode == "refused":
            return JSONResponse({"error": "bad destination"}, status_code=400)
        if self.mode == "slow":
            await asyncio.sleep(1)  # beyond the client's timeout, without blocking the server
        return JSONResponse({"reference": "gw-1"})


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    app = Starlette(routes=[Route("/send", fake.endpoint, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held open so nothing else can take it
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=3)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    pause = threading.Event()  # never set: only its timed wait is used, to poll for start-up
    for _ in range(500):
        if uv.started or not thread.is_alive():
            break
        pause.wait(0.01)
    assert uv.started, "the fake gateway did not start"
    fake.url = f"http://127.0.0.1:{port}/send"
    yield fake
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def fake(server: FakeGateway) -> FakeGateway:
    server.mode = "ok"
    server.received.clear()
    return server


@pytest_asyncio.fixture
async def gateway(fake: FakeGateway) -> AsyncIterator[HttpGateway]:
    gateway = HttpGateway(fake.url, SECRET)
    yield gateway
    await gateway.aclose()


async def test_body_carries_the_message(fake: FakeGateway, gateway: HttpGateway) -> None:
    await gateway.deliver(MESSAGE)

    [request] = fake.received
    assert request.headers["content-type"] == "application/json"
    assert orjson.loads(request.body) == {
        "id": "42",
        "channel": "sms",
        "template": "sms_login_code",
        "to": "13812345678",
        "text": "您的验证码是 123456，5 分钟内有效。",
    }


async def test_signature_verifies_with_the_shared_secret_only(
    fake: FakeGateway, gateway: HttpGateway
) -> None:
    await gateway.deliver(MESSAGE)

    [request] = fake.received
    assert request.headers["x-idg-timestamp"].isdigit()
    assert request.headers["x-idg-signature"] == sign(
        SECRET, request.headers["x-idg-timestamp"], request.body
    )
    assert request.headers["x-idg-signature"].startswith("sha256=")
    assert request.signature_valid(SECRET)
    assert not request.signature_valid(b"wrong-secret")


async def test_signature_covers_the_body(fake: FakeGateway, gateway: HttpGateway) -> None:
    await gateway.deliver(MESSAGE)

    [request] = fake.received
    forged = Received(request.headers, request.body.replace(b"123456", b"654321"))
    assert not forged.signature_valid(SECRET)


async def test_idempotency_key_names_the_message(fake: FakeGateway, gateway: HttpGateway) -> None:
    await gateway.deliver(MESSAGE)

    assert fake.received[0].headers["idempotency-key"] == "idg-message-42"


async def test_success_returns_the_gateway_reference(
    fake: FakeGateway, gateway: HttpGateway
) -> None:
    assert await gateway.deliver(MESSAGE) == "gw-1"
    assert len(fake.received) == 1


@pytest.mark.parametrize("attempts", [2, 3])
async def test_unavailable_is_retried_then_raised(fake: FakeGateway, attempts: int) -> None:
    fake.mode = "unavailable"
    gateway = HttpGateway(fake.url, SECRET, attempts=attempts)
    try:
        with pytest.raises(GatewayUnavailable, match="HTTP 503"):
            await gateway.deliver(MESSAGE)
    finally:
        await gateway.aclose()

    assert len(fake.received) == attempts
    assert {r.headers["idempotency-key"] for r in fake.received} == {"idg-message-42"}


async def test_refusal_is_not_retried(fake: FakeGateway, gateway: HttpGateway) -> None:
    fake.mode = "refused"

    with pytest.raises(GatewayUnavailable, match="HTTP 400"):
        await gateway.deliver(MESSAGE)

    assert len(fake.received) == 1


async def test_timeout_raises_unavailable(fake: FakeGateway) -> None:
    fake.mode = "slow"
    gateway = HttpGateway(fake.url, SECRET, timeout=0.2)
    try:
        with pytest.raises(GatewayUnavailable, match="Timeout"):
            await gateway.deliver(MESSAGE)
    finally:
        await gateway.aclose()

    assert len(fake.received) == 2  # both default attempts reached the server, then timed out


async def test_unreachable_gateway_raises_unavailable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and is now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = HttpGateway(f"http://127.0.0.1:{port}/send", SECRET, attempts=1)
    try:
        with pytest.raises(GatewayUnavailable, match="ConnectError"):
            await gateway.deliver(MESSAGE)
    finally:
        await gateway.aclose()


def test_a_url_is_required() -> None:
    with pytest.raises(ValueError, match="IDG_SMS_GATEWAY_URL"):
        HttpGateway("", SECRET)
