"""CIBA (OpenID Connect Client-Initiated Backchannel Authentication Core 1.0, poll and ping
modes) as a door to the per-filing confirmation (SPEC §8): the client names a person with
``login_hint`` (login name or ID number); the person's authentication device is their
to-do list (待办事项), where a one-person confirmation request is the prompt: a face check
to see it, a second one to confirm, or a decline. The client then redeems its
``auth_req_id`` at the token endpoint (grant ``urn:openid:params:grant-type:ciba``).

```mermaid
stateDiagram-v2
    [*] --> PENDING: POST /oauth/bc-authorize (auth_req_id, a to-do for the person)
    PENDING --> PENDING: token poll (authorization_pending; slow_down if too early)
    PENDING --> APPROVED: the person confirms the to-do (face check twice)
    PENDING --> DENIED: the person declines
    PENDING --> EXPIRED: expires_in passes (the to-do expires with it)
    APPROVED --> REDEEMED: token poll (tokens, once)
    DENIED --> [*]: token poll (access_denied)
    EXPIRED --> [*]: token poll (expired_token)
    APPROVED --> APPROVED: ping mode: POST client_notification_endpoint
    DENIED --> DENIED: ping mode: POST client_notification_endpoint
    EXPIRED --> EXPIRED: ping mode: POST client_notification_endpoint
```

APPROVED, DENIED and EXPIRED are the confirmation request's COMPLETE, DECLINED and
EXPIRED: one state, kept by ``ConfirmationService``; this module keeps only the handle,
the poll clock and the redemption. In ping mode the move out of PENDING queues a job (in
the move's transaction) that posts ``{"auth_req_id"}`` to the client's notification
endpoint with ``Authorization: Bearer <client_notification_token>`` (CIBA §10.2), retried
by the jobs outbox until the client answers 2xx.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.login_names import login_key
from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.clients.models import OAuthClient
from identity_graph.confirmations.drafts import Draft, PersonDraft
from identity_graph.confirmations.models import (
    CibaRequest,
    ConfirmationItem,
    ConfirmationRequest,
    RequestState,
)
from identity_graph.confirmations.service import ConfirmationService
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError
from identity_graph.core.jobs import JobQueue
from identity_graph.core.outbound import outbound_client
from identity_graph.core.secrets import new_token

GRANT_TYPE = "urn:openid:params:grant-type:ciba"
DELIVERY_MODES = ("poll", "ping")
PING_JOB = "ciba.ping"
SLOW_DOWN_STEP = 5  # CIBA §11 / RFC 8628 §3.5: each slow_down adds five seconds
MAX_BINDING_MESSAGE = 64
HINTS = ("login_hint", "id_token_hint", "login_hint_token")
MAX_NOTIFICATION_TOKEN = 1024


class CibaRefused(Exception):
    """A refusal in CIBA's terms (§13 at the endpoint, §11 at the token endpoint)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Started:
    auth_req_id: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Approved:
    """What the token endpoint issues for: the person, the scope, when they confirmed."""

    account: Account
    scope: str
    auth_time: datetime
    acr: str
    amr: tuple[str, ...] = ("face",)
    session_id: None = None
    nonce: None = None


@dataclass(frozen=True)
class Policy:
    expiry: int = 600
    max_expiry: int = 3600
    interval: int = 5


def handle_hash(auth_req_id: str) -> str:
    return hashlib.sha256(auth_req_id.encode()).hexdigest()


