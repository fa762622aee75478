"""DPoP proofs (RFC 9449): checking the ``DPoP`` header a client sends to the token
endpoint (§4.3) and to UserInfo (§7), and the key thumbprint tokens are bound to (§6).

A proof is a JWT signed by the client's own key, carried in its header (public members
only). It names the request (``htm``, ``htu``), is fresh (``iat``), is used once (``jti``,
kept in a replay cache for as long as its ``iat`` would be accepted, in Redis when
configured so that every worker agrees), and at a resource also names the access token
(``ath``). The binding is the key's RFC 7638 thumbprint (``jkt``), put in the access
token's ``cnf`` claim. Server nonces (§8) are not used: the replay cache and the short
``iat`` window already stop a replayed proof.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlsplit

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from starlette.datastructures import Headers

from identity_graph.core.clock import Clock
from identity_graph.core.replay import ReplayCache

ALGORITHMS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"]
_PAST_SECONDS = 300  # how old a proof may be
_FUTURE_SECONDS = 60  # clock skew the other way
_MAX_PROOF = 8192


class InvalidDPoPProof(Exception):
    """The proof is missing where required, malformed, stale, replayed or for another request."""

    error = "invalid_dpop_proof"


def access_token_hash(token: str) -> str:
    """``ath`` (§4.2): base64url SHA-256 of the access token, unpadded."""
    digest = hashlib.sha256(token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def proof_header(headers: Headers) -> str | None:
    """The one ``DPoP`` header; several are refused (§4.3 check 1)."""
    values = headers.getlist("dpop")
    if len(values) > 1:
        raise InvalidDPoPProof("more than one DPoP header")
    return values[0] if values else None


def _canonical(url: str) -> str:
    """Scheme and host in lower case, default port dropped, no query or fragment (§4.3)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path or '/'}"


class DPoPProofs:
    def __init__(self, clock: Clock, replay: ReplayCache) -> None:
        self._clock = clock
        self._replay = replay

    async def verify(
        self, proof: str, method: str, url: str, access_token: str | None = None
    ) -> str:
        """The thumbprint of the key that signed a valid ``proof`` for this request."""
        header, claims, jkt = self._signed(proof)
        if header.get("typ") != "dpop+jwt":
            raise InvalidDPoPProof("typ must be dpop+jwt")
        if claims.get("htm") != method.upper():
            raise InvalidDPoPProof("htm does not match the request method")
        htu = claims.get("htu")
        if not isinstance(htu, str) or _canonical(htu) != _canonical(url):
            raise InvalidDPoPProof("htu does not match the request URI")
        self._check_time(claims.get("iat"))
        if access_token is not None and claims.get("ath") != access_token_hash(access_token):
            raise InvalidDPoPProof("ath does not match the access token")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= 256:
            raise InvalidDPoPProof("jti is missing")
        key = hashlib.sha256(f"{jkt}:{jti}".encode()).hexdigest()
        if not await self._replay.first_use(key, _PAST_SECONDS + _FUTURE_SECONDS):
            raise InvalidDPoPProof("the proof was used before")
        return jkt

    def _signed(self, proof: str) -> tuple[dict[str, Any], dict[str, Any], str]:
        if len(proof) > _MAX_PROOF:
            raise InvalidDPoPProof("the proof is too large")
        try:
            header = jws.extract_compact(proof.encode("ascii")).headers()
            jwk = header.get("jwk")
            if header.get("alg") not in ALGORITHMS or not isinstance(jwk, dict):
                raise InvalidDPoPProof("alg or jwk is not acceptable")
            key = JWKRegistry.import_key(jwk)
            if key.is_private:
                raise InvalidDPoPProof("the jwk must not hold a private key")
            payload = jws.deserialize_compact(proof, key, algorithms=[header["alg"]]).payload
            claims = _json_object(payload)
            return header, claims, key.thumbprint()
        except (JoseError, ValueError, TypeError, UnicodeError) as error:
            raise InvalidDPoPProof("the proof is not a valid signed JWT") from error

    def _check_time(self, iat: Any) -> None:
        if not isinstance(iat, int | float) or isinstance(iat, bool):
            raise InvalidDPoPProof("iat is missing")
        now = self._clock.now().timestamp()
        if not now - _PAST_SECONDS <= iat <= now + _FUTURE_SECONDS:
            raise InvalidDPoPProof("iat is outside the accepted window")


def _json_object(payload: bytes) -> dict[str, Any]:
    value = orjson.loads(payload)
    if not isinstance(value, dict):
        raise ValueError("the payload is not a JSON object")
    return value
