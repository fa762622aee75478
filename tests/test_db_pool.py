"""The PostgreSQL pool returns connections without asyncpg's reset query, and what that
query would have cleaned up never survives a release (SQLite has no pool: skipped)."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from identity_graph import db as idg_db

pytestmark = pytest.mark.postgres


async def test_released_connections_carry_no_transaction_or_setting(db: str) -> None:
    if not idg_db.is_postgres(db):
        pytest.skip("PostgreSQL pool only")
    pool = Tortoise.get_connection("default")._pool  # type: ignore[attr-defined]
    assert pool._reset is idg_db._release_as_is

    # A transaction left open by a careless caller is rolled back by asyncpg on release.
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("CREATE TEMP TABLE leaked (id int)")
    for _ in range(pool.get_size()):
        async with pool.acquire() as connection:
            assert not connection.is_in_transaction()
            exists = await connection.fetchval("SELECT to_regclass('pg_temp.leaked')")
            assert exists is None
