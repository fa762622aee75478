"""Whether a token this provider issued to a partner client is still alive, as UserInfo,
introspection (RFC 7662) and revocation (RFC 7009) must all tell it alike.

An access token is a JWT, valid by signature until it expires; it dies earlier when it is
revoked (its ``jti``), when the grant it came from is revoked (its ``gid``: a reused code
or refresh token, a revoked refresh token), or when the login session named by its ``sid``
ends (logout, password change). A token acting for a unit also dies with its agent binding
(``abid``, token exchange) or, through its session, when the person stops acting for it.
A refresh token is a row: alive while unused, unrevoked, unexpired and its login session
lives. Reads only; the owners of the rows write them.

Introspection asks nothing of the database for a token it has seen lately: revoked keys
come from ``RevokedKeys`` and live sessions from ``TokenService.cached_session_context``,
both process memory kept current by change notices from every worker and node
(``core/change_feed.py``). UserInfo answers the account's current claims: it takes
revocations from memory too, and the session, its account and the account's person or unit
row from ``sessions/claim_rows.py`` on PostgreSQL (dropped by row triggers whoever writes),
else in one query (``subject``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from identity_graph.accounts.models import Account, AccountStatus, Enterprise, NaturalPerson
from identity_graph.agents.context import EnterpriseContext, EnterpriseContexts
from identity_graph.clients.revocations import RevokedKeys, TokenRevocations
from identity_graph.core.rows import fetch_by_ids
from identity_graph.sessions.claim_rows import ClaimRowsCache
from identity_graph.sessions.oauth_refresh import OAuthRefreshToken, OAuthRefreshTokens
from identity_graph.sessions.subject import session_subject
from identity_graph.sessions.tokens import TokenService


@dataclass(frozen=True)
class Liveness:
    active: bool
    account: Account | None = None  # the person behind a user token, when it is alive
    # The unit the token acts for, while its binding holds (agent login, token exchange).
    enterprise: EnterpriseContext | None = None
    # UserInfo (``subject``): the account's person or unit row, read with it.
    person: NaturalPerson | None = None
    unit: Enterprise | None = None


INACTIVE = Liveness(False)


class IssuedTokens:
    def __init__(
        self,
        revocations: TokenRevocations,
        tokens: TokenService,
        refresh_tokens: OAuthRefreshTokens,
        contexts: EnterpriseContexts | None = None,
        revoked: RevokedKeys | None = None,
        claim_rows: ClaimRowsCache | None = None,
    ) -> None:
        self._claim_rows = claim_rows
        self._contexts = contexts
        self._revoked = revoked
        self._revocations = revocations
        self._tokens = tokens
        self._refresh_tokens = refresh_tokens

    async def access(
        self, claims: Mapping[str, Any], now: int, *, fresh_account: bool = False
    ) -> Liveness:
        """``claims`` of a signature-checked access token. With the in-process views no
        query for a token seen lately; ``fresh_account`` reads the session and its account
        from the database (token exchange acts on the current account)."""
        alive = await self._unrevoked(claims, now)
        if alive is not None:
            return alive
        if fresh_account:
            found = await self._tokens.session_context_by_text(str(claims["sid"]))
        else:
            found = await self._tokens.cached_session_context(str(claims["sid"]))
        if found is None or found[0].status != AccountStatus.ACTIVE:
            return INACTIVE
        account, acting = found
        return Liveness(True, account, await self._acting(account, acting))

    async def subject(self, claims: Mapping[str, Any], now: datetime) -> Liveness:
        """``access`` for UserInfo: the session, its account and the account's person or
        unit as the database holds them now, in one query, or from ``ClaimRowsCache`` (kept
        current by the row triggers' notices) when it holds them."""
        alive = await self._unrevoked(claims, int(now.timestamp()))
        if alive is not None:
            return alive
        sid = str(claims["sid"])
        cache = self._claim_rows
        if cache is not None and cache.enabled:
            hit, found = cache.get(sid)
            if not hit:
                found = await session_subject(sid)
                cache.put(sid, found)
        else:
            found = await session_subject(sid)
        if found is None or found.expires_at <= now:
            return INACTIVE
        account = found.account
        if account.status != AccountStatus.ACTIVE:
            return INACTIVE
        context = await self._acting(account, found.acting)
        return Liveness(True, account, context, found.person, found.unit)

    async def _unrevoked(self, claims: Mapping[str, Any], now: int) -> Liveness | None:
        """The answer when it does not depend on a login session (expired, revoked, a
        unit's token, a client's token); None when the session decides."""
        if int(claims["exp"]) <= now:
            return INACTIVE
        grant = claims.get("gid")
        keys = [str(claims["jti"]), grant] if isinstance(grant, str) else [str(claims["jti"])]
        if self._revoked is not None:
            revoked = await self._revoked.any_revoked(keys)
        else:
            revoked = await self._revocations.any_revoked(keys)
        if revoked:
            return INACTIVE
        if "abid" in claims:  # issued for a unit (token exchange): dies with its binding
            return await self._for_binding(str(claims["abid"]))
        if "sid" not in claims:
            return Liveness(True)  # client credentials: no person, no session
        return None

    async def _acting(self, account: Account, acting: uuid.UUID | None) -> EnterpriseContext | None:
        if acting is None or self._contexts is None:
            return None
        return await self._contexts.of_person(account.id, acting)

    async def _for_binding(self, binding_id: str) -> Liveness:
        if self._contexts is None:
            return INACTIVE
        try:
            context = await self._contexts.of_binding(uuid.UUID(binding_id))
        except ValueError:
            return INACTIVE
        if context is None:
            return INACTIVE
        person = next(iter(await fetch_by_ids(Account, [context.person_id])), None)
        if person is None or person.status != AccountStatus.ACTIVE:
            return INACTIVE
        return Liveness(True, person, context)

    async def refresh(self, token: str) -> tuple[OAuthRefreshToken, Account] | None:
        """A live refresh token and the account it acts for."""
        row = await self._refresh_tokens.find(token)
        if row is None:
            return None
        if row.session_id is not None:
            account = await self._tokens.session_account(row.session_id)
        else:
            owner = row.account_id  # type: ignore[attr-defined]
            account = next(iter(await fetch_by_ids(Account, [owner])), None)
        if account is None or account.status != AccountStatus.ACTIVE:
            return None
        return row, account
