"""Client-credentials grants per second per core (SPEC §13: ≥ 1,000/s per core; Keycloak's
published sizing is 120/s per vCPU).

    .venv/bin/python -m bench.client_credentials [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import asyncio

from bench.harness import (
    WrkResult,
    basic_authorization,
    cores,
    report,
    round_arguments,
    run_wrk,
    running_server,
)


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
    args = round_arguments(__doc__)
    results: list[WrkResult] = []
    with running_server(args.workers, accounts=1) as (server, _):
        client_id, secret = asyncio.run(_register(server.env))
        basic = basic_authorization(client_id, secret)
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
    print(f"machine: {cores()} cores; server: {args.workers} workers, PostgreSQL; wrk here")
    report("client-credentials grants", results)
    print(
        "reproduce: .venv/bin/python -m bench.client_credentials "
        f"--seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
