"""Client-credentials grants per second per core (SPEC §13: ≥ 1,000/s per core; Keycloak's
published sizing is 120/s per vCPU).

    .venv/bin/python -m bench.client_credentials [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics

from bench.harness import WrkResult, cores, run_wrk, running_server


async def _register(env: dict[str, str]) -> tuple[str, str]:
    from pathlib import Path

    from identity_graph import db
    from identity_graph.clients.service import ClientRegistration
    from identity_graph.container import Container
    from identity_graph.core.audit import AuditContext
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["IDG_DATABASE_URL"],
        data_dir=Path(env["IDG_DATA_DIR"]),
        secret_key=env["IDG_SECRET_KEY"],
    )
    await db.open_database(settings.resolved_database_url)
    container = Container(settings)
    registered = await container.clients.register(
        ClientRegistration("bench back-end", ["client_credentials"], scopes=["profile"]),
        AuditContext(),
    )
    await container.aclose()
    await db.close_database()
    assert registered.secret is not None
    return registered.client.client_id, registered.secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    n = cores()
    results: list[WrkResult] = []
    with running_server(args.workers, accounts=1) as (server, _):
        client_id, secret = asyncio.run(_register(server.env))
        basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        options = {
            "expect": "access_token",
            "path": "/oauth/token",
            "form": True,
            "authorization": basic,
        }
        body = {"grant_type": "client_credentials", "scope": "profile"}
        run_wrk(server.url, body, connections=8, seconds=3, **options)
        for _ in range(args.rounds):
            results.append(
                run_wrk(
                    server.url,
                    body,
                    connections=args.connections,
                    seconds=args.seconds,
                    **options,
                )
            )
    middle = sorted(results, key=lambda result: result.rate)[len(results) // 2]
    print(f"machine: {n} cores; server: {args.workers} workers, PostgreSQL; wrk on this machine")
    print(
        f"client-credentials grants: median {middle.rate:.0f}/s ({middle.rate / n:.0f}/s per "
        f"core), p50 {middle.p50_ms:.1f} ms, p99 {middle.p99_ms:.1f} ms, wrong answers "
        f"{middle.wrong}; rounds: " + ", ".join(f"{r.rate:.0f}/s" for r in results)
    )
    print(f"median of rounds: {statistics.median(r.rate for r in results):.0f}/s")
    print(
        "reproduce: .venv/bin/python -m bench.client_credentials "
        f"--seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
