"""The transactional outbox: background work written in the same transaction as the change.

Owns table ``jobs``. A service calls ``JobQueue.enqueue`` inside its transaction, so the job
exists exactly when the change does. Workers (one per ``serve`` process) claim ready jobs
atomically, run the handler registered for the job's kind, and record the outcome.

```mermaid
stateDiagram-v2
    [*] --> pending: enqueue (same transaction as the change)
    pending --> running: claim (FOR UPDATE SKIP LOCKED on PostgreSQL)
    running --> done: handler returned
    running --> pending: handler failed, attempts left (exponential backoff)
    running --> pending: postponed, or database/Redis down (capped backoff, never dead)
    running --> dead: handler failed, no attempts left / no handler
    running --> running: lease expired (worker died), claimed again
    dead --> pending: operator retries (`identity-graph jobs retry`, `retryJobs`)
```

A handler that cannot run *yet* because something outside it is unavailable (the national
registry, the database) raises ``Postpone`` or fails with an outage
(``core/availability.py``): the job goes back to pending with the same exponential backoff,
capped at ``jobs_backoff_max_seconds``, and such failures never dead-letter it. An outage
longer than the retry budget therefore strands nothing: the work waits and runs when the
dependency is back. Only failures of the handler itself count towards ``max_attempts``.

Claiming is exactly-once: the candidate rows are locked with ``SKIP LOCKED`` and the claim
itself is a conditional UPDATE that re-checks readiness, so on SQLite (one writer) and
PostgreSQL alike two racing workers never hold the same job. Handlers run at least once
(a worker may die after the side effect and before ``done``), so they must be idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from tortoise import fields
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.transactions import in_transaction

from identity_graph.core import keyset
from identity_graph.core.availability import unavailable
from identity_graph.core.clock import Clock
from identity_graph.core.events import wait_set
from identity_graph.core.keyset import Window

log = logging.getLogger("identity_graph.jobs")

JobHandler = Callable[[Mapping[str, Any]], Awaitable[None]]
# Outages of the queue's own dependencies postpone a job; an unreachable partner (a
# back-channel logout URI, an SMS gateway) is the handler's failure and counts.
_POSTPONING_OUTAGES = frozenset({"database", "redis"})


class Postpone(Exception):
    """Raised by a handler: not now, through no fault of the job; try again later."""


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class Job(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    payload: Any = fields.JSONField(default=dict)
    state = fields.CharEnumField(JobState, max_length=16, default=JobState.PENDING)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField()
    run_at = fields.DatetimeField()
    locked_by = fields.CharField(max_length=64, null=True, db_index=True)
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (("state", "run_at"),)


class JobQueue:
    """Enqueue, claim and settle jobs; all timing comes from the injected clock."""

    def __init__(
        self,
        clock: Clock,
        *,
        max_attempts: int = 8,
        backoff_base: float = 2.0,
        backoff_max: float = 3600.0,
        lease_seconds: float = 120.0,
    ) -> None:
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._lease = timedelta(seconds=lease_seconds)

    async def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, delay: timedelta | None = None
    ) -> Job:
        """Add a job; call inside the transaction of the change it belongs to."""
        now = self._clock.now()
        return await Job.create(
            kind=kind,
            payload=dict(payload),
            max_attempts=self._max_attempts,
            run_at=now + (delay or timedelta()),
            created_at=now,
        )

    def _ready(self, now: datetime) -> Q:
        pending = Q(state=JobState.PENDING, run_at__lte=now)
        abandoned = Q(state=JobState.RUNNING, locked_until__lte=now)
        return pending | abandoned

    async def claim(self, limit: int) -> list[Job]:
        """Atomically take up to ``limit`` ready jobs for this caller."""
        now = self._clock.now()
        token = uuid.uuid4().hex
        async with in_transaction():
            candidates = await (
                Job.filter(self._ready(now))
                .order_by("run_at", "id")
                .limit(limit)
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)
            )
            if not candidates:
                return []
            await Job.filter(Q(id__in=list(candidates)) & self._ready(now)).update(
                state=JobState.RUNNING,
                locked_by=token,
                locked_until=now + self._lease,
                attempts=F("attempts") + 1,
            )
            return await Job.filter(locked_by=token).order_by("run_at", "id")

    async def complete(self, job: Job) -> None:
        await Job.filter(id=job.id, locked_by=job.locked_by).update(
            state=JobState.DONE, finished_at=self._clock.now(), locked_until=None
        )

    async def fail(self, job: Job, error: str, *, final: bool = False) -> JobState:
        """Record a failure: retry later with backoff, or dead-letter when out of attempts."""
        now = self._clock.now()
        if final or job.attempts >= job.max_attempts:
            await Job.filter(id=job.id, locked_by=job.locked_by).update(
                state=JobState.DEAD, last_error=error[:2000], finished_at=now, locked_until=None
            )
            return JobState.DEAD
        await Job.filter(id=job.id, locked_by=job.locked_by).update(
            state=JobState.PENDING,
            last_error=error[:2000],
            run_at=now + self.backoff(job.attempts),
            locked_until=None,
        )
        return JobState.PENDING

    async def postpone(self, job: Job, error: str) -> None:
        """Back to pending with capped backoff, whatever the attempts (see ``Postpone``)."""
        await Job.filter(id=job.id, locked_by=job.locked_by).update(
            state=JobState.PENDING,
            last_error=error[:2000],
            run_at=self._clock.now() + self.backoff(job.attempts),
            locked_until=None,
        )

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with equal jitter: half fixed, half random."""
        ceiling = min(self._backoff_base * 2 ** max(attempts - 1, 0), self._backoff_max)
        return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))

    async def depth(self) -> dict[str, int]:
        """Number of jobs per state (the ``/metrics`` queue-depth gauge)."""
        rows = await Job.all().annotate(n=Count("id")).group_by("state").values("state", "n")
        counts = {state.value: 0 for state in JobState}
        for row in rows:
            counts[str(row["state"].value if isinstance(row["state"], Enum) else row["state"])] = (
                row["n"]
            )
        return counts

    async def get_many(self, ids: list[int]) -> dict[int, Job]:
        """Batch load for DataLoaders."""
        return {job.id: job for job in await Job.filter(id__in=ids)}

    async def retry_dead(self, job_id: int) -> bool:
        """Operator action: put a dead job back in the queue with fresh attempts."""
        return bool(await self.retry_dead_where(Q(id=job_id)))

    async def retry_dead_where(self, condition: Q) -> int:
        """Operator action: every dead job matching ``condition`` back in the queue."""
        return int(
            await Job.filter(condition & Q(state=JobState.DEAD)).update(
                state=JobState.PENDING, attempts=0, run_at=self._clock.now(), finished_at=None
            )
        )

    async def page(
        self,
        *,
        state: JobState | None = None,
        kind: str | None = None,
        limit: int = 20,
        before_id: int | None = None,
        window: Window | None = None,
    ) -> list[Job]:
        """Newest first, for operators (CLI and admin GraphQL): ``limit`` rows past
        ``before_id``, or the rows of ``window`` (forwards or backwards)."""
        query = Job.all()
        if state is not None:
            query = query.filter(state=state)
        if kind is not None:
            query = query.filter(kind=kind)
        return await keyset.read(query, window or keyset.forward(limit, before_id), descending=True)


