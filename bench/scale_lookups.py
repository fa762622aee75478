"""Lookups and registrations at SPEC §13 scale, on the database ``bench/seed_scale.py`` wrote.

Four lookups, each through the service call the application makes, one at a time from one
process (so the latency is one request's share: ORM, round trip, PostgreSQL), on serials
spread over the whole table:

* login name: ``AccountService.find_for_login`` with a login name (``login_key``);
* phone: ``find_for_login`` with a phone number (keyed blind index ``(kind, phone_index)``);
* ID number: the registration conflict query on ``natural_persons.id_number_index``;
* USCC: ``AccountService.enterprise_by_uscc``.

Target: p99 < 5 ms each. ``EXPLAIN`` of every lookup's SQL is printed and must use an
index (the run fails otherwise).

Then registration throughput: ``RegistrationService.register_natural_person`` (validation,
SMS code check, conflict queries, password hash, account, credential and person in one
transaction, audit) from ``--concurrency`` tasks for ``--seconds``, with SMS challenges
written beforehand as the ``requestSmsCode`` mutation would. Argon2id is cheapened to
m=1024 KiB, t=1 unless ``--real-hash``, so what is measured is the part that could grow
with the tables. Run it at 0, 100 k and 1 M rows (``seed_scale --persons 0`` makes the empty
database); it must not fall as the tables grow.

    .venv/bin/python -m bench.scale_lookups [--samples 2000] [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from bench.seed_scale import (
    DATABASE_URL,
    person_login,
    person_phone,
    resident_id,
    settings,
    uscc,
)

SMS_CODE = "246810"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _counts() -> tuple[int, int]:
    from tortoise import connections

    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "SELECT (SELECT count(*) FROM natural_persons) AS p,"
        " (SELECT count(*) FROM accounts WHERE login_name LIKE 'p%') AS seeded,"
        " (SELECT count(*) FROM enterprises) AS e"
    )
    row = rows[0]
    print(
        f"rows: {row['p']:,} natural persons ({row['seeded']:,} seeded), {row['e']:,} enterprises"
    )
    return int(row["seeded"]), int(row["e"])


def _statements(container: Any, serial: int) -> dict[str, tuple[str, list[Any]]]:
    """Each lookup's SQL as the ORM sends it (the same columns in the WHERE clause)."""
    vault = container.vault
    return {
        "login name": (
            "SELECT * FROM accounts WHERE kind = $1 AND login_key = $2",
            ["natural_person", person_login(serial)],
        ),
        "phone": (
            "SELECT * FROM accounts WHERE kind = $1 AND phone_index = $2",
            ["natural_person", vault.index_phone(person_phone(serial))],
        ),
        "ID number": (
            "SELECT * FROM natural_persons WHERE id_number_index = $1",
            [vault.index_id_number(resident_id(serial))],
        ),
        "USCC": ("SELECT * FROM enterprises WHERE uscc = $1", [uscc(serial % 10_000)]),
    }


async def database_times(container: Any, persons: int, samples: int) -> dict[str, list[float]]:
    """PostgreSQL's own execution time of each lookup (``EXPLAIN ANALYZE``), in ms: the
    share of the latency that could grow with the table."""
    from tortoise import connections

    connection = connections.get("default")
    rng = random.Random(7)
    times: dict[str, list[float]] = {}
    for _ in range(samples):
        serial = rng.randrange(persons)
        for name, (sql, params) in _statements(container, serial).items():
            rows = await connection.execute_query_dict(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params
            )
            plan = next(iter(rows[0].values()))
            plan = plan[0] if isinstance(plan, list) else __import__("json").loads(plan)[0]
            times.setdefault(name, []).append(float(plan["Execution Time"]))
    return times


async def explain(container: Any) -> dict[str, str]:
    """The plan of each lookup's statement; every one must use an index."""
    from tortoise import connections

    connection = connections.get("default")
    plans = {}
    for name, (sql, params) in _statements(container, 7).items():
        rows = await connection.execute_query_dict("EXPLAIN " + sql, params)
        plan = " / ".join(str(next(iter(row.values()))).strip() for row in rows)
        if "Index" not in plan:
            raise SystemExit(f"{name}: no index on the lookup path: {plan}")
        plans[name] = plan
    return plans


