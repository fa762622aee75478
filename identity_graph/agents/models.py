"""Owns tables ``agent_bindings`` and ``agent_grants`` (SPEC §2.3, §2.4).

A binding ties a registered, real-name-verified natural person to an enterprise with a role
and a validity window; a grant hands one catalogue service (``service_items``) to one
binding. Both keep their history: a rejected, revoked or expired binding and a revoked grant
stay as rows, so "who could act for whom, when" can always be answered.

Uniqueness that must hold under concurrency is kept by the database, not by a read before
the write: ``live_key`` (``enterprise:person`` while a binding is pending or active;
``binding:service`` while a grant is live) and ``main_key`` (the enterprise while its main
agent's binding is live) are unique columns set to NULL when the row stops being live,
which both SQLite and PostgreSQL allow any number of times.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.core.flow import FlowModel


class AgentRole(StrEnum):
    MAIN = "main"  # 主代办人: one per unit at a time; manages like an admin agent
    ADMIN = "admin"  # 管理经办人: sees and manages the unit's agents and grants
    AGENT = "agent"  # 经办人: acts within the services granted to it

    @property
    def manages(self) -> bool:
        return self is not AgentRole.AGENT


class BindingState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def is_live(self) -> bool:
        return self in (BindingState.PENDING, BindingState.ACTIVE)


class BindingOrigin(StrEnum):
    APPLICATION = "application"  # the person applied (自然人申请法人经办人)
    ADDED = "added"  # the enterprise added the person after a face check


class AgentBinding(FlowModel):
    """``expires_at``: the decision deadline while PENDING, the end of validity once ACTIVE."""

    id = fields.UUIDField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Account", related_name="agent_bindings_as_unit", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Account", related_name="agent_bindings", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(AgentRole, max_length=8)
    state = fields.CharEnumField(BindingState, max_length=12)
    origin = fields.CharEnumField(BindingOrigin, max_length=12)
    valid_from = fields.DatetimeField(null=True)
    live_key = fields.CharField(max_length=80, unique=True, null=True)
    main_key = fields.CharField(max_length=40, unique=True, null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    applicant_note = fields.CharField(max_length=150, null=True)
    decided_by = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)
    reason = fields.CharField(max_length=150, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "agent_bindings"
        indexes = (("enterprise_id", "state"), ("person_id", "state"))


class AgentGrant(Model):
    """One service granted to one binding, until ``expires_at`` or revocation."""

    id = fields.BigIntField(primary_key=True)
    binding: fields.ForeignKeyRelation[AgentBinding] = fields.ForeignKeyField(
        "models.AgentBinding", related_name="grants", on_delete=fields.CASCADE
    )
    service: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="grants", on_delete=fields.CASCADE
    )
    live_key = fields.CharField(max_length=80, unique=True, null=True)
    granted_at = fields.DatetimeField()
    granted_by = fields.UUIDField(null=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.UUIDField(null=True)

    class Meta:
        table = "agent_grants"
        # A binding's live grants (``live_by_binding``, ``end_grants``): without it, a seq
        # scan of the whole table at every enterprise context (bench/scale_lookups.py).
        indexes = (("binding_id", "revoked_at"),)
