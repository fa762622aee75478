"""``identity-graph jobs``: the operator's view of the background queue.

    identity-graph jobs stats                      how many jobs per state
    identity-graph jobs list [--state dead] [--kind K] [--limit N] [--json]
    identity-graph jobs retry ID [ID ...]          dead jobs back in the queue
    identity-graph jobs retry --all-dead [--kind K]

Retries go through ``core/job_operations.py`` and are audited like the admin GraphQL
mutation ``retryJobs``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from identity_graph.core.audit import AuditContext
from identity_graph.core.jobs import Job, JobState


def add_parser(sub: Any, run: Callable[..., int]) -> None:
    jobs = sub.add_parser("jobs", help="list background jobs and retry dead ones")
    actions = jobs.add_subparsers(dest="jobs_command", required=True)
    actions.add_parser("stats", help="number of jobs per state").set_defaults(func=run)
    listing = actions.add_parser("list", help="jobs, newest first")
    listing.add_argument("--state", choices=[state.value for state in JobState])
    listing.add_argument("--kind")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run)
    retry = actions.add_parser("retry", help="put dead jobs back in the queue")
    retry.add_argument("ids", nargs="*", type=int)
    retry.add_argument("--all-dead", action="store_true")
    retry.add_argument("--kind", help="with --all-dead: only this kind")
    retry.set_defaults(func=run)


def action(args: argparse.Namespace) -> Callable[[Any], Coroutine[Any, Any, int]]:
    """The coroutine to run with a container for ``args.jobs_command``."""

    async def stats(container: Any) -> int:
        for state, count in (await container.job_operations.depth()).items():
            print(f"{state:8} {count}")
        return 0

    async def listing(container: Any) -> int:
        rows = await container.job_operations.listing(
            state=JobState(args.state) if args.state else None,
            kind=args.kind,
            limit=max(1, min(args.limit, 1000)),
        )
        for job in rows:
            print(json.dumps(_as_dict(job), ensure_ascii=False) if args.json else _line(job))
        if not rows and not args.json:
            print("no jobs")
        return 0

    async def retry(container: Any) -> int:
        context = AuditContext(client_ip="cli")
        if args.all_dead:
            count = await container.job_operations.retry_all_dead(context, args.kind)
            print(f"{count} dead job(s) back in the queue")
            return 0
        if not args.ids:
            print("name the jobs to retry, or pass --all-dead", file=sys.stderr)
            return 2
        retried = await container.job_operations.retry(args.ids, context)
        for job_id in args.ids:
            print(f"#{job_id} {'retried' if job_id in retried else 'not dead: left alone'}")
        return 0 if retried else 1

    return {"stats": stats, "list": listing, "retry": retry}[args.jobs_command]


def _as_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state.value,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "next_attempt_at": job.run_at.isoformat(),
        "created_at": job.created_at.isoformat(),
        "last_error": job.last_error,
    }


def _line(job: Job) -> str:
    line = (
        f"#{job.id} {job.kind} [{job.state.value}] attempts {job.attempts}/{job.max_attempts}"
        f" next {job.run_at:%Y-%m-%d %H:%M:%S}"
    )
    return line + (f"\n    {job.last_error}" if job.last_error else "")
