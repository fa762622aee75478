"""Success types and result unions of the verification mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.verification.types import (
    ManualReviewType,
    UploadedDocument,
    Verification,
)


@strawberry.type(description="The form was taken; `verification` says where it stands now.")
class VerificationSubmitted:
    verification: Verification = strawberry.field(description="Status, case and next steps.")


@strawberry.type(
    description="The pending case was withdrawn; `verification` shows UNVERIFIED and that "
    "a new submission is taken."
)
class VerificationWithdrawn:
    verification: Verification = strawberry.field(description="Status, case and next steps.")


@strawberry.type(description="A face session or licence challenge was opened.")
class ChallengeStarted:
    challenge_id: strawberry.ID = strawberry.field(description="The session id.")
    url: str = strawberry.field(
        description="Face: open this page. Licence: the QR payload the licence app scans."
    )
    qr_image: str | None = strawberry.field(
        description="Licence only: the QR code as a PNG data: URL to show the unit."
    )
    expires_at: datetime = strawberry.field(description="Complete it before then.")


@strawberry.type(description="The scan was accepted; pass its id to `submitManualReview`.")
class DocumentUploaded:
    document: UploadedDocument = strawberry.field(description="The stored document.")


@strawberry.type(description="The scans went to a reviewer; due in 5 working days.")
class ReviewSubmitted:
    review: ManualReviewType = strawberry.field(description="The review.")


@strawberry.type(description="The decision was recorded and the holder told by SMS.")
class ReviewDecided:
    review: ManualReviewType = strawberry.field(description="The decided review.")


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused

SubmitVerificationResult = Annotated[
    VerificationSubmitted | _ERRORS,
    strawberry.union("SubmitVerificationResult", description="Submitted, or why not."),
]
WithdrawVerificationResult = Annotated[
    VerificationWithdrawn | _ERRORS,
    strawberry.union("WithdrawVerificationResult", description="Withdrawn, or why not."),
]
StartChallengeResult = Annotated[
    ChallengeStarted | _ERRORS,
    strawberry.union("StartChallengeResult", description="Started, or why not."),
]
UploadDocumentResult = Annotated[
    DocumentUploaded | _ERRORS,
    strawberry.union("UploadDocumentResult", description="Stored, or why not."),
]
SubmitReviewResult = Annotated[
    ReviewSubmitted | _ERRORS,
    strawberry.union("SubmitReviewResult", description="Submitted, or why not."),
]
DecideReviewResult = Annotated[
    ReviewDecided | _ERRORS,
    strawberry.union("DecideReviewResult", description="Decided, or why not."),
]
