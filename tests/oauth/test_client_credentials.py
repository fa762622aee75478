"""RFC 6749 §4.4 client credentials over real HTTP: the proof that authlib runs in a worker
thread on prepared objects and answers through Starlette (ARCHITECTURE §3 bridge)."""

from __future__ import annotations

import asyncio

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oauth.helpers import backend_client, basic

TOKEN = "/oauth/token"


async def test_client_secret_basic_gets_a_signed_access_token(client, container, clock):
    registered = await backend_client(container)
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": "profile identity"},
        headers=basic(registered.client.client_id, registered.secret),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "profile identity"

    jwks = (await client.get("/oauth/jwks")).json()
    token = jwt.decode(body["access_token"], KeySet.import_key_set(jwks))
    assert token.header["typ"] == "at+jwt"
    assert token.header["alg"] == "ES256"
    claims = token.claims
    assert claims["client_id"] == registered.client.client_id
    assert claims["iss"] == container.settings.public_url.rstrip("/")
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iat"] == int(clock.now().timestamp())


async def test_client_secret_post_and_scope_narrowed_to_the_registration(client, container):
    registered = await backend_client(
        container, token_endpoint_auth_method="client_secret_post", scopes=["profile"]
    )
    response = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client.client_id,
            "client_secret": registered.secret,
            "scope": "profile identity",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_wrong_secret_is_invalid_client_with_401(client, container):
    registered = await backend_client(container)
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client.client_id, "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_unknown_client_and_unsupported_grant(client, container):
    unknown = await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic("idg-nobody", "x")
    )
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    registered = await backend_client(container)
    password = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": "a", "password": "b"},
        headers=basic(registered.client.client_id, registered.secret),
    )
    assert password.status_code == 400
    assert password.json()["error"] == "unsupported_grant_type"


async def test_a_client_not_registered_for_the_grant_is_unauthorized(client, container):
    registered = await backend_client(
        container, grant_types=["authorization_code"], redirect_uris=["https://rp.example.cn/cb"]
    )
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client.client_id, registered.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_concurrent_grants_run_in_parallel_threads(client, container):
    registered = await backend_client(container)
    headers = basic(registered.client.client_id, registered.secret)

    async def grant() -> int:
        answer = await client.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=headers
        )
        return answer.status_code

    assert await asyncio.gather(*(grant() for _ in range(20))) == [200] * 20


async def test_metadata_lists_what_is_implemented(client, container):
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    issuer = container.settings.public_url.rstrip("/")
    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint"] == issuer + "/oauth/token"
    assert set(metadata["grant_types_supported"]) == {
        "client_credentials",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:token-exchange",  # RFC 8693, for agents
        "urn:openid:params:grant-type:ciba",  # CIBA (tests/oauth/test_ciba.py)
    }
    assert metadata["authorization_endpoint"] == issuer + "/oauth/authorize"
    oidc = (await client.get("/.well-known/openid-configuration")).json()
    assert oidc == metadata
    assert oidc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert oidc["code_challenge_methods_supported"] == ["S256"]
    assert "urn:identity-graph:acr:real-name" in oidc["acr_values_supported"]
    jwks = (await client.get("/oauth/jwks")).json()
    assert {key["alg"] for key in jwks["keys"]} >= {"ES256", "RS256"}


async def test_refusals_are_audited_without_secrets(client, container):
    from identity_graph.core.audit import AuditEvent

    registered = await backend_client(container)
    await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client.client_id, "wrong-secret"),
    )
    [event] = await AuditEvent.filter(action="oauth.refused")
    assert event.subject_id == registered.client.client_id
    assert event.details == {"endpoint": "token", "error": "invalid_client"}
    assert event.outcome == "refused"


async def test_two_different_client_ids_in_one_request_are_refused_cleanly(client, container):
    registered = await backend_client(container)
    other = await backend_client(
        container, name="其他", token_endpoint_auth_method="client_secret_post"
    )
    response = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": other.client.client_id,
            "client_secret": "wrong",
        },
        headers=basic(registered.client.client_id, "also-wrong"),
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    unknown = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": "idg-x", "client_secret": "y"},
        headers=basic(registered.client.client_id, "z"),
    )
    assert unknown.json()["error"] == "invalid_client"
