"""GraphQL enums of the account domain; each value carries the manuals' Chinese term."""

from __future__ import annotations

from enum import Enum

import strawberry

from identity_graph.accounts import enums as domain
from identity_graph.ids import types as ids


@strawberry.enum(description="Whether an account may log in (SPEC §2.2).")
class AccountStatus(Enum):
    PENDING_ACTIVATION = strawberry.enum_value(
        domain.AccountStatus.PENDING_ACTIVATION.value,
        description="Created but not activated (待激活); cannot log in until activated.",
    )
    ACTIVE = strawberry.enum_value(domain.AccountStatus.ACTIVE.value, description="In use.")
    LOCKED = strawberry.enum_value(
        domain.AccountStatus.LOCKED.value, description="Locked by an operator (锁定)."
    )
    DISABLED = strawberry.enum_value(
        domain.AccountStatus.DISABLED.value, description="Disabled (停用)."
    )


@strawberry.enum(description="How strongly the holder's identity is established (SPEC §4.1).")
class AssuranceLevel(Enum):
    PHONE_VERIFIED = strawberry.enum_value(
        domain.AssuranceLevel.PHONE_VERIFIED.value,
        description="The phone was proved by SMS at registration (手机认证).",
    )
    REAL_NAME = strawberry.enum_value(
        domain.AssuranceLevel.REAL_NAME.value,
        description="Identity matched by a registry or approved by review (实名认证).",
    )
    REAL_PERSON = strawberry.enum_value(
        domain.AssuranceLevel.REAL_PERSON.value,
        description="Real-name plus a face or bank-card check (实人认证).",
    )


@strawberry.enum(description="Where a natural person's identity document comes from.")
class RegionType(Enum):
    MAINLAND = strawberry.enum_value(ids.RegionType.MAINLAND.value, description="中国大陆.")
    HMT = strawberry.enum_value(
        ids.RegionType.HMT.value, description="Hong Kong, Macao, Taiwan (港澳台)."
    )
    OTHER = strawberry.enum_value(ids.RegionType.OTHER.value, description="Other (其他).")


@strawberry.enum(description="Identity documents (SPEC §4.3; rules in reference/cn_ids.md).")
class IdType(Enum):
    RESIDENT_ID_CARD = strawberry.enum_value(
        ids.IdType.RESIDENT_ID_CARD.value, description="居民身份证, 18 characters."
    )
    FOREIGNER_PERMANENT_RESIDENCE_ID = strawberry.enum_value(
        ids.IdType.FOREIGNER_PERMANENT_RESIDENCE_ID.value,
        description="外国人永久居留身份证 (new 18 digits or old 3 letters + 12 digits).",
    )
    EXIT_ENTRY_PERMIT_HK_MACAO = strawberry.enum_value(
        ids.IdType.EXIT_ENTRY_PERMIT_HK_MACAO.value, description="往来港澳通行证."
    )
    TRAVEL_PERMIT_TAIWAN = strawberry.enum_value(
        ids.IdType.TRAVEL_PERMIT_TAIWAN.value, description="往来台湾通行证."
    )
    MAINLAND_TRAVEL_PERMIT_HK_MACAO = strawberry.enum_value(
        ids.IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO.value, description="港澳居民来往内地通行证."
    )
    MAINLAND_TRAVEL_PERMIT_TAIWAN = strawberry.enum_value(
        ids.IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN.value, description="台湾居民来往大陆通行证."
    )
    HMT_RESIDENCE_PERMIT = strawberry.enum_value(
        ids.IdType.HMT_RESIDENCE_PERMIT.value, description="港澳台居民居住证, 18 characters."
    )
    FOREIGN_PASSPORT = strawberry.enum_value(
        ids.IdType.FOREIGN_PASSPORT.value, description="境外护照."
    )


@strawberry.enum(description="Gender, as GB 11643 encodes it.")
class Gender(Enum):
    MALE = strawberry.enum_value(ids.Gender.MALE.value, description="男.")
    FEMALE = strawberry.enum_value(ids.Gender.FEMALE.value, description="女.")


