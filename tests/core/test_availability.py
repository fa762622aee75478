"""Which failures are outages (503) and which are bugs (loud): real driver exceptions, wrapped
the way Tortoise and asyncio wrap them."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from redis import exceptions as redis_errors
from tortoise.exceptions import IntegrityError, OperationalError

from identity_graph.core.availability import DependencyUnavailable, unavailable
from tests.server_helpers import free_port


def _wrapped(inner: BaseException, outer: type[Exception]) -> Exception:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer(exc) from exc
    except Exception as wrapped:
        return wrapped


async def test_a_refused_postgres_connection_is_a_database_outage() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(ConnectionRefusedError) as refused:
        await asyncpg.connect(host="127.0.0.1", port=port, user="postgres", timeout=2)
    assert unavailable(refused.value) in ("database", "network")
    with pytest.raises(OSError, match=r"Connect call failed|Multiple exceptions") as both:
        await asyncpg.connect(host="localhost", port=port, user="postgres", timeout=2)
    assert unavailable(both.value) is not None


def test_a_locked_sqlite_database_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x int)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    holder.close()
    other.close()
    assert unavailable(_wrapped(locked.value, OperationalError)) == "database"


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), "database"),
        (asyncpg.AdminShutdownError("terminating connection"), "database"),
        (asyncpg.CannotConnectNowError("the database system is starting up"), "database"),
        (asyncpg.TooManyConnectionsError("too many clients"), "database"),
        (asyncpg.InterfaceError("connection is closed"), "database"),
        (redis_errors.ConnectionError("Connection refused"), "redis"),
        (redis_errors.TimeoutError("Timeout reading"), "redis"),
        (ConnectionResetError(104, "reset by peer"), "network"),
        (DependencyUnavailable("redis"), "redis"),
    ],
)
def test_outages(error: Exception, dependency: str) -> None:
    assert unavailable(error) == dependency
    assert unavailable(_wrapped(error, OperationalError)) == dependency


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        KeyError("x"),
        asyncpg.UniqueViolationError("duplicate key"),
        IntegrityError("duplicate key"),
        OperationalError("syntax error at or near"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        sqlite3.OperationalError("no such table: accounts"),
        FileNotFoundError(2, "No such file"),
        redis_errors.ResponseError("WRONGTYPE"),
    ],
)
def test_bugs_are_not_outages(error: Exception) -> None:
    assert unavailable(error) is None
    assert unavailable(_wrapped(error, RuntimeError)) is None


async def test_our_own_timeout_is_not_an_outage() -> None:
    with pytest.raises(TimeoutError) as timed_out:
        await asyncio.wait_for(asyncio.sleep(1), timeout=0.01)
    assert unavailable(timed_out.value) is None


def test_an_exception_group_is_an_outage_only_if_all_of_it_is() -> None:
    down = redis_errors.ConnectionError("refused")
    assert unavailable(ExceptionGroup("all", [down, redis_errors.TimeoutError("t")])) == "redis"
    assert unavailable(ExceptionGroup("mixed", [down, ValueError("bug")])) is None
