"""``clients``: the registered partner systems (admin)."""

from __future__ import annotations

import strawberry

from identity_graph.core.errors import ValidationFailed
from identity_graph.graphql.clients.types import OAuthClient
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAdmin

_CURSOR = "client"


@strawberry.type
class ClientQueries:
    @strawberry.field(
        description="Registered partner systems, oldest first (admin).",
        permission_classes=[IsAdmin],
    )
    async def clients(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OAuthClient]:
        try:
            paging = Paging.of(_CURSOR, first=first, after=after, last=last, before=before)
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None
        rows = await info.context.services.clients.page(paging.window)
        return paging.connection(rows, lambda row: row.id, OAuthClient.from_model)
