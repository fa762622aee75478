"""Assurance from the upstream national platform account (SPEC §3, §7: "verify once, valid
across the whole network").

When a resident logs in through the upstream OpenID provider, its ``acr`` is mapped to a
level of this service (``IDG_UPSTREAM_ACR_LEVELS``; this service's own ACR URIs are always
understood, so one identity_graph can broker to another). The upstream's word raises the
local level only if it is about the same person: the upstream must say the identity is
verified and give the real name and the full ID number, and both must equal what the local
profile holds. It never lowers a level and never changes who the account is.

```mermaid
stateDiagram-v2
    [*] --> ignored: unknown acr, phone level, not a resident, no verified identity given
    [*] --> ignored: identity differs from the profile (audited)
    [*] --> ignored: the account is already at that level or above
    [*] --> VERIFIED: current case superseded; new case decided by UPSTREAM at the mapped level
```
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AccountKind, AssuranceLevel
from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.verification.models import (
    CaseReason,
    CaseState,
    VerificationAttempt,
    VerificationCase,
)
from identity_graph.verification.notices import Notices
from identity_graph.verification.providers.base import PersonClaim
from identity_graph.verification.rules import LEVELS, Method, Route, Subject
from identity_graph.verification.service import VerificationService


@dataclass(frozen=True)
class UpstreamIdentity:
    """What the upstream asserted at login (ID token ``acr``; UserInfo identity claims)."""

    issuer: str
    subject: str
    acr: str | None
    real_name: str | None
    id_number: str | None
    verified: bool


class UpstreamAssurance:
    def __init__(
        self,
        verification: VerificationService,
        vault: PersonalData,
        notices: Notices,
        audit: AuditLog,
        levels: Mapping[str, AssuranceLevel],
    ) -> None:
        self._verification = verification
        self._vault = vault
        self._notices = notices
        self._audit = audit
        self.levels = dict(levels)

    def level_of(self, acr: str | None) -> AssuranceLevel | None:
        return self.levels.get(acr) if acr else None

    async def apply(
        self, account_id: uuid.UUID, asserted: UpstreamIdentity, context: AuditContext
    ) -> AssuranceLevel | None:
        """Raise the account to the upstream's level when it vouches for this very person;
        the new level, or None when nothing changed."""
        level = self.level_of(asserted.acr)
        if level is None or level is AssuranceLevel.PHONE_VERIFIED:
            return None
        if not (asserted.verified and asserted.real_name and asserted.id_number):
            return None
        account = await Account.get(id=account_id)
        if account.kind is not AccountKind.NATURAL_PERSON:
            return None
        if LEVELS.index(account.level) >= LEVELS.index(level):
            return None
        person = await NaturalPerson.get(id=account_id)
        number = self._vault.open(person.id_number_cipher, "id_number")
        name = self._vault.open(person.real_name_cipher, "real_name")
        if (number, name) != (asserted.id_number.upper(), asserted.real_name.strip()):
            await self._audit.record(
                "verification.upstream_ignored",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"issuer": asserted.issuer, "why": "identity differs from the profile"},
            )
            return None
        claim = PersonClaim(
            name,
            person.id_type,
            number,
            person.id_valid_from,
            person.id_valid_until,
            bool(person.id_long_term),
        )
        await self._record(account, level, claim, asserted, context)
        return level

    async def _record(
        self,
        account: Account,
        level: AssuranceLevel,
        claim: PersonClaim,
        asserted: UpstreamIdentity,
        context: AuditContext,
    ) -> None:
        verification = self._verification
        now = verification.clock.now()
        async with in_transaction():
            await verification.supersede(account)
            case = await VerificationCase.create(
                id=uuid.uuid4(),
                account_id=account.id,
                subject=Subject.PERSON,
                route=Route.AUTOMATIC,
                reason=CaseReason.SUBMISSION,
                state=CaseState.VERIFIED,
                claim_cipher=verification.claims.seal(claim),
                decided_by=Method.UPSTREAM,
                level=level,
                decided_at=now,
                created_at=now,
                updated_at=now,
                expires_at=now + verification.policy.case_ttl,
            )
            await VerificationAttempt.create(
                case_id=case.id,
                method=Method.UPSTREAM,
                provider="upstream",
                outcome="match",
                reference=f"{asserted.issuer}#{asserted.subject}"[:128],
                detail=(asserted.acr or "")[:200] or None,
                created_at=now,
            )
            await verification.point(account.id, account.verification_case_id, case)
            await self._audit.record(
                "verification.upstream_accepted",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"case": str(case.id), "issuer": asserted.issuer, "level": level.value},
            )
            await self._notices.decided(case)
