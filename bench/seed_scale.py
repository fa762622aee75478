"""Seed PostgreSQL at SPEC §13 scale: 1,000,000 natural persons and 100,000 enterprises.

Rows are written with ``COPY`` (asyncpg's binary ``copy_records_to_table``) in batches,
exactly as registration writes them: the account with its encrypted phone and keyed phone
index, the password credential (one Argon2id hash shared by all), the person with the
encrypted name and ID number and the ID number's blind index; enterprises with a valid
USCC and their legal representative's encrypted details. Every value is synthetic and
derived from a serial number, so ``bench/scale_lookups.py`` can find any row again.

Agents (unless ``--no-agents``): a partner client with ``SERVICES`` catalogue services,
registered through the application; the first ``--agent-pool`` persons and every
enterprise made real-name verified (status ``verified``, level ``real_name``, as a passed
verification leaves them); every enterprise binds ``AGENTS_PER_UNIT`` of the pool (a main
agent and an agent, added and active, live and main keys as ``agents/bindings.py`` writes
them), and each binding holds one or two grants (``agents/grants.py``'s live keys; every
tenth unit's agent also a revoked one): about 200 k bindings and 370 k grants at 100 k
enterprises. ``--agents-only`` adds them to a database seeded before.

Every COPY connection runs with ``session_replication_role = replica``: no trigger fires
(change notices of migration 0026 would otherwise send a million notifications; foreign
keys, which are triggers too, are not re-checked, so the rows must be right by construction).

The database (``--database-url``, else ``IDG_SCALE_DATABASE_URL``, else
``IDG_BENCH_DATABASE_URL``, else ``postgres://postgres@127.0.0.1:5432/idg_scale``) is
dropped, re-created and migrated first unless ``--append``. The secret key is fixed
(``IDG_SCALE_SECRET_KEY``) so the blind indexes can be recomputed by the lookups.

    .venv/bin/python -m bench.seed_scale [--persons 1000000] [--enterprises 100000]
    .venv/bin/python -m bench.seed_scale --persons 100000 --enterprises 10000
    .venv/bin/python -m bench.seed_scale --append --persons 900000 --start 100000 ...
    .venv/bin/python -m bench.seed_scale --agents-only [--agent-pool 100000]
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

DATABASE_URL = (
    os.environ.get("IDG_SCALE_DATABASE_URL")
    or os.environ.get("IDG_BENCH_DATABASE_URL")
    or "postgres://postgres@127.0.0.1:5432/idg_scale"
)
SECRET_KEY = os.environ.get("IDG_SCALE_SECRET_KEY", "scale-bench-" + "0123456789abcdef" * 3)
PASSWORD = "Scale-bench-passw0rd!"
BATCH = 20_000
SERVICES = 20
AGENTS_PER_UNIT = 2
AGENT_POOL = 100_000
PARTNER = "scale bench partner"
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


async def _copy_connection(database_url: str) -> Any:
    """A connection for COPY on which no trigger fires (see the module docstring)."""
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        # not a superuser: the row notices fire (slower), the rows are the same
        print("warning: triggers stay on while seeding (session_replication_role refused)")
    return connection


def _job(database_url: str, persons: range, units: range, hashed: str) -> None:
    asyncio.run(_seed_ranges(database_url, persons, units, hashed))


async def _seed_ranges(database_url: str, persons: range, units: range, hashed: str) -> None:
    from identity_graph.container import Container

    container = Container(settings(database_url))
    connection = await _copy_connection(database_url)
    try:
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
    if jobs == 1:  # in this process (tests)
        await _seed_ranges(
            database_url,
            range(start, start + persons),
            range(unit_start, unit_start + enterprises),
            hashed,
        )
    workers = (
        []
        if jobs == 1
        else [
            multiprocessing.Process(target=_job, args=(database_url, people, units, hashed))
            for people, units in zip(
                _split(start, persons, jobs), _split(unit_start, enterprises, jobs), strict=True
            )
        ]
    )
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


# --- agents and grants ------------------------------------------------------------------

BINDING_COLUMNS = [
    "id",
    "enterprise_id",
    "person_id",
    "role",
    "state",
    "origin",
    "valid_from",
    "live_key",
    "main_key",
    "decided_by",
    "decided_at",
    "created_at",
    "updated_at",
    "expires_at",
]
GRANT_COLUMNS = [
    "binding_id",
    "service_id",
    "live_key",
    "granted_at",
    "granted_by",
    "expires_at",
    "revoked_at",
    "revoked_by",
]


def service_code(number: int) -> str:
    return f"99{number:010d}"


def unit_id(serial: int) -> uuid.UUID:
    return _ids("unit", range(serial, serial + 1))[0]


def person_id(serial: int) -> uuid.UUID:
    return _ids("person", range(serial, serial + 1))[0]


def binding_id(unit: int, slot: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"idg-scale:binding:{unit}:{slot}")


def agent_of(unit: int, slot: int, pool: int) -> int:
    """The pool person bound to ``unit`` in ``slot`` (distinct slots, distinct persons)."""
    return (unit * AGENTS_PER_UNIT + slot) % pool


def granted(unit: int, slot: int) -> list[tuple[int, bool]]:
    """(service number, revoked) of each grant the binding holds: the first always live; a
    second one on six bindings in seven; every tenth unit's agent (slot 1) also holds a
    revoked one."""
    first = (unit * AGENTS_PER_UNIT + slot) % SERVICES
    held = [(first, False)]
    if (unit + slot) % 7:
        held.append(((first + 7) % SERVICES, False))
    if slot == 1 and unit % 10 == 0:
        held.append(((first + 3) % SERVICES, True))
    return held


async def _services(database_url: str, container: Any = None) -> dict[int, int]:
    """The partner and its catalogue services, registered as an operator would (the
    application's own calls); their ids by service number. Kept if already there.
    ``container``: one of the caller's, the ORM already open on ``database_url``."""
    from identity_graph import db
    from identity_graph.clients.models import ServiceItem
    from identity_graph.clients.service import ClientRegistration
    from identity_graph.container import Container
    from identity_graph.core.audit import AuditContext

    owned = container is None
    if owned:
        config = settings(database_url)
        await db.open_database(config.resolved_database_url)
        container = Container(config)
    try:
        codes = [service_code(n) for n in range(SERVICES)]
        found = {row.code: row.id for row in await ServiceItem.filter(code__in=codes)}
        if len(found) < SERVICES:
            partner = await container.clients.register(
                ClientRegistration(PARTNER, ["client_credentials"], scopes=["openid"]),
                AuditContext(),
            )
            for code in codes:
                if code not in found:
                    item = await container.catalogue.register(
                        partner.client.client_id, code, f"规模测试事项{code}", AuditContext()
                    )
                    found[code] = item.id
        return {n: found[service_code(n)] for n in range(SERVICES)}
    finally:
        if owned:
            await container.aclose()
            await db.close_database()


async def _verify(connection: Any, persons: int, units: int, now: datetime) -> None:
    """What a passed real-name verification leaves on the account (status and level)."""
    for prefix, count in (("p", persons), ("e", units)):
        if count:
            await connection.execute(
                "UPDATE accounts SET verification_status = 'verified', level = 'real_name',"
                " updated_at = $3 WHERE login_name >= $1 AND login_name < $2",
                f"{prefix}{0:07d}",
                f"{prefix}{count:07d}",
                now,
            )


async def _copy_agents(
    connection: Any, units: range, pool: int, services: dict[int, int], now: datetime
) -> tuple[int, int]:
    bindings, grants = [], []
    until = now + timedelta(days=3 * 365)
    for unit in units:
        enterprise = unit_id(unit)
        for slot in range(AGENTS_PER_UNIT):
            person = person_id(agent_of(unit, slot, pool))
            key = binding_id(unit, slot)
            main = slot == 0
            bindings.append(
                (
                    key,
                    enterprise,
                    person,
                    "main" if main else "agent",
                    "active",
                    "added",
                    now,
                    f"{enterprise}:{person}",
                    str(enterprise) if main else None,
                    enterprise,
                    now,
                    now,
                    now,
                    until,
                )
            )
            for number, revoked in granted(unit, slot):
                service = services[number]
                grants.append(
                    (
                        key,
                        service,
                        None if revoked else f"{key}:{service}",
                        now,
                        enterprise,
                        None,
                        now if revoked else None,
                        enterprise if revoked else None,
                    )
                )
    async with connection.transaction():
        await connection.copy_records_to_table(
            "agent_bindings", records=bindings, columns=BINDING_COLUMNS
        )
        await connection.copy_records_to_table(
            "agent_grants", records=grants, columns=GRANT_COLUMNS
        )
    return len(bindings), len(grants)


async def seeded_counts(database_url: str) -> tuple[int, int, int]:
    """Seeded persons, enterprises and enterprises with agents (by their login names)."""
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM accounts WHERE login_name >= 'p' AND login_name < 'q')"
            " AS persons, (SELECT count(*) FROM accounts WHERE login_name >= 'e'"
            " AND login_name < 'f') AS units, (SELECT count(*) FROM agent_bindings b"
            " JOIN accounts a ON a.id = b.enterprise_id WHERE b.role = 'main'"
            " AND a.login_name >= 'e' AND a.login_name < 'f') AS with_agents"
        )
    finally:
        await connection.close()
    return int(row["persons"]), int(row["units"]), int(row["with_agents"])


