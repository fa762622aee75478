"""Access tokens the provider issues to clients: signed JWTs (RFC 9068 profile, ES256).

Signing happens inside authlib's thread with a key loaded before it was entered, so the
token endpoint needs no hop back to the event loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from joserfc import jwt

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
