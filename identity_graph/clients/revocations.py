"""Owns table ``oauth_revoked_tokens``: access tokens revoked before they expire (RFC 7009).

Access tokens are self-contained JWTs; revoking one records its ``jti`` until the moment it
would have expired anyway, and introspection (RFC 7662) and UserInfo consult the list. A
whole grant is revoked the same way, under its grant id (the ``gid`` claim every access
token of an authorization code or refresh family carries): a reused code or refresh token,
or a refresh token revoked by its client, ends the access tokens already issued from it
(RFC 6749 §4.1.2, RFC 7009 §2.1). Rows past their expiry can be deleted at any time
without changing any answer.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.core.rows import fetch_by_column, fetch_by_ids


class RevokedToken(Model):
    jti = fields.CharField(max_length=64, primary_key=True)
    client_id = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField()

    class Meta:
        table = "oauth_revoked_tokens"


class TokenRevocations:
    def __init__(self, clock: Clock, audit: AuditLog) -> None:
        self._clock = clock
        self._audit = audit

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
        await self._audit.record(
            "token.revoked", context, subject_type="client", subject_id=client_id
        )
