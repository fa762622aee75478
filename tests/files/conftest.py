"""A local S3 server for the object-storage backend: moto's server mode, started once per
session on a free port and spoken to over real HTTP by boto3, as a production node speaks to
MinIO or S3. Each test gets its own bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.files.s3_helpers import client
from tests.server_helpers import free_port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    name = f"idg-{uuid.uuid4().hex[:12]}"
    client(s3_endpoint).create_bucket(Bucket=name)
    return name
