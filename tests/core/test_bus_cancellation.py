"""A bus's start-up wait keeps a cancellation that arrives as the bus becomes ready.

Python 3.11's ``asyncio.wait_for`` returns normally when it is cancelled in the same turn
as the awaited event is set, so the cancelled caller ran on: ``identity-graph serve``
closed its start-up container just as the change feed's database listener connected, and
``ChangeFeed.aclose`` then waited forever for a task that had swallowed its cancellation
(seen as a server that never became ready, about one start in three under the
benchmarks). These tests set the event and cancel in the same turn."""

from __future__ import annotations

import asyncio

import pytest

from identity_graph.core.change_feed import ChangeFeed
from identity_graph.core.events import LocalBus, RedisBus
from identity_graph.core.postgres_bus import PostgresBus


class QuietPostgresBus(PostgresBus):
    async def _pump(self) -> None:  # connects nowhere; the test sets ``_ready`` itself
        await asyncio.Event().wait()


class QuietRedisBus(RedisBus):
    async def _pump(self) -> None:
        await asyncio.Event().wait()


async def _never_connect():  # type: ignore[no-untyped-def]
    raise AssertionError("not called")


@pytest.mark.parametrize(
    "make", [lambda: QuietPostgresBus(_never_connect), lambda: QuietRedisBus(client=None)]
)
async def test_a_cancellation_as_the_bus_becomes_ready_is_kept(make) -> None:  # type: ignore[no-untyped-def]
    bus = make()
    starting = asyncio.create_task(bus._started())
    await asyncio.sleep(0)  # now waiting for the bus to be ready
    bus._ready.set()
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    await bus.aclose()


@pytest.mark.parametrize("turns", range(6))
async def test_a_change_feed_closed_as_its_listener_connects_closes(turns: int) -> None:
    notices = QuietPostgresBus(_never_connect)
    feed = ChangeFeed(LocalBus(), notices)
    feed.listen()
    for _ in range(100):  # the feed's task starts the database listener
        if notices._task is not None:
            break
        await asyncio.sleep(0)
    for _ in range(turns):  # and waits for it to be ready, at some step of the wait
        await asyncio.sleep(0)

    async def connected_and_closed_in_one_turn() -> None:
        notices._ready.set()
        await feed.aclose()

    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(10):  # not wait_for, which would lose the same cancellation
        await connected_and_closed_in_one_turn()
    assert asyncio.get_running_loop().time() - started < 2  # one re-cancellation at most
    assert feed._task is None
