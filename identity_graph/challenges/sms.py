"""SMS codes: purpose-bound, 6 digits, 5 minutes, single use, at most 5 tries (SPEC §5).

```mermaid
stateDiagram-v2
    [*] --> issued: request() — captcha passed, within send limits; code queued in the outbox
    issued --> superseded: a newer code was requested for the same phone and purpose
    issued --> used: verify() with the right code (atomic claim: one winner)
    issued --> exhausted: the 5th wrong try
    issued --> [*]: expires_at passes (verify answers SMS_CODE_EXPIRED)
```

Sending is limited per phone (one a minute, a daily cap) and per client IP. The answer to
``request`` is the same whether or not an account uses the phone (anti-enumeration).
The captcha is verified (and burned) in its own statement before the transaction opens,
so a failed request cannot roll the captcha back to usable.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from identity_graph.challenges.captcha import CaptchaService
from identity_graph.challenges.models import SmsChallenge, SmsCodeState, SmsPurpose
from identity_graph.core.clock import Clock
from identity_graph.core.crypto import BlindIndex
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.secrets import SecretHasher, numeric_code
from identity_graph.core.validators import Checks, normalize_mobile
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel

MESSAGES = {
    "SMS_CODE_SENT": (
        "如该号码可以接收短信，验证码已发送，请查收",
        "If this number can receive SMS, a code is on its way",
    ),
    "SMS_CODE_WRONG": ("短信验证码错误", "Wrong SMS code"),
    "SMS_CODE_EXPIRED": (
        "短信验证码已过期，请重新获取",
        "The SMS code has expired; request a new one",
    ),
    "SMS_CODE_USED": (
        "短信验证码已使用，请重新获取",
        "The SMS code was already used; request a new one",
    ),
    "SMS_CODE_EXHAUSTED": (
        "短信验证码错误次数过多，请重新获取",
        "Too many wrong tries; request a new code",
    ),
    "SMS_CODE_NOT_REQUESTED": ("请先获取短信验证码", "Request an SMS code first"),
}


@dataclass(frozen=True)
class SmsCodeSent:
    expires_at: datetime
    resend_after_seconds: int


@dataclass(frozen=True)
class SmsPolicy:
    ttl_seconds: int = 300
    max_attempts: int = 5
    resend_seconds: int = 60
    daily_cap_per_phone: int = 10
    hourly_cap_per_ip: int = 30


class SmsCodeService:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        blind_index: BlindIndex,
        limiter: RateLimiter,
        captcha: CaptchaService,
        notifier: Notifier,
        policy: SmsPolicy,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._index = blind_index
        self._limiter = limiter
        self._captcha = captcha
        self._notifier = notifier
        self._policy = policy
        self._resend = Rule("sms_resend_phone", 1, policy.resend_seconds)
        self._daily = Rule("sms_daily_phone", policy.daily_cap_per_phone, 86_400)
        self._per_ip = Rule("sms_hourly_ip", policy.hourly_cap_per_ip, 3_600)

    async def request(
        self,
        purpose: SmsPurpose,
        phone: str,
        captcha_id: str | None,
        captcha_answer: str | None,
        *,
        client_ip: str,
        locale: Locale,
    ) -> SmsCodeSent:
        """Send a fresh code for ``purpose`` to ``phone`` after the captcha and send limits."""
        # Both fields' errors at once: a bad number and a missing captcha answer (the captcha
        # itself is spent only once the number is good).
        checks = Checks()
        number = checks.run(normalize_mobile, phone, "phone")
        if not (captcha_id and captcha_answer):
            checks.fail("captchaAnswer", "CAPTCHA_REQUIRED")
        checks.raise_if_any()
        assert number is not None
        await self._captcha.verify(captcha_id, captcha_answer, "captchaAnswer")
        await self._limiter.enforce(self._per_ip, client_ip)
        await self._limiter.enforce(self._resend, number)
        await self._limiter.enforce(self._daily, number)
        code = numeric_code(6)
        now = self._clock.now()
        phone_index = self._index("phone", number)
        async with in_transaction():
            await SmsChallenge.filter(
                phone_index=phone_index, purpose=purpose, state=SmsCodeState.ISSUED
            ).update(state=SmsCodeState.SUPERSEDED)
            challenge = await SmsChallenge.create(
                id=uuid.uuid4(),
                purpose=purpose,
                phone_index=phone_index,
                code_hmac=self._hasher.digest(f"sms:{purpose.value}", code),
                max_attempts=self._policy.max_attempts,
                created_at=now,
                expires_at=now + timedelta(seconds=self._policy.ttl_seconds),
            )
            await self._notifier.send(
                Channel.SMS,
                "sms_code",
                number,
                {"code": code, "minutes": self._policy.ttl_seconds // 60, "purpose": purpose.value},
                locale,
            )
        return SmsCodeSent(challenge.expires_at, self._policy.resend_seconds)

    async def verify(
        self, purpose: SmsPurpose, phone: str, code: str, field: str = "smsCode"
    ) -> None:
        """Consume the current code for ``purpose`` and ``phone``, or raise on ``field``.

        Call it outside the caller's transaction, like the captcha: a wrong try must count
        even when the caller's change is rolled back.
        """
        number = normalize_mobile(phone, "phone")
        challenge = await (
            SmsChallenge.filter(phone_index=self._index("phone", number), purpose=purpose)
            .exclude(state=SmsCodeState.SUPERSEDED)
            .order_by("-created_at")
            .first()
        )
        if challenge is None:
            raise ValidationFailed.single(field, "SMS_CODE_NOT_REQUESTED")
        if challenge.state == SmsCodeState.USED:
            raise ValidationFailed.single(field, "SMS_CODE_USED")
        if challenge.state == SmsCodeState.EXHAUSTED:
            raise ValidationFailed.single(field, "SMS_CODE_EXHAUSTED")
        if challenge.is_expired(self._clock):
            raise ValidationFailed.single(field, "SMS_CODE_EXPIRED")
        # Full-width digits (typed in a Chinese input mode) are the same code.
        await self._try(challenge, unicodedata.normalize("NFKC", code).strip(), field)

    async def _try(self, challenge: SmsChallenge, code: str, field: str) -> None:
        counted = await SmsChallenge.filter(
            id=challenge.id, state=SmsCodeState.ISSUED, attempts__lt=challenge.max_attempts
        ).update(attempts=F("attempts") + 1)
        if not counted:
            raise ValidationFailed.single(field, "SMS_CODE_EXHAUSTED")
        if not self._hasher.matches(f"sms:{challenge.purpose.value}", code, challenge.code_hmac):
            if challenge.attempts + 1 >= challenge.max_attempts:
                await SmsChallenge.filter(id=challenge.id, state=SmsCodeState.ISSUED).update(
                    state=SmsCodeState.EXHAUSTED
                )
            raise ValidationFailed.single(field, "SMS_CODE_WRONG")
        claimed = await SmsChallenge.filter(id=challenge.id, state=SmsCodeState.ISSUED).update(
            state=SmsCodeState.USED, used_at=self._clock.now()
        )
        if not claimed:
            raise ValidationFailed.single(field, "SMS_CODE_USED")
