"""Per-process caches kept current across workers and nodes (SPEC §13, issue 16).

Hot paths (every token request reads its client, every introspection its token's
revocation status and login session) answer from process memory. A change to a cached row
is announced on the event bus (``core/events.py``: Redis pub/sub across workers and nodes,
PostgreSQL LISTEN/NOTIFY without Redis, in-process on SQLite) as a *change notice*
``{"topic": ..., "key": ...}``. The process that makes the change applies it to its own
caches at once; every other process applies it when the notice arrives, a few milliseconds
later. A notice can be lost (an outage, a reconnect) or overtake the commit of its change
(Redis), so:

* every entry lives at most ``ttl`` seconds (``IDG_CACHE_TTL_SECONDS``): the backstop;
* after a notice the key is *held* for ``settle`` seconds: read from the database and not
  cached, so a read that raced the commit cannot keep the old row;
* when the bus reconnects after losing its connection (notices sent meanwhile are gone) or
  a notice was too large to send, it delivers a *resync*: every topic gets a notice for
  all its keys (``ALL``), so every cache is dropped and held. A handler must read ``ALL``
  as "anything may have changed".

```mermaid
stateDiagram-v2
    [*] --> missing
    missing --> cached: read from the database (TTL starts)
    cached --> missing: TTL over
    cached --> held: change notice (this process at once, others via pub/sub)
    missing --> held: change notice
    held --> held: read (from the database, not kept)
    held --> missing: settle window over
```

On PostgreSQL the database announces changes too: row triggers (migration 0026) send
change notices at commit for the rows ``sessions/claim_rows.py`` caches, whoever writes them.
With PostgreSQL as the bus they arrive on it; with Redis as the bus the feed has a second
source, ``database_notices`` (``core/postgres_bus.py``), listened to alike (its reconnect is
a resync too).

A TTL of 0 turns every cache off (each read goes to the database, as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from identity_graph.core.events import EventBus, Listener, stop_task

log = logging.getLogger("identity_graph.change_feed")

CHANNEL = "cache"
ALL = "*"  # a notice for every key of a topic
SETTLE_SECONDS = 1.0

V = TypeVar("V")
Handler = Callable[[str], None]


class ChangeFeed:
    """Change notices for this process's caches, over the event bus."""

    def __init__(self, bus: EventBus, database_notices: EventBus | None = None) -> None:
        self._bus = bus
        self._sources = [bus] if database_notices is None else [bus, database_notices]
        self._handlers: dict[str, list[Handler]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    def apply(self, topic: str, key: str) -> None:
        for handler in self._handlers.get(topic, ()):
            handler(key)

    async def publish(self, topic: str, key: str = ALL) -> None:
        """Apply here at once, then tell every other process (a lost notice is caught by
        the TTL backstop)."""
        self.apply(topic, key)
        self.listen()
        await self._bus.publish(CHANNEL, {"topic": topic, "key": key})

    def listen(self) -> None:
        """Start receiving other processes' notices (idempotent; needs a running loop)."""
        if self._task is None or self._task.done():
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to cache yet
                self._task = asyncio.get_running_loop().create_task(self._receive())

    async def ready(self) -> None:
        """Wait until other processes' notices are received (tests, start-up)."""
        self.listen()
        await self._ready.wait()

    async def _receive(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            listeners = [await stack.enter_async_context(s.listen(CHANNEL)) for s in self._sources]
            self._ready.set()
            if len(listeners) == 1:
                await self._drain(listeners[0])
            else:
                async with asyncio.TaskGroup() as group:
                    for listener in listeners:
                        group.create_task(self._drain(listener))

    async def _drain(self, listener: Listener) -> None:
        while True:
            notice = await listener.next(60.0)
            if notice is None:
                continue
            topic, key = notice.get("topic"), notice.get("key")
            if isinstance(topic, str) and isinstance(key, str):
                self.apply(topic, key)
            elif notice.get("resync"):
                self.resync()

    def resync(self) -> None:
        """Every topic changed in every key: notices may have been missed."""
        log.info("change notices may have been missed; caches dropped")
        for topic in list(self._handlers):
            self.apply(topic, ALL)

    async def aclose(self) -> None:
        await stop_task(self._task)
        self._task = None
        for source in self._sources[1:]:  # the bus is closed by its owner
            await source.aclose()


class Cache(Generic[V]):
    """Values by string key for ``ttl`` seconds, dropped and held by change notices of
    ``topic`` (the state machine in the module docstring)."""

    def __init__(
        self,
        feed: ChangeFeed,
        topic: str,
        ttl: float,
        *,
        settle: float = SETTLE_SECONDS,
        limit: int = 100_000,
    ) -> None:
        self._feed = feed
        self._ttl = ttl
        self._settle = settle
        self._limit = limit
        self._entries: dict[str, tuple[float, V]] = {}
        self._held: dict[str, float] = {}
        self._held_all = 0.0
        feed.subscribe(topic, self.invalidate)

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: str) -> tuple[bool, V | None]:
        """``(True, value)`` for a fresh entry, ``(False, None)`` when the caller must read."""
        if self._ttl <= 0:
            return False, None
        self._feed.listen()
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if time.monotonic() >= entry[0]:
            self._entries.pop(key, None)
            return False, None
        return True, entry[1]

    def put(self, key: str, value: V) -> None:
        """Keep ``value`` unless ``key`` is held (a notice may have overtaken its commit)."""
        if self._ttl <= 0:
            return
        now = time.monotonic()
        if now < self._held_all or now < self._held.get(key, 0.0):
            return
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (now + self._ttl, value)

    def invalidate(self, key: str) -> None:
        until = time.monotonic() + self._settle
        if key == ALL:
            self._entries.clear()
            self._held_all = until
            return
        self._entries.pop(key, None)
        self._held[key] = until
        if len(self._held) > 1000:  # forget windows that are over
            now = time.monotonic()
            self._held = {k: v for k, v in self._held.items() if v > now}

    def drop_where(self, predicate: Callable[[V], bool]) -> None:
        """Drop every entry whose value matches (e.g. one account's sessions) and hold the
        whole cache for the settle window: the rows not cached here may be read meanwhile."""
        for key, (_, value) in list(self._entries.items()):
            if predicate(value):
                self._entries.pop(key, None)
        self._held_all = time.monotonic() + self._settle
