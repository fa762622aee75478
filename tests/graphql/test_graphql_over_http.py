"""GraphQL over HTTP as other clients speak it: the graphql-http audit (Node, pinned) runs
against the service on a real port and every MUST and SHOULD passes; the media type
``application/graphql-response+json`` answers request errors with 400 and no ``data``; a
document with several operations and no ``operationName`` is a request error."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from tests.graphql.node_clients_helper import node_clients
from tests.web.live import bound_socket, serving, url_of

NEW = "application/graphql-response+json"
TWO_OPERATIONS = "query A { __typename } query B { captcha { id } }"


@pytest.fixture
def server_socket() -> socket.socket:
    return bound_socket()


@pytest_asyncio.fixture
async def served(container, settings, server_socket) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, server_socket)]):
        yield url_of(server_socket) + "/graphql"


async def test_the_graphql_http_audit_passes_every_must_and_should(served):
    folder = await asyncio.to_thread(node_clients)
    process = await asyncio.create_subprocess_exec(
        "node",
        "audit.mjs",
        served,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    results = json.loads(stdout)
    assert len(results) > 50  # the whole suite ran
    failed = [
        (result["name"], result["status"], result["reason"])
        for result in results
        if result["name"].startswith(("MUST", "SHOULD")) and result["status"] != "ok"
    ]
    assert failed == []


async def post(client, body: dict, accept: str | None = None, language: str = "en"):
    headers = {"accept-language": language}
    if accept:
        headers["accept"] = accept
    return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media_type", "status"),
    [
        (None, "application/json", 200),
        ("*/*", "application/json", 200),
        ("application/json", "application/json", 200),
        (NEW, NEW, 400),
        (f"{NEW}, application/json;q=0.9", NEW, 400),
        (f"application/json, {NEW};q=0.5", "application/json", 200),
        (f"{NEW};q=0", "application/json", 200),
    ],
)
async def test_several_operations_without_a_name_are_a_request_error(
    client, db, accept, media_type, status
):
    response = await post(client, {"query": TWO_OPERATIONS}, accept)
    assert response.status_code == status
    assert response.headers["content-type"].split(";")[0] == media_type
    body = response.json()
    assert "data" not in body
    assert [(e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        (
            "OPERATION_NAME_REQUIRED",
            "The document has several operations: send the name of the one to run with the request",
        )
    ]
    named = await post(client, {"query": TWO_OPERATIONS, "operationName": "A"}, accept)
    assert named.status_code == 200
    assert named.json() == {"data": {"__typename": "Query"}}


async def test_request_errors_under_the_new_media_type(client, db):
    cases = [
        ("{ __typename", "GRAPHQL_PARSE_FAILED", {}),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED", {}),
        ("query($a: Int!) { __typename }", "VARIABLE_UNUSED", {}),
        (
            "mutation($i: RequestSmsCodeInput!) { requestSmsCode(input: $i) { __typename } }",
            "VARIABLE_INVALID",
            {"i": {"purpose": "NOPE"}},
        ),
    ]
    for query, code, variables in cases:
        response = await post(client, {"query": query, "variables": variables}, NEW, "zh-CN")
        assert response.status_code == 400, (query, response.text)
        assert response.headers["content-type"] == f"{NEW}; charset=utf-8"
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == code, body
        # application/json keeps 200, also without data.
        legacy = await post(client, {"query": query, "variables": variables}, "application/json")
        assert legacy.status_code == 200 and "data" not in legacy.json()


async def test_field_errors_keep_200_and_data_under_the_new_media_type(client, db):
    response = await post(client, {"query": "{ me { id } }"}, NEW)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(NEW)
    body = response.json()
    assert "data" in body and body["errors"][0]["path"] == ["me"]


async def test_a_batch_keeps_200_and_marks_only_its_failed_operation(client, db):
    response = await client.post(
        "/graphql",
        json=[{"query": "{ __typename }"}, {"query": "{ nope }"}],
        headers={"accept": NEW},
    )
    assert response.status_code == 200
    first, second = response.json()
    assert first == {"data": {"__typename": "Query"}}
    assert "data" not in second and second["errors"][0]["extensions"]["code"]
