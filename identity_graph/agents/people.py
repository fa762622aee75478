"""Who an agent binding joins, as its other party may see them (SPEC §11): the person's
name with ID number and phone masked, the unit with its legal representative masked. The
only place in the agents domain that decrypts personal data; batch-loaded, each batch one
hand-written statement joining the account to its person or unit (``core/rows.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from tortoise import connections
from tortoise.models import Model

from identity_graph.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.accounts.forms import clean_real_name
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.crypto import mask_id_number, mask_name, mask_phone
from identity_graph.core.errors import DomainError
from identity_graph.core.rows import Params, columns_of, is_postgres, model_from
from identity_graph.core.validators import Checks, normalize_mobile
from identity_graph.ids.person import validate_id_number
from identity_graph.ids.types import IdType

_WITH_ACCOUNT = "SELECT {columns} FROM {table} x JOIN accounts a ON a.id = x.id WHERE x.id {ids}"


@cache
def _columns(model: type[Model]) -> str:
    return f"{columns_of(Account, 'a', 'a_')}, {columns_of(model, 'x', 'x_')}"


async def _with_accounts(model: type[Model], ids: list[uuid.UUID]) -> list[tuple[Any, Account]]:
    """The ``model`` rows (persons or units) with ``ids``, each with its account."""
    if not ids:
        return []
    connection = connections.get("default")
    params = Params(is_postgres(connection))
    sql = _WITH_ACCOUNT.format(
        columns=_columns(model), table=model._meta.db_table, ids=params.any_of(ids)
    )
    rows = await connection.execute_query_dict(sql, params.values)
    return [(model_from(model, row, "x_"), model_from(Account, row, "a_")) for row in rows]


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
        cards = {}
        for person, account in await _with_accounts(NaturalPerson, ids):
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
        cards = {}
        for unit, account in await _with_accounts(Enterprise, ids):
            cards[unit.id] = UnitCard(
                unit.id,
                unit.name,
                unit.uscc,
                mask_name(self._vault.open(unit.legal_rep_name_cipher, "legal_rep_name")),
                account.status,
                account.verification_status,
            )
        return cards
