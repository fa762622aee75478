"""The enterprise side of agent flows: finding a unit by credit code, deciding whether it can
take agents, and the public minimal lookup (SPEC §9 ``enterpriseLookup``).

A unit takes agents only when it is active and real-name verified (SPEC §4.2: unverified or
failed principals are blocked from business). An unknown credit code and a known code with
another unit's name get the same answer, so the form cannot be used to learn unit names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from identity_graph.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.accounts.models import Account, Enterprise
from identity_graph.core.crypto import mask_name
from identity_graph.core.errors import DomainError
from identity_graph.core.validators import clean_text
from identity_graph.ids.units import looks_like_uscc, parse_uscc

MESSAGES = {
    "ENTERPRISE_NOT_FOUND": (
        "未找到该单位，请核对单位名称和统一社会信用代码",
        "No unit matches; check the unit name and the unified social credit code",
    ),
    "ENTERPRISE_NOT_VERIFIED": (
        "该单位尚未通过实名认证，暂不能办理经办人业务",
        "The unit has not passed real-name verification and cannot take agents yet",
    ),
    "ENTERPRISE_NOT_ACTIVE": (
        "该单位账号未激活、已锁定或已停用，暂不能办理经办人业务",
        "The unit's account is pending activation, locked or disabled",
    ),
}


@dataclass(frozen=True)
class UnitSummary:
    """What anyone may learn from a credit code: the masked name and the unit's standing."""

    uscc: str
    masked_name: str
    status: AccountStatus
    verification_status: VerificationStatus


def _same_name(left: str, right: str) -> bool:
    def fold(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split()).casefold()

    return fold(left) == fold(right)


def mask_unit_name(name: str) -> str:
    """``北京示例科技有限公司`` -> ``北京******公司``: enough to recognise one's own unit."""
    if len(name) <= 4:
        return mask_name(name)
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


class Units:
    async def by_uscc(self, uscc: str) -> Enterprise | None:
        if not looks_like_uscc(uscc):
            return None
        return await Enterprise.get_or_none(uscc=parse_uscc(uscc).number).select_related(
            "account"
        )

    async def lookup(self, uscc: str) -> UnitSummary | None:
        unit = await self.by_uscc(uscc)
        if unit is None or unit.uscc is None:
            return None
        return UnitSummary(
            unit.uscc,
            mask_unit_name(unit.name),
            unit.account.status,
            unit.account.verification_status,
        )

    async def open_for_agents(self, uscc: str, unit_name: str) -> Account:
        """The unit's account, if ``uscc`` and ``unit_name`` name it and it can take agents."""
        code = clean_text(uscc, "uscc", max_length=32)
        name = clean_text(unit_name, "enterpriseName", max_length=100)
        unit = await self.by_uscc(code)
        if unit is None or not _same_name(unit.name, name):
            raise DomainError("ENTERPRISE_NOT_FOUND", "uscc")
        return self.ready(unit.account, "uscc")

    @staticmethod
    def ready(account: Account, field: str) -> Account:
        if account.status is not AccountStatus.ACTIVE:
            raise DomainError("ENTERPRISE_NOT_ACTIVE", field)
        if not account.verification_status.is_verified:
            raise DomainError("ENTERPRISE_NOT_VERIFIED", field)
        return account
