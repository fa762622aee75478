"""UserInfo from process memory on PostgreSQL (issue 16, ``sessions/claim_rows.py``).

Like ``test_caches.py``, containers stand for worker processes or nodes: each has its own
caches, its own Redis subscription and its own ``LISTEN`` connection for the database's
notices; the third has its caches off (the slow path). The changes here are written
**behind every process's back**, on a connection of their own as psql would: only the row
triggers (migration 0026) can tell the processes, and UserInfo must refuse or answer anew
within about a second, exactly as the slow path does. PostgreSQL and Redis only (SQLite
keeps one query per request).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from identity_graph import db as idg_db
from identity_graph.accounts.models import AccountStatus
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import FixedClock
from identity_graph.core.postgres_bus import DatabaseNotices
from tests.oauth.test_caches import (
    Process,
    _settings,
    introspect,
    require_redis,
    soon,
    three_processes,
)
from tests.oauth.test_refresh_token import first_pair
from tests.server_helpers import run_server

TRIGGERS = {
    ("accounts", "idg_accounts_row_notice"),
    ("accounts", "idg_accounts_update_notice"),
    ("accounts", "idg_accounts_truncate_notice"),
    ("natural_persons", "idg_natural_persons_row_notice"),
    ("natural_persons", "idg_natural_persons_truncate_notice"),
    ("enterprises", "idg_enterprises_row_notice"),
    ("enterprises", "idg_enterprises_truncate_notice"),
    ("login_sessions", "idg_login_sessions_row_notice"),
    ("login_sessions", "idg_login_sessions_update_notice"),
    ("login_sessions", "idg_login_sessions_truncate_notice"),
}


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@pytest.fixture
def postgres(db: str) -> str:
    if not idg_db.is_postgres(db):
        pytest.skip("row notices exist on PostgreSQL only (run with --db postgres)")
    return db


@pytest_asyncio.fixture
async def psql(postgres: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own, outside the app (as psql would be)."""
    connection = await asyncpg.connect(_dsn(postgres))
    yield connection
    await connection.close()


@pytest_asyncio.fixture
async def processes(
    postgres: str, data_dir: Path, clock: FixedClock, redis_url: str
) -> AsyncIterator[tuple[Process, Process, Process]]:
    await require_redis(redis_url)
    extras: list[dict[str, Any]] = [{}, {}, {"cache_ttl_seconds": 0}]
    settings = [
        _settings(data_dir, redis_url=redis_url, database_url=postgres, **extra) for extra in extras
    ]
    async with three_processes(clock, settings) as made:
        yield made


async def _userinfo(process: Process, token: str) -> tuple[int, dict[str, Any]]:
    response = await process.http.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, dict(response.json())


async def _status(process: Process, token: str) -> int:
    return (await _userinfo(process, token))[0]


def _cached(process: Process, session_id: object) -> bool:
    cache = process.container.issued_tokens._claim_rows
    assert cache is not None and cache.enabled
    return cache.get(str(session_id))[0]


async def _warm(process: Process, token: str, session_id: object) -> dict[str, Any]:
    """Ask until the rows are kept (a fresh account's own insert notice holds them for the
    settle window first): the next request is answered from memory."""
    for _ in range(60):
        status, body = await _userinfo(process, token)
        assert status == 200, body
        if _cached(process, session_id):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the rows were never cached")


async def test_the_row_triggers_exist(psql):
    rows = await psql.fetch(
        "SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
        " AND t.tgname LIKE 'idg_%'"
    )
    assert {(row["table"], row["name"]) for row in rows} == TRIGGERS


async def test_a_direct_sql_disable_is_refused_by_the_other_process_within_a_second(
    processes, psql
):
    one, other, slow = processes
    _, headers, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    await _warm(other, access, session.session_id)
    account = await one.container.tokens.session_account(session.session_id)
    assert account is not None

    await psql.execute(
        "UPDATE accounts SET status = $1 WHERE id = $2", AccountStatus.DISABLED.value, account.id
    )
    waited = await soon(lambda: _is(_status(other, access), 401))
    assert waited < 1.0
    assert await _status(slow, access) == 401
    assert await _status(one, access) == 401
    assert (await introspect(other, headers, access))["active"] is False


async def test_a_session_ended_by_direct_sql_is_refused_within_a_second(processes, psql):
    one, other, slow = processes
    _, headers, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    await _warm(other, access, session.session_id)
    assert (await introspect(other, headers, access))["active"] is True

    await psql.execute(
        "UPDATE login_sessions SET revoked_at = now(), revoke_reason = 'admin' WHERE id = $1",
        session.session_id,
    )
    await soon(lambda: _is(_status(other, access), 401))
    assert await _status(slow, access) == 401
    await soon(lambda: _inactive(other, headers, access))


async def test_a_name_changed_by_direct_sql_is_answered_anew(processes, psql):
    """The person's row added, then renamed, then the login name changed, all by SQL: the
    insert and update notices of natural_persons and accounts reach the other process."""
    one, other, slow = processes
    _, _, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    before = await _warm(other, access, session.session_id)
    assert "name" not in before  # no person row yet
    account = await one.container.tokens.session_account(session.session_id)
    assert account is not None
    vault = one.container.vault

    await psql.execute(
        "INSERT INTO natural_persons (id, account_id, real_name_cipher, region_type, id_type,"
        " id_number_cipher, id_number_index, id_long_term, updated_at)"
        " VALUES ($1, $1, $2, 'mainland', 'resident_id_card', $3, $4, true, now())",
        account.id,
        vault.seal("张三", "real_name"),
        vault.seal("110101199003074477", "id_number"),
        f"bench-index-{account.id.hex}",
    )
    await soon(lambda: _claim(other, access, "name", "张三"))
    await _warm(other, access, session.session_id)

    await psql.execute(
        "UPDATE natural_persons SET real_name_cipher = $1 WHERE id = $2",
        vault.seal("新名字", "real_name"),
        account.id,
    )
    await soon(lambda: _claim(other, access, "name", "新名字"))
    assert (await _userinfo(slow, access))[1]["name"] == "新名字"

    new_login = f"renamed{account.id.hex[:8]}"
    await psql.execute("UPDATE accounts SET login_name = $1 WHERE id = $2", new_login, account.id)
    await soon(lambda: _claim(other, access, "preferred_username", new_login))
    assert (await _userinfo(slow, access))[1]["preferred_username"] == new_login


