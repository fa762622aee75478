"""Several nodes starting at once migrate safely: one runs the migrations under the lock
(a PostgreSQL advisory lock, a file lock on SQLite), the others wait and find nothing to
do. Real processes, as ``identity-graph migrate`` runs on each node."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from identity_graph import db as idg_db
from tests.migration_helpers import fresh_postgres_database

pytestmark = pytest.mark.postgres

MIGRATIONS = len(list((Path(idg_db.__file__).parent / "migrations").glob("0*.py")))


def _migrate_process(tmp_path: Path, url: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("IDG_")}
    env |= {"IDG_DATA_DIR": str(tmp_path), "IDG_SECRET_KEY": "k" * 40, "IDG_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "identity_graph.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = await asyncio.to_thread(process.communicate, timeout=120)
    return process.returncode, stderr


async def _applied_postgres(url: str) -> list[str]:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch("SELECT name FROM tortoise_migrations ORDER BY name")
    finally:
        await connection.close()
    return [row["name"] for row in rows]


async def test_two_nodes_migrate_a_fresh_postgres_database_at_once(tmp_path: Path) -> None:
    async with fresh_postgres_database() as url:
        nodes = [_migrate_process(tmp_path, url) for _ in range(2)]
        results = await asyncio.gather(*(_finish(node) for node in nodes))
        for returncode, stderr in results:
            assert returncode == 0, stderr
        applied = await _applied_postgres(url)
        assert len(applied) == MIGRATIONS == len(set(applied))


async def test_a_node_waits_while_another_holds_the_lock(tmp_path: Path) -> None:
    async with fresh_postgres_database() as url:
        holder = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await holder.execute("SELECT pg_advisory_lock($1)", idg_db.MIGRATION_LOCK_KEY)
            waiting = _migrate_process(tmp_path, url)
            await asyncio.sleep(2.0)
            assert waiting.poll() is None, "migrated without the lock"
            assert await holder.fetchval("SELECT to_regclass('accounts')") is None
            await holder.execute("SELECT pg_advisory_unlock($1)", idg_db.MIGRATION_LOCK_KEY)
            returncode, stderr = await _finish(waiting)
            assert returncode == 0, stderr
        finally:
            await holder.close()
        assert len(await _applied_postgres(url)) == MIGRATIONS


async def test_two_processes_migrate_one_sqlite_file_at_once(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    nodes = [_migrate_process(tmp_path, url) for _ in range(2)]
    for returncode, stderr in await asyncio.gather(*(_finish(node) for node in nodes)):
        assert returncode == 0, stderr
    with sqlite3.connect(tmp_path / "shared.sqlite3") as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM tortoise_migrations")]
    assert len(names) == MIGRATIONS == len(set(names))
