"""``auditLog`` (admin): the security events the service writes, as a Relay connection."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from identity_graph.core.audit import AuditEvent
from identity_graph.core.audit_search import AuditFilter, search
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAdmin

_CURSOR = "audit"


@strawberry.type(description="One detail of an audit event (never personal data in clear).")
class AuditDetail:
    name: str = strawberry.field(description="The detail's name, e.g. `reason`.")
    value: str = strawberry.field(description="Its value; non-text values as JSON.")


@strawberry.type(description="One security event (login, reset, change, decision, admin action).")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Row id; grows with time.")
    at: datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(description="Event type, e.g. `account.password_reset`.")
    actor_id: strawberry.ID | None = strawberry.field(description="Who acted, if known.")
    subject_type: str | None = strawberry.field(description="What it is about, e.g. `account`.")
    subject_id: str | None = strawberry.field(description="The id of what it is about.")
    client_ip: str | None = strawberry.field(description="The client's address.")
    outcome: str = strawberry.field(description="`success`, `failure`, `refused`, `no_match`…")
    details: list[AuditDetail] = strawberry.field(description="Further details.")

    @classmethod
    def from_model(cls, row: AuditEvent) -> AuditEntry:
        details = row.details if isinstance(row.details, dict) else {}
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            action=row.action,
            actor_id=strawberry.ID(str(row.actor_id)) if row.actor_id else None,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            client_ip=row.client_ip,
            outcome=row.outcome,
            details=[
                AuditDetail(
                    name=str(name),
                    value=value if isinstance(value, str) else json.dumps(value, sort_keys=True),
                )
                for name, value in sorted(details.items())
            ],
        )


AccountFilter = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only events about or by this account.", metadata=text(64)),
]
ActionFilter = Annotated[
    str | None,
    strawberry.argument(
        description="Only this event type, e.g. `login.password`.", metadata=text(64)
    ),
]
Since = Annotated[
    datetime | None, strawberry.argument(description="Only events at or after this moment.")
]
Until = Annotated[datetime | None, strawberry.argument(description="Only events before this.")]


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log, newest first (admin). Filter by account, event type and "
        "time range; page with `first`/`after` (or backwards with `last`/`before`).",
        permission_classes=[IsAdmin],
    )
    async def audit_log(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        account_id: AccountFilter = None,
        action: ActionFilter = None,
        since: Since = None,
        until: Until = None,
    ) -> Connection[AuditEntry]:
        try:
            paging = Paging.of(_CURSOR, first=first, after=after, last=last, before=before)
            audit_filter = AuditFilter(_account(account_id), action, since, until)
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        rows = await search(audit_filter, window=paging.window)
        return paging.connection(rows, lambda row: row.id, AuditEntry.from_model)


def _account(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed.single("accountId", "INVALID_FORMAT") from None
