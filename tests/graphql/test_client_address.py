"""The per-address limits count the address a trusted proxy saw, not one the client wrote
into X-Forwarded-For (``core/net.py``, ``IDG_TRUSTED_PROXIES``)."""

from __future__ import annotations

import httpx
import pytest

from identity_graph.app import create_app
from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import register_person

pytestmark = pytest.mark.postgres

BALANCER = "10.0.0.5"
CAPTCHA = {"query": "{ captcha { id } }"}


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "trusted_proxies": ["10.0.0.0/8"],
            "captcha_per_ip_per_minute": 3,
            "argon2_time_cost": 1,
            "argon2_memory_kib": 64,
        }
    )


@pytest.fixture
async def behind_balancer(settings, container):
    app = create_app(settings, container, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(BALANCER, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


async def captcha_code(http: httpx.AsyncClient, forwarded_for: str) -> str | None:
    response = await http.post("/graphql", json=CAPTCHA, headers={"X-Forwarded-For": forwarded_for})
    errors = response.json().get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def test_a_forged_left_entry_does_not_escape_the_captcha_cap(behind_balancer):
    # Each request claims another address on the left; the balancer appended the real one.
    answers = [
        await captcha_code(behind_balancer, f"203.0.113.{n}, 198.51.100.7") for n in range(4)
    ]
    assert answers == [None, None, None, "RATE_LIMITED"]
    # Another client behind the same balancer has its own count.
    assert await captcha_code(behind_balancer, "203.0.113.1, 198.51.100.8") is None


async def test_login_failures_are_recorded_under_the_real_address(
    behind_balancer, gql, hooks, container
):
    await register_person(gql, hooks, container)
    variables = {"kind": "NATURAL_PERSON", "identifier": "zhangsan", "password": "wrong#Pass1"}
    await behind_balancer.post(
        "/graphql",
        json={
            "query": "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
            "variables": {"i": variables},
        },
        headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.7"},
    )
    failure = await AuditEvent.filter(action="login.password").order_by("-id").first()
    assert failure is not None and failure.client_ip == "198.51.100.7"
