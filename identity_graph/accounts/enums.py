"""Value sets of the account tables (SPEC §2.1, §2.2, §4.1), shared by services and the API."""

from __future__ import annotations

from enum import StrEnum


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


class AssuranceLevel(StrEnum):
    """The verification ladder of SPEC §4.1, lowest first; exposed as the OIDC ``acr``."""

    PHONE_VERIFIED = "phone_verified"
    REAL_NAME = "real_name"
    REAL_PERSON = "real_person"


class VerificationStatus(StrEnum):
    """A principal's real-name status (SPEC §4.2), as the MOST manual names it."""

    UNVERIFIED = "unverified"  # 未实名认证
    PENDING = "pending"  # 实名认证中 (automatic check running)
    VERIFIED = "verified"  # 国家平台实名认证通过
    FAILED = "failed"  # 实名认证失败
    MANUAL_REVIEW = "manual_review"  # 人工审核中
    MANUAL_REJECTED = "manual_rejected"  # 实名认证审核失败
    MANUAL_APPROVED = "manual_approved"  # 平台人工审核通过

    @property
    def is_verified(self) -> bool:
        return self in (VerificationStatus.VERIFIED, VerificationStatus.MANUAL_APPROVED)


class UnitRegion(StrEnum):
    """Where a unit is registered (境内 / 港澳台 / 境外)."""

    DOMESTIC = "domestic"
    HMT = "hmt"
    FOREIGN = "foreign"


class LegalPersonType(StrEnum):
    ENTERPRISE = "enterprise"  # 企业法人
    SOCIAL_ORGANISATION = "social_organisation"  # 社会组织法人
    PUBLIC_INSTITUTION = "public_institution"  # 事业单位法人
    GOVERNMENT_ORGAN = "government_organ"  # 机关法人
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户
    OTHER = "other"  # 其他


class EnterpriseSize(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


class Holding(StrEnum):
    STATE = "state"  # 国有控股
    COLLECTIVE = "collective"  # 集体控股
    PRIVATE = "private"  # 私人控股
    HMT = "hmt"  # 港澳台商控股
    FOREIGN = "foreign"  # 外商控股
    OTHER = "other"


def status_code(status: VerificationStatus) -> str:
    """The message code of a status's text (``STATUS_VERIFIED`` -> 国家平台实名认证通过)."""
    return f"STATUS_{status.name}"
