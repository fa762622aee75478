"""The pinned Node packages of the GraphQL conformance tests (``node_clients/``): the
graphql-http audit and an Apollo gateway, installed by the test run (tests/node_packages.py)."""

from __future__ import annotations

from pathlib import Path

from tests.node_packages import installed

SOURCE = Path(__file__).resolve().parent / "node_clients"


def node_clients() -> Path:
    return installed(SOURCE, "graphql-clients", "graphql-http", ("audit.mjs", "gateway.mjs"))
