"""CPU time per password login, which the host's load does not move as it moves rates.

On a shared host the pure-hashing ceiling and the login rate drift by ±50 % from round to
round (bench/README.md), so ``bench.login``'s ratio needs a quiet machine. This measures
what the ratio is made of instead, per round: the CPU seconds the server's processes
(``serve`` and its workers) spent per login, and the CPU of one pure Argon2id verification
in this process at the same parameters. Their quotient is the share of the server's CPU
that is hashing, the ceiling of ``bench.login``'s ratio on a machine that runs nothing
else (PostgreSQL, Redis and wrk cost CPU on top; their processes are shared with others
here, so they are not counted).

    .venv/bin/python -m bench.login_cpu [--seconds 10] [--rounds 2] [--workers 2]
"""

from __future__ import annotations

import os
import subprocess
import time

from bench.harness import PASSWORD, round_arguments, run_wrk, running_server
from bench.login import configured_hasher, login_bodies

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def _tree(root: int) -> list[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(root)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [root, *(pid for child in children for pid in _tree(int(child)))]


def _server_root(port: str) -> int:
    found = subprocess.run(
        ["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True, check=False
    ).stdout.split()
    return int(found[0])


def pure_verify_cpu(count: int = 40) -> float:
    """CPU seconds of one Argon2id verification at the service's parameters."""
    hasher = configured_hasher()
    stored = hasher.hash(PASSWORD)
    start = time.process_time()
    for _ in range(count):
        hasher.verify(stored, PASSWORD)
    return (time.process_time() - start) / count


def main() -> None:
    args = round_arguments(__doc__, connections=16)
    shares = []
    with running_server(args.workers, accounts=200) as (server, names):
        body = login_bodies(names)
        run_wrk(server.url, body, expect="accessToken", connections=4, seconds=3)  # warm-up
        processes = _tree(_server_root(server.url.rsplit(":", 1)[1]))
        for _ in range(args.rounds):
            verify = pure_verify_cpu()
            before = _cpu_seconds(processes)
            result = run_wrk(
                server.url,
                body,
                expect="accessToken",
                connections=args.connections,
                seconds=args.seconds,
            )
            per_login = (_cpu_seconds(processes) - before) / max(result.requests, 1)
            shares.append(verify / per_login)
            print(
                f"pure verification {verify * 1000:.1f} ms CPU; server CPU per login "
                f"{per_login * 1000:.1f} ms (hashing share {verify / per_login:.2f}); "
                f"{result.rate:.1f} logins/s, wrong answers {result.wrong}",
                flush=True,
            )
    print("hashing share of the server's CPU per round: " + ", ".join(f"{s:.2f}" for s in shares))


if __name__ == "__main__":
    main()
