"""The authenticated caller as transports see it. Designed to grow an acting-for context
(an agent switched into an enterprise) without changing its shape for existing callers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from identity_graph.accounts.models import Account, AccountKind, Role


@dataclass(frozen=True)
class Viewer:
    account_id: uuid.UUID
    kind: AccountKind
    login_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    acting_enterprise_id: uuid.UUID | None = None
    credential: str = "session"
    session_id: uuid.UUID | None = None
    # The row the credential was checked against, so resolvers need not load it again.
    account: Account | None = field(default=None, compare=False, repr=False)

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles
