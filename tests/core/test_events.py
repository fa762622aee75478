"""``watch`` (core/events.py): every state change reaches the subscriber whether its notice
arrives, arrives early, arrives many times or never; an expiry, which has no notice, is read
when it is due; and the Redis bus wakes its listeners after an outage. Real (short) waits:
``watch`` times its re-reads with the event loop, not with the domain clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from identity_graph.core.change_feed import ALL, ChangeFeed
from identity_graph.core.events import (
    RESYNC,
    RESYNC_SPREAD,
    LocalBus,
    RedisBus,
    next_wait,
    watch,
)


class Row:
    """A stored state and how often it was read."""

    def __init__(self, state: str, due: float | None = None) -> None:
        self.state = state
        self.due = due
        self.reads = 0

    async def read(self) -> tuple[str, float | None]:
        self.reads += 1
        return self.state, self.due


async def states(bus: LocalBus, row: Row, **options: Any) -> AsyncIterator[str]:
    async with bus.listen("qr:1") as listener:
        async for state, _due in watch(
            listener,
            row.read,
            lambda current: current[0],
            due=lambda current: current[1],
            **options,
        ):
            yield state


async def test_an_expiry_without_a_notice_is_read_when_it_is_due() -> None:
    bus, row = LocalBus(), Row("pending", due=0.3)
    seen = states(bus, row, backstop_seconds=3600)
    assert await anext(seen) == "pending"
    row.state, row.due = "expired", None  # nobody announces an expiry
    async with asyncio.timeout(2):
        assert await anext(seen) == "expired"
    await seen.aclose()


async def test_a_lost_notice_is_caught_by_the_backstop() -> None:
    bus, row = LocalBus(), Row("pending")
    seen = states(bus, row, backstop_seconds=0.6)
    assert await anext(seen) == "pending"
    row.state = "approved"  # written, but its notice never came
    async with asyncio.timeout(2):
        assert await anext(seen) == "approved"
    await seen.aclose()


async def test_a_notice_that_overtakes_its_commit_is_read_again() -> None:
    bus, row = LocalBus(), Row("pending")
    seen = states(bus, row, backstop_seconds=3600)
    assert await anext(seen) == "pending"
    following = asyncio.ensure_future(anext(seen))
    await asyncio.sleep(0)
    await bus.publish("qr:1", {"state": "approved"})  # before the change is visible
    await asyncio.sleep(0.08)
    row.state = "approved"
    async with asyncio.timeout(2):
        assert await following == "approved"
    await seen.aclose()


async def test_queued_notices_are_served_by_one_read() -> None:
    bus, row = LocalBus(), Row("pending")
    seen = states(bus, row, backstop_seconds=3600, settle=())
    assert await anext(seen) == "pending"
    row.state = "approved"
    for _ in range(10):  # a burst, queued before the subscriber runs again
        await bus.publish("qr:1", {"state": "approved"})
    async with asyncio.timeout(2):
        assert await anext(seen) == "approved"
    assert row.reads == 2  # the first state, then one read for the ten notices
    await seen.aclose()


def test_timer_reads_are_spread_and_never_late_for_an_expiry() -> None:
    waits = [next_wait(60.0, None) for _ in range(200)]
    assert all(30.0 <= wait <= 60.0 for wait in waits)
    assert max(waits) - min(waits) > 10  # subscriptions opened together re-read apart
    assert all(2.0 <= next_wait(60.0, 2.0) <= 2.5 for _ in range(100))
    assert all(0.25 <= next_wait(60.0, -5.0) <= 0.5 for _ in range(100))


class FlakyRedis:
    """A Redis client whose first pattern subscription breaks, as in an outage."""

    def __init__(self) -> None:
        self.subscriptions = 0

    def pubsub(self) -> FlakyRedis:
        return self

    async def psubscribe(self, pattern: str) -> None:
        self.subscriptions += 1

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        if self.subscriptions == 1:
            raise ConnectionError("Redis went away")
        await asyncio.Event().wait()
        yield {}


async def test_the_redis_bus_wakes_its_listeners_after_an_outage() -> None:
    client = FlakyRedis()
    bus = RedisBus(client)
    async with bus.listen("qr:1") as listener:
        async with asyncio.timeout(3):
            notice = await listener.next(3)
        assert notice == RESYNC and client.subscriptions == 2
    await bus.aclose()


async def test_a_resync_is_one_read_for_each_subscriber() -> None:
    bus, row = LocalBus(), Row("pending")
    seen = states(bus, row, backstop_seconds=3600)
    assert await anext(seen) == "pending"
    following = asyncio.ensure_future(anext(seen))
    await asyncio.sleep(0)
    bus.resync()  # nothing changed: one read within the spread, no settling re-reads
    await asyncio.sleep(RESYNC_SPREAD + 0.2)
    assert row.reads == 2 and not following.done()
    row.state = "approved"
    await bus.publish("qr:1", {"state": "approved"})
    async with asyncio.timeout(2):
        assert await following == "approved"
    await seen.aclose()


async def test_the_resync_reaches_every_local_listener() -> None:
    bus = LocalBus()
    async with bus.listen("a") as first, bus.listen("b") as second:
        bus.resync()
        assert await first.next(0.1) == await second.next(0.1) == RESYNC


class UnreachableRedis:
    """A Redis client whose first pattern subscription fails (an outage), then holds."""

    def __init__(self) -> None:
        self.subscriptions = 0

    def pubsub(self) -> UnreachableRedis:
        return self

    async def psubscribe(self, pattern: str) -> None:
        self.subscriptions += 1
        if self.subscriptions == 1:
            raise ConnectionError("Redis unreachable")

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        await asyncio.Event().wait()
        yield {}


async def test_redis_bus_resyncs_its_listeners_after_a_lost_subscription() -> None:
    client = UnreachableRedis()
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
