"""The authorization endpoint end to end over HTTP: login, consent (remembered), code,
token; ``prompt``, ``acr_values`` step-up, bad clients and tampered consent forms."""

from __future__ import annotations

import html as html_module
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.graphql.accounts_helpers import register_person
from tests.oauth.helpers import backend_client, basic
from tests.oauth.test_authorization_code import REDIRECT, VERIFIER, s256
from tests.web.test_login_page import hidden, open_form, submit


async def web_client(container, **overrides):
    values = {
        "name": "不动产登记系统",
        "grant_types": ["authorization_code"],
        "redirect_uris": [REDIRECT],
        "scopes": ["openid", "profile", "phone"],
    }
    values.update(overrides)
    return await backend_client(container, **values)


def authorize_url(client_id: str, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "xyz",
        "nonce": "abc",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    return "/oauth/authorize?" + urlencode(params)


def refresh_target(page_html: str) -> str:
    match = re.search(r'content="0;url=([^"]+)"', page_html)
    assert match, page_html[:500]
    return html_module.unescape(match.group(1))


async def log_in(client, hooks, url: str) -> str:
    """Follow the authorize request to the login page, log in, return where it continues."""
    first = await client.get(url)
    assert first.status_code == 303, first.text
    location = first.headers["location"]
    assert location.startswith("/login?")
    return_to = parse_qs(urlsplit(location).query)["return_to"][0]
    _, form = await open_form(client, return_to=return_to)
    answer = await submit(client, hooks, form, "zhangsan")
    assert answer.status_code == 200, answer.text
    return refresh_target(answer.text)


async def exchange(client, code: str, client_id: str, secret: str | None):
    """Redeem ``code`` at the token endpoint as the registered web client does."""
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        headers=basic(client_id, secret or ""),
    )


async def test_login_consent_code_and_tokens(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    next_url = await log_in(client, hooks, authorize_url(client_id))

    consent = await client.get(next_url)
    assert consent.status_code == 200
    assert "不动产登记系统" in consent.text and "姓名、账号类型" in consent.text
    assert "手机号码" not in consent.text  # phone was not asked for
    form = {
        "csrf_token": hidden(consent.text, "csrf_token"),
        "request": hidden(consent.text, "request"),
        "request_mac": hidden(consent.text, "request_mac"),
        "decision": "allow",
    }
    allowed = await client.post("/oauth/authorize/decision", data=form)
    callback = urlsplit(refresh_target(allowed.text))
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == REDIRECT
    params = parse_qs(callback.query)
    assert params["state"] == ["xyz"]
    assert params["iss"] == [container.settings.public_url.rstrip("/")]

    tokens = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        headers=basic(client_id, registered.secret),
    )
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    id_token = jwt.decode(tokens.json()["id_token"], keys).claims
    assert id_token["nonce"] == "abc"
    assert id_token["amr"] == ["pwd"]
    assert id_token["acr"] == "urn:identity-graph:acr:phone-verified"

    # The consent is remembered: the next authorization goes straight back with a code.
    again = await client.get(authorize_url(client_id, state="second"))
    assert again.status_code == 302
    assert parse_qs(urlsplit(again.headers["location"]).query)["state"] == ["second"]
    # prompt=consent asks again.
    forced = await client.get(authorize_url(client_id, prompt="consent"))
    assert forced.status_code == 200 and "csrf_token" in forced.text


async def test_denying_and_tampering(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container)
    next_url = await log_in(client, hooks, authorize_url(registered.client.client_id))
    consent = await client.get(next_url)
    form = {
        "csrf_token": hidden(consent.text, "csrf_token"),
        "request": hidden(consent.text, "request"),
        "request_mac": hidden(consent.text, "request_mac"),
        "decision": "deny",
    }
    tampered = {**form, "request": form["request"].replace("profile", "profile+phone")}
    refused = await client.post("/oauth/authorize/decision", data={**tampered, "decision": "allow"})
    assert refused.status_code == 403
    denied = await client.post("/oauth/authorize/decision", data=form)
    params = parse_qs(urlsplit(refresh_target(denied.text)).query)
    assert params["error"] == ["access_denied"] and params["state"] == ["xyz"]
    no_csrf = await client.post("/oauth/authorize/decision", data={**form, "csrf_token": "x" * 43})
    assert no_csrf.status_code == 403


