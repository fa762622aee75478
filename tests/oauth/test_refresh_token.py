"""RFC 6749 §6 refresh tokens for partner clients: rotation, reuse detection that revokes
the family, single use under concurrency, and the login session's end ending them."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import connections

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.core.rows import is_postgres
from identity_graph.sessions.oauth_refresh import OAuthRefreshToken, Successor
from identity_graph.sessions.tokens import LoginSession
from tests.agents.test_agents_queries import counted
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
    # the winner's successor is the only one written (and it died with the family)
    assert await OAuthRefreshToken.all().count() == 2


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
    """Reuse detection revoked the family before the winner's claim: nothing is claimed and
    no successor written (the claim and the write are one statement, under the row lock)."""
    registered, _, tokens, _ = await first_pair(client, container)
    client_id = registered.client.client_id
    store = container.oauth_refresh_tokens
    first = await OAuthRefreshToken.get()
    await store.revoke_family(first.family_id, client_id)

    successor = Successor.mint()
    assert await store.rotate(tokens["refresh_token"], client_id, successor) is None
    assert successor.id is None
    assert await store.find(successor.value) is None
    assert await OAuthRefreshToken.all().count() == 1


async def test_a_rotation_is_one_statement_on_postgres(client, container):
    """Claim, account, login session and successor: one statement on PostgreSQL (a
    transaction of three on SQLite); the successor lives only once it is issued."""
    registered, _, tokens, session = await first_pair(client, container)
    client_id = registered.client.client_id
    store = container.oauth_refresh_tokens
    successor = Successor.mint()
    with counted() as statements:
        claimed = await store.rotate(tokens["refresh_token"], client_id, successor)
    assert claimed is not None and claimed.session_id == session.session_id
    assert claimed.account is not None and successor.id is not None
    if is_postgres(connections.get("default")):
        assert len(statements) == 1
    written = await OAuthRefreshToken.get(id=successor.id)
    assert (written.family_id, written.scope, written.session_id) == (
        claimed.family_id,
        claimed.scope,
        claimed.session_id,
    )
    assert written.used_at is None and written.revoked_at is None
    # Not issued (no answer carried it): dropping removes it; an issued one stays.
    await store.drop(successor)
    assert await OAuthRefreshToken.filter(id=written.id).count() == 0


async def test_the_issued_successor_is_the_only_new_row(client, container):
    _, headers, tokens, _ = await first_pair(client, container)
    rotated = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert rotated.status_code == 200, rotated.text
    store = container.oauth_refresh_tokens
    live = await store.find(rotated.json()["refresh_token"])
    assert live is not None
    assert await OAuthRefreshToken.all().count() == 2
    assert await OAuthRefreshToken.filter(used_at=None, revoked_at=None).count() == 1
    again = await client.post(
        "/oauth/token", data=refresh_form(rotated.json()["refresh_token"]), headers=headers
    )
    assert again.status_code == 200, again.text


async def test_a_wider_scope_drops_the_successor(client, container):
    """authlib refuses after the claim: the successor the claim wrote is removed, the
    presented token is used up, nothing stays live."""
    _, headers, tokens, _ = await first_pair(client, container)
    wider = await client.post(
        "/oauth/token",
        data=refresh_form(tokens["refresh_token"], scope="openid profile phone"),
        headers=headers,
    )
    assert wider.json()["error"] == "invalid_scope"
    assert await OAuthRefreshToken.all().count() == 1
    assert await OAuthRefreshToken.filter(used_at=None).count() == 0


async def test_a_disabled_account_drops_the_successor(client, container):
    _, headers, tokens, session = await first_pair(client, container)
    row = await LoginSession.get(id=session.session_id)
    await Account.filter(id=row.account_id).update(status=AccountStatus.DISABLED)  # type: ignore[attr-defined]
    disabled = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert disabled.status_code == 400, disabled.text
    assert await OAuthRefreshToken.all().count() == 1
    assert await OAuthRefreshToken.filter(used_at=None).count() == 0


@pytest.mark.parametrize("ended", ["token expired", "session expired", "session revoked"])
async def test_an_expired_token_or_ended_session_gets_no_successor(client, container, ended):
    now = container.clock.now()
    _, headers, tokens, session = await first_pair(client, container)
    if ended == "token expired":
        await OAuthRefreshToken.filter(used_at=None).update(expires_at=now)
    elif ended == "session expired":
        await LoginSession.filter(id=session.session_id).update(expires_at=now)
    else:  # straight in the table: the claim's own session check refuses it
        await LoginSession.filter(id=session.session_id).update(revoked_at=now)
    refused = await client.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    # no successor written; the presented token is used up
    assert await OAuthRefreshToken.all().count() == 1
    assert await OAuthRefreshToken.filter(used_at=None).count() == 0
