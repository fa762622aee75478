"""Owns table ``oauth_refresh_tokens``: refresh tokens issued to partner clients
(RFC 6749 §6; OAuth 2.0 Security BCP §4.14).

```mermaid
stateDiagram-v2
    [*] --> live: issued with an authorization code (a new family)
    [*] --> successor: written by the claim of its parent, before authlib answers
    successor --> live: authlib issued it (the token response carries it)
    successor --> [*]: authlib refused the request after the claim (dropped)
    live --> used: redeemed (atomic claim), its successor written in the same statement
    used --> revoked: presented again (reuse): the whole family is revoked
    live --> revoked: the login session ends, or the client revokes it
```

Tokens are stored as keyed hashes; each belongs to a family started by one authorization
and to the login session behind it, so a logout ends the family too. The family id is the
grant id (``gid``) of every access token issued in it: revoking a family also puts the
grant on the revoked list, so those access tokens die with it (RFC 7009 §2.1). A token
issued under a DPoP proof to a public client is bound to that key (RFC 9449 §5).

A refresh grant runs ``rotate``: the successor's value is minted before authlib runs
(``Successor``), and claiming the presented token, reading its account and login session
and writing the successor are one statement on PostgreSQL (data-modifying CTEs) and one
transaction on SQLite. The successor is written only while the presented token was live,
unexpired, and its login session lives; the token route drops it (``drop``) when authlib
then refuses the request (a wider scope, a disabled account). Hand-written SQL, as the
bearer check sends (``core/rows.py``): this runs on every refresh grant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections, fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from identity_graph.accounts.models import Account
from identity_graph.clients.revocations import TokenRevocations
from identity_graph.core.audit import AuditContext
from identity_graph.core.clock import Clock
from identity_graph.core.rows import bind, is_postgres
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.tokens import LoginSession

_PURPOSE = "oauth-refresh-token"
_TABLE = '"oauth_refresh_tokens"'
# Parameters: now, the presented token's hash, the client, the proof's key thumbprint.
_CLAIM_SQL = (
    'UPDATE "oauth_refresh_tokens" SET "used_at" = {0} WHERE "token_hmac" = {1}'
    ' AND "client_id" = {2} AND "used_at" IS NULL AND "revoked_at" IS NULL'
    ' AND ("dpop_jkt" IS NULL OR "dpop_jkt" = {3}) RETURNING *'
)
# The token's account and login session come with the claim (the refresh grant needs
# both). Account columns come prefixed, since both tables have ``id`` and ``created_at``.
_ACCOUNT_COLUMNS = tuple(Account._meta.fields_db_projection.values())
_ACCOUNT_SELECT = ", ".join(f'a."{column}" AS "a_{column}"' for column in _ACCOUNT_COLUMNS)
_SESSION_SELECT = (
    's."id" AS "s_id", s."account_id" AS "s_account_id", s."revoked_at" AS "s_revoked_at",'
    ' s."expires_at" AS "s_expires_at"'
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
_COLUMN_LIST = ", ".join(f'"{column}"' for column in _COLUMNS)
_INSERT_SQL = f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) VALUES ({{}})"  # noqa: S608 - fixed names
_FAMILY_REVOKED_SQL = (
    f'SELECT 1 FROM {_TABLE} WHERE "family_id" = {{}} AND "revoked_at" IS NOT NULL LIMIT 1'  # noqa: S608
)
# PostgreSQL: claim, owner and successor in one statement. The claim's UPDATE holds the
# presented token's row lock until the statement commits, and takes it only while the
# token is unrevoked: a family revocation that reached it first leaves nothing to claim
# (so nothing is written), and one that comes later waits for the successor, which its
# second pass then revokes (``revoke_family``). The successor is written only while the
# claimed token is unexpired and its login session (if it has one) lives, as
# ``_live_owner`` checks again from the returned row. Parameters 5-7: the successor's
# hash, expiry and DPoP key thumbprint (typed: a bare parameter in a SELECT list is text).
_LIVE_SQL = (
    f"SELECT claimed.*, {_ACCOUNT_SELECT}, {_SESSION_SELECT} FROM claimed"  # noqa: S608
    ' JOIN "accounts" a ON a."id" = claimed."account_id"'
    ' LEFT JOIN "login_sessions" s ON s."id" = claimed."session_id"'
)
_SUCCESSOR_SQL = (
    f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) SELECT $5::varchar, l."  # noqa: S608
    '"family_id", l."client_id", l."account_id", l."session_id", l."scope", l."acr",'
    ' l."auth_time", $1, $6::timestamptz, $7::varchar FROM live l WHERE l."expires_at" > $1'
    ' AND (l."session_id" IS NULL OR (l."s_id" IS NOT NULL AND l."s_revoked_at" IS NULL'
    ' AND l."s_expires_at" > $1 AND l."s_account_id" = l."account_id")) RETURNING "id"'
)
_ROTATE_SQL = "".join(
    (
        "WITH claimed AS (",
        _CLAIM_SQL.format("$1", "$2", "$3", "$4"),
        "), live AS (",
        _LIVE_SQL,
        "), successor AS (",
        _SUCCESSOR_SQL,
        ') SELECT live.*, (SELECT "id" FROM successor) AS "successor_id" FROM live',
    )
)
# SQLite (no UPDATE in a CTE): the same account and session, read after the claim.
_OWNER_SQL = (
    f'SELECT {_ACCOUNT_SELECT}, {_SESSION_SELECT} FROM "accounts" a'  # noqa: S608
    ' LEFT JOIN "login_sessions" s ON s."id" = ? WHERE a."id" = ?'
)
_DROP_SQL = f'DELETE FROM {_TABLE} WHERE "id" = {{}} AND "used_at" IS NULL'  # noqa: S608


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
    """What the first refresh token of a family carries over from the authorization code."""

    client_id: str
    account_id: uuid.UUID
    session_id: uuid.UUID | None
    scope: str
    acr: str
    auth_time: object
    family_id: uuid.UUID
    dpop_jkt: str | None = None


@dataclass
class Successor:
    """The refresh token a redemption hands out, minted before authlib runs so that the
    claim writes it in its own statement; ``id`` once written, ``issued`` once authlib put it
    in its answer (``save_token``). Written but not issued, ``drop`` removes it."""

    value: str
    dpop_jkt: str | None = None  # RFC 9449 §5: a public client's is bound to its proof's key
    id: int | None = None
    issued: bool = False

    @classmethod
    def mint(cls, dpop_jkt: str | None = None) -> Successor:
        return cls(new_token(32), dpop_jkt)


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
        """Write the first refresh token of a family (from an authorization code)."""
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
        marks = _marks(len(values), postgres)
        await connection.execute_query(_INSERT_SQL.format(", ".join(marks)), values)
        # A new family has no parent to lock: a reuse of the code may have revoked the
        # grant while this token was being made, so look after the insert.
        revoked = await connection.execute_query_dict(
            _FAMILY_REVOKED_SQL.format(marks[0]), [bind(grant.family_id, postgres)]
        )
        if revoked:
            await self.revoke_family(grant.family_id, grant.client_id)

    async def rotate(
        self, token: str, client_id: str, successor: Successor, dpop_jkt: str | None = None
    ) -> OAuthRefreshToken | None:
        """Redeem ``token`` for ``client_id`` and write ``successor`` in its family: the
        claimed row, its account loaded (``row.account``), if this call is the first to
        redeem a live token whose login session lives. One statement on PostgreSQL, one
        transaction of three on SQLite; ``successor.id`` is set once it is written.

        Presenting a used token revokes its family (reuse detection). Another client's
        token is left alone: it proves nothing about the owner's copy. A token bound to a
        DPoP key is claimed only with that key's thumbprint; without it the token stays as
        it was (a thief without the key burns nothing). An expired token, or one whose
        session ended, is used up and gets no successor."""
        now = self._clock.now()
        digest = self._hasher.digest(_PURPOSE, token)
        connection = connections.get("default")
        if is_postgres(connection):
            rows = await connection.execute_query_dict(
                _ROTATE_SQL,
                [
                    now,
                    digest,
                    client_id,
                    dpop_jkt,
                    self._hasher.digest(_PURPOSE, successor.value),
                    now + self._ttl,
                    successor.dpop_jkt,
                ],
            )
            if not rows:
                await self._reused(digest, client_id)
                return None
            row = rows[0]
            successor.id = row["successor_id"]
            claimed = OAuthRefreshToken._init_from_db(
                **{column: row[column] for column in _TOKEN_COLUMNS}
            )
            account = _live_owner(row, claimed, now) if claimed.expires_at > now else None
            if account is None:
                await self.drop(successor)  # the statement's own check wrote none: no-op
                return None
            if successor.id is None:
                return None
            claimed.account = account  # the claim loaded it: no second query
            return claimed
        return await self._rotate_sqlite(now, digest, client_id, successor, dpop_jkt)

    async def _rotate_sqlite(
        self,
        now: datetime,
        digest: str,
        client_id: str,
        successor: Successor,
        dpop_jkt: str | None,
    ) -> OAuthRefreshToken | None:
        """``rotate`` as a transaction of claim, owner and successor (no UPDATE in a CTE)."""
        async with in_transaction() as transaction:
            rows = await transaction.execute_query_dict(
                _CLAIM_SQL.format("?", "?", "?", "?"), [now, digest, client_id, dpop_jkt]
            )
            claimed = OAuthRefreshToken._init_from_db(**rows[0]) if rows else None
            account = None
            if claimed is not None and claimed.expires_at > now:
                owner = await transaction.execute_query_dict(
                    _OWNER_SQL,
                    [bind(claimed.session_id, False), bind(claimed.account_id, False)],  # type: ignore[attr-defined]
                )
                account = _live_owner(owner[0], claimed, now) if owner else None
            if claimed is not None and account is not None:
                values = [
                    bind(value, False)
                    for value in (
                        self._hasher.digest(_PURPOSE, successor.value),
                        claimed.family_id,
                        claimed.client_id,
                        claimed.account_id,  # type: ignore[attr-defined]
                        claimed.session_id,
                        claimed.scope,
                        claimed.acr,
                        claimed.auth_time,
                        now,
                        now + self._ttl,
                        successor.dpop_jkt,
                    )
                ]
                written = await transaction.execute_query_dict(
                    _INSERT_SQL.format(", ".join("?" * len(values))) + ' RETURNING "id"', values
                )
                successor.id = written[0]["id"]
        if claimed is None:
            await self._reused(digest, client_id)
            return None
        if account is None:
            return None  # expired, or its session ended: used up, no successor
        claimed.account = account
        return claimed

    async def drop(self, successor: Successor) -> None:
        """Remove a successor that was written but not issued (authlib refused the request
        after the claim): nobody holds its value, so it must not linger as a live row."""
        if successor.id is None or successor.issued:
            return
        connection = connections.get("default")
        mark = "$1" if is_postgres(connection) else "?"
        await connection.execute_query(_DROP_SQL.format(mark), [successor.id])
        successor.id = None

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
        # waited for its parent's lock was not in that pass's snapshot (``_ROTATE_SQL``).
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
