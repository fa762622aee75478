"""Success types and result unions of the account mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity_graph.graphql.accounts.enums import PasswordStrength
from identity_graph.graphql.accounts.types import Account, Enterprise, NaturalPerson
from identity_graph.graphql.errors import (
    ConfirmationRequiredError,
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)


@strawberry.type(description="The account exists and is at the phone-verified level; log in.")
class Registered:
    account: Account = strawberry.field(description="The new account.")
    password_strength: PasswordStrength = strawberry.field(description="The meter reading.")


@strawberry.type(description="The password was changed; every other session was logged out.")
class PasswordChanged:
    password_strength: PasswordStrength = strawberry.field(description="The meter reading.")


@strawberry.type(description="The reserved phone was changed; the old number was told.")
class PhoneChanged:
    account: Account = strawberry.field(description="The account, with its new masked phone.")


@strawberry.type(description="The resident's details were saved and an info update recorded.")
class NaturalPersonUpdated:
    natural_person: NaturalPerson = strawberry.field(description="The details as saved.")
    account: Account = strawberry.field(description="The account (for the e-mail).")


@strawberry.type(description="The unit's details were saved and an info update recorded.")
class EnterpriseUpdated:
    enterprise: Enterprise = strawberry.field(description="The unit as saved.")
    account: Account = strawberry.field(description="The account (for the e-mail).")


@strawberry.type(description="The current truthfulness pledge (承诺书).")
class RegistrationPledge:
    version: str = strawberry.field(description="Send as `pledgeVersion` when registering.")
    text: str = strawberry.field(description="The text, in the caller's language.")


@strawberry.type(description="One changed field, with masked old and new values.")
class FieldChange:
    field: str = strawberry.field(description="Input field name, e.g. `address`.")
    old_value: str | None = strawberry.field(description="Before (masked where personal).")
    new_value: str | None = strawberry.field(description="After (masked where personal).")


@strawberry.type(description="One profile change (信息更新记录).")
class InfoUpdateRecord:
    changed_at: datetime = strawberry.field(description="When.")
    actor_id: strawberry.ID | None = strawberry.field(description="Who (account id).")
    changes: list[FieldChange] = strawberry.field(description="What changed.")
    reverification: bool = strawberry.field(
        description="Whether the change re-ran real-name verification."
    )


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused

RegisterResult = Annotated[
    Registered | _ERRORS,
    strawberry.union("RegisterResult", description="The new account, or why not."),
]
ChangePasswordResult = Annotated[
    PasswordChanged | _ERRORS,
    strawberry.union("ChangePasswordResult", description="Changed, or why not."),
]
ChangePhoneResult = Annotated[
    PhoneChanged | _ERRORS | ConfirmationRequiredError,
    strawberry.union("ChangePhoneResult", description="Changed, or why not."),
]
UpdateNaturalPersonResult = Annotated[
    NaturalPersonUpdated | _ERRORS | ConfirmationRequiredError,
    strawberry.union("UpdateNaturalPersonResult", description="Saved, or why not."),
]
UpdateEnterpriseResult = Annotated[
    EnterpriseUpdated | _ERRORS | ConfirmationRequiredError,
    strawberry.union("UpdateEnterpriseResult", description="Saved, or why not."),
]
