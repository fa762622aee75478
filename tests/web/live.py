"""Serving ASGI apps on real ports inside the test's event loop.

Everything shares one loop with the test, so the database connections and the container's
test hooks (captcha answers) stay usable; only the HTTP between browser or relying party
and the apps is real.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


def bound_socket() -> socket.socket:
    """A socket on a free loopback port, bound now so that nothing else takes the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serving(apps: Sequence[tuple[Any, socket.socket]]) -> AsyncIterator[None]:
    servers = []
    for app, sock in apps:
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
    for server, _ in servers:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only this flag
            await asyncio.sleep(0.01)
    try:
        yield
    finally:
        for server, task in servers:
            server.should_exit = True
            await task
        for _, sock in apps:
            sock.close()
