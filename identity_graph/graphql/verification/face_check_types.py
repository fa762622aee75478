"""GraphQL types of purpose-bound face checks (``verification/face_checks.py``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.graphql.accounts.enums import IdType
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.input_rules import text
from identity_graph.ids.types import IdType as DomainIdType
from identity_graph.verification.callbacks import failure_text_code
from identity_graph.verification.face_checks import FaceCheckStatus as DomainStatus
from identity_graph.verification.face_checks import FaceCheckView, PersonToCheck
from identity_graph.verification.models import FaceCheckPurpose as DomainPurpose


@strawberry.enum(description="What a face check will be used for; it can be used only for that.")
class FaceCheckPurpose(Enum):
    AGENT_ADMIN = strawberry.enum_value(
        DomainPurpose.AGENT_ADMIN.value,
        description="The unit's operator (its legal representative's account, or an admin "
        "agent) proves it is them before managing agents (添加经办人). Needs a login.",
    )
    CONFIRMATION_ACCESS = strawberry.enum_value(
        DomainPurpose.CONFIRMATION_ACCESS.value,
        description="A person named in a filing opens their to-do items (一人一事一认证); "
        "possible without an account.",
    )
    CONFIRMATION_SIGN = strawberry.enum_value(
        DomainPurpose.CONFIRMATION_SIGN.value,
        description="A person confirms one to-do item; possible without an account.",
    )


@strawberry.enum(description="Where a face check stands.")
class FaceCheckStatus(Enum):
    OPEN = strawberry.enum_value(
        DomainStatus.OPEN.value, description="Waiting for the face session to finish."
    )
    PASSED = strawberry.enum_value(
        DomainStatus.PASSED.value, description="Passed; usable once until `expiresAt`."
    )
    FAILED = strawberry.enum_value(
        DomainStatus.FAILED.value, description="Did not pass (`failureReason` says why)."
    )
    EXPIRED = strawberry.enum_value(
        DomainStatus.EXPIRED.value, description="Not finished, or not used, in time."
    )
    USED = strawberry.enum_value(DomainStatus.USED.value, description="Already used once.")


@strawberry.input(description="A person without an account, as on their identity document.")
class FaceCheckPersonInput:
    real_name: str = strawberry.field(
        metadata=text(50), description="Real name as on the document."
    )
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(40), description="Document number.")

    def to_domain(self) -> PersonToCheck:
        return PersonToCheck(self.real_name, DomainIdType[self.id_type.name], self.id_number)


@strawberry.input(
    description="Start a face check. Logged in, it checks your own verified identity (an "
    "enterprise account: its legal representative); without a login, give `person` and a "
    "captcha."
)
class StartFaceCheckInput:
    purpose: FaceCheckPurpose = strawberry.field(description="What the check is for.")
    person: FaceCheckPersonInput | None = strawberry.field(
        default=None, description="Without a login only: who is to be checked."
    )
    captcha_id: str | None = strawberry.field(
        metadata=text(64),
        default=None,
        description="Without a login only: the captcha's id (query `captcha`).",
    )
    captcha_answer: str | None = strawberry.field(
        metadata=text(16),
        default=None,
        description="Without a login only: the characters in the captcha.",
    )
    bound_to: str | None = strawberry.field(
        metadata=text(128),
        default=None,
        description="What the check is for, if the operation asks (e.g. a to-do item id, up "
        "to 128 characters): it can then be used only for that.",
    )
    return_url: str | None = strawberry.field(
        metadata=text(300),
        default=None,
        description="A path on this service (starting with /): the result page the provider "
        "returns to links there.",
    )


@strawberry.type(description="A face check (人脸识别) bound to one purpose, usable once.")
class FaceCheck:
    id: strawberry.ID = strawberry.field(description="The face check's id.")
    purpose: FaceCheckPurpose = strawberry.field(description="What it may be used for.")
    status: FaceCheckStatus = strawberry.field(description="Where it stands.")
    person_name: str = strawberry.field(description="Who is checked, masked: `张*`.")
    id_type: IdType = strawberry.field(description="Their document type.")
    id_number: str = strawberry.field(description="Their document number, masked.")
    failure_reason: str | None = strawberry.field(
        description="Why it did not pass, in the caller's language (FAILED only)."
    )
    created_at: datetime = strawberry.field(description="Started at.")
    expires_at: datetime = strawberry.field(
        description="OPEN: finish the face session before then; PASSED: use it before then."
    )

    @classmethod
    def from_view(cls, info: Info, view: FaceCheckView) -> FaceCheck:
        failed = view.status is DomainStatus.FAILED
        return cls(
            id=strawberry.ID(str(view.id)),
            purpose=FaceCheckPurpose(view.purpose.value),
            status=FaceCheckStatus(view.status.value),
            person_name=view.masked_name,
            id_type=IdType(view.id_type.value),
            id_number=view.masked_id_number,
            failure_reason=info.context.t(failure_text_code(view.failure_reason))
            if failed
            else None,
            created_at=view.created_at,
            expires_at=view.expires_at,
        )


@strawberry.type(description="The face session is open: send the person to `url`.")
class FaceCheckStarted:
    face_check_id: strawberry.ID = strawberry.field(
        description="Pass it to the operation the check is for; poll it with `faceCheck`."
    )
    url: str = strawberry.field(description="The face provider's page to open.")
    expires_at: datetime = strawberry.field(description="Finish the face session before then.")
    face_check: FaceCheck = strawberry.field(description="The check as it stands.")


StartFaceCheckResult = Annotated[
    FaceCheckStarted | ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused,
    strawberry.union("StartFaceCheckResult", description="Started, or why not."),
]
