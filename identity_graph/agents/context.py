"""The enterprise context of a person acting for a unit (SPEC §7): what partners see in
the ``enterprise`` claim of ID tokens, access tokens and UserInfo (scope ``enterprise``),
computed from the binding and its live grants at the moment of asking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from identity_graph.accounts.models import Enterprise
from identity_graph.agents.bindings import AgentBindings, is_effective
from identity_graph.agents.grants import AgentGrants
from identity_graph.agents.models import AgentBinding
from identity_graph.core.clock import Clock
from identity_graph.core.rows import fetch_by_ids

SCOPE = "enterprise"


@dataclass(frozen=True)
class EnterpriseContext:
    binding_id: uuid.UUID
    person_id: uuid.UUID
    enterprise_id: uuid.UUID
    uscc: str | None
    name: str
    role: str
    services: tuple[str, ...]

    def claim(self) -> dict[str, Any]:
        """The ``enterprise`` claim: who the unit is and what the agent may do for it."""
        return {
            "id": str(self.enterprise_id),
            "uscc": self.uscc,
            "name": self.name,
            "agent_role": self.role,
            "services": list(self.services),
        }


class EnterpriseContexts:
    def __init__(self, clock: Clock, bindings: AgentBindings, grants: AgentGrants) -> None:
        self._clock = clock
        self._bindings = bindings
        self._grants = grants

    async def of_person(
        self, person_id: uuid.UUID, enterprise_id: uuid.UUID
    ) -> EnterpriseContext | None:
        """The context while the person may act for the unit; None once they may not."""
        binding = await self._bindings.acting(person_id, enterprise_id)
        return await self._context(binding) if binding else None

    async def of_binding(self, binding_id: uuid.UUID) -> EnterpriseContext | None:
        """For a token naming its binding (``abid``): alive only while the binding acts."""
        binding = await AgentBinding.get_or_none(id=binding_id)
        if binding is None or not is_effective(binding, self._clock.now()):
            return None
        person_id = binding.person_id  # type: ignore[attr-defined]
        return await self.of_person(person_id, binding.enterprise_id)  # type: ignore[attr-defined]

    async def _context(self, binding: AgentBinding) -> EnterpriseContext:
        (unit,) = await fetch_by_ids(Enterprise, [binding.enterprise_id])  # type: ignore[attr-defined]
        grants = (await self._grants.live_by_binding([binding.id])).get(binding.id, [])
        return EnterpriseContext(
            binding.id,
            binding.person_id,  # type: ignore[attr-defined]
            unit.id,
            unit.uscc,
            unit.name,
            binding.role.value,
            tuple(grant.service.code for grant in grants),
        )
