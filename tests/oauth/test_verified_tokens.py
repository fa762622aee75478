"""The memory of checked signatures holds only while the same published keys do: a token
signed by a key no longer published is refused at once, and junk is never kept. The lean
ES256 signer makes tokens joserfc verifies."""

from __future__ import annotations

import time
import uuid

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from identity_graph.oauth.jws import sign_es256
from identity_graph.oauth.tokens import VerifiedTokens

ISSUER = "https://testserver"


def _token(key: ECKey) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex}
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}, claims, key)


def _published(*keys: ECKey) -> KeySet:
    return KeySet.import_key_set({"keys": [key.as_dict(private=False) for key in keys]})


def test_a_token_is_refused_once_its_key_is_no_longer_published():
    old = ECKey.generate_key("P-256", {"kid": "old"})
    new = ECKey.generate_key("P-256", {"kid": "new"})
    token = _token(old)
    verified = VerifiedTokens(ISSUER)
    both = _published(old, new)
    assert verified.read(token, both) is not None
    assert verified.read(token, both) is verified.read(token, both)  # remembered
    assert verified.read(token, _published(new)) is None


def test_only_good_tokens_are_kept_and_the_memory_is_bounded():
    key = ECKey.generate_key("P-256", {"kid": "k"})
    keys = _published(key)
    verified = VerifiedTokens(ISSUER, limit=2)
    assert verified.read(_token(key)[:-4] + "AAAA", keys) is None
    assert verified.read("junk", keys) is None
    tokens = [_token(key) for _ in range(5)]
    for token in tokens:
        assert verified.read(token, keys) is not None
    assert len(verified._claims) <= 2


def test_the_lean_es256_signature_is_a_jws_joserfc_accepts():
    key = ECKey.generate_key("P-256", {"kid": "k"}, private=True)
    claims = {"iss": ISSUER, "iat": 1, "exp": 2, "jti": "j", "name": "张三"}
    token = sign_es256(claims, key, "at+jwt")
    decoded = jwt.decode(token, _published(key), algorithms=["ES256"])
    assert decoded.claims == claims
    assert decoded.header == {"typ": "at+jwt", "alg": "ES256", "kid": "k"}
    assert jwt.decode(token, _published(key)).claims == claims
    other = ECKey.generate_key("P-256", {"kid": "k"}, private=True)
    with pytest.raises(JoseError):
        jwt.decode(token, _published(other), algorithms=["ES256"])
