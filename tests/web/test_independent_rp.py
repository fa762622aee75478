"""An independent relying-party library (pyoidc, ``oic``; not authlib) against the
provider over real HTTP: discovery, code + PKCE, ID-token validation against the JWKS,
UserInfo and refresh. The "browser" steps (login page, consent) are plain HTTP requests."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import httpx

from tests.graphql.accounts_helpers import PASSWORD, register_person
from tests.web.live_provider import clock, provider, provider_socket, settings  # noqa: F401
from tests.web.test_login_page import hidden

REDIRECT = "http://127.0.0.1:9/callback"  # never fetched: the test reads the redirect


async def test_pyoidc_code_flow_with_pkce_userinfo_and_refresh(provider, container, hooks, gql):
    from oic.oic import Client
    from oic.oic.message import AuthorizationResponse, RegistrationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD

    from identity_graph.clients.service import ClientRegistration
    from identity_graph.core.audit import AuditContext

    await register_person(gql, hooks, container)
    registered = await container.clients.register(
        ClientRegistration(
            name="pyoidc",
            grant_types=["authorization_code", "refresh_token"],
            scopes=["openid", "profile"],
            redirect_uris=[REDIRECT],
            first_party=True,
        ),
        AuditContext(),
    )
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD)

    def discover() -> str:
        rp.provider_config(provider)
        rp.store_registration_info(
            RegistrationResponse(
                client_id=registered.client.client_id,
                client_secret=registered.secret,
                redirect_uris=[REDIRECT],
                token_endpoint_auth_method="client_secret_basic",
            )
        )
        pkce, verifier = rp.add_code_challenge()
        request = rp.construct_AuthorizationRequest(
            request_args={
                "client_id": registered.client.client_id,
                "response_type": "code",
                "scope": ["openid", "profile"],
                "nonce": "pyoidc-nonce",
                "state": "pyoidc-state",
                "redirect_uri": REDIRECT,
                **pkce,
            }
        )
        discover.verifier = verifier  # type: ignore[attr-defined]
        return str(request.request(rp.authorization_endpoint))

    url = await asyncio.to_thread(discover)

    async with httpx.AsyncClient() as browser:
        first = await browser.get(url)
        login_page = await browser.get(provider + first.headers["location"])
        answer = hooks.captcha_answers[uuid.UUID(hidden(login_page.text, "captcha_id"))]
        form = {
            name: hidden(login_page.text, name)
            for name in ("csrf_token", "captcha_id", "kind", "return_to", "lang")
        }
        form.update(identifier="zhangsan", password=PASSWORD, captcha_answer=answer)
        await browser.post(f"{provider}/login", data=form)
        back = await browser.get(provider + form["return_to"])
        assert back.status_code == 302, back.text
        callback = back.headers["location"]

    def finish() -> tuple[dict, dict, dict]:
        response = rp.parse_response(
            AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded"
        )
        tokens = rp.do_access_token_request(
            state=response["state"],
            request_args={
                "code": response["code"],
                "redirect_uri": REDIRECT,
                "code_verifier": discover.verifier,  # type: ignore[attr-defined]
            },
            authn_method="client_secret_basic",
        )
        userinfo = rp.do_user_info_request(state=response["state"])
        refreshed = rp.do_access_token_refresh(
            state=response["state"], authn_method="client_secret_basic"
        )
        return tokens.to_dict(), userinfo.to_dict(), refreshed.to_dict()

    tokens, userinfo, refreshed = await asyncio.to_thread(finish)
    id_token = tokens["id_token"]
    assert id_token["nonce"] == "pyoidc-nonce"
    assert id_token["aud"] == [registered.client.client_id]
    assert userinfo["preferred_username"] == "zhangsan"
    assert userinfo["name"] == "张三"
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["refresh_token"] != tokens["refresh_token"]
