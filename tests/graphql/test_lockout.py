"""Login captcha escalation and lockout over HTTP (SPEC §3, ``sessions/login.py``): a captcha
after the first failure, a 15-minute lockout after the 5th, per-address blocking across
accounts, the same answers for names that do not exist, and thresholds from settings."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.core.audit import AuditEvent
from identity_graph.sessions.tokens import LoginSession
from tests.graphql.accounts_helpers import USCC, login, register_enterprise, register_person
from tests.graphql.helpers import solved_captcha

WRONG = "Wrong#Pass2026"
WINDOW = timedelta(minutes=15)
OTHER_ADDRESS = "198.51.100.9"


async def resident(gql, hooks, container, login_name: str = "zhangsan", **overrides) -> str:
    result = await register_person(gql, hooks, container, login_name=login_name, **overrides)
    assert result["__typename"] == "Registered", result
    return str(result["account"]["id"])


@asynccontextmanager
async def served(container: Container, address: str) -> AsyncIterator[Any]:
    """A ``gql`` function for an app built on ``container``, seen from ``address``."""
    app = create_app(container.settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:

        async def send(query: str, variables: dict[str, Any] | None = None, **kw: Any):
            headers = {"Accept-Language": kw["language"]} if kw.get("language") else {}
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        yield send


async def attempt(gql, hooks, identifier: str, password: str = WRONG, kind="NATURAL_PERSON"):
    """A login with a freshly solved captcha."""
    return await login(gql, kind, identifier, password, captcha=await solved_captcha(gql, hooks))


def unlock_at(result: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(result["unlockAt"])


# --- captcha escalation --------------------------------------------------------------------


async def test_a_failure_requires_a_captcha_even_with_the_right_password(gql, hooks, container):
    await resident(gql, hooks, container)
    await resident(
        gql, hooks, container, "lisi2026", phone="13712345678", idNumber="11010519491231002X"
    )
    # Nothing failed yet: no captcha needed.
    first = await login(gql, "NATURAL_PERSON", "zhangsan", WRONG)
    assert first["__typename"] == "LoginRefusedError"
    assert first["remainingAttempts"] == 4

    for identifier in ("zhangsan", "lisi2026"):  # the address has failed: every account asks
        needs = await login(gql, "NATURAL_PERSON", identifier)
        assert needs == {
            "__typename": "CaptchaRequiredError",
            "code": "CAPTCHA_REQUIRED",
            "message": "请输入图形验证码",
        }
    # Half a captcha is no captcha.
    captcha_id, _ = await solved_captcha(gql, hooks)
    body = await gql(
        """mutation($input: LoginInput!) { login(input: $input) { __typename
             ... on CaptchaRequiredError { code } } }""",
        {
            "input": {
                "kind": "NATURAL_PERSON",
                "identifier": "zhangsan",
                "password": "x",
                "captchaId": captcha_id,
            }
        },
    )
    assert body["data"]["login"] == {
        "__typename": "CaptchaRequiredError",
        "code": "CAPTCHA_REQUIRED",
    }
    assert await LoginSession.all().count() == 0
    # A CaptchaRequired answer is not a failure: 3 attempts are left after the next one.
    second = await attempt(gql, hooks, "zhangsan")
    assert second["remainingAttempts"] == 3

    ok = await attempt(gql, hooks, "zhangsan", "Secret#2026x")
    assert ok["__typename"] == "SessionTokens", ok
    assert await LoginSession.all().count() == 1


async def test_a_wrong_or_reused_captcha_is_refused_and_not_counted(gql, hooks, container):
    await resident(gql, hooks, container)
    assert (await login(gql, "NATURAL_PERSON", "zhangsan", WRONG))["remainingAttempts"] == 4

    captcha_id, answer = await solved_captcha(gql, hooks)
    wrong_answer = "Z" if answer[0] != "Z" else "Y"
    wrong = await login(
        gql, "NATURAL_PERSON", "zhangsan", "Secret#2026x", captcha=(captcha_id, wrong_answer * 5)
    )
    assert wrong["__typename"] == "ValidationErrors", wrong
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [
        ("captchaAnswer", "CAPTCHA_WRONG")
    ]
    # The captcha burned with the wrong answer; its right answer no longer helps.
    reused = await login(gql, "NATURAL_PERSON", "zhangsan", captcha=(captcha_id, answer))
    assert [(e["field"], e["code"]) for e in reused["errors"]] == [
        ("captchaAnswer", "CAPTCHA_USED")
    ]
    unknown = await login(gql, "NATURAL_PERSON", "zhangsan", captcha=(str(uuid.uuid4()), "ABCDE"))
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [
        ("captchaAnswer", "CAPTCHA_INVALID")
    ]
    assert await LoginSession.all().count() == 0
    # None of those counted as a password failure.
    assert (await attempt(gql, hooks, "zhangsan"))["remainingAttempts"] == 3
    # The answer is case-insensitive.
    captcha_id, answer = await solved_captcha(gql, hooks)
    ok = await login(gql, "NATURAL_PERSON", "zhangsan", captcha=(captcha_id, answer.lower()))
    assert ok["__typename"] == "SessionTokens", ok


# --- per-account lockout ---------------------------------------------------------------------


async def test_fifth_failure_locks_the_account_for_fifteen_minutes(gql, hooks, container, clock):
    account_id = await resident(gql, hooks, container)
    started = clock.now()
    remaining = []
    for _ in range(4):
        result = await attempt(gql, hooks, "zhangsan")
        assert result["code"] == "INVALID_CREDENTIALS"
        assert result["unlockAt"] is None
        remaining.append(result["remainingAttempts"])
        clock.advance(seconds=10)
    assert remaining == [4, 3, 2, 1]

    fifth = await attempt(gql, hooks, "zhangsan")
    assert fifth["__typename"] == "LoginRefusedError"
    assert fifth["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    assert fifth["remainingAttempts"] is None
    # The window slides from the oldest failure.
    assert unlock_at(fifth) == started + WINDOW
    assert fifth["message"] == "登录失败次数过多，请于 2026-11-23 10:15:00 (UTC+8) 后再试"
    assert await AuditEvent.filter(action="login.lockout", subject_id=account_id).count() == 1

    # During the lockout even the right password (by name or phone) is refused.
    clock.advance(minutes=10)
    for identifier in ("zhangsan", "ZhangSan", "13812345678"):
        during = await attempt(gql, hooks, identifier, "Secret#2026x")
        assert during["code"] == "ACCOUNT_TEMPORARILY_LOCKED", during
        assert unlock_at(during) == started + WINDOW
    without_captcha = await login(gql, "NATURAL_PERSON", "zhangsan", language="en")
    assert without_captcha["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    assert "2026-11-23 10:15:00" in without_captcha["message"]
    assert without_captcha["message"].startswith("Too many failed logins; try again after")
    assert await LoginSession.all().count() == 0

    # When the oldest failure leaves the window one attempt is allowed again.
    clock.set(started + WINDOW)
    ok = await attempt(gql, hooks, "zhangsan", "Secret#2026x")
    assert ok["__typename"] == "SessionTokens", ok


async def test_right_password_works_after_the_window(gql, hooks, container, clock):
    await resident(gql, hooks, container)
    for _ in range(5):
        last = await attempt(gql, hooks, "zhangsan")
    assert last["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    assert unlock_at(last) == clock.now() + WINDOW
    clock.advance(seconds=899)
    assert (await attempt(gql, hooks, "zhangsan", "Secret#2026x"))["code"] == (
        "ACCOUNT_TEMPORARILY_LOCKED"
    )
    clock.advance(seconds=2)
    ok = await attempt(gql, hooks, "zhangsan", "Secret#2026x")
    assert ok["__typename"] == "SessionTokens", ok
    # The counter starts over.
    assert (await attempt(gql, hooks, "zhangsan"))["remainingAttempts"] == 4


async def test_success_resets_the_account_counter(gql, hooks, container):
    await resident(gql, hooks, container)
    assert [(await attempt(gql, hooks, "zhangsan"))["remainingAttempts"] for _ in range(3)] == [
        4,
        3,
        2,
    ]
    assert (await attempt(gql, hooks, "zhangsan", "Secret#2026x"))["__typename"] == "SessionTokens"
    assert [(await attempt(gql, hooks, "zhangsan"))["remainingAttempts"] for _ in range(4)] == [
        4,
        3,
        2,
        1,
    ]
    assert (await attempt(gql, hooks, "zhangsan"))["code"] == "ACCOUNT_TEMPORARILY_LOCKED"


async def test_unknown_names_are_locked_out_exactly_like_accounts(gql, hooks, container, clock):
    await resident(gql, hooks, container)
    for round_ in range(6):
        known = await attempt(gql, hooks, "zhangsan")
        unknown = await attempt(gql, hooks, "wangwu88")
        assert known == unknown, round_
        clock.advance(seconds=1)
    assert known["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    assert unlock_at(known) == clock.now() - timedelta(seconds=6) + WINDOW
    # An unknown name is counted case-insensitively, like a login name.
    assert (await attempt(gql, hooks, "WangWu88"))["code"] == "ACCOUNT_TEMPORARILY_LOCKED"


@pytest.mark.parametrize(
    ("kind", "registered", "registered_variant", "unregistered", "unregistered_variant"),
    [
        (
            "NATURAL_PERSON",
            "13812345678",
            "+86 138 1234 5678",
            "13700001111",
            "+86 137 0000 1111",
        ),
        (
            "ENTERPRISE",
            USCC,
            "913501 00M000 100Y43",
            "91110108MA01ABCDEN",
            "911101 08MA01 ABCDEN",
        ),
    ],
    ids=["mobile-number", "credit-code"],
)
async def test_an_identifier_locks_out_alike_in_every_format(
    gql, hooks, container, kind, registered, registered_variant, unregistered, unregistered_variant
):
    """A registered phone or credit code is counted under its account however it is typed;
    an unregistered one must be counted alike, or the difference tells which have accounts."""
    if kind == "ENTERPRISE":
        assert (await register_enterprise(gql, hooks, container))["__typename"] == "Registered"
    else:
        await resident(gql, hooks, container)
    for _ in range(5):
        known = await attempt(gql, hooks, registered, kind=kind)
        unknown = await attempt(gql, hooks, unregistered, kind=kind)
        assert known == unknown
    assert known["code"] == "ACCOUNT_TEMPORARILY_LOCKED"

    known = await attempt(gql, hooks, registered_variant, kind=kind)
    unknown = await attempt(gql, hooks, unregistered_variant, kind=kind)
    assert known["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    assert unknown == known


async def test_concurrent_guesses_cannot_outrun_the_lockout(gql, hooks, container, monkeypatch):
    """Twenty wrong guesses sent at once: the lockout bounds how many passwords are
    checked (5), not only how many failures are answered."""
    await resident(gql, hooks, container)
    checked: list[str] = []
    verify = container.passwords.verify

    async def counting(stored: str, password: str) -> bool:
        checked.append(password)
        return await verify(stored, password)

    monkeypatch.setattr(container.passwords, "verify", counting)
    results = await asyncio.gather(
        *(login(gql, "NATURAL_PERSON", "zhangsan", f"Guess#{n:04d}x") for n in range(20))
    )
    codes = sorted(result["code"] for result in results)
    assert len(checked) <= 5, codes
    failures = await AuditEvent.filter(action="login.password", outcome="failure").count()
    assert failures <= 5
    assert codes.count("INVALID_CREDENTIALS") <= 4


# --- per-address blocking --------------------------------------------------------------------


async def test_many_failures_from_one_address_block_it_for_every_account(
    gql, hooks, container, clock
):
    await resident(gql, hooks, container)
    fresh_id = await resident(
        gql, hooks, container, "lisi2026", phone="13712345678", idNumber="11010519491231002X"
    )
    started = clock.now()
    names = ["ghost01", "zhangsan", "ghost03", "GHOST04", "13700001111"]
    answers = []
    for name in names:  # 5 names x 4 failures = 20: no single name is locked out
        for _ in range(4):
            result = await attempt(gql, hooks, name)
            answers.append((result["code"], result["remainingAttempts"]))
        clock.advance(seconds=15)  # captchas are limited per address per minute
    assert answers == [("INVALID_CREDENTIALS", n) for n in (4, 3, 2, 1)] * 5

    for identifier in ("lisi2026", "13712345678", "ghost99"):
        blocked = await attempt(gql, hooks, identifier, "Secret#2026x")
        assert blocked["__typename"] == "LoginRefusedError", blocked
        assert blocked["code"] == "ADDRESS_TEMPORARILY_BLOCKED"
        assert blocked["remainingAttempts"] is None
        assert unlock_at(blocked) == started + WINDOW
        assert blocked["message"] == (
            "当前网络登录失败次数过多，请于 2026-11-23 10:15:00 (UTC+8) 后再试"
        )
    assert await LoginSession.all().count() == 0

    # Another address is not affected: the fresh account logs in without a captcha there.
    async with served(container, OTHER_ADDRESS) as elsewhere:
        ok = await login(elsewhere, "NATURAL_PERSON", "lisi2026")
        assert ok["__typename"] == "SessionTokens", ok
        assert ok["account"]["id"] == fresh_id
        # zhangsan's own counter stands at 4 failures: a captcha, then in.
        assert (await login(elsewhere, "NATURAL_PERSON", "zhangsan"))["code"] == (
            "CAPTCHA_REQUIRED"
        )
        ok = await attempt(elsewhere, hooks, "zhangsan", "Secret#2026x")
        assert ok["__typename"] == "SessionTokens", ok

    clock.set(started + WINDOW + timedelta(seconds=1))
    ok = await attempt(gql, hooks, "lisi2026", "Secret#2026x")
    assert ok["__typename"] == "SessionTokens", ok


async def test_lockout_threshold_comes_from_settings(gql, hooks, db, settings, clock):
    strict = Container(settings.model_copy(update={"login_max_failures": 3}), clock, hooks)
    try:
        async with served(strict, "203.0.113.20") as strict_gql:
            await resident(strict_gql, hooks, strict)
            first = await login(strict_gql, "NATURAL_PERSON", "zhangsan", WRONG)
            assert first["remainingAttempts"] == 2
            assert (await attempt(strict_gql, hooks, "zhangsan"))["remainingAttempts"] == 1
            third = await attempt(strict_gql, hooks, "zhangsan")
            assert third["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
            assert unlock_at(third) == clock.now() + WINDOW
            right = await attempt(strict_gql, hooks, "zhangsan", "Secret#2026x")
            assert right["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    finally:
        await strict.aclose()


# --- Redis backend ---------------------------------------------------------------------------


@pytest.fixture
async def redis_container(db, settings, clock, hooks, redis_url) -> AsyncIterator[Container]:
    probe = Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        await probe.ping()
    except (RedisError, OSError) as exc:
        await probe.aclose()
        pytest.skip(f"Redis unreachable at {redis_url}: {exc}")
    before = set(await probe.keys("idg:rl:*"))
    services = Container(settings.model_copy(update={"redis_url": redis_url}), clock, hooks)
    try:
        yield services
    finally:
        await services.aclose()
        created = set(await probe.keys("idg:rl:*")) - before
        if created:
            await probe.delete(*created)
        await probe.aclose()


async def test_lockout_with_the_redis_backend(hooks, redis_container, clock, redis_url):
    # A random documentation-range address and phone number: Redis outlives the test
    # database, so runs must not share a counter (the keys made here are deleted after).
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    async with served(redis_container, address) as redis_gql:
        await resident(redis_gql, hooks, redis_container, phone=phone)
        remaining = [
            (await attempt(redis_gql, hooks, "zhangsan"))["remainingAttempts"] for _ in range(4)
        ]
        assert remaining == [4, 3, 2, 1]
        fifth = await attempt(redis_gql, hooks, "zhangsan")
        assert fifth["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
        assert unlock_at(fifth) == clock.now() + WINDOW
        needs = await login(redis_gql, "NATURAL_PERSON", "zhangsan")
        assert needs["code"] == "ACCOUNT_TEMPORARILY_LOCKED"

        client = Redis.from_url(redis_url)
        try:
            keys = [key.decode() for key in await client.keys("idg:rl:login_fail_*")]
        finally:
            await client.aclose()
        assert any(key.startswith("idg:rl:login_fail_account:") for key in keys)
        assert not any(address in key or "zhangsan" in key for key in keys)

        clock.advance(seconds=901)
        ok = await attempt(redis_gql, hooks, "zhangsan", "Secret#2026x")
        assert ok["__typename"] == "SessionTokens", ok
