"""Sessions and tokens: JWT access tokens name their session and die with it; refresh tokens
rotate, and a reused one ends the whole family — of 20 concurrent redemptions exactly one
wins (on PostgreSQL the redemptions run on separate connections)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from joserfc import jwt

from identity_graph.accounts.models import Account, AccountKind, Role
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError
from identity_graph.sessions.signing_keys import Algorithm
from identity_graph.sessions.tokens import LoginSession, RefreshToken


async def account(container) -> Account:
    return await container.accounts.create_staff(
        f"user-{uuid.uuid4().hex[:8]}", "a long password here", [Role.ADMIN], AuditContext()
    )


async def test_access_token_claims_and_viewer(container):
    user = await account(container)
    pair = await container.tokens.start_session(user, amr=["pwd"], client_ip="203.0.113.1")
    header = jwt.decode(pair.access_token, await container.signing_keys.verification_keys())
    assert header.header["alg"] == "ES256"
    assert header.header["typ"] == "at+jwt"
    claims = header.claims
    assert claims["sub"] == str(user.id)
    assert claims["sid"] == str(pair.session_id)
    assert claims["iss"] == container.settings.public_url
    assert claims["exp"] - claims["iat"] == container.settings.access_token_ttl_seconds
    viewer = await container.sessions.authenticate_bearer(pair.access_token)
    assert viewer is not None
    assert viewer.account_id == user.id
    assert viewer.kind is AccountKind.STAFF
    assert viewer.credential == "access_token"


async def test_refresh_tokens_are_stored_hashed(container):
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    stored = await RefreshToken.get()
    assert pair.refresh_token not in stored.token_hmac


async def test_expired_tampered_and_foreign_tokens_are_refused(container, clock):
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    head, body, signature = pair.access_token.split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"
    assert await container.sessions.authenticate_bearer(tampered) is None
    assert await container.sessions.authenticate_bearer("not.a.jwt") is None
    clock.advance(seconds=container.settings.access_token_ttl_seconds + 1)
    assert await container.sessions.authenticate_bearer(pair.access_token) is None


async def test_rotation_and_logout(container):
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    second = await container.tokens.refresh(pair.refresh_token)
    assert second.session_id == pair.session_id
    assert second.refresh_token != pair.refresh_token
    assert await container.tokens.revoke_session(pair.session_id, "logout")
    assert await container.sessions.authenticate_bearer(second.access_token) is None
    with pytest.raises(DomainError) as refused:
        await container.tokens.refresh(second.refresh_token)
    assert refused.value.code == "REFRESH_TOKEN_INVALID"


async def test_reuse_revokes_the_family(container):
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    second = await container.tokens.refresh(pair.refresh_token)
    with pytest.raises(DomainError) as reused:
        await container.tokens.refresh(pair.refresh_token)
    assert reused.value.code == "REFRESH_TOKEN_REUSED"
    session = await LoginSession.get(id=pair.session_id)
    assert session.revoke_reason == "refresh_reuse"
    with pytest.raises(DomainError):
        await container.tokens.refresh(second.refresh_token)


async def test_twenty_concurrent_redemptions_have_one_winner(container):
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    results = await asyncio.gather(
        *(container.tokens.refresh(pair.refresh_token) for _ in range(20)),
        return_exceptions=True,
    )
    winners = [result for result in results if not isinstance(result, BaseException)]
    assert len(winners) == 1
    codes = {result.code for result in results if isinstance(result, DomainError)}
    assert codes <= {"REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_INVALID"}
    assert "REFRESH_TOKEN_REUSED" in codes
    assert (await LoginSession.get(id=pair.session_id)).revoked_at is not None
    with pytest.raises(DomainError):
        await container.tokens.refresh(winners[0].refresh_token)


async def test_revoke_other_sessions(container):
    user = await account(container)
    keep = await container.tokens.start_session(user, amr=["pwd"], client_ip=None)
    other = await container.tokens.start_session(user, amr=["pwd"], client_ip=None)
    assert await container.tokens.revoke_other_sessions(user.id, keep.session_id, "password") == 1
    assert await container.sessions.authenticate_bearer(keep.access_token) is not None
    assert await container.sessions.authenticate_bearer(other.access_token) is None


async def test_a_remembered_signature_still_expires_and_dies_with_its_keys(container, clock):
    """``decode`` checks a token's signature once per key set: the second call answers from
    memory, but expiry is read every time, a tampered copy is never remembered, and after
    the published keys change (a rotation) the token is checked again from the start."""
    pair = await container.tokens.start_session(
        await account(container), amr=["pwd"], client_ip=None
    )
    assert await container.tokens.decode(pair.access_token) is not None
    head, body, signature = pair.access_token.split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"
    assert await container.tokens.decode(tampered) is None
    assert list(container.tokens._checked) == [pair.access_token]
    await container.signing_keys.rotate(Algorithm.ES256)
    assert await container.tokens.decode(pair.access_token) is not None  # retired, published
    assert container.tokens._checked_under is await container.signing_keys.verification_keys()
    clock.advance(seconds=container.settings.access_token_ttl_seconds + 1)
    assert await container.tokens.decode(pair.access_token) is None
    assert await container.sessions.authenticate_bearer(pair.access_token) is None
