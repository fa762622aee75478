"""Migrations: they build every table and column the models declare, on SQLite and on
PostgreSQL, they are idempotent, and no model change is missing a migration."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from identity_graph import db as idg_db


async def _columns(database: str, table: str) -> set[str]:
    connection = Tortoise.get_connection("default")
    if idg_db.is_postgres(database):
        rows = await connection.execute_query_dict(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", [table]
        )
        return {row["column_name"] for row in rows}
    rows = await connection.execute_query_dict(f'PRAGMA table_info("{table}")')
    return {row["name"] for row in rows}


async def test_every_model_column_exists(db):
    assert Tortoise.apps is not None
    for model in Tortoise.apps.get_models_iterable():
        expected = set(model._meta.fields_db_projection.values())
        assert expected <= await _columns(db, model._meta.db_table), model.__name__


async def test_migrating_again_changes_nothing(db):
    await idg_db.migrate(db)
    await idg_db.open_database(db, pool_size=5)
    assert await Tortoise.get_connection("default").execute_query_dict("SELECT 1 AS one")


async def test_models_and_migrations_agree(db):
    """Like Django's ``makemigrations --check``; fix with ``identity-graph makemigrations``."""
    config = idg_db.tortoise_config("sqlite://:memory:")
    assert Tortoise.apps is not None
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    writers = await detector.changes()
    assert [writer.name for writer in writers] == []
