"""Credential and profile changes (SPEC §3, §4.4): password, reserved phone, and the
natural-person and enterprise fields that do not touch real-name identity. Every change
is one transaction that writes the row, an info update record and an audit event.

Changing the password ends every other login session (through ``SessionRevoker``, which
the sessions layer implements) and tells the reserved phone; changing the phone needs the
password and a code sent to the new number, and tells the old one.

Identity fields (names, document data, unit name, credit code...) are written through
``apply_changes`` by the verification domain, which decides whether they re-run real-name
verification (SPEC §4.4) and records that on the info update record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.accounts.password_policy import Strength, check_password
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.profile_forms import clean_enterprise_changes, clean_person_changes
from identity_graph.accounts.records import FieldChange, InfoUpdateLog, masked_change
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.models import SmsPurpose
from identity_graph.challenges.sms import SmsCodeService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import CHINA_TIME, Clock, local_date
from identity_graph.core.crypto import mask_phone
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.validators import normalize_mobile
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel

MESSAGES = {
    "PASSWORD_WRONG": ("密码错误", "Wrong password"),
    "PASSWORD_UNCHANGED": (
        "新密码不能与原密码相同",
        "The new password must differ from the old one",
    ),
    "PHONE_UNCHANGED": ("新手机号码与原号码相同", "This is already your phone number"),
    "PHONE_TAKEN": (
        "该手机号码已绑定其他同类账号",
        "This phone number already belongs to another account of this type",
    ),
    "NOTHING_TO_CHANGE": ("没有需要修改的内容", "Nothing to change"),
    "IDENTITY_TAKEN": (
        "该证件号码或单位代码已被其他账号使用，如有疑问请提出申诉",
        "Another account already uses this ID number or code; appeal if this is wrong",
    ),
    "WRONG_ACCOUNT_KIND": (
        "当前账号类型不能修改这类信息",
        "This kind of account cannot change these details",
    ),
}


# Sealed ID-number columns and the blind index that must follow them.
_INDEXED = {
    "id_number_cipher": "id_number_index",
    "legal_rep_id_number_cipher": "legal_rep_id_number_index",
}
_UNIQUE_FIELDS = ("idNumber", "uscc", "unitIdentifier")


class SessionRevoker(Protocol):
    async def revoke_other_sessions(
        self, account_id: uuid.UUID, keep: uuid.UUID | None, reason: str
    ) -> int: ...


class ProfileService:
    def __init__(
        self,
        clock: Clock,
        passwords: PasswordHasher,
        vault: PersonalData,
        sms: SmsCodeService,
        notifier: Notifier,
        limiter: RateLimiter,
        audit: AuditLog,
        records: InfoUpdateLog,
        sessions: SessionRevoker,
        industry: Any,
    ) -> None:
        self._clock = clock
        self._passwords = passwords
        self._vault = vault
        self._sms = sms
        self._notifier = notifier
        self._limiter = limiter
        self._audit = audit
        self._records = records
        self._sessions = sessions
        self._industry = industry
        # A stolen access token must not become a way to guess the password.
        self._guesses = Rule("password_reentry", 5, 900)

    async def change_password(
        self,
        account_id: uuid.UUID,
        old_password: str,
        new_password: str,
        *,
        keep_session: uuid.UUID | None,
        context: AuditContext,
        locale: Locale,
    ) -> Strength:
        account = await Account.get(id=account_id)
        phone = self._vault.phone_of(account)
        strength = check_password(
            new_password, login_name=account.login_name, phone=phone, field="newPassword"
        )
        credential = await self._check_password(account, old_password, "oldPassword")
        if old_password == new_password:
            raise ValidationFailed.single("newPassword", "PASSWORD_UNCHANGED")
        hashed = await self._passwords.hash(new_password)
        now = self._clock.now()
        async with in_transaction():
            await PasswordCredential.filter(id=credential.id).update(hash=hashed, changed_at=now)
            ended = await self._sessions.revoke_other_sessions(
                account.id, keep_session, "password_changed"
            )
            await self._records.record(
                account.id, context.actor_id, [FieldChange("password", "******", "******")]
            )
            await self._security_event(account, "account.password_changed", context, ended=ended)
            if phone:
                await self._notify(phone, "password_changed", account, now, locale)
        return strength

    # Changing the reserved phone is three steps, composed by
    # ``verification.reverification.Reverification.change_phone`` (the phone is a field
    # whose change re-runs verification on a verified resident).

    def new_phone(self, account: Account, new_phone: str) -> tuple[str | None, str]:
        """The current and the new reserved phone; the new one well-formed and different."""
        number = normalize_mobile(new_phone, "newPhone")
        old = self._vault.phone_of(account)
        if number == old:
            raise ValidationFailed.single("newPhone", "PHONE_UNCHANGED")
        return old, number

    async def prove_phone(
        self, account: Account, password: str, number: str, sms_code: str
    ) -> None:
        """The holder's password, and the code sent to the new number (used up here)."""
        await self._check_password(account, password, "password")
        await self._sms.verify(SmsPurpose.CHANGE_PHONE, number, sms_code)

    async def write_phone(
        self,
        account: Account,
        old: str | None,
        number: str,
        *,
        context: AuditContext,
        locale: Locale,
        reverification: bool = False,
    ) -> None:
        """Save the proved number (in the caller's transaction if there is one)."""
        index = self._vault.index_phone(number)
        now = self._clock.now()
        async with in_transaction():
            # The caller proved control of the new number, so saying it is taken is no leak.
            if await Account.filter(kind=account.kind, phone_index=index).exists():
                raise ValidationFailed.single("newPhone", "PHONE_TAKEN")
            await Account.filter(id=account.id).update(
                phone_cipher=self._vault.seal(number, "phone"), phone_index=index, updated_at=now
            )
            await self._records.record(
                account.id,
                context.actor_id,
                [masked_change("phone", old, number)],
                reverification=reverification,
            )
            await self._security_event(account, "account.phone_changed", context)
            if old:
                await self._notify(old, "phone_changed", account, now, locale, number)

    async def update_natural_person(
        self, account_id: uuid.UUID, values: Mapping[str, Any], context: AuditContext
    ) -> NaturalPerson:
        account = await self._own(account_id, AccountKind.NATURAL_PERSON)
        await NaturalPerson.get(id=account.id)
        cleaned = clean_person_changes(values)
        await self.apply_changes(account.id, cleaned, context)
        return await NaturalPerson.get(id=account.id)

    async def update_enterprise(
        self, account_id: uuid.UUID, values: Mapping[str, Any], context: AuditContext
    ) -> Enterprise:
        account = await self._own(account_id, AccountKind.ENTERPRISE)
        await Enterprise.get(id=account.id)
        cleaned = clean_enterprise_changes(values, self._industry, today=local_date(self._clock))
        await self.apply_changes(account.id, cleaned, context)
        return await Enterprise.get(id=account.id)

    async def apply_changes(
        self,
        account_id: uuid.UUID,
        cleaned: Mapping[str, tuple[str, Any]],
        context: AuditContext,
        *,
        reverification: bool = False,
        loaded: tuple[Account, NaturalPerson | Enterprise] | None = None,
    ) -> list[str]:
        """Write the changed columns of the person or unit (and the account's e-mail).

        ``cleaned`` maps an input field name to (column, clean value); sealed columns end
        in ``_cipher`` and are compared and recorded by their clear value, and a sealed ID
        number keeps its blind index in step. Runs in the caller's transaction if there is
        one; returns the fields that changed. ``loaded``: the account and its person or unit
        as the caller read them in this request (a verification submission), not read again.
        """
        if not cleaned:
            raise DomainError("NOTHING_TO_CHANGE")
        if loaded is not None and loaded[0].id == account_id and loaded[1].id == account_id:
            return await self._apply(loaded[0], loaded[1], cleaned, context, reverification)
        account = await Account.get(id=account_id)
        model = NaturalPerson if account.kind is AccountKind.NATURAL_PERSON else Enterprise
        row = await model.get(id=account_id)
        return await self._apply(account, row, cleaned, context, reverification)

    async def _apply(
        self,
        account: Account,
        row: NaturalPerson | Enterprise,
        cleaned: Mapping[str, tuple[str, Any]],
        context: AuditContext,
        reverification: bool,
    ) -> list[str]:
        changes: list[FieldChange] = []
        row_updates: dict[str, Any] = {}
        account_updates: dict[str, Any] = {}
        for field, (column, value) in cleaned.items():
            target = account if column == "email_cipher" else row
            old = (
                self._vault.open_optional(getattr(target, column), column.removesuffix("_cipher"))
                if column.endswith("_cipher")
                else getattr(target, column)
            )
            if old == value:
                continue
            changes.append(masked_change(field, old, value))
            updates = account_updates if target is account else row_updates
            updates[column] = self._seal_column(column, value)
            if column in _INDEXED:
                updates[_INDEXED[column]] = self._vault.index_id_number(value)
        if not changes:
            return []
        now = self._clock.now()
        fields = [c.field for c in changes]
        try:
            async with in_transaction():
                if row_updates:
                    await type(row).filter(id=row.id).update(**row_updates, updated_at=now)
                await Account.filter(id=account.id).update(**account_updates, updated_at=now)
                await self._records.record(
                    account.id, context.actor_id, changes, reverification=reverification
                )
                await self._security_event(
                    account, "account.profile_updated", context, fields=fields
                )
        except IntegrityError as error:
            # Another account holds this ID number or code (unique indexes decide).
            taken = next((f for f in fields if f in _UNIQUE_FIELDS), fields[0])
            raise ValidationFailed.single(taken, "IDENTITY_TAKEN") from error
        return fields

    def _seal_column(self, column: str, value: Any) -> Any:
        if not column.endswith("_cipher") or value is None:
            return value
        return self._vault.seal(value, column.removesuffix("_cipher"))

    async def _own(self, account_id: uuid.UUID, kind: AccountKind) -> Account:
        account = await Account.get(id=account_id)
        if account.kind != kind:
            raise NotAuthorized("WRONG_ACCOUNT_KIND")
        return account

    async def _check_password(
        self, account: Account, password: str, field: str
    ) -> PasswordCredential:
        await self._limiter.enforce(self._guesses, str(account.id))
        credential = await PasswordCredential.get(account_id=account.id)
        if not await self._passwords.verify(credential.hash, password):
            raise ValidationFailed.single(field, "PASSWORD_WRONG")
        await self._limiter.reset(self._guesses, str(account.id))
        return credential

    async def _security_event(
        self, account: Account, action: str, context: AuditContext, **details: Any
    ) -> None:
        await self._audit.record(
            action, context, subject_type="account", subject_id=str(account.id), details=details
        )

    async def _notify(
        self,
        phone: str,
        template: str,
        account: Account,
        at: datetime,
        locale: Locale,
        new_phone: str | None = None,
    ) -> None:
        params = {
            "login_name": account.login_name,
            "time": at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M"),
            "new_phone": mask_phone(new_phone) if new_phone else "",
        }
        await self._notifier.send(Channel.SMS, template, phone, params, locale)
