"""Owns tables ``activation_flows`` (enterprise activation, SPEC §6.3) and
``legacy_import_records`` (one row per imported legacy account, SPEC §2.5)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.models import Account
from identity_graph.core.flow import FlowModel


class ActivationState(StrEnum):
    CODE_SENT = "code_sent"  # the unit was confirmed; an SMS code went to the reserved phone
    PHONE_PROVED = "phone_proved"  # the code was redeemed; account name and password next
    ACTIVATED = "activated"


class ActivationFlow(FlowModel):
    id = fields.UUIDField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="activation_flows", on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(ActivationState, max_length=16)
    # The legal representative's ID validity as confirmed in step 1, written at activation.
    id_valid_from = fields.DateField(null=True)
    id_valid_until = fields.DateField(null=True)
    id_long_term = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "activation_flows"


class LegacyImportRecord(Model):
    """A legacy account already imported: a rerun of the same file finds it and changes nothing."""

    id = fields.BigIntField(primary_key=True)
    source_key = fields.CharField(max_length=100, unique=True)
    account_id = fields.UUIDField()
    outcome = fields.CharField(max_length=16)
    login_name = fields.CharField(max_length=64)
    imported_at = fields.DatetimeField()

    class Meta:
        table = "legacy_import_records"
