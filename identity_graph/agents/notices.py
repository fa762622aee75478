"""What applicants are told (seed 000 §三): the enterprise's decision on an agent
application goes by SMS to the applicant's reserved phone, in the caller's transaction."""

from __future__ import annotations

from identity_graph.accounts.models import Account, Enterprise
from identity_graph.accounts.vault import PersonalData
from identity_graph.agents.models import AgentBinding, BindingState
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel


class AgentNotices:
    def __init__(self, notifier: Notifier, vault: PersonalData) -> None:
        self._notifier = notifier
        self._vault = vault

    async def application_decided(self, binding: AgentBinding) -> None:
        person = await Account.get(id=binding.person_id)  # type: ignore[attr-defined]
        unit = await Enterprise.get(id=binding.enterprise_id)  # type: ignore[attr-defined]
        phone = self._vault.phone_of(person)
        if phone is None:
            return
        if binding.state is BindingState.ACTIVE:
            template = "agent_application_approved"
            params = {"unit": unit.name, "until": binding.expires_at.date().isoformat()}
        else:
            template = "agent_application_rejected"
            params = {"unit": unit.name, "reason": binding.reason or ""}
        await self._notifier.send(Channel.SMS, template, phone, params, "zh-CN")
