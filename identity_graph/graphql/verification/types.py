"""Verification status, cases, reviews and documents as GraphQL types (SPEC §4).

Claims (the name and ID number a case checked) and scans are shown in clear only to the
holder and to reviewers; everyone else never reaches these types (queries check first).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypeVar

import strawberry

from identity_graph.accounts.models import Account as AccountModel
from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.core.errors import DomainError
from identity_graph.core.labels import Named
from identity_graph.files.models import Document as DocumentModel
from identity_graph.graphql.accounts.enums import AssuranceLevel, IdType, VerificationStatus
from identity_graph.graphql.accounts.types import may_see
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    list_connection,
    page_of_list,
)
from identity_graph.graphql.verification.enums import (
    DocumentKind,
    NextStep,
    RejectionReason,
    ReviewStatus,
    VerificationMethod,
    VerificationRoute,
    VerificationSubject,
)
from identity_graph.verification.cases import STATUS_OF, WAITING_FOR_HOLDER
from identity_graph.verification.models import (
    CaseState,
    ManualReview,
    VerificationAttempt,
    VerificationCase,
)
from identity_graph.verification.notices import next_steps, status_text_code
from identity_graph.verification.providers.base import PersonClaim
from identity_graph.verification.rules import Requirements, route_taken

Row = TypeVar("Row")
Node = TypeVar("Node")


@strawberry.type(description="What a client needs before submitting verification.")
class VerificationRequirements:
    route: VerificationRoute = strawberry.field(description="Automatic check or manual review.")
    fallbacks: list[VerificationMethod] = strawberry.field(
        description="Offered if the first check fails."
    )
    required_documents: list[DocumentKind] = strawberry.field(
        description="Scans a manual review must include."
    )
    accepted_documents: list[DocumentKind] = strawberry.field(
        description="Scans a manual review may include."
    )

    @classmethod
    def from_domain(cls, req: Requirements) -> VerificationRequirements:
        return cls(
            route=VerificationRoute(req.route.value),
            fallbacks=[VerificationMethod(m.value) for m in req.fallbacks],
            required_documents=sorted(
                (DocumentKind(k.value) for k in req.required_documents), key=lambda k: k.name
            ),
            accepted_documents=sorted(
                (DocumentKind(k.value) for k in req.accepted_documents), key=lambda k: k.name
            ),
        )


@strawberry.type(description="The identity a case checked (clear to its holder and reviewers).")
class VerificationClaim:
    name: str = strawberry.field(description="Real name, or the unit's name.")
    id_type: IdType | None = strawberry.field(description="Person's document type.")
    id_number: str | None = strawberry.field(description="Person's document number.")
    code: str | None = strawberry.field(description="Unit's USCC or organisation code.")
    legal_representative_name: str | None = strawberry.field(description="Unit's representative.")
    legal_representative_id_number: str | None = strawberry.field(
        description="Representative's document number."
    )
    founding_date: date | None = strawberry.field(description="Unit's founding date.")


def claim_of(info: Info, case: VerificationCase) -> VerificationClaim:
    claim = info.context.services.verification.claims.open(case.claim_cipher)
    reveal = may_see(info, case.account_id)  # type: ignore[attr-defined]
    if isinstance(claim, PersonClaim):
        return VerificationClaim(
            name=claim.real_name if reveal else mask_name(claim.real_name),
            id_type=IdType(claim.id_type.value),
            id_number=claim.id_number if reveal else mask_id_number(claim.id_number),
            code=None,
            legal_representative_name=None,
            legal_representative_id_number=None,
            founding_date=None,
        )
    return VerificationClaim(
        name=claim.name,
        id_type=None,
        id_number=None,
        code=claim.code,
        legal_representative_name=claim.legal_rep_name
        if reveal
        else mask_name(claim.legal_rep_name),
        legal_representative_id_number=claim.legal_rep_id_number
        if reveal
        else mask_id_number(claim.legal_rep_id_number),
        founding_date=claim.founding_date,
    )


@strawberry.type(description="One question to an authority, or one reviewer decision.")
class VerificationAttemptType:
    method: VerificationMethod = strawberry.field(description="Registry, face, licence, review.")
    provider: str = strawberry.field(description="Which adapter answered (`sandbox`, `http`...).")
    outcome: str = strawberry.field(description="match, mismatch, not_found, unavailable...")
    mismatched: list[str] = strawberry.field(
        description="Fields that disagreed (or a rejection's reason codes)."
    )
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, row: VerificationAttempt) -> VerificationAttemptType:
        return cls(
            method=VerificationMethod(row.method.value),
            provider=row.provider,
            outcome=row.outcome,
            mismatched=list(row.mismatched or []),
            at=row.created_at,
        )


@strawberry.type(description="A reason given by a reviewer, in words.")
class ReasonText:
    code: RejectionReason = strawberry.field(description="The reason.")
    text: str = strawberry.field(description="In the caller's language.")


@strawberry.type(name="UploadedDocument", description="An uploaded scan.")
class UploadedDocument:
    id: strawberry.ID = strawberry.field(description="Pass in `submitManualReview`.")
    kind: DocumentKind = strawberry.field(description="Slot.")
    mime: str = strawberry.field(description="Type found in the content.")
    size: int = strawberry.field(description="Bytes.")
    name: str = strawberry.field(description="Uploaded file name (display only).")

    @classmethod
    def from_model(cls, row: DocumentModel) -> UploadedDocument:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=DocumentKind(row.kind.value),
            mime=row.mime,
            size=row.size,
            name=row.name,
        )

    @strawberry.field(description="The file as a data: URL (holder and reviewers only).")
    async def data_url(self, info: Info) -> str | None:
        services = info.context.services
        rows = await services.documents_owned.get_many([uuid.UUID(self.id)])
        row = rows.get(uuid.UUID(self.id))
        if row is None or not may_see(info, row.owner_id):
            return None
        data = await services.documents_owned.read(row)
        return f"data:{row.mime};base64,{base64.b64encode(data).decode()}"


@strawberry.type(name="ManualReview", description="Scans sent for manual review (人工审核).")
class ManualReviewType:
    id: strawberry.ID = strawberry.field(description="Review id (for `decideReview`).")
    subject: VerificationSubject = strawberry.field(description="Person or unit.")
    status: ReviewStatus = strawberry.field(description="Open, approved or rejected.")
    submitted_at: datetime = strawberry.field(description="When the scans were sent.")
    due_on: date = strawberry.field(description="5 working days after submission.")
    overdue: bool = strawberry.field(description="Still open after its due date.")
    decided_at: datetime | None = strawberry.field(description="When decided.")
    reasons: list[ReasonText] = strawberry.field(description="Rejection reasons.")
    note: str | None = strawberry.field(description="Holder's note, then reviewer's note.")
    account_id: strawberry.ID = strawberry.field(description="Whose case.")
    case_id: strawberry.ID = strawberry.field(description="The case reviewed.")
    document_ids: strawberry.Private[list[str]]

    @classmethod
    def from_model(cls, info: Info, row: ManualReview) -> ManualReviewType:
        t = info.context.t
        return cls(
            id=strawberry.ID(str(row.id)),
            subject=VerificationSubject(row.subject.value),
            status=ReviewStatus(row.state.value),
            submitted_at=row.submitted_at,
            due_on=row.due_on,
            overdue=info.context.services.reviews.is_overdue(row),
            decided_at=row.decided_at,
            reasons=[ReasonText(code=RejectionReason(code), text=t(code)) for code in row.reasons],
            note=row.note,
            account_id=strawberry.ID(str(row.account_id)),
            case_id=strawberry.ID(str(row.case_id)),  # type: ignore[attr-defined]
            document_ids=list(row.documents or []),
        )

    @strawberry.field(description="The scans (holder and reviewers only).")
    async def documents(self, info: Info) -> list[UploadedDocument]:
        if not may_see(info, uuid.UUID(self.account_id)):
            return []
        ids = [uuid.UUID(i) for i in self.document_ids]
        rows = await info.context.services.documents_owned.get_many(ids)
        return [UploadedDocument.from_model(rows[i]) for i in ids if i in rows]

    @strawberry.field(description="The identity claimed (holder and reviewers only).")
    async def claim(self, info: Info) -> VerificationClaim | None:
        if not may_see(info, uuid.UUID(self.account_id)):
            return None
        case = await VerificationCase.get(id=uuid.UUID(self.case_id))
        return claim_of(info, case)


@strawberry.type(name="VerificationCase", description="One request to verify one identity.")
class VerificationCaseType:
    id: strawberry.ID = strawberry.field(description="Case id.")
    subject: VerificationSubject = strawberry.field(description="Person or unit.")
    route: VerificationRoute = strawberry.field(
        description="How it was decided: automatic check or manual review as submitted, or "
        "FALLBACK when a face check or e-licence decided it after the automatic check "
        "failed (`decidedBy` says which)."
    )
    status: VerificationStatus = strawberry.field(description="Status (SPEC §4.2).")
    superseded: bool = strawberry.field(description="Replaced by a newer case.")
    withdrawn: bool = strawberry.field(
        description="Withdrawn by its holder while it was pending (`withdrawVerification`)."
    )
    failure_reason: str | None = strawberry.field(description="Why it failed, in words.")
    failure_fields: list[str] = strawberry.field(description="Fields the registry disputed.")
    decided_by: VerificationMethod | None = strawberry.field(description="What decided it.")
    level: AssuranceLevel | None = strawberry.field(description="Level it grants.")
    created_at: datetime = strawberry.field(description="Submitted at.")
    expires_at: datetime | None = strawberry.field(
        description="Fallbacks and new scans are taken until then (failed / rejected cases)."
    )
    case: strawberry.Private[VerificationCase]

    @classmethod
    def from_model(cls, info: Info, row: VerificationCase) -> VerificationCaseType:
        fields = Named.of(row.failure_fields or [])
        failure = info.context.t(row.failure_code, fields=fields) if row.failure_code else None
        return cls(
            id=strawberry.ID(str(row.id)),
            subject=VerificationSubject(row.subject.value),
            route=VerificationRoute(route_taken(row.route, row.decided_by).value),
            status=VerificationStatus(STATUS_OF[row.state].value),
            superseded=row.state is CaseState.SUPERSEDED,
            withdrawn=row.state is CaseState.WITHDRAWN,
            failure_reason=failure,
            failure_fields=list(row.failure_fields or []),
            decided_by=VerificationMethod(row.decided_by.value) if row.decided_by else None,
            level=AssuranceLevel(row.level.value) if row.level else None,
            created_at=row.created_at,
            expires_at=row.expires_at if row.state in WAITING_FOR_HOLDER else None,
            case=row,
        )

    @strawberry.field(description="The identity checked (clear to its holder and reviewers).")
    def claim(self, info: Info) -> VerificationClaim:
        return claim_of(info, self.case)

    @strawberry.field(description="Every check and decision, oldest first (a connection).")
    async def attempts(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[VerificationAttemptType]:
        rows = await VerificationAttempt.filter(case_id=self.case.id).order_by("id")
        arguments = (first, after, last, before)
        return paged(info, rows, "attempt", arguments, VerificationAttemptType.from_model)

    @strawberry.field(description="Manual reviews of this case, oldest first (a connection).")
    async def reviews(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ManualReviewType]:
        rows = await info.context.services.reviews.for_case(self.case.id)
        arguments = (first, after, last, before)
        return paged(
            info, rows, "case-review", arguments, lambda row: ManualReviewType.from_model(info, row)
        )


@strawberry.type(description="The viewer's real-name verification (实名认证) at a glance.")
class Verification:
    status: VerificationStatus = strawberry.field(description="Status (SPEC §4.2).")
    status_text: str = strawberry.field(
        description="As the manuals word it, naming the check that decided it (a face "
        "check, the e-licence) and a real-person step-up."
    )
    level: AssuranceLevel = strawberry.field(description="Level (also the OIDC `acr`).")
    next_steps: list[NextStep] = strawberry.field(description="What you can do now.")
    current_case: VerificationCaseType | None = strawberry.field(description="The current case.")
    account_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Every case of this account, newest first (a connection).")
    async def history(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[VerificationCaseType]:
        rows = await VerificationCase.filter(account_id=self.account_id).order_by(
            "-created_at", "-id"
        )
        arguments = (first, after, last, before)
        return paged(
            info, rows, "case", arguments, lambda row: VerificationCaseType.from_model(info, row)
        )


def paged(
    info: Info,
    rows: Sequence[Row],
    kind: str,
    arguments: tuple[int | None, str | None, int | None, str | None],
    to_node: Callable[[Row], Node],
) -> Connection[Node]:
    """One page of ``rows`` (each keyed by its id) as a connection."""
    first, after, last, before = arguments
    try:
        page, page_info, cursors = page_of_list(
            rows,
            kind,
            lambda row: str(row.id),  # type: ignore[attr-defined]
            first=first,
            after=after,
            last=last,
            before=before,
        )
    except DomainError as exc:
        raise as_graphql_error(info, exc) from None
    return list_connection(page, page_info, cursors, to_node)


async def verification_of(info: Info, account: AccountModel) -> Verification:
    services = info.context.services
    case = await services.verification.current(account)
    expired = (
        case is not None and case.is_expired(services.clock) and case.state in WAITING_FOR_HOLDER
    )
    return Verification(
        status=VerificationStatus(account.verification_status.value),
        status_text=info.context.t(status_text_code(account.verification_status, case)),
        level=AssuranceLevel(account.level.value),
        next_steps=[NextStep(code) for code in next_steps(case, expired=expired)],
        current_case=VerificationCaseType.from_model(info, case) if case else None,
        account_id=account.id,
    )
