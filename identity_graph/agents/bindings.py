"""Agent bindings: a verified natural person acting for an enterprise (SPEC §2.3; seed 000
§三 自然人申请法人经办人, seed 004 §四 我的经办人, seed 002 §4.3 主代办人).

Two ways in: the person applies and the enterprise decides, or the enterprise adds the
person directly after its operator passed a face check. Either way the binding carries a
role and a validity window the enterprise sets.

```mermaid
stateDiagram-v2
    [*] --> PENDING: applyForAgent (decision due within 30 days)
    [*] --> ACTIVE: addAgent (operator passed a face check)
    PENDING --> ACTIVE: decideAgentApplication approve (role, validity)
    PENDING --> REJECTED: decideAgentApplication reject (reason; SMS to the applicant)
    PENDING --> EXPIRED: nobody decided in time
    ACTIVE --> REVOKED: removeAgent (its grants end with it)
    ACTIVE --> EXPIRED: validity over (sweep job; also refused at read time)
```

Who manages (``Manager``): the enterprise's own legal account, or a person holding a live
main or admin binding of that enterprise. A manager never decides their own application,
and only the legal account or the main agent may touch the main agent's binding or hand out
the main role. Every change is one transaction; decisions are conditional UPDATEs, so two
managers deciding at once produce exactly one decision.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.agents.models import (
    AgentBinding,
    AgentGrant,
    AgentRole,
    BindingOrigin,
    BindingState,
)
from identity_graph.agents.notices import AgentNotices
from identity_graph.agents.units import Units
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.flow import Transitions
from identity_graph.core.rows import Params, columns_of, is_postgres, model_from
from identity_graph.core.validators import optional_text

TRANSITIONS = Transitions(
    {
        BindingState.PENDING: {BindingState.ACTIVE, BindingState.REJECTED, BindingState.EXPIRED},
        BindingState.ACTIVE: {BindingState.REVOKED, BindingState.EXPIRED},
    }
)

MESSAGES = {
    "AGENT_ALREADY_BOUND": (
        "您已是该单位的经办人或已提交申请，请勿重复申请",
        "You already act for this unit or have applied; do not apply twice",
    ),
    "AGENT_APPLICATION_NOT_FOUND": ("经办人申请不存在", "No such agent application"),
    "AGENT_NOT_FOUND": ("经办人不存在", "No such agent"),
    "AGENT_SELF_DECISION": (
        "不能审核自己的经办人申请",
        "You cannot decide your own agent application",
    ),
    "AGENT_MAIN_PROTECTED": (
        "只有单位法人账号或主代办人可以设置或变更主代办人",
        "Only the unit's legal account or its main agent can set or change the main agent",
    ),
    "AGENT_MAIN_EXISTS": (
        "该单位已有主代办人，请先变更原主代办人",
        "The unit already has a main agent; change that one first",
    ),
    "AGENT_NOT_MANAGER": (
        "只有单位法人账号或具有管理权限的经办人可以管理经办人",
        "Only the unit's legal account or an agent with management rights can manage agents",
    ),
    "AGENT_APPLICANT_NOT_PERSON": (
        "只有自然人账号可以申请成为经办人",
        "Only a natural person's account can apply to be an agent",
    ),
    "AGENT_PERSON_NOT_VERIFIED": (
        "经办人须为已通过实名认证的自然人，请先完成实名认证",
        "An agent must be a real-name-verified natural person; complete verification first",
    ),
    "AGENT_VALIDITY_REVERSED": (
        "有效期结束时间须晚于开始时间",
        "The end of validity must be after its start",
    ),
    "AGENT_VALIDITY_PAST": (
        "有效期结束时间须晚于当前时间",
        "The end of validity must be in the future",
    ),
    "AGENT_VALIDITY_TOO_LONG": (
        "经办人有效期最长 {years} 年",
        "An agent's validity lasts at most {years} years",
    ),
    "AGENT_REASON_REQUIRED": ("驳回时请填写原因", "Give a reason when rejecting"),
    "AGENT_PERSON_NOT_FOUND": (
        "经办人须为已注册统一身份认证的自然人用户，且姓名、证件号码和手机号码与其账号一致",
        "An agent must be a registered resident whose name, ID number and phone match the account",
    ),
}

_MAX_YEARS = 10  # the longest validity window an enterprise may set


@dataclass(frozen=True)
class Manager:
    """Who manages an enterprise's agents: its legal account, or one of its managing agents."""

    enterprise_id: uuid.UUID
    actor_id: uuid.UUID
    binding: AgentBinding | None  # None for the enterprise's own legal account

    @property
    def controls_main(self) -> bool:
        return self.binding is None or self.binding.role is AgentRole.MAIN