class CibaService:
    def __init__(
        self,
        clock: Clock,
        vault: PersonalData,
        confirmations: ConfirmationService,
        jobs: JobQueue,
        policy: Policy,
        acr: str,
        timeout: float = 5.0,
    ) -> None:
        self._clock = clock
        self._vault = vault
        self._confirmations = confirmations
        self._jobs = jobs
        self._policy = policy
        self._acr = acr
        self._client = outbound_client(timeout=timeout, follow_redirects=False)
        confirmations.observe(self._changed)

    # -- the backchannel authentication endpoint --------------------------------------

    async def start(
        self, client: OAuthClient, form: Mapping[str, str], context: AuditContext
    ) -> Started:
        """Validate an authentication request (CIBA §7.1) and open the person's to-do."""
        mode = client.backchannel_token_delivery_mode
        if GRANT_TYPE not in (client.grant_types or []) or mode not in DELIVERY_MODES:
            raise CibaRefused("unauthorized_client", "this client is not registered for CIBA")
        scope = self._scope(client, form.get("scope", ""))
        hints = [name for name in HINTS if form.get(name)]
        if hints != ["login_hint"]:
            raise CibaRefused("invalid_request", "send exactly one hint: login_hint")
        if form.get("user_code"):
            raise CibaRefused("invalid_request", "user_code is not supported")
        binding = form.get("binding_message", "").strip()
        if len(binding) > MAX_BINDING_MESSAGE or any(ord(c) < 32 for c in binding):
            raise CibaRefused(
                "invalid_binding_message", f"binding_message: at most {MAX_BINDING_MESSAGE}"
            )
        token = form.get("client_notification_token", "")
        if mode == "ping" and not 1 <= len(token) <= MAX_NOTIFICATION_TOKEN:
            raise CibaRefused("invalid_request", "ping mode needs a client_notification_token")
        expiry = self._expiry(form.get("requested_expiry"))
        account, person = await self._person(form["login_hint"])
        auth_req_id = new_token(32)
        now = self._clock.now()

        async def record(request: ConfirmationRequest) -> None:
            await CibaRequest.create(
                id=uuid.uuid4(),
                auth_req_id_hash=handle_hash(auth_req_id),
                auth_req_id_cipher=self._vault.seal(auth_req_id, "ciba_auth_req_id"),
                client_id=client.client_id,
                confirmation=request,
                account_id=account.id,
                scope=scope,
                delivery_mode=mode,
                notification_token_cipher=(
                    self._vault.seal(token, "ciba_notification_token") if mode == "ping" else None
                ),
                interval=self._policy.interval,
                expires_at=now + timedelta(seconds=expiry),
                created_at=now,
            )

        draft = Draft(
            reference=f"ciba-{uuid.uuid4().hex[:24]}",
            title=f"{client.name}请求确认身份"[:100],
            summary=_summary(client.name, scope, binding),
            persons=[PersonDraft(person[0], person[1], person[2], "本人")],
        )
        try:
            await self._confirmations.create(
                client.client_id, draft, context, ttl=timedelta(seconds=expiry), then=record
            )
        except DomainError as error:  # the registry's record no longer passes the checks
            raise CibaRefused("unknown_user_id", "the person cannot be asked") from error
        return Started(auth_req_id, expiry, self._policy.interval)

    def _scope(self, client: OAuthClient, requested: str) -> str:
        names = requested.split()
        if "openid" not in names:
            raise CibaRefused("invalid_scope", "scope must include openid")
        allowed = set(client.scopes or [])
        if any(name not in allowed for name in names):
            raise CibaRefused("invalid_scope", "a scope this client is not registered for")
        return " ".join(dict.fromkeys(names))

    def _expiry(self, value: str | None) -> int:
        if value is None or value == "":
            return self._policy.expiry
        if not value.isdigit() or not 1 <= int(value) <= self._policy.max_expiry:
            raise CibaRefused(
                "invalid_request", f"requested_expiry: 1 to {self._policy.max_expiry} seconds"
            )
        return int(value)

    async def _person(self, hint: str) -> tuple[Account, tuple[str, Any, str]]:
        """The verified, active person a login name or an ID number names."""
        hint = hint.strip()
        account = await Account.get_or_none(
            kind=AccountKind.NATURAL_PERSON, login_key=login_key(hint)
        )
        person = None
        if account is not None:
            person = await NaturalPerson.get_or_none(id=account.id)
        elif 0 < len(hint) <= 64:
            person = await NaturalPerson.get_or_none(
                id_number_index=self._vault.index_id_number(hint.upper())
            )
            if person is not None:
                account = await Account.get_or_none(id=person.id)
        usable = (
            account is not None
            and person is not None
            and account.status == "active"
            and account.verification_status.is_verified
        )
        if not usable or account is None or person is None:
            raise CibaRefused("unknown_user_id", "login_hint names no verified person")
        return account, (
            self._vault.open(person.real_name_cipher, "real_name"),
            person.id_type,
            self._vault.open(person.id_number_cipher, "id_number"),
        )

    # -- the token endpoint -----------------------------------------------------------

    async def redeem(self, client_id: str, auth_req_id: str) -> Approved:
        """One poll (CIBA §10.1): tokens once approved, else the error to answer."""
        row = await CibaRequest.get_or_none(
            auth_req_id_hash=handle_hash(auth_req_id), client_id=client_id
        )
        if row is None or row.redeemed_at is not None:
            raise CibaRefused("invalid_grant", "unknown or already used auth_req_id")
        now = self._clock.now()
        request = await self._confirmations.for_client(client_id, row.confirmation_id)  # type: ignore[attr-defined]
        if request.state is RequestState.OPEN and now >= row.expires_at:
            await self._confirmations.expire_due()
            await request.refresh_from_db()
        if request.state is RequestState.DECLINED:
            raise CibaRefused("access_denied", "the person declined")
        if request.state is RequestState.EXPIRED:
            raise CibaRefused("expired_token", "the auth_req_id has expired")
        if now >= row.expires_at:  # answered in time, but redeemed too late
            raise CibaRefused("expired_token", "the auth_req_id has expired")
        await self._pace(row, now)  # also before tokens: the interval binds every poll
        if request.state is RequestState.OPEN:
            raise CibaRefused("authorization_pending", "the person has not answered yet")
        claimed = await CibaRequest.filter(id=row.id, redeemed_at=None).update(redeemed_at=now)
        account = await Account.get_or_none(id=row.account_id)
        if not claimed:
            raise CibaRefused("invalid_grant", "unknown or already used auth_req_id")
        if account is None or account.status != "active":
            raise CibaRefused("access_denied", "the account is no longer active")
        item = await ConfirmationItem.filter(request_id=request.id).first()
        decided = item.decided_at if item is not None and item.decided_at else now
        return Approved(account, row.scope, decided, self._acr)

    async def _pace(self, row: CibaRequest, now: datetime) -> None:
        """Polls closer than the interval answer slow_down and lengthen it (CIBA §11)."""
        too_early = row.last_polled_at is not None and now < row.last_polled_at + timedelta(
            seconds=row.interval
        )
        if too_early:
            await CibaRequest.filter(id=row.id).update(
                last_polled_at=now, interval=row.interval + SLOW_DOWN_STEP
            )
            raise CibaRefused("slow_down", f"poll at most every {row.interval + SLOW_DOWN_STEP} s")
        await CibaRequest.filter(id=row.id).update(last_polled_at=now)

    # -- ping mode --------------------------------------------------------------------

    async def _changed(self, request: ConfirmationRequest) -> None:
        """In the change's transaction: queue the ping once the person has answered."""
        state = await ConfirmationRequest.filter(id=request.id).values_list("state", flat=True)
        if not state or state[0] == RequestState.OPEN:
            return
        row = await CibaRequest.get_or_none(confirmation_id=request.id)
        if row is not None and row.delivery_mode == "ping" and row.notified_at is None:
            await self._jobs.enqueue(PING_JOB, {"ciba_id": str(row.id)})

    async def ping(self, payload: Mapping[str, Any]) -> None:
        """The job handler: tell the client its auth_req_id is ready to redeem."""
        row = await CibaRequest.get_or_none(id=payload["ciba_id"])
        if row is None or row.notified_at is not None or row.notification_token_cipher is None:
            return
        client = await OAuthClient.get_or_none(client_id=row.client_id)
        endpoint = client.backchannel_client_notification_endpoint if client else None
        if not endpoint:
            return
        token = self._vault.open(row.notification_token_cipher, "ciba_notification_token")
        response = await self._client.post(
            endpoint,
            json={"auth_req_id": self._vault.open(row.auth_req_id_cipher, "ciba_auth_req_id")},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 300:
            raise PingRefused(f"the client notification endpoint answered {response.status_code}")
        await CibaRequest.filter(id=row.id).update(notified_at=self._clock.now())

    async def aclose(self) -> None:
        await self._client.aclose()


class PingRefused(Exception):
    """The client answered a ping with an error status: the job retries later."""


def _summary(client_name: str, scope: str, binding: str) -> str:
    lines = [
        f"「{client_name}」请求确认您的身份并获得以下授权 (scope): {scope}。",
        f"{client_name} asks you to confirm your identity and grant: {scope}.",
    ]
    if binding:
        lines.append(f"核对码 / binding message: {binding}")
    lines.append("如非本人操作，请拒绝。 If you did not start this, decline.")
    return " ".join(lines)
