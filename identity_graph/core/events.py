"""Change notices for GraphQL subscriptions (SPEC §9), fanned out to every worker and node.

A notice says only *that* something changed (a channel such as ``verification:<account>``
and a few ids); subscribers read the current state from the database themselves. So a
notice may be lost, duplicated or arrive before the change's transaction has committed
without anything wrong being shown: ``watch`` re-reads after each notice (with a few short
retries, for a notice that overtook its commit), when the state is due to change by itself
(a flow's expiry, which sends no notice), and on a slow, jittered timer as a backstop.

The backstop is deliberately rare: every open subscription pays it, and 5,000 of them
re-reading every 5 s (the first version) made ~1,000 reads/s in waves that delayed the
deliveries themselves (bench/README.md, "Subscriptions held on one node"). What it covers
is narrow: after a Redis outage the bus wakes every local listener once it is back, so only
a notice lost while both ends stayed connected waits for the backstop.

Three buses share one interface, chosen by the container (Redis > PostgreSQL > in-process):

* ``LocalBus``: in-process queues, for one worker (development, tests, SQLite);
* ``RedisBus``: ``PUBLISH`` to Redis and one pattern subscription per process that feeds the
  local queues, so an event produced by any worker of any node reaches subscribers
  everywhere. A Redis outage loses notices, never a change: on reconnecting the bus wakes
  every local listener to re-read, and the backstop catches anything else;
* ``PostgresBus`` (``core/postgres_bus.py``): the same over ``LISTEN``/``NOTIFY`` when the
  database is PostgreSQL and there is no Redis.

A bus that lost its connection delivers ``RESYNC`` to every local listener once it listens
again: notices sent meanwhile are gone, so subscribers re-read (spread over
``RESYNC_SPREAD``, see ``watch``) and caches are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from typing import Any, Protocol, TypeVar

import orjson

log = logging.getLogger("identity_graph.events")

T = TypeVar("T")
_QUEUE = 64  # a subscriber this far behind only needs the latest state: drop the oldest
# "Anything on this channel may have changed": after a reconnect, or for a notice too large.
RESYNC: dict[str, Any] = {"resync": True}


class Listener:
    """Notices of one channel for one subscriber (a bounded queue)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_QUEUE)

    def offer(self, data: dict[str, Any]) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(data)

    async def next(self, wait: float) -> dict[str, Any] | None:
        """The next notice, or None when ``wait`` seconds pass without one."""
        try:
            async with asyncio.timeout(wait):
                return await self.queue.get()
        except TimeoutError:
            return None


class EventBus(Protocol):
    async def publish(self, channel: str, data: Mapping[str, Any]) -> None: ...

    def listen(self, channel: str) -> contextlib.AbstractAsyncContextManager[Listener]: ...

    async def aclose(self) -> None: ...


async def wait_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event``; True when it is set. ``asyncio.timeout``, not
    ``wait_for``: Python 3.11's ``wait_for`` returns normally when it is cancelled in the
    same turn as the event is set, and the cancelled caller runs on (a start-up that closed
    its container at that moment waited forever for its change feed)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again should it run on
    (a task can lose a cancellation to Python 3.11's ``asyncio.wait_for``, anywhere below
    it; see ``wait_set``). The caller's own cancellation is not swallowed."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    if not task.cancelled():
        task.exception()  # retrieved: a listener logs its own failures where they happen


