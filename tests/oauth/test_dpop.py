"""DPoP (RFC 9449): proof checks (§4.3), the replay cache in memory and in Redis, tokens
bound at the token endpoint (§5, §6), and a public client's refresh token bound to its key.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from typing import Any

import orjson
import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, KeySet
from redis.asyncio import Redis
from redis.exceptions import RedisError

from identity_graph.core.replay import MemoryReplayCache, RedisReplayCache
from identity_graph.oauth.dpop import DPoPProofs, InvalidDPoPProof, access_token_hash
from tests.oauth.helpers import backend_client, basic
from tests.oauth.test_authorization_code import REDIRECT, VERIFIER, s256

TOKEN_URL = "https://testserver/oauth/token"


def proof(key: ECKey, method: str = "POST", url: str = TOKEN_URL, **claims: Any) -> str:
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    header.update(claims.pop("header", {}))
    body = {"htm": method, "htu": url, "iat": int(time.time()), "jti": uuid.uuid4().hex}
    body.update(claims)
    return jws.serialize_compact(header, orjson.dumps(body), key)


@pytest.fixture
def proofs(clock) -> DPoPProofs:
    return DPoPProofs(clock, MemoryReplayCache(clock))


@pytest.fixture
def clock():
    from datetime import UTC, datetime

    from identity_graph.core.clock import FixedClock

    return FixedClock(datetime.now(UTC))


async def test_a_valid_proof_names_its_key_once(proofs):
    key = ECKey.generate_key("P-256")
    sent = proof(key)
    assert await proofs.verify(sent, "POST", TOKEN_URL) == key.thumbprint()
    with pytest.raises(InvalidDPoPProof, match="used before"):
        await proofs.verify(sent, "POST", TOKEN_URL)
    # Default port and letter case do not matter; query strings are not part of htu.
    assert await proofs.verify(
        proof(key, url="HTTPS://TestServer:443/oauth/token"), "POST", TOKEN_URL
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"htm": "GET"}, "htm"),
        ({"htu": "https://testserver/oauth/other"}, "htu"),
        ({"iat": int(time.time()) - 3600}, "iat"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"jti": ""}, "jti"),
        ({"header": {"typ": "JWT"}}, "typ"),
        ({"ath": "x"}, "ath"),
    ],
)
async def test_proofs_for_something_else_are_refused(proofs, change, reason):
    key = ECKey.generate_key("P-256")
    with pytest.raises(InvalidDPoPProof, match=reason):
        sent = proof(key, **{"ath": access_token_hash("token"), **change})
        await proofs.verify(sent, "POST", TOKEN_URL, access_token="token")


async def test_a_private_key_in_the_header_or_a_bad_signature_is_refused(proofs):
    key = ECKey.generate_key("P-256")
    leaked = proof(key, header={"jwk": key.as_dict(private=True)})
    with pytest.raises(InvalidDPoPProof):
        await proofs.verify(leaked, "POST", TOKEN_URL)
    other = ECKey.generate_key("P-256")
    forged = proof(other, header={"jwk": key.as_dict(private=False)})
    with pytest.raises(InvalidDPoPProof):
        await proofs.verify(forged, "POST", TOKEN_URL)
    with pytest.raises(InvalidDPoPProof):
        await proofs.verify("not.a.jwt", "POST", TOKEN_URL)


def test_ath_is_the_unpadded_sha256_of_the_token():
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"abc").digest()).rstrip(b"=").decode()
    assert access_token_hash("abc") == expected


async def test_the_redis_replay_cache_is_shared(redis_url):
    first = Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        await first.ping()
    except (RedisError, OSError) as exc:
        await first.aclose()
        pytest.skip(f"Redis unreachable at {redis_url}: {exc}")
    second = Redis.from_url(redis_url)
    key = uuid.uuid4().hex
    try:
        assert await RedisReplayCache(first).first_use(key, 60) is True
        assert await RedisReplayCache(second).first_use(key, 60) is False  # another worker
        assert 0 < await first.ttl("idg:replay:" + key) <= 60
    finally:
        await first.delete("idg:replay:" + key)
        await first.aclose()
        await second.aclose()


def token_proof(container, key: ECKey, **claims: Any) -> str:
    """A proof for the token endpoint as clients know it (the public URL)."""
    return proof(key, url=container.settings.public_url + "/oauth/token", **claims)


async def test_client_credentials_token_bound_to_the_proof_key(client, container):
    partner = await backend_client(container)
    key = ECKey.generate_key("P-256")
    answer = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={
            **basic(partner.client.client_id, partner.secret),
            "DPoP": token_proof(container, key),
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    claims = jwt.decode(answer.json()["access_token"], keys).claims
    assert claims["cnf"] == {"jkt": key.thumbprint()}

    bad = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={
            **basic(partner.client.client_id, partner.secret),
            "DPoP": token_proof(container, key, htm="GET"),
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_dpop_proof"


async def test_a_public_clients_refresh_token_is_bound_to_its_key(client, hooks, gql, container):
    from tests.graphql.accounts_helpers import register_person
    from tests.web.test_authorize import authorize_url, log_in, web_client

    await register_person(gql, hooks, container)
    public = await web_client(
        container,
        token_endpoint_auth_method="none",
        first_party=True,
        grant_types=["authorization_code", "refresh_token"],
    )
    client_id = public.client.client_id
    next_url = await log_in(client, hooks, authorize_url(client_id))
    code = (await client.get(next_url)).headers["location"].split("code=")[1].split("&")[0]
    key = ECKey.generate_key("P-256")
    tokens = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        headers={"DPoP": token_proof(container, key)},
    )
    assert tokens.status_code == 200, tokens.text
    refresh = tokens.json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id}
    unproven = await client.post("/oauth/token", data=form)
    assert unproven.status_code == 400 and unproven.json()["error"] == "invalid_grant"
    other_key = await client.post(
        "/oauth/token",
        data=form,
        headers={"DPoP": token_proof(container, ECKey.generate_key("P-256"))},
    )
    assert other_key.status_code == 400
    # Neither attempt used the token up: the holder of the key still can.
    proven = await client.post(
        "/oauth/token", data=form, headers={"DPoP": token_proof(container, key)}
    )
    assert proven.status_code == 200, proven.text
    assert proven.json()["token_type"] == "DPoP"
    assert s256(VERIFIER)  # the flow above used PKCE (S256)


async def test_userinfo_asks_the_proof_for_a_bound_token(client, hooks, gql, container):
    from tests.graphql.accounts_helpers import register_person
    from tests.web.test_authorize import authorize_url, log_in, web_client

    await register_person(gql, hooks, container)
    registered = await web_client(container, first_party=True)
    client_id = registered.client.client_id
    next_url = await log_in(client, hooks, authorize_url(client_id))
    code = (await client.get(next_url)).headers["location"].split("code=")[1].split("&")[0]
    key = ECKey.generate_key("P-256")
    tokens = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        headers={**basic(client_id, registered.secret), "DPoP": token_proof(container, key)},
    )
    access = tokens.json()["access_token"]
    url = container.settings.public_url + "/oauth/userinfo"
    good = proof(key, method="GET", url=url, ath=access_token_hash(access))
    answer = await client.get(
        "/oauth/userinfo", headers={"Authorization": f"DPoP {access}", "DPoP": good}
    )
    assert answer.status_code == 200, answer.text
    replayed = await client.get(
        "/oauth/userinfo", headers={"Authorization": f"DPoP {access}", "DPoP": good}
    )
    assert replayed.status_code == 401
    assert 'error="invalid_dpop_proof"' in replayed.headers["www-authenticate"]
    no_ath = proof(key, method="GET", url=url)
    missing = await client.get(
        "/oauth/userinfo", headers={"Authorization": f"DPoP {access}", "DPoP": no_ath}
    )
    assert missing.status_code == 401
    bearer = await client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert bearer.status_code == 401
