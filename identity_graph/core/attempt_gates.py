"""Attempt gates: the lockout checks of a guessable secret (a password login) in one step.

An attempt on a subject (an account) from an address passes three rules before its secret
is checked: no other attempt on the subject runs (a slot held for the attempt), the
subject's failures are under their limit, and the address's failures are under theirs.
Once anything has failed, a proof of work (a solved captcha) must come with the attempt.
A failure is counted in both windows; success clears the subject's window.

Each of the three moments is one call, and one Redis round trip: ``admit`` (one Lua
script: check all three rules and take the slot, or take nothing and say why), ``fail``
(one script: count in both windows and free the slot), ``release`` (one ``DEL``). The
scripts are registered once and sent by digest (``EVALSHA``). Without Redis the same rules
run on the in-process backend under one lock, which makes each call atomic there too.
The keys and window semantics are the sliding windows of ``core/ratelimit.py`` (same key
names), so ``RateLimiter.reset`` clears what these calls count.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from dataclasses import dataclass
from typing import Literal

from identity_graph.core.ratelimit import Decision, RateLimiter, RedisBackend, Rule

Outcome = Literal["admitted", "busy", "subject_locked", "address_locked", "proof_required"]


@dataclass(frozen=True)
class GateRules:
    """The slot (limit 1, expiring by itself should a worker die) and the two windows."""

    in_flight: Rule
    per_subject: Rule
    per_address: Rule


@dataclass(frozen=True)
class Admission:
    """``admitted`` means the slot is now held: ``fail`` or ``release`` must follow."""

    outcome: Outcome
    subject: Decision
    address: Decision


# KEYS: slot, subject, address. ARGV: now, slot window, subject window, subject limit,
# address window, address limit, proof offered (0/1), slot member.
# Returns {outcome, subject remaining, subject retry, address remaining, address retry}
# with outcome 1 admitted, 2 busy, 3 subject locked, 4 address locked, 5 proof required.
_ADMIT_LUA = """
local now = tonumber(ARGV[1])
local function window(key, span, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local used = redis.call('ZCARD', key)
  if used >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return limit - used, tostring(tonumber(oldest[2]) + span - now)
  end
  return limit - used, '0'
end
local slot_span = tonumber(ARGV[2])
local held = window(KEYS[1], slot_span, 1)
if held <= 0 then return {2, 0, '0', 0, '0'} end
local sub_limit = tonumber(ARGV[4])
local addr_limit = tonumber(ARGV[6])
local mine, mine_retry = window(KEYS[2], tonumber(ARGV[3]), sub_limit)
local net, net_retry = window(KEYS[3], tonumber(ARGV[5]), addr_limit)
local outcome = 1
if mine <= 0 then outcome = 3
elseif net <= 0 then outcome = 4
elseif (mine < sub_limit or net < addr_limit) and ARGV[7] ~= '1' then outcome = 5
end
if outcome == 1 then
  redis.call('ZADD', KEYS[1], now, ARGV[8])
  redis.call('PEXPIRE', KEYS[1], math.ceil(slot_span * 1000))
end
return {outcome, mine, mine_retry, net, net_retry}
"""

# KEYS: slot, subject, address. ARGV: now, subject window, subject limit, address window,
# address limit, subject member, address member. Counts one failure in each window (when
# under its limit, as ``RateLimiter.hit`` does), frees the slot, and returns each window's
# remaining count and, once full, the wait until its oldest failure leaves it.
_FAIL_LUA = """
local now = tonumber(ARGV[1])
local function count(key, span, limit, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local used = redis.call('ZCARD', key)
  if used < limit then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(span * 1000))
    used = used + 1
  end
  if used < limit then return limit - used, '0' end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return 0, tostring(tonumber(oldest[2]) + span - now)
end
local mine, mine_retry = count(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[6])
local net, net_retry = count(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[7])
redis.call('DEL', KEYS[1])
return {mine, mine_retry, net, net_retry}
"""

_OUTCOMES: dict[int, Outcome] = {
    1: "admitted",
    2: "busy",
    3: "subject_locked",
    4: "address_locked",
    5: "proof_required",
}


def _decision(remaining: int, retry: float) -> Decision:
    if remaining > 0:
        return Decision(True, remaining, 0)
    return Decision(False, 0, max(1, math.ceil(retry)))


def _member(now: float) -> str:
    # Random: several processes share a window, and equal members would collapse.
    return f"{now:.6f}:{secrets.token_hex(8)}"


class AttemptGates:
    def __init__(self, limiter: RateLimiter, rules: GateRules) -> None:
        self._limiter = limiter
        self._rules = rules
        self._lock = asyncio.Lock()  # the in-process path: one call at a time
        backend = limiter.backend
        self._redis = backend if isinstance(backend, RedisBackend) else None
        if self._redis is not None:
            self._admit_script = self._redis.client.register_script(_ADMIT_LUA)
            self._fail_script = self._redis.client.register_script(_FAIL_LUA)

    def _keys(self, subject: str, address: str) -> list[str]:
        """The Redis keys of the slot, the subject's window and the address's window."""
        assert self._redis is not None
        rules, key, named = self._rules, self._limiter.key, self._redis.redis_key
        return [
            named(key(subject), rules.in_flight),
            named(key(subject), rules.per_subject),
            named(key(address), rules.per_address),
        ]

    async def admit(self, subject: str, address: str, *, proof_offered: bool) -> Admission:
        """Check the slot, then the subject's and the address's failures, then whether a
        proof is due; take the slot only when all pass."""
        now = self._limiter.now()
        if self._redis is None:
            return await self._admit_in_process(subject, address, proof_offered)
        rules = self._rules
        outcome, mine, mine_retry, net, net_retry = await self._admit_script(
            keys=self._keys(subject, address),
            args=[
                repr(now),
                rules.in_flight.window_seconds,
                rules.per_subject.window_seconds,
                rules.per_subject.limit,
                rules.per_address.window_seconds,
                rules.per_address.limit,
                int(proof_offered),
                _member(now),
            ],
        )
        return Admission(
            _OUTCOMES[int(outcome)],
            _decision(int(mine), float(mine_retry)),
            _decision(int(net), float(net_retry)),
        )

    async def fail(self, subject: str, address: str) -> tuple[Decision, Decision]:
        """Count a failure for the subject and the address and free the slot. A window
        left full answers the wait until it has room again."""
        if self._redis is None:
            return await self._fail_in_process(subject, address)
        now = self._limiter.now()
        rules = self._rules
        mine, mine_retry, net, net_retry = await self._fail_script(
            keys=self._keys(subject, address),
            args=[
                repr(now),
                rules.per_subject.window_seconds,
                rules.per_subject.limit,
                rules.per_address.window_seconds,
                rules.per_address.limit,
                _member(now),
                _member(now),
            ],
        )
        return _decision(int(mine), float(mine_retry)), _decision(int(net), float(net_retry))

    async def release(self, subject: str, *, clear_failures: bool) -> None:
        """Free the slot; after a success also forget the subject's failures."""
        rules = self._rules
        pairs = [(rules.in_flight, subject)]
        if clear_failures:
            pairs.append((rules.per_subject, subject))
        if self._redis is None:
            async with self._lock:
                for rule, part in pairs:
                    await self._limiter.reset(rule, part)
            return
        named, key = self._redis.redis_key, self._limiter.key
        await self._redis.client.delete(*(named(key(part), rule) for rule, part in pairs))

    async def _admit_in_process(self, subject: str, address: str, proof: bool) -> Admission:
        rules, limiter = self._rules, self._limiter
        async with self._lock:
            slot = await limiter.peek(rules.in_flight, subject)
            mine = await limiter.peek(rules.per_subject, subject)
            net = await limiter.peek(rules.per_address, address)
            if not slot.allowed:
                return Admission("busy", mine, net)
            if not mine.allowed:
                return Admission("subject_locked", mine, net)
            if not net.allowed:
                return Admission("address_locked", mine, net)
            failed = mine.remaining < rules.per_subject.limit
            if (failed or net.remaining < rules.per_address.limit) and not proof:
                return Admission("proof_required", mine, net)
            await limiter.hit(rules.in_flight, subject)
            return Admission("admitted", mine, net)

    async def _fail_in_process(self, subject: str, address: str) -> tuple[Decision, Decision]:
        rules, limiter = self._rules, self._limiter
        async with self._lock:
            await limiter.hit(rules.per_subject, subject)
            await limiter.hit(rules.per_address, address)
            mine = await limiter.peek(rules.per_subject, subject)
            net = await limiter.peek(rules.per_address, address)
            await limiter.reset(rules.in_flight, subject)
        return mine, net
