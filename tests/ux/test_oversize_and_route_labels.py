"""Bodies over the limit answered in each route's own shape, routes labelled by their
template in the request log and /metrics, and the request id on every log record
(issue 14, "Correctness seen by users")."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from identity_graph.observability import RequestMiddleware

LIMIT = 2048
BIG = {"padding": "x" * (LIMIT * 2)}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"max_body_bytes": LIMIT})


async def _chunks():
    for _ in range(4):
        yield b"a=" + b"x" * LIMIT + b"&"


@pytest.mark.parametrize("path", ["/login", "/register", "/oauth/authorize", "/oauth/logout"])
async def test_a_page_answers_an_html_page_in_the_users_language(client, path):
    zh = await client.post(path, data=BIG)
    en = await client.post(path, data=BIG, headers={"Accept-Language": "en"})

    assert zh.status_code == 413 and zh.headers["content-type"].startswith("text/html")
    assert "请求体过大" in zh.text and "<html" in zh.text and "errors" not in zh.text
    assert en.status_code == 413 and "Request body too large" in en.text


@pytest.mark.parametrize(
    "path", ["/oauth/token", "/oauth/introspect", "/oauth/revoke", "/oauth/userinfo"]
)
async def test_an_oauth_endpoint_answers_an_oauth_error_body(client, path):
    declared = await client.post(path, data=BIG)
    streamed = await client.post(
        path, content=_chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["cache-control"] == "no-store"
        body = answer.json()
        assert body["error"] == "invalid_request" and "errors" not in body
        assert body["error_description"] == "请求体过大"


async def test_graphql_keeps_its_own_shape(client):
    answer = await client.post("/graphql", json={"query": "{ __typename }", **BIG})

    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_metrics_label_pages_and_oauth_routes_by_template(client):
    await client.get("/login")
    await client.post("/oauth/token", data={"grant_type": "nope"})
    await client.get(f"/verification/result/{uuid.uuid4()}")
    await client.get("/no/such/page")
    await client.get("/static/captcha.js")

    text = (await client.get("/metrics")).text
    routes = {
        line.split('route="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("idg_http_requests_total{")
    }

    assert {"/login", "/oauth/token", "/verification/result/{session_id}", "/static"} <= routes
    assert "other" in routes  # the unmatched path, and only that kind
    assert not any(str(part) in "".join(routes) for part in ("nope", "no/such"))


async def test_request_log_names_the_route_template(client, caplog):
    caplog.set_level(logging.INFO, "identity_graph.http")
    answer = await client.get(f"/verification/result/{uuid.uuid4()}")

    line = next(r for r in caplog.records if r.name == "identity_graph.http")
    assert line.route == "/verification/result/{session_id}"  # type: ignore[attr-defined]
    assert line.request_id == answer.headers["x-request-id"]  # type: ignore[attr-defined]


async def test_every_record_written_during_a_request_carries_its_id(caplog):
    caplog.set_level(logging.INFO)

    async def endpoint(request: Request) -> PlainTextResponse:
        logging.getLogger("identity_graph.somewhere").warning("inside the request")
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/things/{thing_id}", endpoint)],
        middleware=[
            Middleware(
                RequestMiddleware, max_body=LIMIT, max_upload_body=LIMIT, translate=lambda *a: ""
            )
        ],
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        first = await http.get("/things/1")
        second = await http.get("/things/2")
    logging.getLogger("identity_graph.somewhere").warning("outside any request")

    inside = [r for r in caplog.records if r.getMessage() == "inside the request"]
    assert [r.request_id for r in inside] == [  # type: ignore[attr-defined]
        first.headers["x-request-id"],
        second.headers["x-request-id"],
    ]
    outside = next(r for r in caplog.records if r.getMessage() == "outside any request")
    assert not hasattr(outside, "request_id")
    lines = [r for r in caplog.records if r.name == "identity_graph.http"]
    assert {r.route for r in lines} == {"/things/{thing_id}"}  # type: ignore[attr-defined]
