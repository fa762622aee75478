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
and to the login session behind it, so a logout ends the family too. The family id is the
grant id (``gid``) of every access token issued in it: revoking a family also puts the
grant on the revoked list, so those access tokens die with it (RFC 7009 §2.1). A token
issued under a DPoP proof to a public client is bound to that key (RFC 9449 §5).

Claiming and storing run on every refresh grant, so they send hand-written SQL (as the
bearer check does, ``core/rows.py``): the claim is one conditional ``UPDATE … RETURNING``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections, fields
from tortoise.models import Model

from identity_graph.accounts.models import Account
from identity_graph.clients.revocations import TokenRevocations
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import Clock
from identity_graph.core.rows import bind, is_postgres
from identity_graph.core.secrets import SecretHasher
from identity_graph.sessions.tokens import LoginSession

_PURPOSE = "oauth-refresh-token"
_TABLE = '"oauth_refresh_tokens"'
_CLAIM_SQL = (
    'UPDATE "oauth_refresh_tokens" SET "used_at" = {0} WHERE "token_hmac" = {1}'
    ' AND "client_id" = {2} AND "used_at" IS NULL AND "revoked_at" IS NULL'
    ' AND ("dpop_jkt" IS NULL OR "dpop_jkt" = {3}) RETURNING *'
)
# PostgreSQL: the claim, the token's account and its login session in one statement (the
# refresh grant needs all three). Account columns come prefixed, since both tables have
# ``id`` and ``created_at``.
_ACCOUNT_COLUMNS = tuple(Account._meta.fields_db_projection.values())
_ACCOUNT_SELECT = ", ".join(f'a."{column}" AS "a_{column}"' for column in _ACCOUNT_COLUMNS)
_SESSION_SELECT = (
    's."id" AS "s_id", s."account_id" AS "s_account_id", s."revoked_at" AS "s_revoked_at",'
    ' s."expires_at" AS "s_expires_at"'
)
_CLAIM_LIVE_SELECT = f"SELECT claimed.*, {_ACCOUNT_SELECT}, {_SESSION_SELECT} FROM claimed"  # noqa: S608
_CLAIM_LIVE_JOINS = (
    ' JOIN "accounts" a ON a."id" = claimed."account_id"'
    ' LEFT JOIN "login_sessions" s ON s."id" = claimed."session_id"'
)
_CLAIM_LIVE_SQL = f"WITH claimed AS ({_CLAIM_SQL}) {_CLAIM_LIVE_SELECT}{_CLAIM_LIVE_JOINS}"
# SQLite (no UPDATE in a CTE): the same account and session, read after the claim.
_OWNER_SQL = (
    f'SELECT {_ACCOUNT_SELECT}, {_SESSION_SELECT} FROM "accounts" a'  # noqa: S608
    ' LEFT JOIN "login_sessions" s ON s."id" = {} WHERE a."id" = {}'
)
_COLUMNS = (
    "token_hmac",
    "family_id",
    "client_id",
    "account_id",
    "session_id",
    "scope",
    "acr",
    "auth_time",
    "created_at",
    "expires_at",
    "dpop_jkt",
)
_INSERT_SQL = "INSERT INTO {} ({}) VALUES ({{}})".format(  # noqa: S608 - fixed names
    _TABLE, ", ".join(f'"{column}"' for column in _COLUMNS)
)
# A successor is written only while its parent (the token just claimed) is not revoked, and
# holds the parent's row lock while it is written: a family revocation that reached the
# parent first has already committed (nothing is written), and one that comes later waits
# for the successor, which its second pass then revokes (``revoke_family``).
_SUCCESSOR_COLUMNS = ", ".join(f'"{column}"' for column in _COLUMNS)
_SUCCESSOR_SQL = f"INSERT INTO {_TABLE} ({_SUCCESSOR_COLUMNS}) SELECT {{}} FROM {_TABLE} p"  # noqa: S608
_SUCCESSOR_SQL += ' WHERE p."id" = {} AND p."revoked_at" IS NULL{} RETURNING "id"'
_FAMILY_REVOKED_SQL = (
    f'SELECT 1 FROM {_TABLE} WHERE "family_id" = {{}} AND "revoked_at" IS NOT NULL LIMIT 1'  # noqa: S608
)


_TOKEN_COLUMNS = ("id", "used_at", "revoked_at", *_COLUMNS)
_SESSION_EXPIRES = LoginSession._meta.fields_map["expires_at"]


def _live_owner(row: dict[str, Any], claimed: Any, now: datetime) -> Account | None:
    """The account from a joined row, if the token's login session (when it has one) is
    unrevoked and unexpired: what ``TokenService.session_account`` checks."""
    if claimed.session_id is not None:
        if row["s_id"] is None or row["s_revoked_at"] is not None:
            return None
        expires = _SESSION_EXPIRES.to_python_value(row["s_expires_at"])
        if expires is None or expires <= now or str(row["s_account_id"]) != str(claimed.account_id):
            return None
    return Account._init_from_db(**{column: row[f"a_{column}"] for column in _ACCOUNT_COLUMNS})


def _marks(count: int, postgres: bool) -> list[str]:
    return [f"${n}" for n in range(1, count + 1)] if postgres else ["?"] * count


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
    dpop_jkt = fields.CharField(max_length=64, null=True)

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
    dpop_jkt: str | None = None
    # The refresh token this one succeeds (None for the first of a family, from a code).
    parent_id: int | None = None


