"""Real-name verification submissions per second per core, on the sandbox registry with zero
latency and no outages, and how fast the registry checks of those submissions complete.

Every request is a ``submitRealNameVerification`` of a natural-person form from another
account, with a fresh captcha, the current pledge and a bearer token. Those are written
straight into the database, as registration, the ``captcha`` query and a login would write
them: an account may submit 10 times a day, a verified account not at all, and a captcha
answers once. Each account therefore submits once in the whole run; every round has its
own accounts (``--accounts`` per round, each submitting once). The sandbox registry reads a
generated file (``IDG_REGISTRY_FILE``, the packaged file's format) that lists every seeded
person exactly as the forms state them, so every check is a MATCH.

Each seeded profile already holds the data its form sends (a resident verifying what they
registered with), so the submission changes no profile column.

The wrk number is the front door: request to answer. A submission commits the PENDING case
with its queued registry-check job, then asks the registry in the same request, after the
commit (``VerificationService.check_now``); the job is the safety net that retries 60 s
later (``IDG_REGISTRY_RETRY_SECONDS``) if the case is still PENDING, and the harness runs
no job worker. After each round the database is polled until no case of the round is
PENDING; "checks completed" is the round's VERIFIED cases over the time from its first case
opened to its last case decided (the cases' own timestamps), with the opened-to-VERIFIED
delay. At the end every accepted answer must have a VERIFIED case and a verified account.

    .venv/bin/python -m bench.verification [--seconds 10] [--rounds 3] [--accounts N]
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.harness import (
    Server,
    WrkResult,
    cores,
    median_round,
    round_parser,
    run_wrk,
    running_server,
)

SUBMIT = (
    "mutation Submit($input: SubmitRealNameVerificationInput!) { "
    "submitRealNameVerification(input: $input) { __typename "
    "... on VerificationSubmitted { verification { status level currentCase { id status } } } "
    "... on ValidationErrors { code errors { field code } } "
    "... on RateLimitedError { code } ... on NotAuthorizedError { code } "
    "... on OperationRefused { code } } }"
)
# Every good answer says the account is verified: the zero-latency sandbox answers before
# the request ends. An answer left PENDING (registry unavailable) would count as wrong.
EXPECT = '"status":"VERIFIED"'
WARM_UP_SECONDS = 3
WARM_UP_CONNECTIONS = 8
# Accounts per core and second of a round when --accounts is not given: several times what
# two cores reached, so no round runs out (a round that does says so).
ACCOUNTS_PER_CORE_SECOND = 200
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


@dataclass(frozen=True)
class Person:
    """One synthetic resident: registered with these data, listed so in the registry."""

    serial: int
    real_name: str
    id_number: str
    valid_from: date
    valid_until: date

    @property
    def login_name(self) -> str:
        return f"verify{self.serial:07d}"

    def form(self) -> dict[str, str]:
        return {
            "realName": self.real_name,
            "regionType": "MAINLAND",
            "idType": "RESIDENT_ID_CARD",
            "idNumber": self.id_number,
            "idValidFrom": self.valid_from.isoformat(),
            "idValidUntil": self.valid_until.isoformat(),
        }

    def registry_entry(self) -> dict[str, object]:
        return {
            "realName": self.real_name,
            "idType": "resident_id_card",
            "idNumber": self.id_number,
            "validFrom": self.valid_from.isoformat(),
            "validUntil": self.valid_until.isoformat(),
            "longTerm": False,
        }


def unique_resident_id(serial: int) -> str:
    """A valid resident ID (Beijing Haidian) that no other serial gets: 999 sequence
    numbers per birth day from 1985-01-01 (``harness.resident_id`` repeats every 7,000)."""
    from stdnum.iso7064 import mod_11_2

    born = date(1985, 1, 1) + timedelta(days=serial // 999)
    body = f"110108{born:%Y%m%d}{serial % 999 + 1:03d}"
    return body + mod_11_2.calc_check_digit(body)


def person(serial: int) -> Person:
    name = (
        SURNAMES[serial % len(SURNAMES)]
        + GIVEN[serial // len(SURNAMES) % len(GIVEN)]
        + GIVEN[serial // (len(SURNAMES) * len(GIVEN)) % len(GIVEN)]
    )
    valid_from = date(2016, 1, 1) + timedelta(days=serial % 2000)
    valid_until = date(valid_from.year + 20, valid_from.month, min(valid_from.day, 28))
    return Person(serial, name, unique_resident_id(serial), valid_from, valid_until)


def write_registry(path: Path, persons: list[Person]) -> None:
    document = {
        "version": 1,
        "note": "Benchmark registry: synthetic residents seeded by bench/verification.py.",
        "persons": [p.registry_entry() for p in persons],
        "units": [],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class Settled:
    """Where a round's cases stand once none is PENDING any more (or the wait gave up),
    timed by the cases' own columns: opened (``created_at``) and decided (``decided_at``)."""

    states: dict[str, int]
    verified_accounts: int
    # From the first case opened to the last case decided, in the server's clock.
    span_seconds: float
    # Case opened (PENDING, job queued) to VERIFIED: median and slowest.
    lag_p50_ms: float
    lag_max_ms: float
    wait_seconds: float

    @property
    def verified(self) -> int:
        return self.states.get("verified", 0)


