"""Several nodes (issue 16): one node of 2 workers against two nodes of 1 worker each, all
sharing one PostgreSQL database and (unless ``IDG_BENCH_REDIS_URL=none``) one Redis.

Three ``serve`` processes run at once on their own ports: ``one`` (2 workers) and nodes
``A`` and ``B`` (1 worker each). First the state checks, on A and B: a token issued on A
introspects active on B; a token revoked on A is inactive on B; a client disabled on A (an
admin's ``updateClient``) is refused by B, whose cache held it, within a second. Then
client-credentials grants and introspections in alternating rounds: two wrk processes at
once, half the connections each, both against ``one``, then one against A and one against
B; the two wrk results are summed (the same load generator for both shapes: on a shared
host two wrk processes get more CPU than one). On a host of 2 cores, "throughput adds up"
means the two nodes together match the one node of two workers (the same cores do the
work), not double it.

    IDG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/idg_bench_nodes \\
    .venv/bin/python -m bench.two_nodes --seconds 10 --rounds 3
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from argparse import Namespace
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bench.harness import (
    Server,
    WrkResult,
    basic_authorization,
    cores,
    prepared_database,
    round_arguments,
    run_wrk,
    serving,
)

UPDATE = (
    "mutation($input: UpdateClientInput!) { updateClient(input: $input) {"
    " __typename ... on ClientUpdated { client { disabled } } } }"
)
GRANT = {"grant_type": "client_credentials", "scope": "profile"}


@dataclass(frozen=True)
class Fixture:
    basic: str  # the load's client
    victim: str  # a client to disable
    victim_id: str
    admin: str  # an admin's personal token


async def _prepare(env: dict[str, str]) -> Fixture:
    from identity_graph import db
    from identity_graph.accounts.enums import Role
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
    basics, ids = [], []
    for name in ("bench back-end", "bench victim"):
        made = await container.clients.register(
            ClientRegistration(name, ["client_credentials"], scopes=["profile"]), AuditContext()
        )
        assert made.secret is not None
        basics.append(basic_authorization(made.client.client_id, made.secret))
        ids.append(made.client.client_id)
    staff = await container.accounts.create_staff(
        "bench-admin", "a long bench password", [Role.ADMIN], AuditContext()
    )
    admin = await container.sessions.issue_personal_token(
        staff, "bench", timedelta(days=1), AuditContext()
    )
    await container.aclose()
    await db.close_database()
    return Fixture(basics[0], basics[1], ids[1], admin)


def _token(url: str, basic: str) -> httpx.Response:
    return httpx.post(f"{url}/oauth/token", data=GRANT, headers={"Authorization": basic})


def _active(url: str, basic: str, token: str) -> bool:
    answer = httpx.post(
        f"{url}/oauth/introspect", data={"token": token}, headers={"Authorization": basic}
    )
    answer.raise_for_status()
    return bool(answer.json()["active"])


def _until(check: Callable[[], bool], within: float = 5.0) -> float:
    """Seconds until ``check`` holds (polled every 10 ms); raises after ``within``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise SystemExit(f"state not shared within {within} s")
        time.sleep(0.01)
    return time.monotonic() - started


def state_checks(a: Server, b: Server, fixture: Fixture) -> list[str]:
    """The state A and B share, each as one printed line."""
    issued = _token(a.url, fixture.basic).json()["access_token"]
    assert _active(b.url, fixture.basic, issued), "a token from A is not active on B"
    lines = ["token issued on A introspects active on B: yes"]
    revoked = httpx.post(
        f"{a.url}/oauth/revoke", data={"token": issued}, headers={"Authorization": fixture.basic}
    )
    revoked.raise_for_status()
    waited = _until(lambda: not _active(b.url, fixture.basic, issued))
    lines.append(f"token revoked on A inactive on B after {waited * 1000:.0f} ms")
    for _ in range(3):  # B holds the victim client in its cache now
        assert _token(b.url, fixture.victim).status_code == 200
    client_id = fixture.victim_id
    disabled = httpx.post(
        f"{a.url}/graphql",
        json={"query": UPDATE, "variables": {"input": {"clientId": client_id, "disabled": True}}},
        headers={"Authorization": f"Bearer {fixture.admin}"},
    ).json()
    assert disabled["data"]["updateClient"]["client"]["disabled"] is True, disabled
    waited = _until(lambda: _token(b.url, fixture.victim).status_code == 401)
    lines.append(f"client disabled on A refused on B after {waited * 1000:.0f} ms")
    if waited >= 1.0:
        raise SystemExit("a disabled client was not refused on the other node within 1 s")
    return lines


@dataclass(frozen=True)
class Measure:
    label: str
    path: str
    body: dict[str, object]
    expect: str


def _run(server: Server, measure: Measure, basic: str, connections: int, seconds: int) -> WrkResult:
    return run_wrk(
        server.url,
        measure.body,
        expect=measure.expect,
        connections=connections,
        seconds=seconds,
        path=measure.path,
        form=True,
        authorization=basic,
    )


