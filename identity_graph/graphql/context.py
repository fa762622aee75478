"""The typed per-request context: who is calling, in which language, and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from identity_graph.clients.models import OAuthClient
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.i18n import Locale
from identity_graph.graphql.loaders import Loaders
from identity_graph.sessions.viewer import Viewer


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    services: Container
    viewer: Viewer | None
    locale: Locale
    client_ip: str
    # A partner back-end calling with a client-credentials token (no person).
    partner: OAuthClient | None = None
    # What a WebSocket client sent in ``connection_init`` (graphql-transport-ws).
    connection_params: dict[str, object] | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # A new set per request: DataLoader caches must not outlive the request.
        self.loaders = Loaders(self.services)
        if self.viewer is not None and self.viewer.account is not None:
            self.loaders.account_by_id.prime(self.viewer.account_id, self.viewer.account)

    def refresh_loaders(self) -> None:
        """New DataLoaders: a WebSocket context outlives many results (subscriptions)."""
        self.loaders = Loaders(self.services)

    @property
    def audit(self) -> AuditContext:
        return AuditContext(
            actor_id=self.viewer.account_id if self.viewer else None, client_ip=self.client_ip
        )

    def t(self, code: str, **params: Any) -> str:
        """The message for ``code`` in the caller's language."""
        return self.services.translate(code, self.locale, **params)


Info = strawberry.Info[Context, None]
