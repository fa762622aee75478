"""The provider's browser session (SSO): a cookie naming a login session (SPEC §3, §7).

The cookie holds the session id and a keyed MAC of it, so it cannot be forged and needs no
table of its own; whether the session still lives is the login session's own state, so a
logout or a password change ends the browser session too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from identity_graph.accounts.models import Account
from identity_graph.core.secrets import SecretHasher
from identity_graph.sessions.tokens import TokenService

COOKIE = "idg_sso"
_PURPOSE = "browser-session"


@dataclass(frozen=True)
class BrowserSession:
    session_id: uuid.UUID
    account: Account
    auth_time: datetime
    amr: list[str]


class BrowserSessions:
    def __init__(self, hasher: SecretHasher, tokens: TokenService) -> None:
        self._hasher = hasher
        self._tokens = tokens

    def cookie_value(self, session_id: uuid.UUID) -> str:
        return f"{session_id}.{self._hasher.digest(_PURPOSE, str(session_id))}"

    async def read(self, cookie: str | None) -> BrowserSession | None:
        if not cookie or "." not in cookie:
            return None
        raw_id, _, mac = cookie.partition(".")
        if not self._hasher.matches(_PURPOSE, raw_id, mac):
            return None
        try:
            session_id = uuid.UUID(raw_id)
        except ValueError:
            return None
        session = await self._tokens.live_session(session_id)
        if session is None:
            return None
        return BrowserSession(session_id, session.account, session.auth_time, list(session.amr))
