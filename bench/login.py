"""Password logins per second per core, next to the machine's pure Argon2id rate.

SPEC §13: password logins are bounded only by the Argon2id cost; the target is at least
90 % of the machine's pure-hashing ceiling at the same parameters.

    .venv/bin/python -m bench.login [--seconds 20] [--workers N] [--connections 16]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

from bench.harness import PASSWORD, cores, run_wrk, running_server
from identity_graph.settings import Settings

LOGIN = (
    "mutation($input: LoginInput!) { login(input: $input) { __typename "
    "... on SessionTokens { accessToken } ... on LoginRefusedError { code } } }"
)


def _hash_for(seconds: float, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from argon2 import PasswordHasher, Type

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )
    stored = hasher.hash(PASSWORD)
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        hasher.verify(stored, PASSWORD)
        done += 1
    queue.put(done)


def pure_argon2_rate(processes: int, seconds: float) -> float:
    """Verifications per second with every core hashing and nothing else running."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=_hash_for, args=(seconds, queue)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    total = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    n = cores()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    params = (
        f"Argon2id m={settings.argon2_memory_kib} KiB, t={settings.argon2_time_cost}, "
        f"p={settings.argon2_parallelism}"
    )
    ceiling = pure_argon2_rate(n, args.seconds)
    with running_server(args.workers, accounts=200) as (server, names):
        body = {
            "query": LOGIN,
            "variables": {
                "input": {"kind": "NATURAL_PERSON", "identifier": names[0], "password": PASSWORD}
            },
        }
        run_wrk(server.url, body, expect="accessToken", connections=4, seconds=3)  # warm-up
        result = run_wrk(
            server.url,
            body,
            expect="accessToken",
            connections=args.connections,
            seconds=args.seconds,
        )
    print(f"machine: {n} cores; {params}")
    print(f"pure Argon2id verifications: {ceiling:8.1f}/s  ({ceiling / n:.1f}/s per core)")
    print(
        f"password logins (GraphQL, {args.workers} workers, PostgreSQL, {args.connections} "
        f"connections): {result.rate:8.1f}/s  ({result.rate / n:.1f}/s per core), "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, wrong answers {result.wrong}"
    )
    print(f"ratio logins / pure hashing: {result.rate / ceiling:.3f} (target >= 0.9)")
    print("reproduce: .venv/bin/python -m bench.login " + f"--seconds {args.seconds}")


if __name__ == "__main__":
    main()
