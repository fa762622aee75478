"""Agent pages shared by the root queries and the federation entities' fields: one place
that resolves the caller, the cursor and the page size."""

from __future__ import annotations

import uuid

from identity_graph.agents.directory import binding_cursor, parse_binding_cursor
from identity_graph.agents.models import BindingState
from identity_graph.agents.service import Caller
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.agents.types import Agent, AgentConnection
from identity_graph.graphql.context import Info
from identity_graph.graphql.pagination import build_connection, decode_text_cursor, page_size

LIVE = (BindingState.PENDING, BindingState.ACTIVE)


def caller(info: Info) -> Caller:
    viewer = info.context.viewer
    if viewer is None or viewer.account is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    return Caller(viewer.account, viewer.acting_enterprise_id)


async def unit_page(
    info: Info,
    enterprise_id: uuid.UUID | None,
    states: tuple[BindingState, ...] | list[BindingState],
    first: int,
    after: str | None,
) -> AgentConnection:
    """A unit's agents for its managers (NotAuthorized for anyone else)."""
    size = page_size(first)
    rows = await info.context.services.agents.agents_of(
        caller(info),
        enterprise_id,
        states,
        size + 1,
        parse_binding_cursor(decode_text_cursor("agent", after)),
    )
    return build_connection(rows, size, "agent", binding_cursor, Agent.from_model, after)


async def agent_page(
    info: Info, enterprise_id: uuid.UUID, first: int, after: str | None
) -> AgentConnection | None:
    """``Enterprise.agents``: null, not an error, for a caller who may not see them."""
    if info.context.viewer is None:
        return None
    try:
        return await unit_page(info, enterprise_id, LIVE, first, after)
    except NotAuthorized:
        return None


async def person_bindings_page(
    info: Info,
    first: int,
    after: str | None,
    states: tuple[BindingState, ...] | list[BindingState] = LIVE,
) -> AgentConnection:
    size = page_size(first)
    rows = await info.context.services.agents.authorizations_of(
        caller(info), states, size + 1, parse_binding_cursor(decode_text_cursor("agent", after))
    )
    return build_connection(rows, size, "agent", binding_cursor, Agent.from_model, after)
