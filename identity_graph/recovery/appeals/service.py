"""Appeals (申诉, SPEC §6.1, §6.2): submitted without logging in, decided by a reviewer.

```mermaid
stateDiagram-v2
    [*] --> SUBMITTED: submitAppeal — form and materials checked, new phone SMS-verified
    SUBMITTED --> IN_REVIEW: a reviewer takes it (startAppealReview)
    SUBMITTED --> APPROVED: decideAppeal approve (the change is applied in the same transaction)
    IN_REVIEW --> APPROVED: decideAppeal approve
    SUBMITTED --> REJECTED: decideAppeal reject with reasons
    IN_REVIEW --> REJECTED: decideAppeal reject with reasons
    APPROVED --> [*]: result by SMS; password kinds: a reset link by SMS (links.py)
    REJECTED --> [*]: result and reasons by SMS
```

Approving applies the change in the decision's transaction: the password kinds and the
enterprise change make the appeal's phone the account's reserved phone and send a
password-reset *link* (never a password); an identity change writes the new name and ID
number; an assisted registration creates the enterprise in PENDING_ACTIVATION. An account
the form does not match is a refusal to the reviewer, who then rejects.

The due date is ``review_working_days`` working days after submission on the calendar of
manual review; overdue appeals lead the queue. A reviewer never decides an appeal about
their own account or one they submitted. Every move is a conditional UPDATE on the expected
state, so of two reviewers deciding at once exactly one wins. The status lookup
(``appealStatus``) answers the same "not found" for an unknown number and a wrong phone.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import orjson
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import (
    AccountKind,
    AccountStatus,
    AssuranceLevel,
    LegalPersonType,
    Role,
    UnitRegion,
)
from identity_graph.accounts.login_names import login_key
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.accounts.password_policy import check_password
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.profile import ProfileService, SessionRevoker
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.models import SmsPurpose
from identity_graph.challenges.sms import SmsCodeService
from identity_graph.core import keyset
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import CHINA_TIME, Clock, local_date
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.core.keyset import Window
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.secrets import SecretHasher
from identity_graph.core.validators import Checks, normalize_mobile, optional_text
from identity_graph.files.models import Document
from identity_graph.files.service import DocumentKind, DocumentStore
from identity_graph.ids.types import IdType
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel
from identity_graph.recovery.appeals import forms
from identity_graph.recovery.appeals.forms import AppealForm
from identity_graph.recovery.appeals.models import Appeal, AppealKind, AppealState

MESSAGES = {
    **forms.MESSAGES,
    "APPEAL_NOT_FOUND": (
        "未找到该申诉，请核对申诉编号和手机号",
        "No such appeal; check the appeal number and the phone",
    ),
    "APPEAL_ALREADY_DECIDED": ("该申诉已处理", "This appeal has already been decided"),
    "APPEAL_ALREADY_TAKEN": ("该申诉已由审核员受理", "A reviewer has already taken this appeal"),
    "APPEAL_OWN_CASE": ("不能审核本人的申诉", "You cannot decide your own appeal"),
    "APPEAL_ACCOUNT_NOT_FOUND": (
        "申诉信息与任何账号都不匹配，请驳回",
        "The appeal matches no account; reject it",
    ),
    "APPEAL_REJECTION_REASON_REQUIRED": (
        "驳回时请至少选择一项原因",
        "Choose at least one reason to reject",
    ),
    "APPEAL_LOGIN_NAME_TAKEN": ("账号名已被使用", "The account name is taken"),
    "APPEAL_UNIT_REGISTERED": (
        "该统一社会信用代码已注册，请驳回并提示使用修改企业信息申诉",
        "This credit code is registered already; reject and point to the modify appeal",
    ),
    "RESET_PASSWORDS_DIFFER": ("两次输入的密码不一致", "The two passwords differ"),
    "RESET_LINK_INVALID": (
        "重置链接无效、已使用或已过期，请重新申诉",
        "The reset link is invalid, used or expired; file a new appeal",
    ),
    "APPEAL_REJECT_MATERIALS_UNCLEAR": ("材料不清晰", "The materials are not legible"),
    "APPEAL_REJECT_MATERIALS_MISMATCH": (
        "材料与填写信息不一致",
        "The materials do not match the data entered",
    ),
    "APPEAL_REJECT_MATERIALS_INCOMPLETE": ("材料不完整", "Materials are incomplete"),
    "APPEAL_REJECT_NO_ACCOUNT": ("未找到与申诉信息匹配的账号", "No account matches the appeal"),
    "APPEAL_REJECT_SEAL_MISSING": ("材料未签字或未加盖公章", "Materials are not signed or sealed"),
    "APPEAL_REJECT_OTHER": ("其他原因（见审核意见）", "Other (see the reviewer's note)"),
}

REJECTION_REASONS = (
    "APPEAL_REJECT_MATERIALS_UNCLEAR",
    "APPEAL_REJECT_MATERIALS_MISMATCH",
    "APPEAL_REJECT_MATERIALS_INCOMPLETE",
    "APPEAL_REJECT_NO_ACCOUNT",
    "APPEAL_REJECT_SEAL_MISSING",
    "APPEAL_REJECT_OTHER",
)
_FORM_COLUMN = "appeal_form"
_RESET_PURPOSE = "appeal-reset"
_PASSWORD_KINDS = (AppealKind.PERSON_PASSWORD, AppealKind.UNIT_PASSWORD)


class ReviewedIdentity(Protocol):
    """Records an identity a reviewer approved (``VerificationService``): a verified
    account then holds a MANUAL_APPROVED case of its new identity."""

    async def record_reviewed_identity(
        self, account_id: uuid.UUID, context: AuditContext
    ) -> None: ...


class Calendar(Protocol):
    """The manual-review working-day calendar (``verification.workdays.WorkingDays``)."""

    def due_date(self, submitted_on: date, working_days: int = ...) -> date: ...


@dataclass(frozen=True)
class Material:
    kind: DocumentKind
    filename: str
    data: bytes


@dataclass(frozen=True)
class Policy:
    working_days: int = 5
    reset_link_ttl: timedelta = timedelta(hours=24)
    submissions: Rule = field(default_factory=lambda: Rule("appeal_submit_ip", 10, 3600))
    lookups: Rule = field(default_factory=lambda: Rule("appeal_status_ip", 20, 3600))


@dataclass(frozen=True)
class Decision:
    approve: bool
    reasons: Sequence[str] = ()
    note: str | None = None


class AppealService:
    def __init__(
        self,
        clock: Clock,
        vault: PersonalData,
        hasher: SecretHasher,
        store: DocumentStore,
        sms: SmsCodeService,
        limiter: RateLimiter,
        notifier: Notifier,
        audit: AuditLog,
        profiles: ProfileService,
        calendar: Calendar,
        passwords: PasswordHasher,
        sessions: SessionRevoker,
        identities: ReviewedIdentity,
        public_url: str,
        policy: Policy | None = None,
    ) -> None:
        self._clock = clock
        self._vault = vault
        self._hasher = hasher
        self._store = store
        self._sms = sms
        self._limiter = limiter
        self._notifier = notifier
        self._audit = audit
        self._profiles = profiles
        self._calendar = calendar
        self._passwords = passwords
        self._sessions = sessions
        self._identities = identities
        self._public_url = public_url.rstrip("/")
        self.policy = policy or Policy()

    # Submission --------------------------------------------------------------------

    async def submit(
        self,
        form: AppealForm,
        materials: Sequence[Material],
        *,
        applicant_id: uuid.UUID | None,
        client_ip: str,
        context: AuditContext,
        locale: Locale = "zh-CN",
    ) -> Appeal:
        """Check everything, prove the phone, then store the appeal in one transaction; its
        result will be sent in ``locale``, the language the applicant filed it in."""
        await self._limiter.enforce(self.policy.submissions, client_ip)
        checks = Checks()
        values = checks.run(forms.clean, form, today=local_date(self._clock)) or {}
        forms.check_materials(form.kind, [m.kind for m in materials], checks)
        stored = []
        for index, material in enumerate(materials):
            saved = await _run(
                checks,
                self._store.save(
                    material.kind, material.filename, material.data, f"materials.{index}.file"
                ),
            )
            if saved is not None:
                stored.append(saved)
        checks.raise_if_any()
        phone = normalize_mobile(form.phone, "phone")
        await self._sms.verify(SmsPurpose.APPEAL, phone, form.sms_code, "smsCode")
        if form.kind in _PASSWORD_KINDS:
            await self._refuse_taken_phone(form.kind, phone)
        now = self._clock.now()
        appeal_id = uuid.uuid4()
        async with in_transaction():
            document_ids = []
            for saved in stored:
                row = await Document.create(
                    id=uuid.uuid4(),
                    owner_id=appeal_id,
                    kind=saved.kind,
                    storage_key=saved.key,
                    mime=saved.mime,
                    size=saved.size,
                    sha256=saved.sha256,
                    name=saved.original_name,
                    attached_to=appeal_id,
                    created_at=now,
                )
                document_ids.append(str(row.id))
            appeal = await Appeal.create(
                id=appeal_id,
                number=self._number(now),
                kind=form.kind,
                phone_cipher=self._vault.seal(phone, "phone"),
                phone_index=self._vault.index_phone(phone),
                form_cipher=self._vault.seal(orjson.dumps(values).decode(), _FORM_COLUMN),
                applicant_id=applicant_id,
                documents=document_ids,
                submitted_at=now,
                due_on=self._calendar.due_date(local_date(self._clock), self.policy.working_days),
                locale=locale,
                updated_at=now,
            )
            await self._audit.record(
                "appeal.submitted",
                context,
                subject_type="appeal",
                subject_id=str(appeal.id),
                details={"kind": form.kind.value, "materials": len(document_ids)},
            )
        return appeal

    async def _refuse_taken_phone(self, kind: AppealKind, phone: str) -> None:
        # The phone was just proved, so saying it is in use leaks nothing (SPEC §6.1).
        account_kind = (
            AccountKind.NATURAL_PERSON
            if kind is AppealKind.PERSON_PASSWORD
            else AccountKind.ENTERPRISE
        )
        index = self._vault.index_phone(phone)
        if await Account.filter(kind=account_kind, phone_index=index).exists():
            raise ValidationFailed.single("phone", "PHONE_TAKEN")

    def _number(self, now: datetime) -> str:
        """SS + China date + 8 random digits: unguessable enough to be no enumeration aid
        (the lookup also needs the phone)."""
        day = local_date(self._clock).strftime("%Y%m%d")
        return f"SS{day}{secrets.randbelow(10**8):08d}"

    # Public status -----------------------------------------------------------------

    async def status(self, number: str, phone: str, *, client_ip: str) -> Appeal:
        await self._limiter.enforce(self.policy.lookups, client_ip)
        text = (optional_text(number, "number", max_length=24) or "").upper()
        try:
            index = self._vault.index_phone(normalize_mobile(phone, "phone"))
        except ValidationFailed:
            index = ""
        appeal = await Appeal.get_or_none(number=text, phone_index=index) if text else None
        if appeal is None:
            raise DomainError("APPEAL_NOT_FOUND")
        return appeal

    # Reviewer console --------------------------------------------------------------

    async def queue(
        self, *, states: Sequence[AppealState], kind: AppealKind | None, window: Window
    ) -> list[Appeal]:
        """Oldest due date first (so overdue appeals lead), then by id: the rows in
        ``window`` (forwards or backwards)."""
        return await keyset.read(self._queue_query(states, kind), window, key=("due_on", "id"))

    @staticmethod
    def _queue_query(states: Sequence[AppealState], kind: AppealKind | None) -> QuerySet[Appeal]:
        query = Appeal.filter(state__in=list(states))
        return query.filter(kind=kind) if kind is not None else query

    def is_overdue(self, appeal: Appeal) -> bool:
        return appeal.state in (AppealState.SUBMITTED, AppealState.IN_REVIEW) and (
            appeal.due_on < local_date(self._clock)
        )

    def form_of(self, appeal: Appeal) -> dict[str, Any]:
        """The sealed form in clear: for reviewers only (callers check the role)."""
        data: dict[str, Any] = orjson.loads(self._vault.open(appeal.form_cipher, _FORM_COLUMN))
        return data

    def phone_of(self, appeal: Appeal) -> str:
        return self._vault.open(appeal.phone_cipher, "phone")

    async def materials(self, appeal: Appeal) -> list[tuple[Document, bytes]]:
        ids = [uuid.UUID(value) for value in appeal.documents]
        rows = {row.id: row for row in await Document.filter(id__in=ids)}
        return [(rows[i], await self._store.read(rows[i].storage_key)) for i in ids if i in rows]

    async def get(self, appeal_id: uuid.UUID, reviewer: Account) -> Appeal:
        _reviewer(reviewer)
        appeal = await Appeal.get_or_none(id=appeal_id)
        if appeal is None:
            raise DomainError("APPEAL_NOT_FOUND")
        return appeal

    async def start_review(
        self, appeal_id: uuid.UUID, reviewer: Account, context: AuditContext
    ) -> Appeal:
        appeal = await self.get(appeal_id, reviewer)
        await self._not_own(appeal, reviewer)
        now = self._clock.now()
        async with in_transaction():
            taken = await Appeal.filter(id=appeal.id, state=AppealState.SUBMITTED).update(
                state=AppealState.IN_REVIEW, reviewer_id=reviewer.id, updated_at=now
            )
            if not taken:
                code = "APPEAL_ALREADY_DECIDED" if appeal.state in _DONE else "APPEAL_ALREADY_TAKEN"
                raise DomainError(code)
            await self._audit.record(
                "appeal.review_started", context, subject_type="appeal", subject_id=str(appeal.id)
            )
        return await Appeal.get(id=appeal.id)

    async def decide(
        self, appeal_id: uuid.UUID, decision: Decision, reviewer: Account, context: AuditContext
    ) -> Appeal:
        appeal = await self.get(appeal_id, reviewer)
        await self._not_own(appeal, reviewer)
        if not decision.approve and not decision.reasons:
            raise ValidationFailed.single("reasons", "APPEAL_REJECTION_REASON_REQUIRED")
        note = optional_text(decision.note, "note", max_length=1000, multiline=True)
        reasons = list(dict.fromkeys(decision.reasons)) if not decision.approve else []
        state = AppealState.APPROVED if decision.approve else AppealState.REJECTED
        now = self._clock.now()
        phone = self.phone_of(appeal)
        async with in_transaction():
            won = await Appeal.filter(
                Q(reviewer_id=None) | Q(reviewer_id=reviewer.id),
                id=appeal.id,
                state__in=[AppealState.SUBMITTED, AppealState.IN_REVIEW],
            ).update(
                state=state,
                reviewer_id=reviewer.id,
                decided_at=now,
                reasons=reasons,
                note=note,
                updated_at=now,
            )
            if not won:
                fresh = await Appeal.get(id=appeal.id)
                code = "APPEAL_ALREADY_DECIDED" if fresh.state in _DONE else "APPEAL_ALREADY_TAKEN"
                raise DomainError(code)
            if decision.approve:
                await self._apply(appeal, phone, now, context)
            else:
                await self._notifier.send(
                    Channel.SMS,
                    "appeal_rejected",
                    phone,
                    {"number": appeal.number, "reasons": _reasons(reasons, locale_of(appeal))},
                    locale_of(appeal),
                )
            await self._audit.record(
                "appeal.decided",
                context,
                subject_type="appeal",
                subject_id=str(appeal.id),
                details={"decision": state.value, "reasons": reasons, "kind": appeal.kind.value},
            )
        return await Appeal.get(id=appeal.id)

    async def _not_own(self, appeal: Appeal, reviewer: Account) -> None:
        if reviewer.id in (appeal.applicant_id, appeal.account_id):
            raise NotAuthorized("APPEAL_OWN_CASE")
        target = await self._target(appeal)
        if target is not None and target.id == reviewer.id:
            raise NotAuthorized("APPEAL_OWN_CASE")

    # Applying an approved appeal ---------------------------------------------------

    async def _target(self, appeal: Appeal) -> Account | None:
        """The account the form designates, or None if it matches none."""
        form = self.form_of(appeal)
        if appeal.kind in (AppealKind.PERSON_PASSWORD, AppealKind.IDENTITY_CHANGE):
            index = self._vault.index_id_number(form.get("id_number", ""))
            person = await NaturalPerson.get_or_none(id_number_index=index)
            if person is None or person.id_type != IdType(form.get("id_type", "")):
                return None
            name = self._vault.open(person.real_name_cipher, "real_name")
            if name != form.get("real_name"):
                return None
            return await Account.get(id=person.id)
        if appeal.kind is AppealKind.ASSISTED_REGISTRATION:
            return None
        unit = await Enterprise.get_or_none(uscc=form.get("uscc"))
        if unit is None or unit.name != form.get("unit_name"):
            return None
        return await Account.get(id=unit.id)

    async def _apply(
        self, appeal: Appeal, phone: str, now: datetime, context: AuditContext
    ) -> None:
        form = self.form_of(appeal)
        if appeal.kind is AppealKind.ASSISTED_REGISTRATION:
            account = await self._register(form, phone, now, context)
        else:
            found = await self._target(appeal)
            if found is None:
                raise DomainError("APPEAL_ACCOUNT_NOT_FOUND")
            account = found
            await self._change(appeal.kind, account, form, phone, context)
        await Appeal.filter(id=appeal.id).update(account_id=account.id)
        params: dict[str, Any] = {"number": appeal.number, "login_name": account.login_name}
        template = "appeal_approved"
        if appeal.kind in _PASSWORD_KINDS or appeal.kind is AppealKind.MODIFY_ENTERPRISE:
            token = secrets.token_urlsafe(32)
            await Appeal.filter(id=appeal.id).update(
                reset_hash=self._hasher.digest(_RESET_PURPOSE, token),
                reset_expires_at=now + self.policy.reset_link_ttl,
            )
            params["link"] = f"{self._public_url}/appeals/reset/{token}"
            params["hours"] = int(self.policy.reset_link_ttl.total_seconds() // 3600)
            template = "appeal_approved_reset"
        await self._notifier.send(Channel.SMS, template, phone, params, locale_of(appeal))

    async def _change(
        self,
        kind: AppealKind,
        account: Account,
        form: dict[str, Any],
        phone: str,
        context: AuditContext,
    ) -> None:
        if kind in _PASSWORD_KINDS:  # "请通过申诉…解锁": an approved recovery unlocks
            await Account.filter(id=account.id, status=AccountStatus.LOCKED).update(
                status=AccountStatus.ACTIVE
            )
        old = self._vault.phone_of(account)
        if old != phone:
            await self._profiles.write_phone(account, old, phone, context=context, locale="zh-CN")
        if kind is AppealKind.IDENTITY_CHANGE:
            changes: dict[str, tuple[str, Any]] = {}
            if form.get("new_real_name"):
                changes["realName"] = ("real_name_cipher", form["new_real_name"])
            if form.get("new_id_number"):
                changes["idNumber"] = ("id_number_cipher", form["new_id_number"])
            await self._profiles.apply_changes(account.id, changes, context, reverification=True)
            await self._identities.record_reviewed_identity(account.id, context)
        elif kind is AppealKind.MODIFY_ENTERPRISE:
            changes = {
                "legalRepresentativeName": ("legal_rep_name_cipher", form["legal_rep_name"]),
                "legalRepresentativeIdType": (
                    "legal_rep_id_type",
                    IdType(form["legal_rep_id_type"]),
                ),
                "legalRepresentativeIdNumber": (
                    "legal_rep_id_number_cipher",
                    form["legal_rep_id_number"],
                ),
            }
            await self._profiles.apply_changes(account.id, changes, context, reverification=True)

    async def _register(
        self, form: dict[str, Any], phone: str, now: datetime, context: AuditContext
    ) -> Account:
        """An assisted registration: the enterprise starts PENDING_ACTIVATION (SPEC §6.3)."""
        if await Enterprise.filter(uscc=form["uscc"]).exists():
            raise DomainError("APPEAL_UNIT_REGISTERED")
        key = login_key(form["account_name"])
        if await Account.filter(login_key=key).exists():
            raise DomainError("APPEAL_LOGIN_NAME_TAKEN")
        account = await Account.create(
            id=uuid.uuid4(),
            kind=AccountKind.ENTERPRISE,
            login_name=form["account_name"],
            login_key=key,
            status=AccountStatus.PENDING_ACTIVATION,
            level=AssuranceLevel.PHONE_VERIFIED,  # the appeal's phone was proved by SMS
            phone_cipher=self._vault.seal(phone, "phone"),
            phone_index=self._vault.index_phone(phone),
            created_at=now,
            updated_at=now,
        )
        await Enterprise.create(
            id=account.id,
            account=account,
            name=form["unit_name"],
            region_type=UnitRegion.DOMESTIC,
            legal_person_type=LegalPersonType(form["legal_person_type"]),
            uscc=form["uscc"],
            address="",
            legal_rep_name_cipher=self._vault.seal(form["legal_rep_name"], "legal_rep_name"),
            legal_rep_id_type=IdType(form["legal_rep_id_type"]),
            legal_rep_id_number_cipher=self._vault.seal(
                form["legal_rep_id_number"], "legal_rep_id_number"
            ),
            legal_rep_id_number_index=self._vault.index_id_number(form["legal_rep_id_number"]),
            updated_at=now,
        )
        await self._audit.record(
            "account.created_by_appeal",
            context,
            subject_type="account",
            subject_id=str(account.id),
        )
        return account

    # The reset link ----------------------------------------------------------------

    async def open_reset(self, token: str) -> tuple[Appeal, Account]:
        """The appeal and account a reset link is for, while it is unused and unexpired."""
        if not token or len(token) > 100:
            raise DomainError("RESET_LINK_INVALID")
        appeal = await Appeal.get_or_none(reset_hash=self._hasher.digest(_RESET_PURPOSE, token))
        if (
            appeal is None
            or appeal.reset_used_at is not None
            or appeal.reset_expires_at is None
            or appeal.reset_expires_at <= self._clock.now()
            or appeal.account_id is None
        ):
            raise DomainError("RESET_LINK_INVALID")
        return appeal, await Account.get(id=appeal.account_id)

    async def complete_reset(
        self, token: str, password: str, confirm: str, context: AuditContext, locale: Locale
    ) -> Account:
        """Set the new password once (under the policy); the link is spent, every session
        of the account ends and the owner is told, all in one transaction."""
        appeal, account = await self.open_reset(token)
        phone = self._vault.phone_of(account)
        check_password(password, login_name=account.login_name, phone=phone, field="password")
        if password != confirm:
            raise ValidationFailed.single("confirmPassword", "RESET_PASSWORDS_DIFFER")
        hashed = await self._passwords.hash(password)
        now = self._clock.now()
        async with in_transaction():
            spent = await Appeal.filter(id=appeal.id, reset_used_at=None).update(reset_used_at=now)
            if not spent:
                raise DomainError("RESET_LINK_INVALID")
            updated = await PasswordCredential.filter(account_id=account.id).update(
                hash=hashed, changed_at=now
            )
            if not updated:
                await PasswordCredential.create(account_id=account.id, hash=hashed, changed_at=now)
            ended = await self._sessions.revoke_other_sessions(account.id, None, "password_reset")
            await self._audit.record(
                "appeal.password_reset",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"appeal": str(appeal.id), "sessions_ended": ended},
            )
            if phone:
                await self._notifier.send(
                    Channel.SMS,
                    "password_changed",
                    phone,
                    {"login_name": account.login_name, "time": _minute(now)},
                    locale,
                )
        return account


def locale_of(appeal: Appeal) -> Locale:
    """The language the appeal was filed in (older rows: Chinese)."""
    return "en" if appeal.locale == "en" else "zh-CN"


def _reasons(reasons: Sequence[str], locale: Locale) -> str:
    """The rejection reasons in the applicant's language, joined as that language lists."""
    which, separator = (1, "; ") if locale == "en" else (0, "；")
    return separator.join(MESSAGES[reason][which] for reason in reasons if reason in MESSAGES)


def _minute(moment: datetime) -> str:
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


_DONE = (AppealState.APPROVED, AppealState.REJECTED)


def _reviewer(account: Account) -> None:
    if not account.has_role(Role.REVIEWER):
        raise NotAuthorized()


async def _run(checks: Checks, call: Any) -> Any:
    try:
        return await call
    except ValidationFailed as failed:
        checks.errors.extend(failed.errors)
        return None
