"""Per-filing identity confirmation (一人一事一认证, SPEC §8; seed 001): a partner opens a
request naming the persons of a filing; each person passes a face check to see the filing,
then confirms it (a second face check, a handwritten signature) or declines.

```mermaid
stateDiagram-v2
    state "item" as item {
        [*] --> PENDING: createTransactionConfirmation (one per person)
        PENDING --> FACE_PASSED: openTransactionItem (face check, purpose CONFIRMATION_ACCESS)
        FACE_PASSED --> CONFIRMED: confirmTransaction (face check CONFIRMATION_SIGN, evidence)
        FACE_PASSED --> DECLINED: declineTransaction (reason)
        PENDING --> EXPIRED: 7 days pass
        FACE_PASSED --> EXPIRED: 7 days pass
    }
    state "request" as request {
        [*] --> OPEN
        OPEN --> COMPLETE: the last item is CONFIRMED
        OPEN --> DECLINED: any item is DECLINED
        OPEN --> EXPIRED: 7 days pass first
    }
```

Every change is one transaction that also queues the partner's signed webhook (the jobs
outbox retries it) and, once committed, announces the change to subscribers
(``transactionConfirmationChanged``). Moves are conditional UPDATEs on the current state,
so two tabs confirming one item produce one confirmation. The confirmation's evidence is a
JWS signed with the service's key over (request, item, person, summary hash, face
sessions, time): the partner verifies it against the JWKS.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.confirmations.drafts import Draft, clean_draft
from identity_graph.confirmations.models import (
    ConfirmationItem,
    ConfirmationRequest,
    ItemState,
    RequestState,
)
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.core.errors import DomainError, NotAuthorized
from identity_graph.core.events import EventBus
from identity_graph.core.jobs import JobQueue
from identity_graph.core.validators import clean_text
from identity_graph.files.documents import Documents
from identity_graph.ids.types import IdType

WEBHOOK_JOB = "confirmation.webhook"
TTL = timedelta(days=7)

MESSAGES = {
    "CONFIRMATION_NOT_FOUND": ("未找到该待办事项", "No such confirmation"),
    "PARTNER_TOKEN_REQUIRED": (
        "该操作需要接入系统的客户端凭证令牌",
        "This needs a partner system's client-credentials token",
    ),
    "CONFIRMATION_REFERENCE_TAKEN": (
        "该业务编号已提交过确认请求",
        "A confirmation request with this reference already exists",
    ),
    "CONFIRMATION_NOT_YOURS": (
        "只能办理本人的待办事项",
        "You can only act on your own to-do items",
    ),
    "CONFIRMATION_NEEDS_FACE": (
        "请先通过人脸识别查看业务详情",
        "Pass a face check to see the filing first",
    ),
    "CONFIRMATION_CLOSED": (
        "该待办事项已办理或已过期",
        "This to-do item is already done or has expired",
    ),
    "CONFIRMATION_SIGNATURE_INVALID": (
        "签名图片无效：请上传本人手写签名的图片",
        "The signature is not usable: upload an image of your handwritten signature",
    ),
    "CONFIRMATION_NEEDS_VERIFIED_IDENTITY": (
        "请先完成实名认证，再查看本人的待办事项",
        "Complete real-name verification to see your to-do items",
    ),
}


class FaceProofs(Protocol):
    """What the confirmations domain needs of face checks (verification implements it)."""

    async def consume(
        self, check_id: uuid.UUID, purpose: str, id_type: IdType, id_number: str, bound_to: str
    ) -> str:
        """Claim a passed check of ``purpose`` for this person; return its session id."""
        ...


class Signer(Protocol):
    async def sign(self, claims: dict[str, Any]) -> str:
        """A JWS (ES256, the service's published key) over ``claims``."""
        ...


@dataclass(frozen=True)
class Holder:
    """The person acting on to-dos: as their verified identity names them."""

    id_type: IdType
    id_number: str
    name: str


@dataclass(frozen=True)
class Signature:
    """The handwritten signature (签名) the person drew when confirming."""

    document_id: uuid.UUID
    sha256: str


def holder_account(context: AuditContext) -> uuid.UUID:
    if context.actor_id is None:
        raise DomainError("CONFIRMATION_SIGNATURE_INVALID", "signatureDocumentId")
    return context.actor_id


def confirmation_channel(request_id: uuid.UUID) -> str:
    return f"confirmation:{request_id}"


class ConfirmationService:
    def __init__(
        self,
        clock: Clock,
        vault: PersonalData,
        jobs: JobQueue,
        events: EventBus,
        audit: AuditLog,
        faces: FaceProofs,
        signer: Signer,
        documents: Documents,
    ) -> None:
        self._documents = documents
        self._clock = clock
        self._vault = vault
        self._jobs = jobs
        self._events = events
        self._audit = audit
        self._faces = faces
        self._signer = signer
        self._observers: list[Callable[[ConfirmationRequest], Awaitable[None]]] = []

    def observe(self, observer: Callable[[ConfirmationRequest], Awaitable[None]]) -> None:
        """Run ``observer`` inside every change's transaction (CIBA queues its ping there)."""
        self._observers.append(observer)

    # -- the partner ------------------------------------------------------------------

    async def create(
        self,
        client_id: str,
        draft: Draft,
        context: AuditContext,
        ttl: timedelta = TTL,
        then: Callable[[ConfirmationRequest], Awaitable[None]] | None = None,
    ) -> ConfirmationRequest:
        """Open a request; ``then`` runs in the same transaction (CIBA records its handle)."""
        clean = clean_draft(draft, self._clock)
        now = self._clock.now()
        async with in_transaction():
            if await ConfirmationRequest.filter(
                client_id=client_id, reference=clean.reference
            ).exists():
                raise DomainError("CONFIRMATION_REFERENCE_TAKEN", "reference")
            request = await ConfirmationRequest.create(
                id=uuid.uuid4(),
                client_id=client_id,
                reference=clean.reference,
                title=clean.title,
                summary=clean.summary,
                summary_hash=hashlib.sha256(clean.summary.encode()).hexdigest(),
                webhook_url=clean.webhook_url,
                created_at=now,
                updated_at=now,
                expires_at=now + min(ttl, TTL),
            )
            for position, person in enumerate(clean.persons):
                await ConfirmationItem.create(
                    id=uuid.uuid4(),
                    request=request,
                    position=position,
                    role=person.role,
                    name_cipher=self._vault.seal(person.name, "confirmation_name"),
                    id_type=person.id_type,
                    id_number_cipher=self._vault.seal(person.id_number, "confirmation_id_number"),
                    id_number_index=self._vault.index_id_number(person.id_number),
                    updated_at=now,
                )
            if then is not None:
                await then(request)
            await self._changed(request, "confirmation.created", context)
        await self._announce(request)
        return request

    async def for_client(self, client_id: str, request_id: uuid.UUID) -> ConfirmationRequest:
        """The partner's own request; another partner's is as unknown as a missing one."""
        request = await ConfirmationRequest.get_or_none(id=request_id, client_id=client_id)
        if request is None:
            raise DomainError("CONFIRMATION_NOT_FOUND", "id")
        return await self._fresh(request)

    async def items_of(
        self, request_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[ConfirmationItem]]:
        """Batch load: each request's items in the filing's order."""
        rows = await ConfirmationItem.filter(request_id__in=request_ids).order_by("position")
        found: dict[uuid.UUID, list[ConfirmationItem]] = {key: [] for key in request_ids}
        for row in rows:
            found[row.request_id].append(row)  # type: ignore[attr-defined]
        return found

    # -- the person -------------------------------------------------------------------

    async def todos(self, holder: Holder) -> list[ConfirmationItem]:
        """The holder's to-dos of the last seven days (待办事项), newest first."""
        since = self._clock.now() - TTL
        rows = await (
            ConfirmationItem.filter(
                id_number_index=self._vault.index_id_number(holder.id_number),
                id_type=holder.id_type,
                request__created_at__gte=since,
            )
            .prefetch_related("request")
            .order_by("-request__created_at", "position")
        )
        return [await self._fresh_item(row) for row in rows]

    async def open(
        self, holder: Holder, item_id: uuid.UUID, face_check_id: uuid.UUID, context: AuditContext
    ) -> ConfirmationItem:
        """Show the filing to its person after a face check (PENDING -> FACE_PASSED)."""
        item = await self._own(holder, item_id)
        if item.state is ItemState.FACE_PASSED:
            return item
        self._still_open(item, ItemState.PENDING)
        session = await self._faces.consume(
            face_check_id, "confirmation_access", holder.id_type, holder.id_number, str(item.id)
        )
        return await self._opened(item, session, context)

    async def open_seen(
        self, holder: Holder, item_id: uuid.UUID, session: str, context: AuditContext
    ) -> ConfirmationItem:
        """PENDING -> FACE_PASSED on a face session already spent proving ``holder`` (the
        person pages: one check at the door shows that person all their own to-dos)."""
        item = await self._own(holder, item_id)
        if item.state is ItemState.FACE_PASSED:
            return item
        self._still_open(item, ItemState.PENDING)
        return await self._opened(item, session, context)

    async def _opened(
        self, item: ConfirmationItem, session: str, context: AuditContext
    ) -> ConfirmationItem:
        now = self._clock.now()
        async with in_transaction():
            moved = await ConfirmationItem.filter(id=item.id, state=ItemState.PENDING).update(
                state=ItemState.FACE_PASSED,
                face_passed_at=now,
                face_sessions=[session],
                updated_at=now,
            )
            if not moved:
                raise DomainError("CONFIRMATION_CLOSED", "itemId")
            await item.refresh_from_db()
            await self._changed(item.request, "confirmation.face_passed", context)
        await self._announce(item.request)
        return item

    async def confirm(
        self,
        holder: Holder,
        item_id: uuid.UUID,
        face_check_id: uuid.UUID,
        signature: Signature | None,
        context: AuditContext,
    ) -> ConfirmationItem:
        """Confirm with a second face check (FACE_PASSED -> CONFIRMED), signed evidence."""
        item = await self._own(holder, item_id)
        self._still_open(item, ItemState.FACE_PASSED)
        session = await self._faces.consume(
            face_check_id, "confirmation_sign", holder.id_type, holder.id_number, str(item.id)
        )
        now = self._clock.now()
        sessions = [*item.face_sessions, session]
        evidence = await self._signer.sign(self._evidence(item, holder, sessions, signature, now))
        async with in_transaction():
            if signature is not None and not await self._documents.claim(
                [signature.document_id], holder_account(context), item.id
            ):
                raise DomainError("CONFIRMATION_SIGNATURE_INVALID", "signatureDocumentId")
            moved = await ConfirmationItem.filter(id=item.id, state=ItemState.FACE_PASSED).update(
                state=ItemState.CONFIRMED,
                decided_at=now,
                evidence=evidence,
                face_sessions=sessions,
                signature_document_id=signature.document_id if signature else None,
                updated_at=now,
            )
            if not moved:  # another tab confirmed or declined first
                raise DomainError("CONFIRMATION_CLOSED", "itemId")
            await item.refresh_from_db()
            await self._settle(item.request, now)
            await self._changed(item.request, "confirmation.confirmed", context)
        await self._announce(item.request)
        return item

    async def decline(
        self, holder: Holder, item_id: uuid.UUID, reason: str, context: AuditContext
    ) -> ConfirmationItem:
        item = await self._own(holder, item_id)
        self._still_open(item, ItemState.FACE_PASSED)
        text = clean_text(reason, "reason", max_length=200)
        now = self._clock.now()
        async with in_transaction():
            moved = await ConfirmationItem.filter(id=item.id, state=ItemState.FACE_PASSED).update(
                state=ItemState.DECLINED, decided_at=now, decline_reason=text, updated_at=now
            )
            if not moved:
                raise DomainError("CONFIRMATION_CLOSED", "itemId")
            await item.refresh_from_db()
            await self._settle(item.request, now)
            await self._changed(item.request, "confirmation.declined", context)
        await self._announce(item.request)
        return item

    async def expire_due(self) -> int:
        """Open requests past their seven days become EXPIRED, with their waiting items."""
        now = self._clock.now()
        due = await ConfirmationRequest.filter(state=RequestState.OPEN, expires_at__lte=now).limit(
            500
        )
        for request in due:
            async with in_transaction():
                moved = await ConfirmationRequest.filter(
                    id=request.id, state=RequestState.OPEN
                ).update(state=RequestState.EXPIRED, finished_at=now, updated_at=now)
                if not moved:
                    continue
                await ConfirmationItem.filter(
                    request_id=request.id, state__in=[ItemState.PENDING, ItemState.FACE_PASSED]
                ).update(state=ItemState.EXPIRED, updated_at=now)
                await self._changed(request, "confirmation.expired", AuditContext())
            await self._announce(request)
        return len(due)

    async def holder_of(self, account: Account) -> Holder:
        """A resident acts on the to-dos of their verified identity only."""
        person = await NaturalPerson.get_or_none(id=account.id)
        if person is None or not account.verification_status.is_verified:
            raise DomainError("CONFIRMATION_NEEDS_VERIFIED_IDENTITY")
        return Holder(
            person.id_type,
            self._vault.open(person.id_number_cipher, "id_number"),
            self._vault.open(person.real_name_cipher, "real_name"),
        )

    async def signature_of(self, owner: uuid.UUID, document_id: uuid.UUID) -> Signature:
        """The handwritten signature the person uploaded (an image they own, unused)."""
        found = await self._documents.owned(owner, [document_id])
        document = found.get(document_id)
        if document is None or not document.mime.startswith("image/"):
            raise DomainError("CONFIRMATION_SIGNATURE_INVALID", "signatureDocumentId")
        return Signature(document.id, document.sha256)

    def card(self, item: ConfirmationItem) -> tuple[str, str]:
        """The person's name and ID number as the filing named them, masked."""
        name = self._vault.open(item.name_cipher, "confirmation_name")
        number = self._vault.open(item.id_number_cipher, "confirmation_id_number")
        return mask_name(name), mask_id_number(number)

    # -- rules ------------------------------------------------------------------------

    async def _own(self, holder: Holder, item_id: uuid.UUID) -> ConfirmationItem:
        item = await ConfirmationItem.get_or_none(id=item_id).prefetch_related("request")
        if item is None:
            raise DomainError("CONFIRMATION_NOT_FOUND", "itemId")
        mine = item.id_type is holder.id_type and item.id_number_index == (
            self._vault.index_id_number(holder.id_number)
        )
        if not mine:
            raise NotAuthorized("CONFIRMATION_NOT_YOURS")
        return await self._fresh_item(item)

    def _still_open(self, item: ConfirmationItem, wanted: ItemState) -> None:
        if item.state is wanted:
            return
        if item.state is ItemState.PENDING:
            raise DomainError("CONFIRMATION_NEEDS_FACE", "itemId")
        raise DomainError("CONFIRMATION_CLOSED", "itemId")

    async def _fresh(self, request: ConfirmationRequest) -> ConfirmationRequest:
        """Expiry is enforced at read time too (the sweep only brings rows in line)."""
        if request.state is RequestState.OPEN and request.expires_at <= self._clock.now():
            await self.expire_due()
            await request.refresh_from_db()
        return request

    async def _fresh_item(self, item: ConfirmationItem) -> ConfirmationItem:
        request = await self._fresh(item.request)
        if request.state is RequestState.EXPIRED and item.state in (
            ItemState.PENDING,
            ItemState.FACE_PASSED,
        ):
            await item.refresh_from_db()
        item.request = request
        return item

    async def _settle(self, request: ConfirmationRequest, now: datetime) -> None:
        """COMPLETE once every item is confirmed; DECLINED as soon as one declines."""
        states = await ConfirmationItem.filter(request_id=request.id).values_list(
            "state", flat=True
        )
        if ItemState.DECLINED in states:
            target = RequestState.DECLINED
        elif all(state == ItemState.CONFIRMED for state in states):
            target = RequestState.COMPLETE
        else:
            return
        await ConfirmationRequest.filter(id=request.id, state=RequestState.OPEN).update(
            state=target, finished_at=now, updated_at=now
        )
        await request.refresh_from_db()

    def _evidence(
        self,
        item: ConfirmationItem,
        holder: Holder,
        sessions: Sequence[str],
        signature: Signature | None,
        now: datetime,
    ) -> dict[str, Any]:
        request = item.request
        claims: dict[str, Any] = {
            "typ": "transaction-confirmation",
            "request": str(request.id),
            "reference": request.reference,
            "client_id": request.client_id,
            "item": str(item.id),
            "role": item.role,
            "person": {
                "name": holder.name,
                "id_type": holder.id_type.value,
                # The blind index, not the number: the evidence may travel; the partner
                # already holds the number it sent and can match it.
                "id_number_index": item.id_number_index,
            },
            "summary_sha256": request.summary_hash,
            "face_sessions": list(sessions),
            "iat": int(now.timestamp()),
        }
        if signature is not None:
            claims["signature_sha256"] = signature.sha256
        return claims

    async def _changed(
        self, request: ConfirmationRequest, action: str, context: AuditContext
    ) -> None:
        """In the change's transaction: the audit event and the partner's webhook."""
        await self._audit.record(
            action,
            context,
            subject_type="confirmation_request",
            subject_id=str(request.id),
            details={"client_id": request.client_id, "state": request.state.value},
        )
        if request.webhook_url:
            await self._jobs.enqueue(WEBHOOK_JOB, {"request_id": str(request.id)})
        for observer in self._observers:
            await observer(request)

    async def _announce(self, request: ConfirmationRequest) -> None:
        await self._events.publish(confirmation_channel(request.id), {"state": request.state.value})
