"""The agents domain's one door for transports (SPEC §2.3, §2.4, §9): every operation takes
the caller (its account and the enterprise it acts for, if any), settles who manages what
(``bindings.Manager``) and calls the flow that owns the table.

Modules: ``bindings.py`` (the binding flow and its diagram), ``grants.py`` (grants),
``checks.py`` (may this person handle this service), ``units.py`` (the enterprise side),
``directory.py`` (reads and batch loads), ``notices.py`` (SMS to applicants).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tortoise.transactions import in_transaction

from identity_graph.accounts.models import Account
from identity_graph.accounts.password_policy import check_password
from identity_graph.accounts.service import AccountService
from identity_graph.accounts.vault import PersonalData
from identity_graph.agents import check_request, checks
from identity_graph.agents.bindings import MESSAGES as bindings_messages
from identity_graph.agents.bindings import AgentBindings, Manager, Validity
from identity_graph.agents.checks import ServiceChecks, ServiceDecision, Subject, UnitRef
from identity_graph.agents.context import EnterpriseContexts
from identity_graph.agents.directory import AgentDirectory
from identity_graph.agents.grants import MESSAGES as grants_messages
from identity_graph.agents.grants import AgentGrants
from identity_graph.agents.models import AgentBinding, AgentGrant, AgentRole, BindingState
from identity_graph.agents.notices import AgentNotices
from identity_graph.agents.people import AgentPeople, Newcomer
from identity_graph.agents.units import MESSAGES as units_messages
from identity_graph.agents.units import Units, UnitSummary
from identity_graph.clients.catalogue import ServiceCatalogue
from identity_graph.clients.models import OAuthClient
from identity_graph.clients.subjects import Subjects
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.keyset import Window
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.core.validators import clean_text
from identity_graph.notifications.base import Notifier


@dataclass(frozen=True)
class Caller:
    """The authenticated account and the enterprise it has switched into, if any."""

    account: Account
    acting_for: uuid.UUID | None = None


class OperatorFaceProofs(Protocol):
    """The unit's operator passed a face check for managing agents (verification has them)."""

    async def consume(self, check_id: uuid.UUID, account_id: uuid.UUID) -> None: ...


@dataclass(frozen=True)
class Decision:
    approve: bool
    role: AgentRole = AgentRole.AGENT
    validity: Validity | None = None
    reason: str | None = None


