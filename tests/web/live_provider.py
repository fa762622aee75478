"""Fixtures for tests that drive the provider as an outside client would: the app served
over real HTTP on its own socket, with its public URL and a real-time clock. A test module
imports them by name::

    from tests.web.live_provider import clock, provider, provider_socket, settings  # noqa: F401
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.core.clock import FixedClock
from identity_graph.settings import Settings
from tests.web.live import bound_socket, serving


@pytest.fixture
def clock() -> FixedClock:
    """Outside clients check ``iat``/``exp`` (and make DPoP proofs) on the real clock."""
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def provider_socket() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, provider_socket: socket.socket) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=f"http://127.0.0.1:{provider_socket.getsockname()[1]}",
    )


@pytest_asyncio.fixture
async def provider(container, settings, provider_socket) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, provider_socket)]):
        yield settings.public_url
