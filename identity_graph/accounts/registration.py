"""Self-registration of residents and enterprises (SPEC §2.1, §2.2). Writes ``accounts``,
``password_credentials``, ``natural_persons`` and ``enterprises``.

```mermaid
stateDiagram-v2
    [*] --> validated: every field checked, all errors reported at once
    validated --> phone_proved: SMS code (purpose register) redeemed
    phone_proved --> refused: login name, phone, ID number or USCC already registered
    phone_proved --> active: one transaction writes account, password and details
    active --> [*]: level phone_verified, pledge version recorded
```

Anti-enumeration (SPEC §11, §5): the API answers a conflict with one code whichever value
collides, and only after the registrant proved control of the phone by redeeming a code
(each try costs a fresh code, rate-limited per number). The details go by SMS: to the
registrant, which of the values they typed are taken; to the holders of a colliding ID
number or credit code, a notice that someone tried. Unique indexes decide races: of
concurrent registrations with the same value exactly one commits.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from identity_graph.accounts import pledge
from identity_graph.accounts.enums import (
    AccountKind,
    AccountStatus,
    AssuranceLevel,
)
from identity_graph.accounts.forms import (
    CleanDocument,
    UnitCodes,
    clean_document,
    clean_homepage,
    clean_optional,
    clean_past_date,
    clean_person_document,
    clean_real_name,
    clean_unit_codes,
    clean_unit_phone,
)
from identity_graph.accounts.inputs import (
    Credentials,
    EnterpriseRegistration,
    NaturalPersonRegistration,
    UnitInput,
)
from identity_graph.accounts.login_names import check_login_name, login_key
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.accounts.password_policy import Strength, check_password
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.models import SmsPurpose
from identity_graph.challenges.sms import SmsCodeService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import DomainError, FieldError
from identity_graph.core.i18n import Locale
from identity_graph.core.validators import Checks, clean_text, normalize_email, normalize_mobile
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel

MESSAGES = {
    "REGISTRATION_CONFLICT": (
        "注册未完成：所填登录名、手机号码或证件信息已被使用，详情已通过短信发送到您的手机",
        "Registration refused: the login name, phone or identity data is already in use;"
        " the details were sent to your phone by SMS",
    ),
}
_REASONS = {
    "login_name": ("登录名已被使用", "the login name is taken"),
    "phone": ("该手机号码已注册过同类账号", "this phone number already has such an account"),
    "id_number": ("证件号码已注册过账号", "the ID number is already registered"),
    "uscc": ("统一社会信用代码已注册过账号", "the credit code is already registered"),
    "unit_identifier": ("单位唯一标识已注册过账号", "the unit identifier is already registered"),
}
_SUBJECTS = {
    "id_number": ("证件号码", "ID number"),
    "uscc": ("统一社会信用代码", "credit code"),
    "unit_identifier": ("单位唯一标识", "unit identifier"),
}


@dataclass(frozen=True)
class Registered:
    account: Account
    password_strength: Strength


@dataclass(frozen=True)
class _Common:
    login_name: str
    phone: str
    email: str | None
    pledge: pledge.Pledge
    strength: Strength


class RegistrationService:
    def __init__(
        self,
        clock: Clock,
        passwords: PasswordHasher,
        vault: PersonalData,
        sms: SmsCodeService,
        notifier: Notifier,
        audit: AuditLog,
        industry: Callable[[str, str], str],
    ) -> None:
        self._clock = clock
        self._passwords = passwords
        self._vault = vault
        self._sms = sms
        self._notifier = notifier
        self._audit = audit
        self._industry = industry

    async def register_natural_person(
        self, form: NaturalPersonRegistration, context: AuditContext, locale: Locale
    ) -> Registered:
        checks = Checks()
        common, name, document, details = self._clean_person(checks, form)
        checks.raise_if_any()
        assert common and name and document
        id_index = self._vault.index_id_number(document.parsed.number)
        await self._prove_phone(form.credentials, common.phone)
        await self._refuse_conflicts(AccountKind.NATURAL_PERSON, common, locale, id_number=id_index)
        hashed = await self._passwords.hash(form.credentials.password)
        parsed = document.parsed
        async with _one_winner():
            account = await self._create_account(AccountKind.NATURAL_PERSON, common, hashed)
            await NaturalPerson.create(
                id=account.id,
                account=account,
                real_name_cipher=self._vault.seal(name, "real_name"),
                region_type=form.region_type,
                id_type=parsed.id_type,
                id_number_cipher=self._vault.seal(parsed.number, "id_number"),
                id_number_index=id_index,
                id_valid_from=document.valid_from,
                id_valid_until=document.valid_until,
                id_long_term=document.long_term,
                gender=parsed.gender or form.gender,
                birth_date=parsed.birth_date or form.birth_date,
                updated_at=account.created_at,
                **details,
            )
            await self._audit_registration(account, context)
        return Registered(account, common.strength)

    async def register_enterprise(
        self, form: EnterpriseRegistration, context: AuditContext, locale: Locale
    ) -> Registered:
        checks = Checks()
        common, codes, values, rep_name, rep_document, rep_mobile, rep_email = (
            self._clean_enterprise(checks, form)
        )
        checks.raise_if_any()
        assert common and rep_name and rep_document
        unit = form.unit
        await self._prove_phone(form.credentials, common.phone)
        await self._refuse_conflicts(
            AccountKind.ENTERPRISE,
            common,
            locale,
            uscc=codes.uscc,
            unit_identifier=codes.unit_identifier,
        )
        hashed = await self._passwords.hash(form.credentials.password)
        async with _one_winner():
            account = await self._create_account(AccountKind.ENTERPRISE, common, hashed)
            await Enterprise.create(
                id=account.id,
                account=account,
                uscc=codes.uscc,
                uscc_checksum_ok=codes.uscc_checksum_ok,
                unit_identifier=codes.unit_identifier,
                region_type=unit.region_type,
                legal_person_type=unit.legal_person_type,
                size=unit.size,
                holding=unit.holding,
                independent_legal_person=unit.independent_legal_person,
                updated_at=account.created_at,
                **values,
                **self._legal_rep_columns(rep_name, rep_document, rep_mobile, rep_email),
            )
            await self._audit_registration(account, context)
        return Registered(account, common.strength)

    def field_errors(
        self,
        form: NaturalPersonRegistration | EnterpriseRegistration,
        untyped: Collection[str] = (),
    ) -> list[FieldError]:
        """Every field error of ``form`` at once, checked as registering checks it, without
        reading or writing anything: for a transport that could not type some fields
        (``untyped``: an empty or unknown choice, a malformed date) and still owes the user
        every error in one answer. The values of untyped fields in ``form`` are stand-ins,
        so errors on them, and on the number read by an untyped ID type, are left out: the
        transport reports those fields itself."""
        checks = Checks()
        if isinstance(form, EnterpriseRegistration):
            self._clean_enterprise(checks, form)
        else:
            self._clean_person(checks, form)
        return [error for error in checks.errors if not _rests_on(error, untyped)]

    def _clean_person(
        self, checks: Checks, form: NaturalPersonRegistration
    ) -> tuple[_Common | None, str | None, CleanDocument | None, dict[str, Any]]:
        common = self._common(checks, form.credentials, AccountKind.NATURAL_PERSON)
        name = clean_real_name(checks, form.real_name, "realName")
        document = clean_person_document(
            checks,
            form.region_type,
            form.document,
            birth_date=form.birth_date,
            gender=form.gender,
            today=local_date(self._clock),
        )
        details: dict[str, Any] = {
            "ethnicity": clean_optional(checks, form.ethnicity, "ethnicity", 32),
            "address": clean_optional(checks, form.address, "address", 200),
            "occupation": clean_optional(checks, form.occupation, "occupation", 64),
        }
        return common, name, document, details

    def _clean_enterprise(
        self, checks: Checks, form: EnterpriseRegistration
    ) -> tuple[
        _Common | None,
        UnitCodes,
        dict[str, Any],
        str | None,
        CleanDocument | None,
        str | None,
        str | None,
    ]:
        today = local_date(self._clock)
        common = self._common(checks, form.credentials, AccountKind.ENTERPRISE)
        unit, rep = form.unit, form.legal_representative
        codes = clean_unit_codes(
            checks,
            unit.region_type,
            unit.legal_person_type,
            unit.uscc,
            unit.unit_identifier,
            accept_unchecked_uscc=form.accept_unchecked_uscc,
        )
        values = self._unit_values(checks, unit, today)
        rep_name = clean_real_name(checks, rep.name, "legalRepresentative.name")
        rep_document = clean_document(
            checks, rep.document, today=today, prefix="legalRepresentative."
        )
        rep_mobile = rep_email = None
        if rep.mobile:
            rep_mobile = checks.run(normalize_mobile, rep.mobile, "legalRepresentative.mobile")
        if rep.email:
            rep_email = checks.run(normalize_email, rep.email, "legalRepresentative.email")
        return common, codes, values, rep_name, rep_document, rep_mobile, rep_email

    def _common(
        self, checks: Checks, credentials: Credentials, kind: AccountKind
    ) -> _Common | None:
        # Field names are input paths: these fields sit in ``credentials`` (GraphQL input).
        at = "credentials."
        login_name = checks.run(check_login_name, credentials.login_name, kind, f"{at}loginName")
        phone = checks.run(normalize_mobile, credentials.phone, f"{at}phone")
        email = None
        if credentials.email and credentials.email.strip():
            email = checks.run(normalize_email, credentials.email, f"{at}email")
        strength = checks.run(
            check_password,
            credentials.password,
            login_name=login_name,
            phone=phone,
            field=f"{at}password",
        )
        accepted = checks.run(
            pledge.accept, credentials.pledge_accepted, credentials.pledge_version, at
        )
        checks.run(clean_text, credentials.sms_code, f"{at}smsCode", max_length=16)
        if login_name is None or phone is None or strength is None or accepted is None:
            return None
        return _Common(login_name, phone, email, accepted, strength)

    def _unit_values(self, checks: Checks, unit: UnitInput, today: date) -> dict[str, Any]:
        industry = None
        if unit.industry and unit.industry.strip():
            industry = checks.run(self._industry, unit.industry, "unit.industry")
        return {
            "name": checks.run(clean_text, unit.name, "unit.name", max_length=100),
            "address": checks.run(clean_text, unit.address, "unit.address", max_length=200),
            "english_name": clean_optional(checks, unit.english_name, "unit.englishName", 200),
            "short_name": clean_optional(checks, unit.short_name, "unit.shortName", 50),
            "homepage": clean_homepage(checks, unit.homepage, "unit.homepage"),
            "unit_nature": clean_optional(checks, unit.unit_nature, "unit.unitNature", 64),
            "founding_date": clean_past_date(
                checks, unit.founding_date, "unit.foundingDate", today
            ),
            "mailing_address": clean_optional(
                checks, unit.mailing_address, "unit.mailingAddress", 200
            ),
            "unit_phone": clean_unit_phone(checks, unit.unit_phone, "unit.unitPhone"),
            "industry": industry,
        }

    def _legal_rep_columns(
        self, name: str, document: CleanDocument, mobile: str | None, email: str | None
    ) -> dict[str, Any]:
        seal = self._vault.seal
        return {
            "legal_rep_name_cipher": seal(name, "legal_rep_name"),
            "legal_rep_id_type": document.parsed.id_type,
            "legal_rep_id_number_cipher": seal(document.parsed.number, "legal_rep_id_number"),
            "legal_rep_id_number_index": self._vault.index_id_number(document.parsed.number),
            "legal_rep_id_valid_from": document.valid_from,
            "legal_rep_id_valid_until": document.valid_until,
            "legal_rep_id_long_term": document.long_term,
            "legal_rep_mobile_cipher": seal(mobile, "legal_rep_mobile") if mobile else None,
            "legal_rep_email_cipher": seal(email, "legal_rep_email") if email else None,
        }

    async def _prove_phone(self, credentials: Credentials, phone: str) -> None:
        # Outside any transaction: a wrong try must count even though nothing is written.
        await self._sms.verify(
            SmsPurpose.REGISTER, phone, credentials.sms_code, "credentials.smsCode"
        )

    async def _refuse_conflicts(
        self, kind: AccountKind, common: _Common, locale: Locale, **identifiers: str | None
    ) -> None:
        """Refuse, and tell the phone's owner by SMS which values are taken."""
        taken = await self._conflicts(kind, common, identifiers)
        if not taken:
            return
        async with in_transaction():
            await self._notify_conflict(common, taken, locale)
            await self._audit.record(
                "account.registration_refused",
                AuditContext(),
                outcome="refused",
                details={"kind": kind.value, "taken": sorted(taken)},
            )
        raise DomainError("REGISTRATION_CONFLICT")

    async def _conflicts(
        self, kind: AccountKind, common: _Common, identifiers: dict[str, str | None]
    ) -> dict[str, Account | None]:
        taken: dict[str, Account | None] = {}
        if await Account.filter(login_key=login_key(common.login_name)).exists():
            taken["login_name"] = None
        phone_index = self._vault.index_phone(common.phone)
        if await Account.filter(kind=kind, phone_index=phone_index).exists():
            taken["phone"] = None
        holders: dict[str, QuerySet[Any]] = {
            "id_number": NaturalPerson.filter(id_number_index=identifiers.get("id_number")),
            "uscc": Enterprise.filter(uscc=identifiers.get("uscc")),
            "unit_identifier": Enterprise.filter(
                unit_identifier=identifiers.get("unit_identifier")
            ),
        }
        for key, query in holders.items():
            if identifiers.get(key):
                holder = await query.first().prefetch_related("account")
                if holder is not None:
                    taken[key] = holder.account
        return taken

    async def _notify_conflict(
        self, common: _Common, taken: dict[str, Account | None], locale: Locale
    ) -> None:
        index = 0 if locale == "zh-CN" else 1
        reasons = ("；" if index == 0 else "; ").join(_REASONS[key][index] for key in taken)
        await self._notifier.send(
            Channel.SMS, "registration_conflict", common.phone, {"reasons": reasons}, locale
        )
        for key, holder in taken.items():
            phone = self._vault.phone_of(holder) if holder is not None else None
            if holder is None or phone is None:
                continue
            await self._notifier.send(
                Channel.SMS,
                "registration_attempt_notice",
                phone,
                {"login_name": holder.login_name, "subject": _SUBJECTS[key][0]},
                "zh-CN",
            )

    async def _create_account(self, kind: AccountKind, common: _Common, hashed: str) -> Account:
        now = self._clock.now()
        account = await Account.create(
            id=uuid.uuid4(),
            kind=kind,
            login_name=common.login_name,
            login_key=login_key(common.login_name),
            status=AccountStatus.ACTIVE,
            level=AssuranceLevel.PHONE_VERIFIED,
            phone_cipher=self._vault.seal(common.phone, "phone"),
            phone_index=self._vault.index_phone(common.phone),
            email_cipher=self._vault.seal(common.email, "email") if common.email else None,
            pledge_version=common.pledge.version,
            pledge_accepted_at=now,
            created_at=now,
            updated_at=now,
        )
        await PasswordCredential.create(account=account, hash=hashed, changed_at=now)
        return account

    async def _audit_registration(self, account: Account, context: AuditContext) -> None:
        await self._audit.record(
            "account.registered",
            AuditContext(actor_id=account.id, client_ip=context.client_ip),
            subject_type="account",
            subject_id=str(account.id),
            details={"kind": account.kind.value, "pledge_version": account.pledge_version},
        )


