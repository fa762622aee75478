"""Change notices across workers and nodes through PostgreSQL ``LISTEN``/``NOTIFY``: the
event bus (``core/events.py``) when the database is PostgreSQL and no Redis is configured.

Each process keeps **one dedicated connection** outside the pool that ``LISTEN``s on one
PostgreSQL channel (``idg_events``, ``application_name`` ``idg-events``) and feeds the local
queues; the application's own channel travels in the payload (``{"c": channel, "d": data}``),
so one ``LISTEN`` serves every subscription and cache.

**Where ``NOTIFY`` is sent: inside the caller's transaction when there is one** (Tortoise's
current connection, the same one the change is written on), otherwise at once on a pooled
connection. PostgreSQL holds a notice sent in a transaction until that transaction commits
and discards it on rollback, so a notice never reaches another process before the change it
announces is visible there, and a rolled-back change announces nothing. Sending after commit
would need an after-commit hook Tortoise does not have (every call site would change), and
a notice on another connection made before commit can overtake it (the settle retries of
``watch`` and the change feed's hold window exist for that, and still apply to Redis). The
price: one round trip inside the transaction, and commits that notified are serialised on
PostgreSQL's notification queue lock, negligible at the rate identity data changes. Inside a
transaction a failed ``NOTIFY`` is raised (swallowing it would let the commit of an aborted
transaction pass as success); outside one it is logged and dropped, like a Redis outage.

**Payload limit**: PostgreSQL refuses payloads of 8000 bytes or more. A larger notice is
replaced by a *resync* notice for its channel (``events.RESYNC``: "something changed, read
again"), and a channel name too long for even that by a resync for every channel. Notices
only say *that* something changed, so this loses nothing.

```mermaid
stateDiagram-v2
    [*] --> connecting: first listener
    connecting --> listening: LISTEN done (then a resync, unless this is the first clean connect)
    connecting --> waiting: connect failed
    listening --> waiting: connection terminated, or heartbeat unanswered
    waiting --> connecting: backoff 0.1 s doubling to 5 s
```

**Database notices** (``database_notices``): triggers on the cached tables (migration
0026) ``NOTIFY`` on the same channel at commit, whoever writes the row. With PostgreSQL as the
bus they arrive with everything else; with Redis as the bus the change feed listens to them on
an extra connection of its own, a ``PostgresBus`` that only receives (``DatabaseNotices``).

Notices sent while no connection listens are lost, so every reconnect delivers a resync to
every local listener: subscriptions re-read their state, the change feed drops its caches.
A frozen process lets PostgreSQL's notification queue (8 GB) grow until ``NOTIFY`` fails;
a connection pooler in transaction mode cannot carry ``LISTEN``: point this bus at the
server itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import orjson
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url

from identity_graph.core.events import RESYNC, LocalBus, stop_task, wait_set

log = logging.getLogger("identity_graph.events")

PG_CHANNEL = "idg_events"
APPLICATION_NAME = "idg-events"
PAYLOAD_LIMIT = 7999  # bytes; PostgreSQL's default build refuses 8000 and more
Connect = Callable[[], Awaitable[asyncpg.Connection]]


def connector(url: str, timeout: float = 5.0) -> Connect:
    """A factory of dedicated listening connections to the database at ``url``."""
    credentials = expand_db_url(url)["credentials"]

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(
            host=credentials.get("host"),
            port=int(credentials.get("port") or 5432),
            user=credentials.get("user"),
            password=credentials.get("password"),
            database=credentials.get("database"),
            timeout=timeout,
            server_settings={"application_name": APPLICATION_NAME},
        )

    return connect


def encode(channel: str, data: Mapping[str, Any]) -> str:
    """The ``NOTIFY`` payload, kept under PostgreSQL's limit (see the module docstring)."""
    payload = orjson.dumps({"c": channel, "d": dict(data)})
    if len(payload) > PAYLOAD_LIMIT:
        log.warning("event too large for NOTIFY; sent as a resync", extra={"channel": channel})
        payload = orjson.dumps({"c": channel, "d": RESYNC})
        if len(payload) > PAYLOAD_LIMIT:
            payload = orjson.dumps({"c": None, "d": RESYNC})
    return payload.decode()


