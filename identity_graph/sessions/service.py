"""Resolves bearer credentials to a ``Viewer``; issues personal access tokens for operators.

Two kinds of bearer credential are accepted: short-lived signed access tokens from a login
session (``tokens.py``), and personal access tokens (``idg_pat_…``) that let operators and
scripts call the admin API; like every secret those are shown once and stored as a keyed
hash.

An access token the provider issued to a partner client (it names its ``client_id``) is
accepted too, while it is not revoked, nor its grant (``gid``: a reused code or refresh
token ends it), as at UserInfo. A token bound to a DPoP key (``cnf``) is not a bearer
token (RFC 9449 §7.1): presented as one, here, it is refused.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from identity_graph.accounts.models import Account, AccountStatus
from identity_graph.clients.revocations import TokenRevocations
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.models import PersonalAccessToken
from identity_graph.sessions.tokens import TokenService
from identity_graph.sessions.viewer import Viewer

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
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._audit = audit
        self._tokens = tokens
        self._revocations = revocations

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
        if not token.startswith(PAT_PREFIX):
            return await self._from_access_token(token)
        row = await PersonalAccessToken.get_or_none(
            token_hmac=self._hasher.digest(_PURPOSE, token), revoked_at=None
        ).prefetch_related("account")
        if row is None or row.expires_at <= self._clock.now():
            return None
        return _viewer(row.account, "personal_access_token")

    async def _from_access_token(self, token: str) -> Viewer | None:
        grant = await self._tokens.verify_access_token(token)
        if grant is None or "cnf" in grant.claims:
            return None
        if "client_id" in grant.claims:  # issued to a partner: one more look, its revocation
            keys = [str(grant.claims.get("jti")), str(grant.claims.get("gid", ""))]
            if await self._revocations.any_revoked([key for key in keys if key]):
                return None
        return _viewer(grant.account, "access_token", grant.session_id)


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
