"""The fast check refuses exactly what the slow path refuses, in this process and in
another one (issue 11: "the unit revokes the grant and the very next check refuses").

Three containers stand for processes sharing the database and Redis
(``tests/oauth/test_caches.py``): ``one`` makes each change, ``other`` has its caches warm
and learns of changes only through Redis, ``slow`` has every cache off. Each is asked over
the GraphQL field and the plain HTTP endpoint.

* The decision (unit, binding, person, grant) is read from the database on every check
  (``agents/standing.py``), so a revoked grant or binding, an expired binding or a
  disabled unit is refused by the very next check in every process, with no wait.
* The services catalogue, the partner's client and the revoked-token view are per-process
  caches (``core/change_feed.py``): the process making the change drops its entry before
  answering; another process drops it when the Redis notice arrives (milliseconds, asserted
  under a second here), with the TTL (``IDG_CACHE_TTL_SECONDS``) as the backstop for a lost
  notice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.clients.service import ClientChanges
from identity_graph.core.audit import AuditContext
from identity_graph.core.change_feed import SETTLE_SECONDS
from tests.agents.flows import (
    CAN_HANDLE,
    GRANT,
    REMOVE,
    REVOKE,
    SERVICE,
    World,
    approved_agent,
    partner_token,
    run,
    world,
)
from tests.oauth.helpers import basic
from tests.oauth.test_caches import Process, processes, soon  # noqa: F401 - a fixture
from tests.verification.flows import XINGQIAO

PATH = "/agents/service-permission"
Asked = Callable[[], Awaitable[tuple[str, str]]]


async def answers(process: Process, token: str, w: World) -> tuple[str, str]:
    """(GraphQL field code or error code, HTTP endpoint code) from one process."""
    headers = {"Authorization": f"Bearer {token}"}
    variables = {"code": SERVICE, "uscc": XINGQIAO["code"], "personId": w.person_id}
    field = await process.http.post(
        "/graphql", json={"query": CAN_HANDLE, "variables": variables}, headers=headers
    )
    body = field.json()
    if body.get("errors"):
        graphql = str(body["errors"][0]["extensions"]["code"])
    else:
        graphql = str(body["data"]["canHandleService"]["code"])
    plain = await process.http.post(
        PATH,
        json={"serviceCode": SERVICE, "uscc": XINGQIAO["code"], "personId": w.person_id},
        headers=headers,
    )
    return graphql, str(plain.json()["code"])


async def granted_world(gql: Any, hooks: Any, container: Any, until: str) -> tuple[World, str]:
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w, until=until)
    granted = await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    return w, str(granted["services"][0]["grantId"])


async def warm(all_three: tuple[Process, Process, Process], token: str, w: World) -> None:
    """Every process allows, and ``other`` answers the catalogue and client from memory."""
    await asyncio.sleep(SETTLE_SECONDS + 0.05)  # past the hold after the registrations
    for process in all_three:
        assert await answers(process, token, w) == ("ALLOWED", "ALLOWED")
    other = all_three[1].container
    assert other.catalogue._cache is not None and other.catalogue._cache.get(SERVICE)[0]
    assert other.clients._cache.get(w.client_id)[0]


async def everywhere_at_once(
    all_three: tuple[Process, Process, Process], token: str, w: World, expected: tuple[str, str]
) -> None:
    for process in all_three:
        assert await answers(process, token, w) == expected


async def here_at_once_there_soon(
    all_three: tuple[Process, Process, Process], token: str, w: World, expected: tuple[str, str]
) -> None:
    one, other, slow = all_three
    assert await answers(one, token, w) == expected
    assert await answers(slow, token, w) == expected

    async def refused() -> bool:
        return await answers(other, token, w) == expected

    assert await soon(refused) < 1.0


async def test_a_revoked_grant_and_binding_are_refused_by_the_very_next_check_everywhere(
    processes, gql, hooks, container, client
):
    w, grant_id = await granted_world(gql, hooks, container, "2027-12-31T00:00:00Z")
    token = await partner_token(client, w)
    await warm(processes, token, w)
    one = processes[0]

    revoked = await one.gql(REVOKE, {"input": {"grantId": grant_id}}, w.unit_token)
    assert revoked["revokeGrant"]["__typename"] == "GrantRevoked"
    await everywhere_at_once(processes, token, w, ("NO_PERMISSION_FOR_SERVICE",) * 2)

    agents = await one.gql(
        "query { myAgents(first: 1) { edges { node { id } } } }", {}, w.unit_token
    )
    agent_id = agents["myAgents"]["edges"][0]["node"]["id"]
    removed = await one.gql(REMOVE, {"input": {"agentId": agent_id}}, w.unit_token)
    assert removed["removeAgent"]["status"] == "REVOKED"
    await everywhere_at_once(processes, token, w, ("AGENT_BINDING_REVOKED",) * 2)


async def test_an_expired_binding_and_a_disabled_unit_are_refused_everywhere(
    processes, gql, hooks, container, client, clock
):
    w, _ = await granted_world(gql, hooks, container, "2026-12-01T00:00:00Z")
    token = await partner_token(client, w)
    await warm(processes, token, w)

    await Account.filter(id=w.unit_id).update(status=AccountStatus.DISABLED)
    await everywhere_at_once(processes, token, w, ("ENTERPRISE_NOT_ACTIVE",) * 2)
    await Account.filter(id=w.unit_id).update(status=AccountStatus.ACTIVE)
    await everywhere_at_once(processes, token, w, ("ALLOWED",) * 2)

    clock.advance(days=9)  # past the validity, before any sweep
    token = await partner_token(client, w)
    await everywhere_at_once(processes, token, w, ("AGENT_BINDING_EXPIRED",) * 2)


async def test_a_retired_service_is_refused_here_at_once_and_there_within_the_notice(
    processes, gql, hooks, container, client
):
    w, _ = await granted_world(gql, hooks, container, "2027-12-31T00:00:00Z")
    token = await partner_token(client, w)
    await warm(processes, token, w)
    await processes[0].container.catalogue.retire(SERVICE, AuditContext())
    await here_at_once_there_soon(processes, token, w, ("SERVICE_NOT_FOUND",) * 2)


async def test_a_disabled_partner_and_a_revoked_partner_token_are_refused(
    processes, gql, hooks, container, client
):
    w, _ = await granted_world(gql, hooks, container, "2027-12-31T00:00:00Z")
    token = await partner_token(client, w)
    await warm(processes, token, w)
    one = processes[0]
    refused = ("NOT_AUTHENTICATED", "PARTNER_TOKEN_INVALID")

    response = await one.http.post(
        "/oauth/revoke", data={"token": token}, headers=basic(w.client_id, w.client_secret)
    )
    assert response.status_code == 200
    await here_at_once_there_soon(processes, token, w, refused)

    fresh = await partner_token(client, w)
    await everywhere_at_once(processes, fresh, w, ("ALLOWED",) * 2)
    await one.container.clients.update(w.client_id, ClientChanges(disabled=True), AuditContext())
    await here_at_once_there_soon(processes, fresh, w, refused)
