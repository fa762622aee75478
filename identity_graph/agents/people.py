"""Who an agent binding joins, as its other party may see them (SPEC §11): the person's
name with ID number and phone masked, the unit with its legal representative masked. The
only place in the agents domain that decrypts personal data; batch-loaded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from identity_graph.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.accounts.forms import clean_real_name
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.crypto import mask_id_number, mask_name, mask_phone
from identity_graph.core.errors import DomainError
from identity_graph.core.rows import fetch_by_ids
from identity_graph.core.validators import Checks, normalize_mobile
from identity_graph.ids.person import validate_id_number
from identity_graph.ids.types import IdType


@dataclass(frozen=True)
class PersonCard:
    account_id: uuid.UUID
    name: str
    id_number: str
    phone: str | None
    verification_status: VerificationStatus


@dataclass(frozen=True)
class UnitCard:
    account_id: uuid.UUID
    name: str
    uscc: str | None
    legal_representative: str
    status: AccountStatus
    verification_status: VerificationStatus


@dataclass(frozen=True)
class Newcomer:
    """Whom a unit adds as its agent (seed 004 我的经办人 添加): as the unit typed them."""

    name: str
    id_type: IdType
    id_number: str
    phone: str


class AgentPeople:
    def __init__(self, vault: PersonalData) -> None:
        self._vault = vault

    async def registered(self, newcomer: Newcomer, today: date) -> Account:
        """The registered resident the unit names: ID number, name and reserved phone must
        all agree (经办人需为已注册统一身份认证的自然人用户); any mismatch answers like an
        unknown person, so the form cannot probe who is registered."""
        checks = Checks()
        name = clean_real_name(checks, newcomer.name, "name")
        parsed = checks.run(
            validate_id_number, newcomer.id_type, newcomer.id_number, "idNumber", today=today
        )
        phone = checks.run(normalize_mobile, newcomer.phone, "phone")
        checks.raise_if_any()
        assert parsed is not None and phone is not None
        person = await NaturalPerson.get_or_none(
            id_number_index=self._vault.index_id_number(parsed.number), id_type=parsed.id_type
        )
        account = await Account.get_or_none(id=person.id) if person else None
        matches = (
            person is not None
            and account is not None
            and account.phone_index == self._vault.index_phone(phone)
            and self._vault.open(person.real_name_cipher, "real_name") == name
        )
        if not matches or account is None:
            raise DomainError("AGENT_PERSON_NOT_FOUND", "idNumber")
        return account

    async def persons(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonCard]:
        accounts = {row.id: row for row in await fetch_by_ids(Account, ids)}
        people = await fetch_by_ids(NaturalPerson, ids)
        cards = {}
        for person in people:
            account = accounts[person.id]
            phone = self._vault.phone_of(account)
            cards[person.id] = PersonCard(
                person.id,
                self._vault.open(person.real_name_cipher, "real_name"),
                mask_id_number(self._vault.open(person.id_number_cipher, "id_number")),
                mask_phone(phone) if phone else None,
                account.verification_status,
            )
        return cards

    async def units(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, UnitCard]:
        accounts = {row.id: row for row in await fetch_by_ids(Account, ids)}
        cards = {}
        for unit in await fetch_by_ids(Enterprise, ids):
            account = accounts[unit.id]
            cards[unit.id] = UnitCard(
                unit.id,
                unit.name,
                unit.uscc,
                mask_name(self._vault.open(unit.legal_rep_name_cipher, "legal_rep_name")),
                account.status,
                account.verification_status,
            )
        return cards
