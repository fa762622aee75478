"""The read side of agents: a unit's agents (我的经办人), a person's authorisations
(法人(单位)授权办理情况) and batch loads for DataLoaders. Pages are keyset-paged on
(created_at, id), so a page costs one query however deep it is."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from tortoise.expressions import Q

from identity_graph.agents.models import AgentBinding, BindingState
from identity_graph.core.clock import Clock
from identity_graph.core.errors import ValidationFailed

Cursor = tuple[datetime, uuid.UUID]


def binding_cursor(binding: AgentBinding) -> str:
    return f"{binding.created_at.isoformat()}|{binding.id}"


def parse_binding_cursor(text: str | None) -> Cursor | None:
    if text is None:
        return None
    moment, _, key = text.partition("|")
    try:
        return datetime.fromisoformat(moment), uuid.UUID(key)
    except ValueError:
        raise ValidationFailed.single("after", "CURSOR_INVALID") from None


class AgentDirectory:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def of_unit(
        self,
        enterprise_id: uuid.UUID,
        states: Sequence[BindingState],
        limit: int,
        after: Cursor | None,
    ) -> list[AgentBinding]:
        """The unit's agents in the order they came, ``limit`` from ``after``."""
        return await self._page(Q(enterprise_id=enterprise_id), states, limit, after)

    async def of_person(
        self,
        person_id: uuid.UUID,
        states: Sequence[BindingState],
        limit: int,
        after: Cursor | None,
    ) -> list[AgentBinding]:
        return await self._page(Q(person_id=person_id), states, limit, after)

    async def _page(
        self, owner: Q, states: Sequence[BindingState], limit: int, after: Cursor | None
    ) -> list[AgentBinding]:
        query = AgentBinding.filter(owner, state__in=list(states))
        if after is not None:
            moment, key = after
            query = query.filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=key))
        return await query.order_by("created_at", "id").limit(limit)

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        return {row.id: row for row in await AgentBinding.filter(id__in=ids)}

    async def main_agents(self, enterprise_ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        """Batch load: each unit's current main agent (主代办人)."""
        rows = await AgentBinding.filter(
            main_key__in=[str(key) for key in enterprise_ids], state=BindingState.ACTIVE
        )
        return {row.enterprise_id: row for row in rows}  # type: ignore[attr-defined]
