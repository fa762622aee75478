"""The account-kind enum, kept apart so that both types and inputs can use it."""

from __future__ import annotations

from enum import Enum

import strawberry

from identity_graph.accounts.enums import AccountKind as DomainAccountKind


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
