"""Account as an Apollo Federation entity (``@key(fields: "id")``), so other subgraphs can
extend it. Only non-personal fields are exposed here; personal details arrive with their
own permission checks."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry

from identity_graph.accounts.models import Account as AccountModel
from identity_graph.accounts.models import AccountKind as DomainAccountKind
from identity_graph.graphql.context import Info


@strawberry.enum(description="What kind of principal an account is.")
class AccountKind(Enum):
    NATURAL_PERSON = strawberry.enum_value(
        DomainAccountKind.NATURAL_PERSON.value, description="A resident (自然人)."
    )
    ENTERPRISE = strawberry.enum_value(
        DomainAccountKind.ENTERPRISE.value,
        description="An enterprise or other legal person (法人/单位).",
    )
    STAFF = strawberry.enum_value(
        DomainAccountKind.STAFF.value, description="An operator or reviewer of the platform."
    )


@strawberry.federation.type(keys=["id"], description="A login principal of the network.")
class Account:
    id: strawberry.ID = strawberry.field(description="Stable account id (UUID).")
    kind: AccountKind = strawberry.field(description="What kind of principal this is.")

    @classmethod
    def from_model(cls, model: AccountModel) -> Account:
        return cls(id=strawberry.ID(str(model.id)), kind=AccountKind(model.kind.value))

    @classmethod
    async def resolve_reference(cls, info: Info, **keys: Any) -> Account | None:
        try:
            key = uuid.UUID(str(keys["id"]))
        except (KeyError, ValueError):
            return None
        model = await info.context.loaders.account_by_id.load(key)
        return cls.from_model(model) if model else None
