"""Per-request DataLoaders: a list of N items costs one query per relation, not N."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from identity_graph.accounts.models import Account
from identity_graph.container import Container
from identity_graph.core.jobs import Job


class Loaders:
    def __init__(self, services: Container) -> None:
        self._services = services
        self.account_by_id: DataLoader[uuid.UUID, Account | None] = DataLoader(self._accounts)
        self.job_by_id: DataLoader[int, Job | None] = DataLoader(self._jobs)

    async def _accounts(self, ids: Sequence[uuid.UUID]) -> list[Account | None]:
        found = await self._services.accounts.get_many(list(ids))
        return [found.get(key) for key in ids]

    async def _jobs(self, ids: Sequence[int]) -> list[Job | None]:
        found = await self._services.jobs.get_many(list(ids))
        return [found.get(key) for key in ids]
