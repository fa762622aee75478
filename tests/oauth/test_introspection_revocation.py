"""RFC 7662 introspection and RFC 7009 revocation of the access tokens this server issues."""

from __future__ import annotations

from identity_graph.clients.revocations import RevokedToken
from identity_graph.core.audit import AuditEvent
from tests.oauth.helpers import backend_client, basic


async def issue(client, registered) -> str:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "profile"},
        headers=basic(registered.client.client_id, registered.secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def introspect(client, resource, token: str) -> dict:
    response = await client.post(
        "/oauth/introspect",
        data={"token": token},
        headers=basic(resource.client.client_id, resource.secret),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_resource_server_introspects_an_active_token(client, container):
    partner = await backend_client(container)
    resource = await backend_client(container, name="资源服务")
    token = await issue(client, partner)
    answer = await introspect(client, resource, token)
    assert answer["active"] is True
    assert answer["client_id"] == partner.client.client_id
    assert answer["scope"] == "profile"
    assert answer["token_type"] == "Bearer"
    assert answer["exp"] - answer["iat"] == 3600


async def test_expired_forged_and_unknown_tokens_are_inactive(client, container, clock):
    partner = await backend_client(container)
    token = await issue(client, partner)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert await introspect(client, partner, tampered) == {"active": False}
    assert await introspect(client, partner, "not-a-token") == {"active": False}
    clock.advance(seconds=3601)
    assert await introspect(client, partner, token) == {"active": False}


async def test_revocation_by_the_owner_deactivates_the_token(client, container):
    partner = await backend_client(container)
    token = await issue(client, partner)
    owner = basic(partner.client.client_id, partner.secret)
    revoked = await client.post("/oauth/revoke", data={"token": token}, headers=owner)
    assert revoked.status_code == 200
    again = await client.post("/oauth/revoke", data={"token": token}, headers=owner)
    assert again.status_code == 200
    assert await RevokedToken.all().count() == 1
    assert await introspect(client, partner, token) == {"active": False}
    assert await AuditEvent.filter(action="token.revoked").count() == 1


async def test_another_client_cannot_revoke_and_bad_requests_are_rfc_errors(client, container):
    partner = await backend_client(container)
    other = await backend_client(container, name="其他系统")
    token = await issue(client, partner)
    stranger = await client.post(
        "/oauth/revoke",
        data={"token": token},
        headers=basic(other.client.client_id, other.secret),
    )
    assert (stranger.status_code, stranger.json()["error"]) == (400, "invalid_grant")
    assert (await introspect(client, partner, token))["active"] is True

    missing = await client.post(
        "/oauth/introspect", data={}, headers=basic(partner.client.client_id, partner.secret)
    )
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    hint = await client.post(
        "/oauth/revoke",
        data={"token": token, "token_type_hint": "id_token"},
        headers=basic(partner.client.client_id, partner.secret),
    )
    assert (hint.status_code, hint.json()["error"]) == (400, "unsupported_token_type")
    anonymous = await client.post("/oauth/introspect", data={"token": token})
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_client")
