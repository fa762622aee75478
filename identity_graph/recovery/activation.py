"""Enterprise activation (账号激活, seed 004 §五, SPEC §6.3): a unit that is PENDING_ACTIVATION
(legacy import, assisted registration) proves who it is and becomes ACTIVE.

```mermaid
stateDiagram-v2
    [*] --> code_sent: 1 确认账号 — the unit's details match a pending unit, captcha solved
    code_sent --> code_sent: code resent (captcha, one a minute)
    code_sent --> phone_proved: 2 安全验证 — the SMS code redeemed
    phone_proved --> activated: 3 设置账密 — account name and password under the policy
    activated --> [*]: 4 激活成功 — account ACTIVE, ID validity saved
    code_sent --> expired: 15 minutes pass (start again)
    phone_proved --> expired
```

Step 1 names the legal-person type, unit name, USCC, legal representative's name, ID type and
number, and the ID validity (5/10/20 years from a start date, or long-term); on a match an SMS
code goes to the unit's reserved phone.

Anti-enumeration: step 1 answers every mismatch (no such code, another name, another legal
representative, a unit that is not pending) with one code, ACTIVATION_MISMATCH, and costs a
captcha whether or not anything matched. Only a caller who named the unit correctly learns
that it needs no activation. The flow id is a random UUID held by the caller (the pages keep
it in a hidden field); each step checks the flow's state and expiry, and the last step's
conditional update lets exactly one of two concurrent completions win.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AccountKind, AccountStatus, LegalPersonType
from identity_graph.accounts.login_names import check_login_name, login_key
from identity_graph.accounts.models import Account, Enterprise, PasswordCredential
from identity_graph.accounts.password_policy import Strength, check_password
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.challenges.models import SmsPurpose
from identity_graph.challenges.sms import SmsCodeService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.crypto import mask_phone
from identity_graph.core.errors import DomainError, InvalidState, ValidationFailed
from identity_graph.core.flow import Transitions
from identity_graph.core.i18n import Locale
from identity_graph.core.validators import Checks, check_past_date, clean_text
from identity_graph.ids.person import upgrade_legacy_resident_id, validate_id_number
from identity_graph.ids.types import IdType
from identity_graph.ids.units import parse_uscc
from identity_graph.recovery.activation_models import ActivationFlow, ActivationState

MESSAGES = {
    "ACTIVATION_MISMATCH": (
        "未找到与所填信息一致的待激活单位，请核对后重试，或提出申诉",
        "No unit awaiting activation matches these details; check them or file an appeal",
    ),
    "ACTIVATION_NOT_NEEDED": (
        "该单位账号无需激活，请直接登录",
        "This unit's account needs no activation; log in",
    ),
    "ACTIVATION_NO_PHONE": (
        "该单位没有预留手机号码，请通过申诉修改企业信息",
        "The unit has no reserved phone; file an appeal to change the unit's details",
    ),
    "ACTIVATION_FLOW_UNKNOWN": (
        "激活流程不存在或已结束，请重新开始",
        "Unknown or finished activation; start again",
    ),
    "ID_VALIDITY_PERIOD": (
        "证件有效结束日期与所选有效期限不一致",
        "The end date does not match the chosen validity period",
    ),
}


class ValidityPeriod(StrEnum):
    """The ID validity choices of the activation form (5年 / 10年 / 20年 / 长期有效)."""

    FIVE_YEARS = "five_years"
    TEN_YEARS = "ten_years"
    TWENTY_YEARS = "twenty_years"
    LONG_TERM = "long_term"


_YEARS = {
    ValidityPeriod.FIVE_YEARS: 5,
    ValidityPeriod.TEN_YEARS: 10,
    ValidityPeriod.TWENTY_YEARS: 20,
}
TRANSITIONS = Transitions(
    {
        ActivationState.CODE_SENT: {ActivationState.CODE_SENT, ActivationState.PHONE_PROVED},
        ActivationState.PHONE_PROVED: {ActivationState.ACTIVATED},
    }
)


@dataclass(frozen=True)
class ConfirmUnit:
    """Step 1 (确认账号); field names are the GraphQL input's."""

    legal_person_type: LegalPersonType | None
    unit_name: str
    uscc: str
    legal_representative_name: str
    id_type: IdType | None
    id_number: str
    validity: ValidityPeriod | None
    id_valid_from: date | None
    id_valid_until: date | None
    captcha_id: str | None
    captcha_answer: str | None


