"""Owns table ``appeals`` (SPEC §6.1). Only ``recovery.appeals`` services write it.

An appeal is one request, made without logging in, to change an account a person cannot
reach any more (or to create one). The form holds names and ID numbers, so it is kept
sealed (AES-GCM, column name as associated data); the contact phone is sealed with a blind
index for the status lookup. The materials are ``documents`` rows attached to the appeal.
A password-reset link sent on approval is kept only as a keyed hash.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class AppealKind(StrEnum):
    PERSON_PASSWORD = "person_password"  # noqa: S105 - 自然人申诉找回密码
    UNIT_PASSWORD = "unit_password"  # noqa: S105 - 单位法人用户申诉找回密码
    ASSISTED_REGISTRATION = "assisted_registration"  # 辅助企业注册申诉
    MODIFY_ENTERPRISE = "modify_enterprise"  # 修改企业信息申诉
    IDENTITY_CHANGE = "identity_change"  # 变更实名身份


class AppealState(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Appeal(Model):
    id = fields.UUIDField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    kind = fields.CharEnumField(AppealKind, max_length=24)
    state = fields.CharEnumField(AppealState, max_length=16, default=AppealState.SUBMITTED)
    phone_cipher = fields.TextField()
    phone_index = fields.CharField(max_length=64, db_index=True)
    form_cipher = fields.TextField()
    applicant_id = fields.UUIDField(null=True)  # the logged-in submitter, if any
    account_id = fields.UUIDField(null=True, db_index=True)  # the account it changed
    documents: Any = fields.JSONField(default=list)
    submitted_at = fields.DatetimeField()
    due_on = fields.DateField()
    reviewer_id = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)
    reasons: Any = fields.JSONField(default=list)
    note = fields.TextField(null=True)
    reset_hash = fields.CharField(max_length=64, null=True, unique=True)
    reset_expires_at = fields.DatetimeField(null=True)
    reset_used_at = fields.DatetimeField(null=True)
    # The language of the request that filed it: its result SMS is sent in that language.
    locale = fields.CharField(max_length=8, default="zh-CN", db_default="zh-CN")
    updated_at = fields.DatetimeField()

    class Meta:
        table = "appeals"
        indexes = (("state", "due_on"),)


__all__ = ["Appeal", "AppealKind", "AppealState"]