def _pair(
    nodes: tuple[Server, Server], measure: Measure, basic: str, connections: int, seconds: int
) -> list[WrkResult]:
    """Two wrk processes at once, one per server given, each with half the connections."""
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(_run, node, measure, basic, connections // 2, seconds) for node in nodes
        ]
        return [run.result() for run in runs]


def _summed(pair: list[WrkResult]) -> WrkResult:
    """Two concurrent wrk runs against one node as one result (rates add, worst p99)."""
    seconds = max(r.seconds for r in pair)
    return WrkResult(
        requests=round(sum(r.rate for r in pair) * seconds),
        seconds=seconds,
        wrong=sum(r.wrong for r in pair),
        p50_ms=max(r.p50_ms for r in pair),
        p90_ms=max(r.p90_ms for r in pair),
        p99_ms=max(r.p99_ms for r in pair),
    )


def _line(measure: Measure, single: list[WrkResult], pairs: list[list[WrkResult]]) -> str:
    one = [r.rate for r in single]
    two = [sum(r.rate for r in pair) for pair in pairs]
    ratios = [t / o for t, o in zip(two, one, strict=True)]
    wrong = sum(r.wrong for r in single) + sum(r.wrong for pair in pairs for r in pair)
    p99_one = statistics.median(r.p99_ms for r in single)
    p99_two = statistics.median(max(r.p99_ms for r in pair) for pair in pairs)
    per_node = " · ".join(
        "+".join(f"{r.rate:.0f}" for r in pair) for pair in pairs
    )  # A+B per round
    return (
        f"{measure.label}: 1 node x 2 workers median {statistics.median(one):.0f}/s "
        f"({' · '.join(f'{x:.0f}' for x in one)}; p99 {p99_one:.1f} ms); "
        f"2 nodes x 1 worker median {statistics.median(two):.0f}/s ({per_node}; "
        f"p99 {p99_two:.1f} ms); ratio two/one median {statistics.median(ratios):.2f} "
        f"({' · '.join(f'{x:.2f}' for x in ratios)}); wrong answers {wrong}"
    )


def cpu_seconds(root: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by ``root`` and each of its children."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(entry), int(fields[1])
        if root in (pid, ppid):
            found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def _shares(before: dict[int, float], after: dict[int, float]) -> str:
    used = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    busy = sorted((seconds for seconds in used.values() if seconds >= 0.5), reverse=True)
    return " + ".join(f"{seconds:.0f}" for seconds in busy)  # not the idle supervisor


def _rounds(
    one: Server, nodes: tuple[Server, Server], measure: Measure, basic: str, args: Namespace
) -> tuple[list[WrkResult], list[list[WrkResult]]]:
    """Alternating rounds: one node, then both (the order flips every round)."""
    single: list[WrkResult] = []
    pairs: list[list[WrkResult]] = []
    for round_ in range(args.rounds):
        order = ("one", "two") if round_ % 2 == 0 else ("two", "one")
        for which in order:
            if which == "one":  # two wrk here too: the same load generator either way
                pair = _pair((one, one), measure, basic, args.connections, args.seconds)
                single.append(_summed(pair))
            else:
                pairs.append(_pair(nodes, measure, basic, args.connections, args.seconds))
    return single, pairs


def main() -> None:
    args = round_arguments(__doc__)
    with ExitStack() as stack:
        env, _ = stack.enter_context(prepared_database(accounts=1))
        fixture = asyncio.run(_prepare(env))
        one = stack.enter_context(serving(env, 2, "one"))
        a = stack.enter_context(serving(env, 1, "node-a"))
        b = stack.enter_context(serving(env, 1, "node-b"))
        bus = "Redis" if "IDG_REDIS_URL" in env else "PostgreSQL LISTEN/NOTIFY (no Redis)"
        print(f"machine: {cores()} cores; PostgreSQL; notices over {bus}; wrk here")
        for line in state_checks(a, b, fixture):
            print(line)
        token = _token(a.url, fixture.basic).json()["access_token"]
        measures = [
            Measure("client-credentials grants", "/oauth/token", GRANT, "access_token"),
            Measure("introspections", "/oauth/introspect", {"token": token}, '"active":true'),
        ]
        for measure in measures:  # warm every process
            for server in (one, a, b):
                _run(server, measure, fixture.basic, 8, 3)
        for measure in measures:
            before = [cpu_seconds(server.pid) for server in (one, a, b)]
            single, pairs = _rounds(one, (a, b), measure, fixture.basic, args)
            after = [cpu_seconds(server.pid) for server in (one, a, b)]
            print(_line(measure, single, pairs), flush=True)
            print(
                "  CPU seconds per process (busiest first): one node "
                f"{_shares(before[0], after[0])}; node A {_shares(before[1], after[1])}; "
                f"node B {_shares(before[2], after[2])}"
            )
    print(
        "reproduce: .venv/bin/python -m bench.two_nodes "
        f"--seconds {args.seconds} --rounds {args.rounds} --connections {args.connections}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