@dataclass(frozen=True)
class Round:
    wrk: WrkResult
    accounts: int
    settled: Settled

    @property
    def accepted(self) -> int:
        return self.wrk.requests - self.wrk.wrong

    @property
    def checks_rate(self) -> float:
        """VERIFIED cases per second, from the first case opened to the last one decided."""
        return self.settled.verified / self.settled.span_seconds if self.settled.span_seconds else 0

    @property
    def ran_out(self) -> bool:
        return self.wrk.requests >= self.accounts


class Bench:
    """The bench process's own view of the database: seeding and counting, not serving."""

    def __init__(self, settings: Any) -> None:
        from identity_graph.container import Container

        self.settings = settings
        self.container = Container(settings)

    async def seed(self, persons: list[Person]) -> list[tuple[Any, Any]]:
        """Residents as registration leaves them (phone, identity data, pledge), each with a
        login session; returns (account, session) pairs in the order of ``persons``."""
        from identity_graph.accounts import pledge
        from identity_graph.accounts.enums import AccountKind
        from identity_graph.accounts.models import Account, NaturalPerson
        from identity_graph.ids.person import validate_id_number
        from identity_graph.ids.types import IdType, RegionType
        from identity_graph.sessions.tokens import LoginSession

        vault = self.container.vault
        now = self.container.clock.now()
        accounts = [
            Account(
                id=uuid.uuid4(),
                kind=AccountKind.NATURAL_PERSON,
                login_name=p.login_name,
                login_key=p.login_name,
                phone_cipher=vault.seal(f"139{p.serial:08d}", "phone"),
                phone_index=vault.index_phone(f"139{p.serial:08d}"),
                pledge_version=pledge.CURRENT.version,
                pledge_accepted_at=now,
                created_at=now,
                updated_at=now,
            )
            for p in persons
        ]
        await Account.bulk_create(accounts, batch_size=1000)
        rows = []
        for p, account in zip(persons, accounts, strict=True):
            parsed = validate_id_number(IdType.RESIDENT_ID_CARD, p.id_number, today=now.date())
            rows.append(
                NaturalPerson(
                    id=account.id,
                    account_id=account.id,
                    real_name_cipher=vault.seal(p.real_name, "real_name"),
                    region_type=RegionType.MAINLAND,
                    id_type=IdType.RESIDENT_ID_CARD,
                    id_number_cipher=vault.seal(parsed.number, "id_number"),
                    id_number_index=vault.index_id_number(parsed.number),
                    id_valid_from=p.valid_from,
                    id_valid_until=p.valid_until,
                    gender=parsed.gender,
                    birth_date=parsed.birth_date,
                    updated_at=now,
                )
            )
        await NaturalPerson.bulk_create(rows, batch_size=1000)
        sessions = [
            LoginSession(
                id=uuid.uuid4(),
                account_id=account.id,
                amr=["pwd"],
                auth_time=now,
                created_at=now,
                expires_at=now + timedelta(days=30),
            )
            for account in accounts
        ]
        await LoginSession.bulk_create(sessions, batch_size=1000)
        await self._settle_database()
        return list(zip(accounts, sessions, strict=True))

    async def _settle_database(self) -> None:
        """Statistics for the fresh tables and a checkpoint now, so that neither autovacuum
        nor the checkpoint after a bulk load lands in the first round."""
        from tortoise import connections

        connection = connections.get("default")
        await connection.execute_script("VACUUM ANALYZE")
        try:
            await connection.execute_script("CHECKPOINT")
        except Exception as error:  # a role without pg_checkpoint: only statistics then
            print(f"(no CHECKPOINT after seeding: {error})")

    async def round_bodies(
        self, persons: list[Person], pairs: list[tuple[Any, Any]]
    ) -> tuple[list[dict[str, object]], list[str]]:
        """Request bodies and bearer tokens, pairwise: a fresh captcha each (written as the
        ``captcha`` query writes it, so it is within its lifetime when the round starts) and
        an access token signed as a login signs it (it lives 15 minutes)."""
        from identity_graph.accounts import pledge
        from identity_graph.challenges.captcha import ALPHABET, PURPOSE
        from identity_graph.challenges.models import CaptchaChallenge

        now = self.container.clock.now()
        ttl = timedelta(seconds=self.settings.captcha_ttl_seconds)
        answers = [
            "".join(secrets.choice(ALPHABET) for _ in range(self.settings.captcha_length))
            for _ in persons
        ]
        captchas = [
            CaptchaChallenge(
                id=uuid.uuid4(),
                answer_hmac=self.container.hasher.digest(PURPOSE, answer),
                created_at=now,
                expires_at=now + ttl,
            )
            for answer in answers
        ]
        await CaptchaChallenge.bulk_create(captchas, batch_size=1000)
        bodies: list[dict[str, object]] = [
            {
                "query": SUBMIT,
                "variables": {
                    "input": {
                        "person": p.form(),
                        "captchaId": str(captcha.id),
                        "captchaAnswer": answer,
                        "pledgeAccepted": True,
                        "pledgeVersion": pledge.CURRENT.version,
                    }
                },
            }
            for p, captcha, answer in zip(persons, captchas, answers, strict=True)
        ]
        tokens = []
        for account, session in pairs:
            # The token a login returns (TokenService._pair), without its refresh token.
            pair = await self.container.tokens._pair(session, account, "")
            tokens.append(pair.access_token)
        return bodies, tokens

    async def settle(self, account_ids: list[uuid.UUID], limit: float = 120.0) -> Settled:
        """Wait until no case of these accounts is PENDING; count them by state and time
        them from the first case opened to the last decided."""
        started = time.perf_counter()
        while True:
            states = await self._case_states(account_ids)
            waited = time.perf_counter() - started
            if not states.get("pending") or waited > limit:
                break
            await asyncio.sleep(0.05)
        rows = await self._query(
            "SELECT extract(epoch FROM max(decided_at) - min(created_at)) AS span,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at -"
            " created_at)) AS p50, max(extract(epoch FROM decided_at - created_at)) AS slowest"
            " FROM verification_cases WHERE account_id = ANY($1::uuid[]) AND state = 'verified'",
            [account_ids],
        )
        row = rows[0]
        return Settled(
            states,
            await self._verified_accounts(account_ids),
            float(row["span"] or 0),
            float(row["p50"] or 0) * 1000,
            float(row["slowest"] or 0) * 1000,
            waited,
        )

    async def _case_states(self, account_ids: list[uuid.UUID]) -> dict[str, int]:
        rows = await self._query(
            "SELECT state, count(*) AS n FROM verification_cases"
            " WHERE account_id = ANY($1::uuid[]) GROUP BY state",
            [account_ids],
        )
        return {str(row["state"]): int(row["n"]) for row in rows}

    async def _verified_accounts(self, account_ids: list[uuid.UUID]) -> int:
        rows = await self._query(
            "SELECT count(*) AS n FROM accounts WHERE id = ANY($1::uuid[])"
            " AND verification_status = 'verified' AND level = 'real_name'",
            [account_ids],
        )
        return int(rows[0]["n"])

    async def jobs(self) -> Counter[str]:
        rows = await self._query(
            "SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state", []
        )
        return Counter({f"{row['kind']} {row['state']}": int(row["n"]) for row in rows})

    async def _query(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        from tortoise import connections

        return list(await connections.get("default").execute_query_dict(sql, values))


async def measure(
    server: Server, args: Any, persons: list[Person], sizes: list[int]
) -> tuple[list[Round], Counter[str]]:
    """Seed ``persons``, then run the warm-up and the rounds on slices of ``sizes``."""
    from identity_graph import db
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,
        database_url=server.env["IDG_DATABASE_URL"],
        data_dir=Path(server.env["IDG_DATA_DIR"]),
        secret_key=server.env["IDG_SECRET_KEY"],
    )
    await db.open_database(settings.resolved_database_url)
    bench = Bench(settings)
    try:
        pairs = await bench.seed(persons)
        rounds: list[Round] = []
        start = 0
        for index, size in enumerate(sizes):
            chunk, chunk_pairs = persons[start : start + size], pairs[start : start + size]
            start += size
            bodies, tokens = await bench.round_bodies(chunk, chunk_pairs)
            # One wrk thread: request n of the round carries body n and token n.
            result = await asyncio.to_thread(
                run_wrk,
                server.url,
                bodies,
                expect=EXPECT,
                connections=args.connections if index else WARM_UP_CONNECTIONS,
                seconds=args.seconds if index else WARM_UP_SECONDS,
                tokens=tokens,
            )
            settled = await bench.settle([account.id for account, _ in chunk_pairs])
            if index:
                rounds.append(Round(result, size, settled))
        return rounds, await bench.jobs()
    finally:
        await bench.container.aclose()
        await db.close_database()


