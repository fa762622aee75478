"""The document budget: depth, aliases, complexity and repeated fields are measured in time
linear in the document and refused before graphql-core's own (partly quadratic) validation;
a request past its time budget is cut off with a typed error (issue 15)."""

from __future__ import annotations

import time

import pytest

from tests.graphql.test_transport import only_error, post_with


def fragment_bomb(levels: int) -> str:
    """``F0`` spreads ``F1`` twice, … : 2**levels fields once expanded, ~30 bytes a level."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {chain} fragment F{levels} on Query {{ __typename }}"


async def test_the_fragment_bomb_is_refused_at_once(client):
    # Forty levels would expand to 2**40 fields; the old depth and alias limiters took
    # 25 s at 22 levels and doubled per level. Measured here: milliseconds.
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": fragment_bomb(40)}, headers={"accept-language": "en"}
    )
    elapsed = time.perf_counter() - started
    error = only_error(response.json())
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["message"] == "The query selects too many fields once its fragments are expanded"
    assert "data" not in response.json()  # a request error: never executed
    assert elapsed < 2.0, elapsed  # generous: the point is seconds-vs-hours, not a benchmark


async def test_a_small_fragment_diamond_still_runs(gql):
    body = await gql(fragment_bomb(3))
    assert body == {"data": {"__typename": "Query"}}


async def test_complexity_counts_every_expansion(settings, container):
    # Two direct fields and three in F, spread twice (directly and through G): 2 + 2 * 3 = 8.
    query = (
        "query { a: __typename ...F b: __typename ...G } "
        "fragment F on Query { c: __typename d: __typename e: __typename } "
        "fragment G on Query { ...F }"
    )
    body = await post_with(settings, container, query, graphql_max_complexity=7)
    assert only_error(body)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    body = await post_with(settings, container, query, graphql_max_complexity=8)
    assert body["data"] == {"a": "Query", "b": "Query", "c": "Query", "d": "Query", "e": "Query"}


@pytest.mark.parametrize(
    "query",
    [
        "{" + " me { id }" * 21 + "}",
        "{"
        + "".join(f" ...A{i}" for i in range(21))
        + " }"
        + "".join(f" fragment A{i} on Query {{ me {{ id }} }}" for i in range(21)),
    ],
    ids=["direct", "through-fragments"],
)
async def test_a_field_repeated_past_the_limit_is_refused(gql, query):
    error = only_error(await gql(query, language="en"))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_depth_counts_through_fragments_once(settings, container):
    query = (
        "query { ...A } fragment A on Query { outbox { ...B } } "
        "fragment B on OutboxMessageConnection { edges { node { delivery { state } } } }"
    )
    error = only_error(await post_with(settings, container, query, graphql_max_depth=3))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_aliases_count_every_spread(settings, container):
    query = "query { ...A ...B } fragment A on Query { x: __typename } fragment B on Query { ...A }"
    # A's alias appears once in the result, but it is selected (and paid for) twice.
    body = await post_with(settings, container, query, graphql_max_aliases=1)
    assert only_error(body)["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_a_fragment_cycle_is_a_validation_error_not_a_hang(gql):
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    error = only_error(await gql(query))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_nesting_past_the_parser_is_too_deep(gql):
    error = only_error(await gql("{" + " me {" * 600 + " id" + " }" * 601))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_unused_variable_has_its_own_code(gql):
    error = only_error(await gql("query Q($x: String) { __typename }", language="en"))
    assert error["extensions"]["code"] == "VARIABLE_UNUSED"
    assert error["message"] == "A declared variable is never used"


async def test_the_full_introspection_query_is_within_budget(gql):
    from graphql import get_introspection_query

    body = await gql(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_request_past_its_time_budget_is_cut_off(settings, container, monkeypatch):
    import asyncio

    import httpx

    from identity_graph.app import create_app

    async def stuck(client_ip: str) -> None:  # a dependency that never answers
        await asyncio.sleep(30)

    monkeypatch.setattr(container.captcha, "issue", stuck)
    app = create_app(
        settings.model_copy(update={"graphql_timeout_seconds": 0.2}),
        container,
        manage_database=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as http:
        response = await http.post(
            "/graphql", json={"query": "{ captcha { id } }"}, headers={"accept-language": "en"}
        )
    assert response.status_code == 503
    error = only_error(response.json())
    assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "too long" in error["message"]
