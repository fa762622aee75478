"""Refused OAuth requests go to the audit log (SPEC §7 "each gets the RFC error response,
changes nothing, and is audited"): which endpoint, which client said it was, which error.
Never a secret, code or token."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from identity_graph.container import Container
from identity_graph.core.audit import AuditContext


class Refusals:
    def __init__(self, services: Container) -> None:
        self._services = services

    async def record(
        self, request: Request, endpoint: str, client_id: str | None, response: Response
    ) -> None:
        if response.status_code < 400:
            return
        try:
            error = str(orjson.loads(bytes(response.body)).get("error", "unknown"))[:64]
        except (orjson.JSONDecodeError, AttributeError):
            error = "unknown"
        await self.record_error(request, endpoint, client_id, error)

    async def record_error(
        self, request: Request, endpoint: str, client_id: str | None, error: str
    ) -> None:
        address = self._services.proxies.address_of(request.scope)
        await self._services.audit.record(
            "oauth.refused",
            AuditContext(client_ip=address),
            subject_type="client",
            subject_id=(client_id or "")[:64] or None,
            outcome="refused",
            details={"endpoint": endpoint, "error": error},
        )
