"""Agent pages shared by the root queries and the federation entities' fields: one place
that resolves the caller, the paging arguments (both ways, keyed (created_at, id)) and the
page."""

from __future__ import annotations

import uuid

from identity_graph.agents.directory import binding_cursor, binding_key
from identity_graph.agents.models import BindingState
from identity_graph.agents.service import Caller
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.agents.types import Agent, AgentConnection
from identity_graph.graphql.context import Info
from identity_graph.graphql.pagination import Paging

LIVE = (BindingState.PENDING, BindingState.ACTIVE)


def caller(info: Info) -> Caller:
    viewer = info.context.viewer
    if viewer is None or viewer.account is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    return Caller(viewer.account, viewer.acting_enterprise_id)


def paging(first: int | None, after: str | None, last: int | None, before: str | None) -> Paging:
    """Raises ``ValidationFailed`` for a bad size or cursor."""
    return Paging.of("agent", first=first, after=after, last=last, before=before, parse=binding_key)


async def unit_page(
    info: Info,
    enterprise_id: uuid.UUID | None,
    states: tuple[BindingState, ...] | list[BindingState],
    page: Paging,
) -> AgentConnection:
    """A unit's agents for its managers (NotAuthorized for anyone else)."""
    rows = await info.context.services.agents.agents_of(
        caller(info), enterprise_id, states, page.window
    )
    return page.connection(rows, binding_cursor, Agent.from_model)


async def agent_page(info: Info, enterprise_id: uuid.UUID, page: Paging) -> AgentConnection | None:
    """``Enterprise.agents``: null, not an error, for a caller who may not see them."""
    if info.context.viewer is None:
        return None
    try:
        return await unit_page(info, enterprise_id, LIVE, page)
    except NotAuthorized:
        return None


async def person_bindings_page(
    info: Info,
    page: Paging,
    states: tuple[BindingState, ...] | list[BindingState] = LIVE,
) -> AgentConnection:
    rows = await info.context.services.agents.authorizations_of(caller(info), states, page.window)
    return page.connection(rows, binding_cursor, Agent.from_model)
