"""Owns tables ``accounts`` and ``password_credentials``.

An account is the login principal; natural-person and enterprise details hang off it in
their own tables (added with registration). Staff accounts (operators, reviewers) are
created by ``identity-graph create-admin`` and carry roles.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class AccountKind(StrEnum):
    NATURAL_PERSON = "natural_person"
    ENTERPRISE = "enterprise"
    STAFF = "staff"


class AccountStatus(StrEnum):
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"
    LOCKED = "locked"
    DISABLED = "disabled"


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"


class Account(Model):
    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    login_name = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(AccountStatus, max_length=24, default=AccountStatus.ACTIVE)
    roles: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "accounts"

    def has_role(self, role: Role) -> bool:
        return role.value in (self.roles or [])


class PasswordCredential(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="password", on_delete=fields.CASCADE
    )
    hash = fields.CharField(max_length=255)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "password_credentials"
