"""``startFaceCheck`` and ``faceCheck``: purpose-bound face checks over GraphQL (SPEC §2.3,
§8). The transport picks the account or the typed person and calls one service method."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import payload
from identity_graph.graphql.verification.face_check_types import (
    FaceCheck,
    FaceCheckStarted,
    StartFaceCheckInput,
    StartFaceCheckResult,
)
from identity_graph.verification.face_checks import StartedFaceCheck
from identity_graph.verification.models import FaceCheckPurpose


@strawberry.type
class FaceCheckMutations:
    @strawberry.mutation(
        description="Start a face check (人脸识别) for one purpose: open `url`, then poll "
        "`faceCheck` or pass `faceCheckId` to the operation it is for (once, soon after "
        "passing: 10 minutes by default). Without a login: `person` and a captcha, "
        "rate-limited per client address."
    )
    async def start_face_check(
        self, info: Info, input: StartFaceCheckInput
    ) -> StartFaceCheckResult:
        context = info.context
        viewer = context.viewer

        async def call() -> FaceCheckStarted:
            started = await context.services.face_checks.start(
                FaceCheckPurpose[input.purpose.name],
                context=context.audit,
                account_id=viewer.account_id if viewer else None,
                person=input.person.to_domain() if input.person else None,
                captcha_id=input.captcha_id,
                captcha_answer=input.captcha_answer,
                bound_to=input.bound_to,
                return_url=input.return_url,
            )
            return _started(info, started)

        return await payload(info, call(), lambda result: result)


def _started(info: Info, started: StartedFaceCheck) -> FaceCheckStarted:
    view = info.context.services.face_checks.describe(started.check)
    return FaceCheckStarted(
        face_check_id=strawberry.ID(str(started.check.id)),
        url=started.url,
        expires_at=started.check.expires_at,
        face_check=FaceCheck.from_view(info, view),
    )


@strawberry.type
class FaceCheckQueries:
    @strawberry.field(
        description="A face check, for whoever started it: the account that did, or for a "
        "check without a login, whoever holds its id. Null when unknown or not yours."
    )
    async def face_check(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The face check's id.")],
    ) -> FaceCheck | None:
        viewer = info.context.viewer
        view = await info.context.services.face_checks.view(
            str(id), viewer.account_id if viewer else None
        )
        return FaceCheck.from_view(info, view) if view else None
