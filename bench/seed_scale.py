"""Seed PostgreSQL at SPEC §13 scale: 1,000,000 natural persons and 100,000 enterprises.

Rows are written with ``COPY`` (asyncpg's binary ``copy_records_to_table``) in batches,
exactly as registration writes them: the account with its encrypted phone and keyed phone
index, the password credential (one Argon2id hash shared by all), the person with the
encrypted name and ID number and the ID number's blind index; enterprises with a valid
USCC and their legal representative's encrypted details. Every value is synthetic and
derived from a serial number, so ``bench/scale_lookups.py`` can find any row again.

The database (``IDG_SCALE_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/
idg_scale``) is dropped, re-created and migrated first unless ``--append``. The secret key
is fixed (``IDG_SCALE_SECRET_KEY``) so the blind indexes can be recomputed by the lookups.

    .venv/bin/python -m bench.seed_scale [--persons 1000000] [--enterprises 100000]
    .venv/bin/python -m bench.seed_scale --persons 100000 --enterprises 10000
    .venv/bin/python -m bench.seed_scale --append --persons 900000 --start 100000 ...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DATABASE_URL = os.environ.get(
    "IDG_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idg_scale"
)
SECRET_KEY = os.environ.get("IDG_SCALE_SECRET_KEY", "scale-bench-" + "0123456789abcdef" * 3)
PASSWORD = "Scale-bench-passw0rd!"
BATCH = 20_000
_BIRTH_BASE = date(1950, 1, 1)


def person_login(serial: int) -> str:
    return f"p{serial:07d}"


def person_phone(serial: int) -> str:
    return f"13{serial:09d}"


def unit_login(serial: int) -> str:
    return f"e{serial:07d}"


def unit_phone(serial: int) -> str:
    return f"15{serial:09d}"


_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def resident_id(serial: int, region: str = "110108") -> str:
    """A valid resident ID number (GB 11643, ISO 7064 MOD 11-2 check character), distinct
    for every serial below 18,000,000 (born before 2000)."""
    born = _BIRTH_BASE + timedelta(days=serial // 1000)
    body = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    check = (12 - sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def uscc(serial: int) -> str:
    """A valid unified social credit code (org code and USCC check characters)."""
    from stdnum.cn import uscc as stdnum_uscc

    from identity_graph.ids.units import org_code_check_character

    body = f"{serial:08d}"
    number = "91110108" + body + org_code_check_character(body)
    return number + stdnum_uscc.calc_check_digit(number)


def settings(database_url: str = DATABASE_URL, data_dir: Path | None = None) -> Any:
    from identity_graph.settings import Settings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        data_dir=data_dir or Path(tempfile.mkdtemp(prefix="idg-scale-")),
        secret_key=SECRET_KEY,
        jobs_worker_enabled=False,
    )


def _batches(start: int, count: int) -> Iterator[range]:
    for first in range(start, start + count, BATCH):
        yield range(first, min(first + BATCH, start + count))


def _account(serial_id: uuid.UUID, kind: str, login: str, phone: str, vault: Any, now: datetime):
    return (
        serial_id,
        kind,
        login,
        login,
        "active",
        "phone_verified",
        "unverified",
        "[]",
        vault.seal(phone, "phone"),
        vault.index_phone(phone),
        "2026-01",
        now,
        now,
        now,
    )


ACCOUNT_COLUMNS = [
    "id",
    "kind",
    "login_name",
    "login_key",
    "status",
    "level",
    "verification_status",
    "roles",
    "phone_cipher",
    "phone_index",
    "pledge_version",
    "pledge_accepted_at",
    "created_at",
    "updated_at",
]
CREDENTIAL_COLUMNS = ["account_id", "hash", "changed_at"]
PERSON_COLUMNS = [
    "id",
    "account_id",
    "real_name_cipher",
    "region_type",
    "id_type",
    "id_number_cipher",
    "id_number_index",
    "id_long_term",
    "gender",
    "birth_date",
    "updated_at",
]
ENTERPRISE_COLUMNS = [
    "id",
    "account_id",
    "name",
    "region_type",
    "legal_person_type",
    "uscc",
    "uscc_checksum_ok",
    "address",
    "legal_rep_name_cipher",
    "legal_rep_id_type",
    "legal_rep_id_number_cipher",
    "legal_rep_id_number_index",
    "legal_rep_id_long_term",
    "extended",
    "updated_at",
]


def _ids(namespace: str, serials: range) -> list[uuid.UUID]:
    return [uuid.uuid5(uuid.NAMESPACE_URL, f"idg-scale:{namespace}:{n}") for n in serials]


async def _copy_persons(connection: Any, container: Any, serials: range, hashed: str) -> None:
    vault, now = container.vault, datetime.now(UTC)
    ids = _ids("person", serials)
    accounts, credentials, persons = [], [], []
    for serial, key in zip(serials, ids, strict=True):
        number = resident_id(serial)
        accounts.append(
            _account(key, "natural_person", person_login(serial), person_phone(serial), vault, now)
        )
        credentials.append((key, hashed, now))
        persons.append(
            (
                key,
                key,
                vault.seal(f"测试{serial % 997}", "real_name"),
                "mainland",
                "resident_id_card",
                vault.seal(number, "id_number"),
                vault.index_id_number(number),
                True,
                "female" if int(number[16]) % 2 == 0 else "male",
                _BIRTH_BASE + timedelta(days=serial // 1000),
                now,
            )
        )
    async with connection.transaction():
        await connection.copy_records_to_table(
            "accounts", records=accounts, columns=ACCOUNT_COLUMNS
        )
        await connection.copy_records_to_table(
            "password_credentials", records=credentials, columns=CREDENTIAL_COLUMNS
        )
        await connection.copy_records_to_table(
            "natural_persons", records=persons, columns=PERSON_COLUMNS
        )


async def _copy_units(connection: Any, container: Any, serials: range, hashed: str) -> None:
    vault, now = container.vault, datetime.now(UTC)
    ids = _ids("unit", serials)
    accounts, credentials, units = [], [], []
    for serial, key in zip(serials, ids, strict=True):
        accounts.append(
            _account(key, "enterprise", unit_login(serial), unit_phone(serial), vault, now)
        )
        credentials.append((key, hashed, now))
        rep = resident_id(serial)
        units.append(
            (
                key,
                key,
                f"规模测试企业{serial:07d}有限公司",
                "domestic",
                "enterprise",
                uscc(serial),
                True,
                "北京市海淀区测试路1号",
                vault.seal("测试法人", "legal_rep_name"),
                "resident_id_card",
                vault.seal(rep, "legal_rep_id_number"),
                vault.index_id_number(rep),
                True,
                "{}",
                now,
            )
        )
    async with connection.transaction():
        await connection.copy_records_to_table(
            "accounts", records=accounts, columns=ACCOUNT_COLUMNS
        )
        await connection.copy_records_to_table(
            "password_credentials", records=credentials, columns=CREDENTIAL_COLUMNS
        )
        await connection.copy_records_to_table(
            "enterprises", records=units, columns=ENTERPRISE_COLUMNS
        )


async def reset(database_url: str) -> None:
    import asyncpg

    from identity_graph import db

    base, _, name = database_url.rpartition("/")
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await db.migrate(database_url)


async def _without_row_notices(connection: Any) -> None:
    """No triggers on this connection: the row notices of migration 0026 (a million
    ``NOTIFY``s, each a trigger call, for rows no process has cached) and the foreign-key
    checks, which the rows written here satisfy by construction. Needs a superuser (or the
    right to set ``session_replication_role``); without it the seeding is slower, not wrong."""
    import asyncpg

    try:
        await connection.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        print("warning: triggers stay on while seeding (session_replication_role refused)")


def _job(database_url: str, persons: range, units: range, hashed: str) -> None:
    asyncio.run(_seed_ranges(database_url, persons, units, hashed))


async def _seed_ranges(database_url: str, persons: range, units: range, hashed: str) -> None:
    import asyncpg

    from identity_graph.container import Container

    container = Container(settings(database_url))
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await _without_row_notices(connection)
        for serials in _batches(persons.start, len(persons)):
            await _copy_persons(connection, container, serials, hashed)
            print(f"  persons up to {serials.stop:>9,}", flush=True)
        for serials in _batches(units.start, len(units)):
            await _copy_units(connection, container, serials, hashed)
    finally:
        await connection.close()
        await container.aclose()


def _split(start: int, count: int, jobs: int) -> list[range]:
    step = -(-count // jobs)
    return [
        range(start + i * step, min(start + (i + 1) * step, start + count)) for i in range(jobs)
    ]


async def seed(
    database_url: str,
    persons: int,
    enterprises: int,
    start: int = 0,
    unit_start: int = 0,
    jobs: int = 2,
) -> dict[str, float]:
    """Write the rows with ``jobs`` processes (each its own COPY connection); returns the
    overall rows per second."""
    import multiprocessing

    from identity_graph.container import Container

    container = Container(settings(database_url))
    hashed = await container.passwords.hash(PASSWORD)
    await container.aclose()
    began = time.perf_counter()
    workers = [
        multiprocessing.Process(target=_job, args=(database_url, people, units, hashed))
        for people, units in zip(
            _split(start, persons, jobs), _split(unit_start, enterprises, jobs), strict=True
        )
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a seeding process failed ({worker.exitcode})")
    elapsed = time.perf_counter() - began
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        began = time.perf_counter()
        await connection.execute("ANALYZE")
        analyze = time.perf_counter() - began
    finally:
        await connection.close()
    return {
        "rows_per_s": (persons + enterprises) / elapsed,
        "seconds": elapsed,
        "analyze_s": analyze,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--start", type=int, default=0, help="first person serial")
    parser.add_argument("--unit-start", type=int, default=0, help="first enterprise serial")
    parser.add_argument("--append", action="store_true", help="keep the existing rows")
    parser.add_argument("--jobs", type=int, default=2, help="seeding processes")
    args = parser.parse_args()

    async def run() -> None:
        if not args.append:
            await reset(args.database_url)
        rates = await seed(
            args.database_url,
            args.persons,
            args.enterprises,
            args.start,
            args.unit_start,
            args.jobs,
        )
        print(
            f"seeded {args.persons:,} persons and {args.enterprises:,} enterprises in"
            f" {rates['seconds']:,.0f} s ({rates['rows_per_s']:,.0f} rows/s with {args.jobs}"
            f" processes; ANALYZE {rates['analyze_s']:.1f} s)"
        )

    asyncio.run(run())


if __name__ == "__main__":
    main()
