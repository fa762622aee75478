"""Owns tables ``captcha_challenges`` and ``sms_challenges``. Answers and codes are stored
only as keyed hashes; phones only as a blind index."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from identity_graph.core.flow import FlowModel


class CaptchaState(StrEnum):
    ISSUED = "issued"
    USED = "used"


class SmsCodeState(StrEnum):
    ISSUED = "issued"
    USED = "used"
    EXHAUSTED = "exhausted"
    SUPERSEDED = "superseded"


class SmsPurpose(StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose name, not a secret
    CHANGE_PHONE = "change_phone"
    ACTIVATE = "activate"
    APPEAL = "appeal"
    VERIFY_IDENTITY = "verify_identity"


class CaptchaChallenge(FlowModel):
    id = fields.UUIDField(primary_key=True)
    answer_hmac = fields.CharField(max_length=64)
    state = fields.CharEnumField(CaptchaState, max_length=16, default=CaptchaState.ISSUED)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "captcha_challenges"


class SmsChallenge(FlowModel):
    id = fields.UUIDField(primary_key=True)
    purpose = fields.CharEnumField(SmsPurpose, max_length=32)
    phone_index = fields.CharField(max_length=64)
    code_hmac = fields.CharField(max_length=64)
    state = fields.CharEnumField(SmsCodeState, max_length=16, default=SmsCodeState.ISSUED)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sms_challenges"
        indexes = (("phone_index", "purpose", "state"),)
