"""Who an agent binding joins, as its other party may see them (SPEC §11): the person's
name with ID number and phone masked, the unit with its legal representative masked. The
only place in the agents domain that decrypts personal data; batch-loaded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from identity_graph.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.crypto import mask_id_number, mask_name, mask_phone
from identity_graph.core.rows import fetch_by_ids


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


class AgentPeople:
    def __init__(self, vault: PersonalData) -> None:
        self._vault = vault

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
