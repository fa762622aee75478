"""Per-process caches kept current across processes (issue 16, ``core/change_feed.py``).

Two containers stand for two worker processes (or two nodes): each has its own caches and
its own Redis subscription, and they share the database and Redis. A third container has
its caches turned off (``IDG_CACHE_TTL_SECONDS=0``): the slow path. Every change made
through one process must be refused by the other at once (well under a second), exactly
as the slow path refuses it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from identity_graph.accounts.enums import Role
from identity_graph.app import create_app
from identity_graph.clients.models import OAuthClient
from identity_graph.clients.revocations import RevokedToken
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import FixedClock
from identity_graph.sessions.signing_keys import Algorithm
from identity_graph.settings import Settings
from tests.graphql.test_clients_admin import BACKEND, REGISTER, ROTATE, UPDATE, staff_token
from tests.oauth.helpers import backend_client, basic
from tests.oauth.test_refresh_token import first_pair, refresh_form


@dataclass
class Process:
    container: Container
    http: httpx.AsyncClient

    async def gql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json()["data"])


def _settings(data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        **extra,
    )


async def require_redis(redis_url: str) -> None:
    """Skip the test when Redis does not answer."""
    probe = Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception as exc:
        pytest.skip(f"Redis unreachable at {redis_url}: {exc}")
    finally:
        await probe.aclose()


@contextlib.asynccontextmanager
async def three_processes(
    clock: FixedClock, settings: list[Settings]
) -> AsyncIterator[tuple[Process, Process, Process]]:
    """One container and ASGI client per settings, its change feed ready, until the end."""
    made: list[Process] = []
    for each in settings:
        container = Container(each, clock=clock)
        app = create_app(each, container, manage_database=False)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        http = httpx.AsyncClient(transport=transport, base_url="https://testserver")
        made.append(Process(container, http))
    try:
        for process in made:
            await process.container.changes.ready()
        yield made[0], made[1], made[2]
    finally:
        for process in made:
            await process.http.aclose()
            await process.container.aclose()


@pytest_asyncio.fixture
async def processes(
    db: str, data_dir: Path, clock: FixedClock, redis_url: str
) -> AsyncIterator[tuple[Process, Process, Process]]:
    await require_redis(redis_url)
    extras: list[dict[str, Any]] = [
        {"redis_url": redis_url},
        {"redis_url": redis_url},
        {"cache_ttl_seconds": 0},
    ]
    async with three_processes(clock, [_settings(data_dir, **extra) for extra in extras]) as made:
        yield made


async def soon(check: Callable[[], Awaitable[bool]], within: float = 1.0) -> float:
    """Seconds until ``check`` holds; fails after ``within`` seconds."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, "not refused within the second"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def grant(process: Process, client_id: str, secret: str) -> int:
    response = await process.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    return response.status_code


async def introspect(process: Process, headers: dict[str, str], token: str) -> dict[str, Any]:
    response = await process.http.post("/oauth/introspect", data={"token": token}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_disabled_client_is_refused_by_the_other_process_at_once(processes):
    one, other, slow = processes
    admin = await staff_token(one.container, Role.ADMIN)
    created = (await one.gql(REGISTER, {"input": BACKEND}, admin))["registerClient"]
    client_id, secret = created["client"]["clientId"], created["clientSecret"]
    assert await grant(other, client_id, secret) == 200
    assert other.container.clients._cache.get(client_id)[0]  # served from memory now

    rotated = (await one.gql(ROTATE, {"id": client_id}, admin))["rotateClientSecret"]
    new_secret = rotated["clientSecret"]
    await soon(lambda: _is(grant(other, client_id, secret), 401))
    assert await grant(slow, client_id, secret) == 401
    assert await grant(other, client_id, new_secret) == 200

    disabled = await one.gql(UPDATE, {"input": {"clientId": client_id, "disabled": True}}, admin)
    assert disabled["updateClient"]["client"]["disabled"] is True
    waited = await soon(lambda: _is(grant(other, client_id, new_secret), 401))
    assert waited < 1.0
    assert await grant(slow, client_id, new_secret) == 401
    assert await grant(one, client_id, new_secret) == 401

    enabled = await one.gql(UPDATE, {"input": {"clientId": client_id, "disabled": False}}, admin)
    assert enabled["updateClient"]["client"]["disabled"] is False
    await soon(lambda: _is(grant(other, client_id, new_secret), 200))


async def _is(answer: Awaitable[int], expected: int) -> bool:
    return await answer == expected


async def test_a_key_rotation_reaches_the_other_process_at_once(processes):
    one, other, _ = processes
    admin = await staff_token(one.container, Role.ADMIN)
    created = (await one.gql(REGISTER, {"input": BACKEND}, admin))["registerClient"]
    client_id, secret = created["client"]["clientId"], created["clientSecret"]

    async def kid() -> str:
        response = await other.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(client_id, secret),
        )
        header = response.json()["access_token"].split(".")[0]
        return str(json.loads(base64.urlsafe_b64decode(header + "=="))["kid"])

    before = await kid()
    new_kid = await one.container.signing_keys.rotate(Algorithm.ES256)
    assert new_kid != before

    async def signs_with_new() -> bool:
        return await kid() == new_kid

    await soon(signs_with_new)


