"""A page of 100 agents with their people, units and grants costs the same number of
database queries as a page of 5 (SPEC §9, §13: no query per list item)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from tortoise import Tortoise

from identity_graph.accounts.enums import AccountKind, VerificationStatus
from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.agents.models import (
    AgentBinding,
    AgentGrant,
    AgentRole,
    BindingOrigin,
    BindingState,
)
from identity_graph.clients.models import ServiceItem
from identity_graph.core.audit import AuditContext
from identity_graph.core.change_feed import SETTLE_SECONDS
from identity_graph.ids.types import IdType, RegionType
from tests.agents.flows import (
    CAN_HANDLE,
    GRANT,
    MY_AGENTS,
    REVOKE,
    SERVICE,
    approved_agent,
    partner_token,
    run,
    world,
)
from tests.oauth.helpers import backend_client
from tests.verification.flows import XINGQIAO


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement the default connection runs while the block lasts."""
    connection_type = type(Tortoise.get_connection("default"))
    seen: list[str] = []
    originals = {}
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
        original = getattr(connection_type, name)
        originals[name] = original

        def wrapper(self: Any, query: str, *args: Any, _original: Any = original) -> Any:
            seen.append(query)
            return _original(self, query, *args)

        setattr(connection_type, name, wrapper)
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(connection_type, name, original)


async def _agents(container: Any, unit_id: str, count: int, clock: Any) -> None:
    now = clock.now()
    service = await ServiceItem.get(code=SERVICE)
    vault = container.vault
    for n in range(count):
        person_id = uuid.uuid4()
        await Account.create(
            id=person_id,
            kind=AccountKind.NATURAL_PERSON,
            login_name=f"agent{n:03d}",
            login_key=f"agent{n:03d}",
            verification_status=VerificationStatus.VERIFIED,
            phone_cipher=vault.seal(f"1370000{n:04d}", "phone"),
            phone_index=vault.index_phone(f"1370000{n:04d}"),
            created_at=now,
            updated_at=now,
        )
        number = f"1101051985031{n:04d}X"
        await NaturalPerson.create(
            id=person_id,
            account_id=person_id,
            real_name_cipher=vault.seal(f"经办人{n}", "real_name"),
            region_type=RegionType.MAINLAND,
            id_type=IdType.RESIDENT_ID_CARD,
            id_number_cipher=vault.seal(number, "id_number"),
            id_number_index=vault.index_id_number(number),
            updated_at=now,
        )
        binding = await AgentBinding.create(
            id=uuid.uuid4(),
            enterprise_id=uuid.UUID(unit_id),
            person_id=person_id,
            role=AgentRole.AGENT,
            state=BindingState.ACTIVE,
            origin=BindingOrigin.ADDED,
            live_key=f"{unit_id}:{person_id}",
            created_at=now + timedelta(seconds=n),
            updated_at=now,
            expires_at=now + timedelta(days=365),
        )
        await AgentGrant.create(
            binding=binding, service=service, live_key=f"{binding.id}:{service.id}", granted_at=now
        )


async def _page_queries(gql: Any, token: str, first: int) -> int:
    with counted() as seen:
        body = await gql(MY_AGENTS, {"first": first}, token=token)
    edges = body["data"]["myAgents"]["edges"]
    assert len(edges) == first
    assert all(edge["node"]["services"][0]["service"]["code"] == SERVICE for edge in edges)
    assert all(edge["node"]["person"]["idNumber"].startswith("1101") for edge in edges)
    return len(seen)


async def test_a_page_of_100_agents_costs_a_constant_number_of_queries(
    gql, hooks, container, clock
):
    w = await world(gql, hooks, container)
    await _agents(container, w.unit_id, 100, clock)
    small = await _page_queries(gql, w.unit_token, 5)
    large = await _page_queries(gql, w.unit_token, 100)
    assert small == large, (small, large)
    print(f"myAgents page: {large} queries for 5 or 100 agents")
    assert large <= 10, large


async def test_a_partner_check_costs_one_query(gql, hooks, container, client):
    """``canHandleService`` is a partner's hot path (SPEC §13, like introspection): the
    bearer token is answered from memory (signature, revocation view, client cache), the
    service from the catalogue cache, and the decision from ONE query joining the unit,
    the binding, the person and the grant — whatever the answer."""
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    partner = await partner_token(client, w)
    # The catalogue holds a just-registered service out of memory for the settle window
    # (core/change_feed.py, real time, not the test clock); then the caches warm up.
    await asyncio.sleep(SETTLE_SECONDS + 0.05)
    check = {"code": SERVICE, "uscc": XINGQIAO["code"], "personId": w.person_id}
    await gql(CAN_HANDLE, check, token=partner)
    refused = {**check, "personId": str(uuid.uuid4())}
    for variables, code in ((check, "ALLOWED"), (refused, "NOT_AN_AGENT")):
        with counted() as seen:
            body = await gql(CAN_HANDLE, variables, token=partner)
        assert body["data"]["canHandleService"]["code"] == code
        print(f"canHandleService (partner, {code}): {len(seen)} queries")
        assert len(seen) == 1, "\n".join(seen)


async def test_a_pairwise_partner_check_costs_one_query_once_its_sub_is_known(
    gql, hooks, container, client
):
    """A pairwise ``sub`` is matched against the unit's agents the first time (one more
    query); after that the match is remembered and the check is the one standing query,
    which still decides — a revoked grant is refused at once."""
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    pairwise = await backend_client(
        container, name="成对标识系统", subject_type="pairwise", sector_identifier="gov.example"
    )
    await container.catalogue.register(
        pairwise.client.client_id, "PW-0001", "成对事项", AuditContext()
    )
    granted = await run(
        gql, GRANT, {"agentId": agent_id, "serviceCodes": ["PW-0001"]}, w.unit_token
    )
    assert pairwise.secret is not None
    token = await partner_token(
        client, replace(w, client_id=pairwise.client.client_id, client_secret=pairwise.secret)
    )
    await asyncio.sleep(SETTLE_SECONDS + 0.05)
    sub = container.subjects.for_client(pairwise.client, uuid.UUID(w.person_id))
    check = {"code": "PW-0001", "uscc": XINGQIAO["code"], "personId": sub}
    stranger = await gql(CAN_HANDLE, {**check, "personId": "stranger"}, token=token)
    assert stranger["data"]["canHandleService"]["code"] == "NOT_AN_AGENT"  # caches warm
    with counted() as first:
        body = await gql(CAN_HANDLE, check, token=token)
    assert body["data"]["canHandleService"]["code"] == "ALLOWED"
    assert len(first) == 2, "\n".join(first)  # the unit's agents, the standing
    with counted() as seen:
        body = await gql(CAN_HANDLE, check, token=token)
    assert body["data"]["canHandleService"]["code"] == "ALLOWED"
    assert len(seen) == 1, "\n".join(seen)
    grant_id = granted["services"][0]["grantId"]
    await run(gql, REVOKE, {"grantId": grant_id}, w.unit_token)
    body = await gql(CAN_HANDLE, check, token=token)
    assert body["data"]["canHandleService"]["code"] == "NO_PERMISSION_FOR_SERVICE"
