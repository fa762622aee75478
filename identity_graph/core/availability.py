"""Which failures mean "a dependency is unavailable" rather than "we have a bug" (issue 15).

One classifier for every transport: GraphQL, the OAuth endpoints and the pages all ask
``unavailable(exc)`` and answer 503 with ``Retry-After`` when it names a dependency, so a
database or Redis outage is a typed, temporary refusal instead of a 500. Only failures to
*reach* a dependency count: a connection refused, reset or lost, a server shutting down or
starting up, too many connections, SQLite's lock held past its timeout, Redis timing out,
the object store (S3) not answering.
Everything else (a constraint violation, a syntax error, a misused API) is a bug and stays
loud. Nothing is cached: the next request after the dependency is back simply succeeds
(asyncpg's pool replaces closed connections, redis-py reconnects), so recovery needs no
restart.

Drivers wrap each other's errors (Tortoise raises ``OperationalError`` from asyncpg or
sqlite3; a rollback after a lost connection raises its own error while handling the first),
so the whole chain of causes and contexts is examined.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from typing import Literal

import asyncpg
from botocore import exceptions as botocore_errors
from redis import exceptions as redis_errors
from tortoise.exceptions import DBConnectionError

Dependency = Literal["database", "redis", "storage", "network"]

_POSTGRES_DOWN: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08: connection lost or refused
    asyncpg.AdminShutdownError,  # 57P01: the server is shutting down
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.CannotConnectNowError,  # 57P03: the server is starting up or in recovery
    asyncpg.TooManyConnectionsError,  # 53300
    DBConnectionError,
)
_POSTGRES_CLOSED = ("connection is closed", "underlying connection is closed")
_SQLITE_DOWN = ("database is locked", "database table is locked", "unable to open database")
_REDIS_DOWN: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,  # includes BusyLoadingError (a replica loading its data)
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,  # a failover left us talking to a replica
)
_STORAGE_DOWN: tuple[type[BaseException], ...] = (
    botocore_errors.ConnectionError,  # endpoint unreachable, connect timeout, closed
    botocore_errors.ReadTimeoutError,
    botocore_errors.ConnectionClosedError,
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.EADDRNOTAVAIL,
    }
)
_MAX_CHAIN = 16


class DependencyUnavailable(Exception):
    """Raised where code knows a dependency is down without a driver error to show for it."""

    def __init__(self, dependency: Dependency) -> None:
        super().__init__(f"{dependency} unavailable")
        self.dependency: Dependency = dependency


def unavailable(exc: BaseException) -> Dependency | None:
    """The dependency whose outage caused ``exc``, or None when ``exc`` is something else."""
    if isinstance(exc, BaseExceptionGroup):
        found = {unavailable(inner) for inner in exc.exceptions}
        return found.pop() if len(found) == 1 else None
    for error in _chain(exc):
        dependency = _classify_one(error)
        if dependency is not None:
            return dependency
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [exc]
    while pending and len(seen) < _MAX_CHAIN:
        error = pending.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]


def _classify_one(error: BaseException) -> Dependency | None:
    if isinstance(error, DependencyUnavailable):
        return error.dependency
    if isinstance(error, _POSTGRES_DOWN):
        return "database"
    if isinstance(error, asyncpg.InterfaceError) and str(error).endswith(_POSTGRES_CLOSED):
        return "database"
    if isinstance(error, sqlite3.OperationalError) and str(error).startswith(_SQLITE_DOWN):
        return "database"
    if isinstance(error, TimeoutError) and _raised_in(error, "asyncpg."):
        return "database"  # asyncpg's connect timeout: the server does not answer at all
    if isinstance(error, _REDIS_DOWN):
        return "redis"
    if isinstance(error, _STORAGE_DOWN):
        return "storage"
    if isinstance(error, OSError) and _network_failure(error):
        return "network"
    return None


def _raised_in(error: BaseException, package: str) -> bool:
    """Whether ``error`` was raised inside ``package``: a TimeoutError of our own (a budget
    cut short) is no outage, one from inside the driver is."""
    frame = error.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(package):
            return True
        frame = frame.tb_next
    return False


def _network_failure(error: OSError) -> bool:
    """A socket that could not reach its peer. asyncio reports a host with several addresses
    (``localhost``: ::1 and 127.0.0.1) that all refused as one errno-less OSError."""
    if isinstance(error, ConnectionError):
        return True
    if error.errno in _NETWORK_ERRNOS:
        return True
    return error.errno is None and str(error).startswith("Multiple exceptions:")
