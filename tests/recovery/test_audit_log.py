"""``auditLog`` (admin): the events the service writes, filtered by account, event type and
time, paged as a Relay connection; refused to anyone else."""

from __future__ import annotations

from datetime import timedelta

from identity_graph.accounts.models import Role
from tests.graphql.accounts_helpers import register_person
from tests.graphql.test_clients_admin import staff_token
from tests.recovery.reset_helpers import complete, received_code, start_person

AUDIT = """
query Audit($first: Int!, $after: String, $account: ID, $action: String,
            $since: DateTime, $until: DateTime) {
  auditLog(first: $first, after: $after, accountId: $account, action: $action,
           since: $since, until: $until) {
    edges { cursor node { id at action actorId subjectType subjectId clientIp outcome
                          details { name value } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _reset_once(gql, hooks, container) -> str:
    registered = await register_person(gql, hooks, container)
    started = await start_person(gql, hooks)
    await complete(gql, started["flowId"], await received_code(container, "13812345678"))
    return str(registered["account"]["id"])


async def test_admin_filters_and_pages(gql, hooks, container, clock):
    account_id = await _reset_once(gql, hooks, container)
    admin = await staff_token(container, Role.ADMIN)

    body = await gql(
        AUDIT, {"first": 10, "account": account_id, "action": "account.password_reset"}, token=admin
    )
    edges = body["data"]["auditLog"]["edges"]
    assert len(edges) == 1, body
    node = edges[0]["node"]
    assert node["subjectId"] == account_id and node["outcome"] == "success"
    details = {item["name"]: item["value"] for item in node["details"]}
    assert details["reason"] == "forgotten" and details["kind"] == "natural_person"
    assert node["clientIp"] == "203.0.113.7"

    everything = await gql(AUDIT, {"first": 1, "account": account_id}, token=admin)
    first_page = everything["data"]["auditLog"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    seen = [first_page["edges"][0]["node"]["id"]]
    after = first_page["pageInfo"]["endCursor"]
    while after:
        page = (await gql(AUDIT, {"first": 1, "account": account_id, "after": after}, token=admin))[
            "data"
        ]["auditLog"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert seen == sorted(seen, key=int, reverse=True) and len(seen) == len(set(seen)) >= 3

    later = (clock.now() + timedelta(minutes=1)).isoformat()
    none = await gql(AUDIT, {"first": 10, "account": account_id, "since": later}, token=admin)
    assert none["data"]["auditLog"]["edges"] == []
    before = await gql(AUDIT, {"first": 10, "account": account_id, "until": later}, token=admin)
    assert len(before["data"]["auditLog"]["edges"]) == len(seen)


async def test_refusals_and_bad_arguments(gql, hooks, container):
    anonymous = await gql(AUDIT, {"first": 5})
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    reviewer = await staff_token(container, Role.REVIEWER)
    refused = await gql(AUDIT, {"first": 5}, token=reviewer, language="en")
    assert refused["errors"][0]["extensions"]["code"] == "NOT_AUTHORIZED"
    admin = await staff_token(container, Role.ADMIN)
    bad_cursor = await gql(AUDIT, {"first": 5, "after": "bm9wZQ=="}, token=admin)
    assert bad_cursor["errors"][0]["extensions"] == {"code": "CURSOR_INVALID", "field": "after"}
    bad_size = await gql(AUDIT, {"first": 0}, token=admin, language="en")
    assert bad_size["errors"][0]["extensions"]["code"] == "PAGE_SIZE_INVALID"
    bad_account = await gql(AUDIT, {"first": 5, "account": "nope"}, token=admin)
    assert bad_account["errors"][0]["extensions"] == {
        "code": "INVALID_FORMAT",
        "field": "accountId",
    }
