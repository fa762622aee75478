"""ES256 compact JWS for the access tokens this server signs (RFC 7515 §7.1, RFC 7518
§3.4), without joserfc's generic path per token.

joserfc builds and checks the header, serializes through ``json`` and looks the algorithm
up in its registry for every token; the last profile (bench/README.md) put that at about a
third of a client-credentials grant's signing cost. Here the header segment is encoded once
per key and type, the claims with orjson, and the signature is the same ECDSA P-256 /
SHA-256 call joserfc makes, in the same raw ``r || s`` form. joserfc still verifies every
token (``tokens.read_access_token``) and signs everything else.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from joserfc.jwk import ECKey

_ECDSA = ECDSA(SHA256())
_headers: dict[tuple[str, str], bytes] = {}


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _header(kid: str, typ: str) -> bytes:
    segment = _headers.get((kid, typ))
    if segment is None:
        segment = _b64(orjson.dumps({"typ": typ, "alg": "ES256", "kid": kid}))
        if len(_headers) < 64:  # one entry per signing key and type
            _headers[(kid, typ)] = segment
    return segment


def sign_es256(claims: dict[str, Any], key: ECKey, typ: str) -> str:
    private = key.private_key
    if not isinstance(private, EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise ValueError("ES256 needs a P-256 private key")
    signing_input = _header(str(key.kid), typ) + b"." + _b64(orjson.dumps(claims))
    r, s = decode_dss_signature(private.sign(signing_input, _ECDSA))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return (signing_input + b"." + _b64(signature)).decode("ascii")