@dataclass(frozen=True)
class Validity:
    valid_from: datetime | None
    valid_until: datetime


@dataclass(frozen=True)
class AgentPolicy:
    application_ttl: timedelta = timedelta(days=30)


def live_key(enterprise_id: uuid.UUID, person_id: uuid.UUID) -> str:
    return f"{enterprise_id}:{person_id}"


_LIVE_WITH_UNIT = (
    "SELECT {columns} FROM agent_bindings b JOIN accounts a ON a.id = b.enterprise_id"
    " WHERE b.live_key = {key}"
)


@cache
def _live_with_unit_columns() -> str:
    return f"{columns_of(AgentBinding, 'b', 'b_')}, {columns_of(Account, 'a', 'a_')}"


async def _live_with_unit(key: str) -> AgentBinding | None:
    """The live binding with ``key`` and its unit's account, one statement (``acting``
    runs on every request of a session acting for a unit)."""
    connection = connections.get("default")
    params = Params(is_postgres(connection))
    sql = _LIVE_WITH_UNIT.format(columns=_live_with_unit_columns(), key=params(key))
    rows = await connection.execute_query_dict(sql, params.values)
    if not rows:
        return None
    binding = model_from(AgentBinding, rows[0], "b_")
    binding.enterprise = model_from(Account, rows[0], "a_")
    return binding


def is_effective(binding: AgentBinding, now: datetime) -> bool:
    """Active and within its window: what every check and every read relies on."""
    started = binding.valid_from is None or binding.valid_from <= now
    return binding.state is BindingState.ACTIVE and started and binding.expires_at > now


