"""Resolves bearer credentials to a ``Viewer``; issues personal access tokens for operators.

Three kinds of bearer credential are accepted: short-lived signed access tokens from a login
session (``tokens.py``); personal access tokens (``idg_pat_…``) that let operators and
scripts call the admin API (like every secret shown once and stored as a keyed hash); and a
partner's client-credentials access token, which names a client, not a person
(``authenticate_client``: partner operations such as ``canHandleService``).

An access token the provider issued to a partner client for a person (it names its
``client_id``) is accepted too, while it is not revoked, nor its grant (``gid``: a reused
code or refresh token ends it), as at UserInfo. A token bound to a DPoP key (``cnf``) is
not a bearer token (RFC 9449 §7.1): presented as one, here, it is refused.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from identity_graph.accounts.models import Account, AccountStatus
from identity_graph.agents.bindings import AgentBindings
from identity_graph.agents.models import AgentBinding
from identity_graph.clients.models import OAuthClient
from identity_graph.clients.revocations import RevokedKeys, TokenRevocations
from identity_graph.clients.service import ClientService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, NotAuthorized
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.models import PersonalAccessToken
from identity_graph.sessions.tokens import TokenService, client_claims
from identity_graph.sessions.viewer import Viewer

MESSAGES = {
    "SWITCH_NEEDS_SESSION": (
        "切换单位需要登录会话（个人访问令牌不能切换）",
        "Switching into a unit needs a login session (personal access tokens cannot switch)",
    ),
    "SWITCH_NOT_AN_AGENT": (
        "您不是该单位在有效期内的经办人，或该单位暂不能办理业务",
        "You are not an agent of this unit within your validity, or the unit cannot act now",
    ),
}

PAT_PREFIX = "idg_pat_"
_PURPOSE = "personal-access-token"


class SessionService:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        audit: AuditLog,
        tokens: TokenService,
        revocations: TokenRevocations,
        clients: ClientService | None = None,
        agents: AgentBindings | None = None,
        revoked: RevokedKeys | None = None,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._audit = audit
        self._tokens = tokens
        self._clients = clients
        self._revocations = revocations
        # Revoked jti/grant ids from process memory, as introspection reads them.
        self._revoked: RevokedKeys | TokenRevocations = revoked or revocations
        self._agents = agents

    async def issue_personal_token(
        self, account: Account, name: str, lifetime: timedelta, context: AuditContext
    ) -> str:
        token = PAT_PREFIX + new_token(32)
        now = self._clock.now()
        await PersonalAccessToken.create(
            account=account,
            name=name[:64],
            token_hmac=self._hasher.digest(_PURPOSE, token),
            created_at=now,
            expires_at=now + lifetime,
        )
        await self._audit.record(
            "token.issued",
            context,
            subject_type="account",
            subject_id=str(account.id),
            details={"name": name[:64]},
        )
        return token

    async def authenticate_bearer(self, token: str) -> Viewer | None:
        """The viewer behind ``Authorization: Bearer <token>``, or None if it is not valid."""
        return (await self.authenticate(token))[0]

    async def authenticate(self, token: str) -> tuple[Viewer | None, OAuthClient | None]:
        """Who a bearer token speaks for: a person (viewer), a partner client calling as
        itself, or nobody. The signature is checked once whichever it turns out to be."""
        if token.startswith(PAT_PREFIX):
            return await self._from_personal_token(token), None
        claims = await self._tokens.decode(token)
        if claims is None:
            return None, None
        if "sid" in claims:
            return await self._from_access_token(claims), None
        return None, await self._client(claims)

    async def authenticate_client(self, token: str) -> OAuthClient | None:
        """The partner client behind a client-credentials bearer token, or None: the token
        must be valid and unrevoked, and the client still registered and enabled."""
        claims = await self._tokens.decode(token)
        return await self._client(claims) if claims is not None else None

    async def _client(self, decoded: dict[str, Any]) -> OAuthClient | None:
        """No query when the caches can answer: revocations from the in-process view
        (``RevokedKeys``, as introspection), the client from the client cache."""
        if self._clients is None:
            return None
        claims = client_claims(decoded)
        # A DPoP-bound token is no bearer token (RFC 9449 §7.1).
        if claims is None or "cnf" in claims:
            return None
        if await self._revoked.any_revoked([str(claims["jti"])]):
            return None
        return await self._clients.get(claims["client_id"])

    async def _from_personal_token(self, token: str) -> Viewer | None:
        row = await PersonalAccessToken.get_or_none(
            token_hmac=self._hasher.digest(_PURPOSE, token), revoked_at=None
        ).prefetch_related("account")
        if row is None or row.expires_at <= self._clock.now():
            return None
        return _viewer(row.account, "personal_access_token")

    async def _from_access_token(self, claims: dict[str, Any]) -> Viewer | None:
        grant = await self._tokens.access_grant(claims)
        if grant is None or "cnf" in grant.claims:
            return None
        if "client_id" in grant.claims:  # issued to a partner: one more look, its revocation
            keys = [str(grant.claims.get("jti")), str(grant.claims.get("gid", ""))]
            if await self._revoked.any_revoked([key for key in keys if key]):
                return None
        viewer = _viewer(grant.account, "access_token", grant.session_id)
        if viewer is None or grant.acting_enterprise_id is None or self._agents is None:
            return viewer
        # Acting for a unit only while the binding holds: checked at every use (SPEC §7).
        binding = await self._agents.acting(viewer.account_id, grant.acting_enterprise_id)
        if binding is None:
            return viewer
        return dataclasses.replace(viewer, acting_enterprise_id=grant.acting_enterprise_id)

    async def switch_enterprise(
        self, viewer: Viewer, enterprise_id: uuid.UUID | None, context: AuditContext
    ) -> AgentBinding | None:
        """Act for ``enterprise_id`` in this session (an effective binding required), or
        return to acting as oneself (None)."""
        if viewer.session_id is None or self._agents is None:
            raise NotAuthorized("SWITCH_NEEDS_SESSION")
        binding = None
        if enterprise_id is not None:
            binding = await self._agents.acting(viewer.account_id, enterprise_id)
            if binding is None:
                raise DomainError("SWITCH_NOT_AN_AGENT", "enterpriseId")
        if not await self._tokens.set_acting_enterprise(viewer.session_id, enterprise_id):
            raise NotAuthorized("SWITCH_NEEDS_SESSION")
        await self._audit.record(
            "session.switched",
            context,
            subject_type="account",
            subject_id=str(viewer.account_id),
            details={"enterprise": str(enterprise_id) if enterprise_id else None},
        )
        return binding


def _viewer(
    account: Account | None, credential: str, session_id: uuid.UUID | None = None
) -> Viewer | None:
    """Only active accounts act; a locked or disabled account's credentials stop working."""
    if account is None or account.status != AccountStatus.ACTIVE:
        return None
    return Viewer(
        account_id=account.id,
        kind=account.kind,
        login_name=account.login_name,
        roles=frozenset(account.roles or []),
        credential=credential,
        session_id=session_id,
        account=account,
    )
