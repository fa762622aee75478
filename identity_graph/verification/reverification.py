"""Profile changes that touch real-name identity (修改触发实名认证, SPEC §4.4).

```mermaid
stateDiagram-v2
    [*] --> free: only unlisted fields -> saved, no re-verification
    [*] --> ask: a listed field differs on a verified principal, not confirmed
    ask --> [*]: ConfirmationRequired (nothing written)
    [*] --> rerun: confirmed -> saved, case superseded, new case (automatic route)
    [*] --> review: confirmed identity change (name / ID number / code) -> manual review only
    review --> [*]: approved -> new identity written; rejected -> old verified case again
    [*] --> plain: principal not verified -> saved, status unchanged
    [*] --> phone: resident's reserved phone on a verified account, confirmed -> number
    phone --> rerun: saved with a new case re-checking the verified claim
```

Nothing listed is written at once on a verified principal: the changes are proposed on the
new case and written when it verifies (``proposals.py``); a rejected identity change
returns the account to its verified case and old identity.

Listed fields are ``rules.PERSON_REVERIFY`` / ``UNIT_REVERIFY``. The new values are checked
as a whole verification form (current profile merged with the change), so a new ID number
is validated against its type and the birth date it encodes. While a check or a review is
running the identity cannot change: the answer would be about data no longer held.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import (
    AccountKind,
    LegalPersonType,
    UnitRegion,
    VerificationStatus,
)
from identity_graph.accounts.forms import clean_optional, clean_unit_codes
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.profile import ProfileService
from identity_graph.accounts.profile_forms import clean_enterprise_changes, clean_person_changes
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import local_date
from identity_graph.core.errors import (
    ConfirmationRequired,
    DomainError,
    NotAuthorized,
    ValidationFailed,
)
from identity_graph.core.i18n import Locale
from identity_graph.core.validators import Checks
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
    "USCC_IMMUTABLE": (
        "统一社会信用代码注册后不可更改",
        "The unified social credit code cannot change after registration",
    ),
    "REVERIFICATION_CONFIRMATION_REQUIRED": (
        "账号已实名认证，修改{fields}可能重新进行实名认证，请确认后再提交",
        "The account is verified; changing {fields} may re-run real-name verification."
        " Confirm to continue",
    ),
}

_BUSY = (VerificationStatus.PENDING, VerificationStatus.MANUAL_REVIEW)
# updateEnterprise's input names -> the verification form's field names (rules.UNIT_REVERIFY).
_UNIT_KEYS = {
    "unitName": "unitName",
    "uscc": "uscc",
    "legalRepresentativeName": "legalRepresentative.name",
    "legalRepresentativeIdType": "legalRepresentative.idType",
    "legalRepresentativeIdNumber": "legalRepresentative.idNumber",
    "regionType": "regionType",
    "legalPersonType": "legalPersonType",
    "unitIdentifier": "unitIdentifier",
    "unitNature": "unitNature",
}
_INPUT_NAMES = {form: name for name, form in _UNIT_KEYS.items()}


@contextmanager
def _input_names(region: UnitRegion) -> Iterator[None]:
    """Name invalid fields as updateEnterprise's input does (the form says ``code`` and
    ``legalRepresentative.name``; the update says ``uscc`` and ``legalRepresentativeName``)."""
    names = {**_INPUT_NAMES, "code": "uscc" if region is UnitRegion.DOMESTIC else "unitIdentifier"}
    try:
        yield
    except ValidationFailed as failed:
        renamed = [replace(e, field=names.get(e.field, e.field)) for e in failed.errors]
        raise ValidationFailed(renamed) from None


def _keep_uscc(unit: Enterprise, listed: Mapping[str, Any]) -> None:
    """SPEC §2.2, seed 004 企业变更: the credit code never changes once registered (a unit
    that registered without one, outside the mainland, may add one by re-verification)."""
    if unit.uscc is None or "uscc" not in listed:
        return
    sent = "".join(str(listed["uscc"] or "").split()).upper()
    if sent != unit.uscc:
        raise ValidationFailed.single("uscc", "USCC_IMMUTABLE")


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

    async def change_phone(
        self,
        account_id: uuid.UUID,
        password: str,
        new_phone: str,
        sms_code: str,
        confirm: bool,
        ctx: AuditContext,
        locale: Locale,
    ) -> Account:
        """A resident's reserved phone is a listed field: on a verified resident the change
        is confirmed first (before the SMS code is used up), then saved together with a new
        case that checks the verified identity again."""
        account = await Account.get(id=account_id)
        old, number = self._profiles.new_phone(account, new_phone)
        listed = account.kind is AccountKind.NATURAL_PERSON
        rerun = listed and account.verification_status.is_verified
        if rerun and not confirm:
            raise ConfirmationRequired("REVERIFICATION_CONFIRMATION_REQUIRED", ["phone"])
        await self._profiles.prove_phone(account, password, number, sms_code)
        if not rerun:
            await self._profiles.write_phone(account, old, number, context=ctx, locale=locale)
            return await Account.get(id=account.id)
        current = await self._verification.current(account)
        assert current is not None  # a verified account has the case that verified it
        person = await NaturalPerson.get(id=account.id)
        async with in_transaction():
            await self._profiles.write_phone(
                account, old, number, context=ctx, locale=locale, reverification=True
            )
            case = await self._verification.open_case(
                account,
                Subject.PERSON,
                person_route(person.id_type),
                {},
                current.claim_cipher,
                ctx,
                CaseReason.CHANGE,
            )
        await self._notify_started(account, number)
        await self._verification.check_now(case)
        return await Account.get(id=account.id)

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
        _keep_uscc(unit, listed)
        region = listed.get("regionType") or unit.region_type
        legal_type = listed.get("legalPersonType") or unit.legal_person_type
        with _input_names(region):
            classification = self._classification(unit, listed, region, legal_type)
            clean = clean_unit_form(
                self._unit_form(unit, listed, region),
                region=region,
                legal_person_type=legal_type,
                industry=self._industry,
                today=today,
            )
        changes = {**clean.changes, **classification}
        changed = self._changed(unit, changes, UNIT_REVERIFY)
        route = unit_route(region, legal_type, checksum_ok=clean.checksum_ok)
        await self._apply(
            account,
            Subject.UNIT,
            route,
            [_INPUT_NAMES.get(field, field) for field in changed],
            frozenset(_INPUT_NAMES.get(field, field) for field in UNIT_IDENTITY),
            changes,
            free,
            self._verification.claims.seal(clean.claim),
            confirm,
            ctx,
        )
        return await Enterprise.get(id=account_id)

    def _classification(
        self,
        unit: Enterprise,
        listed: Mapping[str, Any],
        region: UnitRegion,
        legal_type: LegalPersonType,
    ) -> dict[str, tuple[str, Any]]:
        """Region, legal-person type, unit identifier and nature: they decide which code
        the unit must have and which route its verification takes."""
        checks = Checks()
        for field in ("regionType", "legalPersonType"):
            if field in listed and listed[field] is None:
                checks.fail(field, "REQUIRED")
        codes = clean_unit_codes(
            checks,
            region,
            legal_type,
            listed.get("uscc", unit.uscc),
            listed.get("unitIdentifier", unit.unit_identifier),
            accept_unchecked_uscc=True,
            prefix="",
        )
        nature = (
            clean_optional(checks, listed["unitNature"], "unitNature", 64)
            if "unitNature" in listed
            else None
        )
        checks.raise_if_any()
        chosen = {
            "regionType": ("region_type", region),
            "legalPersonType": ("legal_person_type", legal_type),
            "unitIdentifier": ("unit_identifier", codes.unit_identifier),
            "unitNature": ("unit_nature", nature),
        }
        return {field: value for field, value in chosen.items() if field in listed}

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
        # An identity change waiting for review still counts as verified: the verified
        # identity is kept until a reviewer approves, so it is changed only by review.
        verified = account.verification_status.is_verified or await self._changing_identity(account)
        if changed and verified and not confirm:
            raise ConfirmationRequired("REVERIFICATION_CONFIRMATION_REQUIRED", changed)
        if not changed or not verified:
            await self._profiles.apply_changes(account.id, {**identity_changes, **free}, ctx)
            return
        reason = CaseReason.CHANGE
        if identity & set(changed):
            # SPEC §4.4: a verified account changes who it is only through manual review.
            route, reason = Route.MANUAL, CaseReason.IDENTITY_CHANGE
        async with in_transaction():
            if free:  # unlisted fields are written now; the listed ones wait on the case
                await self._profiles.apply_changes(account.id, free, ctx)
            case = await self._verification.open_case(
                account, subject, route, identity_changes, claim, ctx, reason
            )
        await self._notify_started(account, self._vault.phone_of(account))
        await self._verification.check_now(case)

    async def _changing_identity(self, account: Account) -> bool:
        case = await self._verification.current(account)
        return (
            case is not None
            and case.reason is CaseReason.IDENTITY_CHANGE
            and case.previous_case_id is not None
        )

    async def _notify_started(self, account: Account, phone: str | None) -> None:
        if phone:
            await self._notifier.send(
                Channel.SMS,
                "reverification_started",
                phone,
                {"login_name": account.login_name},
                "zh-CN",
            )

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

    def _unit_form(
        self, unit: Enterprise, listed: Mapping[str, Any], region: UnitRegion
    ) -> UnitForm:
        def pick(key: str, current: Any) -> Any:
            return listed.get(key, current)

        if region is UnitRegion.DOMESTIC:
            code = pick("uscc", unit.uscc or unit.unit_identifier)
        else:
            code = pick("unitIdentifier", unit.unit_identifier)
        return UnitForm(
            code=code or "",
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
