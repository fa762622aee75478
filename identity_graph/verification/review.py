"""Manual review (人工审核, SPEC §4.4, §6.2): scans in, a reviewer's decision out.

```mermaid
stateDiagram-v2
    [*] --> OPEN: holder submits scans (case -> MANUAL_REVIEW), due in 5 working days
    OPEN --> APPROVED: reviewer approves (case -> MANUAL_APPROVED, level real name)
    OPEN --> REJECTED: reviewer rejects with reasons (case -> MANUAL_REJECTED)
    REJECTED --> [*]: holder may submit new scans: a new review on the same case
```

The due date counts 5 working days from the day after submission on the Chinese holiday
calendar (``workdays.py``); reviews past it are *overdue* and come first in the queue. A
reviewer never decides a case of their own account. The decision is a conditional UPDATE
of the open review, so of two reviewers deciding at once exactly one wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.transactions import in_transaction

from identity_graph.accounts.enums import AssuranceLevel, Role
from identity_graph.accounts.models import Account
from identity_graph.core import keyset
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.keyset import Window
from identity_graph.core.labels import Named
from identity_graph.core.validators import Checks, optional_text
from identity_graph.files.documents import Documents
from identity_graph.files.models import Document
from identity_graph.files.service import DocumentKind
from identity_graph.verification.cases import WAITING_FOR_HOLDER, move
from identity_graph.verification.models import (
    CaseState,
    ManualReview,
    ReviewState,
    VerificationAttempt,
    VerificationCase,
)
from identity_graph.verification.notices import Notices
from identity_graph.verification.rules import (
    MAX_OTHER_DOCUMENTS,
    REVIEW_ACCEPTED,
    REVIEW_REQUIRED,
    Method,
    Subject,
)
from identity_graph.verification.service import VerificationService
from identity_graph.verification.workdays import WorkingDays


class RejectionReason(StrEnum):
    """The reviewer's reason list (the holder sees each in plain words)."""

    SCAN_UNCLEAR = "REJECT_SCAN_UNCLEAR"
    SCAN_MISMATCH = "REJECT_SCAN_MISMATCH"
    DOCUMENT_EXPIRED = "REJECT_DOCUMENT_EXPIRED"
    SEAL_MISSING = "REJECT_SEAL_MISSING"
    MATERIALS_INCOMPLETE = "REJECT_MATERIALS_INCOMPLETE"
    IDENTITY_INCONSISTENT = "REJECT_IDENTITY_INCONSISTENT"
    OTHER = "REJECT_OTHER"


MESSAGES = {
    "REJECT_SCAN_UNCLEAR": ("证件扫描件不清晰", "The scan is not legible"),
    "REJECT_SCAN_MISMATCH": (
        "上传材料与填写信息不一致",
        "The materials do not match the data entered",
    ),
    "REJECT_DOCUMENT_EXPIRED": ("证件已过有效期", "The document has expired"),
    "REJECT_SEAL_MISSING": ("营业执照复印件未加盖公章", "The licence copy bears no seal"),
    "REJECT_MATERIALS_INCOMPLETE": ("材料不完整", "Materials are incomplete"),
    "REJECT_IDENTITY_INCONSISTENT": (
        "身份信息存疑，请补充证明材料",
        "The identity is in doubt; add supporting materials",
    ),
    "REJECT_OTHER": ("其他原因（见审核意见）", "Other (see the reviewer's note)"),
    "DOCUMENT_REQUIRED": ("请上传{kind}", "Please upload the {kind}"),
    "DOCUMENT_NOT_ACCEPTED": ("此处不接受该类材料", "This kind of document is not taken here"),
    "DOCUMENT_DUPLICATE_KIND": ("同类材料只能上传一份", "Only one document of this kind"),
    "TOO_MANY_DOCUMENTS": ("其他材料最多 {max} 份", "At most {max} other documents"),
    "DOCUMENT_UNKNOWN": (
        "材料不存在或已被使用，请重新上传",
        "No such document, or it was used already; upload it again",
    ),
    "NO_CASE_FOR_REVIEW": (
        "当前没有可提交人工审核的实名认证，请先提交实名认证信息",
        "There is no verification to review; submit your identity data first",
    ),
    "REVIEW_ALREADY_DECIDED": ("该审核已处理", "This review has already been decided"),
    "REVIEW_NOT_FOUND": ("审核记录不存在", "No such review"),
    "OWN_CASE": ("不能审核本人账号的认证", "You cannot review your own account"),
    "REJECTION_REASON_REQUIRED": (
        "驳回时请至少选择一项原因",
        "Choose at least one reason to reject",
    ),
}


@dataclass(frozen=True)
class Decision:
    approve: bool
    reasons: Sequence[RejectionReason] = ()
    note: str | None = None


