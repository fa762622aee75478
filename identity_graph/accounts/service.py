"""Account writes. Staff creation for now; registration and login arrive with SPEC §2–3."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from identity_graph.accounts.models import (
    Account,
    AccountKind,
    AccountStatus,
    PasswordCredential,
    Role,
)
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.validators import clean_text

MESSAGES = {
    "LOGIN_NAME_TAKEN": ("该登录名不可用", "This login name is not available"),
    "PASSWORD_TOO_SHORT": ("密码至少 {min} 位", "The password needs at least {min} characters"),
    "ACCOUNT_NOT_FOUND": ("账号不存在", "No such account"),
}


class AccountService:
    def __init__(self, clock: Clock, passwords: PasswordHasher, audit: AuditLog) -> None:
        self._clock = clock
        self._passwords = passwords
        self._audit = audit

    async def create_staff(
        self, login_name: str, password: str, roles: list[Role], context: AuditContext
    ) -> Account:
        """An operator or reviewer account (CLI ``create-admin``)."""
        name = clean_text(login_name, "loginName", max_length=64)
        if len(password) < 12:
            raise ValidationFailed.single("password", "PASSWORD_TOO_SHORT", min=12)
        hashed = await self._passwords.hash(password)
        now = self._clock.now()
        async with in_transaction():
            if await Account.filter(login_name=name).exists():
                raise DomainError("LOGIN_NAME_TAKEN", "loginName")
            account = await Account.create(
                id=uuid.uuid4(),
                kind=AccountKind.STAFF,
                login_name=name,
                status=AccountStatus.ACTIVE,
                roles=[role.value for role in roles],
                created_at=now,
                updated_at=now,
            )
            await PasswordCredential.create(account=account, hash=hashed, changed_at=now)
            await self._audit.record(
                "staff.created",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"roles": [role.value for role in roles]},
            )
        return account

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """Batch load for DataLoaders: one query for any number of ids."""
        rows = await Account.filter(id__in=ids)
        return {row.id: row for row in rows}
