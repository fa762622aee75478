"""Password login with captcha escalation and lockout (SPEC §3, §11).

```mermaid
stateDiagram-v2
    [*] --> open: no recent failure for the account or the client address
    open --> captcha_required: a failure (from now on a captcha must come with each try)
    captcha_required --> captcha_required: another failure (remaining attempts shown)
    captcha_required --> locked_out: the Nth failure within the window
    locked_out --> captcha_required: the window slides past the oldest failure (unlock time shown)
    open --> [*]: success (account counter cleared, session started)
    captcha_required --> [*]: success
```

Failures are counted twice, in sliding windows: per account (5 in 15 minutes by default)
and per client address across accounts (a higher limit, since a government office hall
shares one address). An identifier no account holds is counted in its normalised form
(login key, mobile number index, credit code), so every spelling of it locks alike and a
nonexistent account answers exactly like an existing one: same codes, same remaining
attempts, and the same Argon2 work (a decoy hash). One attempt per account runs at a time,
so concurrent guesses cannot all pass the gate before the first failure is counted. The
account's own state (pending activation, locked, disabled) is told only to a caller who
knows the password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.accounts.service import AccountService
from identity_graph.agents.bindings import AgentBindings
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import CHINA_TIME, Clock
from identity_graph.core.errors import AuthenticationRefused, CaptchaRequired, RateLimited
from identity_graph.core.ratelimit import Decision, RateLimiter, Rule
from identity_graph.core.validators import Checks
from identity_graph.sessions.tokens import TokenPair, TokenService

MESSAGES = {
    "INVALID_CREDENTIALS": (
        "账号或密码错误，还可尝试 {remaining} 次",
        "Wrong account or password; {remaining} attempts left",
    ),
    "ACCOUNT_TEMPORARILY_LOCKED": (
        "登录失败次数过多，请于 {unlock_time} 后再试",
        "Too many failed logins; try again after {unlock_time}",
    ),
    "ADDRESS_TEMPORARILY_BLOCKED": (
        "当前网络登录失败次数过多，请于 {unlock_time} 后再试",
        "Too many failed logins from your network; try again after {unlock_time}",
    ),
    "ACCOUNT_PENDING_ACTIVATION": (
        "账号尚未激活，请先完成账号激活（/activate）",
        "This account is not activated yet; activate it first (/activate)",
    ),
    "ACCOUNT_LOCKED": (
        "账号已被锁定，请通过申诉或联系管理员解锁",
        "This account is locked; file an appeal or contact the operator",
    ),
    "ACCOUNT_DISABLED": ("账号已被停用", "This account has been disabled"),
    "AGENT_LOGIN_NOT_EFFECTIVE": (
        "您的经办人身份已过期、尚未生效或已被取消，或该单位暂不能办理业务，请联系单位管理员",
        "Your agent validity is over, not yet begun or revoked, or the unit cannot act now;"
        " contact the unit's administrator",
    ),
}
_STATUS_CODES = {
    AccountStatus.PENDING_ACTIVATION: "ACCOUNT_PENDING_ACTIVATION",
    AccountStatus.LOCKED: "ACCOUNT_LOCKED",
    AccountStatus.DISABLED: "ACCOUNT_DISABLED",
}


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    max_failures_per_address: int = 20
    window_seconds: int = 900


@dataclass(frozen=True)
class AgentIdentity:
    """Who logs in as an agent (经办人登录, seed 004 §一): the unit is the login's identifier."""

    phone: str
    id_number: str


@dataclass(frozen=True)
class PasswordLogin:
    kind: AccountKind
    identifier: str
    password: str
    captcha_id: str | None = None
    captcha_answer: str | None = None
    agent: AgentIdentity | None = None


@dataclass(frozen=True)
class LoggedIn:
    account: Account
    tokens: TokenPair


