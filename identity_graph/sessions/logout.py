"""Single logout (OIDC RP-Initiated Logout 1.0, Back-Channel Logout 1.0; SPEC §7).

Ending a login session revokes it (its access, refresh and browser-session credentials
stop at once) and queues, through the jobs outbox, one signed logout token for every
partner client that received a code in that session and registered a back-channel URI.
Delivery retries with backoff until the client answers 2xx.

```mermaid
stateDiagram-v2
    [*] --> ended: logout (GraphQL, the end-session endpoint, or an operator)
    ended --> queued: one job per client holding tokens from the session
    queued --> delivered: client answered 2xx
    queued --> queued: error or timeout (retry with backoff)
    queued --> dead: attempts exhausted (visible to operators)
```
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
from joserfc import jwt
from tortoise.transactions import in_transaction

from identity_graph.clients.service import ClientService
from identity_graph.clients.subjects import Subjects
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.jobs import JobQueue
from identity_graph.core.outbound import outbound_client
from identity_graph.sessions.authorization_codes import AuthorizationCode
from identity_graph.sessions.signing_keys import Algorithm, SigningKeys
from identity_graph.sessions.tokens import LoginSession, TokenService

BACKCHANNEL_JOB = "oauth.backchannel_logout"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class BackchannelFailed(RuntimeError):
    """The client did not take the logout token; the job will be retried."""


class LogoutService:
    def __init__(
        self,
        clock: Clock,
        tokens: TokenService,
        clients: ClientService,
        keys: SigningKeys,
        jobs: JobQueue,
        audit: AuditLog,
        subjects: Subjects,
        issuer: str,
        timeout: float = 5.0,
    ) -> None:
        self._clock = clock
        self._tokens = tokens
        self._clients = clients
        self._keys = keys
        self._jobs = jobs
        self._audit = audit
        self._subjects = subjects
        self._issuer = issuer
        self._timeout = timeout

    async def end_session(self, session_id: uuid.UUID, context: AuditContext) -> bool:
        """Revoke the session and queue back-channel logout for its clients, atomically."""
        session = await LoginSession.get_or_none(id=session_id)
        if session is None:
            return False
        rows = await AuthorizationCode.filter(session_id=session_id).values_list(
            "client_id", flat=True
        )
        client_ids = {str(client_id) for client_id in rows}
        async with in_transaction():
            ended = await self._tokens.revoke_session(session_id, "logout")
            if not ended:
                return False
            for client_id in sorted(client_ids):
                client = await self._clients.get(client_id)
                if client is not None and client.backchannel_logout_uri:
                    await self._jobs.enqueue(
                        BACKCHANNEL_JOB,
                        {
                            "client_id": client_id,
                            "sid": str(session_id),
                            "sub": str(session.account_id),  # type: ignore[attr-defined]
                        },
                    )
            await self._audit.record(
                "logout",
                context,
                subject_type="account",
                subject_id=str(session.account_id),  # type: ignore[attr-defined]
                details={"session": str(session_id), "clients": sorted(client_ids)},
            )
        return True

    async def deliver(self, payload: Mapping[str, Any]) -> None:
        """Job handler: POST a signed logout token to the client's back-channel URI."""
        client = await self._clients.get(str(payload["client_id"]))
        if client is None or not client.backchannel_logout_uri:
            return  # the client is gone or no longer wants it: nothing to deliver
        sub = self._subjects.for_client(client, uuid.UUID(str(payload["sub"])))
        token = await self.logout_token(client.client_id, str(payload["sid"]), sub)
        try:
            async with outbound_client(timeout=self._timeout) as http:
                answer = await http.post(
                    client.backchannel_logout_uri,
                    data={"logout_token": token},
                    headers={"Cache-Control": "no-store"},
                )
        except httpx.HTTPError as exc:
            raise BackchannelFailed(type(exc).__name__) from exc
        if not 200 <= answer.status_code < 300:
            raise BackchannelFailed(f"HTTP {answer.status_code}")

    async def logout_token(self, client_id: str, sid: str, sub: str) -> str:
        """Back-Channel Logout §2.4: signed like ID tokens, no nonce, with the event."""
        key = await self._keys.signing_key(Algorithm.RS256)
        now = int(self._clock.now().timestamp())
        claims = {
            "iss": self._issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex + f"{time.monotonic_ns():x}",
            "sub": sub,
            "sid": sid,
            "events": {LOGOUT_EVENT: {}},
        }
        header = {"alg": Algorithm.RS256.value, "kid": key.kid, "typ": "logout+jwt"}
        return jwt.encode(header, claims, key)
