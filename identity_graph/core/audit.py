"""The audit log: append-only security events (SPEC §3 "every security event").

Owns table ``audit_events``. Rows are only ever inserted; there is no update or delete
path in the code. ``details`` must never hold personal data in clear: callers pass masked
values or identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from identity_graph.core.batch import WriteBatch
from identity_graph.core.clock import Clock


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    action = fields.CharField(max_length=64, db_index=True)
    actor_id = fields.UUIDField(null=True, db_index=True)
    subject_type = fields.CharField(max_length=32, null=True)
    subject_id = fields.CharField(max_length=64, null=True, db_index=True)
    client_ip = fields.CharField(max_length=64, null=True)
    outcome = fields.CharField(max_length=16, default="success")
    details: Any = fields.JSONField(default=dict)

    class Meta:
        table = "audit_events"


@dataclass(frozen=True)
class AuditContext:
    """Who is acting and from where, carried from the transport into services."""

    actor_id: UUID | None = None
    client_ip: str | None = None


class AuditLog:
    """Writes audit events in the caller's transaction (so a rolled-back change leaves none)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def record(
        self,
        action: str,
        context: AuditContext,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        outcome: str = "success",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        return await AuditEvent.create(
            at=self._clock.now(),
            action=action,
            actor_id=context.actor_id,
            subject_type=subject_type,
            subject_id=subject_id,
            client_ip=context.client_ip,
            outcome=outcome,
            details=dict(details or {}),
        )

    def add(
        self,
        batch: WriteBatch,
        action: str,
        context: AuditContext,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        outcome: str = "success",
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """``record`` as part of a batch of writes (``core/batch.py``): written with them."""
        batch.insert(
            AuditEvent,
            {
                "at": self._clock.now(),
                "action": action,
                "actor_id": context.actor_id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "client_ip": context.client_ip,
                "outcome": outcome,
                "details": dict(details or {}),
            },
        )

    async def recent(self, limit: int = 50, action: str | None = None) -> list[AuditEvent]:
        query = AuditEvent.all()
        if action:
            query = query.filter(action=action)
        return await query.order_by("-id").limit(limit)
