"""GraphQL enums of the agents domain; each value carries the manuals' Chinese term."""

from __future__ import annotations

from enum import Enum

import strawberry

from identity_graph.agents import models as domain


@strawberry.enum(description="What an agent may do for the unit (SPEC §2.3).")
class AgentRole(Enum):
    MAIN = strawberry.enum_value(
        domain.AgentRole.MAIN.value,
        description="Main agent (主代办人): one per unit; manages agents like an admin agent.",
    )
    ADMIN = strawberry.enum_value(
        domain.AgentRole.ADMIN.value,
        description="Admin agent (管理经办人): sees and manages the unit's agents and grants.",
    )
    AGENT = strawberry.enum_value(
        domain.AgentRole.AGENT.value,
        description="Agent (经办人): handles the services granted to it, nothing more.",
    )


@strawberry.enum(description="Where an agent binding stands (SPEC §2.3).")
class AgentStatus(Enum):
    PENDING = strawberry.enum_value(
        domain.BindingState.PENDING.value, description="Applied; awaits the unit (待审核)."
    )
    ACTIVE = strawberry.enum_value(
        domain.BindingState.ACTIVE.value, description="Acting for the unit within its validity."
    )
    REJECTED = strawberry.enum_value(
        domain.BindingState.REJECTED.value, description="The unit rejected the application."
    )
    REVOKED = strawberry.enum_value(
        domain.BindingState.REVOKED.value, description="The unit removed the agent."
    )
    EXPIRED = strawberry.enum_value(
        domain.BindingState.EXPIRED.value,
        description="The validity ended, or nobody decided the application in time.",
    )


@strawberry.enum(description="How the binding came about.")
class AgentOrigin(Enum):
    APPLICATION = strawberry.enum_value(
        domain.BindingOrigin.APPLICATION.value,
        description="The person applied (自然人申请法人经办人) and the unit decided.",
    )
    ADDED = strawberry.enum_value(
        domain.BindingOrigin.ADDED.value,
        description="The unit added the person after its operator passed a face check.",
    )


@strawberry.enum(description="The answer of `canHandleService`, one code per reason.")
class ServicePermissionCode(Enum):
    ALLOWED = strawberry.enum_value("ALLOWED", description="May handle the service.")
    NO_PERMISSION_FOR_SERVICE = strawberry.enum_value(
        "NO_PERMISSION_FOR_SERVICE",
        description="An active agent without a live grant of this service (您无权办理该事项).",
    )
    SERVICE_NOT_FOUND = strawberry.enum_value(
        "SERVICE_NOT_FOUND", description="No such service, or it was retired."
    )
    ENTERPRISE_NOT_FOUND = strawberry.enum_value(
        "ENTERPRISE_NOT_FOUND", description="No unit with that id or credit code."
    )
    ENTERPRISE_NOT_ACTIVE = strawberry.enum_value(
        "ENTERPRISE_NOT_ACTIVE", description="The unit is pending activation, locked or disabled."
    )
    ENTERPRISE_NOT_VERIFIED = strawberry.enum_value(
        "ENTERPRISE_NOT_VERIFIED", description="The unit has not passed real-name verification."
    )
    NOT_AN_AGENT = strawberry.enum_value(
        "NOT_AN_AGENT", description="The person does not act for the unit."
    )
    AGENT_PERSON_NOT_VERIFIED = strawberry.enum_value(
        "AGENT_PERSON_NOT_VERIFIED",
        description="The person's own real-name verification is not (or no longer) passed.",
    )
    AGENT_BINDING_PENDING = strawberry.enum_value(
        "AGENT_BINDING_PENDING", description="The application awaits the unit's decision."
    )
    AGENT_BINDING_REVOKED = strawberry.enum_value(
        "AGENT_BINDING_REVOKED", description="The unit removed the agent."
    )
    AGENT_BINDING_EXPIRED = strawberry.enum_value(
        "AGENT_BINDING_EXPIRED", description="The agent's validity is over or has not begun."
    )