async def seed_agents(
    database_url: str, units: int, pool: int, first: int = 0, container: Any = None
) -> dict[str, float]:
    """Bindings and grants for enterprises ``first .. units-1`` over persons
    ``0 .. pool-1`` (both must be seeded); returns counts and seconds. ``container``: as
    for ``_services`` (tests)."""
    if units and pool < AGENTS_PER_UNIT:
        raise SystemExit(f"--agent-pool must be at least {AGENTS_PER_UNIT}")
    services = await _services(database_url, container)
    began = time.perf_counter()
    now = datetime.now(UTC)
    connection = await _copy_connection(database_url)
    made = [0, 0]
    try:
        await _verify(connection, pool, units, now)
        for serials in _batches(first, units - first):
            bindings, grants = await _copy_agents(connection, serials, pool, services, now)
            made[0] += bindings
            made[1] += grants
        await connection.execute("ANALYZE accounts, agent_bindings, agent_grants")
    finally:
        await connection.close()
    return {"bindings": made[0], "grants": made[1], "seconds": time.perf_counter() - began}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--start", type=int, default=0, help="first person serial")
    parser.add_argument("--unit-start", type=int, default=0, help="first enterprise serial")
    parser.add_argument("--append", action="store_true", help="keep the existing rows")
    parser.add_argument("--jobs", type=int, default=2, help="seeding processes")
    parser.add_argument("--no-agents", action="store_true", help="persons and units only")
    parser.add_argument(
        "--agents-only",
        action="store_true",
        help="add agents to the seeded enterprises that have none yet",
    )
    parser.add_argument(
        "--agent-pool", type=int, default=AGENT_POOL, help="persons acting as agents"
    )
    args = parser.parse_args()

    async def agents(persons: int, units: int, first: int = 0) -> None:
        pool = min(args.agent_pool, persons)
        made = await seed_agents(args.database_url, units, pool, first)
        print(
            f"seeded {made['bindings']:,.0f} agent bindings and {made['grants']:,.0f} grants"
            f" (enterprises {first:,}..{units:,}, {pool:,} agents) in {made['seconds']:,.1f} s"
        )

    async def run() -> None:
        if args.agents_only:
            await agents(*await seeded_counts(args.database_url))
            return
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
        if not args.no_agents and not args.append:
            await agents(args.persons, args.enterprises)

    asyncio.run(run())


if __name__ == "__main__":
    main()
