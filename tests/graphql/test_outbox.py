"""The admin ``outbox`` query: operators read what was sent; others are refused with codes."""

from __future__ import annotations

from datetime import timedelta

import pytest_asyncio

from identity_graph.accounts.models import Role
from identity_graph.core.audit import AuditContext, AuditEvent
from tests.graphql.helpers import request_code

OUTBOX = """
query Outbox($first: Int!, $after: String, $phone: String) {
  outbox(first: $first, after: $after, phone: $phone) {
    edges {
      cursor
      node { id channel template destination text status delivery { state attempts } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def staff_token(container, name: str, roles: list[Role]) -> str:
    account = await container.accounts.create_staff(
        name, "a long operator password", roles, AuditContext(client_ip="test")
    )
    return await container.sessions.issue_personal_token(
        account, "test", timedelta(days=1), AuditContext()
    )


@pytest_asyncio.fixture
async def admin_token(container) -> str:
    return await staff_token(container, "ops-admin", [Role.ADMIN])


async def test_anonymous_and_non_admin_are_refused(gql, container):
    anonymous = await gql(OUTBOX, {"first": 5}, language="en")
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert anonymous["errors"][0]["message"] == "Please log in first"
    reviewer = await staff_token(container, "reviewer1", [Role.REVIEWER])
    refused = await gql(OUTBOX, {"first": 5}, token=reviewer)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_AUTHORIZED"
    forged = await gql(OUTBOX, {"first": 5}, token="idg_pat_forged")
    assert forged["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_expired_token_is_refused(gql, admin_token, clock):
    clock.advance(days=2)
    body = await gql(OUTBOX, {"first": 5}, token=admin_token)
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_admin_reads_the_outbox_with_delivery_state(
    gql, hooks, container, admin_token, clock
):
    for phone in ("13800000001", "13800000002", "13800000003"):
        await request_code(gql, hooks, phone)
        clock.advance(seconds=1)
    await container.job_worker().run_once()
    body = await gql(OUTBOX, {"first": 2}, token=admin_token)
    page = body["data"]["outbox"]
    assert [edge["node"]["destination"] for edge in page["edges"]] == ["13800000003", "13800000002"]
    node = page["edges"][0]["node"]
    assert node["status"] == "DELIVERED" and node["channel"] == "SMS"
    assert node["delivery"] == {"state": "done", "attempts": 1}
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        OUTBOX, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=admin_token
    )
    assert [e["node"]["destination"] for e in rest["data"]["outbox"]["edges"]] == ["13800000001"]
    assert rest["data"]["outbox"]["pageInfo"]["hasNextPage"] is False


async def test_filter_by_phone(gql, hooks, admin_token):
    await request_code(gql, hooks, "13800000001")
    await request_code(gql, hooks, "13800000002")
    body = await gql(OUTBOX, {"first": 10, "phone": "+86 138 0000 0002"}, token=admin_token)
    edges = body["data"]["outbox"]["edges"]
    assert [edge["node"]["destination"] for edge in edges] == ["13800000002"]


async def test_bad_arguments_name_the_field(gql, admin_token):
    too_many = await gql(OUTBOX, {"first": 1000}, token=admin_token, language="en")
    assert too_many["errors"][0]["extensions"] == {"code": "PAGE_SIZE_INVALID", "field": "first"}
    cursor = await gql(OUTBOX, {"first": 5, "after": "garbage"}, token=admin_token)
    assert cursor["errors"][0]["extensions"]["code"] == "CURSOR_INVALID"
    phone = await gql(OUTBOX, {"first": 5, "phone": "123"}, token=admin_token)
    assert phone["errors"][0]["extensions"] == {"code": "PHONE_INVALID", "field": "phone"}


async def test_list_costs_a_constant_number_of_queries(gql, hooks, container, admin_token, clock):
    """The delivery job of every message comes through one batched DataLoader call."""
    for index in range(5):
        await request_code(gql, hooks, f"1380000001{index}")
        clock.advance(seconds=1)
    calls: list[int] = []
    original = container.jobs.get_many

    async def counting(ids: list[int]):
        calls.append(len(ids))
        return await original(ids)

    container.jobs.get_many = counting  # type: ignore[method-assign]
    body = await gql(OUTBOX, {"first": 5}, token=admin_token)
    assert len(body["data"]["outbox"]["edges"]) == 5
    assert calls == [5]


async def test_staff_creation_is_audited(container):
    await staff_token(container, "audited-admin", [Role.ADMIN])
    actions = [event.action for event in await AuditEvent.all().order_by("id")]
    assert actions == ["staff.created", "token.issued"]
