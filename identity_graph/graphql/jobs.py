"""Admin ``jobs`` and ``retryJobs``: the background work queue (transactional outbox) as
operators see it, and sending dead jobs round again (``core/job_operations.py``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from identity_graph.accounts.enums import Role
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.jobs import Job as JobModel
from identity_graph.core.jobs import JobState as DomainJobState
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    as_graphql_error,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAdmin

MAX_RETRY_IDS = 100


@strawberry.enum(description="Where a background job is.")
class JobState(Enum):
    PENDING = strawberry.enum_value(
        DomainJobState.PENDING.value,
        description="Waiting for its time (`nextAttemptAt`); also after a failure with "
        "attempts left, or while what it needs is unavailable.",
    )
    RUNNING = strawberry.enum_value(DomainJobState.RUNNING.value, description="A worker has it.")
    DONE = strawberry.enum_value(DomainJobState.DONE.value, description="Finished.")
    DEAD = strawberry.enum_value(
        DomainJobState.DEAD.value,
        description="Failed every attempt; read `lastError`, then `retryJobs`.",
    )


@strawberry.type(
    name="Job",
    description="One piece of background work (SMS delivery, "
    "back-channel logout, registry re-check).",
)
class JobType:
    id: strawberry.ID = strawberry.field(description="Job number (for `retryJobs`).")
    kind: str = strawberry.field(description="What it does, e.g. `verification.registry_check`.")
    state: JobState = strawberry.field(description="Where it is.")
    attempts: int = strawberry.field(description="Times a worker ran it since its last retry.")
    max_attempts: int = strawberry.field(
        description="Failures of its own after which it is dead (outages do not count)."
    )
    last_error: str | None = strawberry.field(description="Why the last run failed.")
    next_attempt_at: datetime = strawberry.field(description="When it runs (again).")
    created_at: datetime = strawberry.field(description="When it was queued.")
    finished_at: datetime | None = strawberry.field(description="When it finished or died.")

    @classmethod
    def from_model(cls, job: JobModel) -> JobType:
        return cls(
            id=strawberry.ID(str(job.id)),
            kind=job.kind,
            state=JobState[job.state.name],
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            last_error=job.last_error,
            next_attempt_at=job.run_at,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@strawberry.type(description="Dead jobs were put back in the queue.")
class JobsRetried:
    job_ids: list[strawberry.ID] = strawberry.field(
        description="The jobs that were dead and are pending again (jobs in another state "
        "are left alone)."
    )
    count: int = strawberry.field(description="How many were put back.")


RetryJobsResult = Annotated[
    JobsRetried | ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused,
    strawberry.union("RetryJobsResult", description="Retried, or why not."),
]


@strawberry.type
class JobQueries:
    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Admin: background jobs, newest first; `state: DEAD` lists the ones "
        "that need an operator.",
    )
    async def jobs(
        self,
        info: Info,
        state: Annotated[
            JobState | None, strawberry.argument(description="Only jobs in this state.")
        ] = None,
        kind: Annotated[
            str | None,
            strawberry.argument(description="Only jobs of this kind.", metadata=text(64)),
        ] = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[JobType]:
        try:
            paging = Paging.of("job", first=first, after=after, last=last, before=before)
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        rows = await info.context.services.job_operations.listing(
            state=DomainJobState[state.name] if state else None,
            kind=kind[:64] if kind else None,
            window=paging.window,
        )
        return paging.connection(rows, lambda job: job.id, JobType.from_model)


@strawberry.type
class JobMutations:
    @strawberry.mutation(
        description="Admin: put dead jobs back in the queue with fresh attempts: the ones "
        "named in `ids`, or with `allDead: true` every dead job (of `kind` if given). Audited."
    )
    async def retry_jobs(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID] | None, strawberry.argument(description="Jobs to retry.")
        ] = None,
        all_dead: Annotated[
            bool, strawberry.argument(description="Retry every dead job instead.")
        ] = False,
        kind: Annotated[
            str | None,
            strawberry.argument(description="With `allDead`: only this kind.", metadata=text(64)),
        ] = None,
    ) -> RetryJobsResult:
        context = info.context

        async def call() -> JobsRetried:
            _require_admin(info)
            operations = context.services.job_operations
            if all_dead:
                count = await operations.retry_all_dead(context.audit, kind[:64] if kind else None)
                return JobsRetried(job_ids=[], count=count)
            retried = await operations.retry(_job_ids(ids), context.audit)
            return JobsRetried(job_ids=[strawberry.ID(str(i)) for i in retried], count=len(retried))

        return await payload(info, call(), lambda result: result)


def _require_admin(info: Info) -> None:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    if not viewer.has_role(Role.ADMIN):
        raise NotAuthorized()


def _job_ids(ids: list[Any] | None) -> list[int]:
    if not ids:
        raise ValidationFailed.single("ids", "REQUIRED")
    if len(ids) > MAX_RETRY_IDS:
        raise ValidationFailed.single("ids", "TOO_MANY_ITEMS", max=MAX_RETRY_IDS)
    try:
        parsed = [int(str(value)) for value in ids]
    except ValueError:
        raise ValidationFailed.single("ids", "ID_INVALID") from None
    if any(not 0 < value < 2**63 for value in parsed):
        raise ValidationFailed.single("ids", "ID_INVALID")
    return parsed
