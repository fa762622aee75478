"""May this person handle this service for this enterprise? (SPEC §2.4, §7 "checks partners
can rely on"; the seed manuals' 您无权办理该事项.)

The answer is a decision with a stable code, never a guess: every way to be refused has its
own code and next step, checked in this order (the first that applies wins):

| code | when |
|---|---|
| ``SERVICE_NOT_FOUND`` | no such service, or it was retired |
| ``ENTERPRISE_NOT_FOUND`` | no unit with that id or credit code |
| ``ENTERPRISE_NOT_ACTIVE`` | the unit is pending activation, locked or disabled |
| ``ENTERPRISE_NOT_VERIFIED`` | the unit has not passed real-name verification |
| ``NOT_AN_AGENT`` | the person never acted for the unit (or was rejected) |
| ``AGENT_PERSON_NOT_VERIFIED`` | the person's own verification lapsed or failed |
| ``AGENT_BINDING_PENDING`` | the application awaits the unit's decision |
| ``AGENT_BINDING_REVOKED`` | the unit removed the agent |
| ``AGENT_BINDING_EXPIRED`` | the validity window is over (or has not begun) |
| ``NO_PERMISSION_FOR_SERVICE`` | an active agent without a live grant of the service |
| ``ALLOWED`` | an active agent holding a live grant |

A partner may only ask about services it provides itself; a revoked grant or binding counts
from the very next check (nothing is cached here).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.accounts.models import Account, Enterprise
from identity_graph.agents.bindings import live_key
from identity_graph.agents.grants import grant_key, is_live
from identity_graph.agents.models import AgentBinding, AgentGrant, BindingState
from identity_graph.agents.units import Units
from identity_graph.clients.catalogue import normalize_code
from identity_graph.clients.models import OAuthClient, ServiceItem
from identity_graph.clients.subjects import PAIRWISE, Subjects
from identity_graph.core.clock import Clock
from identity_graph.core.errors import NotAuthorized

MESSAGES = {
    "ALLOWED": ("可以办理该事项", "May handle this service"),
    "NO_PERMISSION_FOR_SERVICE": (
        "您无权办理该事项",
        "You have no permission to handle this service",
    ),
    "NOT_AN_AGENT": ("您不是该单位的经办人", "You are not an agent of this unit"),
    "AGENT_BINDING_PENDING": (
        "您的经办人申请尚待单位审核",
        "Your agent application awaits the unit's decision",
    ),
    "AGENT_BINDING_REVOKED": ("单位已取消您的经办人身份", "The unit removed you as its agent"),
    "AGENT_BINDING_EXPIRED": (
        "您的经办人身份不在有效期内，请联系单位续期",
        "Your agent validity is over (or has not begun); ask the unit to renew it",
    ),
    "ENTERPRISE_ID_OR_USCC": (
        "请提供单位 ID 或统一社会信用代码（二选一）",
        "Give either the unit's id or its credit code, not both",
    ),
    "SERVICE_NOT_PROVIDED_BY_CLIENT": (
        "只能查询本系统提供的事项",
        "A partner may only ask about services it provides",
    ),
}

NEXT_STEPS = {
    "SERVICE_NOT_FOUND": "NEXT_CHECK_SERVICE",
    "ENTERPRISE_NOT_FOUND": "NEXT_CHECK_ENTERPRISE",
    "ENTERPRISE_NOT_ACTIVE": "NEXT_UNIT_ACTIVATE_OR_APPEAL",
    "ENTERPRISE_NOT_VERIFIED": "NEXT_UNIT_VERIFY",
    "NOT_AN_AGENT": "NEXT_APPLY_FOR_AGENT",
    "AGENT_PERSON_NOT_VERIFIED": "NEXT_PERSON_VERIFY",
    "AGENT_BINDING_PENDING": "NEXT_WAIT_FOR_UNIT",
    "AGENT_BINDING_REVOKED": "NEXT_ASK_UNIT",
    "AGENT_BINDING_EXPIRED": "NEXT_ASK_UNIT",
    "NO_PERMISSION_FOR_SERVICE": "NEXT_ASK_UNIT_FOR_GRANT",
    "ALLOWED": "NEXT_NONE",
}

NEXT_STEP_MESSAGES = {
    "NEXT_CHECK_SERVICE": ("请核对事项编码", "check the service code"),
    "NEXT_CHECK_ENTERPRISE": ("请核对单位信息", "check the unit's identifiers"),
    "NEXT_UNIT_ACTIVATE_OR_APPEAL": (
        "请单位激活账号或提出申诉",
        "the unit should activate its account or file an appeal",
    ),
    "NEXT_UNIT_VERIFY": ("请单位先完成实名认证", "the unit should complete real-name verification"),
    "NEXT_APPLY_FOR_AGENT": (
        "请申请成为该单位的经办人",
        "apply to become an agent of the unit",
    ),
    "NEXT_PERSON_VERIFY": ("请先完成实名认证", "complete real-name verification"),
    "NEXT_WAIT_FOR_UNIT": ("请等待单位审核", "wait for the unit's decision"),
    "NEXT_ASK_UNIT": ("请联系单位管理员", "contact the unit's administrator"),
    "NEXT_ASK_UNIT_FOR_GRANT": (
        "请联系单位为您授权该事项",
        "ask the unit to grant you this service",
    ),
}


@dataclass(frozen=True)
class ServiceDecision:
    code: str
    service: ServiceItem | None = None
    enterprise: Enterprise | None = None
    binding: AgentBinding | None = None
    grant: AgentGrant | None = None

    @property
    def allowed(self) -> bool:
        return self.code == "ALLOWED"

    @property
    def next_step(self) -> str:
        return NEXT_STEPS.get(self.code, "NEXT_NONE")


@dataclass(frozen=True)
class Subject:
    """A person as a partner knows them: the ``sub`` of its tokens (pairwise or public)."""

    value: str
    client: OAuthClient


@dataclass(frozen=True)
class UnitRef:
    """The unit a check names: by account id or by credit code (exactly one)."""

    enterprise_id: uuid.UUID | None = None
    uscc: str | None = None


class ServiceChecks:
    def __init__(self, clock: Clock, units: Units, subjects: Subjects) -> None:
        self._clock = clock
        self._units = units
        self._subjects = subjects

    async def can_handle(
        self,
        unit_ref: UnitRef,
        service_code: str,
        person: uuid.UUID | Subject,
        *,
        for_client: int | None = None,
    ) -> ServiceDecision:
        """One query per step, each with what it needs joined (service; unit with its
        account; binding with its person; grant): a partner's hot path (bench/agents.py).
        ``for_client`` is the primary key of the partner asking."""
        service = await ServiceItem.get_or_none(code=normalize_code(service_code, "serviceCode"))
        if service is None or service.retired_at is not None:
            return ServiceDecision("SERVICE_NOT_FOUND")
        if for_client is not None and service.client_id != for_client:  # type: ignore[attr-defined]
            raise NotAuthorized("SERVICE_NOT_PROVIDED_BY_CLIENT")
        unit = await self._unit(unit_ref)
        if unit is None:
            return ServiceDecision("ENTERPRISE_NOT_FOUND", service)
        refused = _unit_refusal(unit.account)
        if refused:
            return ServiceDecision(refused, service, unit)
        person_id = person if isinstance(person, uuid.UUID) else await self._resolve(unit, person)
        if person_id is None:
            return ServiceDecision("NOT_AN_AGENT", service, unit)
        return await self._agent(service, unit, person_id, self._clock.now())

    async def _resolve(self, unit: Enterprise, subject: Subject) -> uuid.UUID | None:
        """The account behind a partner's ``sub``. A pairwise ``sub`` is a keyed hash that
        cannot be reversed, so it is matched against the people bound to this unit (one
        HMAC each; a unit's agents are few)."""
        if subject.client.subject_type != PAIRWISE:
            try:
                return uuid.UUID(subject.value)
            except ValueError:
                return None
        people = await AgentBinding.filter(enterprise_id=unit.id).values_list(
            "person_id", flat=True
        )
        for person_id in {uuid.UUID(str(key)) for key in people}:
            if self._subjects.for_client(subject.client, person_id) == subject.value:
                return person_id
        return None

    async def _unit(self, ref: UnitRef) -> Enterprise | None:
        if ref.enterprise_id is not None:
            return await Enterprise.get_or_none(id=ref.enterprise_id).select_related("account")
        return await self._units.by_uscc(ref.uscc or "")

    async def _agent(
        self, service: ServiceItem, unit: Enterprise, person_id: uuid.UUID, now: datetime
    ) -> ServiceDecision:
        binding = await _latest_binding(unit.id, person_id)
        if binding is None or binding.state is BindingState.REJECTED:
            return ServiceDecision("NOT_AN_AGENT", service, unit)
        person: Account = binding.person
        if (
            person.kind is not AccountKind.NATURAL_PERSON
            or person.status is not AccountStatus.ACTIVE
        ):
            return ServiceDecision("NOT_AN_AGENT", service, unit, binding)
        if not person.verification_status.is_verified:
            return ServiceDecision("AGENT_PERSON_NOT_VERIFIED", service, unit, binding)
        code = _binding_refusal(binding, now)
        if code:
            return ServiceDecision(code, service, unit, binding)
        grant = await AgentGrant.get_or_none(live_key=grant_key(binding.id, service.id))
        if grant is None or not is_live(grant, now):
            return ServiceDecision("NO_PERMISSION_FOR_SERVICE", service, unit, binding)
        return ServiceDecision("ALLOWED", service, unit, binding, grant)


def _unit_refusal(account: Account) -> str | None:
    if account.status is not AccountStatus.ACTIVE:
        return "ENTERPRISE_NOT_ACTIVE"
    if not account.verification_status.is_verified:
        return "ENTERPRISE_NOT_VERIFIED"
    return None


def _binding_refusal(binding: AgentBinding, now: datetime) -> str | None:
    if binding.state is BindingState.PENDING:
        return "AGENT_BINDING_PENDING"
    if binding.state is BindingState.REVOKED:
        return "AGENT_BINDING_REVOKED"
    started = binding.valid_from is None or binding.valid_from <= now
    if binding.state is BindingState.EXPIRED or binding.expires_at <= now or not started:
        return "AGENT_BINDING_EXPIRED"
    return None


async def _latest_binding(enterprise_id: uuid.UUID, person_id: uuid.UUID) -> AgentBinding | None:
    """The live binding if there is one, else the most recent ended one (for its reason)."""
    live = await AgentBinding.get_or_none(
        live_key=live_key(enterprise_id, person_id)
    ).select_related("person")
    if live is None:
        live = (
            await AgentBinding.filter(enterprise_id=enterprise_id, person_id=person_id)
            .order_by("-updated_at")
            .select_related("person")
            .first()
        )
    return live