def main() -> None:
    parser = round_parser(__doc__)
    parser.add_argument(
        "--accounts",
        type=int,
        default=None,
        help="accounts per round, each submitting once (default: "
        f"{ACCOUNTS_PER_CORE_SECOND} per core and second of the round)",
    )
    args = parser.parse_args()
    n = cores()
    per_round = args.accounts or ACCOUNTS_PER_CORE_SECOND * n * args.seconds
    sizes = [ACCOUNTS_PER_CORE_SECOND * n * WARM_UP_SECONDS] + [per_round] * args.rounds
    persons = [person(serial) for serial in range(sum(sizes))]
    work = Path(tempfile.mkdtemp(prefix="idg-bench-registry-"))
    registry = work / "registry.json"
    write_registry(registry, persons)
    settings = {
        "IDG_REGISTRY_PROVIDER": "sandbox",
        "IDG_REGISTRY_FILE": str(registry),
        "IDG_SANDBOX_LATENCY_MS": "0",
        "IDG_SANDBOX_OUTAGE_RATE": "0",
    }
    try:
        with running_server(args.workers, accounts=0, settings=settings) as (server, _):
            redis = "Redis" if "IDG_REDIS_URL" in server.env else "in-process limits"
            rounds, jobs = asyncio.run(measure(server, args, persons, sizes))
    finally:
        registry.unlink(missing_ok=True)
        work.rmdir()
    report(args, n, redis, len(persons), rounds, jobs)


