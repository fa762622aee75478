"""What operators may do with the jobs outbox: look at it and send dead jobs round again.

The ``identity-graph jobs`` command and the admin GraphQL fields ``jobs`` / ``retryJobs``
both go through here, so each retry is audited the same way (SPEC §3: every admin action
is in the audit log). A dead job is one whose handler failed ``jobs_max_attempts`` times
(or has no handler); outages never kill jobs (``core/jobs.py``), so what lands here is a
failure someone should read (``last_error``) before retrying.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.jobs import Job, JobQueue, JobState
from identity_graph.core.keyset import Window


class JobOperations:
    def __init__(self, queue: JobQueue, audit: AuditLog) -> None:
        self._queue = queue
        self._audit = audit

    async def listing(
        self,
        *,
        state: JobState | None = None,
        kind: str | None = None,
        limit: int = 20,
        before_id: int | None = None,
        window: Window | None = None,
    ) -> list[Job]:
        return await self._queue.page(
            state=state, kind=kind, limit=limit, before_id=before_id, window=window
        )

    async def depth(self) -> dict[str, int]:
        return await self._queue.depth()

    async def retry(self, job_ids: list[int], context: AuditContext) -> list[int]:
        """Put these dead jobs back in the queue; returns those that were dead (the others
        are pending, running or done, and are left alone)."""
        retried = []
        async with in_transaction():
            for job_id in job_ids:
                if await self._queue.retry_dead(job_id):
                    retried.append(job_id)
            await self._record(context, {"jobs": retried, "asked": job_ids})
        return retried

    async def retry_all_dead(self, context: AuditContext, kind: str | None = None) -> int:
        """Every dead job (of one kind) back in the queue; returns how many."""
        condition = Q(kind=kind) if kind else Q()
        async with in_transaction():
            count = await self._queue.retry_dead_where(condition)
            await self._record(context, {"all_dead": True, "kind": kind, "count": count})
        return count

    async def _record(self, context: AuditContext, details: dict[str, object]) -> None:
        await self._audit.record(
            "jobs.retried", context, subject_type="jobs", subject_id=None, details=details
        )
