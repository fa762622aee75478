"""Face check and e-licence through the HTTP adapter, against the stand-alone provider server.

The service runs on a real port (the provider's callbacks reach it over HTTP) and so does
``challenge_server``; only GraphQL goes through the in-process client. The adapter's
reading of answers is scripted with ``httpx.MockTransport``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.core.clock import FixedClock
from identity_graph.core.signatures import sign, verify
from identity_graph.ids.types import IdType
from identity_graph.settings import Settings
from identity_graph.verification.models import FaceCheck, FaceCheckPurpose, VerificationChallenge
from identity_graph.verification.providers.base import ChallengeRequest, PersonClaim
from identity_graph.verification.providers.challenge_server import create_challenge_app
from identity_graph.verification.providers.http_challenges import (
    HttpChallenges,
    ProviderUnavailable,
)
from tests.verification.face_check_flows import LI_NA, poll, start_anonymous
from tests.verification.flows import (
    START_FACE,
    START_LICENCE,
    XINGQIAO,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
)
from tests.web.live import bound_socket, serving, url_of

pytestmark = pytest.mark.postgres

SECRET = "face-and-licence-shared-secret"
PERSON = PersonClaim("张伟", IdType.RESIDENT_ID_CARD, "110105198503120039")


@pytest.fixture
def app_sock() -> socket.socket:
    return bound_socket()


@pytest.fixture
def provider_sock() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, app_sock: socket.socket, provider_sock: socket.socket) -> Settings:
    provider = url_of(provider_sock)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=url_of(app_sock),
        face_provider="http",
        face_url=provider,
        face_secret=SECRET,
        licence_provider="http",
        licence_url=provider,
        licence_secret=SECRET,
    )


@pytest_asyncio.fixture
async def live(
    settings: Settings,
    container: Container,
    clock: FixedClock,
    app_sock: socket.socket,
    provider_sock: socket.socket,
) -> AsyncIterator[httpx.AsyncClient]:
    """Both servers up; yields a browser-like client (no redirects followed)."""
    provider = create_challenge_app(
        SECRET.encode(),
        container.registry_world,
        url_of(provider_sock),
        now=lambda: clock.now().timestamp(),
    )
    app = create_app(settings, container, manage_database=False)
    async with (
        serving([(app, app_sock), (provider, provider_sock)]),
        httpx.AsyncClient(timeout=10) as browser,
    ):
        yield browser


async def test_failed_person_passes_the_provider_face_check(gql, hooks, container, live):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "idValidFrom": "2015-06-02"})

    started = (await gql(START_FACE, {"returnUrl": "/done"}, token=token))["data"]
    face = started["startFaceVerification"]
    assert face["__typename"] == "ChallengeStarted", face
    provider_url = container.settings.face_url
    assert face["url"].startswith(provider_url + "/s/prv-")

    page = await live.get(face["url"])
    assert page.status_code == 200
    assert "张*" in page.text and "1101**********0039" in page.text
    assert "110105198503120039" not in page.text
    done = await live.post(face["url"], data={"result": "passed"})
    assert done.status_code == 303
    result_page = f"{container.settings.public_url}/verification/result/{face['challengeId']}"
    assert done.headers["location"] == result_page
    shown = await live.get(result_page)
    assert shown.status_code == 200 and "人脸识别通过，已完成实人认证" in shown.text
    assert 'href="/done"' in shown.text

    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("VERIFIED", "REAL_PERSON")
    case = verification["currentCase"]
    assert case["decidedBy"] == "FACE"
    assert case["attempts"][-1]["provider"] == "http_face"
    assert case["attempts"][-1]["outcome"] == "passed"
    assert (await live.get(face["url"])).status_code == 410


async def test_failed_face_check_keeps_the_case_failed(gql, hooks, container, live):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "idValidFrom": "2015-06-02"})
    face = (await gql(START_FACE, token=token))["data"]["startFaceVerification"]

    done = await live.post(face["url"], data={"result": "failed"})

    assert done.status_code == 303
    shown = await live.get(done.headers["location"], headers={"Accept-Language": "en"})
    assert "The liveness check did not pass" in shown.text
    verification = await my_verification(gql, token)
    assert verification["status"] == "FAILED"
    assert verification["currentCase"]["attempts"][-1]["outcome"] == "failed"


async def test_a_person_the_registry_does_not_know_cannot_pass(gql, hooks, container, live):
    """张卫 with 张伟's number: the registry's photo is 张伟's, so there is nothing to compare
    with, and "pass" on the provider's page still answers failed."""
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    face = (await gql(START_FACE, token=token))["data"]["startFaceVerification"]
    page = await live.get(face["url"])
    assert "No photo of this person on file" in page.text

    done = await live.post(face["url"], data={"result": "passed"})

    assert done.status_code == 303
    shown = await live.get(done.headers["location"])
    assert "人脸比对未通过：登记库中没有此人的照片" in shown.text
    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("FAILED", "PHONE_VERIFIED")
    assert verification["currentCase"]["attempts"][-1]["outcome"] == "failed"