class AgentService:
    def __init__(
        self,
        bindings: AgentBindings,
        grants: AgentGrants,
        checks: ServiceChecks,
        directory: AgentDirectory,
        units: Units,
        people: AgentPeople,
        limiter: RateLimiter,
        accounts: AccountService,
        clock: Clock,
        lookups_per_minute: int = 20,
    ) -> None:
        self._clock = clock
        self._accounts = accounts
        self.people = people
        self.bindings = bindings
        self.contexts = EnterpriseContexts(clock, bindings, grants)
        self.grants = grants
        self.checks = checks
        self.directory = directory
        self._units = units
        self._limiter = limiter
        self._lookup_rule = Rule("enterprise_lookup_ip", lookups_per_minute, 60)
        self._faces: OperatorFaceProofs | None = None
        self._reentry_rule = Rule("password_reentry", 5, 900)

    def attach_face_proofs(self, faces: OperatorFaceProofs) -> None:
        """Face checks live in a later layer, built after this service (container.py)."""
        self._faces = faces

    async def add(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        face_check_id: uuid.UUID,
        newcomer: Newcomer,
        role: AgentRole,
        validity: Validity | None,
        initial_password: str | None,
        context: AuditContext,
    ) -> AgentBinding:
        """``addAgent`` (seed 004): the operator's face check first, then the registered
        resident the unit names becomes its agent at once; the face check is spent in the
        binding's transaction, so a refused addition spends nothing."""
        manager = await self.manager(caller, enterprise_id)
        person = await self.people.registered(newcomer, local_date(self._clock))
        password_hash = None
        if initial_password is not None:
            check_password(initial_password, login_name=person.login_name, field="agentPassword")
            password_hash = await self._accounts.hash_password(initial_password)
        if self._faces is None:
            raise RuntimeError("face checks are not attached")
        async with in_transaction():
            await self._faces.consume(face_check_id, manager.actor_id)
            return await self.bindings.add(manager, person, role, validity, password_hash, context)

    async def set_own_password(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID,
        account_password: str,
        new_password: str,
        context: AuditContext,
    ) -> AgentBinding:
        """An agent sets its agent-login password, proving itself with its account password."""
        person = caller.account
        check_password(new_password, login_name=person.login_name, field="newPassword")
        # The same counter as every other password re-entry (accounts/profile.py).
        await self._limiter.enforce(self._reentry_rule, str(person.id))
        if not await self._accounts.verify_password(person, account_password):
            raise ValidationFailed.single("accountPassword", "PASSWORD_WRONG")
        await self._limiter.reset(self._reentry_rule, str(person.id))
        hashed = await self._accounts.hash_password(new_password)
        return await self.bindings.set_password(person.id, enterprise_id, hashed, context)

    async def lookup(self, uscc: str, client_ip: str) -> UnitSummary | None:
        """Public and minimal (masked name, standing), rate-limited per address."""
        await self._limiter.enforce(self._lookup_rule, client_ip)
        return await self._units.lookup(uscc)

    async def manager(self, caller: Caller, enterprise_id: uuid.UUID | None) -> Manager:
        return await self.bindings.manager(caller.account, enterprise_id, caller.acting_for)

    async def apply(
        self, caller: Caller, uscc: str, unit_name: str, note: str | None, context: AuditContext
    ) -> AgentBinding:
        return await self.bindings.apply(caller.account, uscc, unit_name, note, context)

    async def decide(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        application_id: uuid.UUID,
        decision: Decision,
        context: AuditContext,
    ) -> AgentBinding:
        manager = await self.manager(caller, enterprise_id)
        return await self.bindings.decide(
            manager,
            application_id,
            approve=decision.approve,
            role=decision.role,
            validity=decision.validity,
            reason=decision.reason,
            context=context,
        )

    async def update(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        binding_id: uuid.UUID,
        role: AgentRole | None,
        validity: Validity | None,
        context: AuditContext,
    ) -> AgentBinding:
        manager = await self.manager(caller, enterprise_id)
        return await self.bindings.update(
            manager, binding_id, role=role, validity=validity, context=context
        )

    async def remove(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        binding_id: uuid.UUID,
        context: AuditContext,
    ) -> AgentBinding:
        manager = await self.manager(caller, enterprise_id)
        return await self.bindings.remove(manager, binding_id, context)

    async def grant(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        binding_id: uuid.UUID,
        codes: Sequence[str],
        expires_at: datetime | None,
        context: AuditContext,
    ) -> AgentBinding:
        manager = await self.manager(caller, enterprise_id)
        await self.grants.grant(manager, binding_id, codes, expires_at, context)
        return await AgentBinding.get(id=binding_id)

    async def revoke_grant(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        grant_id: int,
        context: AuditContext,
    ) -> AgentGrant:
        manager = await self.manager(caller, enterprise_id)
        return await self.grants.revoke(manager, grant_id, context)

    async def agents_of(
        self,
        caller: Caller,
        enterprise_id: uuid.UUID | None,
        states: Sequence[BindingState],
        window: Window,
    ) -> list[AgentBinding]:
        """``myAgents``: only the legal account and managing agents see them (seed 004)."""
        manager = await self.manager(caller, enterprise_id)
        return await self.directory.of_unit(manager.enterprise_id, states, window)

    async def authorizations_of(
        self,
        caller: Caller,
        states: Sequence[BindingState],
        window: Window,
    ) -> list[AgentBinding]:
        """``myAuthorizations``: the units a person acts (or asked to act) for."""
        return await self.directory.of_person(caller.account.id, states, window)

    async def can_handle_for_person(
        self, caller: Caller, unit: UnitRef, service_code: str
    ) -> ServiceDecision:
        return await self.checks.can_handle(unit, service_code, caller.account.id)

    async def can_handle_for_client(
        self, client: OAuthClient, unit: UnitRef, service_code: str, person: str | None
    ) -> ServiceDecision:
        """A partner asks about the person it knows by ``person`` (its token's ``sub``)."""
        if not person:
            raise ValidationFailed.single("personId", "REQUIRED")
        subject = Subject(clean_text(person, "personId", max_length=128), client)
        return await self.checks.can_handle(
            unit, service_code, subject, for_client=client.id
        )


def build_agent_service(
    clock: Clock,
    accounts: AccountService,
    subjects: Subjects,
    catalogue: ServiceCatalogue,
    notifier: Notifier,
    vault: PersonalData,
    audit: AuditLog,
    limiter: RateLimiter,
) -> AgentService:
    """The domain's objects wired together (called once by the container)."""
    units = Units()
    return AgentService(
        AgentBindings(clock, units, AgentNotices(notifier, vault), audit),
        AgentGrants(clock, catalogue, audit),
        ServiceChecks(clock, catalogue, subjects),
        AgentDirectory(clock),
        units,
        AgentPeople(vault),
        limiter,
        accounts,
        clock,
    )


MESSAGES = {
    **bindings_messages,
    **grants_messages,
    **checks.MESSAGES,
    **check_request.MESSAGES,
    **checks.NEXT_STEP_MESSAGES,
    **units_messages,
}
