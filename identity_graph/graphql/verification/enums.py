"""GraphQL enums of real-name verification (SPEC §4)."""

from __future__ import annotations

from enum import Enum

import strawberry

from identity_graph.files.service import DocumentKind as DomainDocumentKind
from identity_graph.verification import rules
from identity_graph.verification.models import ReviewState
from identity_graph.verification.review import RejectionReason as DomainReason


@strawberry.enum(description="How a case is decided (SPEC §4.3, §4.4).")
class VerificationRoute(Enum):
    AUTOMATIC = strawberry.enum_value(
        rules.Route.AUTOMATIC.value, description="National platform registry check (自动核验)."
    )
    MANUAL = strawberry.enum_value(
        rules.Route.MANUAL.value, description="Manual review of scans (人工审核)."
    )
    FALLBACK = strawberry.enum_value(
        rules.Route.FALLBACK.value,
        description="A case only: the automatic check failed and a fallback (face check, "
        "electronic business licence) decided it. Never a submission route.",
    )


@strawberry.enum(description="Ways a case can be decided (SPEC §4.4).")
class VerificationMethod(Enum):
    REGISTRY = strawberry.enum_value(rules.Method.REGISTRY.value, description="国家平台核验.")
    FACE = strawberry.enum_value(rules.Method.FACE.value, description="人脸识别 (real person).")
    BUSINESS_LICENCE = strawberry.enum_value(
        rules.Method.BUSINESS_LICENCE.value, description="电子营业执照."
    )
    MANUAL_REVIEW = strawberry.enum_value(rules.Method.MANUAL_REVIEW.value, description="人工审核.")
    UPSTREAM = strawberry.enum_value(
        rules.Method.UPSTREAM.value, description="国家平台账号登录时由上游认证 (upstream login)."
    )


@strawberry.enum(description="What the holder can do next.")
class NextStep(Enum):
    SUBMIT = strawberry.enum_value("NEXT_SUBMIT", description="Submit identity data.")
    FACE = strawberry.enum_value("NEXT_FACE", description="Start a face check.")
    BUSINESS_LICENCE = strawberry.enum_value(
        "NEXT_BUSINESS_LICENCE", description="Confirm with the electronic business licence."
    )
    MANUAL_REVIEW = strawberry.enum_value(
        "NEXT_MANUAL_REVIEW", description="Upload scans and submit them for manual review."
    )
    WAIT = strawberry.enum_value("NEXT_WAIT", description="Wait for the result.")
    WITHDRAW = strawberry.enum_value(
        "NEXT_WITHDRAW",
        description="Tired of waiting (the national platform is not answering): "
        "`withdrawVerification`, then submit again.",
    )
    NONE = strawberry.enum_value("NEXT_NONE", description="Nothing to do.")


@strawberry.enum(description="The slot an uploaded document fills.")
class DocumentKind(Enum):
    ID_FRONT = strawberry.enum_value(
        DomainDocumentKind.ID_FRONT.value, description="ID front (人像面), max 1 MB."
    )
    ID_BACK = strawberry.enum_value(
        DomainDocumentKind.ID_BACK.value, description="ID back (国徽面), max 1 MB."
    )
    BUSINESS_LICENCE = strawberry.enum_value(
        DomainDocumentKind.BUSINESS_LICENCE.value, description="Business licence with seal."
    )
    AUTHORISATION_LETTER = strawberry.enum_value(
        DomainDocumentKind.AUTHORISATION_LETTER.value, description="Authorisation letter."
    )
    HOLDING_ID_PHOTO = strawberry.enum_value(
        DomainDocumentKind.HOLDING_ID_PHOTO.value, description="Photo holding the ID."
    )
    OTHER = strawberry.enum_value(
        DomainDocumentKind.OTHER.value, description="Other material (up to 3)."
    )


@strawberry.enum(description="State of a manual review.")
class ReviewStatus(Enum):
    OPEN = strawberry.enum_value(ReviewState.OPEN.value, description="Waiting for a reviewer.")
    APPROVED = strawberry.enum_value(ReviewState.APPROVED.value, description="Approved.")
    REJECTED = strawberry.enum_value(ReviewState.REJECTED.value, description="Rejected.")
    WITHDRAWN = strawberry.enum_value(ReviewState.WITHDRAWN.value, description="Withdrawn.")


@strawberry.enum(description="Whose identity a case verifies.")
class VerificationSubject(Enum):
    PERSON = strawberry.enum_value(rules.Subject.PERSON.value, description="A natural person.")
    UNIT = strawberry.enum_value(rules.Subject.UNIT.value, description="A legal person.")


@strawberry.enum(description="Reasons a reviewer may give for a rejection.")
class RejectionReason(Enum):
    SCAN_UNCLEAR = strawberry.enum_value(
        DomainReason.SCAN_UNCLEAR.value, description="扫描件不清晰."
    )
    SCAN_MISMATCH = strawberry.enum_value(
        DomainReason.SCAN_MISMATCH.value, description="材料与填写信息不一致."
    )
    DOCUMENT_EXPIRED = strawberry.enum_value(
        DomainReason.DOCUMENT_EXPIRED.value, description="证件已过有效期."
    )
    SEAL_MISSING = strawberry.enum_value(
        DomainReason.SEAL_MISSING.value, description="营业执照未加盖公章."
    )
    MATERIALS_INCOMPLETE = strawberry.enum_value(
        DomainReason.MATERIALS_INCOMPLETE.value, description="材料不完整."
    )
    IDENTITY_INCONSISTENT = strawberry.enum_value(
        DomainReason.IDENTITY_INCONSISTENT.value, description="身份信息存疑."
    )
    OTHER = strawberry.enum_value(DomainReason.OTHER.value, description="其他 (see the note).")


@strawberry.enum(description="A reviewer's decision.")
class ReviewDecision(Enum):
    APPROVE = strawberry.enum_value("approve", description="Approve: 平台人工审核通过.")
    REJECT = strawberry.enum_value("reject", description="Reject with at least one reason.")