class PostgresBus(LocalBus):
    """Fan-out across processes through ``LISTEN``/``NOTIFY`` (one connection per process)."""

    def __init__(
        self,
        connect: Connect,
        *,
        connection_name: str = "default",
        heartbeat_seconds: float = 10.0,
        pg_channel: str = PG_CHANNEL,
    ) -> None:
        super().__init__()
        self._connect = connect
        self._alias = connection_name
        self._heartbeat = heartbeat_seconds
        self._pg_channel = pg_channel
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.reconnects = 0  # connections made after a loss (tests, diagnostics)
        self._connection: asyncpg.Connection | None = None

    @property
    def listener_pid(self) -> int | None:
        """The server process of the listening connection (``pg_stat_activity.pid``)."""
        connection = self._connection
        if connection is None or connection.is_closed():
            return None
        return int(connection.get_server_pid())

    async def publish(self, channel: str, data: Mapping[str, Any]) -> None:
        connection = connections.get(self._alias)
        in_transaction = isinstance(connection, TransactionalDBClient)
        try:
            await connection.execute_query(
                "SELECT pg_notify($1, $2)", [self._pg_channel, encode(channel, data)]
            )
        except Exception:
            if in_transaction:  # the transaction is aborted: let it fail loudly
                raise
            log.warning("event not published", extra={"channel": channel}, exc_info=True)

    async def _started(self) -> None:
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.create_task(self._pump())
        await wait_set(self._ready, 2.0)

    def _received(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = orjson.loads(payload)
            channel, data = message["c"], message["d"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("unreadable event ignored")
            return
        if channel is None:
            self.resync()
        elif isinstance(channel, str) and isinstance(data, dict):
            self.deliver(channel, data)

    async def _pump(self) -> None:
        """Listen; after a loss reconnect with backoff and resync (the module's diagram)."""
        delay, lost = 0.1, False
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await self._connect()
                await self._listen(connection, resync=lost)
                delay, lost = 0.1, True
                await self._hold(connection)
                log.warning("event listener connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                lost = True
                log.warning("event listener connection failed; reconnecting", exc_info=True)
            finally:
                if connection is not None:
                    connection.terminate()  # never wait on a dead socket
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self, connection: asyncpg.Connection, *, resync: bool) -> None:
        await connection.add_listener(self._pg_channel, self._received)
        self._connection = connection
        if resync:
            self.reconnects += 1
            self.resync()  # notices sent while nobody listened are lost
        self._ready.set()

    async def _hold(self, connection: asyncpg.Connection) -> None:
        """Return when the connection ends (at once) or stops answering (heartbeat)."""
        closed = asyncio.Event()
        connection.add_termination_listener(lambda _connection: closed.set())
        while not closed.is_set() and not connection.is_closed():
            if not await wait_set(closed, self._heartbeat):
                await connection.fetchval("SELECT 1", timeout=self._heartbeat)

    async def aclose(self) -> None:
        await stop_task(self._task)
        self._task = None
        await super().aclose()


class DatabaseNotices(PostgresBus):
    """The database's own notices (row triggers) when another bus carries the app's: a
    listening connection that never publishes (the app publishes on its bus)."""

    async def publish(self, channel: str, data: Mapping[str, Any]) -> None:
        raise RuntimeError("database notices are sent by the database's triggers")


def database_notices(url: str, timeout: float = 5.0) -> DatabaseNotices:
    """A second source of change notices for the change feed: the row triggers' ``NOTIFY``
    on a dedicated ``LISTEN`` connection to the database at ``url`` (reconnect → resync)."""
    return DatabaseNotices(connector(url, timeout))
