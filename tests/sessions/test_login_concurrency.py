"""Twenty concurrent wrong passwords for one account, over HTTP with the Redis gates
(``core/attempt_gates.py``): each is retried while another attempt holds the account's
slot, and the account locks at exactly the fifth failure; the other fifteen are refused
by the lockout without their password being checked. The audit log shows five failures
and one lockout."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import login
from tests.graphql.helpers import solved_captcha
from tests.graphql.test_lockout import WRONG, redis_container, resident, served

__all__ = ["redis_container"]


async def test_twenty_concurrent_wrong_passwords_lock_at_the_fifth(hooks, redis_container):
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"  # Redis outlives the test database
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    async with served(redis_container, address) as gql:
        account_id = await resident(gql, hooks, redis_container, phone=phone)
        captchas = [await solved_captcha(gql, hooks) for _ in range(20)]

        async def guess(captcha: tuple[str, str]) -> dict[str, Any]:
            while True:
                answer = await login(gql, "NATURAL_PERSON", "zhangsan", WRONG, captcha=captcha)
                if answer["__typename"] != "RateLimitedError":  # another attempt runs
                    return answer
                await asyncio.sleep(0)

        answers = await asyncio.gather(*(guess(captcha) for captcha in captchas))

    refused = sorted(a["remainingAttempts"] for a in answers if a["code"] == "INVALID_CREDENTIALS")
    locked = [a for a in answers if a["code"] == "ACCOUNT_TEMPORARILY_LOCKED"]
    assert refused == [1, 2, 3, 4]
    assert len(locked) == 16
    events = await AuditEvent.filter(subject_id=account_id, action__startswith="login.")
    assert sorted((event.action, event.outcome) for event in events) == [
        ("login.lockout", "lockout"),
        *[("login.password", "failure")] * 5,
    ]
