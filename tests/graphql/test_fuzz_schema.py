"""The whole schema, fuzzed over HTTP (SPEC §11: bad input never yields a 500).

hypothesis-graphql writes documents from the live schema: queries and mutations with
arbitrary arguments (NUL and other control characters, huge and empty strings, nulls,
out-of-range numbers, wrong values for the custom scalars), and documents with one schema
violation. Each goes to the real ASGI app as an anonymous caller, a resident and an admin
(who is also a reviewer). No answer may be a 5xx or carry ``INTERNAL_ERROR``, on SQLite and
on PostgreSQL (the ``db`` fixture puts the test in the PostgreSQL pass too).

The run is bounded: a fixed number of examples and, whatever the machine, a wall-clock
budget (``IDG_FUZZ_SECONDS``, 40 s by default) after which the remaining examples are not
sent. A failure prints the document and the answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import graphql
import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from identity_graph.accounts.enums import Role
from identity_graph.accounts.models import Account
from identity_graph.app import create_app
from identity_graph.core.audit import AuditContext
from identity_graph.graphql.schema import build_schema
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import register_enterprise, register_person
from tests.oauth.helpers import backend_client

pytestmark = pytest.mark.postgres

BUDGET_SECONDS = float(os.environ.get("IDG_FUZZ_SECONDS", "40"))
# Writing documents is the slow part (~0.1 s each here): past the budget the remaining
# examples are still written, so their number bounds the run too.
EXAMPLES = int(os.environ.get("IDG_FUZZ_EXAMPLES", "200"))
SCHEMA = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]


def _field(name: str, value: graphql.ValueNode) -> graphql.ObjectFieldNode:
    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


_TEXT = st.text(max_size=40)
_ANY = st.builds(
    lambda typename, key, value: nodes.Object(
        [_field("__typename", nodes.String(typename)), _field(key, nodes.String(value))]
    ),
    st.sampled_from(["Account", "NaturalPerson", "Enterprise", "Query", "Nope"]),
    st.sampled_from(["id", "uscc", "loginName"]),
    st.one_of(st.uuids().map(str), _TEXT),
)
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "Date": st.one_of(st.dates().map(nodes.String), _TEXT.map(nodes.String)),
    "DateTime": st.one_of(
        st.datetimes().map(lambda moment: nodes.String(moment.isoformat())),
        _TEXT.map(nodes.String),
    ),
    # Sent as plain JSON, an upload can only be a string or a number: both must be refused.
    "Upload": st.one_of(_TEXT.map(nodes.String), st.integers().map(nodes.Int)),
    "_Any": _ANY,
}
DOCUMENTS = st.one_of(
    queries(SCHEMA, custom_scalars=SCALARS),
    mutations(SCHEMA, custom_scalars=SCALARS),
    queries(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
    mutations(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
)


@pytest.fixture
def settings_(settings):
    """Cheap Argon2 (hashing cost is not under test) and the admin features switched on."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


@pytest_asyncio.fixture
async def app_client(settings_, container) -> AsyncIterator[httpx.AsyncClient]:
    """The real app; a server error comes back as a 500 answer, not as an exception."""
    app = create_app(settings_, container, manage_database=False)
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.9", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


@pytest_asyncio.fixture
async def tokens(gql, hooks, container) -> dict[str, str | None]:
    """Bearer tokens of the three kinds of caller, over some data to find."""
    person = await register_person(gql, hooks, container)
    assert person["__typename"] == "Registered", person
    unit = await register_enterprise(gql, hooks, container)
    assert unit["__typename"] == "Registered", unit
    await backend_client(container)
    admin = await container.accounts.create_staff(
        "ops-fuzz", "a long operator password", [Role.ADMIN, Role.REVIEWER], AuditContext()
    )
    resident = await Account.get(id=person["account"]["id"])
    issue = container.sessions.issue_personal_token
    day = timedelta(days=1)
    return {
        "anonymous": None,
        "resident": await issue(resident, "fuzz", day, AuditContext()),
        "admin": await issue(admin, "fuzz", day, AuditContext()),
    }


def _internal_errors(body: Any) -> list[Any]:
    answers = body if isinstance(body, list) else [body]
    return [
        error
        for answer in answers
        for error in (answer.get("errors") or [])
        if (error.get("extensions") or {}).get("code") == "INTERNAL_ERROR"
    ]


@pytest.fixture
def budget() -> Any:
    """The wall-clock budget of the run, and how many documents it sent."""
    run = {"deadline": time.monotonic() + BUDGET_SECONDS, "sent": 0}
    yield run
    print("FUZZ", run["sent"], time.monotonic() - run["deadline"])
    assert run["sent"] >= 150, run  # the budget must leave room for a real run


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(document=DOCUMENTS)
async def test_no_document_gets_a_server_error(app_client, tokens, budget, document):
    if time.monotonic() > budget["deadline"]:
        return
    # Writing a document costs more than sending it: each goes out as every caller.
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await app_client.post("/graphql", json={"query": document}, headers=headers)
        budget["sent"] += 1
        context = f"{role}: {document}\n-> {response.status_code} {response.text[:500]}"
        assert response.status_code < 500, context
        assert response.headers["content-type"].startswith("application/json"), context
        assert _internal_errors(response.json()) == [], context
