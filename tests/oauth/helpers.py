"""Registering clients for OAuth tests."""

from __future__ import annotations

import base64
from typing import Any

from identity_graph.clients.service import ClientRegistration, RegisteredClient
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext


async def backend_client(container: Container, **overrides: Any) -> RegisteredClient:
    """A confidential partner back-end allowed the client_credentials grant."""
    values: dict[str, Any] = {
        "name": "社保业务系统",
        "grant_types": ["client_credentials"],
        "scopes": ["openid", "profile", "identity"],
    }
    values.update(overrides)
    return await container.clients.register(ClientRegistration(**values), AuditContext())


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}
