"""Per-filing identity confirmation over GraphQL (SPEC §8, §9): the partner's
``createTransactionConfirmation`` / ``transactionConfirmation`` (client-credentials token),
the person's ``myTransactionConfirmations``, ``openTransactionItem``, ``confirmTransaction``
and ``declineTransaction``; the rules are in ``confirmations/service.py``."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.confirmations.drafts import Draft, PersonDraft
from identity_graph.confirmations.models import ConfirmationItem, ConfirmationRequest, ItemState
from identity_graph.confirmations.service import ConfirmationService, Holder
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.graphql.accounts.enums import IdType
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    as_graphql_error,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.ids import types as ids


@strawberry.enum(
    description="Where a confirmation request stands (the filing may go ahead only when COMPLETE)."
)
class TransactionConfirmationState(Enum):
    OPEN = strawberry.enum_value("open", description="Some person has not confirmed yet.")
    COMPLETE = strawberry.enum_value("complete", description="Every person confirmed.")
    DECLINED = strawberry.enum_value("declined", description="A person declined.")
    EXPIRED = strawberry.enum_value("expired", description="Seven days passed first.")


@strawberry.enum(description="Where one person's to-do item (待办事项) stands.")
class TodoState(Enum):
    PENDING = strawberry.enum_value("pending", description="To do: a face check shows the filing.")
    FACE_PASSED = strawberry.enum_value(
        "face_passed", description="Seen after a face check: confirm or decline."
    )
    CONFIRMED = strawberry.enum_value("confirmed", description="Confirmed and signed.")
    DECLINED = strawberry.enum_value("declined", description="Declined, with a reason.")
    EXPIRED = strawberry.enum_value("expired", description="Not done within seven days.")


@strawberry.type(description="One person of a filing, as the partner sees them (masked).")
class ConfirmationPerson:
    position: int = strawberry.field(description="The person's place in the filing (0-based).")
    role: str = strawberry.field(description="The person's role in the filing (e.g. 股东).")
    name: str = strawberry.field(description="Name, masked (王*明).")
    id_number: str = strawberry.field(description="ID number, masked.")
    state: TodoState = strawberry.field(description="Their to-do's state.")
    decided_at: datetime | None = strawberry.field(description="When they confirmed or declined.")
    decline_reason: str | None = strawberry.field(description="Why they declined.")
    evidence: str | None = strawberry.field(
        description="The signed record of the confirmation (a JWS; verify it with /oauth/jwks)."
    )


@strawberry.type(description="A partner's per-filing identity confirmation (一人一事一认证).")
class TransactionConfirmation:
    row: strawberry.Private[ConfirmationRequest]
    id: strawberry.ID = strawberry.field(description="The request id.")
    reference: str = strawberry.field(description="The partner's reference for the filing.")
    title: str = strawberry.field(description="The filing's title shown to the persons.")
    state: TransactionConfirmationState = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When the partner opened it.")
    expires_at: datetime = strawberry.field(description="Unconfirmed items expire then.")
    finished_at: datetime | None = strawberry.field(description="When it became final.")

    @strawberry.field(description="The persons and their to-dos, in the filing's order.")
    async def persons(self, info: Info) -> list[ConfirmationPerson]:
        service = info.context.services.confirmations
        items = (await service.items_of([self.row.id]))[self.row.id]
        return [_person(service, item) for item in items]

    @classmethod
    def from_model(cls, row: ConfirmationRequest) -> TransactionConfirmation:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            reference=row.reference,
            title=row.title,
            state=TransactionConfirmationState(row.state.value),
            created_at=row.created_at,
            expires_at=row.expires_at,
            finished_at=row.finished_at,
        )


def _person(service: ConfirmationService, item: ConfirmationItem) -> ConfirmationPerson:
    name, number = service.card(item)
    return ConfirmationPerson(
        position=item.position,
        role=item.role,
        name=name,
        id_number=number,
        state=TodoState(item.state.value),
        decided_at=item.decided_at,
        decline_reason=item.decline_reason,
        evidence=item.evidence,
    )


@strawberry.type(description="A to-do item (待办事项): one filing you must confirm.")
class TransactionTodo:
    id: strawberry.ID = strawberry.field(description="The item id.")
    title: str = strawberry.field(description="The filing's title.")
    reference: str = strawberry.field(description="The partner's reference for the filing.")
    role: str = strawberry.field(description="Your role in the filing.")
    state: TodoState = strawberry.field(description="Where your to-do stands.")
    created_at: datetime = strawberry.field(description="When the filing asked for you.")
    expires_at: datetime = strawberry.field(description="Until when you can act.")
    summary: str | None = strawberry.field(
        description="The filing's details: shown only after your face check."
    )
    evidence: str | None = strawberry.field(description="The signed record, once confirmed.")

    @classmethod
    def from_model(cls, item: ConfirmationItem) -> TransactionTodo:
        request = item.request
        seen = item.state is not ItemState.PENDING and item.state is not ItemState.EXPIRED
        return cls(
            id=strawberry.ID(str(item.id)),
            title=request.title,
            reference=request.reference,
            role=item.role,
            state=TodoState(item.state.value),
            created_at=request.created_at,
            expires_at=request.expires_at,
            summary=request.summary if seen else None,
            evidence=item.evidence,
        )


@strawberry.input(description="One person the filing names.")
class ConfirmationPersonInput:
    name: str = strawberry.field(metadata=text(50), description="Real name.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(40), description="Document number.")
    role: str = strawberry.field(
        metadata=text(32), description="Role in the filing (e.g. 法定代表人, 股东)."
    )


@strawberry.input(description="Open a confirmation request for one filing.")
class CreateTransactionConfirmationInput:
    reference: str = strawberry.field(
        metadata=text(64), description="Your reference for the filing (unique)."
    )
    title: str = strawberry.field(
        metadata=text(100), description="A short title shown to the persons."
    )
    summary: str = strawberry.field(
        metadata=text(4000, multiline=True), description="The details each person reviews."
    )
    persons: list[ConfirmationPersonInput] = strawberry.field(
        description="Everyone who must confirm (1 to 20)."
    )
    webhook_url: str | None = strawberry.field(
        metadata=text(500),
        default=None,
        description="Where every change is POSTed, signed (see the README).",
    )


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
ConfirmationResult = Annotated[
    TransactionConfirmation | _ERRORS,
    strawberry.union("TransactionConfirmationResult", description="The request, or why not."),
]
TodoResult = Annotated[
    TransactionTodo | _ERRORS,
    strawberry.union("TransactionTodoResult", description="The to-do, or why not."),
]


def _uuid(value: strawberry.ID, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed.single(field, "INVALID_FORMAT") from None


def _partner(info: Info) -> str:
    if info.context.partner is None:
        code = "NOT_AUTHENTICATED" if info.context.viewer is None else "PARTNER_TOKEN_REQUIRED"
        raise NotAuthorized(code)
    return info.context.partner.client_id


async def _holder(info: Info) -> Holder:
    viewer = info.context.viewer
    if viewer is None or viewer.account is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    return await info.context.services.confirmations.holder_of(viewer.account)


@strawberry.type
class ConfirmationQueries:
    @strawberry.field(
        description="A confirmation request you (a partner back-end, client-credentials token)"
        " opened; another partner's is not found."
    )
    async def transaction_confirmation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The request id.")],
    ) -> TransactionConfirmation:
        try:
            row = await info.context.services.confirmations.for_client(
                _partner(info), _uuid(id, "id")
            )
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        return TransactionConfirmation.from_model(row)

    @strawberry.field(
        description="Your to-do items (待办事项) of the last seven days: every filing that names"
        " your verified identity, newest first."
    )
    async def my_transaction_confirmations(self, info: Info) -> list[TransactionTodo]:
        try:
            holder = await _holder(info)
            items = await info.context.services.confirmations.todos(holder)
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        return [TransactionTodo.from_model(item) for item in items]


@strawberry.type
class ConfirmationMutations:
    @strawberry.mutation(
        description="Partners: open a per-filing confirmation (一人一事一认证) for the persons it"
        " names; each sees a to-do. Requires a client-credentials token."
    )
    async def create_transaction_confirmation(
        self, info: Info, input: CreateTransactionConfirmationInput
    ) -> ConfirmationResult:
        context = info.context

        async def call() -> ConfirmationRequest:
            draft = Draft(
                reference=input.reference,
                title=input.title,
                summary=input.summary,
                webhook_url=input.webhook_url,
                persons=[
                    PersonDraft(p.name, ids.IdType[p.id_type.name], p.id_number, p.role)
                    for p in input.persons
                ],
            )
            return await context.services.confirmations.create(_partner(info), draft, context.audit)

        return await payload(info, call(), TransactionConfirmation.from_model)

    @strawberry.mutation(
        description="See a to-do's filing after a face check (`startFaceCheck` with purpose"
        " CONFIRMATION_ACCESS bound to this item)."
    )
    async def open_transaction_item(
        self,
        info: Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="The to-do item.")],
        face_check_id: Annotated[
            strawberry.ID, strawberry.argument(description="A passed CONFIRMATION_ACCESS check.")
        ],
    ) -> TodoResult:
        context = info.context

        async def call() -> ConfirmationItem:
            return await context.services.confirmations.open(
                await _holder(info),
                _uuid(item_id, "itemId"),
                _uuid(face_check_id, "faceCheckId"),
                context.audit,
            )

        return await payload(info, call(), TransactionTodo.from_model)

    @strawberry.mutation(
        description="Confirm a filing you have seen: a second face check (CONFIRMATION_SIGN,"
        " bound to this item) and, optionally, your handwritten signature as an uploaded image."
    )
    async def confirm_transaction(
        self,
        info: Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="The to-do item.")],
        face_check_id: Annotated[
            strawberry.ID, strawberry.argument(description="A passed CONFIRMATION_SIGN check.")
        ],
        signature_document_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Your signature image (`uploadDocument`)."),
        ] = None,
    ) -> TodoResult:
        context = info.context

        async def call() -> ConfirmationItem:
            service = context.services.confirmations
            holder = await _holder(info)
            signature = None
            if signature_document_id is not None and context.viewer is not None:
                signature = await service.signature_of(
                    context.viewer.account_id, _uuid(signature_document_id, "signatureDocumentId")
                )
            return await service.confirm(
                holder,
                _uuid(item_id, "itemId"),
                _uuid(face_check_id, "faceCheckId"),
                signature,
                context.audit,
            )

        return await payload(info, call(), TransactionTodo.from_model)

    @strawberry.mutation(description="Decline a filing you have seen, with a reason.")
    async def decline_transaction(
        self,
        info: Info,
        item_id: Annotated[strawberry.ID, strawberry.argument(description="The to-do item.")],
        reason: Annotated[
            str,
            strawberry.argument(description="Why (at most 200 characters).", metadata=text(200)),
        ],
    ) -> TodoResult:
        context = info.context

        async def call() -> ConfirmationItem:
            return await context.services.confirmations.decline(
                await _holder(info), _uuid(item_id, "itemId"), reason, context.audit
            )

        return await payload(info, call(), TransactionTodo.from_model)
