"""The login gates (``core/attempt_gates.py``) in memory and in Redis: one slot per subject,
lockout at exactly the threshold under concurrent attempts, the address window across
subjects, the proof (captcha) rule, release, the same keys as ``RateLimiter``, and one
registered script sent by digest (EVALSHA).

Redis comes from ``IDG_TEST_REDIS_URL`` (skipped when unreachable), as in test_ratelimit.py.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from identity_graph.core import attempt_gates
from identity_graph.core.attempt_gates import Admission, AttemptGates, GateRules
from identity_graph.core.ratelimit import Decision, MemoryBackend, RateLimiter, RedisBackend, Rule
from tests.core.test_ratelimit import REDIS_URL, Harness, _redis_harness, hash_key

RULES = GateRules(
    in_flight=Rule("login_in_progress", 1, 30),
    per_subject=Rule("login_fail_account", 5, 900),
    per_address=Rule("login_fail_address", 20, 900),
)
ADDRESS = "203.0.113.7"


@pytest_asyncio.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        yield Harness(MemoryBackend())
        return
    async for made in _redis_harness():
        yield made


def gates(harness: Harness, rules: GateRules = RULES) -> AttemptGates:
    return AttemptGates(harness.limiter, rules)


async def guess_until_answered(gates: AttemptGates, subject: str) -> str:
    """One wrong guess, retried while another attempt holds the slot; its final answer."""
    while True:
        admission = await gates.admit(subject, ADDRESS, proof_offered=True)
        if admission.outcome == "busy":
            await asyncio.sleep(0)
            continue
        if admission.outcome != "admitted":
            return admission.outcome
        mine, _ = await gates.fail(subject, ADDRESS)
        return f"failed:{mine.remaining}"


async def test_twenty_concurrent_wrong_passwords_lock_exactly_at_the_threshold(harness):
    subject_gates = gates(harness)

    answers = await asyncio.gather(
        *(guess_until_answered(subject_gates, "account-1") for _ in range(20))
    )

    assert sorted(a for a in answers if a.startswith("failed")) == [
        "failed:0",
        "failed:1",
        "failed:2",
        "failed:3",
        "failed:4",
    ]
    assert answers.count("subject_locked") == 15
    locked = await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
    assert locked.outcome == "subject_locked"
    assert locked.subject == Decision(False, 0, 900)


async def test_a_second_attempt_waits_for_the_slot(harness):
    subject_gates = gates(harness)
    first = await subject_gates.admit("account-1", ADDRESS, proof_offered=False)
    second = await subject_gates.admit("account-1", ADDRESS, proof_offered=False)
    other = await subject_gates.admit("account-2", ADDRESS, proof_offered=False)
    assert (first.outcome, second.outcome, other.outcome) == ("admitted", "busy", "admitted")

    await subject_gates.release("account-1", clear_failures=False)
    assert (await subject_gates.admit("account-1", ADDRESS, proof_offered=False)).outcome == (
        "admitted"
    )


async def test_the_slot_expires_by_itself(harness):
    subject_gates = gates(harness)
    await subject_gates.admit("account-1", ADDRESS, proof_offered=False)
    harness.advance(30)
    admission = await subject_gates.admit("account-1", ADDRESS, proof_offered=False)
    assert admission.outcome == "admitted"


async def test_after_a_failure_a_proof_is_required_from_the_subject_and_the_address(harness):
    subject_gates = gates(harness)
    await subject_gates.admit("account-1", ADDRESS, proof_offered=False)
    mine, network = await subject_gates.fail("account-1", ADDRESS)
    assert (mine.remaining, network.remaining) == (4, 19)

    for subject in ("account-1", "account-2"):  # the address failed: every subject asks
        needs = await subject_gates.admit(subject, ADDRESS, proof_offered=False)
        assert needs.outcome == "proof_required"
    elsewhere = await subject_gates.admit("account-2", "198.51.100.9", proof_offered=False)
    assert elsewhere.outcome == "admitted"
    assert (await subject_gates.admit("account-1", ADDRESS, proof_offered=True)).outcome == (
        "admitted"
    )


async def test_success_clears_the_subjects_failures_but_not_the_address(harness):
    subject_gates = gates(harness)
    for _ in range(2):
        await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
        await subject_gates.fail("account-1", ADDRESS)
    await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
    await subject_gates.release("account-1", clear_failures=True)

    admission = await subject_gates.admit("account-1", "198.51.100.9", proof_offered=False)
    assert admission == Admission("admitted", Decision(True, 5, 0), Decision(True, 20, 0))
    at_address = await subject_gates.admit("account-2", ADDRESS, proof_offered=True)
    assert at_address.address == Decision(True, 18, 0)


async def test_the_address_locks_across_subjects(harness):
    rules = GateRules(RULES.in_flight, RULES.per_subject, Rule("login_fail_address", 3, 900))
    address_gates = gates(harness, rules)
    for n in range(3):
        await address_gates.admit(f"account-{n}", ADDRESS, proof_offered=True)
        _, network = await address_gates.fail(f"account-{n}", ADDRESS)
    assert network == Decision(False, 0, 900)

    blocked = await address_gates.admit("account-9", ADDRESS, proof_offered=True)
    assert blocked.outcome == "address_locked"
    assert blocked.address.retry_after == 900
    harness.advance(60)
    later = await address_gates.admit("account-9", ADDRESS, proof_offered=True)
    assert later.address.retry_after == 840


async def test_the_window_slides_past_the_oldest_failure(harness):
    subject_gates = gates(harness)
    for _ in range(5):
        await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
        harness.advance(10)
        await subject_gates.fail("account-1", ADDRESS)
    locked = await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
    assert locked.subject.retry_after == 900 - 40
    harness.advance(900 - 40)
    reopened = await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
    assert reopened.outcome == "admitted"
    assert reopened.subject.remaining == 1


async def test_the_limiter_resets_what_the_gates_count(harness):
    """``clear_lockout`` (password reset) goes through ``RateLimiter.reset``."""
    subject_gates = gates(harness)
    for _ in range(5):
        await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
        await subject_gates.fail("account-1", ADDRESS)
    assert not (await harness.limiter.peek(RULES.per_subject, "account-1")).allowed

    await harness.limiter.reset(RULES.per_subject, "account-1")

    again = await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
    assert again.outcome == "admitted"


async def test_redis_runs_one_registered_script_per_step():
    async for harness in _redis_harness():
        assert harness.redis is not None
        subject_gates = gates(harness)
        await subject_gates.admit("account-1", ADDRESS, proof_offered=True)
        await subject_gates.fail("account-1", ADDRESS)
        digests = [
            hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 - Redis names scripts so
            for script in (attempt_gates._ADMIT_LUA, attempt_gates._FAIL_LUA)
        ]
        assert await harness.redis.script_exists(*digests) == [True, True]
        keys = await harness.stored_keys()
        assert all("account-1" not in key and ADDRESS not in key for key in keys)
        assert {key.split(":")[3] for key in keys} == {"login_fail_account", "login_fail_address"}


async def test_redis_gates_agree_across_two_clients():
    """Two workers (two clients, one Redis) share the slot and the windows."""
    async for harness in _redis_harness():
        other = Redis.from_url(REDIS_URL)
        try:
            backend = RedisBackend(other, prefix=harness.prefix)
            first = gates(harness)
            second = AttemptGates(RateLimiter(backend, harness.clock, hash_key), RULES)
            admitted = await first.admit("account-1", ADDRESS, proof_offered=True)
            busy = await second.admit("account-1", ADDRESS, proof_offered=True)
            assert (admitted.outcome, busy.outcome) == ("admitted", "busy")
            await first.fail("account-1", ADDRESS)
            mine = (await second.admit("account-1", ADDRESS, proof_offered=True)).subject
            assert mine.remaining == 4
        finally:
            await other.aclose()
