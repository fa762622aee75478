"""Admin ``jobs`` and ``retryJobs``: operators see dead jobs and send them round again
(audited); everyone else is refused with codes."""

from __future__ import annotations

import pytest_asyncio

from identity_graph.accounts.models import Role
from identity_graph.core.audit import AuditEvent
from identity_graph.core.jobs import Job, JobState, JobWorker
from tests.graphql.accounts_helpers import ERRORS
from tests.graphql.test_outbox import staff_token

JOBS = """
query Jobs($state: JobState, $kind: String, $first: Int!, $after: String) {
  jobs(state: $state, kind: $kind, first: $first, after: $after) {
    edges { node { id kind state attempts maxAttempts lastError nextAttemptAt finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RETRY = (
    """
mutation Retry($ids: [ID!], $allDead: Boolean! = false, $kind: String) {
  retryJobs(ids: $ids, allDead: $allDead, kind: $kind) {
    __typename
    ... on JobsRetried { jobIds count }
"""
    + ERRORS
    + "} }"
)


@pytest_asyncio.fixture
async def admin_token(container) -> str:
    return await staff_token(container, "ops-admin", [Role.ADMIN])


async def _dead_jobs(container, kinds: list[str]) -> list[int]:
    async def broken(payload: dict) -> None:
        raise RuntimeError("gateway answered 500")

    for kind in kinds:
        await container.jobs.enqueue(kind, {})
    worker = JobWorker(container.jobs, dict.fromkeys(kinds, broken))
    for _ in range(container.settings.jobs_max_attempts):
        container.clock.advance(seconds=container.settings.jobs_backoff_max_seconds + 1)
        await worker.run_once()
    jobs = await Job.filter(kind__in=kinds).order_by("id")
    assert all(job.state is JobState.DEAD for job in jobs)
    return [job.id for job in jobs]


async def test_admin_lists_dead_jobs_and_retries_them(gql, container, admin_token):
    dead = await _dead_jobs(container, ["demo.one", "demo.two", "demo.three"])
    await container.jobs.enqueue("demo.alive", {})
    body = await gql(JOBS, {"state": "DEAD", "first": 2}, token=admin_token)
    page = body["data"]["jobs"]
    assert [int(edge["node"]["id"]) for edge in page["edges"]] == [dead[2], dead[1]]
    node = page["edges"][0]["node"]
    assert node["state"] == "DEAD" and node["attempts"] == node["maxAttempts"]
    assert node["lastError"] == "RuntimeError: gateway answered 500"
    assert page["pageInfo"]["hasNextPage"]
    rest = await gql(
        JOBS,
        {"state": "DEAD", "first": 2, "after": page["pageInfo"]["endCursor"]},
        token=admin_token,
    )
    assert [int(e["node"]["id"]) for e in rest["data"]["jobs"]["edges"]] == [dead[0]]
    by_kind = await gql(JOBS, {"kind": "demo.alive", "first": 5}, token=admin_token)
    assert [e["node"]["state"] for e in by_kind["data"]["jobs"]["edges"]] == ["PENDING"]

    alive = (await Job.get(kind="demo.alive")).id
    retried = await gql(RETRY, {"ids": [str(dead[0]), str(alive)]}, token=admin_token)
    assert retried["data"]["retryJobs"] == {
        "__typename": "JobsRetried",
        "jobIds": [str(dead[0])],
        "count": 1,
    }
    job = await Job.get(id=dead[0])
    assert job.state is JobState.PENDING and job.attempts == 0
    everything = await gql(RETRY, {"allDead": True, "kind": "demo.two"}, token=admin_token)
    assert everything["data"]["retryJobs"]["count"] == 1
    assert (await Job.get(id=dead[1])).state is JobState.PENDING
    assert (await Job.get(id=dead[2])).state is JobState.DEAD
    events = await AuditEvent.filter(action="jobs.retried").order_by("id")
    assert [event.details.get("jobs", event.details.get("count")) for event in events] == [
        [dead[0]],
        1,
    ]


async def test_bad_ids_are_field_errors(gql, admin_token):
    for ids, code in (([], "REQUIRED"), (["x"], "ID_INVALID"), (["0"], "ID_INVALID")):
        result = (await gql(RETRY, {"ids": ids}, token=admin_token))["data"]["retryJobs"]
        assert result["__typename"] == "ValidationErrors", result
        assert result["errors"][0] == {
            "field": "ids",
            "code": code,
            "message": result["errors"][0]["message"],
        }
    many = [str(n) for n in range(1, 102)]
    result = (await gql(RETRY, {"ids": many}, token=admin_token, language="en"))["data"]
    assert result["retryJobs"]["errors"][0]["message"] == "At most 100 items"
    cursor = await gql(JOBS, {"first": 5, "after": "bogus"}, token=admin_token)
    assert cursor["errors"][0]["extensions"] == {"code": "CURSOR_INVALID", "field": "after"}


async def test_non_admins_are_refused(gql, container):
    dead = await _dead_jobs(container, ["demo.one"])
    anonymous = await gql(JOBS, {"first": 5})
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    reviewer = await staff_token(container, "reviewer1", [Role.REVIEWER])
    refused = await gql(JOBS, {"first": 5}, token=reviewer)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_AUTHORIZED"
    mutation = await gql(RETRY, {"ids": [str(dead[0])]}, token=reviewer)
    assert mutation["data"]["retryJobs"]["code"] == "NOT_AUTHORIZED"
    assert (await Job.get(id=dead[0])).state is JobState.DEAD
