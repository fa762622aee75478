"""Owns table ``personal_access_tokens``: long-lived operator tokens, stored as keyed hashes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.models import Account


class PersonalAccessToken(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="access_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    token_hmac = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "personal_access_tokens"
