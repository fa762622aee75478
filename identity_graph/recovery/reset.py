"""Password reset by login name (登录名重置密码; SPEC §5, seed 002 §3.1.1 and §3.2.1, seed 004 §三).

```mermaid
stateDiagram-v2
    [*] --> code_sent: start — captcha passed, within send limits; code sent if the input matches
    note right of code_sent: no match = a decoy flow whose code is never sent (same answer)
    code_sent --> code_sent: complete with a wrong code (counted; at most 5 tries)
    code_sent --> exhausted: the 5th wrong code
    code_sent --> superseded: a newer reset was started for the same account
    code_sent --> completed: right code (atomic claim: one winner) — new password, all logged out
    code_sent --> [*]: expires_at passes (5 minutes): start again
```

A resident names the login name (or mobile number) and types the reserved phone or
e-mail; a unit names its account name or credit code, the legal representative's name and
ID number, and is shown its reserved phone masked (``138****5678``); the unit's name and
credit code are checked with the new password. Anti-enumeration (SPEC §5): until the code
is proved every answer is the same whether or not the account, the phone or the ID number
exists — a mismatch opens a decoy flow whose code is never sent, and a unit that does not
match is shown a masked phone derived from what was typed (the same one every time), so
the page looks alike. Send limits count per typed destination or unit identifier, not per
account, for the same reason. (Seed 004 §三 tells a unit that does not exist so; SPEC §5
forbids that answer, and the spec wins.) Status refusals (disabled, pending activation)
and the unit check come only after the code is proved. Unit matching and the made-up
masked phone live in ``reset_units.py``; inputs, answers and messages in
``reset_requests.py``.

The code is bound to the flow rather than to the phone (unlike ``challenges/sms.py``): a
code sent for a reset proves nothing anywhere else, and the e-mail channel works alike.
The limits and lifetimes are the SMS ones (``SmsPolicy``).
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from identity_graph.accounts.credential_reset import CredentialReset
from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.accounts.password_policy import check_password
from identity_graph.accounts.service import AccountService
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.challenges.sms import SmsPolicy
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import CHINA_TIME, Clock
from identity_graph.core.crypto import mask_email, mask_phone
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.secrets import SecretHasher, numeric_code
from identity_graph.core.validators import Checks, clean_text, normalize_email, normalize_mobile
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel
from identity_graph.recovery.reset_models import PasswordReset, ResetChannel, ResetKind, ResetState
from identity_graph.recovery.reset_requests import (
    MESSAGES,
    PersonReset,
    ResetCompletion,
    ResetDone,
    ResetReason,
    ResetStarted,
    SignOut,
    UnitReset,
)
from identity_graph.recovery.reset_units import UnitMatcher, same_text

__all__ = [
    "MESSAGES",
    "PasswordResets",
    "PersonReset",
    "ResetCompletion",
    "ResetDone",
    "ResetReason",
    "ResetStarted",
    "UnitReset",
]

_PURPOSE = "password_reset"


class PasswordResets:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        vault: PersonalData,
        limiter: RateLimiter,
        captcha: CaptchaService,
        notifier: Notifier,
        audit: AuditLog,
        accounts: AccountService,
        credentials: CredentialReset,
        sign_out: SignOut,
        policy: SmsPolicy,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._vault = vault
        self._limiter = limiter
        self._captcha = captcha
        self._notifier = notifier
        self._audit = audit
        self._accounts = accounts
        self._credentials = credentials
        self._sign_out = sign_out
        self._policy = policy
        self._resend = Rule("reset_resend", 1, policy.resend_seconds)
        self._daily = Rule("reset_daily", policy.daily_cap_per_phone, 86_400)
        self._per_ip = Rule("reset_hourly_ip", policy.hourly_cap_per_ip, 3_600)
        self._units = UnitMatcher(vault, hasher)

    async def start_for_person(
        self, request: PersonReset, context: AuditContext, locale: Locale
    ) -> ResetStarted:
        checks = Checks()
        name = checks.run(clean_text, request.login_name, "loginName", max_length=64)
        if request.channel == ResetChannel.SMS:
            destination = checks.run(normalize_mobile, request.destination, "destination")
        else:
            destination = checks.run(normalize_email, request.destination, "destination")
        checks.raise_if_any()
        assert name is not None and destination is not None
        key = f"{request.channel.value}:{destination}"
        await self._gate(request.captcha_id, request.captcha_answer, context, key)
        target = await self._accounts.find_for_login(AccountKind.NATURAL_PERSON, name)
        account = target.account
        reserved = None
        if account is not None:
            reserved = (
                self._vault.phone_of(account)
                if request.channel == ResetChannel.SMS
                else self._vault.email_of(account)
            )
        matched = account if reserved is not None and same_text(reserved, destination) else None
        masked = (
            mask_phone(destination)
            if request.channel == ResetChannel.SMS
            else mask_email(destination)
        )
        return await self._open(
            ResetKind.NATURAL_PERSON, request.channel, matched, destination, masked, context, locale
        )

    async def start_for_unit(
        self, request: UnitReset, context: AuditContext, locale: Locale
    ) -> ResetStarted:
        checks = Checks()
        identifier = checks.run(clean_text, request.identifier, "identifier", max_length=64)
        name = checks.run(
            clean_text, request.representative_name, "legalRepresentativeName", max_length=50
        )
        number = checks.run(clean_text, request.id_number, "idNumber", max_length=64)
        checks.raise_if_any()
        assert identifier is not None and name is not None and number is not None
        target = await self._accounts.find_for_login(AccountKind.ENTERPRISE, identifier)
        await self._gate(request.captcha_id, request.captcha_answer, context, target.key)
        phone = await self._units.reserved_phone(target.account, name, number)
        masked = mask_phone(phone) if phone else self._units.decoy_phone(target.key, name, number)
        matched = target.account if phone else None
        return await self._open(
            ResetKind.ENTERPRISE, ResetChannel.SMS, matched, phone, masked, context, locale
        )

    async def complete(
        self, request: ResetCompletion, context: AuditContext, locale: Locale
    ) -> ResetDone:
        flow = await self._load(request.flow_id)
        self._check_completion(request, flow)
        await self._prove(flow, request.code, context)
        account = await Account.get(id=flow.account_id)
        if account.status in (AccountStatus.DISABLED, AccountStatus.PENDING_ACTIVATION):
            await self._record("password_reset.refused", account.id, context, "refused", flow)
            refusal = "ACCOUNT_DISABLED"
            if account.status == AccountStatus.PENDING_ACTIVATION:
                refusal = "ACCOUNT_PENDING_ACTIVATION"
            raise DomainError(refusal)
        if flow.kind == ResetKind.ENTERPRISE:
            await self._units.check_unit(account, request.unit_name or "", request.uscc or "")
        phone = self._vault.phone_of(account)
        strength = check_password(
            request.new_password, login_name=account.login_name, phone=phone, field="newPassword"
        )
        hashed = await self._accounts.hash_password(request.new_password)
        now = self._clock.now()
        async with in_transaction():
            claimed = await PasswordReset.filter(id=flow.id, state=ResetState.CODE_SENT).update(
                state=ResetState.COMPLETED, used_at=now
            )
            if not claimed:
                raise ValidationFailed.single("code", "RESET_CODE_USED")
            unlocked = await self._credentials.replace_password(account.id, hashed)
            ended = await self._sign_out.end_everything(account.id, "password_reset")
            await self._record(
                "account.password_reset",
                account.id,
                context,
                "success",
                flow,
                reason=(request.reason or ResetReason.OTHER).value,
                sessions_ended=ended,
                unlocked=unlocked,
            )
            await self._notify(account, flow, now, locale)
        await self._sign_out.clear_lockout(account.id)
        return ResetDone(strength, ended)

    async def _gate(
        self, captcha_id: str | None, answer: str | None, context: AuditContext, key: str
    ) -> None:
        """Captcha first (burned even when a limit refuses), then the send limits."""
        await self._captcha.verify(captcha_id, answer, "captchaAnswer")
        await self._limiter.enforce(self._per_ip, context.client_ip or "unknown")
        await self._limiter.enforce(self._resend, key)
        await self._limiter.enforce(self._daily, key)

    async def _open(
        self,
        kind: ResetKind,
        channel: ResetChannel,
        account: Account | None,
        destination: str | None,
        masked: str,
        context: AuditContext,
        locale: Locale,
    ) -> ResetStarted:
        code = numeric_code(6)
        now = self._clock.now()
        async with in_transaction():
            # A decoy runs the same statements as a real flow (SPEC §5: same timings).
            await PasswordReset.filter(
                account_id=account.id if account else uuid.uuid4(), state=ResetState.CODE_SENT
            ).update(state=ResetState.SUPERSEDED)
            flow = await PasswordReset.create(
                id=uuid.uuid4(),
                kind=kind,
                channel=channel,
                account_id=account.id if account else None,
                code_hmac=self._hasher.digest(_PURPOSE, code),
                max_attempts=self._policy.max_attempts,
                created_at=now,
                expires_at=now + timedelta(seconds=self._policy.ttl_seconds),
            )
            await self._send_code(channel, account, destination, code, locale)
            outcome = "success" if account is not None else "no_match"
            await self._record(
                "password_reset.started", account.id if account else None, context, outcome, flow
            )
        return ResetStarted(flow.id, channel, masked, flow.expires_at, self._policy.resend_seconds)

    async def _send_code(
        self,
        channel: ResetChannel,
        account: Account | None,
        destination: str | None,
        code: str,
        locale: Locale,
    ) -> None:
        """Queue the code for a real flow. For a decoy, queue it to a placeholder and roll
        that back (a savepoint): writing the outbox row and its delivery job is the one
        piece of work a real flow does that a decoy would otherwise skip, and measurably
        so (tests/recovery/test_reset_enumeration.py)."""
        params = {
            "code": code,
            "minutes": self._policy.ttl_seconds // 60,
            "purpose": "reset_password",
        }
        kind = Channel.SMS if channel == ResetChannel.SMS else Channel.EMAIL
        if account is not None and destination is not None:
            await self._notifier.send(kind, "sms_code", destination, params, locale)
            return
        try:
            async with in_transaction():
                placeholder = destination or _PLACEHOLDER_PHONE
                await self._notifier.send(kind, "sms_code", placeholder, params, locale)
                raise _Discarded
        except _Discarded:
            pass

    async def _load(self, flow_id: str) -> PasswordReset:
        try:
            key = uuid.UUID(flow_id)
        except ValueError:
            raise ValidationFailed.single("flowId", "RESET_FLOW_INVALID") from None
        flow = await PasswordReset.get_or_none(id=key)
        if flow is None:
            raise ValidationFailed.single("flowId", "RESET_FLOW_INVALID")
        return flow

    def _check_completion(self, request: ResetCompletion, flow: PasswordReset) -> None:
        """Input and state checks that say nothing about the account (the code unspent)."""
        checks = Checks()
        if not request.code.strip():
            checks.fail("code", "REQUIRED")
        if request.reason is None:
            checks.fail("reason", "RESET_REASON_REQUIRED")
        if not request.new_password:
            checks.fail("newPassword", "REQUIRED")
        else:
            checks.run(check_password, request.new_password, field="newPassword")
        if flow.kind == ResetKind.ENTERPRISE:
            checks.run(clean_text, request.unit_name or "", "unitName", max_length=100)
            checks.run(clean_text, request.uscc or "", "uscc", max_length=18)
        checks.raise_if_any()
        refusal = _STATE_REFUSALS.get(flow.state)
        if refusal is not None:
            raise ValidationFailed.single("code", refusal)
        if flow.is_expired(self._clock):
            raise ValidationFailed.single("code", "RESET_CODE_EXPIRED")

    async def _prove(self, flow: PasswordReset, code: str, context: AuditContext) -> None:
        """Count the try (outside any transaction, so it sticks), then compare."""
        counted = await PasswordReset.filter(
            id=flow.id, state=ResetState.CODE_SENT, attempts__lt=flow.max_attempts
        ).update(attempts=F("attempts") + 1)
        if not counted:
            raise ValidationFailed.single("code", "RESET_CODE_EXHAUSTED")
        typed = unicodedata.normalize("NFKC", code).strip()
        if self._hasher.matches(_PURPOSE, typed, flow.code_hmac) and flow.account_id:
            return
        if flow.attempts + 1 >= flow.max_attempts:
            await PasswordReset.filter(id=flow.id, state=ResetState.CODE_SENT).update(
                state=ResetState.EXHAUSTED
            )
        await self._record("password_reset.code_wrong", flow.account_id, context, "failure", flow)
        raise ValidationFailed.single("code", "RESET_CODE_WRONG")

    async def _notify(
        self, account: Account, flow: PasswordReset, now: datetime, locale: Locale
    ) -> None:
        params = {
            "login_name": account.login_name,
            "time": now.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M"),
        }
        if phone := self._vault.phone_of(account):
            await self._notifier.send(Channel.SMS, "password_reset", phone, params, locale)
        email = self._vault.email_of(account)
        if email and flow.channel == ResetChannel.EMAIL:
            await self._notifier.send(Channel.EMAIL, "password_reset", email, params, locale)

    async def _record(
        self,
        action: str,
        account_id: uuid.UUID | None,
        context: AuditContext,
        outcome: str,
        flow: PasswordReset,
        **details: object,
    ) -> None:
        await self._audit.record(
            action,
            context,
            subject_type="account" if account_id else None,
            subject_id=str(account_id) if account_id else None,
            outcome=outcome,
            details={
                "flow": str(flow.id),
                "kind": flow.kind.value,
                "channel": flow.channel.value,
                **details,
            },
        )


_PLACEHOLDER_PHONE = "10000000000"  # never stored: the decoy's send is rolled back


class _Discarded(Exception):
    """Rolls back a decoy's send to its savepoint."""


_STATE_REFUSALS = {
    ResetState.COMPLETED: "RESET_CODE_USED",
    ResetState.EXHAUSTED: "RESET_CODE_EXHAUSTED",
    ResetState.SUPERSEDED: "RESET_SUPERSEDED",
}
