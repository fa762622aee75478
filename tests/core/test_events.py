"""The event buses' shared rules (``core/events.py``): a bus that lost its connection tells
every local listener to re-read once it listens again (``RESYNC``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from identity_graph.core.change_feed import ALL, ChangeFeed
from identity_graph.core.events import RESYNC, LocalBus, RedisBus


class FlakyRedis:
    """A Redis client whose first pattern subscription fails (an outage), then holds."""

    def __init__(self) -> None:
        self.subscriptions = 0

    def pubsub(self) -> FlakyRedis:
        return self

    async def psubscribe(self, pattern: str) -> None:
        self.subscriptions += 1
        if self.subscriptions == 1:
            raise ConnectionError("Redis unreachable")

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        await asyncio.Event().wait()
        yield {}


async def test_redis_bus_resyncs_its_listeners_after_a_lost_subscription() -> None:
    client = FlakyRedis()
    bus = RedisBus(client)
    try:
        async with bus.listen("verification:1") as listener:
            assert await listener.next(3.0) == RESYNC
            assert client.subscriptions == 2
    finally:
        await bus.aclose()


async def test_a_resync_drops_every_topic_of_the_change_feed() -> None:
    bus = LocalBus()
    feed = ChangeFeed(bus)
    seen: list[tuple[str, str]] = []
    for topic in ("client", "revoked_token"):
        feed.subscribe(topic, lambda key, topic=topic: seen.append((topic, key)))
    await feed.ready()
    bus.resync()
    for _ in range(50):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(seen) == [("client", ALL), ("revoked_token", ALL)]
    await feed.aclose()
