"""GraphQL ``me`` requests per second per core, with p50/p99 at 32 concurrent clients.

SPEC §13: at least 1,000 requests/s per core with p99 under 25 ms.

    .venv/bin/python -m bench.me [--seconds 20] [--workers N] [--connections 32]
"""

from __future__ import annotations

from bench.harness import (
    PASSWORD,
    WrkResult,
    cores,
    graphql,
    median_round,
    round_arguments,
    run_wrk,
    running_server,
)

LOGIN = (
    "mutation($input: LoginInput!) { login(input: $input) { "
    "... on SessionTokens { accessToken } } }"
)
ME = "{ me { id kind loginName status level phone } }"
ME_WITH_PERSON = "{ me { id kind loginName level naturalPerson { realName idNumber } } }"


def main() -> None:
    args = round_arguments(__doc__)
    n = cores()
    with running_server(args.workers, accounts=args.connections) as (server, names):
        tokens = []
        for name in names[: args.connections]:
            answer = graphql(
                server.url,
                LOGIN,
                {"input": {"kind": "NATURAL_PERSON", "identifier": name, "password": PASSWORD}},
            )
            tokens.append(answer["data"]["login"]["accessToken"])
        documents = (("me (account)", ME), ("me + naturalPerson", ME_WITH_PERSON))
        for _, query in documents:
            body = {"query": query, "variables": {}}
            run_wrk(server.url, body, expect='"id"', connections=8, seconds=3, tokens=tokens)
        # This machine's speed drifts (shared host): alternate the documents over several
        # rounds and report the median round of each.
        runs: dict[str, list[WrkResult]] = {label: [] for label, _ in documents}
        for _ in range(args.rounds):
            for label, query in documents:
                runs[label].append(
                    run_wrk(
                        server.url,
                        {"query": query, "variables": {}},
                        expect='"id"',
                        connections=args.connections,
                        seconds=args.seconds,
                        tokens=tokens,
                    )
                )
        rows = [(label, median_round(results)) for label, results in runs.items()]
    print(
        f"machine: {n} cores; server: {args.workers} workers, PostgreSQL; wrk on the same machine"
    )
    for label, result in rows:
        print(
            f"{label:20s} {result.rate:8.1f} req/s ({result.rate / n:7.1f}/s per core)  "
            f"p50 {result.p50_ms:6.2f} ms  p90 {result.p90_ms:6.2f} ms  "
            f"p99 {result.p99_ms:6.2f} ms  wrong answers {result.wrong}  "
            f"({args.connections} connections)"
        )
    for label, results in runs.items():
        print(
            f"{label}: rounds "
            + ", ".join(f"{r.rate:.0f}/s p99 {r.p99_ms:.1f} ms" for r in results)
        )
    print(
        f"reproduce: .venv/bin/python -m bench.me --seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
