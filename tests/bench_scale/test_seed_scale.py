"""``bench/seed_scale.py`` writes rows the application reads as its own, and
``bench/scale_lookups.py``'s EXPLAIN check passes on them (PostgreSQL only: the seeding is
COPY). A small scale: 2,000 persons, 200 enterprises with two agents each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bench import scale_lookups
from bench.seed_scale import (
    AGENTS_PER_UNIT,
    PASSWORD,
    SERVICES,
    agent_of,
    granted,
    person_id,
    person_login,
    person_phone,
    resident_id,
    seed,
    seed_agents,
    service_code,
    settings,
    unit_id,
    uscc,
)
from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.models import NaturalPerson
from identity_graph.agents.checks import UnitRef
from identity_graph.agents.models import AgentBinding, AgentGrant
from identity_graph.clients.models import ServiceItem
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.sessions.login import PasswordLogin

PERSONS, UNITS, POOL = 2_000, 200, 2_000


@pytest_asyncio.fixture
async def seeded(db: str, backend: str, tmp_path: Any) -> AsyncIterator[Container]:
    """The rows, and a container with the seeding's secret key (its blind indexes)."""
    if backend != "postgres":
        pytest.skip("seeding is PostgreSQL COPY")
    container = Container(settings(db, tmp_path))
    await seed(db, PERSONS, UNITS, jobs=1)
    made = await seed_agents(db, UNITS, POOL, container=container)
    assert (made["bindings"], made["grants"]) == (
        UNITS * AGENTS_PER_UNIT,
        await AgentGrant.all().count(),
    )
    yield container
    await container.aclose()


async def test_seeded_persons_log_in_by_name_and_phone(seeded: Container) -> None:
    for identifier in (person_login(1234), person_phone(1234)):
        logged_in = await seeded.login.login(
            PasswordLogin(AccountKind.NATURAL_PERSON, identifier, PASSWORD),
            AuditContext(client_ip="192.0.2.7"),
        )
        assert logged_in.account.id == person_id(1234)


async def test_seeded_id_numbers_found_by_blind_index_and_decrypted(seeded: Container) -> None:
    vault = seeded.vault
    person = await NaturalPerson.get(id_number_index=vault.index_id_number(resident_id(77)))
    assert person.id == person_id(77)
    assert vault.open(person.id_number_cipher, "id_number") == resident_id(77)
    assert vault.open(person.real_name_cipher, "real_name") == "测试77"
    unit = await seeded.accounts.enterprise_by_uscc(uscc(42))
    assert unit is not None and unit.id == unit_id(42)


async def test_seeded_agents_are_answered_by_can_handle_service(seeded: Container) -> None:
    service = await ServiceItem.get(code=service_code(0)).prefetch_related("client")
    agents = seeded.agents
    for unit in (0, 7, 150):  # unit 0: its agent also holds a revoked grant
        for slot in range(AGENTS_PER_UNIT):
            agent = str(person_id(agent_of(unit, slot, POOL)))
            held = granted(unit, slot)
            live = {service_code(n) for n, revoked in held if not revoked}
            for number in range(SERVICES):
                decision = await agents.can_handle_for_client(
                    service.client, UnitRef(uscc=uscc(unit)), service_code(number), agent
                )
                expected = (
                    "ALLOWED" if service_code(number) in live else "NO_PERMISSION_FOR_SERVICE"
                )
                assert decision.code == expected, (unit, slot, number)
            context = await agents.contexts.of_person(
                person_id(agent_of(unit, slot, POOL)), unit_id(unit)
            )
            assert context is not None and set(context.services) == live
            assert context.role == ("main" if slot == 0 else "agent")
    assert await AgentBinding.filter(main_key=str(unit_id(3))).count() == 1


async def test_scale_lookups_explain_shows_an_index_on_every_path(seeded: Container) -> None:
    paths = scale_lookups.person_paths(seeded, PERSONS, UNITS)
    paths.update(await scale_lookups.agent_paths(seeded, UNITS, POOL))
    plans = await scale_lookups.explain_paths(paths, force_index=True)
    assert set(plans) == set(paths)
    assert any("agent_grants" in scan for scan in plans["enterprise context"])
    timings = await scale_lookups.lookups(paths, samples=5)  # every answer right
    assert all(len(spent) == 5 for spent in timings.values())
