"""QR-code login (扫码登录, SPEC §3): a web page shows a short-lived code as a QR image; a
logged-in mobile client approves it with ``approveQrLogin``; the page, polling, then
completes the login and gets the browser session. Owns table ``qr_login_requests``.

```mermaid
stateDiagram-v2
    [*] --> pending: the login page asks for a request (shown as a QR code)
    pending --> approved: a logged-in app approves the code (atomic: one approver)
    approved --> completed: the page that asked polls with its own secret (atomic)
    pending --> [*]: two minutes pass
    approved --> [*]: two minutes pass
```

Two secrets: the code in the QR image (what a phone proves it saw) and the poll token only
the requesting page holds, so someone who photographs the QR code cannot take the session.
An approval is announced on the event bus (``qr_channel``), so a page where JavaScript runs
learns it from the ``qrLoginStatus`` subscription instead of polling, then completes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tortoise import fields

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError
from identity_graph.core.events import EventBus
from identity_graph.core.flow import FlowModel
from identity_graph.core.rows import fetch_by_column
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.tokens import TokenPair, TokenService

TTL = timedelta(minutes=2)
PREFIX = "idg-qr:"

MESSAGES = {
    "QR_LOGIN_INVALID": (
        "二维码无效或已过期，请在电脑上刷新二维码",
        "The QR code is invalid or has expired; refresh it on the computer",
    ),
}


class QrState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    COMPLETED = "completed"


class QrLoginRequest(FlowModel):
    id = fields.UUIDField(primary_key=True)
    code_hmac = fields.CharField(max_length=64)
    poll_hmac = fields.CharField(max_length=64)
    state = fields.CharEnumField(QrState, max_length=16, default=QrState.PENDING)
    account_id = fields.UUIDField(null=True)
    approved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "qr_login_requests"


@dataclass(frozen=True)
class QrChallenge:
    request_id: uuid.UUID
    qr_text: str  # what the QR image encodes
    poll_token: str  # only the page that asked knows it


@dataclass(frozen=True)
class QrPoll:
    state: str  # pending | approved-and-completed | expired
    tokens: TokenPair | None = None


@dataclass(frozen=True)
class QrStatus:
    state: str  # pending | approved | expired
    seconds_left: float | None = None  # until it expires (no notice announces that)


def qr_channel(request_id: uuid.UUID) -> str:
    return f"qr:{request_id}"


class QrLogins:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        tokens: TokenService,
        audit: AuditLog,
        events: EventBus | None = None,
    ) -> None:
        self._events = events
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._audit = audit

    async def start(self) -> QrChallenge:
        code, poll = new_token(24), new_token(32)
        now = self._clock.now()
        row = await QrLoginRequest.create(
            id=uuid.uuid4(),
            code_hmac=self._hasher.digest("qr-code", code),
            poll_hmac=self._hasher.digest("qr-poll", poll),
            created_at=now,
            expires_at=now + TTL,
        )
        return QrChallenge(row.id, f"{PREFIX}{row.id}:{code}", poll)

    async def approve(self, account: Account, qr_text: str, context: AuditContext) -> None:
        """The logged-in app's approval; only a pending, unexpired request of that code."""
        request_id, code = _parse(qr_text)
        row = await fetch_by_column(QrLoginRequest, "id", request_id) if request_id else None
        valid = row is not None and self._hasher.matches("qr-code", code, row.code_hmac)
        if not valid or row is None or row.is_expired(self._clock):
            raise DomainError("QR_LOGIN_INVALID", "code")
        approved = await QrLoginRequest.filter(id=row.id, state=QrState.PENDING).update(
            state=QrState.APPROVED, account_id=account.id, approved_at=self._clock.now()
        )
        if not approved:
            raise DomainError("QR_LOGIN_INVALID", "code")
        await self._audit.record(
            "login.qr_approved", context, subject_type="account", subject_id=str(account.id)
        )
        if self._events is not None:
            await self._events.publish(qr_channel(row.id), {"state": QrState.APPROVED.value})

    async def status(self, request_id: uuid.UUID, poll_token: str) -> QrStatus:
        """``pending``, ``approved`` (complete it with ``poll``) or ``expired``, and when it
        expires; changes nothing, so the page's subscription may ask as often as it needs.
        Every open subscription reads it at least twice: one hand-written query."""
        row = await fetch_by_column(QrLoginRequest, "id", request_id)
        if row is None or not self._hasher.matches("qr-poll", poll_token, row.poll_hmac):
            return QrStatus("expired")
        if row.is_expired(self._clock) or row.state is QrState.COMPLETED:
            return QrStatus("expired")
        left = (row.expires_at - self._clock.now()).total_seconds()
        return QrStatus(row.state.value, left)

    async def poll(self, request_id: uuid.UUID, poll_token: str, client_ip: str | None) -> QrPoll:
        row = await QrLoginRequest.get_or_none(id=request_id)
        if row is None or not self._hasher.matches("qr-poll", poll_token, row.poll_hmac):
            return QrPoll("expired")
        if row.is_expired(self._clock):
            return QrPoll("expired")
        if row.state != QrState.APPROVED or row.account_id is None:
            return QrPoll("pending" if row.state == QrState.PENDING else "expired")
        completed = await QrLoginRequest.filter(id=row.id, state=QrState.APPROVED).update(
            state=QrState.COMPLETED
        )
        account = await Account.get_or_none(id=row.account_id)
        if not completed or account is None or account.status != AccountStatus.ACTIVE:
            return QrPoll("expired")
        tokens = await self._tokens.start_session(account, amr=["qr"], client_ip=client_ip)
        await self._audit.record(
            "login.qr",
            AuditContext(actor_id=account.id, client_ip=client_ip),
            subject_type="account",
            subject_id=str(account.id),
        )
        return QrPoll("completed", tokens)


def _parse(qr_text: str) -> tuple[uuid.UUID | None, str]:
    if not qr_text.startswith(PREFIX):
        return None, ""
    raw_id, _, code = qr_text[len(PREFIX) :].partition(":")
    try:
        return uuid.UUID(raw_id), code
    except ValueError:
        return None, ""