def report(
    args: Any, n: int, redis: str, total: int, rounds: list[Round], jobs: Counter[str]
) -> None:
    middle = median_round([r.wrk for r in rounds])
    checks = sorted(rounds, key=lambda r: r.checks_rate)[len(rounds) // 2]
    print(
        f"machine: {n} cores; server: {args.workers} workers, PostgreSQL, {redis}; sandbox "
        f"registry of {total:,} generated persons, latency 0 ms, outage rate 0; wrk here"
    )
    print(
        f"{'submissions (answers)':22s} {middle.rate:8.1f} req/s ({middle.rate / n:6.1f}/s per "
        f"core)  p50 {middle.p50_ms:6.2f} ms  p90 {middle.p90_ms:6.2f} ms  p99 "
        f"{middle.p99_ms:6.2f} ms  wrong answers {middle.wrong}  ({args.connections} connections)"
    )
    print(
        f"{'checks completed':22s} {checks.checks_rate:8.1f} /s    "
        f"({checks.checks_rate / n:6.1f}/s per core)  case opened -> VERIFIED p50 "
        f"{checks.settled.lag_p50_ms:6.2f} ms  max {checks.settled.lag_max_ms:7.2f} ms  "
        f"(first case opened to last decided)"
    )
    for index, r in enumerate(rounds, 1):
        states = ", ".join(f"{state} {count}" for state, count in sorted(r.settled.states.items()))
        print(
            f"round {index}: {r.wrk.rate:.0f} submissions/s (p50 {r.wrk.p50_ms:.1f} ms, p99 "
            f"{r.wrk.p99_ms:.1f} ms, wrong {r.wrk.wrong}, accepted {r.accepted}); cases: "
            f"{states or 'none'}, verified accounts {r.settled.verified_accounts}; "
            f"{r.checks_rate:.0f} checks/s over {r.settled.span_seconds:.2f} s, none PENDING "
            f"{r.settled.wait_seconds:.2f} s after wrk ended"
        )
    accepted = sum(r.accepted for r in rounds)
    verified = sum(r.settled.verified for r in rounds)
    accounts = sum(r.settled.verified_accounts for r in rounds)
    # wrk stops with up to one request per connection unanswered; the server finishes those.
    in_flight = args.connections * len(rounds)
    other = sum(
        count for r in rounds for state, count in r.settled.states.items() if state != "verified"
    )
    good = accepted <= verified <= accepted + in_flight and accounts == verified and other == 0
    print(
        f"check: {accepted} accepted answers, {verified} VERIFIED cases, {accounts} verified "
        f"accounts, {other} cases in another state; up to {in_flight} more cases than answers "
        f"(requests in flight when wrk stopped) -> {'OK' if good else 'MISMATCH'}"
    )
    if any(r.ran_out for r in rounds):
        print(
            "a round used up its accounts (requests reused them and were refused): "
            f"raise --accounts above {max(r.wrk.requests for r in rounds)}"
        )
    print(
        "jobs left queued (the harness runs no job worker): "
        + ", ".join(f"{key} {count}" for key, count in sorted(jobs.items()))
    )
    print(
        f"reproduce: .venv/bin/python -m bench.verification --seconds {args.seconds} "
        f"--rounds {args.rounds}" + (f" --accounts {args.accounts}" if args.accounts else "")
    )


if __name__ == "__main__":
    main()
