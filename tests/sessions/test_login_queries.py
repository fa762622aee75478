"""A password login costs two statements on PostgreSQL (issue 16): the account with its
password hash (one read), and the session, its refresh token, the last login and the audit
event written as one statement (``core/batch.py``). SQLite, without data-modifying CTEs,
writes the four rows in one transaction. Counted over HTTP once the signing keys are cached,
as they are in a running server."""

from __future__ import annotations

from identity_graph.core.rows import is_postgres
from tests.agents.test_agents_queries import counted
from tests.graphql.accounts_helpers import PASSWORD, login, register_person

WRITES = ("INSERT", "UPDATE", "WITH")


async def test_a_login_is_one_read_and_one_write(gql, hooks, container):
    from tortoise import connections

    registered = await register_person(gql, hooks, container, login_name="zhangsan")
    assert registered["__typename"] == "Registered", registered
    # The first login loads the signing keys, which every later one finds in memory.
    assert (await login(gql, "NATURAL_PERSON", "zhangsan", PASSWORD))["accessToken"]

    with counted() as statements:
        result = await login(gql, "NATURAL_PERSON", "zhangsan", PASSWORD)

    assert result["__typename"] == "SessionTokens", result
    for statement in statements:
        print("  ", " ".join(statement.split())[:160])
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in statements if s.lstrip().upper().startswith(WRITES)]
    assert len(reads) == 1, reads
    assert "password_credentials" in reads[0]
    if is_postgres(connections.get("default")):
        assert statements == [*reads, *writes]
        assert len(writes) == 1, writes
        for table in ("login_sessions", "refresh_tokens", "accounts", "audit_events"):
            assert f'"{table}"' in writes[0]
    else:
        assert len(writes) == 4, writes
        assert len(statements) == 5, statements
