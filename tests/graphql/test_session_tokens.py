"""Session tokens over HTTP (SPEC §3): what ``login`` hands out, ``refreshSession`` rotation
and reuse detection (also under 20 concurrent redemptions), expiry, ``logout``, and bearer
tokens that are garbage."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditEvent
from identity_graph.sessions.tokens import LoginSession, RefreshToken
from tests.graphql.accounts_helpers import ERRORS, ME, login, register_person

REFRESH = (
    """
mutation Refresh($token: String!) {
  refreshSession(refreshToken: $token) {
    __typename
    ... on SessionTokens { accessToken refreshToken expiresIn tokenType account { id } }
"""
    + ERRORS
    + "  }\n}\n"
)

LOGOUT = (
    """
mutation { logout { __typename ... on LoggedOut { ended }
"""
    + ERRORS
    + "  }\n}\n"
)


async def logged_in(gql, hooks, container) -> tuple[str, dict[str, Any]]:
    """Register ``zhangsan`` and log in; the account id and the SessionTokens."""
    registered = await register_person(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert session["__typename"] == "SessionTokens", session
    return str(registered["account"]["id"]), session


async def me_error(gql, token: str | None) -> str | None:
    """None when ``me`` answers with the account, else the top-level error code."""
    body = await gql(ME, token=token)
    if "errors" not in body:
        assert body["data"]["me"]["loginName"] == "zhangsan"
        return None
    assert body["data"] == {"me": None}
    return str(body["errors"][0]["extensions"]["code"])


async def refresh(gql, token: str) -> dict[str, Any]:
    return dict((await gql(REFRESH, {"token": token}))["data"]["refreshSession"])


def refresh_error(result: dict[str, Any]) -> str:
    """The code of a refused refresh (a ValidationErrors naming ``refreshToken``)."""
    assert result["__typename"] == "ValidationErrors", result
    [error] = result["errors"]
    assert error["field"] == "refreshToken"
    return str(error["code"])


def b64json(part: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_login_returns_a_signed_access_token_and_a_refresh_token(
    gql, hooks, container, clock
):
    account_id, session = await logged_in(gql, hooks, container)
    assert session["tokenType"] == "Bearer"
    assert session["expiresIn"] == 900
    head, body, signature = session["accessToken"].split(".")
    header = b64json(head)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"]
    claims = b64json(body)
    assert claims["sub"] == account_id
    assert claims["amr"] == ["pwd"]
    assert claims["account_type"] == "natural_person"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["iat"] == int(clock.now().timestamp())
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64  # ES256: r || s

    refresh_token = session["refreshToken"]
    assert refresh_token.count(".") == 0 and len(refresh_token) >= 40
    stored = await LoginSession.get(id=claims["sid"])
    assert str(stored.account_id) == account_id  # type: ignore[attr-defined]
    assert stored.client_ip == "203.0.113.7"
    assert stored.revoked_at is None
    assert not await RefreshToken.filter(token_hmac=refresh_token).exists()
    assert await RefreshToken.filter(session_id=stored.id).count() == 1
    assert await me_error(gql, session["accessToken"]) is None


async def test_refresh_rotates_and_a_reused_token_ends_the_session(gql, hooks, container):
    _, session = await logged_in(gql, hooks, container)
    rotated = await refresh(gql, session["refreshToken"])
    assert rotated["__typename"] == "SessionTokens", rotated
    assert rotated["accessToken"] != session["accessToken"]
    assert rotated["refreshToken"] != session["refreshToken"]
    assert rotated["expiresIn"] == 900
    assert rotated["tokenType"] == "Bearer"
    assert rotated["account"] is None
    sid = b64json(session["accessToken"].split(".")[1])["sid"]
    assert b64json(rotated["accessToken"].split(".")[1])["sid"] == sid
    assert await me_error(gql, rotated["accessToken"]) is None

    reused = await refresh(gql, session["refreshToken"])
    assert refresh_error(reused) == "REFRESH_TOKEN_REUSED"
    assert reused["errors"][0]["message"] == (
        "检测到刷新令牌被重复使用，已退出该登录会话，请重新登录"
    )
    row = await LoginSession.get(id=sid)
    assert row.revoked_at is not None
    assert row.revoke_reason == "refresh_reuse"
    # The whole family is dead: both access tokens and the newest refresh token.
    assert await me_error(gql, rotated["accessToken"]) == "NOT_AUTHENTICATED"
    assert await me_error(gql, session["accessToken"]) == "NOT_AUTHENTICATED"
    assert refresh_error(await refresh(gql, rotated["refreshToken"])) == "REFRESH_TOKEN_INVALID"
    # A new login starts a new, working session.
    again = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert await me_error(gql, again["accessToken"]) is None


async def test_twenty_concurrent_refreshes_have_one_winner_and_end_the_family(
    gql, hooks, container
):
    _, session = await logged_in(gql, hooks, container)
    sid = b64json(session["accessToken"].split(".")[1])["sid"]
    results = await asyncio.gather(*(refresh(gql, session["refreshToken"]) for _ in range(20)))
    winners = [result for result in results if result["__typename"] == "SessionTokens"]
    assert len(winners) == 1, results
    codes = [refresh_error(result) for result in results if result not in winners]
    assert len(codes) == 19
    assert set(codes) <= {"REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_INVALID"}
    assert "REFRESH_TOKEN_REUSED" in codes
    row = await LoginSession.get(id=sid)
    assert row.revoked_at is not None
    assert row.revoke_reason == "refresh_reuse"
    assert await me_error(gql, winners[0]["accessToken"]) == "NOT_AUTHENTICATED"
    assert refresh_error(await refresh(gql, winners[0]["refreshToken"])) == "REFRESH_TOKEN_INVALID"
    assert await RefreshToken.filter(session_id=sid, used_at=None).count() <= 1


async def test_access_token_expires_after_fifteen_minutes(gql, hooks, container, clock):
    _, session = await logged_in(gql, hooks, container)
    clock.advance(seconds=899)
    assert await me_error(gql, session["accessToken"]) is None
    clock.advance(seconds=2)
    assert await me_error(gql, session["accessToken"]) == "NOT_AUTHENTICATED"
    # The refresh token outlives it and gives a working pair.
    rotated = await refresh(gql, session["refreshToken"])
    assert rotated["__typename"] == "SessionTokens", rotated
    assert await me_error(gql, rotated["accessToken"]) is None


async def test_refresh_token_expires_with_its_lifetime(gql, hooks, container, clock, settings):
    _, session = await logged_in(gql, hooks, container)
    clock.advance(seconds=settings.refresh_token_ttl_seconds)
    assert refresh_error(await refresh(gql, session["refreshToken"])) == "REFRESH_TOKEN_INVALID"


async def test_logout_ends_the_session_and_only_that_one(gql, hooks, container):
    account_id, session = await logged_in(gql, hooks, container)
    other = await login(gql, "NATURAL_PERSON", "13812345678")
    token = session["accessToken"]
    sid = b64json(token.split(".")[1])["sid"]

    out = await gql(LOGOUT, token=token)
    assert out["data"]["logout"] == {"__typename": "LoggedOut", "ended": True}
    assert await me_error(gql, token) == "NOT_AUTHENTICATED"
    assert refresh_error(await refresh(gql, session["refreshToken"])) == "REFRESH_TOKEN_INVALID"
    row = await LoginSession.get(id=sid)
    assert row.revoked_at is not None
    assert row.revoke_reason == "logout"
    events = await AuditEvent.filter(action="logout")
    assert [(event.subject_id, event.details) for event in events] == [
        (account_id, {"session": sid, "clients": []})
    ]

    again = await gql(LOGOUT, token=token)
    assert again["data"]["logout"] == {
        "__typename": "NotAuthorizedError",
        "code": "NOT_AUTHENTICATED",
        "message": "请先登录",
    }
    assert await AuditEvent.filter(action="logout").count() == 1
    # The other session of the same account still works.
    assert await me_error(gql, other["accessToken"]) is None
    assert (await refresh(gql, other["refreshToken"]))["__typename"] == "SessionTokens"


async def test_logout_without_a_token_is_not_authenticated(gql, db):
    body = await gql(LOGOUT, language="en")
    assert body["data"]["logout"] == {
        "__typename": "NotAuthorizedError",
        "code": "NOT_AUTHENTICATED",
        "message": "Please log in first",
    }


async def test_garbage_bearer_tokens_are_just_not_authenticated(gql, hooks, container, client):
    _, session = await logged_in(gql, hooks, container)
    head, body, signature = session["accessToken"].split(".")
    claims = b64json(body)
    forged_claims = {**claims, "sub": str(uuid.uuid4())}
    attacker_key = ECKey.generate_key("P-256", parameters={"kid": b64json(head)["kid"]})
    garbage = [
        "x",
        "a.b.c",
        "....",
        "idg_pat_" + "A" * 43,
        f"{head}.{body}",
        f"{head}.{body}.{signature[:-4]}AAAA",
        f"{head}.{b64(forged_claims)}.{signature}",
        f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{body}.",
        f"{b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': b64json(head)['kid']})}.{body}.AAAA",
        f"{b64({'alg': 'ES256', 'kid': 123})}.{body}.{signature}",
        f"{b64({'alg': 'ES256', 'kid': 'no-such-key'})}.{body}.{signature}",
        f"{b64({'alg': 'ES256', 'crit': ['exp']})}.{body}.{signature}",
        "W10.W10.W10",  # JSON arrays where objects belong
        "bnVsbA.bnVsbA.bnVsbA",  # null
        jwt.encode(
            {"alg": "ES256", "typ": "at+jwt", "kid": attacker_key.kid}, claims, attacker_key
        ),
        session["accessToken"] + "x",
        "A" * 8000,
    ]
    for token in garbage:
        response = await client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, (token, response.text)
        answer = response.json()
        assert answer["data"] == {"me": None}, token
        assert answer["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED", token
    odd_headers = [
        b"Bearer \xc3\xa9\xe2\x82\xac",
        b"Bearer",
        b"Bearer    ",
        b"Basic dXNlcjpwYXNz",
        b"bearer " + session["accessToken"].encode()[:-1],
    ]
    for value in odd_headers:
        response = await client.post(
            "/graphql", json={"query": ME}, headers=[(b"Authorization", value)]
        )
        assert response.status_code == 200, (value, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED", value
    # A garbage bearer token does not stop an anonymous mutation, and the real one works.
    still = await client.post(
        "/graphql",
        json={"query": LOGOUT},
        headers={"Authorization": "Bearer a.b.c"},
    )
    assert still.json()["data"]["logout"]["code"] == "NOT_AUTHENTICATED"
    assert await me_error(gql, session["accessToken"]) is None


@pytest.mark.parametrize("token", ["", "   ", "not-a-refresh-token", "A" * 512, "é€"])
async def test_refreshing_garbage_is_refresh_token_invalid(gql, db, token):
    assert refresh_error(await refresh(gql, token)) == "REFRESH_TOKEN_INVALID"


@pytest.mark.parametrize(
    ("token", "code"), [("A" * 5000, "TOO_LONG"), ("a\x00b", "CONTROL_CHARACTERS")]
)
async def test_a_refresh_token_no_token_could_be_is_refused_at_the_edge(gql, db, token, code):
    assert refresh_error(await refresh(gql, token)) == code


@pytest.mark.parametrize("status", [AccountStatus.DISABLED, AccountStatus.LOCKED])
async def test_refresh_of_a_disabled_or_locked_account_fails(gql, hooks, container, status):
    account_id, session = await logged_in(gql, hooks, container)
    await Account.filter(id=account_id).update(status=status)
    result = await refresh(gql, session["refreshToken"])
    assert refresh_error(result) == "REFRESH_TOKEN_INVALID"
    assert result["errors"][0]["message"] == "登录已失效，请重新登录"
    assert await me_error(gql, session["accessToken"]) == "NOT_AUTHENTICATED"
    assert await RefreshToken.filter(used_at__isnull=False).count() == 0
