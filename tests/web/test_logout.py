"""RP-initiated logout and back-channel logout: one logout ends the session for every
partner site, each told with a signed logout token delivered through the jobs outbox."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.core.jobs import Job
from identity_graph.sessions.logout import LOGOUT_EVENT
from tests.graphql.accounts_helpers import register_person
from tests.web.test_authorize import authorize_url, exchange, log_in, web_client
from tests.web.test_login_page import hidden

AFTER_LOGOUT = "https://rp.example.cn/logged-out"


class Receiver:
    """A partner site's back-channel endpoint."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.url = ""
        self.fail_next = 0

    async def endpoint(self, request: Request) -> Response:
        if self.fail_next:
            self.fail_next -= 1
            return Response(status_code=503)
        self.tokens.append(str((await request.form())["logout_token"]))
        return Response(status_code=200)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    fake = Receiver()
    app = Starlette(routes=[Route("/backchannel", fake.endpoint, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    pause = threading.Event()
    for _ in range(500):
        if server.started:
            break
        pause.wait(0.01)
    fake.url = f"http://127.0.0.1:{port}/backchannel"
    yield fake
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


async def signed_in_with_two_clients(client, hooks, gql, container, receiver):
    await register_person(gql, hooks, container)
    clients = []
    for name in ("不动产登记", "公积金"):
        registered = await web_client(
            container,
            name=name,
            first_party=True,
            backchannel_logout_uri=receiver.url,
            post_logout_redirect_uris=[AFTER_LOGOUT],
        )
        clients.append(registered)
    next_url = await log_in(client, hooks, authorize_url(clients[0].client.client_id))
    id_tokens = []
    for index, registered in enumerate(clients):
        url = next_url if index == 0 else authorize_url(registered.client.client_id)
        back = await client.get(url)
        assert back.status_code == 302, back.text  # the second one needs no password
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        tokens = await exchange(client, code, registered.client.client_id, registered.secret)
        id_tokens.append(tokens.json()["id_token"])
    return clients, id_tokens


async def test_one_logout_reaches_both_clients(client, hooks, gql, container, receiver):
    receiver.tokens.clear()
    clients, id_tokens = await signed_in_with_two_clients(client, hooks, gql, container, receiver)
    answer = await client.get(
        "/oauth/logout",
        params={
            "id_token_hint": id_tokens[0],
            "post_logout_redirect_uri": AFTER_LOGOUT,
            "state": "s1",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["location"] == AFTER_LOGOUT + "?state=s1"
    assert await container.browser_sessions.read(client.cookies.get("idg_sso")) is None

    receiver.fail_next = 1  # the first delivery fails and is retried
    worker = container.job_worker()
    await worker.run_once()
    container.clock.advance(seconds=600)
    await worker.run_once()
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    audiences = set()
    session_ids = set()
    for token in receiver.tokens:
        decoded = jwt.decode(token, keys)
        assert decoded.header["typ"] == "logout+jwt"
        claims = decoded.claims
        assert LOGOUT_EVENT in claims["events"] and "nonce" not in claims
        audiences.add(claims["aud"])
        session_ids.add(claims["sid"])
    assert audiences == {registered.client.client_id for registered in clients}
    assert len(session_ids) == 1
    assert await Job.filter(kind="oauth.backchannel_logout", state="done").count() == 2


async def test_logout_without_hint_asks_first_and_bad_requests_do_nothing(
    client, hooks, gql, container, receiver
):
    clients, id_tokens = await signed_in_with_two_clients(client, hooks, gql, container, receiver)
    evil = await client.get(
        "/oauth/logout",
        params={"id_token_hint": id_tokens[0], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert evil.status_code == 400 and "location" not in evil.headers
    header, payload, signature = id_tokens[0].split(".")
    tampered = await client.get(
        "/oauth/logout", params={"id_token_hint": f"{header}.{payload}x.{signature}"}
    )
    assert tampered.status_code == 400
    assert await container.browser_sessions.read(client.cookies.get("idg_sso")) is not None

    confirm = await client.get("/oauth/logout")
    assert confirm.status_code == 200 and "确定退出吗" in confirm.text
    no_csrf = await client.post("/oauth/logout/confirm", data={"csrf_token": "x" * 43})
    assert no_csrf.status_code == 400
    done = await client.post(
        "/oauth/logout/confirm",
        data={
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "client_id": clients[1].client.client_id,
            "post_logout_redirect_uri": AFTER_LOGOUT,
        },
    )
    assert done.status_code == 200 and AFTER_LOGOUT in done.text
    assert await container.browser_sessions.read(client.cookies.get("idg_sso")) is None
