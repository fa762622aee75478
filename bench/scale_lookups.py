"""Lookups and registrations at SPEC §13 scale, on the database ``bench/seed_scale.py`` wrote.

Four lookups, each through the service call the application makes, one at a time from one
process (so the latency is one request's share: ORM, round trip, PostgreSQL), on serials
spread over the whole table:

* login name: ``AccountService.find_for_login`` with a login name (``login_key``);
* phone: ``find_for_login`` with a phone number (keyed blind index ``(kind, phone_index)``);
* ID number: the registration conflict query on ``natural_persons.id_number_index``;
* USCC: ``AccountService.enterprise_by_uscc``.

Then the agent paths on the agents ``seed_scale`` wrote (skipped if there are none):

* canHandleService: ``AgentService.can_handle_for_client``, the partner's check of an agent
  of an enterprise (by USCC) for a service it was granted (must answer ALLOWED);
* enterprise context: ``EnterpriseContexts.of_person`` (the ``enterprise`` claim);
* agent's page: ``myAuthorizations``' first page (the person's bindings) with what its
  DataLoaders load for it (live grants, unit cards);
* unit's page: ``myAgents``' first page (the unit's bindings), its grants and person cards.

Target: p99 < 5 ms each. Every statement each lookup sends is captured (the ORM's and the
hand-written ones alike) and ``EXPLAIN``ed; a sequential scan of a big table (``BIG``) in
any plan fails the run with a message naming the lookup, the statement and the table.

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
import contextvars
import json
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bench.seed_scale import (
    AGENTS_PER_UNIT,
    DATABASE_URL,
    agent_of,
    granted,
    person_id,
    person_login,
    person_phone,
    resident_id,
    service_code,
    settings,
    unit_id,
    uscc,
)

SMS_CODE = "246810"
# Tables that grow with the population: a sequential scan of one of them is a failure.
BIG = frozenset(
    {
        "accounts",
        "natural_persons",
        "enterprises",
        "password_credentials",
        "agent_bindings",
        "agent_grants",
    }
)
Lookup = Callable[[int], Awaitable[bool]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _counts() -> tuple[int, int, int, int]:
    """Seeded persons, enterprises, enterprises with agents and the agent pool."""
    from tortoise import connections

    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "SELECT (SELECT count(*) FROM natural_persons) AS p,"
        " (SELECT count(*) FROM accounts WHERE login_name LIKE 'p%') AS seeded,"
        " (SELECT count(*) FROM enterprises) AS e,"
        " (SELECT count(*) FROM agent_bindings WHERE role = 'main') AS units,"
        " (SELECT count(DISTINCT person_id) FROM agent_bindings) AS pool,"
        " (SELECT count(*) FROM agent_bindings) AS bindings,"
        " (SELECT count(*) FROM agent_grants) AS grants"
    )
    row = rows[0]
    print(
        f"rows: {row['p']:,} natural persons ({row['seeded']:,} seeded), {row['e']:,} enterprises,"
        f" {row['bindings']:,} agent bindings ({row['units']:,} units, {row['pool']:,} agents),"
        f" {row['grants']:,} grants"
    )
    return int(row["seeded"]), int(row["e"]), int(row["units"]), int(row["pool"])


# --- what each lookup sends ----------------------------------------------------------

_SENT: contextvars.ContextVar[list[tuple[str, list[Any]]] | None] = contextvars.ContextVar(
    "scale_sent", default=None
)


@contextmanager
def capture() -> Iterator[list[tuple[str, list[Any]]]]:
    """Every statement sent through the ORM's connection inside the block, with its values
    (the query builder's and the hand-written alike)."""
    from tortoise import connections

    client = type(connections.get("default"))
    originals = {name: getattr(client, name) for name in ("execute_query", "execute_query_dict")}

    def wrap(name: str) -> Any:
        original = originals[name]

        async def recording(self: Any, query: str, values: list[Any] | None = None) -> Any:
            sent = _SENT.get()
            if sent is not None:
                sent.append((query, list(values or [])))
            return await original(self, query, values)

        return recording

    sent: list[tuple[str, list[Any]]] = []
    token = _SENT.set(sent)
    for name in originals:
        setattr(client, name, wrap(name))
    try:
        yield sent
    finally:
        for name, original in originals.items():
            setattr(client, name, original)
        _SENT.reset(token)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scan(node: dict[str, Any]) -> tuple[str | None, str | None]:
    """A plan node as ``kind table (index)``, and what is wrong with it: a sequential
    scan of a big table, or an index scan of one without an index condition (the whole
    index read in its order, as a seq scan would read the table)."""
    kind, table, index = node["Node Type"], node.get("Relation Name"), node.get("Index Name")
    if "Scan" not in kind or (table is None and index is None):
        return None, None
    text = f"{kind} {table or ''}" + (f" ({index})" if index else "")
    if table not in BIG:
        return text, None
    if kind == "Seq Scan":
        return text, f"Seq Scan on {table}"
    if index and "Index Cond" not in node:
        return text, f"{kind} of all of {index} (no index condition)"
    return text, None


def _short(sql: str) -> str:
    """A statement with its select list elided (the FROM and WHERE tell the story)."""
    head, found, tail = sql.partition(" FROM ")
    return f"{head[:40]} ... FROM {tail}" if found and len(head) > 60 else sql


async def explain_paths(
    paths: dict[str, tuple[Lookup, int]], force_index: bool = False, allow_scans: bool = False
) -> dict[str, list[str]]:
    """Run each lookup once, capture its statements, ``EXPLAIN`` each one: the plans'
    scans per lookup; the run ends (exit 1) on a sequential scan of a ``BIG`` table.

    ``force_index`` for small databases (tests), where a sequential scan is the right plan:
    with ``enable_seqscan`` off one remains only where no index can serve the statement."""
    from tortoise.transactions import in_transaction

    found: dict[str, list[str]] = {}
    failures = []
    for name, (lookup, population) in paths.items():
        if population == 0:
            continue
        with capture() as sent:
            if not await lookup(population // 2):
                raise SystemExit(f"{name}: wrong answer while capturing its statements")
        scans = []
        for sql, values in sent:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            async with in_transaction() as connection:
                if force_index:
                    await connection.execute_query("SET LOCAL enable_seqscan = off")
                rows = await connection.execute_query_dict("EXPLAIN (FORMAT JSON) " + sql, values)
            plan = next(iter(rows[0].values()))
            plan = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
            for node in _nodes(plan):
                scan, problem = _scan(node)
                if scan:
                    scans.append(scan)
                if problem:
                    statement = " ".join(sql.split())
                    failures.append(f"{name}: {problem} in: {_short(statement)}")
        found[name] = [f"{len(sent)} statement(s)", *scans]
    if failures:
        print("\n".join(f"EXPLAIN FAILED {failure}" for failure in failures))
        if not allow_scans:
            raise SystemExit(
                f"{len(failures)} look-up statement(s) read a big table without an index"
            )
    return found


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


def person_paths(container: Any, persons: int, units: int) -> dict[str, tuple[Lookup, int]]:
    """The four look-ups, each by serial, with the population its serials come from."""
    from identity_graph.accounts.enums import AccountKind
    from identity_graph.accounts.models import NaturalPerson

    accounts, vault = container.accounts, container.vault

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

    return {
        "login name": (by_login, persons),
        "phone": (by_phone, persons),
        "ID number": (by_id_number, persons),
        "USCC": (by_uscc, units),
    }


async def agent_paths(container: Any, units: int, pool: int) -> dict[str, tuple[Lookup, int]]:
    """The agent look-ups, each by enterprise serial (the unit's agent in slot 1 and the
    first service it was granted)."""
    from identity_graph.accounts.models import Account
    from identity_graph.agents.checks import UnitRef
    from identity_graph.agents.models import BindingState
    from identity_graph.clients.models import ServiceItem
    from identity_graph.core.keyset import forward

    if units == 0:
        return {}
    agents = container.agents
    service = await ServiceItem.get(code=service_code(0)).prefetch_related("client")
    partner = service.client
    live = [BindingState.PENDING, BindingState.ACTIVE]
    slot = AGENTS_PER_UNIT - 1

    def agent(serial: int) -> uuid.UUID:
        return person_id(agent_of(serial, slot, pool))

    async def can_handle(serial: int) -> bool:
        code = service_code(granted(serial, slot)[0][0])
        decision = await agents.can_handle_for_client(
            partner, UnitRef(uscc=uscc(serial)), code, str(agent(serial))
        )
        return bool(decision.allowed)

    async def context(serial: int) -> bool:
        found = await agents.contexts.of_person(agent(serial), unit_id(serial))
        return found is not None and service_code(granted(serial, slot)[0][0]) in found.services

    async def agent_page(serial: int) -> bool:
        rows = await agents.directory.of_person(agent(serial), live, forward(21))
        ids = [row.id for row in rows]
        grants = await agents.grants.live_by_binding(ids)
        cards = await agents.people.units([row.enterprise_id for row in rows])
        return bool(rows) and bool(grants) and len(cards) == len(rows)

    async def unit_page(serial: int) -> bool:
        rows = await agents.directory.of_unit(unit_id(serial), live, forward(21))
        grants = await agents.grants.live_by_binding([row.id for row in rows])
        cards = await agents.people.persons([row.person_id for row in rows])
        return len(rows) == AGENTS_PER_UNIT and bool(grants) and len(cards) == len(rows)

    assert await Account.exists(id=agent(0)), "the agent pool is not seeded"
    return {
        "canHandleService": (can_handle, units),
        "enterprise context": (context, units),
        "agent's page": (agent_page, units),
        "unit's page": (unit_page, units),
    }


async def lookups(paths: dict[str, tuple[Lookup, int]], samples: int) -> dict[str, list[float]]:
    rng = random.Random(16)
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
    parser.add_argument("--no-agents", action="store_true", help="skip the agent paths")
    parser.add_argument(
        "--explain-only", action="store_true", help="only the EXPLAIN check (exit 1 on a seq scan)"
    )
    parser.add_argument(
        "--force-index",
        action="store_true",
        help="EXPLAIN with enable_seqscan off (small databases: fail only where no index serves)",
    )
    parser.add_argument(
        "--allow-scans",
        action="store_true",
        help="report scans without an index but measure anyway (before an index exists)",
    )
    parser.add_argument(
        "--registrations-only",
        action="store_true",
        help="registrations only (alternate databases of several sizes round by round)",
    )
    parser.add_argument(
        "--no-registrations", action="store_true", help="look-ups only, no registrations"
    )
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
            persons, units, agent_units, pool = await _counts()
            paths: dict[str, tuple[Lookup, int]] = {}
            if persons and units and not args.registrations_only:
                paths.update(person_paths(container, persons, units))
            if agent_units and not args.no_agents and not args.registrations_only:
                paths.update(await agent_paths(container, agent_units, pool))
            for name, scans in (
                await explain_paths(paths, args.force_index, args.allow_scans)
            ).items():
                print(f"EXPLAIN {name}: {' / '.join(scans)}")
            if args.explain_only:
                return
            rates: list[float] = []
            for round_number in range(1, args.rounds + 1):
                if paths:
                    timings = await lookups(paths, args.samples)
                    for name, spent in timings.items():
                        print(
                            f"round {round_number} {name:<18} p50 {statistics.median(spent):.2f} ms"
                            f"  p99 {percentile(spent, 0.99):.2f} ms  max {max(spent):.2f} ms"
                            f"  ({len(spent)} lookups)"
                        )
                    if round_number == 1 and persons and units:
                        inside = await database_times(container, min(persons, units), 500)
                        for name, spent in inside.items():
                            print(
                                f"database time {name:<10} p50 {statistics.median(spent):.3f} ms"
                                f"  p99 {percentile(spent, 0.99):.3f} ms"
                            )
                if args.no_registrations:
                    continue
                base = random.randrange(17_000_000)  # fresh serials every round
                rate = await registrations(container, args.seconds, args.concurrency, base)
                rates.append(rate)
                print(f"round {round_number} registrations {rate:,.1f}/s")
            if rates:
                print(
                    f"registrations at {persons:,} persons: median"
                    f" {statistics.median(rates):,.1f}/s"
                    f" (rounds {' · '.join(f'{r:,.1f}' for r in rates)})"
                )
        finally:
            await container.aclose()
            await db.close_database()

    asyncio.run(run())


if __name__ == "__main__":
    main()
