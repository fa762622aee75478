"""Appeal queries and mutations (SPEC §6.1, §6.2): each calls one ``AppealService`` method."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from identity_graph.accounts.enums import LegalPersonType as DomainLegalPersonType
from identity_graph.accounts.models import Account as AccountModel
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.files.service import DocumentKind as DomainDocumentKind
from identity_graph.graphql.appeals.types import (
    AppealDecided,
    AppealDecision,
    AppealKind,
    AppealReceipt,
    AppealStatus,
    AppealStatusResult,
    AppealSubmitted,
    AppealTaken,
    AppealType,
    DecideAppealInput,
    DecideAppealResult,
    SubmitAppealInput,
    SubmitAppealResult,
    TakeAppealResult,
    appeal_uuid,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error, payload
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
    due_and_id,
    due_key,
)
from identity_graph.graphql.permissions import IsReviewer
from identity_graph.ids.types import IdType as DomainIdType
from identity_graph.ids.types import RegionType as DomainRegionType
from identity_graph.recovery.appeals import models
from identity_graph.recovery.appeals.forms import AppealForm
from identity_graph.recovery.appeals.service import Decision, Material

_CURSOR = "appeal"


def _domain(kind: Any, value: Any) -> Any:
    return None if value is None else kind(value.value)


async def _form(input: SubmitAppealInput, limit: Any) -> tuple[AppealForm, list[Material]]:
    materials = []
    for item in input.materials:
        kind = DomainDocumentKind[item.kind.name]
        data = await item.file.read(limit(kind) + 1)  # type: ignore[attr-defined]
        name = str(getattr(item.file, "filename", "") or "")
        materials.append(Material(kind, name, data))
    form = AppealForm(
        kind=models.AppealKind[input.kind.name],
        phone=input.phone,
        sms_code=input.sms_code,
        real_name=input.real_name,
        region_type=_domain(DomainRegionType, input.region_type),
        id_type=_domain(DomainIdType, input.id_type),
        id_number=input.id_number,
        unit_name=input.unit_name,
        legal_person_type=_domain(DomainLegalPersonType, input.legal_person_type),
        uscc=input.uscc,
        agent_region_type=_domain(DomainRegionType, input.agent_region_type),
        agent_id_type=_domain(DomainIdType, input.agent_id_type),
        agent_id_number=input.agent_id_number,
        legal_rep_name=input.legal_representative_name,
        legal_rep_id_type=_domain(DomainIdType, input.legal_representative_id_type),
        legal_rep_id_number=input.legal_representative_id_number,
        account_name=input.account_name,
        new_real_name=input.new_real_name,
        new_id_number=input.new_id_number,
        remark=input.remark,
    )
    return form, materials


async def _reviewer(info: Info) -> AccountModel:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    return await AccountModel.get(id=viewer.account_id)


@strawberry.type
class AppealQueries:
    @strawberry.field(
        description="Public: where an appeal stands, by its number and the phone on it. A "
        "wrong phone gets the same answer as an unknown number. Rate-limited per address."
    )
    async def appeal_status(
        self,
        info: Info,
        number: Annotated[
            str, strawberry.argument(description="Appeal number.", metadata=text(40))
        ],
        phone: Annotated[str, strawberry.argument(description="Phone.", metadata=text(20))],
    ) -> AppealStatusResult:
        context = info.context

        async def call() -> models.Appeal:
            return await context.services.appeals.status(number, phone, client_ip=context.client_ip)

        return await payload(info, call(), lambda row: AppealReceipt.from_model(info, row))

    @strawberry.field(
        description="Reviewers: appeals, oldest due date first (overdue ones lead).",
        permission_classes=[IsReviewer],
    )
    async def appeals(
        self,
        info: Info,
        kind: Annotated[
            AppealKind | None, strawberry.argument(description="Only appeals of this kind.")
        ] = None,
        status: Annotated[
            list[AppealStatus] | None,
            strawberry.argument(description="Only appeals in these states (default: open ones)."),
        ] = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AppealType]:
        try:
            paging = Paging.of(
                _CURSOR, first=first, after=after, last=last, before=before, parse=due_and_id
            )
        except DomainError as error:
            raise as_graphql_error(info, error) from None
        states = (
            [models.AppealState[s.name] for s in status]
            if status
            else [models.AppealState.SUBMITTED, models.AppealState.IN_REVIEW]
        )
        rows = await info.context.services.appeals.queue(
            states=states, kind=models.AppealKind[kind.name] if kind else None, window=paging.window
        )
        return paging.connection(rows, due_key, lambda row: AppealType.from_model(info, row))

    @strawberry.field(
        description="Reviewers: one appeal with its form and materials.",
        permission_classes=[IsReviewer],
    )
    async def appeal(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The appeal's id.")],
    ) -> AppealType | None:
        row = await models.Appeal.get_or_none(id=appeal_uuid(id)) if _is_uuid(id) else None
        return AppealType.from_model(info, row) if row else None


@strawberry.type
class AppealMutations:
    @strawberry.mutation(
        description="Public: submit an appeal with its materials (multipart request). The "
        "phone must first get an SMS code for purpose APPEAL. Keep the returned number."
    )
    async def submit_appeal(self, info: Info, input: SubmitAppealInput) -> SubmitAppealResult:
        context = info.context
        services = context.services

        async def call() -> models.Appeal:
            form, materials = await _form(input, services.documents.max_bytes)
            viewer = context.viewer
            return await services.appeals.submit(
                form,
                materials,
                applicant_id=viewer.account_id if viewer else None,
                client_ip=context.client_ip,
                context=context.audit,
                locale=context.locale,
            )

        return await payload(
            info, call(), lambda row: AppealSubmitted(appeal=AppealReceipt.from_model(info, row))
        )

    @strawberry.mutation(
        description="Reviewers: take a submitted appeal for review (SUBMITTED -> IN_REVIEW)."
    )
    async def start_appeal_review(
        self,
        info: Info,
        appeal_id: Annotated[
            strawberry.ID, strawberry.argument(description="The appeal to take for review.")
        ],
    ) -> TakeAppealResult:
        context = info.context

        async def call() -> models.Appeal:
            reviewer = await _reviewer(info)
            return await context.services.appeals.start_review(
                appeal_uuid(appeal_id), reviewer, context.audit
            )

        return await payload(
            info, call(), lambda row: AppealTaken(appeal=AppealType.from_model(info, row))
        )

    @strawberry.mutation(
        description="Reviewers: approve (the change is applied and the result sent by SMS), "
        "or reject with reasons. Never your own appeal; of two reviewers, one wins."
    )
    async def decide_appeal(self, info: Info, input: DecideAppealInput) -> DecideAppealResult:
        context = info.context

        async def call() -> models.Appeal:
            reviewer = await _reviewer(info)
            decision = Decision(
                approve=input.decision is AppealDecision.APPROVE,
                reasons=[f"APPEAL_REJECT_{reason.name}" for reason in input.reasons],
                note=input.note,
            )
            return await context.services.appeals.decide(
                appeal_uuid(input.appeal_id), decision, reviewer, context.audit
            )

        return await payload(
            info, call(), lambda row: AppealDecided(appeal=AppealType.from_model(info, row))
        )


def _is_uuid(value: str) -> bool:
    try:
        appeal_uuid(value)
    except ValidationFailed:
        return False
    return True
