"""Token introspections per second per core (SPEC §13: ≥ 2,000/s per core; Ory Hydra
published 5,109/s on 2 CPUs).

    .venv/bin/python -m bench.introspection [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import asyncio

import httpx

from bench.client_credentials import _register
from bench.harness import (
    WrkResult,
    basic_authorization,
    cores,
    report,
    round_arguments,
    run_wrk,
    running_server,
)


def main() -> None:
    args = round_arguments(__doc__)
    results: list[WrkResult] = []
    with running_server(args.workers, accounts=1) as (server, _):
        client_id, secret = asyncio.run(_register(server.env))
        basic = basic_authorization(client_id, secret)
        issued = httpx.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "client_credentials", "scope": "profile"},
            headers={"Authorization": basic},
        ).json()["access_token"]
        body = {"token": issued}
        options = {"path": "/oauth/introspect", "form": True, "authorization": basic}
        expect = '"active":true'
        run_wrk(server.url, body, expect=expect, connections=8, seconds=3, **options)
        for _ in range(args.rounds):
            results.append(
                run_wrk(
                    server.url,
                    body,
                    expect=expect,
                    connections=args.connections,
                    seconds=args.seconds,
                    **options,
                )
            )
    print(f"machine: {cores()} cores; server: {args.workers} workers, PostgreSQL; wrk here")
    report("introspections", results)
    print(
        "reproduce: .venv/bin/python -m bench.introspection "
        f"--seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
