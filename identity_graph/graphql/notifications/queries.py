"""The admin ``outbox`` query: what the service sent, newest first."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity_graph.core.errors import DomainError
from identity_graph.core.validators import normalize_mobile
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.notifications.types import Channel, DeliveryStatus, OutboxMessage
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAdmin
from identity_graph.notifications.service import MessageView


def _node(view: MessageView) -> OutboxMessage:
    return OutboxMessage(
        id=strawberry.ID(str(view.id)),
        channel=Channel(view.channel.value),
        template=view.template,
        destination=view.destination,
        text=view.text,
        status=DeliveryStatus(view.status.value),
        created_at=view.created_at,
        delivered_at=view.delivered_at,
        job_id=view.job_id,
    )


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Admin: SMS and e-mail recorded in the outbox, newest first, optionally "
        "only those sent to one phone number.",
    )
    async def outbox(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        phone: Annotated[
            str | None,
            strawberry.argument(description="Only messages to this number.", metadata=text(32)),
        ] = None,
    ) -> Connection[OutboxMessage]:
        try:
            paging = Paging.of("outbox", first=first, after=after, last=last, before=before)
            destination = normalize_mobile(phone, "phone") if phone else None
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        views = await info.context.services.notifier.list_messages(
            destination=destination, window=paging.window
        )
        return paging.connection(views, lambda view: view.id, _node)
