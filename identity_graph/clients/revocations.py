"""Owns table ``oauth_revoked_tokens``: access tokens revoked before they expire (RFC 7009).

Access tokens are self-contained JWTs; revoking one records its ``jti`` until the moment it
would have expired anyway, and introspection (RFC 7662) and UserInfo consult the list. A
whole grant is revoked the same way, under its grant id (the ``gid`` claim every access
token of an authorization code or refresh family carries): a reused code or refresh token,
or a refresh token revoked by its client, ends the access tokens already issued from it
(RFC 6749 §4.1.2, RFC 7009 §2.1). Rows past their expiry can be deleted at any time
without changing any answer.

Introspection and UserInfo do not query this table per request: ``RevokedKeys`` keeps the
unexpired revoked keys in process memory, loaded once, topped up by change notices
(``core/change_feed.py``; a revocation anywhere reaches every worker and node at once) and
re-synchronised from the rows revoked since the last look every TTL (the backstop).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.change_feed import ALL, ChangeFeed
from identity_graph.core.clock import Clock
from identity_graph.core.rows import fetch_by_column, fetch_by_ids

TOPIC = "revoked_token"  # change notices, keyed by the revoked jti or grant id
_NOTICE_LIFETIME = 2 * 86_400.0  # until a sync tells the row's real expiry


class RevokedToken(Model):
    jti = fields.CharField(max_length=64, primary_key=True)
    client_id = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    # Indexed: every process re-reads the rows revoked since its last look (RevokedKeys).
    revoked_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "oauth_revoked_tokens"


class TokenRevocations:
    def __init__(self, clock: Clock, audit: AuditLog, changes: ChangeFeed | None = None) -> None:
        self._clock = clock
        self._audit = audit
        self._changes = changes

    async def is_revoked(self, jti: str) -> bool:
        return await fetch_by_column(RevokedToken, "jti", jti) is not None

    async def any_revoked(self, keys: list[str]) -> bool:
        """One query for a token's ``jti`` and the grant it came from (``gid``)."""
        return bool(await fetch_by_ids(RevokedToken, keys))

    async def revoke(
        self, jti: str, client_id: str, expires_at: datetime, context: AuditContext
    ) -> None:
        """Idempotent: revoking twice is one revocation."""
        try:
            await RevokedToken.create(
                jti=jti, client_id=client_id, expires_at=expires_at, revoked_at=self._clock.now()
            )
        except IntegrityError:
            return
        if self._changes is not None:
            await self._changes.publish(TOPIC, jti)
        await self._audit.record(
            "token.revoked", context, subject_type="client", subject_id=client_id
        )


class RevokedKeys:
    """The revoked ``jti``s and grant ids that have not expired, in process memory.

    ``ttl`` seconds is how often the rows revoked since the last look are read again (the
    backstop for a lost notice); 0 asks the table every time, as before.
    """

    def __init__(
        self, clock: Clock, revocations: TokenRevocations, changes: ChangeFeed, ttl: float
    ) -> None:
        self._clock = clock
        self._revocations = revocations
        self._changes = changes
        self._ttl = ttl
        self._keys: dict[str, float] = {}  # key -> when its token would have expired
        self._since: datetime | None = None  # revoked_at of the next sync (with a margin)
        self._next_sync = 0.0
        self._lock = asyncio.Lock()
        changes.subscribe(TOPIC, self._noticed)

    def _noticed(self, key: str) -> None:
        if key == ALL:  # notices may have been missed: read the rows revoked since the last look
            self._next_sync = 0.0
            return
        self._keys[key] = self._clock.now().timestamp() + _NOTICE_LIFETIME

    async def any_revoked(self, keys: list[str]) -> bool:
        if self._ttl <= 0:
            return await self._revocations.any_revoked(keys)
        self._changes.listen()
        if self._since is None or time.monotonic() >= self._next_sync:
            await self._sync()
        return any(key in self._keys for key in keys)

    async def _sync(self) -> None:
        if self._since is None:
            async with self._lock:  # the first load: every caller waits for it
                if self._since is None:
                    await self._load(None)
            return
        self._next_sync = time.monotonic() + self._ttl  # others use the view meanwhile
        await self._load(self._since)

    async def _load(self, since: datetime | None) -> None:
        now = self._clock.now()
        query = RevokedToken.filter(expires_at__gt=now)
        if since is not None:
            query = query.filter(revoked_at__gte=since)
        rows = await query.values_list("jti", "expires_at")
        for jti, expires_at in rows:
            self._keys[str(jti)] = expires_at.timestamp()
        cutoff = now.timestamp()
        self._keys = {key: until for key, until in self._keys.items() if until > cutoff}
        # Writers' clocks and commit delays: look back well past one sync interval.
        self._since = now - timedelta(seconds=self._ttl + 60)
        self._next_sync = time.monotonic() + self._ttl
