"""Account reads and writes that are not registration or profile changes: staff creation,
finding the account a login names, and checking its password (SPEC §2, §3)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import (
    AccountKind,
    AccountStatus,
    AssuranceLevel,
    Role,
    VerificationStatus,
)
from identity_graph.accounts.login_lookup import StoredCredential, account_with_credential
from identity_graph.accounts.login_names import login_key
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.accounts.passwords import PasswordHasher
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.batch import WriteBatch
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.events import EventBus
from identity_graph.core.rows import fetch_by_ids
from identity_graph.core.secrets import new_token
from identity_graph.core.validators import clean_text, normalize_mobile
from identity_graph.ids.units import looks_like_uscc, parse_uscc

MESSAGES = {
    "LOGIN_NAME_TAKEN": ("该登录名不可用", "This login name is not available"),
    "PASSWORD_TOO_SHORT": ("密码至少 {min} 位", "The password needs at least {min} characters"),
    "ACCOUNT_NOT_FOUND": ("账号不存在", "No such account"),
}


# Enterprise account names are letter-first; a letter-first 18-character name that also
# has a credit code's shape is looked up as a name when no unit holds it as a code.
_ENTERPRISE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def verification_channel(account_id: uuid.UUID) -> str:
    """Where changes of an account's real-name status are announced."""
    return f"verification:{account_id}"


@dataclass(frozen=True)
class LoginTarget:
    account: Account | None
    key: str
    # Loaded with the account by ``find_for_login`` (one query), for ``check_login``.
    credential: StoredCredential | None = None


