"""What a relying party may put in an authorization request and what it gets back:
request objects refused by name, ``redirect_uri`` required, parameters the specs say to
ignore ignored (unknown scope values, ``offline_access`` without ``prompt=consent``),
``id_token_hint`` with ``prompt=none``, ``ui_locales`` and ``login_hint`` honoured, and the
discovery document saying exactly that."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.graphql.accounts_helpers import register_person
from tests.oauth.helpers import basic
from tests.oauth.test_authorization_code import REDIRECT, VERIFIER
from tests.web.test_authorize import authorize_url, exchange, log_in, refresh_target, web_client
from tests.web.test_login_page import hidden, open_form, submit


def answer_of(response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


async def signed_in_client(client, hooks, gql, container, **overrides):
    await register_person(gql, hooks, container)
    registered = await web_client(container, first_party=True, **overrides)
    client_id = registered.client.client_id
    next_url = await log_in(client, hooks, authorize_url(client_id))
    assert (await client.get(next_url)).status_code == 302
    return registered


async def test_request_objects_are_refused_by_name_with_iss(client, hooks, gql, container):
    registered = await signed_in_client(client, hooks, gql, container)
    client_id = registered.client.client_id
    issuer = container.settings.public_url.rstrip("/")
    by_value = answer_of(await client.get(authorize_url(client_id, request="e30.e30.")))
    assert by_value["error"] == ["request_not_supported"] and by_value["iss"] == [issuer]
    assert by_value["state"] == ["xyz"]
    by_reference = answer_of(
        await client.get(authorize_url(client_id, request_uri="https://rp.example/req.jwt"))
    )
    assert by_reference["error"] == ["request_uri_not_supported"]
    assert by_reference["iss"] == [issuer]
    # Without redirect_uri there is nowhere safe to answer: an error page (OIDC requires it).
    missing = await client.get(authorize_url(client_id, redirect_uri=""))
    assert missing.status_code == 400 and "location" not in missing.headers


async def test_unknown_scopes_are_ignored_and_offline_access_needs_consent(
    client, hooks, gql, container
):
    registered = await signed_in_client(
        client, hooks, gql, container, grant_types=["authorization_code", "refresh_token"]
    )
    client_id = registered.client.client_id
    scope = "openid profile https://api.example/unknown offline_access"
    plain = answer_of(await client.get(authorize_url(client_id, scope=scope)))
    tokens = (await exchange(client, plain["code"][0], client_id, registered.secret)).json()
    assert tokens["scope"] == "openid profile"

    consented = answer_of(await client.get(authorize_url(client_id, scope=scope, prompt="consent")))
    tokens = (await exchange(client, consented["code"][0], client_id, registered.secret)).json()
    assert tokens["scope"] == "openid profile offline_access"
    assert tokens["refresh_token"]


async def test_offline_access_is_ignored_for_a_client_that_cannot_refresh(
    client, hooks, gql, container
):
    registered = await signed_in_client(client, hooks, gql, container)
    client_id = registered.client.client_id
    asked = authorize_url(client_id, scope="openid offline_access", prompt="consent")
    code = answer_of(await client.get(asked))["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()
    assert tokens["scope"] == "openid" and "refresh_token" not in tokens


async def test_id_token_hint_for_someone_else_with_prompt_none_is_login_required(
    client, hooks, gql, container
):
    registered = await signed_in_client(client, hooks, gql, container)
    client_id = registered.client.client_id
    code = answer_of(await client.get(authorize_url(client_id)))["code"][0]
    id_token = (await exchange(client, code, client_id, registered.secret)).json()["id_token"]
    same = answer_of(
        await client.get(authorize_url(client_id, prompt="none", id_token_hint=id_token))
    )
    assert "code" in same

    # Another person logs in on this browser: the hint no longer names who is logged in.
    other_person = await register_person(
        gql, hooks, container, phone="13812345679", login_name="lisi", idNumber="110101199003070011"
    )
    assert other_person["__typename"] == "Registered", other_person
    _, form = await open_form(client)
    assert (await submit(client, hooks, form, "lisi")).status_code == 200
    other = answer_of(
        await client.get(authorize_url(client_id, prompt="none", id_token_hint=id_token))
    )
    assert other["error"] == ["login_required"]
    assert other["iss"] == [container.settings.public_url.rstrip("/")]
    forged = answer_of(
        await client.get(authorize_url(client_id, prompt="none", id_token_hint=id_token + "x"))
    )
    assert forged["error"] == ["invalid_request"]


async def test_ui_locales_and_login_hint_reach_the_pages(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    first = await client.get(authorize_url(client_id, ui_locales="fr en", login_hint="zhangsan"))
    assert first.status_code == 303
    login_page = await client.get(first.headers["location"])
    assert "Log in" in login_page.text and "登录名" not in login_page.text
    assert hidden(login_page.text, "lang") == "en"
    assert 'name="identifier" value="zhangsan"' in login_page.text
    form = {
        name: hidden(login_page.text, name)
        for name in ("csrf_token", "captcha_id", "kind", "return_to", "lang")
    }
    answer = await submit(client, hooks, form, "zhangsan")
    consent = await client.get(refresh_target(answer.text))
    assert "Allow access" in consent.text  # the consent page in the asked language too
    chinese = await client.get(authorize_url(client_id, ui_locales="zh-CN"))
    assert "授权确认" in chinese.text


async def test_email_comes_with_email_verified(client, hooks, gql, container):
    await register_person(gql, hooks, container, email="zhang.san@example.com")
    registered = await web_client(container, first_party=True, scopes=["openid", "email"])
    client_id = registered.client.client_id
    next_url = await log_in(client, hooks, authorize_url(client_id, scope="openid email"))
    code = answer_of(await client.get(next_url))["code"][0]
    access = (await exchange(client, code, client_id, registered.secret)).json()["access_token"]
    info = (
        await client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    ).json()
    assert info["email"] == "zhang.san@example.com"
    assert info["email_verified"] is False  # typed in at registration, never confirmed


async def test_revoking_a_refresh_token_ends_the_access_tokens_of_its_grant(
    client, hooks, gql, container
):
    registered = await signed_in_client(
        client, hooks, gql, container, grant_types=["authorization_code", "refresh_token"]
    )
    client_id = registered.client.client_id
    code = answer_of(await client.get(authorize_url(client_id)))["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()
    auth = basic(client_id, registered.secret)
    introspect = "/oauth/introspect"
    refresh = (
        await client.post(introspect, data={"token": tokens["refresh_token"]}, headers=auth)
    ).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"
    assert refresh["client_id"] == client_id and refresh["scope"] == "openid profile"
    # Another client learns nothing about it.
    other = await web_client(container, name="其他系统")
    hidden_answer = await client.post(
        introspect,
        data={"token": tokens["refresh_token"]},
        headers=basic(other.client.client_id, other.secret),
    )
    assert hidden_answer.json() == {"active": False}

    revoked = await client.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=auth,
    )
    assert revoked.status_code == 200
    for token in (tokens["access_token"], tokens["refresh_token"]):
        answer = await client.post(introspect, data={"token": token}, headers=auth)
        assert answer.json() == {"active": False}


async def test_discovery_says_what_is_supported(client, container):
    metadata = (await client.get("/.well-known/openid-configuration")).json()
    issuer = container.settings.public_url.rstrip("/")
    assert metadata["request_parameter_supported"] is False
    assert metadata["request_uri_parameter_supported"] is False
    assert metadata["pushed_authorization_request_endpoint"] == issuer + "/oauth/par"
    assert metadata["require_pushed_authorization_requests"] is False
    assert "ES256" in metadata["dpop_signing_alg_values_supported"]
    assert "none" in metadata["revocation_endpoint_auth_methods_supported"]
    assert "offline_access" in metadata["scopes_supported"]
    assert "email_verified" in metadata["claims_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    assert keys.keys and jwt  # the keys the ID tokens above were checked against


async def test_partner_tokens_at_graphql_end_with_their_grant_and_their_binding(
    client, hooks, gql, container
):
    from joserfc.jwk import ECKey

    from tests.graphql.test_session_tokens import me_error
    from tests.oauth.test_dpop import token_proof

    registered = await signed_in_client(client, hooks, gql, container)
    client_id = registered.client.client_id
    code = answer_of(await client.get(authorize_url(client_id)))["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()
    me = await gql("{ me { loginName } }", token=tokens["access_token"])
    assert me["data"]["me"]["loginName"] == "zhangsan"
    replayed = await exchange(client, code, client_id, registered.secret)
    assert replayed.json()["error"] == "invalid_grant"
    assert await me_error(gql, tokens["access_token"]) == "NOT_AUTHENTICATED"

    code = answer_of(await client.get(authorize_url(client_id)))["code"][0]
    bound = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        headers={
            **basic(client_id, registered.secret),
            # iat on this module's fixed clock
            "DPoP": token_proof(
                container, ECKey.generate_key("P-256"), iat=int(container.clock.now().timestamp())
            ),
        },
    )
    assert bound.json().get("token_type") == "DPoP", bound.text
    assert await me_error(gql, bound.json()["access_token"]) == "NOT_AUTHENTICATED"
