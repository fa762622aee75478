"""Legacy import (SPEC §2.5, seed 002 §1): accounts of an older system, with their password
hashes, into ``accounts`` and friends; CLI ``import-legacy FILE`` (CSV or JSON).

```mermaid
stateDiagram-v2
    [*] --> checked: every column of the row validated (all errors reported at once)
    checked --> error: a column is invalid (row reported, nothing written)
    checked --> unchanged: this legacy account was imported before (a rerun)
    checked --> merged: the unit's credit code (a resident's ID number) is already here
    checked --> imported: the login name is free
    checked --> renamed: the name belongs to a different unit: imported as WP_ + name
    renamed --> error: WP_ + name is taken as well
    imported --> [*]: one transaction per row
    renamed --> [*]
```

Rows are independent: a broken row is reported with its fields and codes, and the others
are imported; each row is written under its own savepoint (inside one transaction per batch
of 500 rows), so no row is half-written. Each
imported row leaves a ``legacy_import_records`` row keyed by kind and legacy login name, so
a rerun of the same file reports ``unchanged`` for every row it imported and writes nothing
(but one audit event per run, ``legacy_import.finished``, with the counts).

Imported units start PENDING_ACTIVATION (SPEC §6.3, ``recovery/activation.py``); residents
start ACTIVE. Old hashes are stored as they are (``accounts/legacy_hashes.py``) and become
Argon2id at the first successful password check. 15-digit resident IDs become 18 digits.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from identity_graph.accounts import legacy_hashes
from identity_graph.accounts.enums import (
    AccountKind,
    AccountStatus,
    LegalPersonType,
    UnitRegion,
)
from identity_graph.accounts.forms import clean_real_name
from identity_graph.accounts.login_names import login_key
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson, PasswordCredential
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import FieldError, ValidationFailed
from identity_graph.core.validators import Checks, clean_text, normalize_email, normalize_mobile
from identity_graph.ids.person import upgrade_legacy_resident_id, validate_id_number
from identity_graph.ids.types import REGION_OF, IdType
from identity_graph.ids.units import parse_uscc
from identity_graph.recovery.activation_models import LegacyImportRecord

MESSAGES = {
    "LEGACY_KIND": (
        "账号类型须为 {allowed} 之一（法人、自然人）",
        "The kind must be one of {allowed} (a legal person, a natural person)",
    ),
    "LEGACY_HASH_FORMAT": (
        "密码哈希格式无法识别（支持 bcrypt、PBKDF2-SHA256、加盐 SHA-256、加盐 MD5）",
        "Unknown password hash format (bcrypt, PBKDF2-SHA256, salted SHA-256, salted MD5)",
    ),
    "LEGACY_NAME_TAKEN": (
        "登录名及其 WP_ 形式均已被其他单位使用",
        "The login name and its WP_ form are both used by other units",
    ),
    "LEGACY_PERSON_NAME_TAKEN": (
        "登录名已被其他账号使用",
        "The login name is used by another account",
    ),
    "LEGACY_PHONE_TAKEN": (
        "该手机号码已注册过同类账号",
        "This phone number already has an account of this kind",
    ),
    "LEGACY_CONFLICT": (
        "与同时写入的数据冲突，请重新导入",
        "Conflicts with data written at the same time; run the import again",
    ),
    "LEGACY_FILE_UNREADABLE": (
        "导入文件无法读取：须为 UTF-8 的 CSV（含表头）或 JSON 数组",
        "The file cannot be read: it must be UTF-8 CSV with a header row or a JSON array",
    ),
}

WP_PREFIX = "WP_"
_BATCH = 500
COLUMNS = (
    "kind",
    "login_name",
    "password_hash",
    "phone",
    "email",
    "real_name",
    "id_type",
    "id_number",
    "unit_name",
    "uscc",
    "legal_person_type",
    "address",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
)


class Outcome(StrEnum):
    IMPORTED = "imported"
    RENAMED = "renamed"  # imported as WP_ + name (MOST rule)
    MERGED = "merged"  # the same unit (person) is already here
    UNCHANGED = "unchanged"  # imported by an earlier run
    ERROR = "error"


@dataclass(frozen=True)
class RowResult:
    row: int  # 1-based position in the file (data rows, header not counted)
    source_name: str
    outcome: Outcome
    login_name: str | None = None
    account_id: uuid.UUID | None = None
    errors: tuple[FieldError, ...] = ()


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    def summary(self) -> dict[str, int]:
        return {outcome.value: self.count(outcome) for outcome in Outcome}


@dataclass(frozen=True)
class _Person:
    real_name: str
    id_type: IdType
    id_number: str


@dataclass(frozen=True)
class _Unit:
    name: str
    uscc: str
    uscc_checksum_ok: bool
    legal_person_type: LegalPersonType
    address: str
    rep_name: str
    rep_id_type: IdType
    rep_id_number: str


@dataclass
class _Known:
    units: dict[str, tuple[uuid.UUID, str]] = field(default_factory=dict)  # uscc ->
    people: dict[str, tuple[uuid.UUID, str]] = field(default_factory=dict)  # id index ->
    names: set[str] = field(default_factory=set)  # login keys taken
    phones: set[tuple[AccountKind, str]] = field(default_factory=set)


@dataclass(frozen=True)
class _Row:
    kind: AccountKind
    login_name: str
    password_hash: str
    phone: str | None
    email: str | None
    person: _Person | None
    unit: _Unit | None

    @property
    def source_key(self) -> str:
        return f"{self.kind.value}:{login_key(self.login_name)}"


_Checked = _Row | ValidationFailed | LegacyImportRecord


def _source_key(raw: Mapping[str, str]) -> str | None:
    """``_Row.source_key`` of a raw row, without checking the rest of it."""
    kind, name = raw.get("kind", "").strip().lower(), raw.get("login_name", "")
    return f"{kind}:{login_key(name)}" if kind and name.strip() else None


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV (header row, UTF-8) or JSON (array of objects) file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise ValidationFailed.single("file", "LEGACY_FILE_UNREADABLE") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationFailed.single("file", "LEGACY_FILE_UNREADABLE") from None
        if isinstance(data, dict) and isinstance(data.get("accounts"), list):
            data = data["accounts"]
        if not isinstance(data, list):
            raise ValidationFailed.single("file", "LEGACY_FILE_UNREADABLE")
        return [_stringify(item) for item in data]
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "login_name" not in reader.fieldnames:
        raise ValidationFailed.single("file", "LEGACY_FILE_UNREADABLE")
    return [{key: value or "" for key, value in row.items() if key} for row in reader]


def _stringify(item: Any) -> dict[str, str]:
    """A JSON row as text columns; a row that is not an object has no columns (an error)."""
    if not isinstance(item, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in item.items()}


def _id_number(
    checks: Checks, id_type: IdType | None, value: str, column: str, clock: Clock
) -> str | None:
    if id_type is None:
        return None
    number = value.strip()
    if not number:
        checks.fail(column, "REQUIRED")
        return None
    if id_type == IdType.RESIDENT_ID_CARD and len(number) == 15:
        number = checks.run(upgrade_legacy_resident_id, number, column) or ""
        if not number:
            return None
    parsed = checks.run(validate_id_number, id_type, number, column, today=local_date(clock))
    return parsed.number if parsed else None


def _choice(checks: Checks, enum: Any, value: str, column: str, default: Any) -> Any:
    text = value.strip()
    if not text:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        checks.fail(column, "INVALID_FORMAT")
        return None


def check_row(raw: Mapping[str, str], clock: Clock) -> _Row:
    """The row's values, normalised, or every broken column at once (``ValidationFailed``)."""
    checks = Checks()

    def text(column: str, max_length: int, *, required: bool = True) -> str | None:
        return checks.run(
            clean_text, raw.get(column, ""), column, max_length=max_length, required=required
        )

    kind = None
    with contextlib.suppress(ValueError):
        kind = AccountKind(raw.get("kind", "").strip().lower())
    if kind not in (AccountKind.ENTERPRISE, AccountKind.NATURAL_PERSON):
        checks.fail("kind", "LEGACY_KIND", allowed="enterprise, natural_person")
    # 61 characters leave room for the WP_ prefix within the 64 of ``accounts.login_name``.
    name = text("login_name", 61)
    hashed = None
    try:
        hashed = legacy_hashes.parse(raw.get("password_hash", "")).text
    except legacy_hashes.LegacyHashInvalid:
        checks.fail("password_hash", "LEGACY_HASH_FORMAT")
    phone = email = None
    if raw.get("phone", "").strip() or kind == AccountKind.ENTERPRISE:
        phone = checks.run(normalize_mobile, raw.get("phone", ""), "phone")
    if raw.get("email", "").strip():
        email = checks.run(normalize_email, raw["email"], "email")
    person = unit = None
    if kind == AccountKind.NATURAL_PERSON:
        real_name = clean_real_name(checks, raw.get("real_name", ""), "real_name")
        id_type = _choice(
            checks, IdType, raw.get("id_type", ""), "id_type", IdType.RESIDENT_ID_CARD
        )
        number = _id_number(checks, id_type, raw.get("id_number", ""), "id_number", clock)
        if real_name and id_type and number:
            person = _Person(real_name, id_type, number)
    elif kind == AccountKind.ENTERPRISE:
        unit_name = text("unit_name", 100)
        code = checks.run(parse_uscc, raw.get("uscc", ""), "uscc")
        legal_type = _choice(
            checks,
            LegalPersonType,
            raw.get("legal_person_type", ""),
            "legal_person_type",
            LegalPersonType.ENTERPRISE,
        )
        address = text("address", 200, required=False)
        rep_name = clean_real_name(checks, raw.get("legal_rep_name", ""), "legal_rep_name")
        rep_type = _choice(
            checks,
            IdType,
            raw.get("legal_rep_id_type", ""),
            "legal_rep_id_type",
            IdType.RESIDENT_ID_CARD,
        )
        rep_number = _id_number(
            checks, rep_type, raw.get("legal_rep_id_number", ""), "legal_rep_id_number", clock
        )
        if unit_name and code and legal_type and rep_name and rep_type and rep_number:
            unit = _Unit(
                unit_name,
                code.number,
                code.checksum_ok,
                legal_type,
                address or "",
                rep_name,
                rep_type,
                rep_number,
            )
    checks.raise_if_any()
    assert kind is not None and name is not None and hashed is not None
    return _Row(kind, name, hashed, phone, email, person, unit)


