"""Owns table ``password_resets`` (SPEC §5): one row per password-reset flow.

The row holds no personal data: the account it may reset (``NULL`` when what was typed
matched no account, so that a decoy flow behaves like a real one), the channel, and the
code as a keyed hash. The flow's states and moves are in ``recovery/reset.py``.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from identity_graph.core.flow import FlowModel


class ResetKind(StrEnum):
    NATURAL_PERSON = "natural_person"
    ENTERPRISE = "enterprise"


class ResetChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class ResetState(StrEnum):
    CODE_SENT = "code_sent"
    COMPLETED = "completed"
    EXHAUSTED = "exhausted"
    SUPERSEDED = "superseded"


class PasswordReset(FlowModel):
    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(ResetKind, max_length=16)
    channel = fields.CharEnumField(ResetChannel, max_length=8)
    state = fields.CharEnumField(ResetState, max_length=16, default=ResetState.CODE_SENT)
    # Not a foreign key: a decoy flow names no account, and a reset outlives nothing.
    account_id = fields.UUIDField(null=True, db_index=True)
    code_hmac = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_resets"
