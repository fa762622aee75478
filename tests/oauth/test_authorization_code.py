"""Redeeming authorization codes (RFC 6749 §4.1.3, RFC 7636, OIDC Core §3.1.3): PKCE, the
ID token, single use under concurrency. Codes are issued here through the service, as the
authorize endpoint will issue them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid

from joserfc import jwt
from joserfc.jwk import KeySet

from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.sessions.authorization_codes import CodeRequest
from tests.oauth.helpers import backend_client, basic

REDIRECT = "https://rp.example.cn/callback"
VERIFIER = "a" * 20 + "-._~" + "b" * 30


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def account(container) -> Account:
    now = container.clock.now()
    return await Account.create(
        id=uuid.uuid4(),
        kind=AccountKind.NATURAL_PERSON,
        login_name="zhangsan",
        login_key="zhangsan",
        status=AccountStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )


async def web_client(container, **overrides):
    values = {
        "grant_types": ["authorization_code"],
        "redirect_uris": [REDIRECT],
        "scopes": ["openid", "profile"],
        "name": "不动产登记",
    }
    values.update(overrides)
    return await backend_client(container, **values)


async def code_for(container, client_id: str, user: Account, **overrides) -> str:
    values = {
        "client_id": client_id,
        "account_id": user.id,
        "session_id": uuid.uuid4(),
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "acr": "urn:identity-graph:acr:phone-verified",
        "amr": ["pwd"],
        "auth_time": container.clock.now(),
        "nonce": "n-0S6_WzA2Mj",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    values.update(overrides)
    return await container.authorization_codes.issue(CodeRequest(**values))


def redeem_form(code: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        **extra,
    }


async def test_code_with_pkce_gives_access_and_id_tokens(client, container):
    user = await account(container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    code = await code_for(container, client_id, user)
    response = await client.post(
        "/oauth/token", data=redeem_form(code), headers=basic(client_id, registered.secret)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    id_token = jwt.decode(body["id_token"], keys)
    assert id_token.header["alg"] == "RS256"
    claims = id_token.claims
    assert claims["sub"] == str(user.id)
    assert claims["aud"] == client_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["acr"] == "urn:identity-graph:acr:phone-verified"
    assert claims["amr"] == ["pwd"]
    assert claims["account_type"] == "natural_person"
    access = jwt.decode(body["access_token"], keys)
    assert access.header["typ"] == "at+jwt"
    assert access.claims["sub"] == str(user.id)
    assert access.claims["scope"] == "openid profile"
    assert body["expires_in"] == 900


async def test_a_code_is_single_use_even_when_raced(client, container):
    user = await account(container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    code = await code_for(container, client_id, user)
    headers = basic(client_id, registered.secret)

    async def redeem() -> int:
        answer = await client.post("/oauth/token", data=redeem_form(code), headers=headers)
        return answer.status_code

    results = await asyncio.gather(*(redeem() for _ in range(8)))
    assert sorted(results) == [200] + [400] * 7
    replay = await client.post("/oauth/token", data=redeem_form(code), headers=headers)
    assert replay.json()["error"] == "invalid_grant"


async def test_pkce_and_binding_failures_are_invalid_grant(client, container, clock):
    user = await account(container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    headers = basic(client_id, registered.secret)
    cases = {
        "wrong verifier": ({}, {"code_verifier": "c" * 50}),
        "wrong redirect": ({}, {"redirect_uri": "https://rp.example.cn/other"}),
    }
    for name, (code_overrides, form_overrides) in cases.items():
        code = await code_for(container, client_id, user, **code_overrides)
        answer = await client.post(
            "/oauth/token", data=redeem_form(code, **form_overrides), headers=headers
        )
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant"), name
    other = await web_client(container, name="另一个系统")
    code = await code_for(container, client_id, user)
    stolen = await client.post(
        "/oauth/token",
        data=redeem_form(code),
        headers=basic(other.client.client_id, other.secret),
    )
    assert stolen.json()["error"] == "invalid_grant"
    late = await code_for(container, client_id, user)
    clock.advance(seconds=61)
    expired = await client.post("/oauth/token", data=redeem_form(late), headers=headers)
    assert expired.json()["error"] == "invalid_grant"


async def test_public_client_must_send_the_verifier(client, container):
    user = await account(container)
    registered = await web_client(container, token_endpoint_auth_method="none")
    client_id = registered.client.client_id
    code = await code_for(container, client_id, user)
    form = redeem_form(code, client_id=client_id)
    del form["code_verifier"]
    missing = await client.post("/oauth/token", data=form)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    code = await code_for(container, client_id, user)
    ok = await client.post("/oauth/token", data=redeem_form(code, client_id=client_id))
    assert ok.status_code == 200, ok.text


async def test_pairwise_clients_see_a_per_sector_subject(client, container):
    user = await account(container)
    subjects = {}
    for name, redirect in (("甲", REDIRECT), ("乙", "https://other.example.cn/cb")):
        registered = await web_client(
            container, name=name, subject_type="pairwise", redirect_uris=[redirect]
        )
        client_id = registered.client.client_id
        code = await code_for(container, client_id, user, redirect_uri=redirect)
        answer = await client.post(
            "/oauth/token",
            data=redeem_form(code, redirect_uri=redirect),
            headers=basic(client_id, registered.secret),
        )
        keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
        id_sub = jwt.decode(answer.json()["id_token"], keys).claims["sub"]
        access_sub = jwt.decode(answer.json()["access_token"], keys).claims["sub"]
        assert id_sub == access_sub != str(user.id)
        subjects[name] = id_sub
    assert subjects["甲"] != subjects["乙"]  # different sectors cannot correlate
    same_sector = await web_client(container, name="丙", subject_type="pairwise")
    code = await code_for(container, same_sector.client.client_id, user)
    answer = await client.post(
        "/oauth/token",
        data=redeem_form(code),
        headers=basic(same_sector.client.client_id, same_sector.secret),
    )
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    assert jwt.decode(answer.json()["id_token"], keys).claims["sub"] == subjects["甲"]
