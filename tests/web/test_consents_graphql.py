"""Consents through GraphQL: listed after the consent page, withdrawn by the person, and
withdrawal ends the client's refresh tokens and makes the next authorization ask again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.graphql.accounts_helpers import login, register_person
from tests.oauth.helpers import basic
from tests.web.test_authorize import authorize_url, exchange, log_in, web_client
from tests.web.test_login_page import hidden

MINE = "{ myConsents { edges { node { clientId clientName scopes } } } }"
REVOKE = """mutation($id: String!) { revokeConsent(clientId: $id) { __typename
  ... on ConsentRevoked { clientId } ... on ValidationErrors { errors { field code } }
  ... on NotAuthorizedError { code } } }"""


async def test_list_and_withdraw_a_consent(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container, grant_types=["authorization_code", "refresh_token"])
    client_id = registered.client.client_id
    consent = await client.get(await log_in(client, hooks, authorize_url(client_id)))
    form = {name: hidden(consent.text, name) for name in ("csrf_token", "request", "request_mac")}
    allowed = await client.post("/oauth/authorize/decision", data={**form, "decision": "allow"})
    assert allowed.status_code == 200
    location = allowed.text.split("url=")[1].split('"')[0].replace("&amp;", "&")
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = (await exchange(client, code, client_id, registered.secret)).json()

    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    token = session["accessToken"]
    mine = [e["node"] for e in (await gql(MINE, token=token))["data"]["myConsents"]["edges"]]
    assert mine == [
        {"clientId": client_id, "clientName": "不动产登记系统", "scopes": ["openid", "profile"]}
    ]
    revoked = (await gql(REVOKE, {"id": client_id}, token=token))["data"]["revokeConsent"]
    assert revoked == {"__typename": "ConsentRevoked", "clientId": client_id}
    assert (await gql(MINE, token=token))["data"]["myConsents"]["edges"] == []
    again = (await gql(REVOKE, {"id": client_id}, token=token))["data"]["revokeConsent"]
    assert again["errors"] == [{"field": "clientId", "code": "CONSENT_NOT_FOUND"}]

    refreshed = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(client_id, registered.secret),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    asks_again = await client.get(authorize_url(client_id))
    assert asks_again.status_code == 200 and "csrf_token" in asks_again.text
    anonymous = (await gql(REVOKE, {"id": client_id}))["data"]["revokeConsent"]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
