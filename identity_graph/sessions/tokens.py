"""Login sessions, access tokens and refresh tokens (SPEC §3, §7). Owns tables
``login_sessions`` and ``refresh_tokens``.

A login creates a session; the session holds the authentication facts (account, how and
when, and later the enterprise an agent acts for) and a family of refresh tokens.

* Access tokens are short-lived JWTs (ES256, ``kid`` header) naming the session (``sid``);
  a revoked session's access tokens stop working at once because the session is checked.
* Refresh tokens are opaque, stored as keyed hashes, single use. Redeeming one is an
  atomic claim; presenting an already-used token is treated as theft (RFC 6819 §5.2.2.3,
  OAuth 2.0 Security BCP §4.14) and revokes the whole session, so of twenty concurrent
  redemptions exactly one yields a new token and the family ends.

```mermaid
stateDiagram-v2
    [*] --> active: login (issue)
    active --> active: refresh (old token used, new one issued)
    active --> revoked: logout / password change / refresh-token reuse
    active --> expired: absolute lifetime over
```
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from tortoise import connections, fields
from tortoise.models import Model

from identity_graph.accounts.models import Account, AccountStatus
from identity_graph.core.batch import WriteBatch
from identity_graph.core.change_feed import ALL, Cache, ChangeFeed
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError
from identity_graph.core.rows import bind, is_postgres
from identity_graph.core.secrets import SecretHasher, new_token
from identity_graph.sessions.signing_keys import Algorithm, SigningKeys

_REFRESH = "refresh-token"
# Change notices (core/change_feed.py): a session ended or switched (key: its id), every
# session of an account ended (key: the account id), an account's row or its person's or
# unit's row changed (key: the account id; sent by the database's row triggers on
# PostgreSQL, migration 0026, which send ``login_session`` too).
SESSION_TOPIC = "login_session"
ACCOUNT_SESSIONS_TOPIC = "account_sessions"
ACCOUNT_ROWS_TOPIC = "account_rows"

MESSAGES = {
    "REFRESH_TOKEN_INVALID": (
        "登录已失效，请重新登录",
        "The refresh token is not valid; log in again",
    ),
    "REFRESH_TOKEN_REUSED": (
        "检测到刷新令牌被重复使用，已退出该登录会话，请重新登录",
        "A used refresh token was presented; the session was ended. Log in again",
    ),
}


_SESSION_ACCOUNT_SQL = (
    "SELECT a.*, s.expires_at AS session_expires_at, s.revoked_at AS session_revoked_at,"
    " s.acting_enterprise_id AS session_acting_enterprise_id"
    " FROM login_sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = {}"
)
_SESSION_COLUMNS = ("session_expires_at", "session_revoked_at", "session_acting_enterprise_id")


# The verification level as the OIDC ``acr`` claim (SPEC §4.1), named in discovery.
ACR_VALUES = {
    "phone_verified": "urn:identity-graph:acr:phone-verified",
    "real_name": "urn:identity-graph:acr:real-name",
    "real_person": "urn:identity-graph:acr:real-person",
}

_CHECKED_LIMIT = 10_000  # tokens whose signature a process remembers (decode)


class LoginSession(Model):
    id = fields.UUIDField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="login_sessions", on_delete=fields.CASCADE
    )
    acting_enterprise_id = fields.UUIDField(null=True)
    amr: Any = fields.JSONField(default=list)
    auth_time = fields.DatetimeField()
    client_ip = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoke_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "login_sessions"


class RefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    session: fields.ForeignKeyRelation[LoginSession] = fields.ForeignKeyField(
        "models.LoginSession", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    token_hmac = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: uuid.UUID


_EXPIRES_FIELD = LoginSession._meta.fields_map["expires_at"]
_SESSION_FIELDS = (
    "id",
    "account_id",
    "acting_enterprise_id",
    "amr",
    "auth_time",
    "client_ip",
    "created_at",
    "expires_at",
)


@dataclass(frozen=True)
class AccessGrant:
    """What a valid access token proves: its claims, the account and the session."""

    claims: dict[str, Any]
    account: Account
    session_id: uuid.UUID
    # The enterprise the session acts for (agent login or switchEnterprise), as stored now.
    acting_enterprise_id: uuid.UUID | None = None


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)
    session_ttl: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class _LiveSession:
    account: Account
    acting: uuid.UUID | None
    expires_at: datetime


class TokenService:
    def __init__(
        self,
        clock: Clock,
        hasher: SecretHasher,
        keys: SigningKeys,
        policy: TokenPolicy,
        changes: ChangeFeed | None = None,
        cache_seconds: float = 0.0,
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._keys = keys
        self._policy = policy
        # Signatures checked under the current key set: token → claims (see ``decode``).
        self._checked_under: object = None
        self._checked: dict[str, dict[str, Any]] = {}
        self._changes = changes
        # Live sessions for introspection (``cached_session_context``), each with the moment
        # its read began; ended ones are dropped by change notices from every process, the
        # TTL is the backstop.
        self._live: Cache[tuple[float, _LiveSession | None]] | None = None
        # Account id → when its row last changed (``ACCOUNT_ROWS_TOPIC``, the row triggers):
        # an entry read before that is not used. O(1) per notice, so a bulk import's stream
        # of insert notices costs the cache nothing.
        self._account_changes: dict[str, float] = {}
        self._prune_at = 1000
        self._cache_seconds = cache_seconds
        if changes is not None:
            self._live = Cache(changes, SESSION_TOPIC, cache_seconds)
            live = self._live
            changes.subscribe(
                ACCOUNT_SESSIONS_TOPIC,
                lambda key: live.drop_where(
                    lambda found: found[1] is not None and str(found[1].account.id) == key
                ),
            )
            changes.subscribe(ACCOUNT_ROWS_TOPIC, self._account_changed)

    def _account_changed(self, key: str) -> None:
        if key == ALL:
            if self._live is not None:
                self._live.invalidate(ALL)
            return
        now = time.monotonic()
        self._account_changes[key] = now
        if len(self._account_changes) > self._prune_at:  # forget what no entry can predate
            horizon = now - self._cache_seconds - 1.0
            self._account_changes = {k: v for k, v in self._account_changes.items() if v > horizon}
            self._prune_at = max(1000, 2 * len(self._account_changes))

    async def _changed(self, topic: str, key: object) -> None:
        if self._changes is not None:
            await self._changes.publish(topic, str(key))

    async def start_session(
        self,
        account: Account,
        *,
        amr: list[str],
        client_ip: str | None,
        acting_enterprise_id: uuid.UUID | None = None,
        batch: WriteBatch | None = None,
    ) -> TokenPair:
        """A new login session and its first token pair (an agent login names the unit).

        With ``batch`` the two rows join the caller's other writes and exist once the
        caller has executed it (a login writes them with its audit event in one go)."""
        now = self._clock.now()
        session = LoginSession(
            id=uuid.uuid4(),
            account=account,
            acting_enterprise_id=acting_enterprise_id,
            amr=amr,
            auth_time=now,
            client_ip=client_ip,
            created_at=now,
            expires_at=now + self._policy.session_ttl,
        )
        writes = batch if batch is not None else WriteBatch()
        writes.insert(LoginSession, {name: getattr(session, name) for name in _SESSION_FIELDS})
        refresh = new_token(32)
        writes.insert(RefreshToken, self._refresh_row(session, refresh))
        if batch is None:
            await writes.execute()
        return await self._pair(session, account, refresh)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: use ``refresh_token`` once and issue a new pair in the same session."""
        now = self._clock.now()
        row = await RefreshToken.get_or_none(
            token_hmac=self._hasher.digest(_REFRESH, refresh_token)
        ).prefetch_related("session", "session__account")
        if row is None or row.expires_at <= now:
            raise DomainError("REFRESH_TOKEN_INVALID", "refreshToken")
        session: LoginSession = row.session
        usable = session.account.status == AccountStatus.ACTIVE
        if session.revoked_at is not None or session.expires_at <= now or not usable:
            raise DomainError("REFRESH_TOKEN_INVALID", "refreshToken")
        claimed = await RefreshToken.filter(id=row.id, used_at=None).update(used_at=now)
        if not claimed:
            await self.revoke_session(session.id, "refresh_reuse")
            raise DomainError("REFRESH_TOKEN_REUSED", "refreshToken")
        refresh = await self._new_refresh_token(session)
        return await self._pair(session, session.account, refresh)

    async def revoke_session(self, session_id: uuid.UUID, reason: str) -> bool:
        updated = await LoginSession.filter(id=session_id, revoked_at=None).update(
            revoked_at=self._clock.now(), revoke_reason=reason
        )
        await self._changed(SESSION_TOPIC, session_id)
        return bool(updated)

    async def revoke_other_sessions(
        self, account_id: uuid.UUID, keep: uuid.UUID | None, reason: str
    ) -> int:
        query = LoginSession.filter(account_id=account_id, revoked_at=None)
        if keep is not None:
            query = query.exclude(id=keep)
        ended = await query.update(revoked_at=self._clock.now(), revoke_reason=reason)
        await self._changed(ACCOUNT_SESSIONS_TOPIC, account_id)
        return ended

    async def decode(self, token: str) -> dict[str, Any] | None:
        """The claims of an access token this provider signed (``at+jwt``, our issuer, not
        expired), whoever it names: one signature check, shared by every reader below.

        A client sends the same token with every call, so a signature found good is
        remembered for as long as the published key set is the same object (a rotation or
        a reload of the keys starts afresh); expiry is checked on every call, and revocation
        and sessions by the callers. Only good tokens are kept, at most ``_CHECKED_LIMIT``.
        """
        keys = await self._keys.verification_keys()
        if keys is not self._checked_under:
            self._checked_under, self._checked = keys, {}
        claims = self._checked.get(token)
        if claims is None:
            try:
                decoded = jwt.decode(token, keys, algorithms=[Algorithm.ES256.value])
            except (JoseError, ValueError):
                return None
            if decoded.header.get("typ") != "at+jwt":
                return None
            if decoded.claims.get("iss") != self._policy.issuer:
                return None
            claims = dict(decoded.claims)
            if len(self._checked) >= _CHECKED_LIMIT:
                self._checked.clear()
            self._checked[token] = claims
        if float(claims.get("exp", 0)) <= self._clock.now().timestamp():
            return None
        return dict(claims)

    async def verify_access_token(self, token: str) -> AccessGrant | None:
        """The claims and account of a valid access token whose session is still active."""
        claims = await self.decode(token)
        return await self.access_grant(claims) if claims is not None else None

    async def access_grant(self, claims: dict[str, Any]) -> AccessGrant | None:
        """What decoded claims prove while their session is active.

        One query: the session row joined with its account, so a bearer request costs one
        round trip before resolvers run (SPEC §13 ``me`` target).
        """
        try:
            session_id = uuid.UUID(str(claims.get("sid")))
        except ValueError:
            return None
        found = await self._active_session_account(session_id, self._clock.now())
        if found is None or str(found[0].id) != claims.get("sub"):
            return None
        return AccessGrant(claims, found[0], session_id, found[1])

    async def set_acting_enterprise(
        self, session_id: uuid.UUID, enterprise_id: uuid.UUID | None
    ) -> bool:
        """Switch a live session into an enterprise, or back to the person (None)."""
        updated = await LoginSession.filter(
            id=session_id, revoked_at=None, expires_at__gt=self._clock.now()
        ).update(acting_enterprise_id=enterprise_id)
        await self._changed(SESSION_TOPIC, session_id)
        return bool(updated)

    async def verify_client_token(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid client-credentials access token (a partner back-end calling
        as itself: ``sub`` is its client id and no session is named), or None."""
        claims = await self.decode(token)
        return client_claims(claims) if claims is not None else None

    async def live_session(self, session_id: uuid.UUID) -> LoginSession | None:
        """A live login session with its account (for the provider's authorize step)."""
        session = await LoginSession.get_or_none(
            id=session_id, revoked_at=None, expires_at__gt=self._clock.now()
        ).prefetch_related("account")
        if session is None or session.account.status != AccountStatus.ACTIVE:
            return None
        return session

    async def session_context_by_text(
        self, session_id: str
    ) -> tuple[Account, uuid.UUID | None] | None:
        """A live session's account and the unit it acts for, from a token's ``sid``."""
        try:
            key = uuid.UUID(session_id)
        except ValueError:
            return None
        return await self._active_session_account(key, self._clock.now())

    async def cached_session_context(
        self, session_id: str
    ) -> tuple[Account, uuid.UUID | None] | None:
        """``session_context_by_text`` from process memory when it can be (introspection):
        no query for a session seen within the TTL and not changed since."""
        if self._live is None or not self._live.enabled:
            return await self.session_context_by_text(session_id)
        now = self._clock.now()
        hit, cached = self._live.get(session_id)
        live = cached[1] if cached is not None else None
        if hit and cached is not None and live is not None:
            changed = self._account_changes.get(str(live.account.id))
            hit = changed is None or changed < cached[0]
        if not hit:
            try:
                key = uuid.UUID(session_id)
            except ValueError:
                return None
            started = time.monotonic()
            live = await self._session_row(key)
            self._live.put(session_id, (started, live))
        if live is None or live.expires_at <= now:
            return None
        return live.account, live.acting

    async def session_account_by_text(self, session_id: str) -> Account | None:
        """``session_account`` for an id read from a token claim."""
        try:
            return await self.session_account(uuid.UUID(session_id))
        except ValueError:
            return None

    async def session_account(self, session_id: uuid.UUID) -> Account | None:
        """The account of a live login session (the provider's browser session uses it)."""
        found = await self._active_session_account(session_id, self._clock.now())
        return found[0] if found else None

    async def _active_session_account(
        self, session_id: uuid.UUID, now: datetime
    ) -> tuple[Account, uuid.UUID | None] | None:
        """The account of a live session and the unit it acts for, in one hand-written query.

        Every bearer request runs this; building it through the query builder cost about
        as much as the rest of a small GraphQL request (measured in bench/README.md).
        """
        live = await self._session_row(session_id)
        if live is None or live.expires_at <= now:
            return None
        return live.account, live.acting

    async def _session_row(self, session_id: uuid.UUID) -> _LiveSession | None:
        """An unrevoked session with its account (expiry not checked here), or None."""
        connection = connections.get("default")
        postgres = is_postgres(connection)
        rows = await connection.execute_query_dict(
            _SESSION_ACCOUNT_SQL.format("$1" if postgres else "?"), [bind(session_id, postgres)]
        )
        if not rows or rows[0]["session_revoked_at"] is not None:
            return None
        row = rows[0]
        expires = _EXPIRES_FIELD.to_python_value(row["session_expires_at"])
        if expires is None:
            return None
        acting = row["session_acting_enterprise_id"]
        account = {k: v for k, v in row.items() if k not in _SESSION_COLUMNS}
        return _LiveSession(
            Account._init_from_db(**account), uuid.UUID(str(acting)) if acting else None, expires
        )

    async def _new_refresh_token(self, session: LoginSession) -> str:
        token = new_token(32)
        await RefreshToken.create(**self._refresh_row(session, token))
        return token

    def _refresh_row(self, session: LoginSession, token: str) -> dict[str, Any]:
        now = self._clock.now()
        return {
            "session_id": session.id,
            "token_hmac": self._hasher.digest(_REFRESH, token),
            "created_at": now,
            "expires_at": min(now + self._policy.refresh_ttl, session.expires_at),
        }

    async def _pair(self, session: LoginSession, account: Account, refresh: str) -> TokenPair:
        now = self._clock.now()
        key = await self._keys.signing_key(Algorithm.ES256)
        claims = {
            "iss": self._policy.issuer,
            "sub": str(account.id),
            "sid": str(session.id),
            "iat": int(now.timestamp()),
            "exp": int((now + self._policy.access_ttl).timestamp()),
            "auth_time": int(session.auth_time.timestamp()),
            "amr": list(session.amr or []),
            "account_type": account.kind.value,
            # The verification level at issue time (SPEC §4.1); an API reads the current
            # one from `me`, since verification may finish while the token is alive.
            "acr": ACR_VALUES[account.level.value],
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": Algorithm.ES256.value, "kid": key.kid, "typ": "at+jwt"}
        access = jwt.encode(header, claims, key)
        return TokenPair(access, refresh, int(self._policy.access_ttl.total_seconds()), session.id)


def client_claims(claims: dict[str, Any]) -> dict[str, Any] | None:
    """Decoded claims, if they are a client-credentials token's (no session, the client as
    its own subject, a ``jti`` to revoke it by)."""
    if "sid" in claims:
        return None
    client_id = claims.get("client_id")
    if not isinstance(client_id, str) or claims.get("sub") != client_id:
        return None
    return claims if isinstance(claims.get("jti"), str) else None
