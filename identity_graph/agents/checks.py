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
from the very next check. The decision reads the rows in one round trip (``standing.py``),
never from a cache; only the services catalogue (which service, which client provides it)
comes from process memory, dropped everywhere when an operator changes it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from identity_graph.accounts.enums import AccountKind, AccountStatus
from identity_graph.agents.models import AgentBinding, AgentRole, BindingState
from identity_graph.agents.standing import Binding, Grant, Unit, read_standing
from identity_graph.clients.catalogue import ServiceCatalogue, normalize_code
from identity_graph.clients.models import OAuthClient
from identity_graph.clients.subjects import PAIRWISE, Subjects, sector_of
from identity_graph.core.clock import Clock
from identity_graph.core.errors import NotAuthorized
from identity_graph.ids.units import looks_like_uscc, parse_uscc

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
    """The answer, with what the caller may be told about it (the unit, the service, the
    agent's role and validity, the grant's expiry)."""

    code: str
    service_code: str | None = None
    enterprise_id: uuid.UUID | None = None
    role: AgentRole | None = None
    valid_until: datetime | None = None
    grant_expires_at: datetime | None = None

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
    def __init__(self, clock: Clock, catalogue: ServiceCatalogue, subjects: Subjects) -> None:
        self._clock = clock
        self._catalogue = catalogue
        self._subjects = subjects
        # Pairwise ``sub``s found before, by (sector, sub): a keyed hash of the person id,
        # so a match found once holds for good (only matches are kept, never misses).
        self._pairwise: dict[tuple[str, str], uuid.UUID] = {}

    async def can_handle(
        self,
        unit_ref: UnitRef,
        service_code: str,
        person: uuid.UUID | Subject,
        *,
        for_client: int | None = None,
    ) -> ServiceDecision:
        """The service from the catalogue (memory), then one query for the rest
        (``standing.py``). ``for_client`` is the primary key of the partner asking."""
        code = normalize_code(service_code, "serviceCode")
        service = await self._catalogue.by_code_cached(code)
        if service is None or service.retired_at is not None:
            return ServiceDecision("SERVICE_NOT_FOUND")
        if for_client is not None and service.client_id != for_client:  # type: ignore[attr-defined]
            raise NotAuthorized("SERVICE_NOT_PROVIDED_BY_CLIENT")
        uscc = unit_ref.uscc
        if unit_ref.enterprise_id is None:
            if not looks_like_uscc(uscc or ""):
                return ServiceDecision("ENTERPRISE_NOT_FOUND", code)
            uscc = parse_uscc(uscc or "").number
        if isinstance(person, Subject):
            person_id = await self._resolve(unit_ref.enterprise_id, uscc, person)
        else:
            person_id = person
        standing = await read_standing(
            unit_ref.enterprise_id, uscc, person_id or _NOBODY, service.id
        )
        if standing is None:
            return ServiceDecision("ENTERPRISE_NOT_FOUND", code)
        unit = standing.unit
        refused = _unit_refusal(unit)
        if refused:
            return ServiceDecision(refused, code, unit.id)
        if person_id is None:
            return ServiceDecision("NOT_AN_AGENT", code, unit.id)
        return _agent(code, unit.id, standing.binding, standing.grant, self._clock.now())

    async def _resolve(
        self, unit_id: uuid.UUID | None, uscc: str | None, subject: Subject
    ) -> uuid.UUID | None:
        """The account behind a partner's ``sub``. A pairwise ``sub`` is a keyed hash that
        cannot be reversed, so the first time it is matched against the people bound to
        this unit (one query, one HMAC each; a unit's agents are few). Whether that person
        acts for the unit is still decided by the standing query, every time."""
        if subject.client.subject_type != PAIRWISE:
            try:
                return uuid.UUID(subject.value)
            except ValueError:
                return None
        known = (sector_of(subject.client), subject.value)
        if known in self._pairwise:
            return self._pairwise[known]
        if unit_id is not None:
            bindings = AgentBinding.filter(enterprise_id=unit_id)
        else:
            bindings = AgentBinding.filter(enterprise__enterprise__uscc=uscc)
        people = await bindings.values_list("person_id", flat=True)
        for person_id in {uuid.UUID(str(key)) for key in people}:
            if self._subjects.for_client(subject.client, person_id) == subject.value:
                if len(self._pairwise) >= _PAIRWISE_LIMIT:
                    self._pairwise.clear()
                self._pairwise[known] = person_id
                return person_id
        return None


# Stands for "nobody" in the query when a partner's ``sub`` names no agent of the unit: the
# unit's own refusals still come first, then NOT_AN_AGENT.
_NOBODY = uuid.UUID(int=0)
_PAIRWISE_LIMIT = 100_000


def _agent(
    code: str, unit_id: uuid.UUID, binding: Binding | None, grant: Grant | None, now: datetime
) -> ServiceDecision:
    if binding is None or binding.state is BindingState.REJECTED:
        return ServiceDecision("NOT_AN_AGENT", code, unit_id)
    told = ServiceDecision("", code, unit_id, binding.role, binding.expires_at)
    if (
        binding.person_kind is not AccountKind.NATURAL_PERSON
        or binding.person_status is not AccountStatus.ACTIVE
    ):
        return _as(told, "NOT_AN_AGENT")
    if not binding.person_verification.is_verified:
        return _as(told, "AGENT_PERSON_NOT_VERIFIED")
    refused = _binding_refusal(binding, now)
    if refused:
        return _as(told, refused)
    if grant is None or grant.revoked_at is not None:
        return _as(told, "NO_PERMISSION_FOR_SERVICE")
    if grant.expires_at is not None and grant.expires_at <= now:
        return _as(told, "NO_PERMISSION_FOR_SERVICE")
    return ServiceDecision(
        "ALLOWED", code, unit_id, binding.role, binding.expires_at, grant.expires_at
    )


def _as(decision: ServiceDecision, code: str) -> ServiceDecision:
    return ServiceDecision(
        code, decision.service_code, decision.enterprise_id, decision.role, decision.valid_until
    )


def _unit_refusal(unit: Unit) -> str | None:
    if unit.status is not AccountStatus.ACTIVE:
        return "ENTERPRISE_NOT_ACTIVE"
    if not unit.verification.is_verified:
        return "ENTERPRISE_NOT_VERIFIED"
    return None


def _binding_refusal(binding: Binding, now: datetime) -> str | None:
    if binding.state is BindingState.PENDING:
        return "AGENT_BINDING_PENDING"
    if binding.state is BindingState.REVOKED:
        return "AGENT_BINDING_REVOKED"
    started = binding.valid_from is None or binding.valid_from <= now
    if binding.state is BindingState.EXPIRED or binding.expires_at <= now or not started:
        return "AGENT_BINDING_EXPIRED"
    return None
