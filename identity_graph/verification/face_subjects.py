"""Who a face check checks, and who may start one for which purpose (SPEC §2.3, §8).

A face check proves a *person*: the claim sent to the face provider (real name, ID type,
ID number) is the registry identity the live face is compared with. Where it comes from:

* a resident account: its own identity, which must already be verified (实名认证), so the
  face is compared with the identity the platform vouches for, not with one typed now;
* an enterprise account: its legal representative (法定代表人), from the unit's data: the
  legal person's operator proves it is the legal representative before managing agents;
* a person without an account (issue 13's filings, the Henan mini-program): the name, ID
  type and number they type, checked by the shared ID validators (``ids/``).

``PURPOSES`` says, per purpose, which account kinds may start it and whether a person
without an account may. Names and numbers are opened here, in the verification domain,
and leave it only sealed or masked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.forms import DocumentInput, clean_document, clean_real_name
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.validators import Checks
from identity_graph.ids.types import IdType
from identity_graph.verification.models import FaceCheckPurpose
from identity_graph.verification.providers.base import PersonClaim

MESSAGES = {
    "FACE_CHECK_VERIFY_FIRST": (
        "请先完成实名认证，再进行人脸识别",
        "Complete real-name verification before taking a face check",
    ),
    "FACE_CHECK_NOT_FOR_ACCOUNT": (
        "此类账号不能进行该项人脸识别",
        "This kind of account cannot take this face check",
    ),
    "FACE_CHECK_LOGIN_REQUIRED": (
        "该项人脸识别须登录后进行",
        "Log in to take this face check",
    ),
    "FACE_CHECK_PERSON_NOT_EXPECTED": (
        "已登录时核验的是本人身份，无需填写人员信息",
        "When logged in, the face check is for your own identity: leave the person out",
    ),
}


@dataclass(frozen=True)
class PurposePolicy:
    """Who may start a face check for one purpose."""

    account_kinds: frozenset[AccountKind]
    anonymous: bool


PURPOSES: Mapping[FaceCheckPurpose, PurposePolicy] = MappingProxyType(
    {
        # The legal person's account (its legal representative) or an admin agent.
        FaceCheckPurpose.AGENT_ADMIN: PurposePolicy(
            frozenset({AccountKind.ENTERPRISE, AccountKind.NATURAL_PERSON}), anonymous=False
        ),
        # Persons named in a filing, with or without an account (SPEC §8).
        FaceCheckPurpose.CONFIRMATION_ACCESS: PurposePolicy(
            frozenset({AccountKind.NATURAL_PERSON}), anonymous=True
        ),
        FaceCheckPurpose.CONFIRMATION_SIGN: PurposePolicy(
            frozenset({AccountKind.NATURAL_PERSON}), anonymous=True
        ),
    }
)


@dataclass(frozen=True)
class PersonToCheck:
    """A person without an account, as typed: name, ID type and number."""

    real_name: str
    id_type: IdType
    id_number: str


class FaceSubjects:
    def __init__(self, vault: PersonalData) -> None:
        self._vault = vault

    async def of_account(self, purpose: FaceCheckPurpose, account_id: uuid.UUID) -> PersonClaim:
        """The identity an account's face check proves; refuses what the purpose excludes."""
        account = await Account.get(id=account_id)
        if account.kind not in PURPOSES[purpose].account_kinds:
            raise NotAuthorized("FACE_CHECK_NOT_FOR_ACCOUNT")
        if account.kind is AccountKind.ENTERPRISE:
            return await self._legal_representative(account_id)
        if not account.verification_status.is_verified:
            raise DomainError("FACE_CHECK_VERIFY_FIRST")
        person = await NaturalPerson.get(id=account_id)
        open_ = self._vault.open
        return PersonClaim(
            real_name=open_(person.real_name_cipher, "real_name"),
            id_type=person.id_type,
            id_number=open_(person.id_number_cipher, "id_number"),
            valid_from=person.id_valid_from,
            valid_until=person.id_valid_until,
            long_term=person.id_long_term,
        )

    async def _legal_representative(self, account_id: uuid.UUID) -> PersonClaim:
        unit = await Enterprise.get(id=account_id)
        open_ = self._vault.open
        return PersonClaim(
            real_name=open_(unit.legal_rep_name_cipher, "legal_rep_name"),
            id_type=unit.legal_rep_id_type,
            id_number=open_(unit.legal_rep_id_number_cipher, "legal_rep_id_number"),
            valid_from=unit.legal_rep_id_valid_from,
            valid_until=unit.legal_rep_id_valid_until,
            long_term=unit.legal_rep_id_long_term,
        )

    @staticmethod
    def of_person(
        purpose: FaceCheckPurpose,
        person: PersonToCheck | None,
        captcha_answered: bool,
        today: date,
    ) -> PersonClaim:
        """The claim a person without an account typed, every field error at once."""
        if not PURPOSES[purpose].anonymous:
            raise NotAuthorized("FACE_CHECK_LOGIN_REQUIRED")
        if person is None:
            raise ValidationFailed.single("person", "REQUIRED")
        checks = Checks()
        name = clean_real_name(checks, person.real_name, "person.realName")
        document = clean_document(
            checks, DocumentInput(person.id_type, person.id_number), today=today, prefix="person."
        )
        if not captcha_answered:
            checks.fail("captchaAnswer", "CAPTCHA_REQUIRED")
        checks.raise_if_any()
        assert name is not None and document is not None
        return PersonClaim(name, document.parsed.id_type, document.parsed.number)
