"""Grants: the services (事项) an enterprise hands to one of its agents (SPEC §2.4; seed 000
§三 授权管理, seed 002 法人(单位)授权办理情况).

```mermaid
stateDiagram-v2
    [*] --> live: grantServices (optional expiry)
    live --> revoked: revokeGrant / the binding is removed or expires
    live --> lapsed: its expiry passes (refused at read time)
```

Handing a service to another agent is revoke + grant. Granting a service the agent already
holds changes only its expiry, so a repeated request is harmless. A grant is only ever made
to a binding that is active and within its validity, and only for a live catalogue service.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from tortoise import connections
from tortoise.transactions import in_transaction

from identity_graph.agents.bindings import Manager, is_effective
from identity_graph.agents.models import AgentBinding, AgentGrant, BindingState
from identity_graph.clients.catalogue import ServiceCatalogue
from identity_graph.clients.models import OAuthClient, ServiceItem
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.rows import Params, columns_of, is_postgres, model_from

MESSAGES = {
    "GRANT_BINDING_NOT_ACTIVE": (
        "该经办人不在有效期内或已被移除，不能授权",
        "This agent is not active (removed or outside its validity); nothing can be granted",
    ),
    "GRANT_NOT_FOUND": ("授权不存在或已撤销", "No such grant, or it was already revoked"),
    "GRANT_EXPIRY_PAST": ("授权到期时间须晚于当前时间", "The grant's expiry must be in the future"),
}


# The live grants of some bindings with their services and partners, one statement (the
# ``(binding_id, revoked_at)`` index, migration 0027); replaces a query-builder filter
# and two prefetches (three round trips).
_LIVE = (
    "SELECT {columns}"
    " FROM agent_grants g"
    " JOIN agent_bindings b ON b.id = g.binding_id"
    " JOIN service_items s ON s.id = g.service_id"
    " JOIN oauth_clients c ON c.id = s.client_id"
    " WHERE g.binding_id {ids} AND g.revoked_at IS NULL AND b.state = {state}"
    " ORDER BY g.id"
)


@cache
def _columns() -> str:
    """Once the ORM is set up (foreign key columns exist only after ``Tortoise.init``)."""
    return ", ".join(
        [
            columns_of(AgentGrant, "g", "g_"),
            columns_of(ServiceItem, "s", "s_"),
            columns_of(OAuthClient, "c", "c_"),
        ]
    )


def grant_key(binding_id: uuid.UUID, service_id: int) -> str:
    return f"{binding_id}:{service_id}"


def is_live(grant: AgentGrant, now: datetime) -> bool:
    return grant.revoked_at is None and (grant.expires_at is None or grant.expires_at > now)


class AgentGrants:
    def __init__(self, clock: Clock, catalogue: ServiceCatalogue, audit: AuditLog) -> None:
        self._clock = clock
        self._catalogue = catalogue
        self._audit = audit

    async def grant(
        self,
        manager: Manager,
        binding_id: uuid.UUID,
        codes: Sequence[str],
        expires_at: datetime | None,
        context: AuditContext,
    ) -> list[AgentGrant]:
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise ValidationFailed.single("expiresAt", "GRANT_EXPIRY_PAST")
        services = await self._catalogue.grantable(codes, "serviceCodes")
        async with in_transaction():
            binding = await AgentBinding.select_for_update().get_or_none(
                id=binding_id, enterprise_id=manager.enterprise_id
            )
            if binding is None or not is_effective(binding, now):
                raise DomainError("GRANT_BINDING_NOT_ACTIVE", "agentId")
            granted = [
                await self._one(binding, service, expires_at, manager, now) for service in services
            ]
            await self._audit.record(
                "agent.granted",
                context,
                subject_type="agent_binding",
                subject_id=str(binding.id),
                details={"services": [service.code for service in services]},
            )
        return granted

    async def _one(
        self,
        binding: AgentBinding,
        service: ServiceItem,
        expires_at: datetime | None,
        manager: Manager,
        now: datetime,
    ) -> AgentGrant:
        key = grant_key(binding.id, service.id)
        existing = await AgentGrant.get_or_none(live_key=key)
        if existing is not None and is_live(existing, now):
            existing.expires_at = expires_at
            await existing.save(update_fields=["expires_at"])
            return existing
        if existing is not None:  # lapsed: retire the old row so the key is free again
            await AgentGrant.filter(id=existing.id).update(live_key=None)
        return await AgentGrant.create(
            binding=binding,
            service=service,
            live_key=key,
            granted_at=now,
            granted_by=manager.actor_id,
            expires_at=expires_at,
        )

    async def revoke(self, manager: Manager, grant_id: int, context: AuditContext) -> AgentGrant:
        now = self._clock.now()
        grant = await AgentGrant.get_or_none(
            id=grant_id, binding__enterprise_id=manager.enterprise_id, revoked_at=None
        ).prefetch_related("service")
        if grant is None:
            raise DomainError("GRANT_NOT_FOUND", "grantId")
        async with in_transaction():
            won = await AgentGrant.filter(id=grant.id, revoked_at=None).update(
                revoked_at=now, revoked_by=manager.actor_id, live_key=None
            )
            if not won:
                raise DomainError("GRANT_NOT_FOUND", "grantId")
            await self._audit.record(
                "agent.grant_revoked",
                context,
                subject_type="agent_binding",
                subject_id=str(grant.binding_id),  # type: ignore[attr-defined]
                details={"service": grant.service.code},
            )
        grant.revoked_at, grant.revoked_by, grant.live_key = now, manager.actor_id, None
        return grant

    async def live_by_binding(
        self, binding_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[AgentGrant]]:
        """Batch load (DataLoader): the live grants of many bindings in one query."""
        found: dict[uuid.UUID, list[AgentGrant]] = defaultdict(list)
        if not binding_ids:
            return found
        now = self._clock.now()
        connection = connections.get("default")
        params = Params(is_postgres(connection))
        sql = _LIVE.format(
            columns=_columns(),
            ids=params.any_of(binding_ids),
            state=params(BindingState.ACTIVE.value),
        )
        partners: dict[int, OAuthClient] = {}
        for row in await connection.execute_query_dict(sql, params.values):
            grant = model_from(AgentGrant, row, "g_")
            service = model_from(ServiceItem, row, "s_")
            if not is_live(grant, now) or service.retired_at is not None:
                continue
            key = service.client_id  # type: ignore[attr-defined]
            service.client = partners.setdefault(key, model_from(OAuthClient, row, "c_"))
            grant.service = service
            found[grant.binding_id].append(grant)  # type: ignore[attr-defined]
        return found
