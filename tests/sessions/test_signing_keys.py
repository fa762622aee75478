"""Token signing keys: created once, private halves encrypted at rest, rotation keeps
retired keys published until the window ends, and every process converges on the new key."""

from __future__ import annotations

from datetime import timedelta

from joserfc import jwt

from identity_graph.sessions.signing_keys import Algorithm, SigningKey, SigningKeys


def keys(container, cache_seconds: float = 0) -> SigningKeys:
    return SigningKeys(
        container.clock,
        container.cipher,
        publish_window=timedelta(hours=1),
        cache_seconds=cache_seconds,
    )


async def test_first_start_creates_one_key_per_algorithm(container):
    service = keys(container)
    await service.ensure()
    await service.ensure()
    assert sorted(row.alg for row in await SigningKey.all()) == ["ES256", "RS256"]
    jwks = await service.jwks()
    assert {key["alg"] for key in jwks["keys"]} == {"ES256", "RS256"}
    assert all("d" not in key for key in jwks["keys"])


async def test_private_keys_are_encrypted_at_rest(container):
    await keys(container).ensure()
    for row in await SigningKey.all():
        assert row.private_jwk_enc.startswith("v1.")
        assert '"d"' not in row.private_jwk_enc
        assert "d" not in row.public_jwk


async def test_tokens_verify_across_a_rotation_until_the_window_ends(container, clock):
    service = keys(container)
    await service.ensure()
    old_key = await service.signing_key(Algorithm.ES256)
    token = jwt.encode({"alg": "ES256", "kid": old_key.kid}, {"sub": "a"}, old_key)
    new_kid = await service.rotate(Algorithm.ES256)
    assert (await service.signing_key(Algorithm.ES256)).kid == new_kid
    assert jwt.decode(token, await service.verification_keys()).claims == {"sub": "a"}
    clock.advance(hours=1, seconds=1)
    published = {key["kid"] for key in (await service.jwks())["keys"]}
    assert old_key.kid not in published
    assert new_kid in published


async def test_another_process_sees_the_rotation_after_its_cache(container, clock):
    first, second = keys(container, cache_seconds=60), keys(container, cache_seconds=60)
    await first.ensure()
    before = (await second.signing_key()).kid
    new_kid = await first.rotate(Algorithm.ES256)
    assert (await second.signing_key()).kid == before
    clock.advance(seconds=61)
    assert (await second.signing_key()).kid == new_kid
