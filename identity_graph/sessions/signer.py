"""Signing statements with the service's published key (the same ES256 keys as access
tokens, rotated by ``rotate-keys`` and listed in ``/oauth/jwks``): confirmation evidence and
webhook signatures, which partners verify against the JWKS without a shared secret."""

from __future__ import annotations

from typing import Any

from joserfc import jwt

from identity_graph.sessions.signing_keys import Algorithm, SigningKeys


class JwsSigner:
    def __init__(self, keys: SigningKeys, issuer: str, typ: str = "JWT") -> None:
        self._keys = keys
        self._issuer = issuer
        self._typ = typ

    async def sign(self, claims: dict[str, Any]) -> str:
        key = await self._keys.signing_key(Algorithm.ES256)
        header = {"alg": Algorithm.ES256.value, "kid": key.kid, "typ": self._typ}
        return jwt.encode(header, {"iss": self._issuer, **claims}, key)
