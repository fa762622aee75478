"""Shared benchmark plumbing: a real ``identity-graph serve`` with several workers on
PostgreSQL (and Redis when reachable), accounts seeded straight into the database, and
``wrk`` (Debian package ``wrk``) as the load generator, which costs far less CPU than a
Python client on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/idg_bench"
PASSWORD = "Bench#Password1"


def cores() -> int:
    return len(os.sched_getaffinity(0))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def resident_id(serial: int) -> str:
    """A valid synthetic resident ID (Beijing Haidian, born 1990) for each serial."""
    from stdnum.iso7064 import mod_11_2

    body = f"110108{19900101 + serial % 28:08d}{serial % 1000:03d}"
    return body + mod_11_2.calc_check_digit(body)


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    pid: int = 0  # the ``serve`` process (uvicorn's supervisor with several workers)


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        IDG_DATABASE_URL=database_url,
        IDG_DATA_DIR=str(data_dir),
        IDG_SECRET_KEY=secrets.token_hex(32),
        IDG_LOG_LEVEL="warning",
        IDG_GRAPHQL_IDE="false",
        IDG_JOBS_WORKER_ENABLED="false",
    )
    redis = os.environ.get("IDG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if redis != "none":
        env["IDG_REDIS_URL"] = redis
    return env


async def _reset_database(url: str) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _seed(env: dict[str, str], count: int) -> list[str]:
    """``count`` residents with one password, written through the ORM in bulk."""
    from identity_graph import db
    from identity_graph.accounts.enums import AccountKind
    from identity_graph.accounts.models import Account, NaturalPerson, PasswordCredential
    from identity_graph.container import Container
    from identity_graph.ids.types import IdType, RegionType
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["IDG_DATABASE_URL"],
        data_dir=Path(env["IDG_DATA_DIR"]),
        secret_key=env["IDG_SECRET_KEY"],
    )
    await db.migrate(settings.resolved_database_url)
    await db.open_database(settings.resolved_database_url)
    container = Container(settings)
    vault = container.vault
    hashed = await container.passwords.hash(PASSWORD)
    now = container.clock.now()
    names = [f"bench{serial:06d}" for serial in range(count)]
    accounts = [
        Account(
            id=uuid.uuid4(),
            kind=AccountKind.NATURAL_PERSON,
            login_name=name,
            login_key=name,
            phone_cipher=vault.seal(f"139{serial:08d}", "phone"),
            phone_index=vault.index_phone(f"139{serial:08d}"),
            created_at=now,
            updated_at=now,
        )
        for serial, name in enumerate(names)
    ]
    await Account.bulk_create(accounts, batch_size=1000)
    await PasswordCredential.bulk_create(
        [PasswordCredential(account_id=a.id, hash=hashed, changed_at=now) for a in accounts],
        batch_size=1000,
    )
    await NaturalPerson.bulk_create(
        [
            NaturalPerson(
                id=a.id,
                account_id=a.id,
                real_name_cipher=vault.seal("测试用户", "real_name"),
                region_type=RegionType.MAINLAND,
                id_type=IdType.RESIDENT_ID_CARD,
                id_number_cipher=vault.seal(resident_id(serial), "id_number"),
                id_number_index=vault.index_id_number(f"{resident_id(serial)}-{serial}"),
                updated_at=now,
            )
            for serial, a in enumerate(accounts)
        ],
        batch_size=1000,
    )
    await container.aclose()
    await db.close_database()
    return names


def _flush_redis(env: dict[str, str]) -> None:
    if "IDG_REDIS_URL" not in env:
        return
    import redis

    try:
        redis.Redis.from_url(env["IDG_REDIS_URL"]).flushdb()
    except redis.RedisError:
        env.pop("IDG_REDIS_URL")


@contextmanager
def prepared_database(
    accounts: int, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[dict[str, str], list[str]]]:
    """Fresh database and ``accounts`` seeded residents: the environment every server of
    one run shares (database, Redis, keys) and the login names. ``settings`` adds ``IDG_*``
    variables to the servers' environment."""
    database_url = os.environ.get("IDG_BENCH_DATABASE_URL", DEFAULT_PG)
    data_dir = Path(tempfile.mkdtemp(prefix="idg-bench-"))
    env = server_env(database_url, data_dir)
    env.update(settings or {})
    _flush_redis(env)
    asyncio.run(_reset_database(database_url))
    try:
        yield env, asyncio.run(_seed(env, accounts))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def serving(env: dict[str, str], workers: int, name: str = "server") -> Iterator[Server]:
    """``identity-graph serve`` with ``workers`` on a free port until the block ends. Run as
    ``python -m identity_graph.cli`` of this interpreter, so ``PYTHONPATH`` decides which
    checkout serves (the console script would always run the installed one)."""
    port = free_port()
    command = [sys.executable, "-m", "identity_graph.cli", "serve", "--port", str(port)]
    log_path = Path(env["IDG_DATA_DIR"]) / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_ready(url, process)
        except RuntimeError:
            log.flush()
            tail = log_path.read_bytes()[-4000:].decode(errors="replace")
            print(f"--- the server's log ({log_path}), last lines:\n{tail}", file=sys.stderr)
            print(_diagnosis(url, port, process.pid), file=sys.stderr)
            raise
        yield Server(url, env, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def running_server(
    workers: int, accounts: int, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[Server, list[str]]]:
    """Fresh database, ``accounts`` seeded residents, and the server until the block ends.
    ``settings`` adds ``IDG_*`` variables to the server's environment."""
    with prepared_database(accounts, settings) as (env, names), serving(env, workers) as server:
        yield server, names


async def _database_sessions() -> str:
    """The benchmark database's sessions: what each runs and waits for."""
    import asyncpg

    url = os.environ.get("IDG_BENCH_DATABASE_URL", DEFAULT_PG)
    base, _, name = url.rpartition("/")
    try:
        admin = await asyncpg.connect(
            base.replace("postgres://", "postgresql://", 1) + "/postgres", timeout=5
        )
    except (OSError, asyncpg.PostgresError) as exc:
        return f"database sessions: {exc}"
    try:
        rows = await admin.fetch(
            "SELECT pid, application_name, state, wait_event_type, wait_event,"
            " left(query, 120) AS query, pg_blocking_pids(pid) AS blocked_by"
            " FROM pg_stat_activity WHERE datname = $1",
            name,
        )
    finally:
        await admin.close()
    return "database sessions:\n" + "\n".join(str(dict(row)) for row in rows)


def _diagnosis(url: str, port: int, pid: int) -> str:
    """What a server that never became ready was doing: its readiness answer, who listens
    on its port, and (with py-spy installed, ``PYSPY`` naming it) the stacks of its
    processes; its log says which start-up phases it passed."""
    lines = ["--- diagnosis"]
    try:
        answer = httpx.get(f"{url}/readyz", timeout=10)
        lines.append(f"/readyz: {answer.status_code} {answer.text[:300]}")
    except httpx.HTTPError as exc:
        lines.append(f"/readyz: {type(exc).__name__}: {exc}")
    listening = subprocess.run(
        ["ss", "-ltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
    )
    lines.append(f"listening on {port}:\n{listening.stdout.strip()}")
    lines.append(asyncio.run(_database_sessions()))
    spy = os.environ.get("PYSPY") or shutil.which("py-spy")
    if spy:
        dump = subprocess.run(
            [spy, "dump", "--subprocesses", "--pid", str(pid)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        lines.append(dump.stdout[-6000:] + dump.stderr[-1000:])
    return "\n".join(lines)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded shared host needs more than a minute
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def graphql(url: str, query: str, variables: dict[str, object], token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    wrong: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    # a run of single-use bodies (``run_wrk(exhausted=...)``) sent more requests than it had
    ran_out: bool = False

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def good_rate(self) -> float:
        """Right answers per second: what a comparison counts (a refused reuse is no grant)."""
        return (self.requests - self.wrong) / self.seconds


def run_wrk(
    url: str,
    body: dict[str, object] | list[dict[str, object]],
    *,
    expect: str,
    connections: int,
    seconds: int,
    tokens: list[str] | None = None,
    threads: int = 1,
    path: str = "/graphql",
    form: bool = False,
    authorization: str | None = None,
    exhausted: str | None = None,
) -> WrkResult:
    """wrk against ``url + path``; each request sends the next of ``body`` (a list is spread
    over the threads, so every body goes out once before any repeats). ``exhausted`` names
    single-use bodies (refresh tokens): a run that needed more than it had says so, and its
    result is marked ``ran_out`` (the repeats come back as wrong answers)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="idg-wrk-"))
    bodies = body if isinstance(body, list) else [body]
    lines = "\n".join(
        urlencode(item) if form else json.dumps(item, ensure_ascii=False) for item in bodies
    )
    (work / "body.json").write_text(lines + "\n", encoding="utf-8")
    env = dict(
        os.environ, BODY_FILE=str(work / "body.json"), EXPECT=expect, WRK_THREADS=str(threads)
    )
    if form:
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    if authorization:
        env["AUTHORIZATION"] = authorization
    if tokens:
        (work / "tokens.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
        env["TOKENS_FILE"] = str(work / "tokens.txt")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "graphql.lua"),
        f"{url}{path}",
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    if os.environ.get("IDG_BENCH_VERBOSE"):
        print(" ".join(command), "\n", output, file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    values = dict(re.findall(r"^([A-Z0-9_]+) ([0-9.]+)$", output, re.MULTILINE))
    requests = int(values["REQUESTS"])
    ran_out = exhausted is not None and requests > len(bodies)
    if ran_out:
        print(
            f"warning: {exhausted} ran out: {requests} requests, {len(bodies)} single-use bodies "
            f"({requests - len(bodies)} repeats; raise the pool)",
            file=sys.stderr,
        )
    return WrkResult(
        requests=requests,
        seconds=float(values["SECONDS"]),
        wrong=int(values["WRONG_ANSWERS"]),
        p50_ms=float(values["P50_MS"]),
        p90_ms=float(values["P90_MS"]),
        p99_ms=float(values["P99_MS"]),
        ran_out=ran_out,
    )


def round_parser(description: str | None, connections: int = 32) -> argparse.ArgumentParser:
    """The options every benchmark shares: round length and count, workers, connections."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=10, help="length of each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--connections", type=int, default=connections)
    return parser


def round_arguments(description: str | None, connections: int = 32) -> argparse.Namespace:
    """The shared options parsed (``round_parser`` to add a benchmark's own)."""
    return round_parser(description, connections).parse_args()


def median_round(results: list[WrkResult]) -> WrkResult:
    return sorted(results, key=lambda result: result.rate)[len(results) // 2]


def basic_authorization(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def report(label: str, results: list[WrkResult]) -> None:
    """One line: the median round per second and per core, its latencies, every round."""
    middle = median_round(results)
    n = cores()
    rounds = ", ".join(
        f"{r.rate:.0f}/s (wrong {r.wrong}{', ran out' if r.ran_out else ''})" for r in results
    )
    print(
        f"{label}: median {middle.rate:.0f}/s ({middle.rate / n:.0f}/s per core), p50 "
        f"{middle.p50_ms:.1f} ms, p99 {middle.p99_ms:.1f} ms, wrong answers {middle.wrong}; "
        f"rounds: {rounds}"
    )