async def test_introspection_from_memory_refuses_what_the_database_refuses(processes):
    """Revoked token, revoked grant (refresh reuse): the other process (caches warm) and
    the slow path answer alike, at once."""
    one, other, slow = processes
    _, headers, tokens, _ = await first_pair(one.http, one.container)
    # A resource server that introspects (caches warm in the other process).
    access = tokens["access_token"]
    for process in (other, slow):
        assert (await introspect(process, headers, access))["active"] is True
        assert await _userinfo(process, access) == 200
    assert other.container.tokens._live is not None

    # 1. RFC 7009 revocation of the access token through the first process.
    revoked = await one.http.post("/oauth/revoke", data={"token": access}, headers=headers)
    assert revoked.status_code == 200
    await soon(lambda: _inactive(other, headers, access))
    assert (await introspect(slow, headers, access))["active"] is False
    assert await _userinfo(other, access) == 401
    assert await _userinfo(slow, access) == 401

    # 2. A reused refresh token revokes the grant: its other access tokens die too.
    rotated = await one.http.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    second = rotated.json()["access_token"]
    assert (await introspect(other, headers, second))["active"] is True
    reused = await one.http.post(
        "/oauth/token", data=refresh_form(tokens["refresh_token"]), headers=headers
    )
    assert reused.json()["error"] == "invalid_grant"
    await soon(lambda: _inactive(other, headers, second))
    assert (await introspect(slow, headers, second))["active"] is False
    assert await _userinfo(other, second) == 401


async def test_a_logout_ends_the_sessions_tokens_in_every_process(processes):
    one, other, slow = processes
    _, headers3, tokens3, session3 = await first_pair(one.http, one.container)
    third = tokens3["access_token"]
    assert (await introspect(other, headers3, third))["active"] is True
    assert (await _userinfo(other, third)) == 200
    await one.container.logout.end_session(session3.session_id, AuditContext())
    await soon(lambda: _inactive(other, headers3, third))
    assert (await introspect(slow, headers3, third))["active"] is False
    assert (await _userinfo(other, third)) == 401


async def test_an_expired_token_is_inactive_from_memory_too(processes, clock):
    one, other, slow = processes
    _, headers4, tokens4, _ = await first_pair(one.http, one.container)
    fourth = tokens4["access_token"]
    assert (await introspect(other, headers4, fourth))["active"] is True
    clock.advance(seconds=901)
    assert (await introspect(other, headers4, fourth))["active"] is False
    assert (await introspect(slow, headers4, fourth))["active"] is False


async def test_a_password_change_ends_cached_sessions_everywhere(processes):
    one, other, slow = processes
    _, headers, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    assert (await introspect(other, headers, access))["active"] is True
    account_id = (await one.container.tokens.session_account(session.session_id)).id
    ended = await one.container.tokens.revoke_other_sessions(account_id, None, "password")
    assert ended == 1
    await soon(lambda: _inactive(other, headers, access))
    assert (await introspect(slow, headers, access))["active"] is False


async def _inactive(process: Process, headers: dict[str, str], token: str) -> bool:
    return (await introspect(process, headers, token))["active"] is False


async def _userinfo(process: Process, token: str) -> int:
    response = await process.http.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_a_lost_notice_is_caught_by_the_ttl(db, data_dir, clock):
    """A change written by a process whose notice never arrived (Redis down, another
    node): the caches stop answering from memory after ``IDG_CACHE_TTL_SECONDS``."""
    settings = _settings(data_dir, cache_ttl_seconds=0.3)
    container = Container(settings, clock=clock)
    app = create_app(settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        process = Process(container, http)
        partner = await backend_client(container)
        headers = basic(partner.client.client_id, partner.secret)
        issued = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=headers
        )
        token = issued.json()["access_token"]
        assert (await introspect(process, headers, token))["active"] is True
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        # Written behind the process's back: no notice.
        now = clock.now()
        await RevokedToken.create(
            jti=claims["jti"],
            client_id=partner.client.client_id,
            expires_at=now + timedelta(hours=1),
            revoked_at=now,
        )
        await asyncio.sleep(0.35)
        assert (await introspect(process, headers, token))["active"] is False

        await OAuthClient.filter(id=partner.client.id).update(disabled_at=now)
        await asyncio.sleep(0.35)
        again = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=headers
        )
        assert again.status_code == 401
    await container.aclose()
