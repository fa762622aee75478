"""The provider as a partner developer meets it: openid-client (Node, OpenID-certified) is
the relying party over real HTTP, the test plays the person's browser.

openid-client checks every authorization response as RFC 9207 asks when discovery says
``authorization_response_iss_parameter_supported``: an error answer without ``iss`` is
rejected as invalid, so these tests fail if any answer of the authorization endpoint lacks
it. They cover silent login and refused consent, a request by form POST, a pushed request
(RFC 9126) with DPoP-bound tokens (RFC 9449), logout by form POST and what introspection
says after it, and a reused authorization code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest_asyncio

from identity_graph.clients.service import ClientRegistration, RegisteredClient
from identity_graph.core.audit import AuditContext
from tests.graphql.accounts_helpers import register_person
from tests.oauth.relying_party import Browser, RelyingParty, query_of
from tests.web.live_provider import clock, provider, provider_socket, settings  # noqa: F401

REDIRECT = "http://127.0.0.1:9/callback"  # never fetched: the browser hands it to the RP
AFTER_LOGOUT = "http://127.0.0.1:9/logged-out"


@pytest_asyncio.fixture
async def partner(provider, container, gql, hooks) -> RegisteredClient:
    """A third-party site (consent asked) with a person registered to log in."""
    await register_person(gql, hooks, container)
    return await container.clients.register(
        ClientRegistration(
            name="公积金中心",
            grant_types=["authorization_code", "refresh_token"],
            scopes=["openid", "profile"],
            redirect_uris=[REDIRECT],
            post_logout_redirect_uris=[AFTER_LOGOUT],
        ),
        AuditContext(),
    )


@pytest_asyncio.fixture
async def rp(provider, partner) -> AsyncIterator[RelyingParty]:
    async with RelyingParty.started() as relying_party:
        await relying_party.ok(
            "discover",
            issuer=provider,
            client_id=partner.client.client_id,
            client_secret=partner.secret,
        )
        yield relying_party


@pytest_asyncio.fixture
async def browser(provider, hooks) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(base_url=provider) as http:
        yield Browser(http, provider, REDIRECT, hooks)


async def sign_in(rp: RelyingParty, browser: Browser, **options: Any) -> dict[str, Any]:
    """A full code flow, consent given; the RP's tokens and the flow's state."""
    start = await rp.ok(
        "authorization_url", redirect_uri=REDIRECT, scope="openid profile", **options
    )
    callback = await browser.until_client(await browser.http.get(start["url"]))
    answer = await rp.ok("callback", url=callback, state=start["state"])
    return {**answer, "state": start["state"], "callback": callback}


async def test_error_answers_carry_iss_so_the_rp_accepts_them(rp, browser, provider):
    silent = await rp.ok(
        "authorization_url", redirect_uri=REDIRECT, scope="openid", extra={"prompt": "none"}
    )
    callback = await browser.until_client(await browser.http.get(silent["url"]), log_in=False)
    assert query_of(callback)["iss"] == [provider]
    refused = await rp.call("callback", url=callback, state=silent["state"])
    assert refused["error"]["name"] == "AuthorizationResponseError", refused
    assert refused["error"]["error"] == "login_required"

    asked = await rp.ok("authorization_url", redirect_uri=REDIRECT, scope="openid profile")
    callback = await browser.until_client(await browser.http.get(asked["url"]), consent="deny")
    denied = await rp.call("callback", url=callback, state=asked["state"])
    assert denied["error"]["name"] == "AuthorizationResponseError", denied
    assert denied["error"]["error"] == "access_denied"

    # Logged in now, but no consent on file: prompt=none cannot ask for it.
    silent = await rp.ok(
        "authorization_url", redirect_uri=REDIRECT, scope="openid", extra={"prompt": "none"}
    )
    callback = await browser.until_client(await browser.http.get(silent["url"]))
    needed = await rp.call("callback", url=callback, state=silent["state"])
    assert needed["error"]["error"] == "consent_required", needed


async def test_authorization_request_by_form_post(rp, browser, partner):
    start = await rp.ok("authorization_url", redirect_uri=REDIRECT, scope="openid profile")
    url = urlsplit(start["url"])
    endpoint = f"{url.scheme}://{url.netloc}{url.path}"
    posted = await browser.http.post(endpoint, data=dict(parse_qsl(url.query)))
    assert posted.status_code == 303
    callback = await browser.until_client(posted)
    answer = await rp.ok("callback", url=callback, state=start["state"])
    assert answer["claims"]["aud"] == partner.client.client_id
    sub = answer["claims"]["sub"]
    userinfo = await rp.ok("userinfo", access_token=answer["tokens"]["access_token"], sub=sub)
    assert userinfo["userinfo"]["preferred_username"] == "zhangsan"


async def test_pushed_request_and_dpop_bound_tokens(rp, browser, provider):
    start = await rp.ok(
        "authorization_url", redirect_uri=REDIRECT, scope="openid profile", par=True, dpop=True
    )
    params = dict(parse_qsl(urlsplit(start["url"]).query))
    assert set(params) == {"client_id", "request_uri"}
    assert params["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    callback = await browser.until_client(await browser.http.get(start["url"]))
    answer = await rp.ok("callback", url=callback, state=start["state"])
    tokens = answer["tokens"]
    assert tokens["token_type"] == "dpop"

    info = await rp.ok(
        "userinfo",
        access_token=tokens["access_token"],
        sub=answer["claims"]["sub"],
        state=start["state"],
    )
    assert info["userinfo"]["preferred_username"] == "zhangsan"
    # Without the key the token is worth nothing.
    stolen = await browser.http.get(
        f"{provider}/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert stolen.status_code == 401 and stolen.headers["www-authenticate"].startswith("DPoP")
    seen = await rp.ok("introspect", token=tokens["access_token"])
    assert seen["introspection"]["active"] is True
    assert seen["introspection"]["token_type"] == "DPoP"
    assert seen["introspection"]["cnf"]["jkt"]
    refreshed = await rp.ok("refresh", refresh_token=tokens["refresh_token"], state=start["state"])
    assert refreshed["tokens"]["token_type"] == "dpop"

    # The pushed request gave its one answer.
    again = await browser.http.get(start["url"])
    assert again.status_code == 400 and "location" not in again.headers


async def test_logout_by_form_post_ends_the_tokens_at_introspection(rp, browser, provider):
    signed_in = await sign_in(rp, browser)
    tokens = signed_in["tokens"]
    live = await rp.ok("introspect", token=tokens["access_token"])
    assert live["introspection"]["active"] is True
    refresh = await rp.ok("introspect", token=tokens["refresh_token"])
    assert refresh["introspection"]["active"] is True
    assert refresh["introspection"]["token_type"] == "refresh_token"

    logout = await rp.ok(
        "end_session_url",
        id_token_hint=tokens["id_token"],
        post_logout_redirect_uri=AFTER_LOGOUT,
        state="bye",
    )
    url = urlsplit(logout["url"])
    posted = await browser.http.post(
        f"{url.scheme}://{url.netloc}{url.path}", data=dict(parse_qsl(url.query))
    )
    assert posted.status_code == 303
    done = await browser.http.get(provider + posted.headers["location"])
    assert done.status_code == 302 and done.headers["location"] == AFTER_LOGOUT + "?state=bye"

    for token in (tokens["access_token"], tokens["refresh_token"]):
        ended = await rp.ok("introspect", token=token)
        assert ended["introspection"] == {"active": False}
    gone = await rp.call(
        "userinfo", access_token=tokens["access_token"], sub=signed_in["claims"]["sub"]
    )
    assert gone["error"]["status"] == 401, gone


async def test_a_reused_code_ends_the_tokens_issued_from_it(rp, browser):
    signed_in = await sign_in(rp, browser)
    tokens = signed_in["tokens"]
    replayed = await rp.call("callback", url=signed_in["callback"], state=signed_in["state"])
    assert replayed["error"]["error"] == "invalid_grant", replayed
    for token in (tokens["access_token"], tokens["refresh_token"]):
        ended = await rp.ok("introspect", token=token)
        assert ended["introspection"] == {"active": False}
    refused = await rp.call("refresh", refresh_token=tokens["refresh_token"])
    assert refused["error"]["error"] == "invalid_grant", refused
