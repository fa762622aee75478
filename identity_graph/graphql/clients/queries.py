"""``clients``: the registered partner systems (admin)."""

from __future__ import annotations

import strawberry

from identity_graph.core.errors import ValidationFailed
from identity_graph.graphql.clients.types import OAuthClient
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import (
    After,
    Connection,
    First,
    build_connection,
    decode_int_cursor,
    page_size,
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
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[OAuthClient]:
        try:
            size = page_size(first)
            after_id = decode_int_cursor(_CURSOR, after)
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None
        rows = await info.context.services.clients.page(limit=size + 1, after_id=after_id)
        return build_connection(
            rows, size, _CURSOR, lambda row: row.id, OAuthClient.from_model, after
        )
