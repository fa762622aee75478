"""Face checks started per hour: per client address without an account, per account with
one; in memory for one worker, in Redis for several."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import RateLimited
from identity_graph.ids.types import IdType
from identity_graph.settings import Settings
from identity_graph.verification.face_checks import PersonToCheck
from identity_graph.verification.models import FaceCheck, FaceCheckPurpose
from tests.verification.face_check_flows import LI_NA, start_anonymous, start_face_check
from tests.verification.flows import ZHANG_WEI, resident, submit

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        face_check_starts_per_hour=2,
    )


async def test_a_client_address_starts_a_few_checks_an_hour(gql, hooks, container, clock):
    for _ in range(2):
        started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)
        assert started["__typename"] == "FaceCheckStarted", started

    limited = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)

    assert limited["__typename"] == "RateLimitedError", limited
    assert (limited["scope"], limited["code"]) == ("face_check_start", "RATE_LIMITED")
    assert 0 < limited["retryAfter"] <= 3600
    assert await FaceCheck.all().count() == 2
    clock.advance(seconds=3601)
    again = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)
    assert again["__typename"] == "FaceCheckStarted"


async def test_an_account_is_limited_on_its_own(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person=ZHANG_WEI)
    for _ in range(2):
        started = await start_face_check(gql, "AGENT_ADMIN", token=token)
        assert started["__typename"] == "FaceCheckStarted", started

    limited = await start_face_check(gql, "AGENT_ADMIN", token=token)
    anonymous = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)

    assert limited["__typename"] == "RateLimitedError"
    assert anonymous["__typename"] == "FaceCheckStarted"


async def test_workers_sharing_redis_agree_on_the_limit(db, settings, clock, redis_url):
    import redis.asyncio as redis_asyncio

    from identity_graph.container import Container, TestHooks

    try:
        probe = redis_asyncio.Redis.from_url(redis_url)
        await probe.ping()
        await probe.aclose()
    except Exception:
        pytest.skip("Redis is not reachable")
    # A fresh key per run: rate-limit keys are keyed hashes, so runs never see each other.
    shared = settings.model_copy(
        update={"redis_url": redis_url, "secret_key": SecretStr(secrets.token_urlsafe(32))}
    )
    hooks = TestHooks()
    workers = [Container(shared, clock=clock, test_hooks=hooks) for _ in range(2)]
    person = PersonToCheck(LI_NA["realName"], IdType.RESIDENT_ID_CARD, LI_NA["idNumber"])

    async def start(worker: Container) -> None:
        issued = await worker.captcha.issue("198.51.100.9")
        await worker.face_checks.start(
            FaceCheckPurpose.CONFIRMATION_ACCESS,
            context=AuditContext(client_ip="198.51.100.9"),
            person=person,
            captcha_id=str(issued.id),
            captcha_answer=hooks.captcha_answers[issued.id],
        )

    try:
        await start(workers[0])
        await start(workers[1])
        with pytest.raises(RateLimited) as limited:
            await start(workers[0])
        assert limited.value.scope == "face_check_start"
    finally:
        for worker in workers:
            await worker.aclose()