class LoginService:
    def __init__(
        self,
        clock: Clock,
        accounts: AccountService,
        captcha: CaptchaService,
        limiter: RateLimiter,
        tokens: TokenService,
        audit: AuditLog,
        policy: LoginPolicy,
        agents: AgentBindings | None = None,
    ) -> None:
        self._agents = agents
        self._clock = clock
        self._accounts = accounts
        self._captcha = captcha
        self._limiter = limiter
        self._tokens = tokens
        self._audit = audit
        self._per_account = Rule("login_fail_account", policy.max_failures, policy.window_seconds)
        self._per_address = Rule(
            "login_fail_address", policy.max_failures_per_address, policy.window_seconds
        )
        # Held while one attempt runs; expires by itself should a worker die mid-attempt.
        self._in_flight = Rule("login_in_progress", 1, 30)

    async def login(self, attempt: PasswordLogin, context: AuditContext) -> LoggedIn:
        if attempt.agent is not None:
            return await self._agent_login(attempt, attempt.agent, context)
        address = context.client_ip or "unknown"
        target = await self._accounts.find_for_login(attempt.kind, attempt.identifier)
        # Failures count per account, whichever form named it; an identifier nobody holds
        # counts under its normalised form, so every spelling of it locks alike.
        subject = str(target.account.id) if target.account else target.key
        # One attempt per identifier at a time: the gate below and the failure count after
        # the password check must not interleave, or concurrent guesses would all pass the
        # gate before the first failure is counted.
        if not (await self._limiter.hit(self._in_flight, subject)).allowed:
            raise RateLimited(1, self._in_flight.name)
        try:
            account = await self._authenticate(attempt, target.account, subject, address, context)
        finally:
            await self._limiter.reset(self._in_flight, subject)
        tokens = await self._tokens.start_session(account, amr=["pwd"], client_ip=address)
        await self._accounts.record_login(account)
        await self._record(account, context, "success", None)
        return LoggedIn(account, tokens)

    async def clear_lockout(self, account_id: uuid.UUID) -> None:
        """Forget the account's recent failures (after a password reset, SPEC §5)."""
        await self._limiter.reset(self._per_account, str(account_id))

    async def _agent_login(
        self, attempt: PasswordLogin, agent: AgentIdentity, context: AuditContext
    ) -> LoggedIn:
        """Unit account or credit code + agent phone + ID number + agent password; the same
        captcha, lockout and decoy rules as every login, counted per (unit, phone)."""
        checks = Checks()
        for field, value in (("agentPhone", agent.phone), ("agentIdNumber", agent.id_number)):
            if not value.strip():
                checks.fail(field, "REQUIRED")
        checks.raise_if_any()
        address = context.client_ip or "unknown"
        unit = await self._accounts.find_for_login(AccountKind.ENTERPRISE, attempt.identifier)
        person = await self._accounts.find_agent_person(agent.phone, agent.id_number)
        subject = f"agent:{unit.key}:{person.key}"
        if not (await self._limiter.hit(self._in_flight, subject)).allowed:
            raise RateLimited(1, self._in_flight.name)
        try:
            await self._check_gates(attempt, subject, address)
            binding = None
            if unit.account is not None and person.account is not None and self._agents:
                binding = await self._agents.credential(unit.account.id, person.account.id)
            stored = binding.password_hash if binding else None
            if not await self._accounts.check_hash(stored, attempt.password):
                await self._failed(person.account, subject, address, context)
            assert unit.account is not None and person.account is not None
            await self._agent_standing(unit.account, person.account, context)
            await self._limiter.reset(self._per_account, subject)
        finally:
            await self._limiter.reset(self._in_flight, subject)
        tokens = await self._tokens.start_session(
            person.account, amr=["pwd"], client_ip=address, acting_enterprise_id=unit.account.id
        )
        await self._accounts.record_login(person.account)
        await self._record(person.account, context, "success", "agent")
        return LoggedIn(person.account, tokens)

    async def _agent_standing(self, unit: Account, person: Account, context: AuditContext) -> None:
        """Told only to a caller who knew the agent password."""
        if person.status in _STATUS_CODES:
            await self._record(person, context, "refused", person.status.value)
            raise AuthenticationRefused(_STATUS_CODES[person.status])
        assert self._agents is not None
        if await self._agents.acting(person.id, unit.id) is None:
            await self._record(person, context, "refused", "agent_binding_not_effective")
            raise AuthenticationRefused("AGENT_LOGIN_NOT_EFFECTIVE")

    async def _authenticate(
        self,
        attempt: PasswordLogin,
        account: Account | None,
        subject: str,
        address: str,
        context: AuditContext,
    ) -> Account:
        await self._check_gates(attempt, subject, address)
        if not await self._accounts.verify_password(account, attempt.password):
            await self._failed(account, subject, address, context)
        assert account is not None
        if account.status in _STATUS_CODES:
            await self._record(account, context, "refused", account.status.value)
            raise AuthenticationRefused(_STATUS_CODES[account.status])
        await self._limiter.reset(self._per_account, subject)
        return account

    async def _check_gates(self, attempt: PasswordLogin, subject: str, address: str) -> None:
        """Lockouts first, then the captcha once anything has failed (or one is offered)."""
        mine = await self._limiter.peek(self._per_account, subject)
        if not mine.allowed:
            raise self._locked("ACCOUNT_TEMPORARILY_LOCKED", mine)
        network = await self._limiter.peek(self._per_address, address)
        if not network.allowed:
            raise self._locked("ADDRESS_TEMPORARILY_BLOCKED", network)
        failed_before = (
            mine.remaining < self._per_account.limit or network.remaining < self._per_address.limit
        )
        if failed_before and not (attempt.captcha_id and attempt.captcha_answer):
            raise CaptchaRequired()
        if attempt.captcha_id or attempt.captcha_answer:
            await self._captcha.verify(attempt.captcha_id, attempt.captcha_answer, "captchaAnswer")

    async def _failed(
        self, account: Account | None, subject: str, address: str, context: AuditContext
    ) -> NoReturn:
        mine = await self._limiter.hit(self._per_account, subject)
        await self._limiter.hit(self._per_address, address)
        await self._record(account, context, "failure", "wrong_credentials")
        if mine.remaining == 0:
            locked = await self._limiter.peek(self._per_account, subject)
            if account is not None:
                await self._record(account, context, "lockout", None)
            raise self._locked("ACCOUNT_TEMPORARILY_LOCKED", locked)
        raise AuthenticationRefused(
            "INVALID_CREDENTIALS", remaining_attempts=mine.remaining, remaining=mine.remaining
        )

    def _locked(self, code: str, decision: Decision) -> AuthenticationRefused:
        unlock_at = self._clock.now() + timedelta(seconds=decision.retry_after)
        local = unlock_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S (UTC+8)")
        return AuthenticationRefused(code, unlock_at=unlock_at, unlock_time=local)

    async def _record(
        self, account: Account | None, context: AuditContext, outcome: str, reason: str | None
    ) -> None:
        action = "login.lockout" if outcome == "lockout" else "login.password"
        await self._audit.record(
            action,
            AuditContext(actor_id=account.id if account else None, client_ip=context.client_ip),
            subject_type="account" if account else None,
            subject_id=str(account.id) if account else None,
            outcome=outcome,
            details={"reason": reason} if reason else None,
        )