async def test_prompt_none_and_bad_requests(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container)
    client_id = registered.client.client_id
    silent = await client.get(authorize_url(client_id, prompt="none"))
    assert silent.status_code == 302
    params = parse_qs(urlsplit(silent.headers["location"]).query)
    assert params["error"] == ["login_required"] and params["state"] == ["xyz"]

    wrong_redirect = await client.get(
        authorize_url(client_id, redirect_uri="https://evil.example/cb")
    )
    assert wrong_redirect.status_code == 400 and "location" not in wrong_redirect.headers
    unknown = await client.get(authorize_url("idg-nobody"))
    assert unknown.status_code == 400 and "location" not in unknown.headers

    public = await web_client(container, token_endpoint_auth_method="none", name="公开应用")
    no_pkce = await client.get(
        authorize_url(public.client.client_id, code_challenge="", code_challenge_method="")
    )
    assert no_pkce.status_code == 302
    assert "error=invalid_request" in no_pkce.headers["location"]


async def test_acr_values_above_the_level_is_step_up_not_downgrade(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container, first_party=True)
    client_id = registered.client.client_id
    real_name = "urn:identity-graph:acr:real-name"
    next_url = await log_in(client, hooks, authorize_url(client_id, acr_values=real_name))
    step_up = await client.get(next_url)
    assert step_up.status_code == 200 and "该系统要求实名认证" in step_up.text
    assert 'value="face"' not in step_up.text  # a face check cannot lift a phone-level account
    back = await client.post(
        "/oauth/authorize/decision",
        data={
            "csrf_token": hidden(step_up.text, "csrf_token"),
            "request": hidden(step_up.text, "request"),
            "request_mac": hidden(step_up.text, "request_mac"),
            "decision": "cancel",
        },
    )
    params = parse_qs(urlsplit(refresh_target(back.text)).query)
    assert params["error"] == ["unmet_authentication_requirements"]
    assert params["state"] == ["xyz"]
    assert params["iss"] == [container.settings.public_url.rstrip("/")]

    silent = await client.get(authorize_url(client_id, acr_values=real_name, prompt="none"))
    assert "error=unmet_authentication_requirements" in silent.headers["location"]
    # Voluntary claims (OIDC Core §5.5.1.1): values this provider does not know are ignored,
    # and any of the known ones satisfies the request.
    unknown = await client.get(authorize_url(client_id, acr_values="urn:nope"))
    assert unknown.status_code == 302 and "code=" in unknown.headers["location"]
    phone = "urn:identity-graph:acr:phone-verified"
    either = await client.get(authorize_url(client_id, acr_values=f"{real_name} {phone}"))
    assert either.status_code == 302 and "code=" in either.headers["location"]


async def test_userinfo_by_scope_until_the_session_ends(client, hooks, gql, container):
    await register_person(gql, hooks, container, email="zhang.san@example.com")
    registered = await web_client(
        container, first_party=True, scopes=["openid", "profile", "phone", "identity"]
    )
    client_id = registered.client.client_id
    scope = "openid profile phone identity"
    next_url = await log_in(client, hooks, authorize_url(client_id, scope=scope))
    back = await client.get(next_url)
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = (await client.get("/oauth/userinfo", headers=bearer)).json()
    assert info["name"] == "张三"
    assert info["preferred_username"] == "zhangsan"
    assert info["phone_number"] == "+8613812345678"
    assert info["id_number_masked"] == "1101**********1238"
    assert info["real_name_status"] == "UNVERIFIED"
    assert "email" not in info  # the email scope was not granted

    session = await container.browser_sessions.read(client.cookies.get("idg_sso"))
    await container.tokens.revoke_session(session.session_id, "logout")
    ended = await client.get("/oauth/userinfo", headers=bearer)
    assert ended.status_code == 401
    assert ended.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    anonymous = await client.get("/oauth/userinfo")
    assert anonymous.status_code == 401


