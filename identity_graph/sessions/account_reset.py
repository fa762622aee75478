"""Ending everything an account is logged in with, after its password was reset (SPEC §5).

A reset means someone else may know the old password: every first-party login session
ends (their access tokens die with them, ``sessions/tokens.py``), and so does every
refresh token partner clients hold for the account, session-bound or not. The failed-login
lockout is lifted once the new password is stored.
"""

from __future__ import annotations

import uuid

from identity_graph.core.clock import Clock
from identity_graph.sessions.login import LoginService
from identity_graph.sessions.oauth_refresh import OAuthRefreshToken
from identity_graph.sessions.tokens import TokenService


class AccountSignOut:
    def __init__(self, clock: Clock, login: LoginService, tokens: TokenService) -> None:
        self._clock = clock
        self._login = login
        self._tokens = tokens

    async def end_everything(self, account_id: uuid.UUID, reason: str) -> int:
        """Revoke every live login session and partner refresh token; the count of both.

        The sessions end through ``TokenService`` (an UPDATE of ``login_sessions``, whose
        row trigger tells every process on PostgreSQL, plus the app's own
        ``account_sessions`` notice), so no cache answers for them afterwards."""
        now = self._clock.now()
        sessions = await self._tokens.revoke_other_sessions(account_id, None, reason)
        refresh = await OAuthRefreshToken.filter(account_id=account_id, revoked_at=None).update(
            revoked_at=now
        )
        return sessions + refresh

    async def clear_lockout(self, account_id: uuid.UUID) -> None:
        await self._login.clear_lockout(account_id)
