"""The provider-session side of face checks: what ``callbacks.ProviderCallbacks`` asks of
the ``face_checks`` table when a callback, the sandbox page or the return page names one.

A callback closes an OPEN, unexpired check with one conditional UPDATE, so a replayed or
late callback changes nothing. A pass moves ``expires_at`` to the end of the window in
which the check may be consumed; a failure keeps the provider's reason code.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tortoise.transactions import in_transaction

from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.verification.callbacks import CallbackRefused, ProviderResult, ProviderSession
from identity_graph.verification.claims import ClaimCodec
from identity_graph.verification.models import ChallengeKind, ChallengeState, FaceCheck
from identity_graph.verification.providers.base import PersonClaim

# Claims of face checks are sealed under their own column name (see claims.py).
CLAIM_COLUMN = "face_check_claim"


def person_claim(codec: ClaimCodec, check: FaceCheck) -> PersonClaim:
    claim = codec.open(check.claim_cipher)
    assert isinstance(claim, PersonClaim)  # face checks seal person claims only
    return claim


class FaceCheckSessions:
    def __init__(self, clock: Clock, codec: ClaimCodec, audit: AuditLog, usable: timedelta) -> None:
        self._clock = clock
        self._codec = codec
        self._audit = audit
        self._usable = usable

    async def find_session(self, session_id: uuid.UUID) -> ProviderSession | None:
        check = await FaceCheck.get_or_none(id=session_id)
        if check is None:
            return None
        return ProviderSession(
            check.id,
            ChallengeKind.FACE,
            check.provider,
            check.state,
            check.expires_at,
            check.return_url,
            check.failure_reason,
            check.purpose,
        )

    async def session_claim(self, session_id: uuid.UUID) -> PersonClaim:
        return person_claim(self._codec, await FaceCheck.get(id=session_id))

    async def complete(self, session: ProviderSession, result: ProviderResult) -> ChallengeState:
        now = self._clock.now()
        state = ChallengeState.PASSED if result.passed else ChallengeState.FAILED
        values: dict[str, Any] = {"state": state, "completed_at": now}
        if result.reference:
            values["provider_reference"] = result.reference
        if result.passed:
            values["expires_at"] = now + self._usable
        else:
            values["failure_reason"] = (result.reason or "")[:64] or None
        async with in_transaction():
            won = await FaceCheck.filter(
                id=session.id, state=ChallengeState.OPEN, expires_at__gt=now
            ).update(**values)
            if not won:
                raise CallbackRefused("replayed")
            await self._audit.record(
                "face_check.completed",
                AuditContext(),
                subject_type="face_check",
                subject_id=str(session.id),
                outcome=state.value,
                details={
                    "provider": session.provider,
                    "reference": result.reference,
                    "reason": values.get("failure_reason"),
                },
            )
        return state