async def test_a_logout_is_refused_at_once(processes):
    one, other, slow = processes
    _, _, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    for process in (one, other):
        await _warm(process, access, session.session_id)

    await one.container.logout.end_session(session.session_id, AuditContext())
    assert await _status(one, access) == 401  # the process that ended it: no wait at all
    assert await _status(slow, access) == 401
    await soon(lambda: _is(_status(other, access), 401))


async def test_a_last_login_update_sends_no_notice(processes, psql, postgres):
    one, other, _ = processes
    _, _, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    await _warm(other, access, session.session_id)
    account = await one.container.tokens.session_account(session.session_id)
    assert account is not None
    received: list[dict[str, Any]] = []
    listener = await asyncpg.connect(_dsn(postgres))
    try:
        await listener.add_listener(
            "idg_events", lambda _c, _p, _ch, payload: received.append(json.loads(payload))
        )
        await psql.execute("UPDATE accounts SET last_login_at = now() WHERE id = $1", account.id)
        await asyncio.sleep(0.3)
        assert received == []
        assert _cached(other, session.session_id)  # a login does not empty the caches

        await psql.execute("UPDATE accounts SET updated_at = now() WHERE id = $1", account.id)
        await soon(lambda: _nonempty(received))
        assert received == [{"c": "cache", "d": {"topic": "account_rows", "key": str(account.id)}}]
    finally:
        await listener.close()
    await soon(lambda: _not_cached(other, session.session_id))


async def test_a_truncate_or_a_lost_listener_drops_every_entry(processes, psql):
    one, other, _ = processes
    _, _, tokens, session = await first_pair(one.http, one.container)
    access = tokens["access_token"]
    await _warm(other, access, session.session_id)

    # The database connection that carries the row notices is lost: a resync.
    source = other.container.changes._sources[-1]
    assert isinstance(source, DatabaseNotices)
    pid = source.listener_pid
    assert pid is not None
    await psql.execute("SELECT pg_terminate_backend($1)", pid)
    await soon(lambda: _not_cached(other, session.session_id), within=3.0)
    await soon(lambda: _reconnected(source, pid), within=5.0)

    await _warm(other, access, session.session_id)  # after the settle window
    await psql.execute("TRUNCATE login_sessions CASCADE")
    await soon(lambda: _not_cached(other, session.session_id))
    await soon(lambda: _is(_status(other, access), 401))


async def _is(answer: Any, expected: int) -> bool:
    return await answer == expected


async def _claim(process: Process, token: str, name: str, value: str) -> bool:
    status, body = await _userinfo(process, token)
    return status == 200 and body.get(name) == value


async def _inactive(process: Process, headers: dict[str, str], token: str) -> bool:
    return (await introspect(process, headers, token))["active"] is False


async def _nonempty(received: list[Any]) -> bool:
    return bool(received)


async def _not_cached(process: Process, session_id: object) -> bool:
    return not _cached(process, session_id)


async def _reconnected(source: DatabaseNotices, old_pid: int) -> bool:
    return source.listener_pid not in (None, old_pid)


@pytest.mark.server
async def test_two_server_workers_refuse_a_direct_sql_disable_within_a_second(
    postgres, psql, redis_url, tmp_path
):
    """The real server (``serve --workers 2``, PostgreSQL, Redis, a TTL of a minute so that
    only a notice can explain a refusal): both workers answer UserInfo from memory, then an
    account disabled by SQL is refused by every request, whichever worker takes it."""
    await require_redis(redis_url)
    settings = _settings(tmp_path / "writer", redis_url=redis_url, database_url=postgres)
    writer = Container(settings)  # the real clock: the server checks expiry with its own
    assert settings.secret_key is not None
    extra = {
        "IDG_SECRET_KEY": settings.secret_key.get_secret_value(),
        "IDG_REDIS_URL": redis_url,
        "IDG_CACHE_TTL_SECONDS": "60",
    }
    try:
        with run_server(tmp_path / "server", postgres, workers=2, extra_env=extra) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as http:
                _, _, tokens, session = await first_pair(http, writer)
            access = tokens["access_token"]
            account = await writer.tokens.session_account(session.session_id)
            assert account is not None
            # A new connection per request: the kernel spreads them over both workers.
            fresh = httpx.Limits(max_keepalive_connections=0)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=10.0, limits=fresh
            ) as each:

                async def statuses(count: int) -> set[int]:
                    answers = set()
                    for _ in range(count):
                        response = await each.get(
                            "/oauth/userinfo", headers={"Authorization": f"Bearer {access}"}
                        )
                        answers.add(response.status_code)
                    return answers

                await asyncio.sleep(1.2)  # the account's insert notice: settle window over
                assert await statuses(20) == {200}
                await psql.execute(
                    "UPDATE accounts SET status = $1 WHERE id = $2",
                    AccountStatus.DISABLED.value,
                    account.id,
                )
                await asyncio.sleep(1.0)
                assert await statuses(20) == {401}
    finally:
        await writer.aclose()
