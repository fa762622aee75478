"""Control characters are refused at the edge with each transport's own answer (SPEC §11):
OAuth endpoints ``invalid_request`` (RFC 6749 §5.2, RFC 6750 §3.1), the authorization
endpoint by RFC 6749 §4.1.2.1, pages a 400 page naming the field. PostgreSQL refuses NUL,
so on PostgreSQL each of these was a 500 before (``web/input_hygiene.py``)."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import register_person
from tests.oauth.helpers import backend_client, basic
from tests.oauth.test_authorization_code import REDIRECT
from tests.web.test_authorize import authorize_url, web_client
from tests.web.test_login_page import open_form, submit

pytestmark = pytest.mark.postgres

NUL = "idg\x00client"
CJK = re.compile(r"[\u3400-\u9fff]")


def assert_invalid_request(response, parameter: str = "client_id") -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request", body
    assert parameter in body["error_description"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
async def test_oauth_endpoints_refuse_a_nul_in_client_id(client, container, path):
    registered = await backend_client(container)
    form = {"grant_type": "client_credentials", "token": "x", "client_id": NUL}
    assert_invalid_request(await client.post(path, data=form))
    # In the query string, in another parameter, as a raw byte: the same answer.
    assert_invalid_request(await client.post(f"{path}?client_id=a%00b", data={"token": "x"}))
    raw = await client.post(
        path,
        content=b"grant_type=client_credentials&scope=openid\x01",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_invalid_request(raw, "scope")
    # The client itself still works.
    fine = await client.post(
        path,
        data={"grant_type": "client_credentials", "token": "x"},
        headers=basic(registered.client.client_id, registered.secret or ""),
    )
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize(
    "credentials", [b"idg%00client:secret", b"idg\x00client:secret", b"\xff\xfe:secret"]
)
async def test_basic_credentials_that_are_not_clean_text_are_invalid_request(
    client, db, credentials
):
    header = {"Authorization": "Basic " + base64.b64encode(credentials).decode()}
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=header
    )
    assert_invalid_request(response)


async def test_userinfo_answers_a_bearer_invalid_request(client, db):
    response = await client.post("/oauth/userinfo", data={"access_token": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_request"'


async def test_authorize_never_redirects_for_a_bad_client_id_or_redirect_uri(client, container):
    registered = await web_client(container)
    for url in (
        authorize_url(NUL),
        authorize_url(registered.client.client_id, redirect_uri=REDIRECT + "\x00"),
        "/oauth/authorize?" + urlencode({"client_id": "nobody", "scope": "openid\x00"}),
    ):
        page = await client.get(url)
        assert page.status_code == 400, url
        assert "location" not in page.headers
        assert "无法完成授权" in page.text


async def test_authorize_sends_invalid_request_back_to_a_registered_client(client, container):
    registered = await web_client(container)
    answer = await client.get(authorize_url(registered.client.client_id, scope="openid\x00profile"))
    assert answer.status_code == 302
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    query = parse_qs(target.query)
    assert query["error"] == ["invalid_request"]
    assert "scope" in query["error_description"][0]
    assert query["state"] == ["xyz"]
    assert query["iss"] == [container.settings.public_url.rstrip("/")]
    # A bad state is not echoed.
    answer = await client.get(authorize_url(registered.client.client_id, state="x\x1by"))
    assert "state" not in parse_qs(urlsplit(answer.headers["location"]).query)


async def test_logout_page_names_the_field(client, db):
    zh = await client.get("/oauth/logout", params={"client_id": NUL})
    en = await client.get("/oauth/logout", params={"client_id": NUL, "lang": "en"})
    assert zh.status_code == en.status_code == 400
    assert "client_id" in zh.text and CJK.search(zh.text)
    assert "client_id: Contains control characters" in en.text


async def test_login_form_names_the_identifier_and_counts_no_failure(client, gql, hooks, container):
    await register_person(gql, hooks, container)
    _, form = await open_form(client)
    refused = await submit(client, hooks, form, "zhang\x00san")
    assert refused.status_code == 400
    assert "“登录账号”包含不允许的控制字符" in refused.text
    assert not await AuditEvent.filter(action__startswith="login.").exists()
    # The same form, corrected, logs in: nothing was used up.
    answer = await submit(client, hooks, form, "zhangsan")
    assert answer.status_code == 200, answer.text


async def test_page_query_strings_are_checked_and_graphql_is_left_to_its_guard(client, db):
    page = await client.get("/login", params={"return_to": "/\x01", "lang": "en"})
    assert page.status_code == 400
    assert "return_to: Contains control characters" in page.text
    # GraphQL documents hold line breaks; its arguments are checked by the GraphQL guard.
    document = await client.get("/graphql", params={"query": "{\n  __typename\n}"})
    assert document.status_code == 200
    assert document.json() == {"data": {"__typename": "Query"}}