class AgentBindings:
    def __init__(
        self,
        clock: Clock,
        units: Units,
        notices: AgentNotices,
        audit: AuditLog,
        policy: AgentPolicy | None = None,
    ) -> None:
        self._clock = clock
        self._units = units
        self._notices = notices
        self._audit = audit
        self._policy = policy or AgentPolicy()

    # -- who may manage ---------------------------------------------------------------

    async def manager(
        self, actor: Account, enterprise_id: uuid.UUID | None, acting_for: uuid.UUID | None
    ) -> Manager:
        """The manager ``actor`` is for the enterprise it names or acts for; NotAuthorized
        otherwise (a plain agent, an outsider, an expired admin binding)."""
        if actor.kind is AccountKind.ENTERPRISE:
            if enterprise_id not in (None, actor.id):
                raise NotAuthorized("AGENT_NOT_MANAGER")
            return Manager(actor.id, actor.id, None)
        unit_id = enterprise_id or acting_for
        if actor.kind is not AccountKind.NATURAL_PERSON or unit_id is None:
            raise NotAuthorized("AGENT_NOT_MANAGER")
        binding = await AgentBinding.get_or_none(live_key=live_key(unit_id, actor.id))
        if binding is None or not is_effective(binding, self._clock.now()):
            raise NotAuthorized("AGENT_NOT_MANAGER")
        if not binding.role.manages:
            raise NotAuthorized("AGENT_NOT_MANAGER")
        return Manager(unit_id, actor.id, binding)

    async def acting(self, person_id: uuid.UUID, enterprise_id: uuid.UUID) -> AgentBinding | None:
        """The person's effective binding to the unit, if the unit can still be acted for:
        checked on every request of a session acting for a unit, so a removal, an expiry or
        a unit's lock takes effect on the next use of a token (SPEC §7)."""
        binding = await _live_with_unit(live_key(enterprise_id, person_id))
        if binding is None or not is_effective(binding, self._clock.now()):
            return None
        unit: Account = binding.enterprise
        if unit.status is not AccountStatus.ACTIVE or not unit.verification_status.is_verified:
            return None
        return binding

    async def credential(
        self, enterprise_id: uuid.UUID, person_id: uuid.UUID
    ) -> AgentBinding | None:
        """The live binding an agent login checks its password against (effective or not:
        an expired binding is told apart only after the password matched)."""
        return await AgentBinding.get_or_none(live_key=live_key(enterprise_id, person_id))

    async def set_password(
        self,
        person_id: uuid.UUID,
        enterprise_id: uuid.UUID,
        password_hash: str,
        context: AuditContext,
    ) -> AgentBinding:
        """The agent's own agent-login password (经办人中心: 修改自己账号的登录密码)."""
        binding = await AgentBinding.get_or_none(live_key=live_key(enterprise_id, person_id))
        if binding is None or not is_effective(binding, self._clock.now()):
            raise DomainError("AGENT_NOT_FOUND", "enterpriseId")
        binding.password_hash, binding.updated_at = password_hash, self._clock.now()
        async with in_transaction():
            await binding.save(update_fields=["password_hash", "updated_at"])
            await self._record("agent.password_set", context, binding)
        return binding

    # -- the person applies ---------------------------------------------------------

    async def apply(
        self, person: Account, uscc: str, unit_name: str, note: str | None, context: AuditContext
    ) -> AgentBinding:
        """A verified resident applies to act for the unit naming ``uscc`` and ``unit_name``."""
        if person.kind is not AccountKind.NATURAL_PERSON:
            raise NotAuthorized("AGENT_APPLICANT_NOT_PERSON")
        if not person.verification_status.is_verified:
            raise DomainError("AGENT_PERSON_NOT_VERIFIED")
        clean_note = optional_text(note, "note", max_length=150)
        unit = await self._units.open_for_agents(uscc, unit_name)
        now = self._clock.now()
        async with in_transaction():
            binding = await self._insert(
                AgentBinding(
                    id=uuid.uuid4(),
                    enterprise_id=unit.id,
                    person_id=person.id,
                    role=AgentRole.AGENT,
                    state=BindingState.PENDING,
                    origin=BindingOrigin.APPLICATION,
                    live_key=live_key(unit.id, person.id),
                    applicant_note=clean_note,
                    created_at=now,
                    updated_at=now,
                    expires_at=now + self._policy.application_ttl,
                ),
                "uscc",
            )
            await self._record("agent.applied", context, binding)
        return binding

    async def decide(
        self,
        manager: Manager,
        binding_id: uuid.UUID,
        *,
        approve: bool,
        role: AgentRole,
        validity: Validity | None,
        reason: str | None,
        context: AuditContext,
    ) -> AgentBinding:
        """Approve (role and validity) or reject (reason) one pending application."""
        binding = await AgentBinding.get_or_none(
            id=binding_id, enterprise_id=manager.enterprise_id, state=BindingState.PENDING
        )
        if binding is None:
            raise DomainError("AGENT_APPLICATION_NOT_FOUND", "applicationId")
        if binding.person_id == manager.actor_id:  # type: ignore[attr-defined]
            raise NotAuthorized("AGENT_SELF_DECISION")
        binding.ensure_valid(self._clock)
        now = self._clock.now()
        changes = self._decision(manager, approve, role, validity, reason, now)
        async with in_transaction():
            won = await AgentBinding.filter(id=binding.id, state=BindingState.PENDING).update(
                **changes
            )
            if not won:  # another manager decided first
                raise DomainError("AGENT_APPLICATION_NOT_FOUND", "applicationId")
            await binding.refresh_from_db()
            await self._record("agent.approved" if approve else "agent.rejected", context, binding)
            await self._notices.application_decided(binding)
        return binding

    def _decision(
        self,
        manager: Manager,
        approve: bool,
        role: AgentRole,
        validity: Validity | None,
        reason: str | None,
        now: datetime,
    ) -> dict[str, object]:
        common = {"decided_by": manager.actor_id, "decided_at": now, "updated_at": now}
        if not approve:
            text = optional_text(reason, "reason", max_length=150)
            if text is None:
                raise ValidationFailed.single("reason", "AGENT_REASON_REQUIRED")
            return {**common, "state": BindingState.REJECTED, "live_key": None, "reason": text}
        self._check_role(manager, role)
        window = self.check_validity(validity, now)
        return {
            **common,
            "state": BindingState.ACTIVE,
            "role": role,
            "main_key": str(manager.enterprise_id) if role is AgentRole.MAIN else None,
            "valid_from": window.valid_from,
            "expires_at": window.valid_until,
            "reason": optional_text(reason, "reason", max_length=150),
        }

    # -- the enterprise adds, changes and removes -------------------------------------

    async def add(
        self,
        manager: Manager,
        person: Account,
        role: AgentRole,
        validity: Validity | None,
        password_hash: str | None,
        context: AuditContext,
    ) -> AgentBinding:
        """Bind ``person`` at once (the caller proved the operator's face and found the
        person by name, ID and phone)."""
        if not person.verification_status.is_verified:
            raise DomainError("AGENT_PERSON_NOT_VERIFIED", "idNumber")
        self._check_role(manager, role)
        now = self._clock.now()
        window = self.check_validity(validity, now)
        async with in_transaction():
            binding = await self._insert(
                AgentBinding(
                    id=uuid.uuid4(),
                    enterprise_id=manager.enterprise_id,
                    person_id=person.id,
                    role=role,
                    state=BindingState.ACTIVE,
                    origin=BindingOrigin.ADDED,
                    live_key=live_key(manager.enterprise_id, person.id),
                    main_key=str(manager.enterprise_id) if role is AgentRole.MAIN else None,
                    valid_from=window.valid_from,
                    password_hash=password_hash,
                    decided_by=manager.actor_id,
                    decided_at=now,
                    created_at=now,
                    updated_at=now,
                    expires_at=window.valid_until,
                ),
                "idNumber",
            )
            await self._record("agent.added", context, binding)
        return binding

    async def update(
        self,
        manager: Manager,
        binding_id: uuid.UUID,
        *,
        role: AgentRole | None,
        validity: Validity | None,
        context: AuditContext,
    ) -> AgentBinding:
        binding = await self._managed(manager, binding_id)
        now = self._clock.now()
        if role is not None and role is not binding.role:
            self._check_role(manager, role)
            binding.role = role
            binding.main_key = str(manager.enterprise_id) if role is AgentRole.MAIN else None
        if validity is not None:
            window = self.check_validity(validity, now)
            binding.valid_from, binding.expires_at = window.valid_from, window.valid_until
        binding.updated_at = now
        async with in_transaction():
            try:
                await binding.save(
                    update_fields=["role", "main_key", "valid_from", "expires_at", "updated_at"]
                )
            except IntegrityError:
                raise DomainError("AGENT_MAIN_EXISTS", "role") from None
            await self._record("agent.updated", context, binding)
        return binding

    async def remove(
        self, manager: Manager, binding_id: uuid.UUID, context: AuditContext
    ) -> AgentBinding:
        """Revoke the binding and, with it, every grant it holds."""
        binding = await self._managed(manager, binding_id)
        now = self._clock.now()
        async with in_transaction():
            won = await AgentBinding.filter(id=binding.id, state=BindingState.ACTIVE).update(
                state=TRANSITIONS.check(binding.state, BindingState.REVOKED),
                live_key=None,
                main_key=None,
                decided_by=manager.actor_id,
                updated_at=now,
            )
            if not won:
                raise DomainError("AGENT_NOT_FOUND", "agentId")
            await end_grants([binding.id], now, manager.actor_id)
            await binding.refresh_from_db()
            await self._record("agent.removed", context, binding)
        return binding

    async def expire_due(self) -> int:
        """Move every binding past its deadline or validity to EXPIRED (the sweep job)."""
        now = self._clock.now()
        due = await AgentBinding.filter(
            state__in=[BindingState.PENDING, BindingState.ACTIVE], expires_at__lte=now
        ).values_list("id", flat=True)
        ids = [uuid.UUID(str(key)) for key in due]
        if not ids:
            return 0
        async with in_transaction():
            count = await AgentBinding.filter(
                id__in=ids, state__in=[BindingState.PENDING, BindingState.ACTIVE]
            ).update(state=BindingState.EXPIRED, live_key=None, main_key=None, updated_at=now)
            await end_grants(ids, now, None)
        return count

    async def _managed(self, manager: Manager, binding_id: uuid.UUID) -> AgentBinding:
        binding = await AgentBinding.get_or_none(
            id=binding_id, enterprise_id=manager.enterprise_id, state=BindingState.ACTIVE
        )
        if binding is None or not binding.expires_at > self._clock.now():
            raise DomainError("AGENT_NOT_FOUND", "agentId")
        if binding.role is AgentRole.MAIN and not manager.controls_main:
            raise NotAuthorized("AGENT_MAIN_PROTECTED")
        return binding

    # -- rules ------------------------------------------------------------------------

    @staticmethod
    def _check_role(manager: Manager, role: AgentRole) -> None:
        if role is AgentRole.MAIN and not manager.controls_main:
            raise NotAuthorized("AGENT_MAIN_PROTECTED")

    @staticmethod
    def check_validity(validity: Validity | None, now: datetime) -> Validity:
        """The enterprise sets the window (seed 004): an end in the future, after the start,
        at most ten years away."""
        if validity is None:
            raise ValidationFailed.single("validUntil", "REQUIRED")
        start = validity.valid_from
        if start is not None and validity.valid_until <= start:
            raise ValidationFailed.single("validUntil", "AGENT_VALIDITY_REVERSED")
        if validity.valid_until <= now:
            raise ValidationFailed.single("validUntil", "AGENT_VALIDITY_PAST")
        if validity.valid_until > (start or now) + timedelta(days=366 * _MAX_YEARS):
            raise ValidationFailed.single("validUntil", "AGENT_VALIDITY_TOO_LONG", years=_MAX_YEARS)
        return validity

    async def _insert(self, binding: AgentBinding, field: str) -> AgentBinding:
        """Insert; the unique keys turn a concurrent duplicate into a typed error."""
        try:
            await binding.save(force_create=True)
        except IntegrityError:
            code = "AGENT_MAIN_EXISTS" if binding.main_key else "AGENT_ALREADY_BOUND"
            raise DomainError(code, "role" if binding.main_key else field) from None
        return binding

    async def _record(self, action: str, context: AuditContext, binding: AgentBinding) -> None:
        await self._audit.record(
            action,
            context,
            subject_type="agent_binding",
            subject_id=str(binding.id),
            details={
                "enterprise": str(binding.enterprise_id),  # type: ignore[attr-defined]
                "person": str(binding.person_id),  # type: ignore[attr-defined]
                "role": binding.role.value,
                "state": binding.state.value,
            },
        )


async def end_grants(
    binding_ids: list[uuid.UUID], now: datetime, actor_id: uuid.UUID | None
) -> int:
    """Grants die with their binding (SPEC §2.4)."""
    return await AgentGrant.filter(binding_id__in=binding_ids, revoked_at=None).update(
        revoked_at=now, revoked_by=actor_id, live_key=None
    )
