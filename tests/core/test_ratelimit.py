"""Rate limits behave the same in memory and in Redis, for fixed and sliding windows.

Proves, on both backends and both algorithms: ``limit`` events pass and the next is refused;
``retry_after`` is the exact wait (sliding: until the oldest event leaves the window; fixed:
until the window ends); time moving on lets events through again; ``peek`` records nothing;
``enforce`` raises ``RateLimited``; ``reset`` clears the window; 50 concurrent hits against a
limit of 10 let exactly 10 through; and keys reach the backend only as keyed hashes, never in
clear. Time comes from a ``FixedClock``; nothing sleeps.

Redis comes from ``IDG_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``); the Redis
cases are skipped when it is unreachable.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import uuid4

import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from redis.exceptions import RedisError

from identity_graph.core.clock import FixedClock
from identity_graph.core.errors import RateLimited
from identity_graph.core.ratelimit import (
    Decision,
    MemoryBackend,
    RateLimitBackend,
    RateLimiter,
    RedisBackend,
    Rule,
)
from identity_graph.core.secrets import SecretHasher

REDIS_URL = os.environ.get("IDG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Midnight UTC: a multiple of every window used here, so window boundaries are predictable.
START = datetime(2026, 1, 1, tzinfo=UTC)
PHONE = "13812345678"
ALGORITHMS = pytest.mark.parametrize("algorithm", ["fixed", "sliding"])
Algorithm = Literal["fixed", "sliding"]


def key_hasher() -> SecretHasher:
    return SecretHasher(b"rate-limit-test-key")


def hash_key(raw: str) -> str:
    return key_hasher().digest("ratelimit", raw)


@dataclass
class Harness:
    """One backend, a clock at ``START`` and a limiter that hashes keys like production."""

    backend: RateLimitBackend
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    redis: Redis | None = None
    prefix: str = ""

    @property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.backend, self.clock, hash_key)

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    async def stored_keys(self) -> list[str]:
        """Every Redis key under this test's prefix (``KEYS prefix*``)."""
        assert self.redis is not None
        keys = await self.redis.keys(f"{self.prefix}*")
        return [key.decode() if isinstance(key, bytes) else key for key in keys]


async def _redis_harness() -> AsyncIterator[Harness]:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    prefix = f"idg:test:{uuid4().hex}:"
    try:
        yield Harness(RedisBackend(client, prefix=prefix), redis=client, prefix=prefix)
    finally:
        leftovers = await client.keys(f"{prefix}*")
        if leftovers:
            await client.delete(*leftovers)
        await client.aclose()


@pytest_asyncio.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        yield Harness(MemoryBackend())
        return
    async for made in _redis_harness():
        yield made


@pytest_asyncio.fixture
async def redis_harness() -> AsyncIterator[Harness]:
    async for made in _redis_harness():
        yield made


def rule(algorithm: Algorithm, limit: int = 3, window: int = 60, name: str = "sms") -> Rule:
    return Rule(name, limit=limit, window_seconds=window, algorithm=algorithm)