async def test_client_credentials_tokens_get_no_userinfo(client, container):
    backend = await backend_client(container)
    token = (
        await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(backend.client.client_id, backend.secret),
        )
    ).json()["access_token"]
    answer = await client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


async def test_refused_authorization_requests_are_audited(client, container):
    from identity_graph.core.audit import AuditEvent

    await client.get(authorize_url("idg-nobody"))
    [event] = await AuditEvent.filter(action="oauth.refused")
    assert event.details == {"endpoint": "authorize", "error": "invalid_client"}


async def test_userinfo_for_a_legal_person_names_the_unit(client, hooks, gql, container):
    from tests.graphql.accounts_helpers import register_enterprise

    registered_unit = await register_enterprise(gql, hooks, container)
    assert registered_unit["__typename"] == "Registered", registered_unit
    login_name = registered_unit["account"]["loginName"]
    registered = await web_client(container, first_party=True, scopes=["openid", "profile"])
    client_id = registered.client.client_id
    first = await client.get(authorize_url(client_id))
    return_to = parse_qs(urlsplit(first.headers["location"]).query)["return_to"][0]
    _, form = await open_form(client, return_to=return_to, kind="enterprise")
    answer = await submit(client, hooks, form, login_name)
    back = await client.get(refresh_target(answer.text))
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()

    info = await client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert info.status_code == 200
    body = info.json()
    assert (body["account_type"], body["name"]) == ("enterprise", "福州示例贸易有限公司")
    assert body["preferred_username"] == login_name


async def test_step_up_by_face_check_comes_back_to_the_authorization(client, hooks, gql, container):
    from tests.verification.flows import ZHANG_WEI, my_verification, resident
    from tests.verification.flows import submit as submit_verification

    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit_verification(gql, hooks, token, person=ZHANG_WEI)
    assert (await my_verification(gql, token))["level"] == "REAL_NAME"
    registered = await web_client(container, first_party=True)
    client_id = registered.client.client_id
    real_person = "urn:identity-graph:acr:real-person"
    first = await client.get(authorize_url(client_id, acr_values=real_person))
    return_to = parse_qs(urlsplit(first.headers["location"]).query)["return_to"][0]
    _, form = await open_form(client, return_to=return_to)
    await submit(client, hooks, form, "zhangwei")
    step_up = await client.get(return_to)
    assert step_up.status_code == 200 and 'value="face"' in step_up.text
    started = await client.post(
        "/oauth/authorize/decision",
        data={
            "csrf_token": hidden(step_up.text, "csrf_token"),
            "request": hidden(step_up.text, "request"),
            "request_mac": hidden(step_up.text, "request_mac"),
            "decision": "face",
        },
    )
    face_page_url = urlsplit(refresh_target(started.text))
    assert face_page_url.path.startswith("/sandbox/face/")
    face_page = await client.get(face_page_url.path)
    passed = await client.post(
        face_page_url.path, data={"csrf": hidden(face_page.text, "csrf"), "result": "passed"}
    )
    assert passed.status_code == 303
    # The provider returns the browser to the result page, whose link continues the request.
    result = await client.get(urlsplit(passed.headers["location"]).path)
    assert result.status_code == 200
    link = re.search(r'<a class="button" href="([^"]+)"', result.text) or re.search(
        r'href="(/oauth/authorize[^"]+)"', result.text
    )
    assert link, result.text
    back = await client.get(html_module.unescape(link.group(1)))
    params = parse_qs(urlsplit(back.headers["location"]).query)
    assert params["state"] == ["xyz"], back.text
    tokens = (await exchange(client, params["code"][0], client_id, registered.secret)).json()
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    assert jwt.decode(tokens["id_token"], keys).claims["acr"] == real_person
