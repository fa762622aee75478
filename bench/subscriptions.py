"""Concurrent GraphQL subscriptions held on one node, and how fast an event reaches its
subscriber (issue 13: target 5,000 open subscriptions, events delivered < 100 ms p99).

    .venv/bin/python -m bench.subscriptions [--subscriptions 5000] [--events 500]
        [--per-connection 20] [--rate 50] [--workers N]

The real server (``identity-graph serve``, PostgreSQL, Redis pub/sub between its workers)
holds ``--subscriptions`` ``qrLoginStatus`` subscriptions over graphql-transport-ws, each
on its own QR-login request (``--per-connection`` operations per WebSocket). Once all have
answered their first state, ``--events`` of the requests are approved over HTTP
(``approveQrLogin``, a real mutation by a logged-in account) at ``--rate`` per second,
spread over the connections; each event's latency runs from sending the mutation to the
subscriber receiving ``APPROVED``. Every other subscription must stay open and silent.
The seeded requests live an hour instead of a QR code's two minutes (opening thousands of
subscriptions on a loaded host takes longer than that).
A QR subscription re-reads its state on its own at its expiry and once in between as a
backstop (``QR_BACKSTOP_SECONDS``, jittered): holding 5,000 of them costs the node ~110
small reads per second, spread out; the numbers include that load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.harness import PASSWORD, cores, running_server

LOGIN = (
    "mutation($input: LoginInput!) { login(input: $input) { "
    "... on SessionTokens { accessToken } } }"
)
APPROVE = (
    "mutation($code: String!) { approveQrLogin(code: $code) { __typename"
    " ... on QrLoginApproved { approved } } }"
)
QR_STATUS = (
    "subscription Q($id: ID!, $token: String!) { qrLoginStatus(requestId: $id, pollToken: $token) }"
)


async def _qr_requests(env: dict[str, str], count: int) -> list[tuple[str, str, str]]:
    """``count`` QR-login requests as a login page would open them: (id, code, poll token)."""
    from identity_graph import db
    from identity_graph.container import Container
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["IDG_DATABASE_URL"],
        data_dir=Path(env["IDG_DATA_DIR"]),
        secret_key=env["IDG_SECRET_KEY"],
    )
    await db.open_database(settings.resolved_database_url)
    container = Container(settings)
    try:
        from datetime import timedelta

        from identity_graph.sessions.qr_login import QrLoginRequest

        found = []
        for _ in range(count):
            challenge = await container.qr_logins.start()
            found.append((str(challenge.request_id), challenge.qr_text, challenge.poll_token))
        # A QR code lives two minutes; opening thousands of subscriptions on a loaded host
        # takes longer, so the benchmark's requests live an hour (the only thing it bends).
        await QrLoginRequest.filter(id__in=[row[0] for row in found]).update(
            expires_at=container.clock.now() + timedelta(hours=1)
        )
        return found
    finally:
        await container.aclose()
        await db.close_database()


class Connection:
    """One WebSocket with its subscriptions; records when each one's states arrive."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.first: dict[str, asyncio.Event] = {}
        self.approved: dict[str, float] = {}
        self.unexpected: list[str] = []
        self.closed = False

    async def read(self) -> None:
        try:
            async for frame in self.socket:
                message = json.loads(frame)
                op = message.get("id")
                if message.get("type") == "next":
                    state = message["payload"]["data"]["qrLoginStatus"]
                    if state == "PENDING":
                        self.first[op].set()
                    elif state == "APPROVED":
                        self.approved[op] = time.perf_counter()
                    else:
                        self.unexpected.append(state)
                elif message.get("type") == "error":
                    self.unexpected.append(json.dumps(message))
        except websockets.ConnectionClosed:
            pass
        self.closed = True


async def _open(url: str, requests: list[tuple[str, str, str]]) -> Connection:
    socket = await websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        max_queue=None,
        open_timeout=120,  # a loaded shared host answers handshakes slowly
        ping_timeout=None,
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await socket.recv())
    assert ack["type"] == "connection_ack", ack
    connection = Connection(socket)
    for request_id, _code, poll in requests:
        connection.first[request_id] = asyncio.Event()
        payload = {"query": QR_STATUS, "variables": {"id": request_id, "token": poll}}
        await socket.send(json.dumps({"id": request_id, "type": "subscribe", "payload": payload}))
    return connection


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


