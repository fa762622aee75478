"""Upgrading a database that holds data, one migration at a time, on SQLite and PostgreSQL.

After each migration a row goes into every table (shaped by the schema as it stands then:
every column filled, foreign keys pointing at rows inserted before), and the next migration
must apply on top of them. A column added NOT NULL without a database default fails here
as it fails an operator's upgrade. The rows are made from the database's own catalogue, so
a new migration or table is covered without touching this test.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from identity_graph import db as idg_db
from tests.migration_helpers import fresh_postgres_database

pytestmark = pytest.mark.postgres

MIGRATIONS = sorted(
    path.stem for path in (Path(idg_db.__file__).parent / "migrations").glob("0*.py")
)
SKIP_TABLES = {"tortoise_migrations"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # lower-case SQL type as the catalogue spells it
    length: int | None
    serial: bool  # filled by the database (identity / autoincrement primary key)


@pytest_asyncio.fixture
async def empty_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


async def test_every_migration_applies_on_top_of_data(empty_database: str) -> None:
    filler = Filler(empty_database)
    async with TortoiseContext():  # keeps the session's own database untouched
        for name in MIGRATIONS:
            await idg_db.migrate(empty_database, target=name)
            await filler.insert_one_row_per_table(after=name)
    counts = await filler.row_counts()
    assert counts["accounts"] == len(MIGRATIONS)
    assert all(count >= 1 for count in counts.values()), counts


class Filler:
    """Inserts one row into every table, with plain SQL, parents before children."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = idg_db.is_postgres(url)
        self.counter = itertools.count(1)
        self.keys: dict[str, list[Any]] = {}  # table -> primary keys inserted

    async def insert_one_row_per_table(self, after: str) -> None:
        tables = await self._tables()
        for table in _parents_first(tables):
            columns, references, primary = tables[table]
            row = {c.name: self._value(c, references.get(c.name)) for c in columns if not c.serial}
            key = await self._insert(table, row, primary)
            self.keys.setdefault(table, []).append(key)

    async def row_counts(self) -> dict[str, int]:
        tables = await self._tables()
        return {table: len(self.keys.get(table, [])) for table in tables}

    def _value(self, column: Column, reference: str | None) -> Any:
        n = next(self.counter)
        if reference is not None:
            return self.keys[reference][-1]
        kind = column.type
        if "uuid" in kind or (kind.startswith("char") and column.length == 36):
            return uuid.uuid4() if self.postgres else str(uuid.uuid4())
        if "int" in kind:
            return n
        if "bool" in kind:
            return False if self.postgres else 0
        if "timestamp" in kind:
            moment = datetime(2025, 1, 1, tzinfo=UTC)
            return moment if self.postgres else moment.isoformat(" ")
        if kind == "date":
            return date(2025, 1, 1) if self.postgres else "2025-01-01"
        if "json" in kind:
            return json.dumps({})
        if "numeric" in kind or "decimal" in kind or "double" in kind or "real" in kind:
            return n
        if "bytea" in kind or "blob" in kind:
            return b"x"
        text = f"v{n}"
        return text[: column.length] if column.length else text

    async def _insert(self, table: str, row: dict[str, Any], primary: str) -> Any:
        names = ", ".join(f'"{name}"' for name in row)
        if self.postgres:
            marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "{primary}"'
            connection = await asyncpg.connect(_dsn(self.url))
            try:
                return await connection.fetchval(sql, *row.values())
            finally:
                await connection.close()
        marks = ", ".join("?" for _ in row)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "{primary}"'
        with sqlite3.connect(_sqlite_path(self.url)) as connection:
            return connection.execute(sql, list(row.values())).fetchone()[0]

    async def _tables(self) -> dict[str, tuple[list[Column], dict[str, str], str]]:
        """table -> (columns, {column: referenced table}, primary key column)."""
        if self.postgres:
            return await _postgres_tables(self.url)
        return _sqlite_tables(self.url)


def _parents_first(tables: dict[str, tuple[list[Column], dict[str, str], str]]) -> list[str]:
    ordered: list[str] = []
    pending = dict(tables)
    while pending:
        ready = [
            name
            for name, (_, references, _) in pending.items()
            if all(ref in ordered or ref == name for ref in references.values())
        ]
        assert ready, f"foreign-key cycle among {sorted(pending)}"
        for name in sorted(ready):
            ordered.append(name)
            del pending[name]
    return ordered


def _sqlite_path(url: str) -> str:
    return url.split("://", 1)[1]


def _sqlite_tables(url: str) -> dict[str, tuple[list[Column], dict[str, str], str]]:
    result = {}
    with sqlite3.connect(_sqlite_path(url)) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in names:
            if table in SKIP_TABLES:
                continue
            columns, primary = [], ""
            for _, name, declared, _, _, pk in connection.execute(f'PRAGMA table_info("{table}")'):
                kind = declared.lower()
                length = int(kind.split("(")[1].rstrip(")")) if "(" in kind else None
                serial = bool(pk) and kind.startswith("integer")
                columns.append(Column(name, kind.split("(")[0], length, serial))
                primary = name if pk else primary
            references = {
                row[3]: row[2] for row in connection.execute(f'PRAGMA foreign_key_list("{table}")')
            }
            result[table] = (columns, references, primary)
    return result


async def _postgres_tables(url: str) -> dict[str, tuple[list[Column], dict[str, str], str]]:
    connection = await asyncpg.connect(_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT table_name, column_name, data_type, character_maximum_length, "
            "column_default, is_identity FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        foreign = await connection.fetch(
            "SELECT cl.relname AS table_name, a.attname AS column_name, "
            "ref.relname AS referenced FROM pg_constraint c "
            "JOIN pg_class cl ON cl.oid = c.conrelid "
            "JOIN pg_class ref ON ref.oid = c.confrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f'"
        )
        primary = await connection.fetch(
            "SELECT cl.relname AS table_name, a.attname AS column_name FROM pg_constraint c "
            "JOIN pg_class cl ON cl.oid = c.conrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'p'"
        )
    finally:
        await connection.close()
    result: dict[str, tuple[list[Column], dict[str, str], str]] = {}
    primaries = {row["table_name"]: row["column_name"] for row in primary}
    for row in rows:
        table = row["table_name"]
        if table in SKIP_TABLES:
            continue
        default = row["column_default"] or ""
        serial = row["is_identity"] == "YES" or default.startswith("nextval(")
        column = Column(
            row["column_name"], row["data_type"], row["character_maximum_length"], serial
        )
        result.setdefault(table, ([], {}, primaries.get(table, "")))[0].append(column)
    for row in foreign:
        if row["table_name"] in result:
            result[row["table_name"]][1][row["column_name"]] = row["referenced"]
    return result


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)