async def test_unit_confirms_with_the_licence_password(gql, hooks, container, live):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    await submit(gql, hooks, token, unit={**XINGQIAO, "foundingDate": "2014-05-21"})
    started = (await gql(START_LICENCE, token=token))["data"]["startBusinessLicenceVerification"]
    assert started["__typename"] == "ChallengeStarted", started
    assert started["qrImage"].startswith("data:image/png;base64,")

    wrong = await live.post(started["url"], data={"password": "licence-2", "result": "passed"})
    assert wrong.status_code == 400 and "执照密码错误" in wrong.text
    assert (await my_verification(gql, token))["status"] == "FAILED"
    right = await live.post(started["url"], data={"password": "licence-1", "result": "passed"})

    assert right.status_code == 303
    shown = await live.get(right.headers["location"])
    assert "电子营业执照认证通过" in shown.text
    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("VERIFIED", "REAL_NAME")
    assert verification["currentCase"]["decidedBy"] == "BUSINESS_LICENCE"


async def test_an_unreachable_provider_is_a_typed_error_and_writes_nothing(
    gql, hooks, container, settings
):
    # The provider socket is bound but nobody listens: connections are refused.
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})

    result = (await gql(START_FACE, token=token, language="en"))["data"]
    refused = result["startFaceVerification"]

    assert refused["__typename"] == "OperationRefused", refused
    assert refused["code"] == "CHALLENGE_PROVIDER_UNAVAILABLE"
    assert "unavailable" in refused["message"]
    assert await VerificationChallenge.all().count() == 0


async def test_a_provider_without_the_shared_secret_verifies_no_one(
    gql, hooks, container, clock, settings, app_sock, provider_sock
):
    """Its signed session answer is refused, so no session and no page exist."""
    provider = create_challenge_app(
        b"not-the-shared-secret-at-all",
        container.registry_world,
        url_of(provider_sock),
        now=lambda: clock.now().timestamp(),
    )
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, app_sock), (provider, provider_sock)]):
        refused = (await gql(START_FACE, token=token))["data"]["startFaceVerification"]
        assert refused["code"] == "CHALLENGE_PROVIDER_UNAVAILABLE"
    assert (await my_verification(gql, token))["status"] == "FAILED"


async def test_a_face_check_passes_at_the_provider_gateway(gql, hooks, container, live):
    started = await start_anonymous(gql, hooks, "CONFIRMATION_SIGN", LI_NA, returnUrl="/todo/7")
    assert started["__typename"] == "FaceCheckStarted", started
    assert started["url"].startswith(container.settings.face_url + "/s/prv-")

    page = await live.get(started["url"])
    assert "李*" in page.text and "3201**********0048" in page.text
    done = await live.post(started["url"], data={"result": "passed"})

    assert done.status_code == 303
    shown = await live.get(done.headers["location"])
    assert "人脸识别通过，请返回原页面继续办理。" in shown.text and 'href="/todo/7"' in shown.text
    polled = await poll(gql, started["faceCheckId"])
    assert polled is not None and polled["status"] == "PASSED"
    proven = await container.face_checks.consume(
        started["faceCheckId"],
        purpose=FaceCheckPurpose.CONFIRMATION_SIGN,
        id_number=LI_NA["idNumber"],
    )
    assert (proven.provider, proven.real_name) == ("http_face", "李娜")
    assert proven.provider_reference and proven.provider_reference.startswith("prv-")


