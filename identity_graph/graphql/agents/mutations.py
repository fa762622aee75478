"""Agent mutations (SPEC §9): ``applyForAgent``, ``decideAgentApplication``, ``addAgent``,
``updateAgent``, ``removeAgent``, ``grantServices``, ``revokeGrant``, and the operators'
``registerService`` / ``retireService``. Each is one service call in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from identity_graph.accounts.enums import Role
from identity_graph.agents.bindings import Validity
from identity_graph.agents.models import AgentBinding, AgentGrant, AgentRole
from identity_graph.agents.people import Newcomer
from identity_graph.agents.service import Decision
from identity_graph.clients.models import ServiceItem
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.accounts.enums import IdType
from identity_graph.graphql.agents import enums
from identity_graph.graphql.agents.pages import caller
from identity_graph.graphql.agents.types import (
    Agent,
    AgentResult,
    EnterpriseSwitched,
    GrantRevoked,
    RevokeGrantResult,
    Service,
    ServiceResult,
    SwitchEnterpriseResult,
    parse_id,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import payload
from identity_graph.graphql.input_rules import text
from identity_graph.ids import types as ids


def unit_field() -> Any:
    """``enterpriseId``, shared by every manager's input: the legal account and an agent
    switched into the unit leave it out."""
    return strawberry.field(
        default=None, description="The unit, for a managing agent not switched into it."
    )


@strawberry.input(description="Apply to act for a unit (自然人申请法人经办人, seed 000 §三).")
class ApplyForAgentInput:
    uscc: str = strawberry.field(
        metadata=text(32), description="The unit's unified social credit code."
    )
    enterprise_name: str = strawberry.field(
        metadata=text(100), description="The unit's registered name."
    )
    note: str | None = strawberry.field(
        metadata=text(150),
        default=None,
        description="A note for the unit's reviewer (at most 150 characters).",
    )


@strawberry.input(description="The unit decides one agent application.")
class DecideAgentApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The pending binding's id.")
    approve: bool = strawberry.field(description="Approve (true) or reject (false).")
    role: enums.AgentRole = strawberry.field(
        default=enums.AgentRole.AGENT, description="The role given on approval."
    )
    valid_from: datetime | None = strawberry.field(
        default=None, description="Start of validity on approval (default: now)."
    )
    valid_until: datetime | None = strawberry.field(
        default=None, description="End of validity; required on approval."
    )
    reason: str | None = strawberry.field(
        metadata=text(150),
        default=None,
        description="Why (required to reject; at most 150 characters).",
    )
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(
    description="Add a registered resident as the unit's agent (seed 004 我的经办人 添加), after"
    " the operator passed a face check (`startFaceCheck(purpose: AGENT_ADMIN)`)."
)
class AddAgentInput:
    face_check_id: strawberry.ID = strawberry.field(
        description="The operator's passed AGENT_ADMIN face check (spent by this call)."
    )
    name: str = strawberry.field(metadata=text(50), description="The person's real name.")
    id_type: IdType = strawberry.field(description="The person's document type.")
    id_number: str = strawberry.field(
        metadata=text(40), description="The person's document number."
    )
    phone: str = strawberry.field(
        metadata=text(20), description="The person's reserved mobile number."
    )
    role: enums.AgentRole = strawberry.field(
        default=enums.AgentRole.AGENT, description="The role given."
    )
    valid_from: datetime | None = strawberry.field(
        default=None, description="Start of validity (default: now)."
    )
    valid_until: datetime | None = strawberry.field(
        default=None, description="End of validity (required)."
    )
    agent_password: str | None = strawberry.field(
        metadata=text(256),
        default=None,
        description="An initial password for agent login (经办人登录).",
    )
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(description="Change an agent's role or validity window.")
class UpdateAgentInput:
    agent_id: strawberry.ID = strawberry.field(description="The binding to change.")
    role: enums.AgentRole | None = strawberry.field(
        default=None, description="The new role (the main role only from the legal account)."
    )
    valid_from: datetime | None = strawberry.field(
        default=None, description="New start of validity (with `validUntil`)."
    )
    valid_until: datetime | None = strawberry.field(
        default=None, description="New end of validity."
    )
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(description="Remove an agent; its grants end with it.")
class RemoveAgentInput:
    agent_id: strawberry.ID = strawberry.field(description="The binding to revoke.")
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(description="Grant one or more services to an agent (授权).")
class GrantServicesInput:
    agent_id: strawberry.ID = strawberry.field(description="The active binding.")
    service_codes: list[str] = strawberry.field(
        metadata=text(32), description="Service codes from the catalogue."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the grants lapse (default: until revoked)."
    )
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(description="Revoke one grant (handing a service over is revoke + grant).")
class RevokeGrantInput:
    grant_id: strawberry.ID = strawberry.field(description="The grant (`GrantedService.grantId`).")
    enterprise_id: strawberry.ID | None = unit_field()


@strawberry.input(description="Set your own agent-login password for one unit (经办人中心).")
class SetAgentPasswordInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The unit you act for.")
    account_password: str = strawberry.field(
        metadata=text(256), description="Your own account's password, to prove it is you."
    )
    new_password: str = strawberry.field(
        metadata=text(256),
        description="The new agent password (at least 8 characters, 3 of 4 character classes).",
    )


@strawberry.input(description="Register a service a partner system provides (admin).")
class RegisterServiceInput:
    client_id: str = strawberry.field(
        metadata=text(64), description="The partner system's `client_id`."
    )
    code: str = strawberry.field(
        metadata=text(32), description="The service code, e.g. `000106004000`."
    )
    name: str = strawberry.field(metadata=text(100), description="The service's name.")


def _validity(start: datetime | None, end: datetime | None) -> Validity | None:
    return None if end is None else Validity(start, end)


def _unit(value: strawberry.ID | None) -> object:
    return parse_id(value, "enterpriseId") if value else None


def _grant_id(value: strawberry.ID) -> int:
    from identity_graph.core.errors import ValidationFailed

    if not str(value).isdigit() or not 0 < int(value) < 2**63:
        raise ValidationFailed.single("grantId", "INVALID_FORMAT")
    return int(value)


def _require_admin(info: Info) -> None:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    if not viewer.has_role(Role.ADMIN):
        raise NotAuthorized()


@strawberry.type
class AgentMutations:
    @strawberry.mutation(
        description="Apply to act for a verified unit; its legal account or an admin agent"
        " decides. You must be a real-name-verified natural person."
    )
    async def apply_for_agent(self, info: Info, input: ApplyForAgentInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            return await context.services.agents.apply(
                caller(info), input.uscc, input.enterprise_name, input.note, context.audit
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(
        description="Approve or reject an agent application (经办人审核); the applicant is told"
        " by SMS. Two managers deciding at once: exactly one decision counts."
    )
    async def decide_agent_application(
        self, info: Info, input: DecideAgentApplicationInput
    ) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            decision = Decision(
                approve=input.approve,
                role=AgentRole(str(input.role.value)),
                validity=_validity(input.valid_from, input.valid_until),
                reason=input.reason,
            )
            return await context.services.agents.decide(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                parse_id(input.application_id, "applicationId"),
                decision,
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(
        description="Add an agent directly (managers): the operator's face check first, then"
        " the registered resident named by name, ID and phone is bound at once."
    )
    async def add_agent(self, info: Info, input: AddAgentInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            newcomer = Newcomer(
                input.name, ids.IdType[input.id_type.name], input.id_number, input.phone
            )
            return await context.services.agents.add(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                parse_id(input.face_check_id, "faceCheckId"),
                newcomer,
                AgentRole(str(input.role.value)),
                _validity(input.valid_from, input.valid_until),
                input.agent_password,
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(description="Change an agent's role or validity window (managers).")
    async def update_agent(self, info: Info, input: UpdateAgentInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            return await context.services.agents.update(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                parse_id(input.agent_id, "agentId"),
                AgentRole(str(input.role.value)) if input.role else None,
                _validity(input.valid_from, input.valid_until),
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(description="Remove an agent (managers); its grants end at once.")
    async def remove_agent(self, info: Info, input: RemoveAgentInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            return await context.services.agents.remove(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                parse_id(input.agent_id, "agentId"),
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(
        description="Grant services to an active agent (managers). Granting one it holds only"
        " changes the expiry."
    )
    async def grant_services(self, info: Info, input: GrantServicesInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            return await context.services.agents.grant(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                parse_id(input.agent_id, "agentId"),
                input.service_codes,
                input.expires_at,
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(
        description="Revoke a grant (managers); the next `canHandleService` refuses it."
    )
    async def revoke_grant(self, info: Info, input: RevokeGrantInput) -> RevokeGrantResult:
        context = info.context

        async def call() -> AgentGrant:
            return await context.services.agents.revoke_grant(
                caller(info),
                _unit(input.enterprise_id),  # type: ignore[arg-type]
                _grant_id(input.grant_id),
                context.audit,
            )

        def revoked(grant: AgentGrant) -> GrantRevoked:
            return GrantRevoked(
                grant_id=strawberry.ID(str(grant.id)),
                agent_id=strawberry.ID(str(grant.binding_id)),  # type: ignore[attr-defined]
            )

        return await payload(info, call(), revoked)

    @strawberry.mutation(
        description="Act for a unit you are an active agent of (this login session carries the"
        " unit from now on, checked at every request), or pass null to act as yourself again."
    )
    async def switch_enterprise(
        self,
        info: Info,
        enterprise_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The unit to act for; null to switch back."),
        ],
    ) -> SwitchEnterpriseResult:
        context = info.context

        async def call() -> AgentBinding | None:
            viewer = context.viewer
            if viewer is None:
                raise NotAuthorized("NOT_AUTHENTICATED")
            unit = parse_id(enterprise_id, "enterpriseId") if enterprise_id else None
            return await context.services.sessions.switch_enterprise(viewer, unit, context.audit)

        def switched(binding: AgentBinding | None) -> EnterpriseSwitched:
            return EnterpriseSwitched(agent=Agent.from_model(binding) if binding else None)

        return await payload(info, call(), switched)

    @strawberry.mutation(
        description="Set your agent-login password (经办人登录) for a unit you are an active"
        " agent of; proves you with your account password."
    )
    async def set_agent_password(self, info: Info, input: SetAgentPasswordInput) -> AgentResult:
        context = info.context

        async def call() -> AgentBinding:
            return await context.services.agents.set_own_password(
                caller(info),
                parse_id(input.enterprise_id, "enterpriseId"),
                input.account_password,
                input.new_password,
                context.audit,
            )

        return await payload(info, call(), Agent.from_model)

    @strawberry.mutation(description="Register a service in the catalogue (admin).")
    async def register_service(self, info: Info, input: RegisterServiceInput) -> ServiceResult:
        context = info.context

        async def call() -> ServiceItem:
            _require_admin(info)
            item = await context.services.catalogue.register(
                input.client_id, input.code, input.name, context.audit
            )
            await item.fetch_related("client")
            return item

        return await payload(info, call(), Service.from_model)

    @strawberry.mutation(
        description="Retire a service (admin): it can no longer be granted, and its grants stop"
        " counting."
    )
    async def retire_service(
        self,
        info: Info,
        code: Annotated[
            str, strawberry.argument(description="The service code to retire.", metadata=text(32))
        ],
    ) -> ServiceResult:
        context = info.context

        async def call() -> ServiceItem:
            _require_admin(info)
            item = await context.services.catalogue.retire(code, context.audit)
            await item.fetch_related("client")
            return item

        return await payload(info, call(), Service.from_model)
