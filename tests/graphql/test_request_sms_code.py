"""``requestSmsCode`` over HTTP: the code lands in the outbox, captchas are single use,
send limits per phone and per IP, typed errors in zh-CN and en, nothing written on refusal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from identity_graph.challenges.models import SmsChallenge, SmsPurpose
from identity_graph.challenges.sms import SmsCodeService
from identity_graph.core.errors import ValidationFailed
from identity_graph.notifications.models import NotificationMessage
from tests.graphql.helpers import REQUEST_SMS_CODE, request_code, solved_captcha

PHONE = "13812345678"


async def latest_code(container, phone: str = PHONE) -> str:
    messages = await container.notifier.list_messages(destination=phone, limit=1)
    match = re.search(r"\b(\d{6})\b", messages[0].text)
    assert match, messages[0].text
    return match.group(1)


async def test_code_is_sent_to_the_outbox(gql, hooks, container):
    result = await request_code(gql, hooks, PHONE)
    assert result["__typename"] == "SmsCodeSent"
    assert result["resendAfterSeconds"] == 60
    messages = await container.notifier.list_messages(destination=PHONE)
    assert len(messages) == 1
    assert messages[0].template == "sms_code"
    assert "注册验证码" in messages[0].text and "5 分钟" in messages[0].text
    stored = await NotificationMessage.get(id=messages[0].id)
    assert PHONE not in stored.destination_enc and PHONE not in stored.body_enc


async def test_english_message_by_accept_language(gql, hooks, container):
    result = await request_code(gql, hooks, PHONE, language="en-US,en;q=0.9")
    assert result["message"].startswith("If this number")
    messages = await container.notifier.list_messages(destination=PHONE)
    assert "registration code" in messages[0].text


async def test_full_width_and_prefixed_numbers_are_normalised(gql, hooks, container):
    result = await request_code(gql, hooks, "+86 １３８ １２３４ ５６７８")
    assert result["__typename"] == "SmsCodeSent"
    assert len(await container.notifier.list_messages(destination=PHONE)) == 1


@pytest.mark.parametrize(
    "phone", ["12812345678", "1381234567", "abc", "'; DROP TABLE accounts;--", "138\x0012345678"]
)
async def test_bad_phone_is_a_field_error_and_writes_nothing(gql, hooks, phone):
    result = await request_code(gql, hooks, phone)
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"][0]["field"] == "phone"
    assert result["errors"][0]["code"] in {"PHONE_INVALID", "CONTROL_CHARACTERS"}
    assert await SmsChallenge.all().count() == 0
    assert await NotificationMessage.all().count() == 0


async def test_wrong_captcha(gql, hooks):
    result = await request_code(gql, hooks, PHONE, captchaAnswer="WRONG")
    assert result["errors"] == [
        {
            "field": "captchaAnswer",
            "code": "CAPTCHA_WRONG",
            "message": "图形验证码错误，请刷新后重试",
        }
    ]
    assert await NotificationMessage.all().count() == 0


async def test_wrong_answer_burns_the_captcha(gql, hooks):
    captcha_id, answer = await solved_captcha(gql, hooks)
    base = {"purpose": "REGISTER", "phone": PHONE, "captchaId": captcha_id}
    first = await gql(REQUEST_SMS_CODE, {"input": {**base, "captchaAnswer": "NOPE1"}})
    assert first["data"]["requestSmsCode"]["errors"][0]["code"] == "CAPTCHA_WRONG"
    second = await gql(REQUEST_SMS_CODE, {"input": {**base, "captchaAnswer": answer}})
    assert second["data"]["requestSmsCode"]["errors"][0]["code"] == "CAPTCHA_USED"


async def test_captcha_is_single_use_and_case_insensitive(gql, hooks):
    captcha_id, answer = await solved_captcha(gql, hooks)
    variables = {
        "purpose": "REGISTER",
        "phone": PHONE,
        "captchaId": captcha_id,
        "captchaAnswer": answer.lower(),
    }
    first = await gql(REQUEST_SMS_CODE, {"input": variables})
    assert first["data"]["requestSmsCode"]["__typename"] == "SmsCodeSent"
    again = await gql(REQUEST_SMS_CODE, {"input": {**variables, "phone": "13912345678"}})
    assert again["data"]["requestSmsCode"]["errors"][0]["code"] == "CAPTCHA_USED"


async def test_expired_and_unknown_captcha(gql, hooks, clock):
    captcha_id, answer = await solved_captcha(gql, hooks)
    clock.advance(minutes=6)
    variables = {
        "purpose": "REGISTER",
        "phone": PHONE,
        "captchaId": captcha_id,
        "captchaAnswer": answer,
    }
    expired = await gql(REQUEST_SMS_CODE, {"input": variables})
    assert expired["data"]["requestSmsCode"]["errors"][0]["code"] == "CAPTCHA_EXPIRED"
    unknown = await gql(REQUEST_SMS_CODE, {"input": {**variables, "captchaId": "not-a-uuid"}})
    assert unknown["data"]["requestSmsCode"]["errors"][0]["code"] == "CAPTCHA_INVALID"


async def test_one_code_per_minute_per_phone(gql, hooks, clock):
    assert (await request_code(gql, hooks, PHONE))["__typename"] == "SmsCodeSent"
    clock.advance(seconds=20)
    limited = await request_code(gql, hooks, PHONE, language="en")
    assert limited["__typename"] == "RateLimitedError"
    assert limited["scope"] == "sms_resend_phone"
    assert limited["retryAfter"] == 40
    assert "40 seconds" in limited["message"]
    clock.advance(seconds=41)
    assert (await request_code(gql, hooks, PHONE))["__typename"] == "SmsCodeSent"


async def test_daily_cap_per_phone(gql, hooks, clock):
    for _ in range(10):
        assert (await request_code(gql, hooks, PHONE))["__typename"] == "SmsCodeSent"
        clock.advance(seconds=61)
    capped = await request_code(gql, hooks, PHONE)
    assert capped["__typename"] == "RateLimitedError"
    assert capped["scope"] == "sms_daily_phone"


async def test_hourly_cap_per_ip(gql, hooks, settings, clock):
    for index in range(settings.sms_hourly_cap_per_ip):
        result = await request_code(gql, hooks, f"139{index:08d}")
        assert result["__typename"] == "SmsCodeSent"
        clock.advance(seconds=2)  # stay under the captcha limit of 30 a minute per IP
    capped = await request_code(gql, hooks, "13700000000")
    assert capped["__typename"] == "RateLimitedError"
    assert capped["scope"] == "sms_hourly_ip"


async def test_new_code_supersedes_the_old_one(gql, hooks, clock, container):
    await request_code(gql, hooks, PHONE)
    old = await latest_code(container)
    clock.advance(seconds=61)
    await request_code(gql, hooks, PHONE)
    new = await latest_code(container)
    sms: SmsCodeService = container.sms
    if old != new:
        with pytest.raises(ValidationFailed) as wrong:
            await sms.verify(SmsPurpose.REGISTER, PHONE, old)
        assert wrong.value.errors[0].code == "SMS_CODE_WRONG"
    await sms.verify(SmsPurpose.REGISTER, PHONE, new)


async def test_code_verification_rules(gql, hooks, clock, container):
    sms: SmsCodeService = container.sms
    with pytest.raises(ValidationFailed) as none:
        await sms.verify(SmsPurpose.REGISTER, PHONE, "123456")
    assert none.value.errors[0].code == "SMS_CODE_NOT_REQUESTED"
    await request_code(gql, hooks, PHONE)
    code = await latest_code(container)
    with pytest.raises(ValidationFailed) as other_purpose:
        await sms.verify(SmsPurpose.LOGIN, PHONE, code)
    assert other_purpose.value.errors[0].code == "SMS_CODE_NOT_REQUESTED"
    await sms.verify(SmsPurpose.REGISTER, PHONE, code)
    with pytest.raises(ValidationFailed) as reused:
        await sms.verify(SmsPurpose.REGISTER, PHONE, code)
    assert reused.value.errors[0].code == "SMS_CODE_USED"
    clock.advance(seconds=61)
    await request_code(gql, hooks, PHONE)
    clock.advance(timedelta(minutes=5, seconds=1))
    with pytest.raises(ValidationFailed) as expired:
        await sms.verify(SmsPurpose.REGISTER, PHONE, await latest_code(container))
    assert expired.value.errors[0].code == "SMS_CODE_EXPIRED"


async def test_five_wrong_tries_exhaust_the_code(gql, hooks, container):
    sms: SmsCodeService = container.sms
    await request_code(gql, hooks, PHONE)
    code = await latest_code(container)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailed) as failure:
            await sms.verify(SmsPurpose.REGISTER, PHONE, wrong)
        assert failure.value.errors[0].code == "SMS_CODE_WRONG"
    with pytest.raises(ValidationFailed) as exhausted:
        await sms.verify(SmsPurpose.REGISTER, PHONE, code)
    assert exhausted.value.errors[0].code == "SMS_CODE_EXHAUSTED"


async def test_concurrent_redemptions_have_one_winner(gql, hooks, container):
    import asyncio

    sms: SmsCodeService = container.sms
    await request_code(gql, hooks, PHONE)
    code = await latest_code(container)
    results = await asyncio.gather(
        *[sms.verify(SmsPurpose.REGISTER, PHONE, code) for _ in range(8)], return_exceptions=True
    )
    assert sum(result is None for result in results) == 1
    assert all(isinstance(result, ValidationFailed) for result in results if result is not None)


async def test_workers_sharing_redis_agree_on_send_limits(db, settings, clock, redis_url):
    """Two containers (two worker processes) with one Redis: the second sees the first's send."""
    import secrets

    import redis.asyncio as redis_asyncio
    from pydantic import SecretStr

    from identity_graph.challenges.models import SmsPurpose
    from identity_graph.container import Container, TestHooks
    from identity_graph.core.errors import RateLimited

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
    first, second = (Container(shared, clock=clock, test_hooks=hooks) for _ in range(2))

    async def send(worker: Container, client_ip: str) -> None:
        issued = await worker.captcha.issue(client_ip)
        answer = hooks.captcha_answers[issued.id]
        await worker.sms.request(
            SmsPurpose.LOGIN, PHONE, str(issued.id), answer, client_ip=client_ip, locale="zh-CN"
        )

    try:
        await send(first, "198.51.100.1")
        with pytest.raises(RateLimited) as limited:
            await send(second, "198.51.100.2")
        assert limited.value.scope == "sms_resend_phone"
    finally:
        await first.aclose()
        await second.aclose()
