"""identity_graph as one subgraph of an Apollo gateway (Node, @apollo/gateway and
@apollo/subgraph pinned) beside two small subgraphs the test starts: composition succeeds
with introspection off (the gateway sends the shared secret), a query spanning all three
subgraphs works anonymously and with the person's token, and references the other subgraph
makes up (not a UUID, unknown, far too long) come back as null authors without breaking the
answer. A gateway without the secret cannot read the SDL, so it cannot compose."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import login, register_person
from tests.graphql.node_clients_helper import node_clients
from tests.web.live import bound_socket, serving, url_of

SECRET = "gateway-secret-0123456789abcdef"
STARTUP_SECONDS = 90.0


@pytest.fixture
def server_socket() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        graphql_introspection=False,
        graphql_gateway_secret=SECRET,
    )


@pytest_asyncio.fixture
async def subgraph(container, settings, server_socket) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, server_socket)]):
        yield url_of(server_socket) + "/graphql"


async def started_gateway(
    subgraph: str, authors: list[str], secret: str = SECRET
) -> tuple[asyncio.subprocess.Process, str]:
    folder = await asyncio.to_thread(node_clients)
    process = await asyncio.create_subprocess_exec(
        "node",
        "gateway.mjs",
        subgraph,
        cwd=folder,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GATEWAY_SECRET": secret,
            "NOTE_AUTHORS": json.dumps(authors),
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )

    async def ready() -> str:
        assert process.stdout is not None and process.stderr is not None
        while line := await process.stdout.readline():
            if line.startswith(b'{"gateway"'):
                return str(json.loads(line)["gateway"])
        error = (await process.stderr.read()).decode()
        await process.wait()
        raise AssertionError(error)

    return process, await asyncio.wait_for(ready(), STARTUP_SECONDS)


async def stop(process: asyncio.subprocess.Process) -> None:
    assert process.stdin is not None
    process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()


async def test_the_gateway_composes_and_spans_subgraphs(subgraph, gql, hooks, container):
    account_id = (await register_person(gql, hooks, container))["account"]["id"]
    token = (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]
    made_up = ["not-a-uuid", str(uuid.uuid4()), "9" * 5000]
    process, gateway = await started_gateway(subgraph, [account_id, *made_up, account_id])
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            notes = await http.post(
                gateway, json={"query": "{ notes { text author { id kind badges } } }"}
            )
            assert notes.status_code == 200, notes.text
            body = notes.json()
            assert body.get("data"), body
            mine = {
                "id": account_id,
                "kind": "NATURAL_PERSON",
                "badges": [f"badge-{account_id[:4]}"],
            }
            authors = [note["author"] for note in body["data"]["notes"]]
            assert authors[0] == mine and authors[-1] == mine, body
            assert authors[1:-1] == [None, None, None], body
            me = await http.post(
                gateway,
                json={"query": "{ me { id loginName badges } }"},
                headers={"authorization": f"Bearer {token}"},
            )
            assert me.json() == {
                "data": {
                    "me": {
                        "id": account_id,
                        "loginName": "zhangsan",
                        "badges": [f"badge-{account_id[:4]}"],
                    }
                }
            }
    finally:
        await stop(process)


async def test_a_gateway_without_the_secret_cannot_compose(subgraph):
    with pytest.raises(AssertionError) as refused:
        process, _ = await started_gateway(subgraph, [], secret="not-the-secret")
        await stop(process)
    assert "SDL_NOT_AVAILABLE" in str(refused.value) or "子图架构仅对网关开放" in str(refused.value)
