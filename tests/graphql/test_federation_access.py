"""The federation fields as a gateway and a stranger meet them over HTTP: with introspection
off the SDL goes only to the gateway (shared secret header) or to everyone when the operator
makes it public; ``_entities`` is bounded per call and rate-limited for anonymous callers,
not for the gateway or a signed-in caller; a bad representation is an error in its place."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.container import Container
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import login, register_person

SECRET = "gateway-secret-0123456789abcdef"
SDL = "{ _service { sdl } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        graphql_introspection=False,
        graphql_gateway_secret=SECRET,
        graphql_max_representations=5,
        graphql_anonymous_entity_calls_per_minute=2,
    )


async def post(
    http: httpx.AsyncClient, query: str, variables: dict | None = None, **headers: str
) -> dict:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={key.replace("_", "-"): value for key, value in headers.items()},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_sdl_is_only_for_the_gateway_when_introspection_is_off(client):
    for language, message in (
        ("zh-CN", "子图架构仅对网关开放（内省已关闭）"),
        ("en", "The subgraph schema is only available to the gateway (introspection is disabled)"),
    ):
        for secret in (None, "wrong", SECRET[:-1]):
            headers = {"accept_language": language}
            if secret:
                headers["x_gateway_secret"] = secret
            body = await post(client, SDL, **headers)
            assert body["data"] is None
            assert [(e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
                ("SDL_NOT_AVAILABLE", message)
            ]
            assert "type Account" not in str(body)
    body = await post(client, SDL, x_gateway_secret=SECRET)
    assert 'type Account @key(fields: "id")' in body["data"]["_service"]["sdl"]


@pytest_asyncio.fixture
async def public(settings, clock, hooks, db):
    """The same service with the SDL made public by the operator."""
    services = Container(
        settings.model_copy(update={"graphql_public_sdl": True}), clock=clock, test_hooks=hooks
    )
    app = create_app(services.settings, services, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as http:
        yield http
    await services.aclose()


async def test_the_operator_may_make_the_sdl_public(public):
    body = await post(public, SDL)
    assert "type NaturalPerson" in body["data"]["_service"]["sdl"]
    introspection = await post(public, "{ __schema { types { name } } }", accept_language="en")
    assert {e["extensions"]["code"] for e in introspection["errors"]} == {"INTROSPECTION_DISABLED"}


async def test_representations_are_bounded_per_call(client):
    too_many = [{"__typename": "Account", "id": "x"}] * 6
    body = await post(client, ENTITIES, {"r": too_many}, x_gateway_secret=SECRET)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "REPRESENTATIONS_TOO_MANY"
    assert error["message"] == "一次最多查询 5 个实体表示"
    body = await post(client, ENTITIES, {"r": too_many[:5]}, x_gateway_secret=SECRET)
    assert body["data"]["_entities"] == [None] * 5


async def test_anonymous_entity_lookups_are_rate_limited(client, gql, hooks, container, clock):
    representation = {"__typename": "Nope"}
    for _ in range(2):
        body = await post(client, ENTITIES, {"r": [representation]})
        assert body["data"]["_entities"] == [None]
        assert body["errors"][0]["extensions"]["code"] == "REPRESENTATION_INVALID"
    body = await post(client, ENTITIES, {"r": [representation]}, accept_language="en")
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfter"] <= 60
    assert "try again in" in error["message"]
    # The gateway and signed-in callers are not counted as anonymous strangers.
    gateway = await post(client, ENTITIES, {"r": [representation]}, x_gateway_secret=SECRET)
    assert gateway["errors"][0]["extensions"]["code"] == "REPRESENTATION_INVALID"
    account_id = (await register_person(gql, hooks, container))["account"]["id"]
    token = (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]
    mine = {"__typename": "Account", "id": account_id}
    signed_in = await post(client, ENTITIES, {"r": [mine]}, authorization=f"Bearer {token}")
    assert signed_in == {"data": {"_entities": [{"id": account_id}]}}
    # A minute later a stranger may look again.
    clock.advance(seconds=61)
    body = await post(client, ENTITIES, {"r": [{"__typename": "Account", "id": "x"}]})
    assert body == {"data": {"_entities": [None]}}


async def test_a_bad_representation_is_refused_in_its_place_not_the_whole_call(client):
    good = {"__typename": "Account", "id": "00000000-0000-4000-8000-000000000000"}
    bad = [
        {"__typename": "Account", "id": "9" * 500},
        {"__typename": "Account", "id": "x\u0000y"},
        {"__typename": "Enterprise", "uscc": ["nested", {"deep": "x" * 300}]},
        "Account",
    ]
    body = await post(
        client, ENTITIES, {"r": [good, *bad]}, x_gateway_secret=SECRET, accept_language="en"
    )
    assert body["data"] == {"_entities": [None] * 5}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", index], "REPRESENTATION_INVALID") for index in range(1, 5)
    ]
    assert "at most 200 characters" in body["errors"][0]["message"]
