"""A registry outage longer than any retry budget strands nothing (issue 15): the retry job of
a PENDING case never dies, its backoff is capped, the case is decided when the registry is
back, and the holder may withdraw a case that waits too long and submit again."""

from __future__ import annotations

from datetime import timedelta

from identity_graph.accounts.enums import VerificationStatus
from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditEvent
from identity_graph.core.jobs import Job, JobState
from identity_graph.verification.models import (
    CaseState,
    VerificationAttempt,
    VerificationCase,
)
from identity_graph.verification.providers.sandbox import SandboxRegistry
from identity_graph.verification.service import REGISTRY_JOB
from tests.graphql.accounts_helpers import ERRORS
from tests.verification.flows import ZHANG_WEI, my_verification, resident, submit

WITHDRAW = (
    """
mutation { withdrawVerification { __typename
  ... on VerificationWithdrawn { verification { status nextSteps
      currentCase { status withdrawn superseded } } }
"""
    + ERRORS
    + "} }"
)


def _registry(container) -> SandboxRegistry:
    registry = container.registry
    assert isinstance(registry, SandboxRegistry)
    return registry


async def _pending_case(gql, hooks, container) -> str:
    token = await resident(gql, hooks, container, ZHANG_WEI)
    _registry(container).outage_rate = 1.0
    result = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert result["verification"]["status"] == "PENDING"
    return token


async def test_outage_past_every_attempt_keeps_retrying_with_capped_backoff(
    gql, hooks, container, clock
):
    await _pending_case(gql, hooks, container)
    worker = container.job_worker()
    cap = timedelta(seconds=container.settings.jobs_backoff_max_seconds)
    runs = container.settings.jobs_max_attempts * 3
    for _ in range(runs):  # three times the budget after which a failing job dies
        job = await Job.get(kind=REGISTRY_JOB)
        clock.advance(seconds=(job.run_at - clock.now()).total_seconds() + 1)
        assert await worker.run_once() >= 1
        job = await Job.get(kind=REGISTRY_JOB)
        assert job.state is JobState.PENDING, job.last_error
        assert job.run_at - clock.now() <= cap
    assert job.attempts == runs
    assert job.run_at - clock.now() >= cap / 2, "the backoff reached its cap (hours)"
    assert (await VerificationCase.get()).state is CaseState.PENDING

    _registry(container).outage_rate = 0.0
    clock.advance(seconds=cap.total_seconds() + 1)
    await worker.run_once()
    assert (await Job.get(kind=REGISTRY_JOB)).state is JobState.DONE
    account = await Account.get(login_name="zhangwei")
    assert account.verification_status is VerificationStatus.VERIFIED
    outcomes = [a.outcome for a in await VerificationAttempt.all().order_by("id")]
    assert outcomes == ["unavailable"] * (runs + 1) + ["match"]


async def test_a_handler_bug_still_dead_letters(db, container, clock):
    """Only "not yet" postpones: a job whose handler itself fails dies after its budget."""
    await container.jobs.enqueue(REGISTRY_JOB, {"case_id": "not-a-uuid"})
    worker = container.job_worker()
    for _ in range(container.settings.jobs_max_attempts):
        clock.advance(seconds=container.settings.jobs_backoff_max_seconds + 1)
        await worker.run_once()
    job = await Job.get(kind=REGISTRY_JOB)
    assert job.state is JobState.DEAD and "ValueError" in (job.last_error or "")


async def test_holder_withdraws_a_stuck_case_and_submits_again(gql, hooks, container, clock):
    token = await _pending_case(gql, hooks, container)
    again = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert again["code"] == "VERIFICATION_IN_PROGRESS"
    assert (await my_verification(gql, token))["nextSteps"] == ["WAIT", "WITHDRAW"]

    body = await gql(WITHDRAW, token=token, language="en")
    withdrawn = body["data"]["withdrawVerification"]
    assert withdrawn["__typename"] == "VerificationWithdrawn", withdrawn
    assert withdrawn["verification"]["status"] == "UNVERIFIED"
    assert withdrawn["verification"]["nextSteps"] == ["SUBMIT"]
    assert withdrawn["verification"]["currentCase"] == {
        "status": "UNVERIFIED",
        "withdrawn": True,
        "superseded": False,
    }
    assert await AuditEvent.filter(action="verification.withdrawn").count() == 1

    # The old case's retry job ends without touching anything once the registry answers.
    _registry(container).outage_rate = 0.0
    clock.advance(minutes=2)
    await container.job_worker().run_once()
    assert (await Job.get(kind=REGISTRY_JOB)).state is JobState.DONE
    assert (await VerificationCase.get()).state is CaseState.WITHDRAWN

    resubmitted = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert resubmitted["verification"]["status"] == "VERIFIED"
    states = {case.state for case in await VerificationCase.all()}
    assert states == {CaseState.SUPERSEDED, CaseState.VERIFIED}


async def test_only_a_pending_case_can_be_withdrawn(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    nothing = (await gql(WITHDRAW, token=token, language="en"))["data"]["withdrawVerification"]
    assert nothing["code"] == "NOTHING_TO_WITHDRAW"
    assert nothing["message"] == "There is no verification in progress to withdraw"
    await submit(gql, hooks, token, person=ZHANG_WEI)  # verified at once
    decided = (await gql(WITHDRAW, token=token))["data"]["withdrawVerification"]
    assert decided["code"] == "NOTHING_TO_WITHDRAW"
    assert (await my_verification(gql, token))["status"] == "VERIFIED"
    anonymous = (await gql(WITHDRAW))["data"]["withdrawVerification"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
