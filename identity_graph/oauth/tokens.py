"""Access tokens the provider issues to clients: signed JWTs (RFC 9068 profile, ES256).

Signing happens inside authlib's thread with a key loaded before it was entered, so the
token endpoint needs no hop back to the event loop.

A person's token names its grant (``gid``: the authorization code's grant, which is also
the refresh family), so revoking the grant ends it; a token asked for with a DPoP proof is
bound to the proof's key (``cnf.jkt``, RFC 9449 §6) and typed ``DPoP``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from identity_graph.clients.subjects import Subjects
from identity_graph.core.clock import Clock
from identity_graph.core.secrets import new_token
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.oauth.jws import sign_es256
from identity_graph.sessions.signing_keys import Algorithm


@dataclass(frozen=True)
class AccessTokenPolicy:
    issuer: str
    client_credentials_ttl: int = 3600
    user_access_ttl: int = 900
    id_token_ttl: int = 900


class AccessTokenIssuer:
    """authlib's token generator: ``(grant_type, client, user, scope, ...) -> token dict``."""

    def __init__(
        self,
        clock: Clock,
        policy: AccessTokenPolicy,
        subjects: Subjects,
        enterprise_of: Callable[[uuid.UUID], Coroutine[Any, Any, Any]] | None = None,
    ) -> None:
        self._clock = clock
        self._policy = policy
        self._subjects = subjects
        # The unit a login session acts for (agent login, switchEnterprise), as a context.
        self._enterprise_of = enterprise_of

    def __call__(
        self,
        grant_type: str,
        client: Any,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        prepared = PREPARED.get()
        if prepared is None or prepared.signing_key is None:
            raise RuntimeError("the signing key must be prepared before entering authlib")
        now = int(self._clock.now().timestamp())
        client_id = client.get_client_id()
        claims: dict[str, Any] = {
            "iss": self._policy.issuer,
            "client_id": client_id,
            "aud": client_id,
            "iat": now,
            "jti": uuid.uuid4().hex,
        }
        if user is None:
            lifetime = expires_in or self._policy.client_credentials_ttl
            claims["sub"] = client_id
        else:
            lifetime = expires_in or self._policy.user_access_ttl
            claims.update(self._user_claims(user, prepared.code or prepared.refresh))
            claims["sub"] = self._subjects.for_client(client.row, user.id)
        claims["exp"] = now + lifetime
        if scope:
            claims["scope"] = scope
        enterprise = self._enterprise_claim(user, scope, prepared)
        if enterprise is not None:
            claims["enterprise"] = enterprise
        if prepared.dpop_jkt is not None:
            claims["cnf"] = {"jkt": prepared.dpop_jkt}
        token: dict[str, Any] = {
            "token_type": "DPoP" if prepared.dpop_jkt is not None else "Bearer",
            "access_token": _sign(claims, prepared.signing_key, Algorithm.ES256, "at+jwt"),
            "expires_in": lifetime,
        }
        if scope:
            token["scope"] = scope
        # OIDC Core §12.2 lets a refresh response leave the ID token out; it costs an RSA
        # signature, and the person and authentication it would describe have not changed.
        if (
            user is not None
            and scope
            and "openid" in scope.split()
            and grant_type != "refresh_token"
        ):
            token["id_token"] = self._id_token(client, user, prepared, now, enterprise)
        if user is not None and include_refresh_token:
            # A refresh grant hands out the successor its claim already wrote; a code's is
            # stored by the server's save_token.
            successor = prepared.successor
            token["refresh_token"] = successor.value if successor is not None else new_token(32)
        return token

    def _enterprise_claim(self, user: Any, scope: str | None, prepared: Any) -> Any:
        """For a code redeemed from a session acting for a unit, with scope ``enterprise``:
        the unit's context at issue time (UserInfo always tells the current one). Refresh
        grants run on the event loop without a hop and leave it to UserInfo."""
        code = prepared.code
        wanted = user is not None and scope and "enterprise" in scope.split()
        if not wanted or code is None or code.session_id is None or prepared.inline:
            return None
        if self._enterprise_of is None:
            return None
        context: Any = call_async(self._enterprise_of, code.session_id)
        return context.claim() if context is not None else None

    def _user_claims(self, user: Any, origin: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": str(user.id)}
        if origin is not None:
            claims["auth_time"] = int(origin.auth_time.timestamp())
            claims["acr"] = origin.acr
            grant = grant_of(origin)
            if grant is not None:
                claims["gid"] = str(grant)
            if origin.session_id is not None:
                claims["sid"] = str(origin.session_id)
        return claims

    def _id_token(
        self, client: Any, user: Any, prepared: Any, now: int, enterprise: Any = None
    ) -> str:
        """OIDC Core §2: RS256, as every relying party must be able to verify."""
        code = prepared.code or prepared.refresh
        claims: dict[str, Any] = {
            "iss": self._policy.issuer,
            "sub": self._subjects.for_client(client.row, user.id),
            "aud": client.get_client_id(),
            "iat": now,
            "exp": now + self._policy.id_token_ttl,
            "account_type": user.kind.value,
        }
        if code is not None:
            claims.update(auth_time=int(code.auth_time.timestamp()), acr=code.acr)
            if getattr(code, "amr", None):
                claims["amr"] = list(code.amr)
            if getattr(code, "nonce", None):
                claims["nonce"] = code.nonce
            if code.session_id is not None:
                claims["sid"] = str(code.session_id)
        if enterprise is not None:
            claims["enterprise"] = enterprise
        return _sign(claims, prepared.id_token_key, Algorithm.RS256, "JWT")

    def exchanged(self, client: Any, exchange: Any, scope: str) -> dict[str, Any]:
        """RFC 8693 §2.2: the unit as subject, the person as actor, the binding as ``abid``;
        never outliving the subject token."""
        prepared = PREPARED.get()
        if prepared is None or prepared.signing_key is None:
            raise RuntimeError("the signing key must be prepared before entering authlib")
        context, subject = exchange.context, exchange.subject_claims or {}
        now = int(self._clock.now().timestamp())
        lifetime = max(1, min(self._policy.user_access_ttl, int(subject.get("exp", now)) - now))
        client_id = client.get_client_id()
        claims: dict[str, Any] = {
            "iss": self._policy.issuer,
            "client_id": client_id,
            "aud": client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "sub": self._subjects.for_client(client.row, context.enterprise_id),
            "act": {"sub": self._subjects.for_client(client.row, exchange.person_id)},
            "abid": str(context.binding_id),
            "enterprise": context.claim(),
        }
        if subject.get("acr"):
            claims["acr"] = subject["acr"]
        if scope:
            claims["scope"] = scope
        if prepared.dpop_jkt is not None:
            claims["cnf"] = {"jkt": prepared.dpop_jkt}
        token = {
            "access_token": _sign(claims, prepared.signing_key, Algorithm.ES256, "at+jwt"),
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "token_type": "DPoP" if prepared.dpop_jkt is not None else "Bearer",
            "expires_in": lifetime,
        }
        if scope:
            token["scope"] = scope
        return token


def grant_of(origin: Any) -> Any:
    """The grant a code or refresh token belongs to (a code's grant is its family's id)."""
    family = getattr(origin, "family_id", None)
    return family if family is not None else getattr(origin, "grant_id", None)


def _sign(claims: dict[str, Any], key: Any, algorithm: Algorithm, typ: str) -> str:
    if algorithm is Algorithm.ES256:
        return sign_es256(claims, key, typ)  # every access token: the lean path
    header = {"alg": algorithm.value, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key)


@dataclass(frozen=True)
class AccessToken:
    """A checked token as authlib's endpoints see it (``TokenMixin``): an access token's
    claims, or what introspection may tell of a refresh token."""

    claims: dict[str, Any]
    active: bool  # in time, not revoked, its grant and login session alive
    token_type: str = "Bearer"

    @classmethod
    def of_access_token(cls, claims: dict[str, Any], active: bool) -> AccessToken:
        return cls(claims, active, "DPoP" if "cnf" in claims else "Bearer")

    def check_client(self, client: Any) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self) -> bool:
        return not self.active

    def is_revoked(self) -> bool:
        return not self.active


def read_access_token(token: str, keys: KeySet, issuer: str) -> dict[str, Any] | None:
    """The claims of an access token this server signed, or None (expiry not checked here)."""
    try:
        decoded = jwt.decode(token, keys, algorithms=[Algorithm.ES256.value])
    except (JoseError, ValueError):
        return None
    claims = decoded.claims
    if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != issuer:
        return None
    if not all(isinstance(claims.get(name), int) for name in ("exp", "iat")):
        return None
    return claims if isinstance(claims.get("jti"), str) else None


class VerifiedTokens:
    """``read_access_token`` remembered per token string while the published keys stay the
    same ``KeySet`` (a resource server introspects one token on every call it serves).

    A signature checked once under a key set holds for as long as that set does; expiry,
    revocation and the login session are still checked on every request by the caller
    (``sessions/issued_tokens.py``). A rotation or a refresh of the keys builds a new set,
    which empties this memory. Only good tokens are kept, so junk cannot fill it.
    """

    def __init__(self, issuer: str, limit: int = 10_000) -> None:
        self._issuer = issuer
        self._limit = limit
        self._keys: KeySet | None = None
        self._claims: dict[str, dict[str, Any]] = {}

    def read(self, token: str, keys: KeySet) -> dict[str, Any] | None:
        if keys is not self._keys:
            self._keys, self._claims = keys, {}
        claims = self._claims.get(token)
        if claims is None:
            claims = read_access_token(token, keys, self._issuer)
            if claims is not None:
                if len(self._claims) >= self._limit:
                    self._claims.clear()
                self._claims[token] = claims
        return claims