@ALGORITHMS
async def test_allows_limit_events_then_refuses(harness: Harness, algorithm: Algorithm) -> None:
    limiter, sms = harness.limiter, rule(algorithm)

    decisions = [await limiter.hit(sms, PHONE) for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert [d.retry_after for d in decisions[:3]] == [0, 0, 0]
    assert decisions[3].retry_after > 0


async def test_sliding_retry_after_waits_for_the_oldest_event(harness: Harness) -> None:
    limiter, sms = harness.limiter, rule("sliding")
    for gap in (0, 10, 10):  # events at 0 s, 10 s, 20 s
        harness.advance(gap)
        assert (await limiter.hit(sms, PHONE)).allowed

    assert await limiter.hit(sms, PHONE) == Decision(False, 0, 40)  # 0 s + 60 s - 20 s
    harness.advance(19.5)
    assert (await limiter.hit(sms, PHONE)).retry_after == 21  # 20.5 s rounds up
    harness.advance(20.4)
    assert (await limiter.hit(sms, PHONE)).retry_after == 1  # 0.1 s still counts as 1
    harness.advance(0.1)  # 60 s: the event at 0 s has left the window
    assert await limiter.hit(sms, PHONE) == Decision(True, 0, 0)
    assert await limiter.hit(sms, PHONE) == Decision(False, 0, 10)  # next to leave: 10 s


async def test_fixed_retry_after_waits_for_the_window_end(harness: Harness) -> None:
    limiter, sms = harness.limiter, rule("fixed")
    harness.advance(15)
    for _ in range(3):
        assert (await limiter.hit(sms, PHONE)).allowed

    assert await limiter.hit(sms, PHONE) == Decision(False, 0, 45)
    harness.advance(44.5)
    assert (await limiter.hit(sms, PHONE)).retry_after == 1
    harness.advance(0.5)  # a new window: the whole limit is available again
    assert [(await limiter.hit(sms, PHONE)).allowed for _ in range(4)] == [True] * 3 + [False]


@ALGORITHMS
async def test_allowed_again_once_time_has_passed(harness: Harness, algorithm: Algorithm) -> None:
    limiter, sms = harness.limiter, rule(algorithm)
    for _ in range(3):
        await limiter.hit(sms, PHONE)
    refused = await limiter.hit(sms, PHONE)

    harness.advance(refused.retry_after - 1)
    assert not (await limiter.hit(sms, PHONE)).allowed
    harness.advance(1)
    assert (await limiter.hit(sms, PHONE)).allowed


@ALGORITHMS
async def test_peek_records_nothing(harness: Harness, algorithm: Algorithm) -> None:
    limiter, sms = harness.limiter, rule(algorithm)

    for _ in range(10):
        assert (await limiter.peek(sms, PHONE)).allowed
    for _ in range(3):
        assert (await limiter.hit(sms, PHONE)).allowed
    first, second = await limiter.peek(sms, PHONE), await limiter.peek(sms, PHONE)

    assert not first.allowed
    assert first == second
    assert first.retry_after == 60


@ALGORITHMS
async def test_enforce_raises_rate_limited(harness: Harness, algorithm: Algorithm) -> None:
    limiter, login = harness.limiter, rule(algorithm, limit=2, name="login")
    await limiter.enforce(login, "alice", "203.0.113.9")
    await limiter.enforce(login, "alice", "203.0.113.9")

    with pytest.raises(RateLimited) as caught:
        await limiter.enforce(login, "alice", "203.0.113.9")

    assert caught.value.code == "RATE_LIMITED"
    assert caught.value.retry_after == 60
    assert caught.value.scope == "login"
    assert caught.value.params == {"retry_after": 60, "scope": "login"}


@ALGORITHMS
async def test_reset_clears_the_window(harness: Harness, algorithm: Algorithm) -> None:
    limiter, sms = harness.limiter, rule(algorithm)
    harness.advance(5)  # mid-window, so only a real reset can let the fixed window through
    for _ in range(3):
        await limiter.hit(sms, PHONE)
        await limiter.hit(sms, "13900000000")
    assert not (await limiter.peek(sms, PHONE)).allowed

    await limiter.reset(sms, PHONE)

    assert await limiter.hit(sms, PHONE) == Decision(True, 2, 0)
    assert not (await limiter.peek(sms, "13900000000")).allowed  # other keys untouched


@ALGORITHMS
async def test_keys_rules_and_parts_are_independent(harness: Harness, algorithm: Algorithm) -> None:
    limiter = harness.limiter
    sms, login = rule(algorithm, limit=1), rule(algorithm, limit=1, name="login")
    assert (await limiter.hit(sms, "a", "b")).allowed

    assert not (await limiter.hit(sms, "a", "b")).allowed
    assert (await limiter.hit(login, "a", "b")).allowed
    assert (await limiter.hit(sms, "a", "c")).allowed
    assert (await limiter.hit(sms, "ab")).allowed  # parts are joined with a separator


@ALGORITHMS
async def test_concurrent_hits_admit_exactly_the_limit(
    harness: Harness, algorithm: Algorithm
) -> None:
    limiter, burst = harness.limiter, rule(algorithm, limit=10)

    decisions = await asyncio.gather(*(limiter.hit(burst, PHONE) for _ in range(50)))

    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(10))


