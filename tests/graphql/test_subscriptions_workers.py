"""Subscriptions across worker processes (issue 13, SPEC §9): the real server started as an
operator would (``identity-graph serve --workers 2`` with Redis), a subscriber using the
Node ``graphql-ws`` client (pinned, installed by the test run like openid-client), and the
event produced by a request that the *other* worker handled.

Which worker holds a TCP connection is read from ``/proc`` (the connection's socket inode in
``/proc/net/tcp``, then the worker whose file descriptors include it), so the test knows,
rather than hopes, that producer and subscriber sit in different processes. The QR-login
subscription re-reads its state on its own only at its expiry and after a backstop of at
least half ``QR_BACKSTOP_SECONDS``: the event must arrive well before either, so only the
Redis fan-out can have carried it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.exceptions import RedisError

from identity_graph.graphql.subscriptions import QR_BACKSTOP_SECONDS
from tests.node_packages import installed
from tests.server_helpers import RunningServer, run_server, server_env
from tests.web.test_qr_login import APPROVE, qr_page

pytestmark = [pytest.mark.server, pytest.mark.postgres]
SOURCE = Path(__file__).resolve().parent / "graphql_ws"
QR_STATUS = (
    "subscription Q($id: ID!, $token: String!) { qrLoginStatus(requestId: $id, pollToken: $token) }"
)
BACKSTOP_SECONDS = QR_BACKSTOP_SECONDS / 2  # qrLoginStatus's earliest re-read without an event


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the loopback connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if _port(fields[1]) == server_port and _port(fields[2]) == client_port:
                return fields[9]
    return None


def worker_of(server: RunningServer, client_port: int) -> int | None:
    """The pid of the server process holding the connection from ``client_port``."""
    server_port = int(server.base_url.rsplit(":", 1)[1])
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        inode = socket_inode(server_port, client_port)
        for pid in _processes(server.process.pid):
            try:
                links = {
                    os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")
                }
            except OSError:
                continue
            if inode is not None and f"socket:[{inode}]" in links:
                return pid
        time.sleep(0.02)
    return None


def _processes(root: int) -> list[int]:
    """``root`` and its children (uvicorn's workers)."""
    found = [root]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        ppid = next(line for line in status.splitlines() if line.startswith("PPid:"))
        if int(ppid.split()[1]) == root:
            found.append(int(entry))
    return found


def post_from_another_worker(
    server: RunningServer, avoid: int, body: dict[str, Any], token: str
) -> tuple[int, dict[str, Any]]:
    """POST ``body`` to /graphql over a connection some worker other than ``avoid`` holds."""
    port = int(server.base_url.rsplit(":", 1)[1])
    for _ in range(40):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/healthz")  # the connection is accepted by now
            connection.getresponse().read()
            assert connection.sock is not None
            pid = worker_of(server, connection.sock.getsockname()[1])
            if pid is None or pid == avoid:
                continue
            connection.request(
                "POST",
                "/graphql",
                body=json.dumps(body),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            return pid, dict(json.loads(connection.getresponse().read()))
        finally:
            connection.close()
    pytest.fail("no connection reached the second worker in 40 tries")


@pytest.fixture
def redis_available(redis_url: str) -> str:
    try:
        Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except (RedisError, OSError) as exc:
        pytest.skip(f"Redis unreachable at {redis_url}: {exc}")
    return redis_url


def staff_token(server: RunningServer, env: dict[str, str]) -> str:
    """A staff account and its personal token, made with the operator's CLI."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "identity_graph.cli",
            "create-admin",
            "ops-ws",
            "--password",
            "correct-horse-battery-9",
        ],
        cwd=server.data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def test_an_event_from_one_worker_reaches_a_graphql_ws_subscriber_on_the_other(
    backend: str, database_url: str, tmp_path: Path, redis_available: str
) -> None:
    folder = await asyncio.to_thread(installed, SOURCE, "graphql-ws", "graphql-ws", ("sub.mjs",))
    data_dir = tmp_path / "server"
    database = database_url if backend == "postgres" else None
    extra = {"IDG_SECRET_KEY": secrets.token_urlsafe(32), "IDG_REDIS_URL": redis_available}
    with run_server(data_dir, database, workers=2, extra_env=extra) as server:
        token = await asyncio.to_thread(
            staff_token, server, {**server_env(data_dir, database), **extra}
        )
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as browser:
            code, request_id, poll_token = await qr_page(browser)
        ws_url = server.base_url.replace("http://", "ws://") + "/graphql"
        variables = json.dumps({"id": request_id, "token": poll_token})
        node = await asyncio.create_subprocess_exec(
            "node",
            "sub.mjs",
            ws_url,
            QR_STATUS,
            variables,
            "2",
            cwd=folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert node.stdout is not None

        async def line() -> dict[str, Any]:
            text = await asyncio.wait_for(node.stdout.readline(), 30)  # type: ignore[union-attr]
            assert text, (await node.stderr.read()).decode()  # type: ignore[union-attr]
            return dict(json.loads(text))

        try:
            connected = await line()
            subscriber = await asyncio.to_thread(worker_of, server, connected["localPort"])
            assert subscriber is not None and subscriber != server.process.pid
            first = await line()
            shown = time.monotonic()
            assert first["next"] == {"data": {"qrLoginStatus": "PENDING"}}
            producer, answer = await asyncio.to_thread(
                post_from_another_worker,
                server,
                subscriber,
                {"query": APPROVE, "variables": {"code": code}},
                token,
            )
            approved = time.monotonic()
            assert answer["data"]["approveQrLogin"] == {
                "__typename": "QrLoginApproved",
                "approved": True,
            }
            assert producer != subscriber
            second = await line()
            arrived = time.monotonic()
            assert second["next"] == {"data": {"qrLoginStatus": "APPROVED"}}
            # Carried by the event (Redis pub/sub), not by the subscription's own re-read.
            assert arrived - shown < BACKSTOP_SECONDS - 0.5, (arrived - shown, approved - shown)
            assert arrived - approved < 1.5
        finally:
            if node.returncode is None:
                node.kill()
            await node.wait()