class ReviewService:
    def __init__(
        self,
        clock: Clock,
        verification: VerificationService,
        documents: Documents,
        workdays: WorkingDays,
        notices: Notices,
        audit: AuditLog,
        working_days: int = 5,
    ) -> None:
        self._clock = clock
        self._verification = verification
        self._documents = documents
        self._workdays = workdays
        self._notices = notices
        self._audit = audit
        self._working_days = working_days

    async def submit(
        self,
        account_id: uuid.UUID,
        document_ids: list[uuid.UUID],
        note: str | None,
        context: AuditContext,
    ) -> ManualReview:
        """Send scans for the current case; the case must be waiting for the holder."""
        account = await Account.get(id=account_id)
        case = await self._verification.current(account)
        if case is None or case.state not in WAITING_FOR_HOLDER:
            raise DomainError("NO_CASE_FOR_REVIEW")
        case.ensure_valid(self._clock)
        text = optional_text(note, "note", max_length=500, multiline=True)
        documents = await self._documents.owned(account_id, document_ids)
        _check_materials(case.subject, document_ids, documents)
        now = self._clock.now()
        review_id = uuid.uuid4()
        async with in_transaction():
            if not await self._documents.claim(document_ids, account_id, review_id):
                raise ValidationFailed.single("documentIds", "DOCUMENT_UNKNOWN")
            review = await ManualReview.create(
                id=review_id,
                case_id=case.id,
                account_id=account_id,
                subject=case.subject,
                documents=[str(i) for i in document_ids],
                submitted_at=now,
                due_on=self._workdays.due_date(local_date(self._clock), self._working_days),
                note=text,
            )
            await move(case, CaseState.MANUAL_REVIEW, now, self._verification.policy.case_ttl)
            await self._verification.point(case.account_id, case.id, case)  # type: ignore[attr-defined]
            await self._audit.record(
                "verification.review_submitted",
                context,
                subject_type="account",
                subject_id=str(account_id),
                details={"review": str(review_id), "documents": len(document_ids)},
            )
        return review

    async def decide(
        self, review_id: uuid.UUID, decision: Decision, reviewer: Account, context: AuditContext
    ) -> ManualReview:
        if not reviewer.has_role(Role.REVIEWER):
            raise NotAuthorized()
        review = await ManualReview.get_or_none(id=review_id)
        if review is None:
            raise DomainError("REVIEW_NOT_FOUND", "reviewId")
        if review.account_id == reviewer.id:
            raise NotAuthorized("OWN_CASE")
        if not decision.approve and not decision.reasons:
            raise ValidationFailed.single("reasons", "REJECTION_REASON_REQUIRED")
        note = optional_text(decision.note, "note", max_length=1000, multiline=True)
        now = self._clock.now()
        state = ReviewState.APPROVED if decision.approve else ReviewState.REJECTED
        reasons = [reason.value for reason in decision.reasons]
        async with in_transaction():
            won = await ManualReview.filter(id=review.id, state=ReviewState.OPEN).update(
                state=state, reviewer_id=reviewer.id, decided_at=now, reasons=reasons, note=note
            )
            if not won:
                raise DomainError("REVIEW_ALREADY_DECIDED")
            case = await VerificationCase.get(id=review.case_id)  # type: ignore[attr-defined]
            await self._settle(case, decision, reasons, now)
            await self._audit.record(
                "verification.review_decided",
                context,
                subject_type="account",
                subject_id=str(review.account_id),
                details={"review": str(review.id), "decision": state.value, "reasons": reasons},
            )
        return await ManualReview.get(id=review.id)

    async def _settle(
        self, case: VerificationCase, decision: Decision, reasons: list[str], now: datetime
    ) -> None:
        ttl = self._verification.policy.case_ttl
        if decision.approve:
            await move(
                case,
                CaseState.MANUAL_APPROVED,
                now,
                ttl,
                decided_by=Method.MANUAL_REVIEW,
                level=AssuranceLevel.REAL_NAME,
                decided_at=now,
                failure_code=None,
                failure_fields=[],
            )
        else:
            await move(case, CaseState.MANUAL_REJECTED, now, ttl)
        await VerificationAttempt.create(
            case_id=case.id,
            method=Method.MANUAL_REVIEW,
            provider="reviewer",
            outcome="approved" if decision.approve else "rejected",
            mismatched=reasons,
            created_at=now,
        )
        await self._verification.point(case.account_id, case.id, case)  # type: ignore[attr-defined]
        await self._notices.decided(case, reasons)

    async def queue(
        self, *, states: Sequence[ReviewState], subject: Subject | None, window: Window
    ) -> list[ManualReview]:
        """Oldest due date first (so overdue reviews lead), then by id: the rows in
        ``window`` (forwards or backwards)."""
        query = ManualReview.filter(state__in=list(states))
        if subject is not None:
            query = query.filter(subject=subject)
        return await keyset.read(query, window, key=("due_on", "id"))

    def is_overdue(self, review: ManualReview) -> bool:
        return review.state is ReviewState.OPEN and review.due_on < local_date(self._clock)

    async def for_case(self, case_id: uuid.UUID) -> list[ManualReview]:
        return await ManualReview.filter(case_id=case_id).order_by("submitted_at")


def _check_materials(
    subject: Subject, ids: list[uuid.UUID], documents: dict[uuid.UUID, Document]
) -> None:
    """Required slots present, every slot accepted here, one of each but up to 3 others."""
    if not ids or len(set(ids)) != len(ids) or any(i not in documents for i in ids):
        raise ValidationFailed.single("documentIds", "DOCUMENT_UNKNOWN")
    checks = Checks()
    kinds = [documents[i].kind for i in ids]
    for kind in sorted(REVIEW_REQUIRED[subject] - set(kinds)):
        checks.fail("documentIds", "DOCUMENT_REQUIRED", kind=Named(kind.value))
    if any(kind not in REVIEW_ACCEPTED[subject] for kind in kinds):
        checks.fail("documentIds", "DOCUMENT_NOT_ACCEPTED")
    singles = [kind for kind in kinds if kind is not DocumentKind.OTHER]
    if len(singles) != len(set(singles)):
        checks.fail("documentIds", "DOCUMENT_DUPLICATE_KIND")
    if kinds.count(DocumentKind.OTHER) > MAX_OTHER_DOCUMENTS:
        checks.fail("documentIds", "TOO_MANY_DOCUMENTS", max=MAX_OTHER_DOCUMENTS)
    checks.raise_if_any()
