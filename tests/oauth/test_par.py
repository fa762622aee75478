"""Pushed authorization requests (RFC 9126): checked when pushed, answered once, short-lived,
bound to the client that pushed them; ``prompt=login`` inside one is met by one login."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.graphql.accounts_helpers import register_person
from tests.oauth.helpers import basic
from tests.oauth.test_authorization_code import REDIRECT, VERIFIER, s256
from tests.web.test_authorize import exchange, refresh_target, web_client
from tests.web.test_login_page import open_form, submit

PAR = "/oauth/par"


def request_params(**extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "pushed",
        "nonce": "n-1",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }


async def push(client, registered, **extra: str):
    return await client.post(
        PAR,
        data=request_params(**extra),
        headers=basic(registered.client.client_id, registered.secret),
    )


def authorize(client_id: str, request_uri: str) -> str:
    return "/oauth/authorize?" + urlencode({"client_id": client_id, "request_uri": request_uri})


async def test_push_then_authorize_with_the_request_uri_alone(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    registered = await web_client(container, first_party=True)
    client_id = registered.client.client_id
    pushed = await push(client, registered, prompt="login")
    assert pushed.status_code == 201, pushed.text
    assert pushed.headers["cache-control"] == "no-store"
    body = pushed.json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert body["expires_in"] == 300

    first = await client.get(authorize(client_id, body["request_uri"]))
    assert first.status_code == 303 and first.headers["location"].startswith("/login?")
    return_to = parse_qs(urlsplit(first.headers["location"]).query)["return_to"][0]
    assert "redirect_uri" not in return_to  # the browser carries the reference only
    _, form = await open_form(client, return_to=return_to)
    logged_in = await submit(client, hooks, form, "zhangsan")
    # prompt=login was met by this login: no second round.
    back = await client.get(refresh_target(logged_in.text))
    assert back.status_code == 302, back.text
    params = parse_qs(urlsplit(back.headers["location"]).query)
    assert params["state"] == ["pushed"]
    tokens = await exchange(client, params["code"][0], client_id, registered.secret)
    assert tokens.status_code == 200, tokens.text

    again = await client.get(authorize(client_id, body["request_uri"]))
    assert again.status_code == 400 and "location" not in again.headers


async def test_bad_pushes_are_refused_at_once(client, container):
    registered = await web_client(container)
    wrong_secret = await client.post(
        PAR, data=request_params(), headers=basic(registered.client.client_id, "nope")
    )
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    cases = [
        ({"request_uri": "urn:ietf:params:oauth:request_uri:x"}, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
        ({"redirect_uri": ""}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"client_id": "idg-someone-else"}, "invalid_request"),
    ]
    for extra, error in cases:
        answer = await push(client, registered, **extra)
        assert answer.status_code == 400, (extra, answer.text)
        assert answer.json()["error"] == error, (extra, answer.text)


async def test_pushed_requests_expire_and_belong_to_their_client(client, container, clock):
    registered = await web_client(container)
    other = await web_client(container, name="另一个系统")
    request_uri = (await push(client, registered)).json()["request_uri"]
    stolen = await client.get(authorize(other.client.client_id, request_uri))
    assert stolen.status_code == 400 and "location" not in stolen.headers
    clock.advance(timedelta(seconds=301))
    late = await client.get(authorize(registered.client.client_id, request_uri))
    assert late.status_code == 400 and "location" not in late.headers
