"""Per-request DataLoaders: a list of N items costs one query per relation, not N."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.agents.models import AgentGrant
from identity_graph.agents.people import PersonCard, UnitCard
from identity_graph.container import Container
from identity_graph.core.jobs import Job
from identity_graph.verification.models import VerificationCase

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _by_key(
    fetch: Callable[[list[K]], Awaitable[dict[K, V]]],
) -> DataLoader[K, V | None]:
    async def load(keys: Sequence[K]) -> list[V | None]:
        found = await fetch(list(keys))
        return [found.get(key) for key in keys]

    return DataLoader(load)


class Loaders:
    def __init__(self, services: Container) -> None:
        accounts = services.accounts
        self.account_by_id: DataLoader[uuid.UUID, Account | None] = _by_key(accounts.get_many)
        self.natural_person_by_id: DataLoader[uuid.UUID, NaturalPerson | None] = _by_key(
            accounts.get_natural_persons
        )
        self.enterprise_by_id: DataLoader[uuid.UUID, Enterprise | None] = _by_key(
            accounts.get_enterprises
        )
        self.job_by_id: DataLoader[int, Job | None] = _by_key(services.jobs.get_many)
        agents = services.agents
        self.agent_person: DataLoader[uuid.UUID, PersonCard | None] = _by_key(agents.people.persons)
        self.agent_unit: DataLoader[uuid.UUID, UnitCard | None] = _by_key(agents.people.units)
        self.grants_by_binding: DataLoader[uuid.UUID, list[AgentGrant] | None] = _by_key(
            agents.grants.live_by_binding
        )
        self.verification_case_by_id: DataLoader[uuid.UUID, VerificationCase | None] = _by_key(
            services.verification.get_cases
        )
