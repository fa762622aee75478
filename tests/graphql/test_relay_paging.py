"""Relay paging as a client pages: forwards with ``first``/``after``, backwards with
``last``/``before``, ``pageInfo`` with both ends and cursors, and typed errors for a bad
size or a cursor from elsewhere (``myConsents``, a list once returned whole)."""

from __future__ import annotations

import base64
import uuid

import pytest

from identity_graph.core.audit import AuditContext
from tests.graphql.accounts_helpers import login, register_person

MINE = """query($first: Int, $after: String, $last: Int, $before: String) {
  myConsents(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { clientId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.fixture
async def person(gql, hooks, container, clock):
    """A person who allowed five systems, one minute apart (newest first: sys-4 … sys-0)."""
    account_id = (await register_person(gql, hooks, container))["account"]["id"]
    for index in range(5):
        clock.advance(minutes=1)
        await container.consents.remember(
            uuid.UUID(account_id), f"sys-{index}", {"openid"}, AuditContext()
        )
    return (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]


async def page(gql, token, **arguments):
    body = await gql(MINE, arguments, token=token, language="en")
    assert "errors" not in body, body
    connection = body["data"]["myConsents"]
    return [e["node"]["clientId"] for e in connection["edges"]], connection["pageInfo"]


async def test_forwards_and_backwards(gql, person):
    everything, info = await page(gql, person)
    assert everything == ["sys-4", "sys-3", "sys-2", "sys-1", "sys-0"]
    assert info["hasNextPage"] is False and info["hasPreviousPage"] is False

    first, info = await page(gql, person, first=2)
    assert first == ["sys-4", "sys-3"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    second, info = await page(gql, person, first=2, after=info["endCursor"])
    assert second == ["sys-2", "sys-1"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, True)
    middle_start = info["startCursor"]

    back, info = await page(gql, person, last=1, before=middle_start)
    assert back == ["sys-3"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, True)
    tail, info = await page(gql, person, last=2)
    assert tail == ["sys-1", "sys-0"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (False, True)
    between, _ = await page(gql, person, after=info["startCursor"], before=info["endCursor"])
    assert between == []


@pytest.mark.parametrize(
    ("arguments", "code", "field"),
    [
        ({"first": 0}, "PAGE_SIZE_INVALID", "first"),
        ({"last": 101}, "PAGE_SIZE_INVALID", "last"),
        ({"after": "nonsense!"}, "CURSOR_INVALID", "after"),
        (
            {"before": base64.urlsafe_b64encode(b"consent:sys-9").decode()},
            "CURSOR_INVALID",
            "before",
        ),
        ({"after": base64.urlsafe_b64encode(b"outbox:5").decode()}, "CURSOR_INVALID", "after"),
    ],
)
async def test_bad_paging_arguments_are_typed_errors(gql, person, arguments, code, field):
    body = await gql(MINE, arguments, token=person, language="en")
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


KEYSET = """query($first: Int!, $after: String) { infoUpdateRecords(first: $first, after: $after) {
  edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_keyset_pages_name_both_ends(gql, hooks, container):
    from tests.graphql.test_update_profile import resident, update_person

    _, token = await resident(gql, hooks, container)
    for job in ("教师", "工人"):
        assert (await update_person(gql, token, occupation=job))["__typename"] == (
            "NaturalPersonUpdated"
        )
    first = (await gql(KEYSET, {"first": 1}, token=token))["data"]["infoUpdateRecords"]
    cursor = first["edges"][0]["cursor"]
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": cursor,
        "endCursor": cursor,
    }
    second = (await gql(KEYSET, {"first": 5, "after": cursor}, token=token))["data"][
        "infoUpdateRecords"
    ]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"]
    assert second["pageInfo"]["hasNextPage"] is False
