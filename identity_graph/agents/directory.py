"""The read side of agents: a unit's agents (我的经办人), a person's authorisations
(法人(单位)授权办理情况) and batch loads for DataLoaders. Pages are keyset-paged on
(created_at, id), so a page costs one query however deep it is."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from tortoise.expressions import Q

from identity_graph.agents.models import AgentBinding, BindingState
from identity_graph.core import keyset
from identity_graph.core.clock import Clock
from identity_graph.core.keyset import Window

Cursor = tuple[datetime, uuid.UUID]


def binding_cursor(binding: AgentBinding) -> str:
    return f"{binding.created_at.isoformat()}|{binding.id}"


def binding_key(text: str) -> Cursor:
    """The key in a cursor made by ``binding_cursor``; ``ValueError`` if it is not one."""
    moment, _, key = text.partition("|")
    return datetime.fromisoformat(moment), uuid.UUID(key)


class AgentDirectory:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def of_unit(
        self,
        enterprise_id: uuid.UUID,
        states: Sequence[BindingState],
        window: Window,
    ) -> list[AgentBinding]:
        """The unit's agents in the order they came: the rows in ``window``."""
        return await self._page(Q(enterprise_id=enterprise_id), states, window)

    async def of_person(
        self,
        person_id: uuid.UUID,
        states: Sequence[BindingState],
        window: Window,
    ) -> list[AgentBinding]:
        return await self._page(Q(person_id=person_id), states, window)

    async def _page(
        self, owner: Q, states: Sequence[BindingState], window: Window
    ) -> list[AgentBinding]:
        """Keyed (created_at, id), forwards or backwards (``core.keyset``)."""
        query = AgentBinding.filter(owner, state__in=list(states))
        return await keyset.read(query, window, key=("created_at", "id"))

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        return {row.id: row for row in await AgentBinding.filter(id__in=ids)}

    async def main_agents(self, enterprise_ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        """Batch load: each unit's current main agent (主代办人)."""
        rows = await AgentBinding.filter(
            main_key__in=[str(key) for key in enterprise_ids], state=BindingState.ACTIVE
        )
        return {row.enterprise_id: row for row in rows}  # type: ignore[attr-defined]