class AccountService:
    def __init__(
        self,
        clock: Clock,
        passwords: PasswordHasher,
        vault: PersonalData,
        audit: AuditLog,
        events: EventBus | None = None,
    ) -> None:
        self._events = events
        self._clock = clock
        self._passwords = passwords
        self._vault = vault
        self._audit = audit
        self._decoy: str | None = None

    async def create_staff(
        self, login_name: str, password: str, roles: list[Role], context: AuditContext
    ) -> Account:
        """An operator or reviewer account (CLI ``create-admin``)."""
        name = clean_text(login_name, "loginName", max_length=64)
        if len(password) < 12:
            raise ValidationFailed.single("password", "PASSWORD_TOO_SHORT", min=12)
        hashed = await self._passwords.hash(password)
        now = self._clock.now()
        async with in_transaction():
            if await Account.filter(login_key=login_key(name)).exists():
                raise DomainError("LOGIN_NAME_TAKEN", "loginName")
            account = await Account.create(
                id=uuid.uuid4(),
                kind=AccountKind.STAFF,
                login_name=name,
                login_key=login_key(name),
                status=AccountStatus.ACTIVE,
                roles=[role.value for role in roles],
                created_at=now,
                updated_at=now,
            )
            await PasswordCredential.create(account=account, hash=hashed, changed_at=now)
            await self._audit.record(
                "staff.created",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"roles": [role.value for role in roles]},
            )
        return account

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """Batch load for DataLoaders: one query for any number of ids."""
        return {row.id: row for row in await fetch_by_ids(Account, ids)}

    async def find_for_login(self, kind: AccountKind, identifier: str) -> LoginTarget:
        """The account a login form names: a resident by login name or mobile number, an
        enterprise by account name or credit code, staff by login name (SPEC §2.2, §3).

        ``key`` is the normalised identifier, the same whether or not an account exists,
        so that failure counting cannot tell the two apart.
        """
        text = unicodedata.normalize("NFKC", identifier).strip()
        if len(text) > 64:
            return LoginTarget(None, f"{kind}:overlong:{login_key(text)[:128]}")
        if kind == AccountKind.NATURAL_PERSON and (text[:1].isdigit() or text[:1] == "+"):
            try:
                phone = normalize_mobile(text)
            except ValidationFailed:
                return LoginTarget(None, f"{kind}:name:{login_key(text)}")
            index = self._vault.index_phone(phone)
            return await self._target(kind, "phone_index", index, f"{kind}:phone:{index}")
        if kind == AccountKind.ENTERPRISE and looks_like_uscc(text):
            code = parse_uscc(text).number
            unit = await self._target(kind, "uscc", code, f"{kind}:uscc:{code}")
            if unit.account is not None or not _ENTERPRISE_NAME.fullmatch(text):
                return unit
        key = login_key(text)
        return await self._target(kind, "login_key", key, f"{kind}:name:{key}")

    async def _target(self, kind: AccountKind, column: str, value: str, key: str) -> LoginTarget:
        found = await account_with_credential(kind, column, value)
        if found is None:
            return LoginTarget(None, key)
        return LoginTarget(found.account, key, found.credential)

    def record_login(self, account: Account, batch: WriteBatch) -> None:
        """The login's time on the account, written with the rest of the login's rows."""
        batch.update(Account, account.id, {"last_login_at": self._clock.now()})

    async def check_login(self, target: LoginTarget, password: str) -> bool:
        """``verify_password`` with the credential ``find_for_login`` loaded (no query)."""
        return await self._check(target.account, target.credential, password)

    async def verify_password(self, account: Account | None, password: str) -> bool:
        """Check ``password``; upgrade a hash made with older parameters (SPEC §3).

        Without an account a decoy hash is checked, so an unknown name costs the same time
        as a wrong password and the answer's timing says nothing about who exists.
        """
        found = await PasswordCredential.get_or_none(account_id=account.id) if account else None
        credential = StoredCredential(found.id, found.hash) if found else None
        return await self._check(account, credential, password)

    async def _check(
        self, account: Account | None, credential: StoredCredential | None, password: str
    ) -> bool:
        stored = credential.hash if credential else await self._decoy_hash()
        matched = await self._passwords.verify(stored, password)
        if not matched or credential is None or account is None:
            return False
        if self._passwords.needs_rehash(stored):
            rehashed = await self._passwords.hash(password)
            await PasswordCredential.filter(id=credential.id, hash=stored).update(hash=rehashed)
        return True

    async def find_agent_person(self, phone: str, id_number: str) -> LoginTarget:
        """The resident an agent login names by reserved phone and ID number (seed 004 §一).

        ``key`` is the phone's normalised form whether or not anyone holds it; a phone held
        by someone whose ID number differs finds nobody.
        """
        try:
            index = self._vault.index_phone(normalize_mobile(phone, "agentPhone"))
        except ValidationFailed:
            return LoginTarget(None, f"agent-phone:raw:{login_key(phone[:64])}")
        key = f"agent-phone:{index}"
        account = await Account.get_or_none(kind=AccountKind.NATURAL_PERSON, phone_index=index)
        if account is None:
            return LoginTarget(None, key)
        text = unicodedata.normalize("NFKC", id_number).strip().upper()[:64]
        holder = await NaturalPerson.get_or_none(
            id=account.id, id_number_index=self._vault.index_id_number(text)
        )
        return LoginTarget(account if holder else None, key)

    async def check_hash(self, stored: str | None, password: str) -> bool:
        """Check ``password`` against a hash kept elsewhere (an agent password); without one,
        a decoy costs the same time."""
        matched = await self._passwords.verify(stored or await self._decoy_hash(), password)
        return matched and stored is not None

    async def hash_password(self, password: str) -> str:
        return await self._passwords.hash(password)

    async def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = await self._passwords.hash(new_token(16))
        return self._decoy

    async def get_natural_persons(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, NaturalPerson]:
        return {row.id: row for row in await fetch_by_ids(NaturalPerson, ids)}

    async def get_enterprises(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Enterprise]:
        return {row.id: row for row in await fetch_by_ids(Enterprise, ids)}

    async def enterprise_by_uscc(self, uscc: str) -> Enterprise | None:
        """A unit by credit code; ``None`` for anything that is not a well-formed code."""
        if not looks_like_uscc(uscc):
            return None
        return await Enterprise.get_or_none(uscc=parse_uscc(uscc).number)

    async def record_verification(
        self,
        account_id: uuid.UUID,
        *,
        expected_case: uuid.UUID | None,
        case_id: uuid.UUID | None,
        status: VerificationStatus,
        level: AssuranceLevel,
    ) -> bool:
        """Set the real-name status and level (SPEC §4.1, §4.2) if ``expected_case`` is still
        the account's current case; False when another submission got there first. Call in
        the verification service's transaction."""
        updated = await Account.filter(id=account_id, verification_case_id=expected_case).update(
            verification_status=status,
            level=level,
            verification_case_id=case_id,
            updated_at=self._clock.now(),
        )
        if updated and self._events is not None:  # myVerificationChanged (core/events.py)
            await self._events.publish(
                verification_channel(account_id), {"status": status.value, "case": str(case_id)}
            )
        return bool(updated)
