"""The enterprise context reaches partners (issue 11, SPEC §7): an agent who logs in on the
agent tab brings the unit into the ID token, the access token and UserInfo (scope
``enterprise``); RFC 8693 token exchange turns a person's token into the unit's, acting by
the person; revoking the grant or the binding shows at the very next use."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.agents.flows import GRANT, LI_NA, REMOVE, REVOKE, SERVICE, approved_agent, run, world
from tests.agents.test_agent_login import AGENT_PASSWORD, SET_PASSWORD
from tests.graphql.accounts_helpers import PASSWORD
from tests.oauth.helpers import backend_client, basic
from tests.oauth.test_authorization_code import REDIRECT
from tests.verification.flows import XINGQIAO
from tests.web.test_authorize import authorize_url, exchange, refresh_target
from tests.web.test_login_page import hidden, open_form

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


async def partner_site(container):
    return await backend_client(
        container,
        name="外国人来华工作管理服务系统",
        grant_types=["authorization_code", EXCHANGE],
        redirect_uris=[REDIRECT],
        scopes=["openid", "profile", "enterprise"],
    )


async def code_for(client, hooks, registered, *, agent: bool) -> dict:
    """Log in on the agent (or resident) tab through an authorization request, consent, and
    redeem the code; the token response."""
    url = authorize_url(registered.client.client_id, scope="openid profile enterprise")
    first = await client.get(url)
    return_to = parse_qs(urlsplit(first.headers["location"]).query)["return_to"][0]
    _, form = await open_form(
        client, return_to=return_to, kind="agent" if agent else "natural_person"
    )
    answer = hooks.captcha_answers[uuid.UUID(form["captcha_id"])]
    fields = (
        {
            "identifier": XINGQIAO["code"],
            "agent_phone": "13812340001",
            "agent_id_number": LI_NA["idNumber"],
            "password": AGENT_PASSWORD,
        }
        if agent
        else {"identifier": "lina2026", "password": PASSWORD}
    )
    logged = await client.post("/login", data={**form, **fields, "captcha_answer": answer})
    assert logged.status_code == 200, logged.text
    consent = await client.get(refresh_target(logged.text))
    assert "您代为办理的单位及其授权事项" in consent.text
    allowed = await client.post(
        "/oauth/authorize/decision",
        data={
            "csrf_token": hidden(consent.text, "csrf_token"),
            "request": hidden(consent.text, "request"),
            "request_mac": hidden(consent.text, "request_mac"),
            "decision": "allow",
        },
    )
    code = parse_qs(urlsplit(refresh_target(allowed.text)).query)["code"][0]
    tokens = await exchange(client, code, registered.client.client_id, registered.secret)
    assert tokens.status_code == 200, tokens.text
    return dict(tokens.json())


async def _agent(gql, hooks, container):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    granted = await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    body = await gql(
        SET_PASSWORD,
        {
            "input": {
                "enterpriseId": w.unit_id,
                "accountPassword": PASSWORD,
                "newPassword": AGENT_PASSWORD,
            }
        },
        token=w.person_token,
    )
    assert body["data"]["setAgentPassword"]["hasAgentPassword"]
    return w, agent_id, granted["services"][0]["grantId"]


async def test_agent_login_puts_the_unit_in_the_tokens_and_userinfo(client, hooks, gql, container):
    w, _, grant_id = await _agent(gql, hooks, container)
    registered = await partner_site(container)
    tokens = await code_for(client, hooks, registered, agent=True)
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    id_claims = jwt.decode(tokens["id_token"], keys).claims
    expected = {
        "id": w.unit_id,
        "uscc": XINGQIAO["code"],
        "name": XINGQIAO["unitName"],
        "agent_role": "agent",
        "services": [SERVICE],
    }
    assert id_claims["enterprise"] == expected
    assert jwt.decode(tokens["access_token"], keys).claims["enterprise"] == expected
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = (await client.get("/oauth/userinfo", headers=bearer)).json()
    assert info["enterprise"] == expected and info["sub"] == w.person_id

    await run(gql, REVOKE, {"grantId": grant_id}, w.unit_token)
    info = (await client.get("/oauth/userinfo", headers=bearer)).json()
    assert info["enterprise"]["services"] == []  # the very next use


async def test_token_exchange_names_the_unit_and_acts_by_the_person(client, hooks, gql, container):
    w, agent_id, _ = await _agent(gql, hooks, container)
    registered = await partner_site(container)
    person = await code_for(client, hooks, registered, agent=False)
    auth = basic(registered.client.client_id, registered.secret)
    exchanged = await client.post(
        "/oauth/token",
        data={
            "grant_type": EXCHANGE,
            "subject_token": person["access_token"],
            "subject_token_type": ACCESS,
            "enterprise_id": w.unit_id,
        },
        headers=auth,
    )
    assert exchanged.status_code == 200, exchanged.text
    answer = exchanged.json()
    assert answer["issued_token_type"] == ACCESS and "refresh_token" not in answer
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    claims = jwt.decode(answer["access_token"], keys).claims
    assert claims["sub"] == w.unit_id and claims["act"] == {"sub": w.person_id}
    assert claims["enterprise"]["services"] == [SERVICE]

    introspected = await client.post(
        "/oauth/introspect", data={"token": answer["access_token"]}, headers=auth
    )
    assert introspected.json()["active"] is True
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    info = (await client.get("/oauth/userinfo", headers=bearer)).json()
    assert info["sub"] == w.unit_id and info["act"] == {"sub": w.person_id}

    await run(gql, REMOVE, {"agentId": agent_id}, w.unit_token)
    gone = await client.post(
        "/oauth/introspect", data={"token": answer["access_token"]}, headers=auth
    )
    assert gone.json()["active"] is False
    assert (await client.get("/oauth/userinfo", headers=bearer)).status_code == 401
    again = await client.post(
        "/oauth/token",
        data={
            "grant_type": EXCHANGE,
            "subject_token": person["access_token"],
            "subject_token_type": ACCESS,
            "uscc": XINGQIAO["code"],
        },
        headers=auth,
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_bad_exchanges_are_oauth_errors(client, hooks, gql, container):
    w, _, _ = await _agent(gql, hooks, container)
    registered = await partner_site(container)
    person = await code_for(client, hooks, registered, agent=False)
    auth = basic(registered.client.client_id, registered.secret)
    base = {"grant_type": EXCHANGE, "subject_token": person["access_token"]}
    wrong_type = await client.post(
        "/oauth/token", data={**base, "enterprise_id": w.unit_id}, headers=auth
    )
    assert wrong_type.json()["error"] == "invalid_request"
    no_unit = await client.post(
        "/oauth/token", data={**base, "subject_token_type": ACCESS}, headers=auth
    )
    assert no_unit.json()["error"] == "invalid_request"
    other = await backend_client(container, name="别的系统", grant_types=[EXCHANGE])
    stolen = await client.post(
        "/oauth/token",
        data={**base, "subject_token_type": ACCESS, "enterprise_id": w.unit_id},
        headers=basic(other.client.client_id, other.secret),
    )
    assert stolen.json()["error"] == "invalid_grant"
    forged = await client.post(
        "/oauth/token",
        data={
            **base,
            "subject_token": "x.y.z",
            "subject_token_type": ACCESS,
            "enterprise_id": w.unit_id,
        },
        headers=auth,
    )
    assert forged.json()["error"] == "invalid_grant"
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    assert EXCHANGE in discovery["grant_types_supported"]
    assert "enterprise" in discovery["scopes_supported"]
