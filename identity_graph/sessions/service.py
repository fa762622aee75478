"""Resolves bearer credentials to a ``Viewer``; issues personal access tokens for operators.

Personal access tokens (``idg_pat_…``) let operators and scripts call the admin API; like
every secret they are shown once and stored as a keyed hash. Short-lived signed access
tokens for interactive logins join this service with SPEC §3.
"""

from __future__ import annotations

from datetime import timedelta

from identity_graph.accounts.models import Account, AccountStatus
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.models import PersonalAccessToken
from identity_graph.sessions.viewer import Viewer

PAT_PREFIX = "idg_pat_"
_PURPOSE = "personal-access-token"


class SessionService:
    def __init__(self, clock: Clock, hasher: SecretHasher, audit: AuditLog) -> None:
        self._clock = clock
        self._hasher = hasher
        self._audit = audit

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
            return None
        row = await PersonalAccessToken.get_or_none(
            token_hmac=self._hasher.digest(_PURPOSE, token), revoked_at=None
        ).prefetch_related("account")
        if row is None or row.expires_at <= self._clock.now():
            return None
        account: Account = row.account
        if account.status != AccountStatus.ACTIVE:
            return None
        return Viewer(
            account_id=account.id,
            kind=account.kind,
            login_name=account.login_name,
            roles=frozenset(account.roles or []),
            credential="personal_access_token",
        )
