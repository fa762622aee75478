"""Reading the audit log for administrators (SPEC §3, §9 ``auditLog``).

Newest first, by row id (append-only, so ids follow time), keyset-paged: a page costs
one indexed query however deep it is. Filters: the account (as subject or as actor), the
event type, a time range.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from identity_graph.core import keyset
from identity_graph.core.audit import AuditEvent
from identity_graph.core.keyset import Window


@dataclass(frozen=True)
class AuditFilter:
    account_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def search(
    audit_filter: AuditFilter,
    limit: int = 20,
    before_id: int | None = None,
    window: Window | None = None,
) -> list[AuditEvent]:
    """Newest first: up to ``limit`` events older than ``before_id`` (the previous page's
    last row), or the events of ``window`` (forwards or backwards)."""
    query = AuditEvent.all()
    if audit_filter.account_id is not None:
        account = audit_filter.account_id
        query = query.filter(Q(subject_id=str(account)) | Q(actor_id=account))
    if audit_filter.action:
        query = query.filter(action=audit_filter.action)
    if audit_filter.since is not None:
        query = query.filter(at__gte=audit_filter.since)
    if audit_filter.until is not None:
        query = query.filter(at__lt=audit_filter.until)
    return await keyset.read(query, window or keyset.forward(limit, before_id), descending=True)