class RecordingBackend:
    """Wraps a backend and remembers every key it is handed."""

    def __init__(self, inner: RateLimitBackend) -> None:
        self.inner = inner
        self.keys: list[str] = []

    async def hit(self, key: str, rule: Rule, now: float, *, count: bool = True) -> Decision:
        self.keys.append(key)
        return await self.inner.hit(key, rule, now, count=count)

    async def reset(self, key: str, rule: Rule) -> None:
        self.keys.append(key)
        await self.inner.reset(key, rule)


@ALGORITHMS
async def test_backend_only_ever_sees_the_hashed_key(
    harness: Harness, algorithm: Algorithm
) -> None:
    backend = RecordingBackend(harness.backend)
    limiter, sms = RateLimiter(backend, harness.clock, hash_key), rule(algorithm)

    await limiter.hit(sms, "send", PHONE)
    await limiter.peek(sms, "send", PHONE)
    await limiter.reset(sms, "send", PHONE)

    assert set(backend.keys) == {hash_key(f"send\x1f{PHONE}")}
    assert all(PHONE not in key for key in backend.keys)


@ALGORITHMS
async def test_raw_key_never_reaches_redis(redis_harness: Harness, algorithm: Algorithm) -> None:
    limiter, sms = redis_harness.limiter, rule(algorithm)

    for _ in range(4):
        await limiter.hit(sms, PHONE)
    stored = await redis_harness.stored_keys()

    assert len(stored) == 1
    assert hash_key(PHONE) in stored[0]
    assert PHONE not in stored[0]


async def test_fixed_reset_needs_no_clock_in_redis(redis_harness: Harness) -> None:
    """The fixed counter lives under one key per rule and caller, whatever the window."""
    limiter, sms = redis_harness.limiter, rule("fixed", limit=1)
    await limiter.hit(sms, PHONE)
    redis_harness.advance(60)
    await limiter.hit(sms, PHONE)
    assert len(await redis_harness.stored_keys()) == 1

    await limiter.reset(sms, PHONE)

    assert await redis_harness.stored_keys() == []


async def test_redis_backend_refuses_other_clients() -> None:
    with pytest.raises(TypeError):
        RedisBackend(object())


@ALGORITHMS
async def test_memory_sweep_forgets_only_finished_windows(algorithm: Algorithm) -> None:
    backend, clock = MemoryBackend(sweep_every=5), FixedClock(START)
    limiter, sms = RateLimiter(backend, clock, hash_key), rule(algorithm, limit=1)
    for caller in ("a", "b", "c"):
        await limiter.hit(sms, caller)  # checks 1-3
    clock.advance(timedelta(seconds=60))  # a, b, c are done
    await limiter.hit(sms, "d")  # check 4
    clock.advance(timedelta(seconds=30))  # d is not

    assert not (await limiter.hit(sms, "d")).allowed  # check 5 sweeps
    # White-box: behaviour is the same either way, only memory tells the sweep happened.
    assert set(backend._expires) == {("sms", hash_key("d"))}
    assert (await limiter.hit(sms, "a")).allowed


def _sliding_model(times: list[float], limit: int, window: int) -> list[bool]:
    """The definition: an event passes when fewer than ``limit`` passed in (t - window, t]."""
    passed: list[float] = []
    verdicts = []
    for now in times:
        ok = sum(1 for t in passed if t > now - window) < limit
        verdicts.append(ok)
        if ok:
            passed.append(now)
    return verdicts


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=40),
    limit=st.integers(min_value=1, max_value=5),
)
async def test_memory_sliding_window_matches_its_definition(gaps: list[int], limit: int) -> None:
    times = [float(sum(gaps[: i + 1])) for i in range(len(gaps))]
    backend, sms = MemoryBackend(), rule("sliding", limit=limit, window=30)

    verdicts = [(await backend.hit("k", sms, now)).allowed for now in times]

    assert verdicts == _sliding_model(times, limit, 30)
