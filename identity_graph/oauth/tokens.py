"""Access tokens the provider issues to clients: signed JWTs (RFC 9068 profile, ES256).

Signing happens inside authlib's thread with a key loaded before it was entered, so the
token endpoint needs no hop back to the event loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from identity_graph.core.clock import Clock
from identity_graph.oauth.bridge import PREPARED
from identity_graph.sessions.signing_keys import Algorithm


@dataclass(frozen=True)
class AccessTokenPolicy:
    issuer: str
    client_credentials_ttl: int = 3600


class AccessTokenIssuer:
    """authlib's token generator: ``(grant_type, client, user, scope, ...) -> token dict``."""

    def __init__(self, clock: Clock, policy: AccessTokenPolicy) -> None:
        self._clock = clock
        self._policy = policy

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
        key = prepared.signing_key
        now = int(self._clock.now().timestamp())
        lifetime = expires_in or self._policy.client_credentials_ttl
        client_id = client.get_client_id()
        claims = {
            "iss": self._policy.issuer,
            "sub": client_id,
            "client_id": client_id,
            "aud": client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if scope:
            claims["scope"] = scope
        header = {"alg": Algorithm.ES256.value, "kid": key.kid, "typ": "at+jwt"}
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": jwt.encode(header, claims, key),
            "expires_in": lifetime,
        }
        if scope:
            token["scope"] = scope
        return token


@dataclass(frozen=True)
class AccessToken:
    """A verified access token as authlib's endpoints see it (``TokenMixin``)."""

    claims: dict[str, Any]
    revoked: bool
    now: int

    def check_client(self, client: Any) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self) -> bool:
        return int(self.claims["exp"]) <= self.now

    def is_revoked(self) -> bool:
        return self.revoked


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