async def lookups(container: Any, persons: int, units: int, samples: int) -> dict[str, list[float]]:
    from identity_graph.accounts.enums import AccountKind
    from identity_graph.accounts.models import NaturalPerson

    accounts, vault = container.accounts, container.vault
    rng = random.Random(16)

    async def by_login(serial: int) -> bool:
        found = await accounts.find_for_login(AccountKind.NATURAL_PERSON, person_login(serial))
        return found.account is not None

    async def by_phone(serial: int) -> bool:
        found = await accounts.find_for_login(AccountKind.NATURAL_PERSON, person_phone(serial))
        return found.account is not None

    async def by_id_number(serial: int) -> bool:
        index = vault.index_id_number(resident_id(serial))
        return await NaturalPerson.filter(id_number_index=index).first() is not None

    async def by_uscc(serial: int) -> bool:
        return await accounts.enterprise_by_uscc(uscc(serial)) is not None

    paths = {
        "login name": (by_login, persons),
        "phone": (by_phone, persons),
        "ID number": (by_id_number, persons),
        "USCC": (by_uscc, units),
    }
    timings: dict[str, list[float]] = {}
    for name, (lookup, population) in paths.items():
        if population == 0:
            continue
        for serial in rng.sample(range(population), min(50, population)):  # warm-up
            await lookup(serial)
        spent = []
        for serial in (rng.randrange(population) for _ in range(samples)):
            began = time.perf_counter()
            found = await lookup(serial)
            spent.append((time.perf_counter() - began) * 1000)
            if not found:
                raise SystemExit(f"{name}: serial {serial} not found (wrong answer)")
        timings[name] = spent
    return timings


async def _sms_challenges(container: Any, phones: list[str]) -> None:
    from identity_graph.challenges.models import SmsChallenge, SmsCodeState, SmsPurpose

    now = container.clock.now()
    digest = container.hasher.digest(f"sms:{SmsPurpose.REGISTER.value}", SMS_CODE)
    await SmsChallenge.bulk_create(
        [
            SmsChallenge(
                id=uuid.uuid4(),
                purpose=SmsPurpose.REGISTER,
                phone_index=container.vault.index_phone(phone),
                code_hmac=digest,
                state=SmsCodeState.ISSUED,
                max_attempts=5,
                created_at=now,
                expires_at=now + timedelta(minutes=30),
            )
            for phone in phones
        ],
        batch_size=1000,
    )


def _form(serial: int) -> Any:
    from identity_graph.accounts.forms import DocumentInput
    from identity_graph.accounts.inputs import Credentials, NaturalPersonRegistration
    from identity_graph.accounts.pledge import CURRENT
    from identity_graph.ids.types import IdType, RegionType

    return NaturalPersonRegistration(
        credentials=Credentials(
            login_name=f"r{serial:08d}",
            password="Registration-Bench-9!",
            phone=f"17{serial:09d}",
            sms_code=SMS_CODE,
            email=None,
            pledge_version=CURRENT.version,
            pledge_accepted=True,
        ),
        real_name="注册测试",
        region_type=RegionType.MAINLAND,
        # Another region than the seeded persons: never a conflict with them.
        document=DocumentInput(
            IdType.RESIDENT_ID_CARD, resident_id(serial, "310104"), long_term=True
        ),
    )


async def registrations(container: Any, seconds: float, concurrency: int, base: int) -> float:
    """Registrations per second; every one must succeed."""
    from identity_graph.core.audit import AuditContext

    budget = int(seconds * 400) + concurrency
    serials = list(range(base, base + budget))
    await _sms_challenges(container, [f"17{serial:09d}" for serial in serials])
    pending = iter(serials)
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        for serial in pending:
            if time.perf_counter() >= deadline:
                return
            await container.registration.register_natural_person(
                _form(serial), AuditContext(client_ip="192.0.2.1"), "zh-CN"
            )
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--real-hash", action="store_true", help="keep the Argon2id cost")
    args = parser.parse_args()

    async def run() -> None:
        from identity_graph import db
        from identity_graph.container import Container

        options: dict[str, Any] = {"database_pool_size": args.concurrency + 2}
        if not args.real_hash:
            options.update(argon2_memory_kib=1024, argon2_time_cost=1)
        config = settings(args.database_url).model_copy(update=options)
        await db.open_database(config.resolved_database_url, pool_size=args.concurrency + 2)
        container = Container(config)
        try:
            persons, units = await _counts()
            if persons and units:
                for name, plan in (await explain(container)).items():
                    print(f"EXPLAIN {name}: {plan}")
            rates: list[float] = []
            for round_number in range(1, args.rounds + 1):
                if persons and units:
                    timings = await lookups(container, persons, units, args.samples)
                    for name, spent in timings.items():
                        print(
                            f"round {round_number} {name:<10} p50 {statistics.median(spent):.2f} ms"
                            f"  p99 {percentile(spent, 0.99):.2f} ms  max {max(spent):.2f} ms"
                            f"  ({len(spent)} lookups)"
                        )
                    if round_number == 1:
                        inside = await database_times(container, min(persons, units), 500)
                        for name, spent in inside.items():
                            print(
                                f"database time {name:<10} p50 {statistics.median(spent):.3f} ms"
                                f"  p99 {percentile(spent, 0.99):.3f} ms"
                            )
                base = random.randrange(17_000_000)  # fresh serials every round
                rate = await registrations(container, args.seconds, args.concurrency, base)
                rates.append(rate)
                print(f"round {round_number} registrations {rate:,.1f}/s")
            print(
                f"registrations at {persons:,} persons: median {statistics.median(rates):,.1f}/s"
                f" (rounds {' · '.join(f'{r:,.1f}' for r in rates)})"
            )
        finally:
            await container.aclose()
            await db.close_database()

    asyncio.run(run())


if __name__ == "__main__":
    main()