class LocalBus:
    """Fan-out inside this process."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = {}

    async def publish(self, channel: str, data: Mapping[str, Any]) -> None:
        self.deliver(channel, dict(data))

    def deliver(self, channel: str, data: dict[str, Any]) -> None:
        for listener in self._listeners.get(channel, ()):
            listener.offer(data)

    def resync(self) -> None:
        """Tell every local listener that notices may have been missed."""
        for channel in list(self._listeners):
            self.deliver(channel, dict(RESYNC))

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Listener]:
        listener = Listener()
        self._listeners.setdefault(channel, set()).add(listener)
        try:
            await self._started()
            yield listener
        finally:
            listeners = self._listeners.get(channel, set())
            listeners.discard(listener)
            if not listeners:
                self._listeners.pop(channel, None)

    async def _started(self) -> None:
        """Hook for buses that must connect before the first listener waits."""

    @property
    def listener_count(self) -> int:
        return sum(len(group) for group in self._listeners.values())

    async def aclose(self) -> None:
        self._listeners.clear()


class RedisBus(LocalBus):
    """Fan-out across processes through Redis pub/sub (one connection per process)."""

    def __init__(self, client: Any, prefix: str = "idg:events:") -> None:
        super().__init__()
        self._client = client
        self._prefix = prefix
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, channel: str, data: Mapping[str, Any]) -> None:
        try:
            await self._client.publish(self._prefix + channel, orjson.dumps(dict(data)))
        except Exception:  # an outage loses the notice, not the change (see the docstring)
            log.warning("event not published", extra={"channel": channel}, exc_info=True)

    async def _started(self) -> None:
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.create_task(self._pump())
        await wait_set(self._ready, 2.0)

    async def _pump(self) -> None:
        """Feed local listeners from Redis; reconnect with backoff after an outage."""
        delay, lost = 0.1, False
        while True:
            try:
                pubsub = self._client.pubsub()
                await pubsub.psubscribe(self._prefix + "*")
                if lost:
                    self.resync()  # notices published while unsubscribed are gone
                self._ready.set()
                delay, lost = 0.1, True
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    channel = channel.decode() if isinstance(channel, bytes) else channel
                    self.deliver(channel[len(self._prefix) :], orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                lost = True
                log.warning("event subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def aclose(self) -> None:
        await stop_task(self._task)
        await super().aclose()


async def watch(
    listener: Listener,
    read: Callable[[], Awaitable[T]],
    key: Callable[[T], Hashable],
    *,
    backstop_seconds: float = 300.0,
    due: Callable[[T], float | None] | None = None,
    settle: tuple[float, ...] = (0.02, 0.05, 0.1, 0.25, 0.5),
) -> AsyncIterator[T]:
    """Yield the current state, then every different state after a notice, when ``due``
    says the state changes by itself, or after the backstop.

    After a notice the state is re-read once however many notices queued meanwhile; if it
    looks unchanged the notice may have overtaken its transaction, so it is read again after
    each ``settle`` delay before giving up. A resync (the bus is back after an outage) is
    no change of its own: one read, at a random moment within ``RESYNC_SPREAD``.
    ``due(state)`` is the number of seconds until the state changes without a notice (an
    expiry), or None; the read then happens just after that moment, spread by a little
    jitter. The backstop is jittered too, so subscriptions opened together do not re-read
    together.
    """
    current = await read()
    last = key(current)
    yield current
    while True:
        notice = await listener.next(next_wait(backstop_seconds, due(current) if due else None))
        notices = [seen for seen in (notice, *_drain(listener)) if seen is not None]
        changes = [seen for seen in notices if seen != RESYNC]
        delays = settle if changes else ()
        if notices and not changes:  # a resync wakes every subscriber of the process at once
            await asyncio.sleep(random.uniform(0.0, RESYNC_SPREAD))
        current = await read()
        for delay in delays:
            if key(current) != last:
                break
            await asyncio.sleep(delay)
            current = await read()
        if key(current) != last:
            last = key(current)
            yield current


_EARLIEST = 0.25  # never re-read more often than this on a timer, whatever ``due`` says
RESYNC_SPREAD = 2.0  # seconds over which a resync's re-reads are spread, without settling


def next_wait(backstop_seconds: float, due_seconds: float | None) -> float:
    """Seconds to wait for a notice before re-reading anyway: the backstop, between half
    and all of it at random, or just after ``due_seconds`` when that comes first."""
    wait = backstop_seconds * random.uniform(0.5, 1.0)
    if due_seconds is not None:
        wait = min(wait, max(due_seconds, 0.0) + random.uniform(0.05, 0.5))
    return max(wait, _EARLIEST)


def _drain(listener: Listener) -> list[dict[str, Any]]:
    """The notices queued while the last read ran: the next read serves them all."""
    queued = []
    while True:
        try:
            queued.append(listener.queue.get_nowait())
        except asyncio.QueueEmpty:
            return queued


class ConnectionQuota:
    """Open WebSocket connections per account, counted across workers and nodes in Redis
    (in-process without it); a counter key expires after a day, so a crashed process
    cannot hold an account's slots for ever."""

    def __init__(self, limit: int, client: Any | None = None, prefix: str = "idg:ws:") -> None:
        self._limit = limit
        self._client = client
        self._prefix = prefix
        self._local: dict[str, int] = {}

    async def acquire(self, key: str) -> bool:
        if self._client is None:
            if self._local.get(key, 0) >= self._limit:
                return False
            self._local[key] = self._local.get(key, 0) + 1
            return True
        name = self._prefix + key
        count = int(await self._client.incr(name))
        await self._client.expire(name, 86_400)
        if count > self._limit:
            await self._client.decr(name)
            return False
        return True

    async def release(self, key: str) -> None:
        if self._client is None:
            remaining = self._local.get(key, 0) - 1
            if remaining > 0:
                self._local[key] = remaining
            else:
                self._local.pop(key, None)
            return
        with contextlib.suppress(Exception):  # the key's expiry is the backstop
            await self._client.decr(self._prefix + key)