@strawberry.enum(description="Where a unit is registered.")
class UnitRegion(Enum):
    DOMESTIC = strawberry.enum_value(domain.UnitRegion.DOMESTIC.value, description="境内.")
    HMT = strawberry.enum_value(domain.UnitRegion.HMT.value, description="港澳台.")
    FOREIGN = strawberry.enum_value(domain.UnitRegion.FOREIGN.value, description="境外.")


@strawberry.enum(description="Kind of legal person (法人类型).")
class LegalPersonType(Enum):
    ENTERPRISE = strawberry.enum_value(
        domain.LegalPersonType.ENTERPRISE.value, description="企业法人."
    )
    SOCIAL_ORGANISATION = strawberry.enum_value(
        domain.LegalPersonType.SOCIAL_ORGANISATION.value, description="社会组织法人."
    )
    PUBLIC_INSTITUTION = strawberry.enum_value(
        domain.LegalPersonType.PUBLIC_INSTITUTION.value, description="事业单位法人."
    )
    GOVERNMENT_ORGAN = strawberry.enum_value(
        domain.LegalPersonType.GOVERNMENT_ORGAN.value, description="机关法人."
    )
    INDIVIDUAL_BUSINESS = strawberry.enum_value(
        domain.LegalPersonType.INDIVIDUAL_BUSINESS.value, description="个体工商户."
    )
    OTHER = strawberry.enum_value(domain.LegalPersonType.OTHER.value, description="其他.")


@strawberry.enum(description="Enterprise size (企业规模).")
class EnterpriseSize(Enum):
    LARGE = strawberry.enum_value(domain.EnterpriseSize.LARGE.value, description="大型.")
    MEDIUM = strawberry.enum_value(domain.EnterpriseSize.MEDIUM.value, description="中型.")
    SMALL = strawberry.enum_value(domain.EnterpriseSize.SMALL.value, description="小型.")
    MICRO = strawberry.enum_value(domain.EnterpriseSize.MICRO.value, description="微型.")


@strawberry.enum(description="Controlling ownership (控股情况).")
class Holding(Enum):
    STATE = strawberry.enum_value(domain.Holding.STATE.value, description="国有控股.")
    COLLECTIVE = strawberry.enum_value(domain.Holding.COLLECTIVE.value, description="集体控股.")
    PRIVATE = strawberry.enum_value(domain.Holding.PRIVATE.value, description="私人控股.")
    HMT = strawberry.enum_value(domain.Holding.HMT.value, description="港澳台商控股.")
    FOREIGN = strawberry.enum_value(domain.Holding.FOREIGN.value, description="外商控股.")
    OTHER = strawberry.enum_value(domain.Holding.OTHER.value, description="其他.")


@strawberry.enum(description="How strong a password looks (weak passwords are refused).")
class PasswordStrength(Enum):
    WEAK = strawberry.enum_value("weak", description="弱: refused by the policy.")
    MEDIUM = strawberry.enum_value("medium", description="中.")
    STRONG = strawberry.enum_value("strong", description="强.")


@strawberry.enum(description="Real-name verification status (SPEC §4.2).")
class VerificationStatus(Enum):
    UNVERIFIED = strawberry.enum_value(
        domain.VerificationStatus.UNVERIFIED.value, description="未实名认证: not verified yet."
    )
    PENDING = strawberry.enum_value(
        domain.VerificationStatus.PENDING.value,
        description="实名认证中: the automatic check is running (or waiting for the registry).",
    )
    VERIFIED = strawberry.enum_value(
        domain.VerificationStatus.VERIFIED.value, description="国家平台实名认证通过."
    )
    FAILED = strawberry.enum_value(
        domain.VerificationStatus.FAILED.value,
        description="实名认证失败: see the reasons and the fallbacks offered.",
    )
    MANUAL_REVIEW = strawberry.enum_value(
        domain.VerificationStatus.MANUAL_REVIEW.value, description="人工审核中."
    )
    MANUAL_REJECTED = strawberry.enum_value(
        domain.VerificationStatus.MANUAL_REJECTED.value,
        description="实名认证审核失败: reasons in the review details.",
    )
    MANUAL_APPROVED = strawberry.enum_value(
        domain.VerificationStatus.MANUAL_APPROVED.value, description="平台人工审核通过."
    )
