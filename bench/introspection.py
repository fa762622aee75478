"""Token introspections per second per core (SPEC §13: ≥ 2,000/s per core; Ory Hydra
published 5,109/s on 2 CPUs).

    .venv/bin/python -m bench.introspection [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64

import httpx

from bench.client_credentials import _register
from bench.harness import WrkResult, cores, run_wrk, running_server


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
    middle = sorted(results, key=lambda result: result.rate)[len(results) // 2]
    print(f"machine: {n} cores; server: {args.workers} workers, PostgreSQL; wrk on this machine")
    print(
        f"introspections: median {middle.rate:.0f}/s ({middle.rate / n:.0f}/s per core), "
        f"p50 {middle.p50_ms:.1f} ms, p99 {middle.p99_ms:.1f} ms, wrong answers "
        f"{middle.wrong}; rounds: " + ", ".join(f"{r.rate:.0f}/s" for r in results)
    )
    print(
        "reproduce: .venv/bin/python -m bench.introspection "
        f"--seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