class JobWorker:
    """Claims and runs jobs in a loop; several workers may race on one database."""

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        *,
        dead_letter_hooks: Mapping[str, JobHandler] | None = None,
        batch_size: int = 20,
        poll_seconds: float = 1.0,
    ) -> None:
        self._queue = queue
        self._handlers = dict(handlers)
        self._dead_hooks = dict(dead_letter_hooks or {})
        self._batch_size = batch_size
        self._poll = poll_seconds

    async def run_once(self) -> int:
        """Claim one batch and run it; returns how many jobs were claimed."""
        jobs = await self._queue.claim(self._batch_size)
        for job in jobs:
            await self._run(job)
        return len(jobs)

    async def _run(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            await self._queue.fail(job, f"no handler for job kind {job.kind!r}", final=True)
            return
        try:
            await handler(job.payload)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, Postpone) or unavailable(exc) in _POSTPONING_OUTAGES:
                await self._queue.postpone(job, error)
                log.info("job postponed", extra={"job_id": job.id, "kind": job.kind})
                return
            state = await self._queue.fail(job, error)
            log.warning(
                "job failed", extra={"job_id": job.id, "kind": job.kind, "next": state.value}
            )
            if state is JobState.DEAD and job.kind in self._dead_hooks:
                await self._dead_hooks[job.kind](job.payload)
            return
        await self._queue.complete(job)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a busy queue is drained without waiting."""
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception as exc:
                dependency = unavailable(exc)
                if dependency is None:
                    log.exception("job worker iteration failed")
                else:  # an outage: the next round tries again, no traceback each second
                    log.warning("job worker waiting", extra={"dependency": dependency})
                claimed = 0
            if claimed:
                continue
            await wait_set(stop, self._poll)
