"""Profile changes that touch real-name identity (修改触发实名认证, SPEC §4.4).

```mermaid
stateDiagram-v2
    [*] --> free: only unlisted fields -> saved, no re-verification
    [*] --> ask: a listed field differs on a verified principal, not confirmed
    ask --> [*]: ConfirmationRequired (nothing written)
    [*] --> rerun: confirmed -> saved, case superseded, new case (automatic route)
    [*] --> review: confirmed identity change (name / ID number / code) -> manual review only
    [*] --> plain: principal not verified -> saved, status unchanged
```

Listed fields are ``rules.PERSON_REVERIFY`` / ``UNIT_REVERIFY``. The new values are checked
as a whole verification form (current profile merged with the change), so a new ID number
is validated against its type and the birth date it encodes. While a check or a review is
running the identity cannot change: the answer would be about data no longer held.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from identity_graph.accounts.enums import AccountKind, VerificationStatus
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.profile import ProfileService
from identity_graph.accounts.profile_forms import clean_enterprise_changes, clean_person_changes
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import local_date
from identity_graph.core.errors import ConfirmationRequired, DomainError, NotAuthorized
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel
from identity_graph.verification.documents import (
    PersonForm,
    UnitForm,
    clean_person_form,
    clean_unit_form,
)
from identity_graph.verification.models import CaseReason
from identity_graph.verification.rules import (
    PERSON_IDENTITY,
    PERSON_REVERIFY,
    UNIT_IDENTITY,
    UNIT_REVERIFY,
    Route,
    Subject,
    person_route,
    unit_route,
)
from identity_graph.verification.service import VerificationService

MESSAGES = {
    "REVERIFICATION_CONFIRMATION_REQUIRED": (
        "账号已实名认证，修改{fields}可能重新进行实名认证，请确认后再提交",
        "The account is verified; changing {fields} may re-run real-name verification."
        " Confirm to continue",
    ),
}

_BUSY = (VerificationStatus.PENDING, VerificationStatus.MANUAL_REVIEW)
_UNIT_KEYS = {
    "unitName": "unitName",
    "uscc": "uscc",
    "legalRepresentativeName": "legalRepresentative.name",
    "legalRepresentativeIdType": "legalRepresentative.idType",
    "legalRepresentativeIdNumber": "legalRepresentative.idNumber",
}


class Reverification:
    def __init__(
        self,
        verification: VerificationService,
        profiles: ProfileService,
        vault: PersonalData,
        notifier: Notifier,
        industry: Any,
    ) -> None:
        self._verification = verification
        self._profiles = profiles
        self._vault = vault
        self._notifier = notifier
        self._industry = industry

    async def update_natural_person(
        self, account_id: uuid.UUID, values: Mapping[str, Any], confirm: bool, ctx: AuditContext
    ) -> NaturalPerson:
        account = await _own(account_id, AccountKind.NATURAL_PERSON)
        listed = {k: v for k, v in values.items() if k in PERSON_REVERIFY}
        free = clean_person_changes({k: v for k, v in values.items() if k not in listed})
        if not listed:
            await self._profiles.apply_changes(account_id, free, ctx)
            return await NaturalPerson.get(id=account_id)
        person = await NaturalPerson.get(id=account_id)
        clean = clean_person_form(
            self._person_form(person, listed),
            birth_date=None,
            gender=None,
            today=local_date(self._verification.clock),
        )
        changed = self._changed(person, clean.changes, PERSON_REVERIFY)
        route = person_route(clean.claim.id_type)
        await self._apply(
            account,
            Subject.PERSON,
            route,
            changed,
            PERSON_IDENTITY,
            clean.changes,
            free,
            self._verification.claims.seal(clean.claim),
            confirm,
            ctx,
        )
        return await NaturalPerson.get(id=account_id)

    async def update_enterprise(
        self, account_id: uuid.UUID, values: Mapping[str, Any], confirm: bool, ctx: AuditContext
    ) -> Enterprise:
        account = await _own(account_id, AccountKind.ENTERPRISE)
        listed = {_UNIT_KEYS[k]: v for k, v in values.items() if k in _UNIT_KEYS}
        today = local_date(self._verification.clock)
        free = clean_enterprise_changes(
            {k: v for k, v in values.items() if k not in _UNIT_KEYS}, self._industry, today=today
        )
        if not listed:
            await self._profiles.apply_changes(account_id, free, ctx)
            return await Enterprise.get(id=account_id)
        unit = await Enterprise.get(id=account_id)
        clean = clean_unit_form(
            self._unit_form(unit, listed),
            region=unit.region_type,
            legal_person_type=unit.legal_person_type,
            industry=self._industry,
            today=today,
        )
        changed = self._changed(unit, clean.changes, UNIT_REVERIFY)
        route = unit_route(unit.region_type, unit.legal_person_type, checksum_ok=clean.checksum_ok)
        await self._apply(
            account,
            Subject.UNIT,
            route,
            changed,
            UNIT_IDENTITY,
            clean.changes,
            free,
            self._verification.claims.seal(clean.claim),
            confirm,
            ctx,
        )
        return await Enterprise.get(id=account_id)

    async def _apply(
        self,
        account: Account,
        subject: Subject,
        route: Route,
        changed: list[str],
        identity: frozenset[str],
        identity_changes: dict[str, tuple[str, Any]],
        free: dict[str, tuple[str, Any]],
        claim: str,
        confirm: bool,
        ctx: AuditContext,
    ) -> None:
        if changed and account.verification_status in _BUSY:
            raise DomainError("VERIFICATION_IN_PROGRESS")
        verified = account.verification_status.is_verified
        if changed and verified and not confirm:
            raise ConfirmationRequired("REVERIFICATION_CONFIRMATION_REQUIRED", changed)
        if not changed or not verified:
            await self._profiles.apply_changes(account.id, {**identity_changes, **free}, ctx)
            return
        reason = CaseReason.CHANGE
        if identity & set(changed):
            # SPEC §4.4: a verified account changes who it is only through manual review.
            route, reason = Route.MANUAL, CaseReason.IDENTITY_CHANGE
        case = await self._verification.open_case(
            account, subject, route, {**identity_changes, **free}, claim, ctx, reason
        )
        phone = self._vault.phone_of(account)
        if phone:
            await self._notifier.send(
                Channel.SMS,
                "reverification_started",
                phone,
                {"login_name": account.login_name},
                "zh-CN",
            )
        await self._verification.check_now(case)

    def _changed(
        self,
        row: NaturalPerson | Enterprise,
        changes: Mapping[str, tuple[str, Any]],
        listed: frozenset[str],
    ) -> list[str]:
        out = []
        for field, (column, value) in changes.items():
            if field not in listed:
                continue
            current = getattr(row, column)
            if column.endswith("_cipher"):
                current = self._vault.open(current, column.removesuffix("_cipher"))
            if current != value:
                out.append(field)
        return out

    def _person_form(self, person: NaturalPerson, listed: Mapping[str, Any]) -> PersonForm:
        def pick(key: str, current: Any) -> Any:
            return listed.get(key, current)

        long_term = pick("idLongTerm", person.id_long_term)
        return PersonForm(
            real_name=pick("realName", self._vault.open(person.real_name_cipher, "real_name")),
            region_type=pick("regionType", person.region_type),
            id_type=pick("idType", person.id_type),
            id_number=pick("idNumber", self._vault.open(person.id_number_cipher, "id_number")),
            id_valid_from=pick("idValidFrom", person.id_valid_from),
            id_valid_until=None if long_term else pick("idValidUntil", person.id_valid_until),
            id_long_term=bool(long_term),
            address=None,
        )

    def _unit_form(self, unit: Enterprise, listed: Mapping[str, Any]) -> UnitForm:
        def pick(key: str, current: Any) -> Any:
            return listed.get(key, current)

        return UnitForm(
            code=pick("uscc", unit.uscc or unit.unit_identifier or ""),
            unit_name=pick("unitName", unit.name),
            legal_rep_name=pick(
                "legalRepresentative.name",
                self._vault.open(unit.legal_rep_name_cipher, "legal_rep_name"),
            ),
            legal_rep_id_type=pick("legalRepresentative.idType", unit.legal_rep_id_type),
            legal_rep_id_number=pick(
                "legalRepresentative.idNumber",
                self._vault.open(unit.legal_rep_id_number_cipher, "legal_rep_id_number"),
            ),
            founding_date=unit.founding_date,
            address=unit.address,
            unit_phone=None,
            industry=None,
            size=None,
            holding=None,
        )


async def _own(account_id: uuid.UUID, kind: AccountKind) -> Account:
    account = await Account.get(id=account_id)
    if account.kind is not kind:
        raise NotAuthorized("WRONG_ACCOUNT_KIND")
    return account
