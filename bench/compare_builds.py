"""Two builds of identity_graph side by side on one host: client-credentials grants and
introspection in alternating wrk rounds, the ratio second/first per round.

For a change too small for the noise between two ``compare_oidc_provider`` runs: each build
is a source tree (an exported commit: ``git archive <commit> | tar -x -C <dir>``) served
from its own database and Redis database, both running at once, measured in turn.

    .venv/bin/python -m bench.compare_builds /tmp/before /tmp/after [--seconds 6] [--rounds 4]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
from pathlib import Path

import httpx

from bench.client_credentials import _register
from bench.harness import WrkResult, basic_authorization, round_parser, run_wrk, running_server

CC = {"grant_type": "client_credentials", "scope": "profile"}


def main() -> None:
    parser = round_parser(__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.set_defaults(seconds=6, rounds=4)
    args = parser.parse_args()
    base_db = os.environ.get(
        "IDG_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idg_bench"
    )
    base_redis = os.environ.get("IDG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    servers: list[tuple[str, str, str]] = []
    with contextlib.ExitStack() as stack:
        for index, tree in enumerate((args.first, args.second)):
            os.environ["PYTHONPATH"] = str(tree.resolve())
            os.environ["IDG_BENCH_DATABASE_URL"] = f"{base_db}_{index}"
            redis_base, _, number = base_redis.rpartition("/")
            os.environ["IDG_BENCH_REDIS_URL"] = f"{redis_base}/{int(number) + index}"
            server, _ = stack.enter_context(running_server(args.workers, accounts=1))
            service = basic_authorization(*asyncio.run(_register(server.env)))
            granted = httpx.post(
                f"{server.url}/oauth/token", data=CC, headers={"Authorization": service}
            )
            servers.append((server.url, service, granted.json()["access_token"]))
        results: dict[tuple[int, str], list[WrkResult]] = {}
        for round_index in range(args.rounds):
            order = (0, 1) if round_index % 2 == 0 else (1, 0)
            for measure in ("client credentials", "introspection"):
                for which in order:
                    url, service, token = servers[which]
                    grant = measure == "client credentials"
                    results.setdefault((which, measure), []).append(
                        run_wrk(
                            url,
                            CC if grant else {"token": token},
                            expect='"access_token"' if grant else '"active":true',
                            connections=args.connections,
                            seconds=args.seconds,
                            path="/oauth/token" if grant else "/oauth/introspect",
                            form=True,
                            authorization=service,
                        )
                    )
        for measure in ("client credentials", "introspection"):
            first, second = results[(0, measure)], results[(1, measure)]
            ratios = [b.rate / a.rate for a, b in zip(first, second, strict=True)]
            print(
                f"{measure}: second/first per round "
                + " · ".join(f"{ratio:.2f}" for ratio in ratios)
                + f", median {statistics.median(ratios):.2f}; first "
                + ", ".join(f"{r.rate:.0f}/s (wrong {r.wrong})" for r in first)
                + "; second "
                + ", ".join(f"{r.rate:.0f}/s (wrong {r.wrong})" for r in second)
            )


if __name__ == "__main__":
    main()
