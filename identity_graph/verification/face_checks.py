"""Face checks bound to a purpose (人脸识别), not to a verification case (SPEC §2.3, §8).

The operator of a unit passes one before adding an agent; a person named in a filing
passes one before seeing their to-do, and another when confirming it. Owns table
``face_checks``.

```mermaid
stateDiagram-v2
    [*] --> OPEN: start (provider session opened first; open 10 minutes)
    [*] --> unavailable: the provider opens no session (typed error, no row written)
    OPEN --> PASSED: signed callback "passed" (usable for 10 minutes from then)
    OPEN --> FAILED: signed callback "failed" (reason kept, e.g. not_in_registry)
    OPEN --> EXPIRED: not completed in time (a late callback is refused)
    PASSED --> USED: consume() by its purpose for its person, once
    PASSED --> EXPIRED: not consumed in time
```

EXPIRED and USED are read from ``expires_at`` and ``consumed_at``
(``face_check_results``); an expired or used check is never revived: start another. The
two 10-minute windows are ``IDG_FACE_CHECK_TTL_SECONDS`` and
``IDG_FACE_CHECK_USABLE_SECONDS``.

Public API, for the agents and confirmations domains (which call it through a Protocol of
their own, since they sit below verification in ARCHITECTURE §1):

``await FaceChecks.start(purpose, context=..., account_id=...) -> StartedFaceCheck``
    A logged-in account: a resident proves its own verified identity, an enterprise
    account its legal representative. ``return_url`` is a path on this service that the
    return page links to; ``bound_to`` (≤ 128 characters, e.g. a to-do item id) restricts
    the check to that object. ``StartedFaceCheck.url`` is the provider page to open.
``await FaceChecks.start(purpose, context=..., person=PersonToCheck(...), captcha_id=...,
captcha_answer=...)``
    A person without an account (only purposes that allow it): the typed name, ID type
    and number, with an image captcha; rate-limited per client IP as accounts are per
    account.
``await FaceChecks.consume(check_id, purpose=..., account_id=... and/or id_number=...,
id_type=None, bound_to=None) -> ProvenFace``
    Claims a PASSED check atomically (``UPDATE ... WHERE consumed_at IS NULL``: of two
    concurrent consumptions exactly one wins) and returns whom it proved. Otherwise it
    raises ``FaceCheckRefused`` with ``FACE_CHECK_REQUIRED`` (no or unknown id),
    ``FACE_CHECK_OTHER_PERSON``, ``FACE_CHECK_OTHER_PURPOSE`` (another purpose or
    ``bound_to``), ``FACE_CHECK_PENDING``, ``FACE_CHECK_FAILED``, ``FACE_CHECK_EXPIRED`` or
    ``FACE_CHECK_USED``. Matching by ``id_number`` compares blind indexes, in constant time.
    A refusal spends nothing. ``FaceCheckRefused`` is a ``DomainError`` without a field,
    so ``graphql.errors.payload`` answers it as ``OperationRefused`` with that code.
``await FaceChecks.view(check_id, viewer_account_id) -> FaceCheckView | None``
    The state for its owner to poll (a check without an account: whoever holds its id);
    ``describe(check)`` gives the same for a check the caller already holds.

Who is checked comes from ``face_subjects``; callbacks, the sandbox page and the return
page reach the checks through ``FaceChecks.sessions`` (``face_check_sessions``).
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.ids.types import IdType
from identity_graph.verification import face_check_results, face_subjects
from identity_graph.verification.callbacks import callback_url, clean_return_path, result_url
from identity_graph.verification.claims import ClaimCodec
from identity_graph.verification.face_check_results import (
    FaceCheckRefused,
    FaceCheckStatus,
    FaceCheckView,
    ProvenFace,
    refusal,
    status_of,
)
from identity_graph.verification.face_check_sessions import (
    CLAIM_COLUMN,
    FaceCheckSessions,
    person_claim,
)
from identity_graph.verification.face_subjects import FaceSubjects, PersonToCheck
from identity_graph.verification.models import (
    ChallengeKind,
    ChallengeState,
    FaceCheck,
    FaceCheckPurpose,
)
from identity_graph.verification.providers.base import (
    ChallengeProvider,
    ChallengeRequest,
    PersonClaim,
)

MESSAGES = {
    **face_subjects.MESSAGES,
    **face_check_results.MESSAGES,
    "FACE_CHECK_BOUND_TO_INVALID": (
        "关联事项标识须为 1 至 128 个字符",
        "The reference of what the check is for must be 1 to 128 characters",
    ),
}
_BOUND_TO_MAX = 128

__all__ = [
    "FaceCheckPurpose",
    "FaceCheckRefused",
    "FaceCheckStatus",
    "FaceCheckView",
    "FaceChecks",
    "PersonToCheck",
    "Policy",
    "ProvenFace",
    "StartedFaceCheck",
]


@dataclass(frozen=True)
class Policy:
    ttl: timedelta  # how long an open session may take
    usable: timedelta  # how long a passed check may wait to be consumed
    starts: Rule  # starts per account, or per client IP for persons without one


@dataclass(frozen=True)
class StartedFaceCheck:
    check: FaceCheck
    url: str  # the provider's page to open


class FaceChecks:
    def __init__(
        self,
        clock: Clock,
        vault: PersonalData,
        captcha: CaptchaService,
        limiter: RateLimiter,
        provider: ChallengeProvider,
        audit: AuditLog,
        public_url: str,
        policy: Policy,
    ) -> None:
        self._clock = clock
        self._vault = vault
        self._captcha = captcha
        self._limiter = limiter
        self.provider = provider
        self._audit = audit
        self._public_url = public_url.rstrip("/")
        self.policy = policy
        self._codec = ClaimCodec(vault, CLAIM_COLUMN)
        self._subjects = FaceSubjects(vault)
        self.sessions = FaceCheckSessions(clock, self._codec, audit, policy.usable)

    async def start(
        self,
        purpose: FaceCheckPurpose,
        *,
        context: AuditContext,
        account_id: uuid.UUID | None = None,
        person: PersonToCheck | None = None,
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
        bound_to: str | None = None,
        return_url: str | None = None,
    ) -> StartedFaceCheck:
        """Open a provider session for ``purpose``; see the module docstring."""
        return_url = clean_return_path(return_url)
        if bound_to is not None and not 0 < len(bound_to) <= _BOUND_TO_MAX:
            raise ValidationFailed.single("boundTo", "FACE_CHECK_BOUND_TO_INVALID")
        if account_id is not None:
            if person is not None:
                raise ValidationFailed.single("person", "FACE_CHECK_PERSON_NOT_EXPECTED")
            claim = await self._subjects.of_account(purpose, account_id)
            await self._limiter.enforce(self.policy.starts, "account", str(account_id))
        else:
            answered = bool(captcha_id and captcha_answer)
            today = local_date(self._clock)
            claim = FaceSubjects.of_person(purpose, person, answered, today)
            await self._limiter.enforce(self.policy.starts, "ip", context.client_ip or "")
            await self._captcha.verify(captcha_id, captcha_answer, "captchaAnswer")
        return await self._open(purpose, claim, account_id, bound_to, return_url, context)

    async def _open(
        self,
        purpose: FaceCheckPurpose,
        claim: PersonClaim,
        account_id: uuid.UUID | None,
        bound_to: str | None,
        return_url: str | None,
        context: AuditContext,
    ) -> StartedFaceCheck:
        check_id = uuid.uuid4()
        # The provider first: if it does not answer, nothing is written (as challenges.py).
        started = await self.provider.start(
            ChallengeRequest(
                str(check_id),
                callback_url(self._public_url, ChallengeKind.FACE),
                result_url(self._public_url, check_id),
                claim,
            )
        )
        now = self._clock.now()
        async with in_transaction():
            check = await FaceCheck.create(
                id=check_id,
                purpose=purpose,
                account_id=account_id,
                claim_cipher=self._codec.seal(claim),
                id_type=claim.id_type,
                id_number_index=self._vault.index_id_number(claim.id_number),
                bound_to=bound_to,
                provider=self.provider.name,
                provider_reference=started.reference,
                return_url=return_url,
                created_at=now,
                expires_at=now + self.policy.ttl,
            )
            await self._audit.record(
                "face_check.started",
                context,
                subject_type="account" if account_id else "face_check",
                subject_id=str(account_id or check_id),
                details={
                    "face_check": str(check_id),
                    "purpose": purpose.value,
                    "provider": self.provider.name,
                    "reference": started.reference,
                },
            )
        return StartedFaceCheck(check, started.url)

    async def consume(
        self,
        check_id: uuid.UUID | str | None,
        *,
        purpose: FaceCheckPurpose,
        account_id: uuid.UUID | None = None,
        id_number: str | None = None,
        id_type: IdType | None = None,
        bound_to: str | None = None,
    ) -> ProvenFace:
        """Spend a passed check once; see the module docstring for the refusals."""
        if account_id is None and id_number is None:
            raise TypeError("consume() needs account_id or id_number: whom the check proves")
        check = await _load(check_id)
        if check is None:
            raise FaceCheckRefused("FACE_CHECK_REQUIRED")
        if not self._same_person(check, account_id, id_number, id_type):
            raise FaceCheckRefused("FACE_CHECK_OTHER_PERSON")
        if check.purpose is not purpose or check.bound_to != bound_to:
            raise FaceCheckRefused("FACE_CHECK_OTHER_PURPOSE")
        status = status_of(check, self._clock)
        if status is not FaceCheckStatus.PASSED:
            raise refusal(status)
        now = self._clock.now()
        won = await FaceCheck.filter(
            id=check.id,
            state=ChallengeState.PASSED,
            consumed_at__isnull=True,
            expires_at__gt=now,
        ).update(consumed_at=now)
        if not won:  # another consumption won between our read and this UPDATE
            raise FaceCheckRefused("FACE_CHECK_USED")
        return self._proven(check, now)

    def _same_person(
        self,
        check: FaceCheck,
        account_id: uuid.UUID | None,
        id_number: str | None,
        id_type: IdType | None,
    ) -> bool:
        if account_id is not None and check.account_id != account_id:  # type: ignore[attr-defined]
            return False
        if id_type is not None and check.id_type is not id_type:
            return False
        if id_number is None:
            return True
        index = self._vault.index_id_number(id_number)
        return hmac.compare_digest(index, check.id_number_index)

    def _proven(self, check: FaceCheck, consumed_at: datetime) -> ProvenFace:
        claim = person_claim(self._codec, check)
        assert check.completed_at is not None  # it passed
        return ProvenFace(
            check_id=check.id,
            purpose=check.purpose,
            real_name=claim.real_name,
            id_type=claim.id_type,
            id_number=claim.id_number,
            id_number_index=check.id_number_index,
            account_id=check.account_id,  # type: ignore[attr-defined]
            bound_to=check.bound_to,
            provider=check.provider,
            provider_reference=check.provider_reference,
            passed_at=check.completed_at,
            consumed_at=consumed_at,
        )

    async def view(
        self, check_id: uuid.UUID | str | None, viewer_account_id: uuid.UUID | None
    ) -> FaceCheckView | None:
        """The check for its owner; None when unknown or another account's."""
        check = await _load(check_id)
        owner = check.account_id if check else None  # type: ignore[attr-defined]
        if check is None or (owner is not None and owner != viewer_account_id):
            return None
        return self.describe(check)

    def describe(self, check: FaceCheck) -> FaceCheckView:
        """A check its caller already holds, as ``view`` shows it."""
        claim = person_claim(self._codec, check)
        return FaceCheckView(
            id=check.id,
            purpose=check.purpose,
            status=status_of(check, self._clock),
            masked_name=mask_name(claim.real_name),
            id_type=check.id_type,
            masked_id_number=mask_id_number(claim.id_number),
            failure_reason=check.failure_reason,
            created_at=check.created_at,
            expires_at=check.expires_at,
        )


async def _load(check_id: uuid.UUID | str | None) -> FaceCheck | None:
    if check_id is None:
        return None
    try:
        key = check_id if isinstance(check_id, uuid.UUID) else uuid.UUID(str(check_id))
    except ValueError:
        return None
    return await FaceCheck.get_or_none(id=key)
