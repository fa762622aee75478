"""A statement past PostgreSQL's ``statement_timeout`` is recognised as a budget cut-off."""

from __future__ import annotations

import asyncpg
import pytest

from identity_graph import db as idg_db
from identity_graph.core.timeouts import is_timeout

pytestmark = pytest.mark.postgres


def test_timeouts_are_recognised_through_wrapping() -> None:
    class Wrapped(Exception):
        pass

    with pytest.raises(Wrapped) as raised:
        try:
            raise TimeoutError
        except TimeoutError as inner:
            raise Wrapped("resolver failed") from inner
    assert is_timeout(raised.value)
    assert not is_timeout(ValueError("a bug"))
    assert not is_timeout(None)


async def test_the_pool_carries_the_statement_timeout(db: str) -> None:
    if not idg_db.is_postgres(db):
        pytest.skip("statement_timeout is a PostgreSQL setting")
    config = idg_db.tortoise_config(db, pool_size=1, statement_timeout_ms=50)
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["server_settings"] == {"statement_timeout": "50"}
    unlimited = idg_db.tortoise_config(db)["connections"]["default"]["credentials"]
    assert "server_settings" not in unlimited
    connection = await asyncpg.connect(
        db.replace("postgres://", "postgresql://", 1), server_settings={"statement_timeout": "50"}
    )
    try:
        with pytest.raises(asyncpg.QueryCanceledError) as raised:
            await connection.execute("SELECT pg_sleep(2)")
        assert is_timeout(raised.value)
    finally:
        await connection.close()
