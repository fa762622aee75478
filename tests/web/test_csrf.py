"""The pages' CSRF cookie is a signed double submit bound to the browser's login session,
``__Host-`` prefixed over https; https sites send HSTS (``web/csrf.py``, SPEC §11)."""

from __future__ import annotations

import httpx
import pytest

from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.sessions.browser import COOKIE as SESSION_COOKIE
from tests.graphql.accounts_helpers import register_person
from tests.web.test_login_page import open_form, submit

pytestmark = pytest.mark.postgres


@pytest.fixture
async def https(db, settings, clock, hooks):
    """The app with an https public URL, as deployed behind TLS: its client and container."""
    secure = settings.model_copy(update={"public_url": "https://testserver"})
    services = Container(secure, clock=clock, test_hooks=hooks)
    app = create_app(secure, services, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http, services
    await services.aclose()


async def test_over_https_the_cookie_is_host_prefixed_and_hsts_is_sent(https, hooks):
    https_client, services = https

    async def gql(query, variables=None, **_):
        response = await https_client.post(
            "/graphql", json={"query": query, "variables": variables}
        )
        return response.json()

    await register_person(gql, hooks, services)
    page = await https_client.get("/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-idg_csrf=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    api = await https_client.post("/graphql", json={"query": "{ __typename }"})
    assert api.headers["strict-transport-security"] == "max-age=31536000"
    _, form = await open_form(https_client)
    answer = await submit(https_client, hooks, form, "zhangsan")
    assert answer.status_code == 200, answer.text
    # A cookie without the prefix (what a sibling subdomain could set) is not read.
    https_client.cookies.clear()
    https_client.cookies.set("idg_csrf", form["csrf_token"], domain="testserver")
    assert (await submit(https_client, hooks, form, "zhangsan")).status_code == 403


async def test_over_plain_http_no_prefix_and_no_hsts(client, db):
    page = await client.get("/login")
    assert page.headers["set-cookie"].startswith("idg_csrf=")
    assert "Secure" not in page.headers["set-cookie"]
    assert "strict-transport-security" not in page.headers


@pytest.mark.parametrize("token", ["same-value-in-both", "abc.def", "x" * 32 + "." + "0" * 64])
async def test_a_planted_cookie_with_a_matching_form_value_is_refused(
    client, gql, hooks, container, token
):
    """Naive double submit accepted any pair of equal values; the MAC must be ours."""
    await register_person(gql, hooks, container)
    _, form = await open_form(client)
    client.cookies.set("idg_csrf", token, domain="testserver")
    answer = await submit(client, hooks, {**form, "csrf_token": token}, "zhangsan")
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.cookies


async def test_a_token_is_bound_to_the_browser_session(client, gql, hooks, container):
    """A valid token from one browser fails in another that is logged in."""
    await register_person(gql, hooks, container)
    _, anonymous = await open_form(client)  # e.g. an attacker's own, valid, token
    logged_in = await submit(client, hooks, anonymous, "zhangsan")
    assert logged_in.status_code == 200
    assert client.cookies.get(SESSION_COOKIE)
    client.cookies.set("idg_csrf", anonymous["csrf_token"], domain="testserver")
    _, fresh = await open_form(client)
    replanted = {**fresh, "csrf_token": anonymous["csrf_token"]}
    client.cookies.set("idg_csrf", anonymous["csrf_token"], domain="testserver")
    assert (await submit(client, hooks, replanted, "zhangsan")).status_code == 403
    # The page's own token for this browser works.
    _, mine = await open_form(client)
    assert (await submit(client, hooks, mine, "zhangsan")).status_code == 200
