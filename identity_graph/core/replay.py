"""Replay caches: "have I seen this value before?" for one-time values such as the ``jti``
of a DPoP proof (RFC 9449 §11.1), in memory or in Redis.

The in-memory cache serves one process; Redis makes several workers and nodes agree (one
``SET NX EX``, atomic). A value is remembered for ``ttl_seconds``, the time during which a
copy would still be accepted for other reasons (its ``iat`` window), so the cache never
grows beyond what that window admits. Time comes from the injected clock in memory, so
tests move it with a ``FixedClock``; Redis expires entries on its own clock.
"""

from __future__ import annotations

import math
from typing import Protocol

from identity_graph.core.clock import Clock


class ReplayCache(Protocol):
    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is seen within ``ttl_seconds``, False after."""
        ...


class MemoryReplayCache:
    """Process-local; expired entries are swept every ``sweep_every`` checks."""

    def __init__(self, clock: Clock, sweep_every: int = 1024) -> None:
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._sweep_every = sweep_every
        self._checks = 0

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        now = self._clock.now().timestamp()
        self._checks += 1
        if self._checks % self._sweep_every == 0:
            self._seen = {name: until for name, until in self._seen.items() if until > now}
        until = self._seen.get(key)
        if until is not None and until > now:
            return False
        self._seen[key] = now + ttl_seconds
        return True


class RedisReplayCache:
    def __init__(self, client: object, prefix: str = "idg:replay:") -> None:
        from redis.asyncio import Redis

        if not isinstance(client, Redis):
            raise TypeError("RedisReplayCache needs a redis.asyncio.Redis client")
        self._redis = client
        self._prefix = prefix

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        stored = await self._redis.set(
            self._prefix + key, b"1", nx=True, ex=max(1, math.ceil(ttl_seconds))
        )
        return bool(stored)
