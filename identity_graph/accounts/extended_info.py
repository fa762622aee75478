"""An enterprise's extended information (拓展信息, seed 004 §四 企业中心, SPEC §2.2): business
registration facts a unit keeps on file beside its verified identity. None of them is part
of the identity the registry checks, so changing them never re-runs verification; every
change is an info update record like any profile change.

Kept in ``enterprises.extended`` (JSON), written only here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from identity_graph.accounts.models import Enterprise
from identity_graph.accounts.records import InfoUpdateLog, masked_change
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.validators import Checks, check_past_date, optional_text


class EnterpriseState(StrEnum):
    """企业状态 as business registries report it."""

    OPERATING = "operating"  # 存续（在营、开业、在册）
    REVOKED = "revoked"  # 吊销
    CANCELLED = "cancelled"  # 注销
    MOVED_IN = "moved_in"  # 迁入
    MOVED_OUT = "moved_out"  # 迁出
    SUSPENDED = "suspended"  # 停业
    LIQUIDATING = "liquidating"  # 清算


# input field -> longest text (dates and the state are typed, not texts)
TEXTS: Mapping[str, int] = {
    "registeredAddress": 200,
    "registeredCapital": 64,
    "businessScope": 2000,
    "codeType": 32,
    "industryType": 64,
    "approvingAuthority": 100,
    "electronicLicence": 128,
}
DATES = ("registrationDate", "approvalDate", "startedOn")


@dataclass(frozen=True)
class ExtendedInfo:
    registered_address: str | None = None
    registered_capital: str | None = None
    registration_date: date | None = None
    business_scope: str | None = None
    code_type: str | None = None
    industry_type: str | None = None
    approval_date: date | None = None
    approving_authority: str | None = None
    enterprise_state: EnterpriseState | None = None
    started_on: date | None = None
    electronic_licence: str | None = None

    @classmethod
    def of(cls, unit: Enterprise) -> ExtendedInfo:
        stored: dict[str, Any] = dict(unit.extended or {})
        values: dict[str, Any] = {}
        for field in TEXTS:
            values[_snake(field)] = stored.get(field)
        for field in DATES:
            text = stored.get(field)
            values[_snake(field)] = date.fromisoformat(text) if text else None
        state = stored.get("enterpriseState")
        values["enterprise_state"] = EnterpriseState(state) if state else None
        return cls(**values)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


class ExtendedInfoService:
    def __init__(self, clock: Clock, records: InfoUpdateLog, audit: AuditLog) -> None:
        self._clock = clock
        self._records = records
        self._audit = audit

    async def update(
        self, account_id: uuid.UUID, values: Mapping[str, Any], context: AuditContext
    ) -> Enterprise:
        """Change the fields sent (None clears one); every error at once, nothing half-written."""
        clean = self._clean(values)
        if not clean:
            raise DomainError("NOTHING_TO_CHANGE")
        async with in_transaction():
            unit = await Enterprise.select_for_update().get(id=account_id)
            stored = dict(unit.extended or {})
            changes = [
                masked_change(field, stored.get(field), value)
                for field, value in clean.items()
                if stored.get(field) != value
            ]
            stored.update(clean)
            unit.extended = {k: v for k, v in stored.items() if v is not None}
            unit.updated_at = self._clock.now()
            await unit.save(update_fields=["extended", "updated_at"])
            await self._records.record(account_id, context.actor_id, changes)
            await self._audit.record(
                "enterprise.extended_info_changed",
                context,
                subject_type="account",
                subject_id=str(account_id),
                details={"fields": [change.field for change in changes]},
            )
        return unit

    def _clean(self, values: Mapping[str, Any]) -> dict[str, str | None]:
        checks = Checks()
        today = local_date(self._clock)
        clean: dict[str, str | None] = {}
        for field, value in values.items():
            if field in TEXTS:
                clean[field] = checks.run(optional_text, value, field, max_length=TEXTS[field])
            elif field in DATES:
                day = checks.run(check_past_date, value, field, today=today) if value else None
                clean[field] = day.isoformat() if day else None
            elif field == "enterpriseState":
                clean[field] = EnterpriseState(value).value if value else None
            else:
                raise ValidationFailed.single(field, "INVALID_FORMAT")
        checks.raise_if_any()
        return clean
