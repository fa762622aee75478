"""The transactional outbox: jobs exist exactly when their change commits, retries back
off, failures dead-letter, abandoned leases are reclaimed, and racing workers never run
the same job twice (the race is real on PostgreSQL: separate pooled connections)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from identity_graph.core.clock import FixedClock
from identity_graph.core.jobs import Job, JobQueue, JobState, JobWorker


@pytest.fixture
def queue(clock: FixedClock) -> JobQueue:
    return JobQueue(clock, max_attempts=3, backoff_base=10, backoff_max=60, lease_seconds=30)


async def test_job_is_written_with_its_transaction(db, queue):
    async with in_transaction():
        await queue.enqueue("demo", {"n": 1})
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await queue.enqueue("demo", {"n": 2})
            raise RuntimeError("the change failed")
    assert [job.payload for job in await Job.all()] == [{"n": 1}]


async def test_success_marks_done(db, queue):
    seen: list[Any] = []

    async def handler(payload: dict) -> None:
        seen.append(payload["n"])

    await queue.enqueue("demo", {"n": 7})
    assert await JobWorker(queue, {"demo": handler}).run_once() == 1
    job = await Job.get()
    assert seen == [7] and job.state is JobState.DONE and job.attempts == 1


async def test_failure_retries_with_backoff_then_dead_letters(db, queue, clock):
    dead: list[Any] = []

    async def flaky(payload: dict) -> None:
        raise ConnectionError("gateway down")

    async def on_dead(payload: dict) -> None:
        dead.append(payload)

    worker = JobWorker(queue, {"demo": flaky}, dead_letter_hooks={"demo": on_dead})
    await queue.enqueue("demo", {"n": 1})
    assert await worker.run_once() == 1
    job = await Job.get()
    assert job.state is JobState.PENDING and "gateway down" in (job.last_error or "")
    delay = job.run_at - clock.now()
    assert timedelta(seconds=5) <= delay <= timedelta(seconds=10)
    assert await worker.run_once() == 0, "not before its backoff"
    clock.advance(seconds=11)
    await worker.run_once()
    job = await Job.get()
    assert (job.run_at - clock.now()) <= timedelta(seconds=20)
    clock.advance(seconds=21)
    await worker.run_once()
    job = await Job.get()
    assert job.state is JobState.DEAD and job.attempts == 3
    assert dead == [{"n": 1}]
    assert await queue.depth() == {"pending": 0, "running": 0, "done": 0, "dead": 1}
    assert await queue.retry_dead(job.id)
    assert (await Job.get()).state is JobState.PENDING


async def test_unknown_kind_is_dead_at_once(db, queue):
    await queue.enqueue("nobody-handles-this", {})
    await JobWorker(queue, {}).run_once()
    job = await Job.get()
    assert job.state is JobState.DEAD and "no handler" in (job.last_error or "")


async def test_abandoned_lease_is_reclaimed(db, queue, clock):
    await queue.enqueue("demo", {"n": 1})
    claimed = await queue.claim(10)
    assert len(claimed) == 1
    assert await queue.claim(10) == [], "a running job is not claimed again"
    clock.advance(seconds=31)
    again = await queue.claim(10)
    assert [job.id for job in again] == [claimed[0].id]
    assert again[0].attempts == 2


async def test_delayed_jobs_wait(db, queue, clock):
    await queue.enqueue("demo", {}, delay=timedelta(minutes=5))
    assert await queue.claim(10) == []
    clock.advance(minutes=5)
    assert len(await queue.claim(10)) == 1


async def test_racing_workers_claim_each_job_exactly_once(db, clock):
    queue = JobQueue(clock, max_attempts=3)
    async with in_transaction():
        for index in range(120):
            await queue.enqueue("count", {"n": index})
    runs: Counter[int] = Counter()

    async def handler(payload: dict) -> None:
        runs[payload["n"]] += 1
        await asyncio.sleep(0)

    workers = [JobWorker(queue, {"count": handler}, batch_size=7) for _ in range(4)]

    async def drain(worker: JobWorker) -> None:
        while await worker.run_once():
            pass

    await asyncio.gather(*(drain(worker) for worker in workers))
    assert sorted(runs) == list(range(120))
    assert set(runs.values()) == {1}
    assert await Job.filter(state=JobState.DONE).count() == 120


async def test_run_forever_stops(db, queue):
    stop = asyncio.Event()
    done: list[int] = []

    async def handler(payload: dict) -> None:
        done.append(payload["n"])
        stop.set()

    await queue.enqueue("demo", {"n": 1})
    worker = JobWorker(queue, {"demo": handler}, poll_seconds=0.01)
    await asyncio.wait_for(worker.run_forever(stop), timeout=5)
    assert done == [1]


async def test_outages_of_what_a_job_needs_postpone_it_without_killing_it(db, queue, clock):
    from redis import exceptions as redis_errors

    from identity_graph.core.jobs import Postpone

    failures = iter([Postpone("registry unavailable"), redis_errors.ConnectionError("down")] * 3)

    async def waiting(payload: dict) -> None:
        raise next(failures)

    await queue.enqueue("demo", {})
    worker = JobWorker(queue, {"demo": waiting})
    for _ in range(6):  # twice the 3 attempts after which a failing job dies
        clock.advance(seconds=61)
        assert await worker.run_once() == 1
        job = await Job.get()
        assert job.state is JobState.PENDING
        assert job.run_at - clock.now() <= timedelta(seconds=60)  # the capped backoff
    assert job.attempts == 6


async def test_an_unreachable_partner_is_the_job_failing(db, queue, clock):
    """A back-channel URI or SMS gateway that refuses connections counts towards death."""

    async def refused(payload: dict) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    await queue.enqueue("demo", {})
    worker = JobWorker(queue, {"demo": refused})
    for _ in range(3):
        clock.advance(seconds=61)
        await worker.run_once()
    assert (await Job.get()).state is JobState.DEAD