async def test_the_provider_gateway_fails_a_person_it_has_no_photo_of(gql, hooks, container, live):
    person = {**LI_NA, "idNumber": "110101199003070011"}  # valid, but not in the registry
    started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", person)

    done = await live.post(started["url"], data={"result": "passed"})

    assert done.status_code == 303
    polled = await poll(gql, started["faceCheckId"])
    assert polled is not None and polled["status"] == "FAILED"
    assert polled["failureReason"] == "人脸比对未通过：登记库中没有此人的照片"


async def test_an_unreachable_provider_starts_no_face_check(gql, hooks, container, settings):
    refused = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)

    assert (refused["__typename"], refused["code"]) == (
        "OperationRefused",
        "CHALLENGE_PROVIDER_UNAVAILABLE",
    )
    assert await FaceCheck.all().count() == 0


# --- the adapter's reading of answers --------------------------------------------------


def _request(challenge_id: str = "6f1c2b7e-0000-4000-8000-000000000001") -> ChallengeRequest:
    return ChallengeRequest(
        challenge_id, "https://idg.test/verification/callbacks/face", None, PERSON
    )


def _answer(request: httpx.Request, *, secret: str = SECRET, **fields: Any) -> httpx.Response:
    content = {
        "challenge_id": orjson.loads(request.content)["challenge_id"],
        "url": "https://face.test/s/abc",
        "reference": "abc",
        **fields,
    }
    body = orjson.dumps(content)
    timestamp = str(int(FixedClock().now().timestamp()))
    headers = {
        "X-IDG-Timestamp": timestamp,
        "X-IDG-Signature": sign(secret.encode(), timestamp, body),
    }
    return httpx.Response(200, content=body, headers=headers)


async def _start(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        provider = HttpChallenges(
            "face",
            "https://face.test",
            SECRET.encode(),
            FixedClock(),
            client=client,
            backoff_seconds=0,
        )
        return await provider.start(_request())


async def test_the_request_is_signed_and_keyed_by_the_challenge() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _answer(request)

    started = await _start(handler)

    assert (started.url, started.reference) == ("https://face.test/s/abc", "abc")
    [request] = seen
    body = orjson.loads(request.content)
    assert request.headers["Idempotency-Key"] == body["challenge_id"]
    assert body["kind"] == "face" and body["subject"]["id_number"] == PERSON.id_number
    assert verify(
        SECRET.encode(),
        request.headers["X-IDG-Timestamp"],
        request.content,
        request.headers["X-IDG-Signature"],
        now=FixedClock().now().timestamp(),
    )


@pytest.mark.parametrize(
    "handler",
    [
        lambda request: httpx.Response(503),
        lambda request: httpx.Response(400),
        lambda request: _answer(request, secret="someone-elses-secret-value"),
        lambda request: _answer(request, challenge_id="another"),
        lambda request: _answer(request, url="javascript:alert(1)"),
        lambda request: _answer(request, url="/relative/page"),
        lambda request: _answer(request, reference=None),
        lambda request: _answer(request, reference="x" * 200),
    ],
    ids=[
        "outage",
        "refused",
        "forged",
        "other-challenge",
        "script-url",
        "relative-url",
        "no-reference",
        "long-reference",
    ],
)
async def test_an_unusable_answer_opens_no_session(handler: Any) -> None:
    with pytest.raises(ProviderUnavailable):
        await _start(handler)


async def test_the_server_refuses_unsigned_and_malformed_session_requests(container) -> None:
    app = create_challenge_app(SECRET.encode(), container.registry_world, "https://face.test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://face.test") as client:
        unsigned = await client.post("/v1/sessions", json={"kind": "face"})
        body = b'{"kind": "face"}'
        timestamp = str(int(time.time()))
        headers = {
            "X-IDG-Timestamp": timestamp,
            "X-IDG-Signature": sign(SECRET.encode(), timestamp, body),
        }
        malformed = await client.post("/v1/sessions", content=body, headers=headers)
        unknown = await client.get("/s/prv-nothing")

    assert unsigned.status_code == 401
    assert malformed.status_code == 400
    assert unknown.status_code == 410


def test_http_providers_need_an_address_and_a_real_secret(data_dir: Path) -> None:
    base = {"_env_file": None, "env": "test", "data_dir": data_dir}
    with pytest.raises(ValueError, match="IDG_FACE_URL"):
        Settings(**base, face_provider="http", face_secret=SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="IDG_LICENCE_SECRET"):
        Settings(  # type: ignore[arg-type]
            **base, licence_provider="http", licence_url="https://l.test", licence_secret="short"
        )
