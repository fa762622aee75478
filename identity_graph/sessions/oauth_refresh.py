"""Owns table ``oauth_refresh_tokens``: refresh tokens issued to partner clients
(RFC 6749 §6; OAuth 2.0 Security BCP §4.14).

```mermaid
stateDiagram-v2
    [*] --> live: issued with an authorization code (a new family)
    live --> used: redeemed (atomic claim), its successor issued in the same family
    used --> revoked: presented again (reuse): the whole family is revoked
    live --> revoked: the login session ends, or the client revokes it
```

Tokens are stored as keyed hashes; each belongs to a family started by one authorization
and to the login session behind it, so a logout ends the family too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.models import Account
from identity_graph.core.clock import Clock
from identity_graph.core.secrets import SecretHasher

_PURPOSE = "oauth-refresh-token"


class OAuthRefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    token_hmac = fields.CharField(max_length=64, unique=True)
    family_id = fields.UUIDField(db_index=True)
    client_id = fields.CharField(max_length=64)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="oauth_refresh_tokens", on_delete=fields.CASCADE
    )
    session_id = fields.UUIDField(null=True)
    scope = fields.CharField(max_length=200, default="")
    acr = fields.CharField(max_length=64)
    auth_time = fields.DatetimeField()
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_refresh_tokens"

    # authlib's TokenMixin, as the refresh grant reads it.
    def check_client(self, client: object) -> bool:
        return self.client_id == client.get_client_id()  # type: ignore[attr-defined]

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshGrant:
    """What a new refresh token carries over from the authorization behind it."""

    client_id: str
    account_id: uuid.UUID
    session_id: uuid.UUID | None
    scope: str
    acr: str
    auth_time: object
    family_id: uuid.UUID


class OAuthRefreshTokens:
    def __init__(self, clock: Clock, hasher: SecretHasher, ttl: timedelta) -> None:
        self._clock = clock
        self._hasher = hasher
        self._ttl = ttl

    async def store(self, token: str, grant: RefreshGrant) -> None:
        now = self._clock.now()
        await OAuthRefreshToken.create(
            token_hmac=self._hasher.digest(_PURPOSE, token),
            family_id=grant.family_id,
            client_id=grant.client_id,
            account_id=grant.account_id,
            session_id=grant.session_id,
            scope=grant.scope,
            acr=grant.acr,
            auth_time=grant.auth_time,
            created_at=now,
            expires_at=now + self._ttl,
        )
        # Reuse may have revoked the family while this successor was being made: checking
        # after the insert covers both orders (revoke first, or insert first).
        if (
            await OAuthRefreshToken.filter(family_id=grant.family_id)
            .exclude(revoked_at=None)
            .exists()
        ):
            await self.revoke_family(grant.family_id)

    async def claim(self, token: str, client_id: str) -> OAuthRefreshToken | None:
        """The row if this call is the first to redeem a live token of ``client_id``;
        presenting a used one revokes its family (reuse detection). Another client's token
        is left alone: it proves nothing about the owner's copy."""
        now = self._clock.now()
        row = await OAuthRefreshToken.get_or_none(
            token_hmac=self._hasher.digest(_PURPOSE, token), client_id=client_id
        ).prefetch_related("account")
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        claimed = await OAuthRefreshToken.filter(id=row.id, used_at=None, revoked_at=None).update(
            used_at=now
        )
        if not claimed:
            await self.revoke_family(row.family_id)
            return None
        return row

    async def find(self, token: str) -> OAuthRefreshToken | None:
        """A live (unused, unrevoked) refresh token, for revocation requests (RFC 7009)."""
        row = await OAuthRefreshToken.get_or_none(token_hmac=self._hasher.digest(_PURPOSE, token))
        if row is None or row.used_at is not None or row.revoked_at is not None:
            return None
        return row

    async def revoke_family(self, family_id: uuid.UUID) -> int:
        return await OAuthRefreshToken.filter(family_id=family_id, revoked_at=None).update(
            revoked_at=self._clock.now()
        )
