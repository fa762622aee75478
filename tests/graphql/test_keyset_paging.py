"""Relay paging both ways on the database-backed connections (issue 14): ``clients`` and
``services`` (oldest first), ``jobs``, ``outbox``, ``auditLog`` and ``infoUpdateRecords``
(newest first), ``appeals`` and ``reviewQueue`` (due date, then id) and ``myAgents``
(created_at, id) paged
forwards with ``first``/``after`` and backwards with ``last``/``before`` over HTTP, every
page's items and ``pageInfo`` checked exactly, and typed errors for bad arguments."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from identity_graph.accounts.models import Role
from identity_graph.clients.service import ClientRegistration
from identity_graph.core.audit import AuditContext
from identity_graph.notifications.models import Channel
from tests.graphql.test_outbox import staff_token

ARGS = "$first: Int, $after: String, $last: Int, $before: String"
PASS = "first: $first, after: $after, last: $last, before: $before"
INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
CLIENTS = f"query({ARGS}) {{ clients({PASS}) {{ edges {{ cursor node {{ name }} }} {INFO} }} }}"
JOBS = (
    f"query({ARGS}) {{ jobs(kind: \"paging.demo\", {PASS}) "
    f"{{ edges {{ cursor node {{ id }} }} {INFO} }} }}"
)
OUTBOX = (
    f"query({ARGS}) {{ outbox({PASS}) "
    f"{{ edges {{ cursor node {{ destination }} }} {INFO} }} }}"
)
SERVICES = (
    f"query({ARGS}) {{ services(clientId: $client, {PASS}) "
    f"{{ edges {{ cursor node {{ code }} }} {INFO} }} }}"
).replace("query(", "query($client: String, ", 1)
AUDIT = (
    f"query({ARGS}) {{ auditLog(action: \"paging.checked\", {PASS}) "
    f"{{ edges {{ cursor node {{ subjectId }} }} {INFO} }} }}"
)
APPEALS = (
    f"query({ARGS}) {{ appeals({PASS}) "
    f"{{ edges {{ cursor node {{ id number dueOn }} }} {INFO} }} }}"
)
REVIEWS = (
    f"query({ARGS}) {{ reviewQueue({PASS}) "
    f"{{ edges {{ cursor node {{ id dueOn }} }} {INFO} }} }}"
)
AGENTS = (
    f"query({ARGS}) {{ myAgents({PASS}) "
    f"{{ edges {{ cursor node {{ id person {{ name }} }} }} {INFO} }} }}"
)
RECORDS = (
    f"query({ARGS}) {{ infoUpdateRecords({PASS}) "
    f"{{ edges {{ cursor node {{ changes {{ field newValue }} }} }} {INFO} }} }}"
)

Page = tuple[list[Any], list[str], dict[str, Any]]
Fetch = Callable[..., Awaitable[Page]]


def fetcher(
    gql, document: str, field: str, token: str, item: Callable[[Any], Any], **fixed: Any
) -> Fetch:
    async def fetch(**arguments: Any) -> Page:
        body = await gql(document, {**fixed, **arguments}, token=token, language="en")
        assert "errors" not in body, body
        connection = body["data"][field]
        edges = connection["edges"]
        return (
            [item(edge["node"]) for edge in edges],
            [edge["cursor"] for edge in edges],
            connection["pageInfo"],
        )

    return fetch


def info(cursors: list[str], *, next_page: bool, previous_page: bool) -> dict[str, Any]:
    return {
        "hasNextPage": next_page,
        "hasPreviousPage": previous_page,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


async def walk(fetch: Fetch, expected: list[Any], size: int = 2) -> None:
    """Page through ``expected`` forwards, then backwards from the end, then check the
    mixed forms (``first`` with ``before``, ``last`` with ``after``)."""
    count = len(expected)
    assert count > 2 * size  # more than two pages each way
    cursor_of: dict[Any, str] = {}
    after = None
    for start in range(0, count, size):
        items, cursors, page_info = await fetch(first=size, after=after)
        assert items == expected[start : start + size]
        assert page_info == info(
            cursors, next_page=start + size < count, previous_page=after is not None
        )
        cursor_of.update(zip(items, cursors, strict=True))
        after = page_info["endCursor"]

    before, end = None, count
    while end > 0:
        start = max(0, end - size)
        items, cursors, page_info = await fetch(last=size, before=before)
        assert items == expected[start:end]
        assert cursors == [cursor_of[item] for item in items]  # the same cursor both ways
        assert page_info == info(cursors, next_page=before is not None, previous_page=start > 0)
        before, end = page_info["startCursor"], start

    # Between two cursors: first from the lower bound, last from the upper one.
    low, high = cursor_of[expected[0]], cursor_of[expected[-1]]
    items, cursors, page_info = await fetch(first=size, after=low, before=high)
    assert items == expected[1 : 1 + size]
    assert page_info == info(cursors, next_page=True, previous_page=True)
    items, cursors, page_info = await fetch(last=size, after=low, before=high)
    assert items == expected[count - 1 - size : count - 1]
    assert page_info == info(cursors, next_page=True, previous_page=True)
    items, cursors, page_info = await fetch(after=cursor_of[expected[2]], before=low)
    assert (items, page_info) == ([], info([], next_page=False, previous_page=True))
    # Neither size: the default page (20) from the start.
    items, _, page_info = await fetch()
    assert items == expected and page_info["hasNextPage"] is False


@pytest.fixture
async def admin(container) -> str:
    return await staff_token(container, "ops-admin", [Role.ADMIN])


async def test_clients_both_ways(gql, container, admin):
    names = [f"系统{index}" for index in range(7)]
    for name in names:
        await container.clients.register(
            ClientRegistration(name=name, grant_types=["client_credentials"]), AuditContext()
        )
    await walk(fetcher(gql, CLIENTS, "clients", admin, lambda node: node["name"]), names)


async def test_jobs_both_ways(gql, container, admin):
    ids = [str((await container.jobs.enqueue("paging.demo", {})).id) for _ in range(7)]
    await container.jobs.enqueue("paging.other", {})  # filtered out by kind
    fetch = fetcher(gql, JOBS, "jobs", admin, lambda node: node["id"])
    await walk(fetch, list(reversed(ids)), size=3)


async def test_outbox_both_ways(gql, container, admin):
    phones = [f"1380000000{index}" for index in range(7)]
    for phone in phones:
        await container.notifier.send(
            Channel.SMS, "sms_code", phone, {"purpose": "x", "code": "1", "minutes": 5}, "zh-CN"
        )
    fetch = fetcher(gql, OUTBOX, "outbox", admin, lambda node: node["destination"])
    await walk(fetch, list(reversed(phones)))


async def test_services_catalogue_both_ways(gql, container, admin):
    partners = []
    for name in ("社保系统", "税务系统"):
        registered = await container.clients.register(
            ClientRegistration(name=name, grant_types=["client_credentials"]), AuditContext()
        )
        partners.append(registered.client.client_id)
    codes = []
    for index in range(7):
        code = f"SVC-{index:04d}"
        await container.catalogue.register(partners[0], code, f"事项{index}", AuditContext())
        await container.catalogue.register(partners[1], f"TAX-{index:04d}", "税", AuditContext())
        codes.append(code)
    fetch = fetcher(
        gql, SERVICES, "services", admin, lambda node: node["code"], client=partners[0]
    )
    await walk(fetch, codes, size=3)


async def test_audit_log_both_ways(gql, container, admin):
    subjects = [f"s{index}" for index in range(6)]
    for subject in subjects:
        await container.audit.record(
            "paging.checked", AuditContext(), subject_type="test", subject_id=subject
        )
    fetch = fetcher(gql, AUDIT, "auditLog", admin, lambda node: node["subjectId"])
    await walk(fetch, list(reversed(subjects)))


async def test_appeals_both_ways(gql, hooks, container, client, clock):
    """Keyed by (due date, id): pairs of appeals share a due date."""
    from tests.appeals.helpers import appeal_values, id_scans, reviewer_token, submit_appeal

    submitted = []
    for index in range(5):
        values = await appeal_values(gql, hooks, container, phone=f"1390000000{index}")
        appeal = await submit_appeal(client, values, id_scans())
        assert appeal["__typename"] == "AppealSubmitted", appeal
        submitted.append(appeal["appeal"]["number"])
        if index % 2:
            clock.advance(days=7)
    staff = await reviewer_token(container)
    body = await gql(APPEALS, {"first": 10}, token=staff)
    nodes = [edge["node"] for edge in body["data"]["appeals"]["edges"]]
    assert sorted(node["number"] for node in nodes) == sorted(submitted)
    assert len({node["dueOn"] for node in nodes}) == 3
    expected = [node["number"] for node in sorted(nodes, key=lambda n: (n["dueOn"], n["id"]))]
    assert [node["number"] for node in nodes] == expected
    await walk(fetcher(gql, APPEALS, "appeals", staff, lambda node: node["number"]), expected)


async def test_review_queue_both_ways(gql, hooks, container, client, clock):
    """Keyed by (due date, id): pairs of reviews share a due date."""
    from tests.verification.flows import SUBMIT_REVIEW, resident, submit
    from tests.verification.test_manual_review import PASSPORT, reviewer_token, scans

    for index in range(5):
        holder = {**PASSPORT, "idNumber": f"E1234567{index}"}
        token = await resident(
            gql, hooks, container, holder, phone=f"1371234567{index}", loginName=f"holder{index}"
        )
        assert (await submit(gql, hooks, token, person=holder))["__typename"] != "ValidationErrors"
        documents = await scans(client, token)
        body = await gql(SUBMIT_REVIEW, {"input": {"documentIds": documents}}, token=token)
        assert body["data"]["submitManualReview"]["__typename"] == "ReviewSubmitted", body
        if index % 2:
            clock.advance(days=7)
    staff = await reviewer_token(container)
    body = await gql(REVIEWS, {"first": 10}, token=staff)
    nodes = [edge["node"] for edge in body["data"]["reviewQueue"]["edges"]]
    assert len(nodes) == 5 and len({node["dueOn"] for node in nodes}) == 3
    expected = [node["id"] for node in sorted(nodes, key=lambda n: (n["dueOn"], n["id"]))]
    assert [node["id"] for node in nodes] == expected
    await walk(fetcher(gql, REVIEWS, "reviewQueue", staff, lambda node: node["id"]), expected)


async def test_my_agents_both_ways(gql, hooks, container, clock):
    """Keyed (created_at, id): the agents in the order they came."""
    from tests.agents.flows import world
    from tests.agents.test_agents_queries import _agents

    w = await world(gql, hooks, container)
    await _agents(container, w.unit_id, 6, clock)
    body = await gql(AGENTS, {"first": 100}, token=w.unit_token)
    nodes = [edge["node"] for edge in body["data"]["myAgents"]["edges"]]
    assert [node["person"]["name"] for node in nodes][-6:] == [
        f"经办人{n}" for n in range(6)
    ]
    expected = [node["id"] for node in nodes]
    fetch = fetcher(gql, AGENTS, "myAgents", w.unit_token, lambda node: node["id"])
    await walk(fetch, expected)
    # A page backwards is one keyset query too: as many statements as a page forwards.
    from tests.agents.test_agents_queries import counted

    middle = (await fetch(first=3))[2]["endCursor"]
    with counted() as forwards:
        await fetch(first=3, after=middle)
    with counted() as backwards:
        await fetch(last=3, before=middle)
    assert len(backwards) == len(forwards)
    for arguments, code, field in (
        ({"first": 1, "last": 1}, "PAGE_FIRST_AND_LAST", "last"),
        ({"last": 1, "before": cursor("agent:yesterday|x")}, "CURSOR_INVALID", "before"),
    ):
        [error] = (await gql(AGENTS, arguments, token=w.unit_token))["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


async def test_info_update_records_both_ways(gql, hooks, container):
    from tests.graphql.test_update_profile import resident, update_person

    _, token = await resident(gql, hooks, container)
    jobs = ["教师", "工人", "医生", "律师", "会计"]
    for job in jobs:
        assert (await update_person(gql, token, occupation=job))["__typename"] == (
            "NaturalPersonUpdated"
        )

    def occupation(node: dict[str, Any]) -> str:
        """The first character: the rest of the new value is masked."""
        [change] = [c for c in node["changes"] if c["field"] == "occupation"]
        return str(change["newValue"])[0]

    fetch = fetcher(gql, RECORDS, "infoUpdateRecords", token, occupation)
    await walk(fetch, [job[0] for job in reversed(jobs)])


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("document", "arguments", "code", "field"),
    [
        (CLIENTS, {"first": 2, "last": 2}, "PAGE_FIRST_AND_LAST", "last"),
        (JOBS, {"last": 0}, "PAGE_SIZE_INVALID", "last"),
        (OUTBOX, {"last": 101}, "PAGE_SIZE_INVALID", "last"),
        (CLIENTS, {"first": 0, "before": cursor("client:1")}, "PAGE_SIZE_INVALID", "first"),
        (CLIENTS, {"last": 2, "before": "nonsense!"}, "CURSOR_INVALID", "before"),
        (JOBS, {"last": 2, "before": cursor("outbox:3")}, "CURSOR_INVALID", "before"),
        (OUTBOX, {"before": cursor("outbox:0")}, "CURSOR_INVALID", "before"),
        (OUTBOX, {"last": 1, "after": cursor("job:x")}, "CURSOR_INVALID", "after"),
        (SERVICES, {"first": 1, "last": 1}, "PAGE_FIRST_AND_LAST", "last"),
        (AUDIT, {"last": 2, "before": cursor("client:4")}, "CURSOR_INVALID", "before"),
        (APPEALS, {"last": 2, "before": cursor("appeal:2026-13-01|x")}, "CURSOR_INVALID", "before"),
        (APPEALS, {"after": cursor("appeal:2026-11-30|not-a-uuid")}, "CURSOR_INVALID", "after"),
        (REVIEWS, {"first": 3, "last": 3}, "PAGE_FIRST_AND_LAST", "last"),
        (REVIEWS, {"last": 1, "before": cursor("appeal:2026-11-30|x")}, "CURSOR_INVALID", "before"),
    ],
)
async def test_bad_paging_arguments_are_typed_errors(
    gql, container, admin, document, arguments, code, field
):
    from tests.appeals.helpers import reviewer_token

    token = await reviewer_token(container) if document in (APPEALS, REVIEWS) else admin
    body = await gql(document, arguments, token=token, language="en")
    [error] = body["errors"]
    assert body["data"] is None
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)
    assert "INTERNAL" not in error["message"]


async def test_first_and_last_message_in_both_languages(gql, admin):
    arguments = {"first": 1, "last": 1}
    chinese = (await gql(CLIENTS, arguments, token=admin))["errors"][0]["message"]
    english = (await gql(CLIENTS, arguments, token=admin, language="en"))["errors"][0]["message"]
    assert "first 与 last 只能指定其一" in chinese
    assert "Give either first or last, not both" in english