@dataclass(frozen=True)
class ActivationRequest:
    """One call of ``activateEnterprise`` (or one page post): without ``flow_id`` step 1,
    else the step the flow is in — ``resend`` asks for a fresh code in step 2."""

    flow_id: str | None
    confirm: ConfirmUnit
    resend: bool = False
    sms_code: str | None = None
    login_name: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class ActivationStep:
    flow_id: uuid.UUID
    state: ActivationState
    masked_phone: str
    login_name: str
    expires_at: datetime
    resend_after_seconds: int = 0
    password_strength: Strength | None = None


def validity_end(start: date, period: ValidityPeriod) -> date | None:
    """The last day of an ID valid ``period`` from ``start`` (None: long-term).

    Chinese ID cards end on the same month and day as they began (29 February: 28th)."""
    if period == ValidityPeriod.LONG_TERM:
        return None
    year = start.year + _YEARS[period]
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def _same_text(left: str, right: str) -> bool:
    def norm(value: str) -> str:
        return "".join(unicodedata.normalize("NFKC", value).split()).casefold()

    return norm(left) == norm(right)


@dataclass(frozen=True)
class _Confirmed:
    uscc: str
    id_number: str
    valid_from: date
    valid_until: date | None


class ActivationService:
    def __init__(
        self,
        clock: Clock,
        vault: PersonalData,
        captcha: CaptchaService,
        sms: SmsCodeService,
        passwords: PasswordHasher,
        audit: AuditLog,
        ttl: timedelta = timedelta(minutes=15),
    ) -> None:
        self._clock = clock
        self._vault = vault
        self._captcha = captcha
        self._sms = sms
        self._passwords = passwords
        self._audit = audit
        self._ttl = ttl

    async def advance(
        self, request: ActivationRequest, context: AuditContext, locale: Locale
    ) -> ActivationStep:
        """Run the step the request (and its flow) is at."""
        client_ip = context.client_ip or "unknown"
        if not request.flow_id:
            return await self.confirm(request.confirm, client_ip, locale)
        if request.resend:
            form = request.confirm
            return await self.resend(
                request.flow_id, form.captcha_id, form.captcha_answer, client_ip, locale
            )
        step = await self.current(request.flow_id)
        if step.state == ActivationState.CODE_SENT:
            if not (request.sms_code or "").strip():
                raise ValidationFailed.single("smsCode", "REQUIRED")
            return await self.prove_phone(request.flow_id, request.sms_code or "")
        checks = Checks()
        for field, value in (("loginName", request.login_name), ("password", request.password)):
            if not (value or "").strip():
                checks.fail(field, "REQUIRED")
        checks.raise_if_any()
        return await self.set_credentials(
            request.flow_id, request.login_name or "", request.password or "", context
        )

    def _check(self, form: ConfirmUnit) -> _Confirmed:
        checks = Checks()
        today = local_date(self._clock)
        for field, choice in (
            ("legalPersonType", form.legal_person_type),
            ("idType", form.id_type),
            ("idValidity", form.validity),
        ):
            if choice is None:
                checks.fail(field, "REQUIRED")
        checks.run(clean_text, form.unit_name, "unitName", max_length=100)
        checks.run(
            clean_text, form.legal_representative_name, "legalRepresentativeName", max_length=50
        )
        code = checks.run(parse_uscc, form.uscc, "uscc")
        number = checks.run(clean_text, form.id_number, "idNumber", max_length=32)
        if number and form.id_type == IdType.RESIDENT_ID_CARD and len(number) == 15:
            number = checks.run(upgrade_legacy_resident_id, number, "idNumber")
        parsed = None
        if number and form.id_type is not None:
            parsed = checks.run(validate_id_number, form.id_type, number, "idNumber", today=today)
        start, end = form.id_valid_from, form.id_valid_until
        if start is None:
            checks.fail("idValidFrom", "REQUIRED")
        elif (
            checks.run(check_past_date, start, "idValidFrom", today=today) is not None
            and form.validity is not None
        ):
            expected = validity_end(start, form.validity)
            if end is not None and end != expected:
                checks.fail("idValidUntil", "ID_VALIDITY_PERIOD")
            end = expected
            if end is not None and end < today:
                checks.fail("idValidUntil", "ID_EXPIRED")
        checks.raise_if_any()
        assert code and parsed and start
        return _Confirmed(code.number, parsed.number, start, end)

    async def confirm(self, form: ConfirmUnit, client_ip: str, locale: Locale) -> ActivationStep:
        """Step 1: the unit's details; on a match an SMS code goes to the reserved phone."""
        clean = self._check(form)
        unit = await Enterprise.get_or_none(uscc=clean.uscc).prefetch_related("account")
        matches = unit is not None and self._matches(unit, form, clean)
        phone = self._vault.phone_of(unit.account) if unit is not None and matches else None
        if unit is None or not matches:
            await self._captcha.verify(form.captcha_id, form.captcha_answer, "captchaAnswer")
            raise DomainError("ACTIVATION_MISMATCH")
        account = unit.account
        if account.status != AccountStatus.PENDING_ACTIVATION:
            await self._captcha.verify(form.captcha_id, form.captcha_answer, "captchaAnswer")
            raise DomainError("ACTIVATION_NOT_NEEDED")
        if phone is None:
            await self._captcha.verify(form.captcha_id, form.captcha_answer, "captchaAnswer")
            raise DomainError("ACTIVATION_NO_PHONE")
        sent = await self._sms.request(
            SmsPurpose.ACTIVATE,
            phone,
            form.captcha_id,
            form.captcha_answer,
            client_ip=client_ip,
            locale=locale,
        )
        now = self._clock.now()
        flow = await ActivationFlow.create(
            id=uuid.uuid4(),
            account=account,
            state=ActivationState.CODE_SENT,
            id_valid_from=clean.valid_from,
            id_valid_until=clean.valid_until,
            id_long_term=clean.valid_until is None,
            created_at=now,
            expires_at=now + self._ttl,
            updated_at=now,
        )
        await self._audit.record(
            "activation.started",
            AuditContext(client_ip=client_ip),
            subject_type="account",
            subject_id=str(account.id),
        )
        return self._step(flow, account, phone, sent.resend_after_seconds)

    def _matches(self, unit: Enterprise, form: ConfirmUnit, clean: _Confirmed) -> bool:
        rep_name = self._vault.open(unit.legal_rep_name_cipher, "legal_rep_name")
        return (
            unit.legal_person_type == form.legal_person_type
            and _same_text(unit.name, form.unit_name)
            and _same_text(rep_name, form.legal_representative_name)
            and unit.legal_rep_id_type == form.id_type
            and unit.legal_rep_id_number_index == self._vault.index_id_number(clean.id_number)
        )

    async def current(self, flow_id: str | uuid.UUID) -> ActivationStep:
        """Where a flow stands (the pages redraw the step it is in)."""
        flow, account, phone = await self._load(flow_id)
        return self._step(flow, account, phone)

    async def resend(
        self,
        flow_id: str | uuid.UUID,
        captcha_id: str | None,
        captcha_answer: str | None,
        client_ip: str,
        locale: Locale,
    ) -> ActivationStep:
        """Step 2 again: a fresh code to the reserved phone (captcha, one a minute)."""
        flow, account, phone = await self._load(flow_id)
        TRANSITIONS.check(flow.state, ActivationState.CODE_SENT)
        sent = await self._sms.request(
            SmsPurpose.ACTIVATE,
            phone,
            captcha_id,
            captcha_answer,
            client_ip=client_ip,
            locale=locale,
        )
        return self._step(flow, account, phone, sent.resend_after_seconds)

    async def prove_phone(self, flow_id: str | uuid.UUID, sms_code: str) -> ActivationStep:
        """Step 2 (安全验证): the code sent to the reserved phone."""
        flow, account, phone = await self._load(flow_id)
        TRANSITIONS.check(flow.state, ActivationState.PHONE_PROVED)
        code = clean_text(sms_code, "smsCode", max_length=16)
        await self._sms.verify(SmsPurpose.ACTIVATE, phone, code, "smsCode")
        moved = await ActivationFlow.filter(id=flow.id, state=ActivationState.CODE_SENT).update(
            state=ActivationState.PHONE_PROVED, updated_at=self._clock.now()
        )
        if not moved:
            raise InvalidState(flow.state.value, ActivationState.PHONE_PROVED.value)
        flow.state = ActivationState.PHONE_PROVED
        return self._step(flow, account, phone)

    async def set_credentials(
        self, flow_id: str | uuid.UUID, login_name: str, password: str, context: AuditContext
    ) -> ActivationStep:
        """Step 3 (设置账密): the account name (the current one may be kept, WP_ names too)
        and a password under the policy; the account becomes ACTIVE in one transaction."""
        flow, account, phone = await self._load(flow_id)
        TRANSITIONS.check(flow.state, ActivationState.ACTIVATED)
        checks = Checks()
        name = checks.run(clean_text, login_name, "loginName", max_length=64)
        if name is not None and login_key(name) != account.login_key:
            name = checks.run(check_login_name, name, AccountKind.ENTERPRISE, "loginName")
        strength = checks.run(
            check_password, password, login_name=name, phone=phone, field="password"
        )
        checks.raise_if_any()
        assert name is not None and strength is not None
        hashed = await self._passwords.hash(password)
        now = self._clock.now()
        try:
            async with in_transaction():
                await self._activate(flow, account, name, hashed, now)
                await self._audit.record(
                    "activation.completed",
                    AuditContext(actor_id=account.id, client_ip=context.client_ip),
                    subject_type="account",
                    subject_id=str(account.id),
                    details={"renamed": login_key(name) != account.login_key},
                )
        except IntegrityError:
            raise ValidationFailed.single("loginName", "LOGIN_NAME_TAKEN") from None
        flow.state = ActivationState.ACTIVATED
        account.login_name = name
        return self._step(flow, account, phone, strength=strength)

    async def _activate(
        self, flow: ActivationFlow, account: Account, name: str, hashed: str, now: datetime
    ) -> None:
        moved = await ActivationFlow.filter(id=flow.id, state=ActivationState.PHONE_PROVED).update(
            state=ActivationState.ACTIVATED, updated_at=now
        )
        if not moved:
            raise InvalidState(flow.state.value, ActivationState.ACTIVATED.value)
        if (
            login_key(name) != account.login_key
            and await Account.filter(login_key=login_key(name)).exists()
        ):
            raise ValidationFailed.single("loginName", "LOGIN_NAME_TAKEN")
        activated = await Account.filter(
            id=account.id, status=AccountStatus.PENDING_ACTIVATION
        ).update(
            status=AccountStatus.ACTIVE, login_name=name, login_key=login_key(name), updated_at=now
        )
        if not activated:
            raise DomainError("ACTIVATION_NOT_NEEDED")
        await PasswordCredential.filter(account_id=account.id).update(hash=hashed, changed_at=now)
        await Enterprise.filter(id=account.id).update(
            legal_rep_id_valid_from=flow.id_valid_from,
            legal_rep_id_valid_until=flow.id_valid_until,
            legal_rep_id_long_term=flow.id_long_term,
            updated_at=now,
        )

    async def _load(self, flow_id: str | uuid.UUID) -> tuple[ActivationFlow, Account, str]:
        try:
            key = flow_id if isinstance(flow_id, uuid.UUID) else uuid.UUID(str(flow_id))
        except ValueError:
            raise DomainError("ACTIVATION_FLOW_UNKNOWN", "flowId") from None
        flow = await ActivationFlow.get_or_none(id=key).prefetch_related("account")
        if flow is None or TRANSITIONS.is_terminal(flow.state):
            raise DomainError("ACTIVATION_FLOW_UNKNOWN", "flowId")
        flow.ensure_valid(self._clock)
        phone = self._vault.phone_of(flow.account)
        if phone is None:
            raise DomainError("ACTIVATION_NO_PHONE")
        return flow, flow.account, phone

    def _step(
        self,
        flow: ActivationFlow,
        account: Account,
        phone: str,
        resend_after: int = 0,
        strength: Strength | None = None,
    ) -> ActivationStep:
        return ActivationStep(
            flow_id=flow.id,
            state=flow.state,
            masked_phone=mask_phone(phone),
            login_name=account.login_name,
            expires_at=flow.expires_at,
            resend_after_seconds=resend_after,
            password_strength=strength,
        )
