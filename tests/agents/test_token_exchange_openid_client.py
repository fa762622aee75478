"""RFC 8693 token exchange as a partner back-end built on openid-client (Node, the
OpenID-certified RP library) performs it (issue 11): the partner discovers the provider,
exchanges a person's access token for the unit's with openid-client's generic grant request,
introspects the result, and sees it die with the binding — all over real HTTP on a loopback
port. openid-client checks the token response as it checks every other one (token type,
lifetime, no ID token), so a malformed answer fails here even if our own tests accept it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.agents.flows import REMOVE, SERVICE, run
from tests.agents.test_enterprise_claims import ACCESS, _agent, code_for, partner_site
from tests.oauth.relying_party import RelyingParty
from tests.verification.flows import XINGQIAO
from tests.web.live_provider import clock, provider, provider_socket, settings  # noqa: F401


@pytest_asyncio.fixture
async def browser(provider) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=provider) as http:
        yield http


async def test_openid_client_exchanges_a_person_token_for_the_unit(
    provider,
    browser,
    hooks,
    gql,
    container,
):
    w, agent_id, _ = await _agent(gql, hooks, container)
    registered = await partner_site(container)
    person = await code_for(browser, hooks, registered, agent=False)

    async with RelyingParty.started() as rp:
        discovered = await rp.ok(
            "discover",
            issuer=provider,
            client_id=registered.client.client_id,
            client_secret=registered.secret,
        )
        metadata = discovered["metadata"]
        assert "urn:ietf:params:oauth:grant-type:token-exchange" in metadata[
            "grant_types_supported"
        ]

        exchanged = await rp.ok(
            "token_exchange",
            subject_token=person["access_token"],
            subject_token_type=ACCESS,
            enterprise_id=w.unit_id,
        )
        tokens = exchanged["tokens"]
        assert tokens["token_type"].lower() == "bearer"
        assert tokens["issued_token_type"] == ACCESS
        assert "refresh_token" not in tokens and "id_token" not in tokens
        keys = KeySet.import_key_set((await browser.get("/oauth/jwks")).json())
        claims = jwt.decode(tokens["access_token"], keys).claims
        assert claims["sub"] == w.unit_id and claims["act"] == {"sub": w.person_id}
        assert claims["enterprise"]["uscc"] == XINGQIAO["code"]
        assert claims["enterprise"]["services"] == [SERVICE]

        seen = await rp.ok("introspect", token=tokens["access_token"])
        assert seen["introspection"]["active"] is True
        assert seen["introspection"]["sub"] == w.unit_id
        info = await rp.ok("userinfo", access_token=tokens["access_token"], sub=w.unit_id)
        assert info["userinfo"]["act"] == {"sub": w.person_id}

        # By credit code, too; a person's token for a unit they do not act for is refused.
        by_code = await rp.ok(
            "token_exchange",
            subject_token=person["access_token"],
            subject_token_type=ACCESS,
            uscc=XINGQIAO["code"],
        )
        assert jwt.decode(by_code["tokens"]["access_token"], keys).claims["sub"] == w.unit_id

        await run(gql, REMOVE, {"agentId": agent_id}, w.unit_token)
        gone = await rp.ok("introspect", token=tokens["access_token"])
        assert gone["introspection"] == {"active": False}
        refused = await rp.call(
            "token_exchange",
            subject_token=person["access_token"],
            subject_token_type=ACCESS,
            enterprise_id=w.unit_id,
        )
        assert refused["error"]["error"] == "invalid_grant", refused
        malformed = await rp.call(
            "token_exchange", subject_token=person["access_token"], enterprise_id=w.unit_id
        )
        assert malformed["error"]["error"] == "invalid_request", malformed
