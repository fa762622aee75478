"""The upstream's assurance mapped to a local level (SPEC §3, §7). The upstream here is a
small scripted OpenID provider on a real port, so each test decides what it asserts: the
``acr`` of its ID token and the identity in its UserInfo."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from identity_graph.app import create_app
from identity_graph.core.audit import AuditEvent
from identity_graph.settings import Settings
from identity_graph.verification.models import VerificationCase
from tests.verification.flows import ZHANG_WEI, my_verification, resident, submit
from tests.web.live import bound_socket, serving, url_of
from tests.web.test_upstream_login import follow

pytestmark = pytest.mark.postgres

LOA3 = "urn:national-platform:loa:3"
VOUCHED = {"real_name": "张伟", "id_number": "110105198503120039", "real_name_status": "VERIFIED"}


class ScriptedUpstream:
    """An OpenID provider that logs in whoever comes and asserts ``acr`` and ``userinfo``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.key = RSAKey.generate_key(2048, parameters={"kid": "up-1"})
        self.acr: str | None = LOA3
        self.userinfo: dict[str, Any] = dict(VOUCHED)
        self.nonces: dict[str, str] = {}

    def app(self) -> Starlette:
        async def discovery(request: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "jwks_uri": f"{self.url}/jwks",
                }
            )

        async def authorize(request: Request) -> Response:
            query = request.query_params
            code = f"code-{len(self.nonces)}"
            self.nonces[code] = query["nonce"]
            target = (
                query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            )
            return RedirectResponse(target, 302)

        async def token(request: Request) -> Response:
            form = await request.form()
            nonce = self.nonces.pop(str(form["code"]))
            claims = {
                "iss": self.url,
                "aud": "broker",
                "sub": "np-000123",
                "nonce": nonce,
                "iat": int(time.time()),
                "exp": int(time.time()) + 300,
            }
            if self.acr:
                claims["acr"] = self.acr
            id_token = jwt.encode({"alg": "RS256", "kid": "up-1"}, claims, self.key)
            return JSONResponse(
                {"id_token": id_token, "access_token": "up-at", "token_type": "Bearer"}
            )

        async def userinfo(request: Request) -> Response:
            if request.headers.get("authorization") != "Bearer up-at":
                return JSONResponse({"error": "invalid_token"}, 401)
            return JSONResponse({"sub": "np-000123", **self.userinfo})

        async def jwks(request: Request) -> Response:
            return JSONResponse(KeySet([self.key]).as_dict(private=False))

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
                Route("/userinfo", userinfo),
                Route("/jwks", jwks),
            ]
        )


@pytest.fixture
def sockets():
    return bound_socket(), bound_socket()


@pytest.fixture
def settings(data_dir: Path, sockets) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=url_of(sockets[0]),
        upstream_issuer=url_of(sockets[1]),
        upstream_client_id="broker",
        upstream_client_secret="broker-secret",
        upstream_acr_levels={LOA3: "real_person", "urn:national-platform:loa:1": "phone_verified"},
    )


@pytest_asyncio.fixture
async def upstream(settings, container, sockets):
    scripted = ScriptedUpstream(settings.upstream_issuer)
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, sockets[0]), (scripted.app(), sockets[1])]):
        yield scripted


async def upstream_login(settings: Settings) -> httpx.Response:
    async with httpx.AsyncClient() as browser:
        return await follow(browser, await browser.get(f"{settings.public_url}/login/upstream"))


async def test_a_vouched_resident_is_raised_to_the_upstream_level(
    gql, hooks, container, settings, upstream
):
    token = await resident(gql, hooks, container, ZHANG_WEI)

    done = await upstream_login(settings)

    assert str(done.url) == f"{settings.public_url}/" and "当前登录" in done.text
    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("VERIFIED", "REAL_PERSON")
    case = verification["currentCase"]
    assert case["decidedBy"] == "UPSTREAM"
    assert case["attempts"] == [
        {"method": "UPSTREAM", "provider": "upstream", "outcome": "match", "mismatched": []}
    ]
    assert case["claim"]["idNumber"] == "110105198503120039"
    [latest, *_] = await container.notifier.list_messages(destination="13812345678")
    assert "国家平台实名认证通过" in latest.text
    assert await AuditEvent.filter(action="verification.upstream_accepted").count() == 1

    await upstream_login(settings)  # again: already at that level, nothing new
    assert await VerificationCase.all().count() == 1


@pytest.mark.parametrize(
    ("acr", "userinfo"),
    [
        ("urn:unknown:loa", VOUCHED),
        ("urn:national-platform:loa:1", VOUCHED),
        (None, VOUCHED),
        (LOA3, {**VOUCHED, "real_name_status": "UNVERIFIED"}),
        (LOA3, {k: v for k, v in VOUCHED.items() if k != "real_name"}),
    ],
    ids=["unknown-acr", "phone-level", "no-acr", "not-verified", "no-name"],
)
async def test_an_upstream_that_does_not_vouch_changes_nothing(
    gql, hooks, container, settings, upstream, acr, userinfo
):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    upstream.acr, upstream.userinfo = acr, userinfo

    await upstream_login(settings)

    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("UNVERIFIED", "PHONE_VERIFIED")
    assert await VerificationCase.all().count() == 0


async def test_a_different_name_for_the_same_number_is_ignored_and_audited(
    gql, hooks, container, settings, upstream
):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    upstream.userinfo = {**VOUCHED, "real_name": "张卫"}

    await upstream_login(settings)

    assert (await my_verification(gql, token))["level"] == "PHONE_VERIFIED"
    [event] = await AuditEvent.filter(action="verification.upstream_ignored")
    assert event.details["why"] == "identity differs from the profile"
    assert "张" not in str(event.details) and "110105" not in str(event.details)


async def test_a_lower_upstream_level_never_lowers_the_local_one(
    gql, hooks, container, settings, upstream
):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person=ZHANG_WEI)
    upstream.acr = "urn:identity-graph:acr:real-name"  # this service's own URI: always known

    await upstream_login(settings)

    verification = await my_verification(gql, token)
    assert (verification["level"], verification["currentCase"]["decidedBy"]) == (
        "REAL_NAME",
        "REGISTRY",
    )
    assert await VerificationCase.all().count() == 1


def test_acr_levels_must_name_a_level(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="upstream_acr_levels"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="test",
            data_dir=data_dir,
            upstream_acr_levels={"urn:x": "super_verified"},  # type: ignore[dict-item]
        )
