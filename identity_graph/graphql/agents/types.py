"""Agents, grants and permission answers as GraphQL types (SPEC §2.3, §2.4, §9).

Personal data is decrypted and masked by the agents domain (``agents/people.py``); these
types only carry what it returns. Related rows come through DataLoaders, so a page of 100
agents with their people, units and grants costs a fixed number of queries.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from identity_graph.agents.checks import ServiceDecision
from identity_graph.agents.models import AgentBinding, AgentGrant, BindingState
from identity_graph.agents.units import UnitSummary
from identity_graph.clients.models import ServiceItem
from identity_graph.graphql.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.graphql.agents.enums import (
    AgentOrigin,
    AgentRole,
    AgentStatus,
    ServicePermissionCode,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.pagination import Connection


@strawberry.type(description="A service (事项) a partner system provides, e.g. `000106004000`.")
class Service:
    code: str = strawberry.field(description="The service code, unique in the catalogue.")
    name: str = strawberry.field(description="The service's name.")
    client_id: str = strawberry.field(description="The partner system providing it.")
    retired: bool = strawberry.field(description="A retired service can no longer be granted.")

    @classmethod
    def from_model(cls, row: ServiceItem) -> Service:
        return cls(
            code=row.code,
            name=row.name,
            client_id=row.client.client_id,
            retired=row.retired_at is not None,
        )


@strawberry.type(description="One service granted to an agent.")
class GrantedService:
    grant_id: strawberry.ID = strawberry.field(description="Pass to `revokeGrant`.")
    service: Service = strawberry.field(description="The service.")
    granted_at: datetime = strawberry.field(description="When it was granted.")
    expires_at: datetime | None = strawberry.field(
        description="When the grant lapses; null until revoked."
    )

    @classmethod
    def from_model(cls, row: AgentGrant) -> GrantedService:
        return cls(
            grant_id=strawberry.ID(str(row.id)),
            service=Service.from_model(row.service),
            granted_at=row.granted_at,
            expires_at=row.expires_at,
        )


@strawberry.type(description="The natural person behind an agent binding (ID and phone masked).")
class AgentPerson:
    id: strawberry.ID = strawberry.field(description="The person's account id.")
    name: str = strawberry.field(description="Real name.")
    id_number: str = strawberry.field(description="ID number, masked (`1307**********031X`).")
    phone: str | None = strawberry.field(description="Reserved phone, masked (`138****5678`).")
    verification_status: VerificationStatus = strawberry.field(
        description="The person's own real-name status (the main agent's status, seed 002 §4.3)."
    )


@strawberry.type(description="The unit an agent acts for, as its agents and partners see it.")
class AgentUnit:
    id: strawberry.ID = strawberry.field(description="The unit's account id.")
    name: str = strawberry.field(description="Registered unit name.")
    uscc: str | None = strawberry.field(description="Unified social credit code.")
    legal_representative: str = strawberry.field(
        description="Legal representative's name, masked (王*明)."
    )
    status: AccountStatus = strawberry.field(description="Whether the unit's account is usable.")
    verification_status: VerificationStatus = strawberry.field(
        description="The unit's real-name status; unverified units cannot be acted for."
    )


@strawberry.type(description="A natural person's binding to a unit (经办人), with its grants.")
class Agent:
    binding: strawberry.Private[AgentBinding]
    id: strawberry.ID = strawberry.field(description="The binding id (`agentId` elsewhere).")
    role: AgentRole = strawberry.field(description="Main agent, admin agent or agent.")
    status: AgentStatus = strawberry.field(description="Where the binding stands.")
    origin: AgentOrigin = strawberry.field(description="Applied for, or added by the unit.")
    applied_at: datetime = strawberry.field(description="When the binding was created.")
    valid_from: datetime | None = strawberry.field(description="Start of validity.")
    valid_until: datetime | None = strawberry.field(
        description="End of validity (null while an application awaits its decision)."
    )
    decision_due_at: datetime | None = strawberry.field(
        description="A pending application expires undecided at this time."
    )
    decided_at: datetime | None = strawberry.field(description="When the unit decided.")
    reason: str | None = strawberry.field(description="The unit's reason (e.g. for a rejection).")
    note: str | None = strawberry.field(description="The applicant's note.")
    has_agent_password: bool = strawberry.field(
        description="Whether an agent password for agent login (经办人登录) is set."
    )

    @strawberry.field(description="The person acting.")
    async def person(self, info: Info) -> AgentPerson:
        card = await info.context.loaders.agent_person.load(self.binding.person_id)  # type: ignore[attr-defined]
        assert card is not None
        return AgentPerson(
            id=strawberry.ID(str(card.account_id)),
            name=card.name,
            id_number=card.id_number,
            phone=card.phone,
            verification_status=VerificationStatus(card.verification_status.value),
        )

    @strawberry.field(description="The unit acted for.")
    async def enterprise(self, info: Info) -> AgentUnit:
        card = await info.context.loaders.agent_unit.load(self.binding.enterprise_id)  # type: ignore[attr-defined]
        assert card is not None
        return AgentUnit(
            id=strawberry.ID(str(card.account_id)),
            name=card.name,
            uscc=card.uscc,
            legal_representative=card.legal_representative,
            status=AccountStatus(card.status.value),
            verification_status=VerificationStatus(card.verification_status.value),
        )

    @strawberry.field(description="The services granted and still live (单位授权的事项).")
    async def services(self, info: Info) -> list[GrantedService]:
        grants = await info.context.loaders.grants_by_binding.load(self.binding.id)
        return [GrantedService.from_model(grant) for grant in grants or []]

    @classmethod
    def from_model(cls, row: AgentBinding) -> Agent:
        pending = row.state is BindingState.PENDING
        return cls(
            binding=row,
            id=strawberry.ID(str(row.id)),
            role=AgentRole(row.role.value),
            status=AgentStatus(row.state.value),
            origin=AgentOrigin(row.origin.value),
            applied_at=row.created_at,
            valid_from=None if pending else row.valid_from,
            valid_until=None if pending else row.expires_at,
            decision_due_at=row.expires_at if pending else None,
            decided_at=row.decided_at,
            reason=row.reason,
            note=row.applicant_note,
            has_agent_password=row.password_hash is not None,
        )


@strawberry.type(description="What anyone may learn from a credit code (enterpriseLookup).")
class EnterpriseLookupResult:
    uscc: str = strawberry.field(description="The normalised credit code.")
    masked_name: str = strawberry.field(description="The unit's name, masked (北京******公司).")
    status: AccountStatus = strawberry.field(description="Whether the unit's account is usable.")
    verification_status: VerificationStatus = strawberry.field(
        description="The unit's real-name status: only verified units take agents."
    )

    @classmethod
    def from_summary(cls, summary: UnitSummary) -> EnterpriseLookupResult:
        return cls(
            uscc=summary.uscc,
            masked_name=summary.masked_name,
            status=AccountStatus(summary.status.value),
            verification_status=VerificationStatus(summary.verification_status.value),
        )


@strawberry.type(description="May this person handle this service for this unit?")
class ServicePermission:
    allowed: bool = strawberry.field(description="True only for `ALLOWED`.")
    code: ServicePermissionCode = strawberry.field(description="Why (stable code).")
    message: str = strawberry.field(description="The reason in the caller's language.")
    next_step: str = strawberry.field(description="What to do about it, in the caller's language.")
    enterprise_id: strawberry.ID | None = strawberry.field(description="The unit checked.")
    service_code: str | None = strawberry.field(description="The service checked.")
    agent_role: AgentRole | None = strawberry.field(description="The person's role, if an agent.")
    valid_until: datetime | None = strawberry.field(
        description="When the agent's validity ends, if an agent."
    )
    grant_expires_at: datetime | None = strawberry.field(
        description="When the grant lapses, if allowed and the grant has an expiry."
    )

    @classmethod
    def from_decision(cls, info: Info, decision: ServiceDecision) -> ServicePermission:
        unit = decision.enterprise_id
        return cls(
            allowed=decision.allowed,
            code=ServicePermissionCode(decision.code),
            message=info.context.t(decision.code),
            next_step=info.context.t(decision.next_step),
            enterprise_id=strawberry.ID(str(unit)) if unit else None,
            service_code=decision.service_code,
            agent_role=AgentRole(decision.role.value) if decision.role else None,
            valid_until=decision.valid_until,
            grant_expires_at=decision.grant_expires_at,
        )


@strawberry.type(description="The grant was revoked.")
class GrantRevoked:
    grant_id: strawberry.ID = strawberry.field(description="The revoked grant.")
    agent_id: strawberry.ID = strawberry.field(description="The binding it belonged to.")


@strawberry.type(description="The session now acts for the unit of `agent`, or for yourself.")
class EnterpriseSwitched:
    agent: Agent | None = strawberry.field(
        description="The binding acted under; null after switching back to yourself."
    )


AgentConnection = Connection[Agent]
ServiceConnection = Connection[Service]

_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
AgentResult = Annotated[
    Agent | _ERRORS, strawberry.union("AgentResult", description="The agent, or why not.")
]
RevokeGrantResult = Annotated[
    GrantRevoked | _ERRORS,
    strawberry.union("RevokeGrantResult", description="Revoked, or why not."),
]
SwitchEnterpriseResult = Annotated[
    EnterpriseSwitched | _ERRORS,
    strawberry.union("SwitchEnterpriseResult", description="Switched, or why not."),
]
ServiceResult = Annotated[
    Service | _ERRORS, strawberry.union("ServiceResult", description="The service, or why not.")
]


def parse_id(value: str, field: str) -> uuid.UUID:
    """A binding id from the API; a malformed one is a field error, never a 500."""
    from identity_graph.core.errors import ValidationFailed

    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed.single(field, "INVALID_FORMAT") from None