@asynccontextmanager
async def _one_winner() -> AsyncIterator[None]:
    """One transaction; a unique-index violation (a concurrent twin committed first) becomes
    the same REGISTRATION_CONFLICT a sequential duplicate gets."""
    try:
        async with in_transaction():
            yield
    except IntegrityError as exc:
        raise DomainError("REGISTRATION_CONFLICT") from exc


# What a field's errors are judged against: (field, the choices it depends on, whether a
# REQUIRED error stands without them). An ID number is read by its type; the ID type must
# belong to the person's region; which unit code is required depends on region and type.
_DEPENDS_ON: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("idNumber", ("idType",), True),
    ("legalRepresentative.idNumber", ("legalRepresentative.idType",), True),
    ("idType", ("regionType",), True),
    ("unit.uscc", ("unit.regionType", "unit.legalPersonType"), False),
    ("unit.unitIdentifier", ("unit.regionType", "unit.legalPersonType"), False),
)


def _rests_on(error: FieldError, untyped: Collection[str]) -> bool:
    """Whether ``error`` was found with a stand-in for an untyped field: on the field
    itself, or on a field judged against a stand-in choice (see ``_DEPENDS_ON``)."""
    if error.field in untyped:
        return True
    for field, choices, required_stands in _DEPENDS_ON:
        if error.field != field or not any(choice in untyped for choice in choices):
            continue
        return not (required_stands and error.code == "REQUIRED")
    return False
