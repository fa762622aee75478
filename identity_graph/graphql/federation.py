"""The federation fields at the edge: ``_service`` and ``_entities`` ask
``core/federation.py`` (its docstring holds the flows) before answering."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLSchema

from identity_graph.core.errors import DomainError, RateLimited
from identity_graph.core.federation import GATEWAY_HEADER
from identity_graph.graphql.context import Info


def _header(info: Info) -> str | None:
    return info.context.request.headers.get(GATEWAY_HEADER)


async def admit_entities(info: Info, count: int) -> None:
    """Raise a GraphQL error (bound or rate limit) unless the call may go on."""
    context = info.context
    try:
        await context.services.federation.admit_entities(
            count,
            header=_header(info),
            signed_in=context.viewer is not None or context.partner is not None,
            client_ip=context.client_ip,
        )
    except RateLimited as exc:
        raise GraphQLError(
            context.t(exc.code, **exc.params),
            extensions={"code": exc.code, "retryAfter": exc.retry_after},
        ) from None
    except DomainError as exc:
        raise GraphQLError(
            context.t(exc.code, **exc.params), extensions={"code": exc.code}
        ) from None


def gate_sdl(schema: GraphQLSchema) -> None:
    """Put the SDL check in front of strawberry's ``_service`` resolver."""
    query = schema.query_type
    assert query is not None
    field = query.fields["_service"]
    resolve = field.resolve
    assert resolve is not None

    def gated(root: Any, info: Info, **arguments: Any) -> Any:
        context = info.context
        try:
            context.services.federation.check_sdl(_header(info))
        except DomainError as exc:
            raise GraphQLError(context.t(exc.code), extensions={"code": exc.code}) from None
        return resolve(root, info, **arguments)

    field.resolve = gated
