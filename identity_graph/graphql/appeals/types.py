"""Appeal enums, inputs, types and result unions."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from identity_graph.graphql.accounts.enums import IdType, LegalPersonType, RegionType
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.verification.enums import DocumentKind
from identity_graph.recovery.appeals import models


@strawberry.enum(description="The five kinds of appeal (申诉, SPEC §6.1).")
class AppealKind(Enum):
    PERSON_PASSWORD = strawberry.enum_value(
        models.AppealKind.PERSON_PASSWORD.value,
        description="自然人申诉找回密码: forgot the login name or lost the reserved phone.",
    )
    UNIT_PASSWORD = strawberry.enum_value(
        models.AppealKind.UNIT_PASSWORD.value,
        description="单位法人用户申诉找回密码: a unit that lost its login name or phone.",
    )
    ASSISTED_REGISTRATION = strawberry.enum_value(
        models.AppealKind.ASSISTED_REGISTRATION.value,
        description="辅助企业注册申诉: self-registration failed on a legal-person mismatch.",
    )
    MODIFY_ENTERPRISE = strawberry.enum_value(
        models.AppealKind.MODIFY_ENTERPRISE.value,
        description="修改企业信息申诉: a unit that cannot change its phone or legal person.",
    )
    IDENTITY_CHANGE = strawberry.enum_value(
        models.AppealKind.IDENTITY_CHANGE.value,
        description="Change of real-name identity of a natural person.",
    )


@strawberry.enum(description="Where an appeal stands.")
class AppealStatus(Enum):
    SUBMITTED = strawberry.enum_value(models.AppealState.SUBMITTED.value, description="Waiting.")
    IN_REVIEW = strawberry.enum_value(
        models.AppealState.IN_REVIEW.value, description="A reviewer took it."
    )
    APPROVED = strawberry.enum_value(
        models.AppealState.APPROVED.value, description="Approved; the change was applied."
    )
    REJECTED = strawberry.enum_value(
        models.AppealState.REJECTED.value, description="Rejected with reasons."
    )


@strawberry.enum(description="Why an appeal was rejected.")
class AppealRejectionReason(Enum):
    MATERIALS_UNCLEAR = strawberry.enum_value(
        "APPEAL_REJECT_MATERIALS_UNCLEAR", description="Illegible."
    )
    MATERIALS_MISMATCH = strawberry.enum_value(
        "APPEAL_REJECT_MATERIALS_MISMATCH", description="Materials disagree with the form."
    )
    MATERIALS_INCOMPLETE = strawberry.enum_value(
        "APPEAL_REJECT_MATERIALS_INCOMPLETE", description="Something is missing."
    )
    NO_ACCOUNT = strawberry.enum_value(
        "APPEAL_REJECT_NO_ACCOUNT", description="Matches no account."
    )
    SEAL_MISSING = strawberry.enum_value(
        "APPEAL_REJECT_SEAL_MISSING", description="Unsigned/unsealed."
    )
    OTHER = strawberry.enum_value("APPEAL_REJECT_OTHER", description="See the note.")


@strawberry.enum(description="A reviewer's decision.")
class AppealDecision(Enum):
    APPROVE = strawberry.enum_value("approve", description="Approve: the change is applied.")
    REJECT = strawberry.enum_value("reject", description="Reject with at least one reason.")


@strawberry.input(description="One uploaded material: its slot and the file.")
class AppealMaterialInput:
    kind: DocumentKind = strawberry.field(description="The slot this file fills.")
    file: Upload = strawberry.field(description="The file (multipart request).")


@strawberry.input(
    description="An appeal. Which fields are required depends on `kind` (SPEC §6.1); the "
    "phone is proved first with an SMS code requested for purpose APPEAL."
)
class SubmitAppealInput:
    kind: AppealKind = strawberry.field(description="Which appeal.")
    phone: Annotated[str, strawberry.field(description="New / contact phone.", metadata=text(20))]
    sms_code: Annotated[str, strawberry.field(description="SMS code.", metadata=text(12))]
    materials: list[AppealMaterialInput] = strawberry.field(description="Uploaded materials.")
    real_name: Annotated[
        str | None, strawberry.field(description="Person: name.", metadata=text(100))
    ] = None
    region_type: RegionType | None = strawberry.field(default=None, description="Person: region.")
    id_type: IdType | None = strawberry.field(default=None, description="Person: ID type.")
    id_number: Annotated[
        str | None, strawberry.field(description="Person: ID number.", metadata=text(40))
    ] = None
    unit_name: Annotated[
        str | None, strawberry.field(description="Unit: full name.", metadata=text(100))
    ] = None
    legal_person_type: LegalPersonType | None = strawberry.field(
        default=None, description="Unit: legal-person type."
    )
    uscc: Annotated[
        str | None, strawberry.field(description="Unit: credit code.", metadata=text(40))
    ] = None
    agent_region_type: RegionType | None = strawberry.field(
        default=None, description="Unit password: main agent's region."
    )
    agent_id_type: IdType | None = strawberry.field(
        default=None, description="Unit password: main agent's ID type."
    )
    agent_id_number: Annotated[
        str | None,
        strawberry.field(description="Unit password: main agent's ID number.", metadata=text(40)),
    ] = None
    legal_representative_name: Annotated[
        str | None, strawberry.field(description="Legal representative.", metadata=text(100))
    ] = None
    legal_representative_id_type: IdType | None = strawberry.field(
        default=None, description="Legal representative's ID type."
    )
    legal_representative_id_number: Annotated[
        str | None,
        strawberry.field(description="Legal representative's ID number.", metadata=text(40)),
    ] = None
    account_name: Annotated[
        str | None,
        strawberry.field(description="Assisted registration: account name.", metadata=text(40)),
    ] = None
    new_real_name: Annotated[
        str | None, strawberry.field(description="Identity change: new name.", metadata=text(100))
    ] = None
    new_id_number: Annotated[
        str | None,
        strawberry.field(description="Identity change: new ID number.", metadata=text(40)),
    ] = None
    remark: Annotated[
        str | None,
        strawberry.field(
            description="Remark, at most 150 characters.", metadata=text(1000, multiline=True)
        ),
    ] = None


@strawberry.input(description="Approve, or reject with reasons, one appeal.")
class DecideAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    decision: AppealDecision = strawberry.field(description="Approve or reject.")
    reasons: list[AppealRejectionReason] = strawberry.field(
        default_factory=list, description="Required to reject."
    )
    note: Annotated[
        str | None,
        strawberry.field(description="Reviewer's note.", metadata=text(1000, multiline=True)),
    ] = None


@strawberry.type(description="A rejection reason in words.")
class AppealReason:
    code: AppealRejectionReason = strawberry.field(description="The reason.")
    text: str = strawberry.field(description="In the caller's language.")


def _reasons(info: Info, codes: list[str]) -> list[AppealReason]:
    return [AppealReason(code=AppealRejectionReason(c), text=info.context.t(c)) for c in codes]


@strawberry.type(description="What the appellant may see: no personal data.")
class AppealReceipt:
    number: str = strawberry.field(description="The appeal number (keep it).")
    kind: AppealKind = strawberry.field(description="Which appeal.")
    status: AppealStatus = strawberry.field(description="Where it stands.")
    submitted_at: datetime = strawberry.field(description="Submitted at.")
    due_on: date = strawberry.field(description="Answer due by (working days).")
    decided_at: datetime | None = strawberry.field(description="Decided at.")
    reasons: list[AppealReason] = strawberry.field(description="Rejection reasons.")

    @classmethod
    def from_model(cls, info: Info, row: models.Appeal) -> AppealReceipt:
        return cls(
            number=row.number,
            kind=AppealKind(row.kind.value),
            status=AppealStatus(row.state.value),
            submitted_at=row.submitted_at,
            due_on=row.due_on,
            decided_at=row.decided_at,
            reasons=_reasons(info, list(row.reasons or [])),
        )


@strawberry.type(description="One field of the appeal form, in clear (reviewers only).")
class AppealField:
    name: str = strawberry.field(description="Input field name.")
    value: str = strawberry.field(description="Value as entered (normalised).")


@strawberry.type(description="One material of an appeal (reviewers only).")
class AppealMaterial:
    id: strawberry.ID = strawberry.field(description="Document id.")
    kind: DocumentKind = strawberry.field(description="Slot.")
    mime: str = strawberry.field(description="Type found in the content.")
    size: int = strawberry.field(description="Bytes.")
    name: str = strawberry.field(description="Uploaded file name.")
    data_url: str = strawberry.field(description="The file as a data: URL.")


@strawberry.type(name="Appeal", description="An appeal in the reviewer console.")
class AppealType:
    id: strawberry.ID = strawberry.field(description="For `decideAppeal`.")
    number: str = strawberry.field(description="The appeal number.")
    kind: AppealKind = strawberry.field(description="Which appeal.")
    status: AppealStatus = strawberry.field(description="Where it stands.")
    submitted_at: datetime = strawberry.field(description="Submitted at.")
    due_on: date = strawberry.field(description="Due by (working days).")
    overdue: bool = strawberry.field(description="Undecided after its due date.")
    decided_at: datetime | None = strawberry.field(description="Decided at.")
    reasons: list[AppealReason] = strawberry.field(description="Rejection reasons.")
    note: str | None = strawberry.field(description="Reviewer's note.")
    account_id: strawberry.ID | None = strawberry.field(description="Account it changed.")
    row: strawberry.Private[models.Appeal]

    @classmethod
    def from_model(cls, info: Info, row: models.Appeal) -> AppealType:
        return cls(
            id=strawberry.ID(str(row.id)),
            number=row.number,
            kind=AppealKind(row.kind.value),
            status=AppealStatus(row.state.value),
            submitted_at=row.submitted_at,
            due_on=row.due_on,
            overdue=info.context.services.appeals.is_overdue(row),
            decided_at=row.decided_at,
            reasons=_reasons(info, list(row.reasons or [])),
            note=row.note,
            account_id=strawberry.ID(str(row.account_id)) if row.account_id else None,
            row=row,
        )

    @strawberry.field(description="The phone on the appeal (reviewers only).")
    def phone(self, info: Info) -> str:
        return info.context.services.appeals.phone_of(self.row)

    @strawberry.field(description="The form as entered (reviewers only).")
    def form(self, info: Info) -> list[AppealField]:
        values = info.context.services.appeals.form_of(self.row)
        return [AppealField(name=_camel(k), value=str(v)) for k, v in values.items()]

    @strawberry.field(description="The uploaded materials (reviewers only).")
    async def materials(self, info: Info) -> list[AppealMaterial]:
        out = []
        for row, data in await info.context.services.appeals.materials(self.row):
            out.append(
                AppealMaterial(
                    id=strawberry.ID(str(row.id)),
                    kind=DocumentKind(row.kind.value),
                    mime=row.mime,
                    size=row.size,
                    name=row.name,
                    data_url=f"data:{row.mime};base64,{base64.b64encode(data).decode()}",
                )
            )
        return out


def _camel(name: str) -> str:
    head, *rest = name.replace("legal_rep_", "legal_representative_").split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type(description="The appeal was taken; keep the number to follow it.")
class AppealSubmitted:
    appeal: AppealReceipt = strawberry.field(description="Number, status and due date.")


@strawberry.type(description="You took the appeal for review.")
class AppealTaken:
    appeal: AppealType = strawberry.field(description="The appeal.")


@strawberry.type(description="The decision was recorded, applied and sent by SMS.")
class AppealDecided:
    appeal: AppealType = strawberry.field(description="The decided appeal.")


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused

SubmitAppealResult = Annotated[
    AppealSubmitted | _ERRORS,
    strawberry.union("SubmitAppealResult", description="Submitted, or why not."),
]
AppealStatusResult = Annotated[
    AppealReceipt | _ERRORS,
    strawberry.union("AppealStatusResult", description="The appeal, or why not."),
]
TakeAppealResult = Annotated[
    AppealTaken | _ERRORS,
    strawberry.union("TakeAppealResult", description="Taken, or why not."),
]
DecideAppealResult = Annotated[
    AppealDecided | _ERRORS,
    strawberry.union("DecideAppealResult", description="Decided, or why not."),
]


def appeal_uuid(value: str) -> uuid.UUID:
    from identity_graph.core.errors import ValidationFailed

    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed.single("appealId", "ID_INVALID") from None
