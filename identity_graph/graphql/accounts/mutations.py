"""Registration, credential and profile mutations (SPEC §2, §3). Each calls one service
method; the viewer must be logged in for everything but registration."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from identity_graph.accounts.models import Account as AccountModel
from identity_graph.accounts.password_policy import Strength
from identity_graph.accounts.registration import Registered as DomainRegistered
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.accounts.enums import PasswordStrength
from identity_graph.graphql.accounts.inputs import (
    RegisterEnterpriseInput,
    RegisterNaturalPersonInput,
)
from identity_graph.graphql.accounts.payloads import (
    ChangePasswordResult,
    ChangePhoneResult,
    EnterpriseUpdated,
    NaturalPersonUpdated,
    PasswordChanged,
    PhoneChanged,
    Registered,
    RegisterResult,
    UpdateEnterpriseResult,
    UpdateNaturalPersonResult,
)
from identity_graph.graphql.accounts.profile_inputs import (
    ChangePasswordInput,
    ChangePhoneInput,
    UpdateEnterpriseInput,
    UpdateNaturalPersonInput,
)
from identity_graph.graphql.accounts.types import Account, Enterprise, NaturalPerson
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import confirmable_payload, payload
from identity_graph.sessions.viewer import Viewer


def _viewer(info: Info) -> Viewer:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    return viewer


def _registered(info: Info) -> Any:
    def convert(result: DomainRegistered) -> Registered:
        return Registered(
            account=Account.from_model(result.account, info, owner=True),
            password_strength=PasswordStrength(result.password_strength.value),
        )

    return convert


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Register a resident (自然人注册): identity data, phone proved by an SMS "
        "code, password, pledge. A login name, phone or ID number already in use is refused "
        "with REGISTRATION_CONFLICT; which one is told by SMS to the phone."
    )
    async def register_natural_person(
        self, info: Info, input: RegisterNaturalPersonInput
    ) -> RegisterResult:
        context = info.context
        call = context.services.registration.register_natural_person(
            input.to_domain(), context.audit, context.locale
        )
        return await payload(info, call, _registered(info))

    @strawberry.mutation(
        description="Register an enterprise or other legal person (法人注册): unit data, "
        "legal representative, phone proved by an SMS code, account name, password, pledge."
    )
    async def register_enterprise(
        self, info: Info, input: RegisterEnterpriseInput
    ) -> RegisterResult:
        context = info.context
        call = context.services.registration.register_enterprise(
            input.to_domain(), context.audit, context.locale
        )
        return await payload(info, call, _registered(info))

    @strawberry.mutation(
        description="Change the password (needs the old one). Every other session is logged "
        "out and the reserved phone is told."
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordResult:
        context = info.context

        async def call() -> Strength:
            viewer = _viewer(info)
            return await context.services.profiles.change_password(
                viewer.account_id,
                input.old_password,
                input.new_password,
                keep_session=viewer.session_id,
                context=context.audit,
                locale=context.locale,
            )

        return await payload(
            info,
            call(),
            lambda strength: PasswordChanged(password_strength=PasswordStrength(strength.value)),
        )

    @strawberry.mutation(
        description="Change the reserved phone: the password, and the code sent to the new "
        "number by `requestSmsCode(purpose: CHANGE_PHONE)`. On a verified resident this "
        "answers ConfirmationRequiredError (before the code is used) until "
        "`confirmReverification` is sent; then verification runs again."
    )
    async def change_phone(self, info: Info, input: ChangePhoneInput) -> ChangePhoneResult:
        context = info.context

        async def call() -> AccountModel:
            viewer = _viewer(info)
            return await context.services.reverification.change_phone(
                viewer.account_id,
                input.password,
                input.new_phone,
                input.sms_code,
                input.confirm_reverification,
                context.audit,
                context.locale,
            )

        return await confirmable_payload(
            info, call(), lambda account: PhoneChanged(account=Account.from_model(account, info))
        )

    @strawberry.mutation(
        description="Change a resident's details. Fields left out stay as they are; null "
        "clears one. Identity fields on a verified account answer ConfirmationRequiredError "
        "until `confirmReverification` is sent; then verification runs again."
    )
    async def update_natural_person(
        self, info: Info, input: UpdateNaturalPersonInput
    ) -> UpdateNaturalPersonResult:
        context = info.context

        async def call() -> NaturalPersonUpdated:
            viewer = _viewer(info)
            row = await context.services.reverification.update_natural_person(
                viewer.account_id, input.changes(), input.confirm_reverification, context.audit
            )
            return NaturalPersonUpdated(
                natural_person=NaturalPerson.from_model(info, row),
                account=await _account(info, viewer.account_id),
            )

        return await confirmable_payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Change unit data. Fields left out stay as they are; null clears one. "
        "Name, credit code and legal representative on a verified unit answer "
        "ConfirmationRequiredError until `confirmReverification` is sent."
    )
    async def update_enterprise(
        self, info: Info, input: UpdateEnterpriseInput
    ) -> UpdateEnterpriseResult:
        context = info.context

        async def call() -> EnterpriseUpdated:
            viewer = _viewer(info)
            row = await context.services.reverification.update_enterprise(
                viewer.account_id, input.changes(), input.confirm_reverification, context.audit
            )
            return EnterpriseUpdated(
                enterprise=Enterprise.from_model(info, row),
                account=await _account(info, viewer.account_id),
            )

        return await confirmable_payload(info, call(), lambda result: result)


async def _account(info: Info, account_id: uuid.UUID) -> Account:
    model = await info.context.services.accounts.get_many([account_id])
    return Account.from_model(model[account_id], info)
