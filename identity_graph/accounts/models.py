"""Owns tables ``accounts``, ``password_credentials``, ``natural_persons``, ``enterprises``
and ``info_update_records`` (SPEC §2.1, §2.2, §4.4).

An account is the login principal; a natural person's or an enterprise's details hang off
it one-to-one and share its id. Staff accounts (operators, reviewers) carry roles.

Personal data (SPEC §11): phone, e-mail, real names and ID numbers are stored only
AES-GCM-encrypted (``*_cipher``, the column name bound as associated data) and looked up
through a keyed blind index (``*_index``). Unique blind indexes make the database itself
refuse a second account with the same phone or ID number, even under concurrent
registration. Login names are unique case-insensitively through ``login_key``.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.enums import (
    AccountKind,
    AccountStatus,
    AssuranceLevel,
    EnterpriseSize,
    Holding,
    LegalPersonType,
    Role,
    UnitRegion,
    VerificationStatus,
)
from identity_graph.ids.types import Gender, IdType, RegionType

__all__ = [
    "Account",
    "AccountKind",
    "AccountStatus",
    "AssuranceLevel",
    "Enterprise",
    "InfoUpdateRecord",
    "NaturalPerson",
    "PasswordCredential",
    "Role",
    "VerificationStatus",
]


class Account(Model):
    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    login_name = fields.CharField(max_length=64, unique=True)
    login_key = fields.CharField(max_length=64, unique=True, null=True)
    status = fields.CharEnumField(AccountStatus, max_length=24, default=AccountStatus.ACTIVE)
    # Database defaults as well: columns added to a table that holds rows need one.
    level = fields.CharEnumField(
        AssuranceLevel,
        max_length=16,
        default=AssuranceLevel.PHONE_VERIFIED,
        db_default=AssuranceLevel.PHONE_VERIFIED,
    )
    # Written by the verification domain through ``AccountService.record_verification``.
    verification_status = fields.CharEnumField(
        VerificationStatus,
        max_length=24,
        default=VerificationStatus.UNVERIFIED,
        db_default=VerificationStatus.UNVERIFIED,
    )
    # The case that decides the status (``verification_cases.id``); swapping it is the
    # optimistic lock that keeps two submissions from both becoming current.
    verification_case_id = fields.UUIDField(null=True)
    roles: Any = fields.JSONField(default=list)
    phone_cipher = fields.TextField(null=True)
    phone_index = fields.CharField(max_length=64, null=True)
    email_cipher = fields.TextField(null=True)
    pledge_version = fields.CharField(max_length=16, null=True)
    pledge_accepted_at = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "accounts"
        # One resident account per phone, and one enterprise account per phone: the legal
        # representative's phone may serve their own account and their unit's.
        unique_together = (("kind", "phone_index"),)

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


class NaturalPerson(Model):
    """Identity data of a resident (SPEC §2.1), keyed by the id of the account."""

    id = fields.UUIDField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="natural_person", on_delete=fields.CASCADE
    )
    real_name_cipher = fields.TextField()
    region_type = fields.CharEnumField(RegionType, max_length=16)
    id_type = fields.CharEnumField(IdType, max_length=40)
    id_number_cipher = fields.TextField()
    id_number_index = fields.CharField(max_length=64, unique=True)
    id_valid_from = fields.DateField(null=True)
    id_valid_until = fields.DateField(null=True)
    id_long_term = fields.BooleanField(default=False)
    gender = fields.CharEnumField(Gender, max_length=8, null=True)
    ethnicity = fields.CharField(max_length=32, null=True)
    birth_date = fields.DateField(null=True)
    address = fields.CharField(max_length=200, null=True)
    occupation = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "natural_persons"


class Enterprise(Model):
    """Unit data and legal representative of a legal person (SPEC §2.2), keyed by account id."""

    id = fields.UUIDField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="enterprise", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    english_name = fields.CharField(max_length=200, null=True)
    short_name = fields.CharField(max_length=50, null=True)
    homepage = fields.CharField(max_length=200, null=True)
    region_type = fields.CharEnumField(UnitRegion, max_length=16)
    legal_person_type = fields.CharEnumField(LegalPersonType, max_length=24)
    uscc = fields.CharField(max_length=18, unique=True, null=True)
    uscc_checksum_ok = fields.BooleanField(default=True)
    unit_identifier = fields.CharField(max_length=64, unique=True, null=True)
    unit_nature = fields.CharField(max_length=64, null=True)
    address = fields.CharField(max_length=200)
    founding_date = fields.DateField(null=True)
    independent_legal_person = fields.BooleanField(null=True)
    mailing_address = fields.CharField(max_length=200, null=True)
    unit_phone = fields.CharField(max_length=32, null=True)
    industry = fields.CharField(max_length=4, null=True)
    size = fields.CharEnumField(EnterpriseSize, max_length=8, null=True)
    holding = fields.CharEnumField(Holding, max_length=16, null=True)
    legal_rep_name_cipher = fields.TextField()
    legal_rep_id_type = fields.CharEnumField(IdType, max_length=40)
    legal_rep_id_number_cipher = fields.TextField()
    legal_rep_id_number_index = fields.CharField(max_length=64, db_index=True)
    legal_rep_id_valid_from = fields.DateField(null=True)
    legal_rep_id_valid_until = fields.DateField(null=True)
    legal_rep_id_long_term = fields.BooleanField(default=False)
    legal_rep_mobile_cipher = fields.TextField(null=True)
    legal_rep_email_cipher = fields.TextField(null=True)
    extended: Any = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "enterprises"


class InfoUpdateRecord(Model):
    """One profile change (信息更新记录): masked old and new values per field, never clear text."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="info_updates", on_delete=fields.CASCADE
    )
    actor_id = fields.UUIDField(null=True)
    changes: Any = fields.JSONField(default=list)
    reverification = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "info_update_records"
        indexes = (("account_id", "created_at"),)
