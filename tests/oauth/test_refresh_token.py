"""RFC 6749 §6 refresh tokens for partner clients: rotation, reuse detection that revokes
the family, single use under concurrency, and the login session's end ending them."""

from __future__ import annotations

import asyncio

from identity_graph.sessions.oauth_refresh import OAuthRefreshToken, RefreshGrant
from tests.oauth.helpers import basic
from tests.oauth.test_authorization_code import (
    account,
    code_for,
    redeem_form,
    web_client,
)


async def first_pair(client, container, **client_overrides):
    user = await account(container)
    registered = await web_client(
        container, grant_types=["authorization_code", "refresh_token"], **client_overrides
    )
    client_id = registered.client.client_id
    session = await container.tokens.start_session(user, amr=["pwd"], client_ip=None)
    code = await code_for(container, client_id, user, session_id=session.session_id)
    public = client_overrides.get("token_endpoint_auth_method") == "none"
    headers = {} if public else basic(client_id, registered.secret)
    form = redeem_form(code, **({"client_id": client_id} if public else {}))
    answer = await client.post("/oauth/token", data=form, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "refresh_token" in answer.json()
    return registered, headers, answer.json(), session


def refresh_form(token: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": token, **extra}


async def test_rotation_and_reuse_revokes_the_family(client, container):
    _, headers, tokens, _ = await first_pair(client, container)
    rotated = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["scope"] == "openid profile"
    assert "id_token" not in fresh  # optional on refresh (OIDC Core §12.2); not sent

    reused = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # The thief's replay ended the family: the legitimate new token is dead too.
    after = await client.post(
        "/oauth/token", data=refresh_form(fresh["refresh_token"]), headers=headers
    )
    assert after.json()["error"] == "invalid_grant"
    assert await OAuthRefreshToken.filter(revoked_at=None).count() == 0


async def test_twenty_concurrent_refreshes_one_winner(client, container):
    _, headers, tokens, _ = await first_pair(client, container)

    async def refresh() -> int:
        answer = await client.post(
            "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
        )
        return answer.status_code

    results = await asyncio.gather(*(refresh() for _ in range(20)))
    assert results.count(200) == 1 and results.count(400) == 19
    assert await OAuthRefreshToken.filter(revoked_at=None).count() == 0


async def test_logout_ends_refresh_and_other_clients_cannot_use_it(client, container):
    _, headers, tokens, session = await first_pair(client, container)
    other = await web_client(
        container, name="其他系统", grant_types=["authorization_code", "refresh_token"]
    )
    stolen = await client.post(
        "/oauth/token",
        data=refresh_form(tokens["refresh_token"]),
        headers=basic(other.client.client_id, other.secret),
    )
    assert stolen.json()["error"] == "invalid_grant"
    await container.tokens.revoke_session(session.session_id, "logout")
    ended = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert ended.status_code == 400


async def test_public_client_refreshes_with_its_id(client, container):
    registered, _, tokens, _ = await first_pair(
        client, container, token_endpoint_auth_method="none", name="移动应用"
    )
    answer = await client.post(
        "/oauth/token",
        data=refresh_form(tokens["refresh_token"], client_id=registered.client.client_id),
    )
    assert answer.status_code == 200, answer.text


async def test_scope_cannot_grow_on_refresh(client, container):
    _, headers, tokens, _ = await first_pair(client, container)
    wider = await client.post(
        "/oauth/token",
        data=refresh_form(tokens["refresh_token"], scope="openid profile phone"),
        headers=headers,
    )
    assert wider.json()["error"] == "invalid_scope"


async def test_rfc7009_revocation_of_a_refresh_token_ends_the_family(client, container):
    _, headers, tokens, _ = await first_pair(client, container)
    revoked = await client.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=headers,
    )
    assert revoked.status_code == 200
    after = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert after.json()["error"] == "invalid_grant"
    assert await OAuthRefreshToken.filter(revoked_at=None).count() == 0


async def test_a_wrong_secret_or_a_missing_token_burns_nothing(client, container):
    registered, headers, tokens, _ = await first_pair(client, container)
    wrong = basic(registered.client.client_id, "not-the-secret")

    refused = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=wrong
    )
    missing = await client.post(
        "/oauth/token", data={"grant_type": "refresh_token"}, headers=headers
    )
    unknown = await client.post("/oauth/token", data=refresh_form("no-such-token"), headers=headers)

    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_grant")
    # The refused attempts did not use the token up: its owner still can.
    rotated = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert rotated.status_code == 200, rotated.text
    assert await OAuthRefreshToken.filter(used_at=None, revoked_at=None).count() == 1


async def test_a_successor_is_not_written_into_a_revoked_family(client, container):
    """Reuse detection revoked the family while the winner's successor was being made: the
    successor is refused by its parent's state (one statement), not revoked afterwards."""
    registered, _, tokens, _ = await first_pair(client, container)
    client_id = registered.client.client_id
    store = container.oauth_refresh_tokens
    claimed = await store.claim_live(tokens["refresh_token"], client_id)
    assert claimed is not None and claimed.account is not None
    await store.revoke_family(claimed.family_id, client_id)

    successor = RefreshGrant(
        client_id=client_id,
        account_id=claimed.account.id,
        session_id=claimed.session_id,
        scope=claimed.scope,
        acr=claimed.acr,
        auth_time=claimed.auth_time,
        family_id=claimed.family_id,
        parent_id=claimed.id,
    )
    await store.store("successor-made-too-late", successor)

    assert await store.find("successor-made-too-late") is None
    assert await OAuthRefreshToken.filter(token_hmac__isnull=False).count() == 1


async def test_a_claim_reads_the_account_and_the_session_in_one_statement(client, container):
    from tortoise import connections

    from identity_graph.core.rows import is_postgres
    from tests.agents.test_agents_queries import counted

    registered, _, tokens, session = await first_pair(client, container)
    client_id = registered.client.client_id
    store = container.oauth_refresh_tokens
    with counted() as statements:
        claimed = await store.claim_live(tokens["refresh_token"], client_id)
    assert claimed is not None and claimed.session_id == session.session_id
    assert len(statements) == (1 if is_postgres(connections.get("default")) else 2)

    await container.tokens.revoke_session(session.session_id, "logout")
    successor = RefreshGrant(
        client_id=client_id,
        account_id=claimed.account.id,
        session_id=claimed.session_id,
        scope=claimed.scope,
        acr=claimed.acr,
        auth_time=claimed.auth_time,
        family_id=claimed.family_id,
        parent_id=claimed.id,
    )
    with counted() as statements:
        await store.store("next-token", successor)
    assert len(statements) == 1
    # The session ended: the successor is written (its family lives) but cannot be claimed.
    assert await store.claim_live("next-token", client_id) is None
