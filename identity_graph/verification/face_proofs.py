"""Face checks as the domains below verification ask for them (ARCHITECTURE §1: agents and
confirmations define the Protocol they need; the container hands them these adapters)."""

from __future__ import annotations

import uuid

from identity_graph.ids.types import IdType
from identity_graph.verification.face_checks import FaceChecks
from identity_graph.verification.models import FaceCheckPurpose


class AgentAdminFaceProofs:
    """``agents.service.OperatorFaceProofs``: the unit's operator proved it is them."""

    def __init__(self, checks: FaceChecks) -> None:
        self._checks = checks

    async def consume(self, check_id: uuid.UUID, account_id: uuid.UUID) -> None:
        await self._checks.consume(
            check_id, purpose=FaceCheckPurpose.AGENT_ADMIN, account_id=account_id
        )


class ConfirmationFaceProofs:
    """``confirmations.service.FaceProofs``: a person of a filing proved it is them."""

    def __init__(self, checks: FaceChecks) -> None:
        self._checks = checks

    async def consume(
        self, check_id: uuid.UUID, purpose: str, id_type: IdType, id_number: str, bound_to: str
    ) -> str:
        proven = await self._checks.consume(
            check_id,
            purpose=FaceCheckPurpose(purpose),
            id_type=id_type,
            id_number=id_number,
            bound_to=bound_to,
        )
        return proven.provider_reference or str(proven.check_id)