class OAuthRefreshTokens:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        ttl: timedelta,
        revocations: TokenRevocations,
        access_ttl: timedelta,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._ttl = ttl
        self._revocations = revocations
        self._access_ttl = access_ttl

    async def store(self, token: str, grant: RefreshGrant) -> None:
        """Write a new refresh token; a successor only while its family lives (one
        statement, see ``_SUCCESSOR_SQL``)."""
        now = self._clock.now()
        connection = connections.get("default")
        postgres = is_postgres(connection)
        values = [
            bind(value, postgres)
            for value in (
                self._hasher.digest(_PURPOSE, token),
                grant.family_id,
                grant.client_id,
                grant.account_id,
                grant.session_id,
                grant.scope,
                grant.acr,
                grant.auth_time,
                now,
                now + self._ttl,
                grant.dpop_jkt,
            )
        ]
        marks = _marks(len(values) + 1, postgres)
        if grant.parent_id is not None:
            # A revoked family gets no successor: the client's new token is simply unknown.
            await connection.execute_query(
                _SUCCESSOR_SQL.format(
                    ", ".join(marks[:-1]), marks[-1], " FOR UPDATE OF p" if postgres else ""
                ),
                [*values, grant.parent_id],
            )
            return
        await connection.execute_query(_INSERT_SQL.format(", ".join(marks[:-1])), values)
        # A new family (from a code) has no parent to lock: a reuse of the code may have
        # revoked the grant while this token was being made, so look after the insert.
        revoked = await connection.execute_query_dict(
            _FAMILY_REVOKED_SQL.format(marks[0]), [bind(grant.family_id, postgres)]
        )
        if revoked:
            await self.revoke_family(grant.family_id, grant.client_id)

    async def claim_live(
        self, token: str, client_id: str, dpop_jkt: str | None = None
    ) -> OAuthRefreshToken | None:
        """``claim``, and the token's account (``row.account``) if its login session still
        lives (a logout ends it): one statement on PostgreSQL, two on SQLite."""
        now = self._clock.now()
        digest = self._hasher.digest(_PURPOSE, token)
        connection = connections.get("default")
        postgres = is_postgres(connection)
        params = [now, digest, client_id, dpop_jkt]
        if postgres:
            rows = await connection.execute_query_dict(
                _CLAIM_LIVE_SQL.format(*_marks(4, postgres)), params
            )
        else:
            rows = await connection.execute_query_dict(_CLAIM_SQL.format(*_marks(4, False)), params)
        if not rows:
            await self._reused(digest, client_id)
            return None
        row = rows[0]
        claimed = OAuthRefreshToken._init_from_db(
            **{column: row[column] for column in _TOKEN_COLUMNS}
        )
        if claimed.expires_at <= now:  # now marked used, which changes nothing for it
            return None
        if not postgres:
            owner = await connection.execute_query_dict(
                _OWNER_SQL.format("?", "?"),
                [bind(claimed.session_id, False), bind(claimed.account_id, False)],  # type: ignore[attr-defined]
            )
            if not owner:
                return None
            row = owner[0]
        account = _live_owner(row, claimed, now)
        if account is None:
            return None
        claimed.account = account  # the session check loaded it: no second query
        return claimed

    async def claim(
        self, token: str, client_id: str, dpop_jkt: str | None = None
    ) -> OAuthRefreshToken | None:
        """The row (its account not loaded) if this call is the first to redeem a live
        token of ``client_id``; presenting a used one revokes its family (reuse detection).
        Another client's token is left alone: it proves nothing about the owner's copy.
        A token bound to a DPoP key is claimed only with that key's thumbprint; without it
        the token stays as it was (a thief without the key burns nothing)."""
        now = self._clock.now()
        digest = self._hasher.digest(_PURPOSE, token)
        connection = connections.get("default")
        postgres = is_postgres(connection)
        rows = await connection.execute_query_dict(
            _CLAIM_SQL.format(*_marks(4, postgres)), [now, digest, client_id, dpop_jkt]
        )
        if rows:
            claimed = OAuthRefreshToken._init_from_db(**rows[0])
            # Expired: now marked used, which changes nothing for a dead token.
            return claimed if claimed.expires_at > now else None
        await self._reused(digest, client_id)
        return None

    async def _reused(self, digest: str, client_id: str) -> None:
        """Nothing was claimed: a used token of this client presented again ends its family."""
        seen = await OAuthRefreshToken.get_or_none(token_hmac=digest, client_id=client_id)
        if seen is not None and seen.revoked_at is None and seen.used_at is not None:
            await self.revoke_family(seen.family_id, client_id)

    async def find(self, token: str) -> OAuthRefreshToken | None:
        """A live (unused, unrevoked, unexpired) refresh token, for revocation (RFC 7009)
        and introspection (RFC 7662); the login session behind it is not checked here."""
        row = await OAuthRefreshToken.get_or_none(token_hmac=self._hasher.digest(_PURPOSE, token))
        if row is None or row.used_at is not None or row.revoked_at is not None:
            return None
        return row if row.expires_at > self._clock.now() else None

    async def revoke_family(self, family_id: uuid.UUID, client_id: str) -> int:
        """End the family and every access token issued in it (its grant id)."""
        now = self._clock.now()
        ended = 0
        # Again until nothing is left: a successor being written while the first pass
        # waited for its parent's lock was not in that pass's snapshot (``_SUCCESSOR_SQL``).
        while True:
            more = await OAuthRefreshToken.filter(family_id=family_id, revoked_at=None).update(
                revoked_at=now
            )
            if not more:
                break
            ended += more
        await self.revoke_grant(family_id, client_id)
        return ended

    async def revoke_grant(self, grant_id: uuid.UUID, client_id: str) -> None:
        """Put the grant on the revoked list until its last access token has expired:
        once revoked, nothing new is issued under it."""
        await self._revocations.revoke(
            str(grant_id), client_id, self._clock.now() + self._access_ttl, AuditContext()
        )
