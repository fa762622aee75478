"""CPU per password login outside the hash, in one process, without a load generator.

The app is served in-process (httpx's ASGI transport) on PostgreSQL and Redis, as in the
other benchmarks (``IDG_BENCH_DATABASE_URL``, dropped and re-created; ``IDG_BENCH_REDIS_URL``,
flushed), with Argon2id cheapened to 8 KiB and one pass, so what is measured is the rest of
a login: GraphQL, the lockout gates, the queries and writes, the tokens, and the test
client's own share. The result is CPU time (``time.process_time``) per login, which the
shared host's load moves far less than it moves rates; run it from two source trees in
turn to compare them. ``--profile`` prints the top of a CPU-time cProfile.

    .venv/bin/python -m bench.login_inprocess [--logins 300] [--profile]

For another source tree, run this file from it: ``cd ../other && PYTHONPATH=$PWD
.venv/bin/python /path/to/bench/login_inprocess.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.harness import DEFAULT_PG, PASSWORD, _reset_database
from bench.login import LOGIN


async def _measure(logins: int, profile: bool) -> float:
    from identity_graph import db
    from identity_graph.accounts.enums import AccountKind
    from identity_graph.accounts.models import Account, PasswordCredential
    from identity_graph.app import create_app
    from identity_graph.container import Container
    from identity_graph.settings import Settings

    url = os.environ.get("IDG_BENCH_DATABASE_URL", DEFAULT_PG)
    redis_url = os.environ.get("IDG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    await _reset_database(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=Path(tempfile.mkdtemp(prefix="idg-bench-")),
        secret_key=os.urandom(32).hex(),
        redis_url=None if redis_url == "none" else redis_url,
        argon2_memory_kib=8,
        argon2_time_cost=1,
        jobs_worker_enabled=False,
        graphql_ide=False,
    )
    if settings.redis_url:
        import redis

        redis.Redis.from_url(settings.redis_url).flushdb()
    await db.migrate(url)
    await db.open_database(url)
    container = Container(settings)
    hashed = await container.passwords.hash(PASSWORD)
    now = container.clock.now()
    names = [f"bench{serial:04d}" for serial in range(200)]
    accounts = [
        Account(
            id=uuid.uuid4(),
            kind=AccountKind.NATURAL_PERSON,
            login_name=name,
            login_key=name,
            created_at=now,
            updated_at=now,
        )
        for name in names
    ]
    await Account.bulk_create(accounts)
    await PasswordCredential.bulk_create(
        [PasswordCredential(account_id=a.id, hash=hashed, changed_at=now) for a in accounts]
    )
    app = create_app(settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    profiler = cProfile.Profile(time.process_time) if profile else None
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:

        async def login(serial: int) -> None:
            variables = {
                "input": {
                    "kind": "NATURAL_PERSON",
                    "identifier": names[serial % len(names)],
                    "password": PASSWORD,
                }
            }
            answer = await http.post("/graphql", json={"query": LOGIN, "variables": variables})
            if "accessToken" not in answer.text:
                raise RuntimeError(answer.text)

        for serial in range(50):  # warm-up: caches, prepared statements, connections
            await login(serial)
        started = time.process_time()
        if profiler:
            profiler.enable()
        for serial in range(logins):
            await login(serial)
        if profiler:
            profiler.disable()
        spent = time.process_time() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    await container.aclose()
    await db.close_database()
    return spent / logins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    per_login = asyncio.run(_measure(args.logins, args.profile))
    print(
        f"{os.getcwd()}: {args.logins} logins, {per_login * 1000:.2f} ms CPU each in this "
        "process (Argon2id 8 KiB, t=1)"
    )


if __name__ == "__main__":
    main()
