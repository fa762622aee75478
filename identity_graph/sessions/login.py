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
from identity_graph.core.attempt_gates import AttemptGates, GateRules
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.batch import WriteBatch
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
        # The slot is held while one attempt runs; it expires by itself should a worker die
        # mid-attempt. Checking it, both lockouts and the captcha rule is one Redis round
        # trip (``core/attempt_gates.py``).
        self._gates = AttemptGates(
            limiter,
            GateRules(
                in_flight=Rule("login_in_progress", 1, 30),
                per_subject=self._per_account,
                per_address=Rule(
                    "login_fail_address", policy.max_failures_per_address, policy.window_seconds
                ),
            ),
        )

    async def login(self, attempt: PasswordLogin, context: AuditContext) -> LoggedIn:
        if attempt.agent is not None:
            return await self._agent_login(attempt, attempt.agent, context)
        address = context.client_ip or "unknown"
        target = await self._accounts.find_for_login(attempt.kind, attempt.identifier)
        # Failures count per account, whichever form named it; an identifier nobody holds
        # counts under its normalised form, so every spelling of it locks alike.
        subject = str(target.account.id) if target.account else target.key
        # One attempt per identifier at a time: the gate and the failure count after the
        # password check must not interleave, or concurrent guesses would all pass the gate
        # before the first failure is counted.
        await self._admit(attempt, subject, address)
        try:
            await self._check_captcha(attempt)
            matched = await self._accounts.check_login(target, attempt.password)
        except BaseException:
            await self._gates.release(subject, clear_failures=False)
            raise
        if not matched:
            await self._failed(target.account, subject, address, context)
        account = target.account
        assert account is not None
        if account.status in _STATUS_CODES:
            await self._gates.release(subject, clear_failures=False)
            await self._record(account, context, "refused", account.status.value)
            raise AuthenticationRefused(_STATUS_CODES[account.status])
        await self._gates.release(subject, clear_failures=True)
        return await self._logged_in(account, address, context, None, None)

    async def clear_lockout(self, account_id: uuid.UUID) -> None:
        """Forget the account's recent failures (after a password reset, SPEC §5)."""
        await self._limiter.reset(self._per_account, str(account_id))

    async def _logged_in(
        self,
        account: Account,
        address: str,
        context: AuditContext,
        acting: uuid.UUID | None,
        reason: str | None,
    ) -> LoggedIn:
        """The session, its refresh token, the last login and the audit event: one write
        (one statement on PostgreSQL, ``core/batch.py``)."""
        batch = WriteBatch()
        tokens = await self._tokens.start_session(
            account, amr=["pwd"], client_ip=address, acting_enterprise_id=acting, batch=batch
        )
        self._accounts.record_login(account, batch)
        self._audit.add(
            batch,
            "login.password",
            AuditContext(actor_id=account.id, client_ip=context.client_ip),
            subject_type="account",
            subject_id=str(account.id),
            details={"reason": reason} if reason else None,
        )
        await batch.execute()
        return LoggedIn(account, tokens)

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
        await self._admit(attempt, subject, address)
        try:
            await self._check_captcha(attempt)
            binding = None
            if unit.account is not None and person.account is not None and self._agents:
                binding = await self._agents.credential(unit.account.id, person.account.id)
            stored = binding.password_hash if binding else None
            matched = await self._accounts.check_hash(stored, attempt.password)
        except BaseException:
            await self._gates.release(subject, clear_failures=False)
            raise
        if not matched:
            await self._failed(person.account, subject, address, context)
        assert unit.account is not None and person.account is not None
        try:
            await self._agent_standing(unit.account, person.account, context)
        except BaseException:
            await self._gates.release(subject, clear_failures=False)
            raise
        await self._gates.release(subject, clear_failures=True)
        return await self._logged_in(person.account, address, context, unit.account.id, "agent")

    async def _agent_standing(self, unit: Account, person: Account, context: AuditContext) -> None:
        """Told only to a caller who knew the agent password."""
        if person.status in _STATUS_CODES:
            await self._record(person, context, "refused", person.status.value)
            raise AuthenticationRefused(_STATUS_CODES[person.status])
        assert self._agents is not None
        if await self._agents.acting(person.id, unit.id) is None:
            await self._record(person, context, "refused", "agent_binding_not_effective")
            raise AuthenticationRefused("AGENT_LOGIN_NOT_EFFECTIVE")

    async def _admit(self, attempt: PasswordLogin, subject: str, address: str) -> None:
        """Lockouts first, then the captcha once anything has failed; on success the
        attempt holds the subject's slot until ``_failed`` or ``release``."""
        offered = bool(attempt.captcha_id and attempt.captcha_answer)
        admission = await self._gates.admit(subject, address, proof_offered=offered)
        if admission.outcome == "busy":
            raise RateLimited(1, "login_in_progress")
        if admission.outcome == "subject_locked":
            raise self._locked("ACCOUNT_TEMPORARILY_LOCKED", admission.subject)
        if admission.outcome == "address_locked":
            raise self._locked("ADDRESS_TEMPORARILY_BLOCKED", admission.address)
        if admission.outcome == "proof_required":
            raise CaptchaRequired()

    async def _check_captcha(self, attempt: PasswordLogin) -> None:
        if attempt.captcha_id or attempt.captcha_answer:
            await self._captcha.verify(attempt.captcha_id, attempt.captcha_answer, "captchaAnswer")

    async def _failed(
        self, account: Account | None, subject: str, address: str, context: AuditContext
    ) -> NoReturn:
        """Count the failure (for the account and the address) and free the slot."""
        mine, _ = await self._gates.fail(subject, address)
        await self._record(account, context, "failure", "wrong_credentials")
        if mine.remaining == 0:
            if account is not None:
                await self._record(account, context, "lockout", None)
            raise self._locked("ACCOUNT_TEMPORARILY_LOCKED", mine)
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
