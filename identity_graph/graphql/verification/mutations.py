"""Verification mutations (SPEC §4.4): each checks the viewer and calls one service method."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from identity_graph.accounts.models import Account as AccountModel
from identity_graph.core.errors import NotAuthorized, ValidationFailed
from identity_graph.files.service import DocumentKind as DomainDocumentKind
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import payload
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.verification.enums import DocumentKind
from identity_graph.graphql.verification.inputs import (
    DecideReviewInput,
    SubmitManualReviewInput,
    SubmitRealNameVerificationInput,
)
from identity_graph.graphql.verification.payloads import (
    ChallengeStarted,
    DecideReviewResult,
    DocumentUploaded,
    ReviewDecided,
    ReviewSubmitted,
    StartChallengeResult,
    SubmitReviewResult,
    SubmitVerificationResult,
    UploadDocumentResult,
    VerificationSubmitted,
    VerificationWithdrawn,
    WithdrawVerificationResult,
)
from identity_graph.graphql.verification.types import (
    ManualReviewType,
    UploadedDocument,
    verification_of,
)
from identity_graph.verification.callbacks import clean_return_path
from identity_graph.verification.challenges import StartedChallenge
from identity_graph.verification.models import ChallengeKind
from identity_graph.web.qr import qr_data_url


async def _viewer_account(info: Info) -> AccountModel:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    if viewer.account is not None:  # checked with the credential: one load per request
        return viewer.account
    return await AccountModel.get(id=viewer.account_id)


async def _verification(info: Info, account_id: uuid.UUID) -> VerificationSubmitted:
    account = await AccountModel.get(id=account_id)
    return VerificationSubmitted(verification=await verification_of(info, account))


def _started(kind: ChallengeKind) -> Any:
    def convert(started: StartedChallenge) -> ChallengeStarted:
        licence = kind is ChallengeKind.BUSINESS_LICENCE
        return ChallengeStarted(
            challenge_id=strawberry.ID(str(started.challenge.id)),
            url=started.url,
            qr_image=qr_data_url(started.url) if licence else None,
            expires_at=started.challenge.expires_at,
        )

    return convert


@strawberry.type
class VerificationMutations:
    @strawberry.mutation(
        description="Submit real-name verification (实名认证): `person` for a resident, `unit` "
        "for an enterprise, with captcha and pledge. Automatic identities are checked with the "
        "national platform at once (an outage leaves the case PENDING and it is retried); "
        "others wait for scans (`submitManualReview`)."
    )
    async def submit_real_name_verification(
        self, info: Info, input: SubmitRealNameVerificationInput
    ) -> SubmitVerificationResult:
        context = info.context
        service = context.services.verification

        async def call() -> VerificationSubmitted:
            account = await _viewer_account(info)
            if (input.person is None) == (input.unit is None):
                raise ValidationFailed.single("person", "PERSON_OR_UNIT_REQUIRED")
            if input.person is not None:
                await service.submit_person(
                    account.id,
                    input.person.to_domain(),
                    input.submission(),
                    context.audit,
                    loaded=account,
                )
            else:
                assert input.unit is not None
                await service.submit_unit(
                    account.id,
                    input.unit.to_domain(),
                    input.submission(),
                    context.audit,
                    loaded=account,
                )
            return await _verification(info, account.id)

        return await payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Withdraw your real-name verification while it is PENDING (撤回): the "
        "national platform has not answered yet and you do not want to wait. Nothing is "
        "decided; your status becomes UNVERIFIED and you may submit again."
    )
    async def withdraw_verification(self, info: Info) -> WithdrawVerificationResult:
        context = info.context

        async def call() -> VerificationWithdrawn:
            account = await _viewer_account(info)
            await context.services.verification.withdraw(account.id, context.audit)
            submitted = await _verification(info, account.id)
            return VerificationWithdrawn(verification=submitted.verification)

        return await payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Start a face check (人脸识别): after a failed registry check, or to step "
        "up from real-name to real-person. Open `url`; the result arrives by signed callback."
    )
    async def start_face_verification(
        self,
        info: Info,
        return_url: Annotated[
            str | None,
            strawberry.argument(
                description="A path on this service (starting with /): the result page the "
                "provider returns to links there.",
                metadata=text(300),
            ),
        ] = None,
    ) -> StartChallengeResult:
        return await _start(info, ChallengeKind.FACE, return_url)

    @strawberry.mutation(
        description="Start electronic business licence verification (电子营业执照) after a "
        "failed registry check: show `qrImage` to the unit; the licence app confirms."
    )
    async def start_business_licence_verification(
        self,
        info: Info,
        return_url: Annotated[
            str | None,
            strawberry.argument(
                description="A path on this service (starting with /): the result page the "
                "provider returns to links there.",
                metadata=text(300),
            ),
        ] = None,
    ) -> StartChallengeResult:
        return await _start(info, ChallengeKind.BUSINESS_LICENCE, return_url)

    @strawberry.mutation(
        description="Upload one scan (GraphQL multipart request). The type is read from the "
        "content: jpg, png or pdf; ID scans up to 1 MB, others up to 5 MB."
    )
    async def upload_document(
        self,
        info: Info,
        kind: Annotated[DocumentKind, strawberry.argument(description="The slot this scan fills.")],
        file: Annotated[Upload, strawberry.argument(description="The file (multipart request).")],
    ) -> UploadDocumentResult:
        services = info.context.services

        async def call() -> DocumentUploaded:
            account = await _viewer_account(info)
            domain_kind = DomainDocumentKind[kind.name]
            limit = services.documents.max_bytes(domain_kind)
            data = await file.read(limit + 1)  # type: ignore[attr-defined]
            name = str(getattr(file, "filename", "") or "")
            row = await services.documents_owned.upload(account.id, domain_kind, name, data, "file")
            return DocumentUploaded(document=UploadedDocument.from_model(row))

        return await payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Send uploaded scans for manual review (人工审核) of the current case; "
        "the answer is due in 5 working days and comes by SMS."
    )
    async def submit_manual_review(
        self, info: Info, input: SubmitManualReviewInput
    ) -> SubmitReviewResult:
        context = info.context

        async def call() -> ReviewSubmitted:
            account = await _viewer_account(info)
            ids = [_uuid(value, "documentIds") for value in input.document_ids]
            review = await context.services.reviews.submit(
                account.id, ids, input.note, context.audit
            )
            return ReviewSubmitted(review=ManualReviewType.from_model(info, review))

        return await payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Reviewers: approve, or reject with reasons, a manual review. Not for "
        "cases of your own account; of two reviewers deciding at once, one wins."
    )
    async def decide_review(self, info: Info, input: DecideReviewInput) -> DecideReviewResult:
        context = info.context

        async def call() -> ReviewDecided:
            reviewer = await _viewer_account(info)
            review = await context.services.reviews.decide(
                _uuid(input.review_id, "reviewId"), input.to_domain(), reviewer, context.audit
            )
            return ReviewDecided(review=ManualReviewType.from_model(info, review))

        return await payload(info, call(), lambda result: result)


async def _start(info: Info, kind: ChallengeKind, return_url: str | None) -> StartChallengeResult:
    context = info.context

    async def call() -> StartedChallenge:
        account = await _viewer_account(info)
        return await context.services.challenges.start(
            account.id, kind, clean_return_path(return_url), context.audit
        )

    return await payload(info, call(), _started(kind))


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed.single(field, "ID_INVALID") from None
