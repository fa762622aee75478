"""Rate limits: fixed and sliding windows behind one interface, in memory or in Redis.

The in-memory backend serves one process (``make serve``, tests). The Redis backend makes
several workers and nodes agree; each check is one Lua script, so it is atomic. Time comes
from the injected clock, not from Redis, so tests move it with a ``FixedClock``.

Keys are hashed with the caller's keyed hasher before they reach the backend, so a phone
number or IP address never sits in Redis in clear.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from identity_graph.core.clock import Clock
from identity_graph.core.errors import RateLimited

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True)
class Rule:
    """``limit`` events per ``window_seconds`` under one ``name``."""

    name: str
    limit: int
    window_seconds: int
    algorithm: Literal["fixed", "sliding"] = "sliding"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimitBackend(Protocol):
    async def hit(self, key: str, rule: Rule, now: float, *, count: bool = True) -> Decision:
        """Check ``key`` against ``rule``; record one event when allowed and ``count``."""
        ...

    async def reset(self, key: str, rule: Rule) -> None: ...


def _fixed_decision(used: int, rule: Rule, now: float) -> Decision:
    window_end = (math.floor(now / rule.window_seconds) + 1) * rule.window_seconds
    allowed = used < rule.limit
    retry = 0 if allowed else max(1, math.ceil(window_end - now))
    return Decision(allowed, max(rule.limit - used - (1 if allowed else 0), 0), retry)


class MemoryBackend:
    """Process-local windows; good for one worker.

    State is kept per rule *and* key (as in Redis), so two rules never share a counter, and
    windows that have run out are swept every ``sweep_every`` checks, so a stream of distinct
    callers (IP addresses, phone numbers) cannot grow the process without bound.
    """

    def __init__(self, sweep_every: int = 1024) -> None:
        self._logs: dict[tuple[str, str], deque[float]] = {}
        self._counters: dict[tuple[str, str], tuple[int, int]] = {}
        self._expires: dict[tuple[str, str], float] = {}
        self._sweep_every = sweep_every
        self._checks = 0
        self._lock = asyncio.Lock()

    async def hit(self, key: str, rule: Rule, now: float, *, count: bool = True) -> Decision:
        async with self._lock:
            self._checks += 1
            if self._checks % self._sweep_every == 0:
                self._sweep(now)
            if rule.algorithm == "fixed":
                return self._fixed((rule.name, key), rule, now, count)
            return self._sliding((rule.name, key), rule, now, count)

    def _fixed(self, slot: tuple[str, str], rule: Rule, now: float, count: bool) -> Decision:
        window = math.floor(now / rule.window_seconds)
        stored_window, used = self._counters.get(slot, (window, 0))
        if stored_window != window:
            used = 0
        decision = _fixed_decision(used, rule, now)
        if decision.allowed and count:
            self._counters[slot] = (window, used + 1)
            self._expires[slot] = (window + 1) * rule.window_seconds
        return decision

    def _sliding(self, slot: tuple[str, str], rule: Rule, now: float, count: bool) -> Decision:
        events = self._logs.get(slot, deque())
        while events and events[0] <= now - rule.window_seconds:
            events.popleft()
        if len(events) >= rule.limit:
            retry = max(1, math.ceil(events[0] + rule.window_seconds - now))
            return Decision(False, 0, retry)
        if count:
            events.append(now)
            self._logs[slot] = events
            self._expires[slot] = now + rule.window_seconds
        return Decision(True, rule.limit - len(events), 0)

    def _sweep(self, now: float) -> None:
        for slot in [slot for slot, expires in self._expires.items() if expires <= now]:
            self._forget(slot)

    def _forget(self, slot: tuple[str, str]) -> None:
        self._logs.pop(slot, None)
        self._counters.pop(slot, None)
        self._expires.pop(slot, None)

    async def reset(self, key: str, rule: Rule) -> None:
        async with self._lock:
            self._forget((rule.name, key))


# KEYS[1]=key ARGV: now, window, limit, count(0/1), member
_SLIDING_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, 0, tostring(tonumber(oldest[2]) + window - now)}
end
if ARGV[4] == '1' then
  redis.call('ZADD', key, now, ARGV[5])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  used = used + 1
end
return {1, limit - used, '0'}
"""