async def _measure(url: str, env: dict[str, str], args: argparse.Namespace) -> None:
    started = time.perf_counter()
    requests = await _qr_requests(env, args.subscriptions)
    print(f"opened {len(requests)} QR-login requests in {time.perf_counter() - started:.1f} s")
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        login = await http.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {
                    "input": {
                        "kind": "NATURAL_PERSON",
                        "identifier": "bench000000",
                        "password": PASSWORD,
                    }
                },
            },
        )
        token = login.json()["data"]["login"]["accessToken"]
        ws_url = url.replace("http://", "ws://") + "/graphql"
        groups = [
            requests[start : start + args.per_connection]
            for start in range(0, len(requests), args.per_connection)
        ]
        started = time.perf_counter()
        connections: list[Connection] = []
        for offset in range(0, len(groups), 25):  # 25 handshakes at a time
            batch = groups[offset : offset + 25]
            connections += await asyncio.gather(*(_open(ws_url, group) for group in batch))
        readers = [asyncio.create_task(connection.read()) for connection in connections]
        waits = [
            asyncio.create_task(event.wait())
            for connection in connections
            for event in connection.first.values()
        ]
        await asyncio.wait(waits, timeout=args.open_seconds)
        for wait in waits:
            wait.cancel()
        held = sum(
            1 for connection in connections for event in connection.first.values() if event.is_set()
        )
        print(
            f"holding {held} of {len(requests)} subscriptions on {len(connections)} WebSockets"
            f" ({time.perf_counter() - started:.1f} s to open them and get the first states;"
            f" {sum(c.closed for c in connections)} sockets closed by then)"
        )
        for problem in sorted({p for c in connections for p in c.unexpected})[:5]:
            print(f"unexpected: {problem[:300]}")

        # Approve a sample spread over the connections, at a steady rate.
        owner = {
            request_id: connection for connection in connections for request_id in connection.first
        }
        live = [r for r in requests if owner[r[0]].first[r[0]].is_set()]
        step = max(1, len(live) // args.events)
        sample = live[::step][: args.events]
        sent: dict[str, float] = {}
        refused = 0
        refusals: set[str] = set()

        async def approve(request_id: str, code: str) -> None:
            nonlocal refused
            sent[request_id] = time.perf_counter()
            answer = await http.post(
                "/graphql",
                json={"query": APPROVE, "variables": {"code": code}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = answer.json()
            typename = (body.get("data") or {}).get("approveQrLogin", {}).get("__typename")
            if typename != "QrLoginApproved":
                refused += 1
                refusals.add(json.dumps(body.get("errors") or body.get("data"))[:300])

        tasks = []
        for request_id, code, _poll in sample:
            tasks.append(asyncio.create_task(approve(request_id, code)))
            await asyncio.sleep(1 / args.rate)
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            if all(request_id in owner[request_id].approved for request_id, _, _ in sample):
                break
            await asyncio.sleep(0.05)
        latencies = [
            (owner[request_id].approved[request_id] - sent[request_id]) * 1000
            for request_id, _, _ in sample
            if request_id in owner[request_id].approved
        ]
        lost = len(sample) - len(latencies)
        others = sum(
            1
            for connection in connections
            for request_id in connection.approved
            if request_id not in sent
        )
        closed = sum(1 for connection in connections if connection.closed)
        unexpected = sum(len(connection.unexpected) for connection in connections)
        for connection in connections:
            await connection.socket.close()
        await asyncio.gather(*readers)

    print(
        f"events: {len(sample)} approvals at {args.rate}/s, delivered {len(latencies)},"
        f" lost {lost}, refused {refused}, stray deliveries {others},"
        f" unexpected messages {unexpected}, sockets closed early {closed}"
    )
    for refusal in sorted(refusals):
        print(f"refused: {refusal}")
    if latencies:
        print(
            f"delivery latency (mutation sent -> subscriber has APPROVED): p50"
            f" {statistics.median(latencies):.1f} ms, p90 {_percentile(latencies, 0.9):.1f} ms,"
            f" p99 {_percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=5000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--per-connection", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="approvals per second")
    parser.add_argument("--workers", type=int, default=cores())
    parser.add_argument("--open-seconds", type=float, default=300.0)
    args = parser.parse_args()
    settings = {
        "IDG_WS_MAX_OPERATIONS": str(args.per_connection),
        "IDG_WS_IDLE_SECONDS": "600",
    }
    with running_server(args.workers, accounts=1, settings=settings) as (server, _names):
        print(
            f"server: {args.workers} workers on {cores()} cores; reproduce with:"
            f" .venv/bin/python -m bench.subscriptions --subscriptions {args.subscriptions}"
            f" --events {args.events} --per-connection {args.per_connection}"
            f" --rate {args.rate:g} --workers {args.workers}"
        )
        asyncio.run(_measure(server.url, server.env, args))


if __name__ == "__main__":
    main()