class LegacyImport:
    def __init__(self, clock: Clock, vault: PersonalData, audit: AuditLog) -> None:
        self._clock = clock
        self._vault = vault
        self._audit = audit

    async def run(self, rows: Sequence[Mapping[str, str]], context: AuditContext) -> ImportReport:
        report = ImportReport()
        for start in range(0, len(rows), _BATCH):
            batch = list(enumerate(rows[start : start + _BATCH], start=start + 1))
            report.rows.extend(await self._batch(batch))
        await self._audit.record("legacy_import.finished", context, details=report.summary())
        return report

    async def _batch(self, batch: Iterable[tuple[int, Mapping[str, str]]]) -> list[RowResult]:
        rows = list(batch)
        keys = {number: _source_key(raw) for number, raw in rows}
        done = {
            record.source_key: record
            for record in await LegacyImportRecord.filter(
                source_key__in=[key for key in keys.values() if key]
            )
        }
        # Imported before: reported unchanged without checking the row again (a rerun of a
        # large file costs one query per batch).
        checked: list[tuple[int, Mapping[str, str], _Checked]] = []
        for number, raw in rows:
            earlier = done.get(keys[number] or "")
            if earlier is not None:
                checked.append((number, raw, earlier))
                continue
            try:
                checked.append((number, raw, check_row(raw, self._clock)))
            except ValidationFailed as exc:
                checked.append((number, raw, exc))
        known = await self._known([row for _, _, row in checked if isinstance(row, _Row)])
        # One transaction per batch and a savepoint per row: a refused row rolls back to its
        # savepoint only, and the batch pays one commit instead of one per row.
        async with in_transaction():
            return await self._rows(checked, known)

    async def _known(self, rows: list[_Row]) -> _Known:
        """What the database already holds of the batch's names, codes, IDs and phones: four
        queries per batch instead of four per row."""
        known = _Known()
        if not rows:
            return known
        usccs = [row.unit.uscc for row in rows if row.unit]
        for uscc, account_id, name in await Enterprise.filter(uscc__in=usccs).values_list(
            "uscc", "account_id", "account__login_name"
        ):
            known.units[uscc] = (account_id, name)
        indexes = {
            self._vault.index_id_number(row.person.id_number): row for row in rows if row.person
        }
        for index, account_id, name in await NaturalPerson.filter(
            id_number_index__in=list(indexes)
        ).values_list("id_number_index", "account_id", "account__login_name"):
            known.people[index] = (account_id, name)
        keys = [login_key(n) for row in rows for n in (row.login_name, WP_PREFIX + row.login_name)]
        taken = await Account.filter(login_key__in=keys).values_list("login_key", flat=True)
        known.names.update(str(key) for key in taken)
        phones = [self._vault.index_phone(row.phone) for row in rows if row.phone]
        for kind, index in await Account.filter(phone_index__in=phones).values_list(
            "kind", "phone_index"
        ):
            known.phones.add((AccountKind(kind), index))
        return known

    async def _rows(
        self, checked: list[tuple[int, Mapping[str, str], _Checked]], known: _Known
    ) -> list[RowResult]:
        results = []
        for number, raw, row in checked:
            source = str(raw.get("login_name", ""))[:64]
            if isinstance(row, ValidationFailed):
                results.append(RowResult(number, source, Outcome.ERROR, errors=tuple(row.errors)))
            elif isinstance(row, LegacyImportRecord):
                results.append(
                    RowResult(number, source, Outcome.UNCHANGED, row.login_name, row.account_id)
                )
            else:
                results.append(await self._import(number, row, known))
        return results

    async def _import(self, number: int, row: _Row, known: _Known) -> RowResult:
        try:
            async with in_transaction():
                return await self._write(number, row, known)
        except ValidationFailed as exc:
            return RowResult(number, row.login_name, Outcome.ERROR, errors=tuple(exc.errors))
        except IntegrityError:
            # A concurrent writer took a unique value between our checks and the insert.
            error = FieldError("login_name", "LEGACY_CONFLICT", {})
            return RowResult(number, row.login_name, Outcome.ERROR, errors=(error,))

    async def _write(self, number: int, row: _Row, known: _Known) -> RowResult:
        id_index = self._vault.index_id_number(row.person.id_number) if row.person else None
        # The same unit (credit code) or person (ID number) is already here: merge.
        holder = known.units.get(row.unit.uscc) if row.unit else known.people.get(id_index or "")
        if holder is not None:
            return await self._record(number, row, holder[0], holder[1], Outcome.MERGED)
        name, outcome = row.login_name, Outcome.IMPORTED
        if login_key(name) in known.names:
            if row.kind != AccountKind.ENTERPRISE:
                raise ValidationFailed.single("login_name", "LEGACY_PERSON_NAME_TAKEN")
            # MOST rule (seed 002 §1): the name is another unit's; this one becomes WP_name.
            name, outcome = WP_PREFIX + row.login_name, Outcome.RENAMED
            if login_key(name) in known.names:
                raise ValidationFailed.single("login_name", "LEGACY_NAME_TAKEN")
        phone_index = self._vault.index_phone(row.phone) if row.phone else None
        if phone_index and (row.kind, phone_index) in known.phones:
            raise ValidationFailed.single("phone", "LEGACY_PHONE_TAKEN")
        account = await self._create(row, name, phone_index)
        result = await self._record(number, row, account.id, name, outcome)
        # Later rows of the batch see this one (the savepoint is released by now).
        known.names.add(login_key(name))
        if phone_index:
            known.phones.add((row.kind, phone_index))
        if row.unit:
            known.units[row.unit.uscc] = (account.id, name)
        elif id_index:
            known.people[id_index] = (account.id, name)
        return result

    async def _create(self, row: _Row, name: str, phone_index: str | None) -> Account:
        now = self._clock.now()
        seal = self._vault.seal
        pending = row.kind == AccountKind.ENTERPRISE
        account = await Account.create(
            id=uuid.uuid4(),
            kind=row.kind,
            login_name=name,
            login_key=login_key(name),
            status=AccountStatus.PENDING_ACTIVATION if pending else AccountStatus.ACTIVE,
            phone_cipher=seal(row.phone, "phone") if row.phone else None,
            phone_index=phone_index,
            email_cipher=seal(row.email, "email") if row.email else None,
            created_at=now,
            updated_at=now,
        )
        await PasswordCredential.create(account=account, hash=row.password_hash, changed_at=now)
        if row.unit is not None:
            unit = row.unit
            await Enterprise.create(
                id=account.id,
                account=account,
                name=unit.name,
                region_type=UnitRegion.DOMESTIC,
                legal_person_type=unit.legal_person_type,
                uscc=unit.uscc,
                uscc_checksum_ok=unit.uscc_checksum_ok,
                address=unit.address,
                legal_rep_name_cipher=seal(unit.rep_name, "legal_rep_name"),
                legal_rep_id_type=unit.rep_id_type,
                legal_rep_id_number_cipher=seal(unit.rep_id_number, "legal_rep_id_number"),
                legal_rep_id_number_index=self._vault.index_id_number(unit.rep_id_number),
                legal_rep_mobile_cipher=seal(row.phone, "legal_rep_mobile") if row.phone else None,
                updated_at=now,
            )
        elif row.person is not None:
            person = row.person
            await NaturalPerson.create(
                id=account.id,
                account=account,
                real_name_cipher=seal(person.real_name, "real_name"),
                region_type=REGION_OF[person.id_type],
                id_type=person.id_type,
                id_number_cipher=seal(person.id_number, "id_number"),
                id_number_index=self._vault.index_id_number(person.id_number),
                updated_at=now,
            )
        return account

    async def _record(
        self, number: int, row: _Row, account_id: uuid.UUID, name: str, outcome: Outcome
    ) -> RowResult:
        await LegacyImportRecord.create(
            source_key=row.source_key,
            account_id=account_id,
            outcome=outcome.value,
            login_name=name,
            imported_at=self._clock.now(),
        )
        return RowResult(number, row.login_name, outcome, name, account_id)