# KEYS[1]=key ARGV: window, limit, count(0/1), ttl_ms
# One hash per rule and key holding {window, used}, rather than one key per window, so that
# ``reset`` can clear it without knowing the clock; a new window number starts a new count.
_FIXED_LUA = """
local state = redis.call('HMGET', KEYS[1], 'window', 'used')
local used = 0
if state[1] == ARGV[1] then used = tonumber(state[2]) end
if used >= tonumber(ARGV[2]) then return {0, used} end
if ARGV[3] == '1' then
  used = used + 1
  redis.call('HSET', KEYS[1], 'window', ARGV[1], 'used', used)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return {1, used}
"""


class RedisBackend:
    """Shared windows in Redis: one atomic script per check."""

    def __init__(self, client: object, prefix: str = "idg:rl:") -> None:
        from redis.asyncio import Redis

        if not isinstance(client, Redis):
            raise TypeError("RedisBackend needs a redis.asyncio.Redis client")
        self._redis = client
        self._prefix = prefix
        self._sliding = client.register_script(_SLIDING_LUA)
        self._fixed = client.register_script(_FIXED_LUA)

    @property
    def client(self) -> Redis:
        """The ``redis.asyncio.Redis`` client (``core/attempt_gates.py`` runs its scripts)."""
        return self._redis

    def redis_key(self, key: str, rule: Rule) -> str:
        # Separate names per algorithm: a rule switched between them never meets a key of
        # the other type (WRONGTYPE).
        suffix = ":fixed" if rule.algorithm == "fixed" else ""
        return f"{self._prefix}{rule.name}:{key}{suffix}"

    async def hit(self, key: str, rule: Rule, now: float, *, count: bool = True) -> Decision:
        if rule.algorithm == "fixed":
            window = math.floor(now / rule.window_seconds)
            ttl_ms = str(rule.window_seconds * 1000 + 1000)
            allowed, used = await self._fixed(
                keys=[self.redis_key(key, rule)],
                args=[str(window), rule.limit, int(count), ttl_ms],
            )
            if allowed:
                used = int(used) - (1 if count else 0)
            return _fixed_decision(int(used), rule, now)
        # A random member: workers on other processes or nodes share the sorted set, and
        # equal members would collapse into one event and undercount.
        member = f"{now:.6f}:{secrets.token_hex(8)}"
        allowed, remaining, retry = await self._sliding(
            keys=[self.redis_key(key, rule)],
            args=[repr(now), rule.window_seconds, rule.limit, int(count), member],
        )
        retry_after = max(1, math.ceil(float(retry))) if not allowed else 0
        return Decision(bool(allowed), int(remaining), retry_after)

    async def reset(self, key: str, rule: Rule) -> None:
        await self._redis.delete(self.redis_key(key, rule))


class RateLimiter:
    """Applies named rules to hashed keys."""

    def __init__(
        self, backend: RateLimitBackend, clock: Clock, key_hasher: Callable[[str], str]
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._hash = key_hasher

    @property
    def backend(self) -> RateLimitBackend:
        return self._backend

    def key(self, *parts: str) -> str:
        """The keyed hash the backend sees for ``parts``."""
        return self._hash("\x1f".join(parts))

    def now(self) -> float:
        return self._clock.now().timestamp()

    async def hit(self, rule: Rule, *parts: str) -> Decision:
        return await self._backend.hit(self.key(*parts), rule, self._clock.now().timestamp())

    async def peek(self, rule: Rule, *parts: str) -> Decision:
        """Would the next event be allowed? Records nothing."""
        return await self._backend.hit(
            self.key(*parts), rule, self._clock.now().timestamp(), count=False
        )

    async def enforce(self, rule: Rule, *parts: str) -> None:
        """Record one event or raise ``RateLimited`` with the seconds to wait."""
        decision = await self.hit(rule, *parts)
        if not decision.allowed:
            raise RateLimited(decision.retry_after, rule.name)

    async def reset(self, rule: Rule, *parts: str) -> None:
        await self._backend.reset(self.key(*parts), rule)
