"""Bad requests at the HTTP and GraphQL level: each gets a 4xx or a GraphQL error with
``extensions.code`` in the caller's language, never a 500 or a stack trace."""

from __future__ import annotations

import pytest

SMS_MUTATION = (
    'mutation { requestSmsCode(input: {purpose: REGISTER, phone: "13812345678", '
    'captchaId: "x", captchaAnswer: "y"}) { __typename } }'
)


def only_error(body: dict) -> dict:
    assert len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert "Traceback" not in str(body)
    return error


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "MALFORMED_JSON"),
        (b"query={captcha{id}}", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b'{"variables": {}}', "application/json", 400, "QUERY_MISSING"),
    ],
)
async def test_bad_bodies(client, content, content_type, status, code):
    response = await client.post(
        "/graphql", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == status
    assert only_error(response.json())["extensions"]["code"] == code


async def test_body_over_the_limit(client, settings):
    body = b'{"query": "' + b" " * (settings.max_body_bytes + 10) + b'{ __typename }"}'
    response = await client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", "accept-language": "en"},
    )
    assert response.status_code == 413
    error = only_error(response.json())
    assert error == {
        "message": "Request body too large",
        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
    }


async def test_mutation_over_get_is_refused(client):
    response = await client.get(
        "/graphql", params={"query": SMS_MUTATION}, headers={"accept": "application/json"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert only_error(response.json())["extensions"]["code"] == "MUTATION_OVER_GET"


async def test_other_methods_are_refused_with_allow(client):
    response = await client.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert only_error(response.json())["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_query_over_get_works(client):
    response = await client.get(
        "/graphql", params={"query": "{ captcha { id } }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["captcha"]["id"]


async def test_unknown_operation(client):
    response = await client.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "B"}
    )
    assert response.status_code == 400
    assert only_error(response.json())["extensions"]["code"] == "UNKNOWN_OPERATION"


async def test_batch_over_the_limit(client, settings):
    batch = [{"query": "{ __typename }"}] * (settings.graphql_max_batch + 1)
    response = await client.post("/graphql", json=batch)
    assert response.status_code == 400
    assert only_error(response.json())["extensions"]["code"] == "TOO_MANY_OPERATIONS"


async def test_batch_within_the_limit(client):
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
    assert response.status_code == 200
    assert [item["data"] for item in response.json()] == [{"__typename": "Query"}] * 3


async def post_with(settings, container, query: str, **overrides) -> dict:
    """Send ``query`` to an app built with changed settings."""
    import httpx

    from identity_graph.app import create_app

    app = create_app(settings.model_copy(update=overrides), container, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as http:
        response = await http.post(
            "/graphql", json={"query": query}, headers={"accept-language": "en"}
        )
    return dict(response.json())


async def test_query_too_deep(settings, container):
    query = "{ outbox { edges { node { delivery { state } } } } }"
    error = only_error(await post_with(settings, container, query, graphql_max_depth=3))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["message"] == "The query is nested too deeply"


async def test_too_many_aliases(gql, settings):
    aliases = " ".join(f"a{i}: __typename" for i in range(settings.graphql_max_aliases + 1))
    error = only_error(await gql("{ " + aliases + " }"))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert error["message"] == "查询使用的别名过多"


async def test_too_many_tokens(gql, settings):
    fields = " ".join("__typename" for _ in range(settings.graphql_max_tokens + 1))
    error = only_error(await gql("{ " + fields + " }"))
    assert error["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_syntax_and_unknown_fields(gql):
    assert only_error(await gql("{ captcha { "))["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    error = only_error(await gql("{ nope }"))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_wrong_variable_type_is_a_validation_error(gql):
    body = await gql(
        "mutation($i: RequestSmsCodeInput!) { requestSmsCode(input: $i) { __typename } }",
        {"i": {"purpose": "NOT_A_PURPOSE", "phone": 1}},
    )
    assert {error["extensions"]["code"] for error in body["errors"]} == {"VARIABLE_INVALID"}
    assert "data" not in body  # a request error: never executed


async def test_unexpected_errors_are_masked(gql, container, monkeypatch):
    async def broken(client_ip: str) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(container.captcha, "issue", broken)
    error = only_error(await gql("{ captcha { id } }", language="en"))
    assert error["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "hunter2" not in error["message"]


async def test_captcha_rate_limit_is_a_coded_error(gql, settings):
    for _ in range(settings.captcha_per_ip_per_minute):
        assert (await gql("{ captcha { id } }"))["data"]["captcha"]["id"]
    error = only_error(await gql("{ captcha { id } }", language="en"))
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "try again in" in error["message"]


async def test_introspection_can_be_disabled(settings, container):
    body = await post_with(
        settings, container, "{ __schema { types { name } } }", graphql_introspection=False
    )
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INTROSPECTION_DISABLED"}


async def test_graphiql_page_is_self_hosted(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "/static/graphiql/graphiql.min.js" in response.text
    assert "unpkg" not in response.text and "jsdelivr" not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200


async def test_federation_subgraph(gql, container):
    sdl = (await gql("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2' in sdl
    assert 'type Account @key(fields: "id")' in sdl
    from identity_graph.accounts.models import Role
    from identity_graph.core.audit import AuditContext

    staff = await container.accounts.create_staff(
        "ops-entity", "correct horse battery", [Role.ADMIN], AuditContext()
    )
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id kind } } }"
    body = await gql(
        query,
        {
            "r": [
                {"__typename": "Account", "id": str(staff.id)},
                {"__typename": "Account", "id": "not-a-uuid"},
            ]
        },
    )
    assert body["data"]["_entities"] == [{"id": str(staff.id), "kind": "STAFF"}, None]


async def test_representations_of_no_entity_type_are_typed_errors_in_place(gql, container):
    from identity_graph.accounts.models import Role
    from identity_graph.core.audit import AuditContext

    staff = await container.accounts.create_staff(
        "ops-entity", "correct horse battery", [Role.ADMIN], AuditContext()
    )
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }"
    known = {"__typename": "Account", "id": str(staff.id)}
    body = await gql(query, {"r": [{"__typename": "Nope"}, known, {"id": "x"}, 42]})
    assert body["data"]["_entities"] == [None, {"id": str(staff.id)}, None, None]
    assert [(e["path"][1], e["extensions"]["code"]) for e in body["errors"]] == [
        (0, "REPRESENTATION_INVALID"),
        (2, "REPRESENTATION_INVALID"),
        (3, "REPRESENTATION_INVALID"),
    ]


@pytest.mark.parametrize(
    "body", [b"42", b'"x"', b"null", b"true", b'[1, "x", null]', b"[]", b'[{"query": "{ a }"}, 1]']
)
async def test_a_body_that_is_not_an_object_is_a_typed_400(client, body):
    for language, message in (
        ("zh-CN", "请求须为 JSON 对象（批量请求为对象数组）"),
        ("en", "The request must be a JSON object (a batch: a non-empty list of objects)"),
    ):
        response = await client.post(
            "/graphql",
            content=body,
            headers={"content-type": "application/json", "accept-language": language},
        )
        assert response.status_code == 400
        error = only_error(response.json())
        assert error["extensions"]["code"] == "REQUEST_NOT_OBJECT"
        assert error["message"] == message


@pytest.mark.parametrize(
    ("operation", "member"),
    [
        ({"query": 42}, "query"),
        ({"query": "{ __typename }", "variables": 3}, "variables"),
        ({"query": "{ __typename }", "variables": [1]}, "variables"),
        ({"query": "{ __typename }", "operationName": ["x"]}, "operationName"),
        ({"query": "{ __typename }", "extensions": "x"}, "extensions"),
    ],
)
async def test_each_operation_of_a_batch_is_checked_like_a_single_one(client, operation, member):
    for body in (operation, [{"query": "{ __typename }"}, operation]):
        response = await client.post("/graphql", json=body)
        assert response.status_code == 400, body
        error = only_error(response.json())
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert f"`{member}`" in error["extensions"]["detail"]


async def test_json_inside_get_and_multipart_requests_must_be_objects(client):
    got = await client.get("/graphql", params={"query": "{ __typename }", "variables": "42"})
    multipart = await client.post(
        "/graphql", data={"operations": "null", "map": "{}"}, files={"0": ("a.png", b"x")}
    )
    for response in (got, multipart):
        assert response.status_code == 400
        assert only_error(response.json())["extensions"]["code"] == "REQUEST_NOT_OBJECT"
