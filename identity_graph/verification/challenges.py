"""Face check and electronic business licence: the fallbacks after a failed registry check
(SPEC §4.4), and the face check as the step up to the real-person level (§4.1).

```mermaid
stateDiagram-v2
    [*] --> OPEN: startFaceVerification / startBusinessLicenceVerification (10 minutes)
    [*] --> unavailable: the provider opens no session (typed error, no row written)
    OPEN --> PASSED: signed callback "passed" (case -> VERIFIED; face: level real person)
    OPEN --> FAILED: signed callback "failed" (case keeps its state; reason kept)
    OPEN --> [*]: expired: a late callback is refused
```

The row is written only after the provider has opened its session. Callbacks arrive
through ``callbacks.ProviderCallbacks``, which checks signature, freshness, binding and
expiry for every provider session, then calls ``complete`` here: the challenge is closed by
a conditional UPDATE on OPEN, so a replayed or duplicated callback changes nothing. The
provider sends the browser to the return page (``/verification/result/{id}``), which shows
the outcome and links to the ``return_url`` the holder gave.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AccountKind, AssuranceLevel
from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, NotAuthorized
from identity_graph.verification.callbacks import (
    CallbackRefused,
    ProviderResult,
    ProviderSession,
    callback_url,
    result_url,
)
from identity_graph.verification.cases import move
from identity_graph.verification.models import (
    CaseState,
    ChallengeKind,
    ChallengeState,
    VerificationAttempt,
    VerificationCase,
    VerificationChallenge,
)
from identity_graph.verification.notices import Notices
from identity_graph.verification.providers.base import (
    ChallengeProvider,
    ChallengeRequest,
    PersonClaim,
    UnitClaim,
)
from identity_graph.verification.rules import Method, Route
from identity_graph.verification.service import VerificationService

MESSAGES = {
    "FACE_NOT_AVAILABLE": (
        "当前状态不能进行人脸识别：请先提交实名认证信息",
        "A face check is not available now; submit your identity data first",
    ),
    "LICENCE_NOT_AVAILABLE": (
        "当前状态不能使用电子营业执照认证：请先提交实名认证信息",
        "The electronic licence is not available now; submit the unit's data first",
    ),
    "ALREADY_REAL_PERSON": ("已完成实人认证", "Already verified as a real person"),
    "CHALLENGE_PROVIDER_UNAVAILABLE": (
        "认证服务暂时不可用，请稍后再试",
        "The verification provider is unavailable; please try again later",
    ),
}

_ACCEPTED_FROM = {
    ChallengeKind.FACE: frozenset(
        {CaseState.FAILED, CaseState.VERIFIED, CaseState.MANUAL_APPROVED}
    ),
    ChallengeKind.BUSINESS_LICENCE: frozenset({CaseState.FAILED}),
}


@dataclass(frozen=True)
class StartedChallenge:
    challenge: VerificationChallenge
    url: str


class ChallengeService:
    def __init__(
        self,
        clock: Clock,
        verification: VerificationService,
        providers: Mapping[ChallengeKind, ChallengeProvider],
        notices: Notices,
        audit: AuditLog,
        public_url: str,
        ttl: timedelta = timedelta(minutes=10),
    ) -> None:
        self._clock = clock
        self._verification = verification
        self.providers = dict(providers)
        self._notices = notices
        self._audit = audit
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl

    async def start(
        self,
        account_id: uuid.UUID,
        kind: ChallengeKind,
        return_url: str | None,
        context: AuditContext,
    ) -> StartedChallenge:
        account = await Account.get(id=account_id)
        case = await self._eligible_case(account, kind)
        provider = self.providers[kind]
        challenge_id = uuid.uuid4()
        claim = self._verification.claims.open(case.claim_cipher)
        # The provider first: if it does not answer, nothing is written and the holder may
        # simply try again (a callback for a row not yet written is refused and retried).
        started = await provider.start(
            ChallengeRequest(
                str(challenge_id),
                callback_url(self._public_url, kind),
                result_url(self._public_url, challenge_id),
                claim,
            )
        )
        now = self._clock.now()
        challenge = await VerificationChallenge.create(
            id=challenge_id,
            case_id=case.id,
            kind=kind,
            provider=provider.name,
            return_url=return_url,
            created_at=now,
            expires_at=now + self._ttl,
        )
        await self._audit.record(
            f"verification.{kind.value}_started",
            context,
            subject_type="account",
            subject_id=str(account.id),
            details={
                "challenge": str(challenge.id),
                "provider": provider.name,
                "reference": started.reference,
            },
        )
        return StartedChallenge(challenge, started.url)

    async def _eligible_case(self, account: Account, kind: ChallengeKind) -> VerificationCase:
        wanted = (
            AccountKind.NATURAL_PERSON if kind is ChallengeKind.FACE else AccountKind.ENTERPRISE
        )
        code = "FACE_NOT_AVAILABLE" if kind is ChallengeKind.FACE else "LICENCE_NOT_AVAILABLE"
        if account.kind is not wanted:
            raise NotAuthorized("WRONG_ACCOUNT_KIND")
        case = await self._verification.current(account)
        if case is None or case.state not in _ACCEPTED_FROM[kind]:
            raise DomainError(code)
        if case.state is CaseState.FAILED and case.route is not Route.AUTOMATIC:
            raise DomainError(code)
        if case.state is CaseState.FAILED:
            case.ensure_valid(self._clock)
        if case.level is AssuranceLevel.REAL_PERSON:
            raise DomainError("ALREADY_REAL_PERSON")
        return case

    # The session owner's side of ``callbacks.ProviderCallbacks``.

    async def find_session(self, session_id: uuid.UUID) -> ProviderSession | None:
        challenge = await VerificationChallenge.get_or_none(id=session_id)
        if challenge is None:
            return None
        return ProviderSession(
            challenge.id,
            challenge.kind,
            challenge.provider,
            challenge.state,
            challenge.expires_at,
            challenge.return_url,
            challenge.failure_reason,
            None,
        )

    async def session_claim(self, session_id: uuid.UUID) -> PersonClaim | UnitClaim:
        challenge = await VerificationChallenge.get(id=session_id)
        case = await VerificationCase.get(id=challenge.case_id)  # type: ignore[attr-defined]
        return self._verification.claims.open(case.claim_cipher)

    async def complete(self, session: ProviderSession, result: ProviderResult) -> ChallengeState:
        now = self._clock.now()
        state = ChallengeState.PASSED if result.passed else ChallengeState.FAILED
        method = Method.FACE if session.kind is ChallengeKind.FACE else Method.BUSINESS_LICENCE
        reason = None if result.passed else (result.reason or "")[:64] or None
        async with in_transaction():
            won = await VerificationChallenge.filter(
                id=session.id, state=ChallengeState.OPEN
            ).update(state=state, completed_at=now, failure_reason=reason)
            if not won:
                raise CallbackRefused("replayed")
            challenge = await VerificationChallenge.get(id=session.id)
            case = await VerificationCase.get(id=challenge.case_id)  # type: ignore[attr-defined]
            await VerificationAttempt.create(
                case_id=case.id,
                method=method,
                provider=session.provider,
                outcome=state.value,
                reference=result.reference,
                detail=result.reason,
                created_at=now,
            )
            if result.passed:
                await self._verified(case, session.kind, method)
        return state

    async def _verified(self, case: VerificationCase, kind: ChallengeKind, method: Method) -> None:
        now = self._clock.now()
        level = (
            AssuranceLevel.REAL_PERSON if kind is ChallengeKind.FACE else AssuranceLevel.REAL_NAME
        )
        target = case.state if case.state is not CaseState.FAILED else CaseState.VERIFIED
        await move(
            case,
            target,
            now,
            self._verification.policy.case_ttl,
            level=level,
            decided_by=method if case.state is CaseState.FAILED else case.decided_by,
            decided_at=now,
            failure_code=None,
            failure_fields=[],
        )
        await self._verification.point(case.account_id, case.id, case)  # type: ignore[attr-defined]
        await self._notices.decided(case)
