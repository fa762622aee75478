"""The read side of agents: a unit's agents (我的经办人), a person's authorisations
(法人(单位)授权办理情况) and batch loads for DataLoaders. Pages are keyset-paged on
(created_at, id), so a page costs one query however deep it is; that query is written by
hand (``core/rows.py``), as ``core.keyset.read`` would build it, on the ``(enterprise_id,
state)`` and ``(person_id, state)`` indexes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from tortoise import connections

from identity_graph.agents.models import AgentBinding, BindingState
from identity_graph.core.clock import Clock
from identity_graph.core.keyset import Window
from identity_graph.core.rows import Params, fetch_by_ids, is_postgres

Cursor = tuple[datetime, uuid.UUID]

_PAGE = (
    'SELECT * FROM agent_bindings WHERE "{owner}" = {value} AND state {states}{bounds}'
    " ORDER BY created_at {order}, id {order} LIMIT {limit}"
)
_CREATED = AgentBinding._meta.fields_map["created_at"]


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
        return await self._page("enterprise_id", enterprise_id, states, window)

    async def of_person(
        self,
        person_id: uuid.UUID,
        states: Sequence[BindingState],
        window: Window,
    ) -> list[AgentBinding]:
        return await self._page("person_id", person_id, states, window)

    async def _page(
        self, owner: str, key: uuid.UUID, states: Sequence[BindingState], window: Window
    ) -> list[AgentBinding]:
        """Keyed (created_at, id), forwards or backwards (``core.keyset``'s rules)."""
        if not states:
            return []
        connection = connections.get("default")
        params = Params(is_postgres(connection))
        value = params(key)
        in_states = params.any_of([state.value for state in states])
        bounds = "".join(
            self._beyond(params, bound, op)
            for bound, op in ((window.after, ">"), (window.before, "<"))
            if bound is not None
        )
        sql = _PAGE.format(
            owner=owner,
            value=value,
            states=in_states,
            bounds=bounds,
            order="DESC" if window.backward else "ASC",
            limit=int(window.limit),
        )
        rows = [
            AgentBinding._init_from_db(**row)
            for row in await connection.execute_query_dict(sql, params.values)
        ]
        if window.backward:
            rows.reverse()
        return rows

    @staticmethod
    def _beyond(params: Params, bound: Cursor, op: str) -> str:
        moment, key = bound
        at = _CREATED.to_db_value(moment, AgentBinding)
        first, same, then = params(at), params(at), params(key)
        return f" AND (created_at {op} {first} OR (created_at = {same} AND id {op} {then}))"

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        return {row.id: row for row in await fetch_by_ids(AgentBinding, ids)}

    async def main_agents(self, enterprise_ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentBinding]:
        """Batch load: each unit's current main agent (主代办人)."""
        rows = await AgentBinding.filter(
            main_key__in=[str(key) for key in enterprise_ids], state=BindingState.ACTIVE
        )
        return {row.enterprise_id: row for row in rows}  # type: ignore[attr-defined]
