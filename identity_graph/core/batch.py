"""Writes of several owners sent as one: one statement on PostgreSQL, one transaction on
SQLite.

A login writes four rows in three tables (the session and its first refresh token, the
account's last login, the audit event). Each owner still writes its own table: it adds its
row here (``tokens.start_session``, ``accounts.record_login``, ``audit.add``); the batch
only sends them together. On PostgreSQL they become one statement of data-modifying CTEs
(one round trip, atomic like any statement, foreign keys checked at its end); SQLite has
no such CTEs, so there they run in one transaction. Values are converted by the model's
fields exactly as the ORM converts them (``to_db_value``), with hand-written SQL because
the query builder cost more CPU than the round trip (bench/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise import connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

from identity_graph.core.rows import bind, is_postgres


class WriteBatch:
    def __init__(self) -> None:
        # Each write: SQL with ``{}`` where its parameters go, and the raw values.
        self._writes: list[tuple[str, list[Any]]] = []

    def __len__(self) -> int:
        return len(self._writes)

    def insert(self, model: type[Model], row: Mapping[str, Any]) -> None:
        """One row of ``model``'s table; ``row`` maps field names to Python values."""
        meta = model._meta
        columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in row)
        marks = ", ".join("{}" for _ in row)
        values = [meta.fields_map[name].to_db_value(value, None) for name, value in row.items()]  # type: ignore[arg-type]
        self._writes.append((f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks})', values))  # noqa: S608

    def update(self, model: type[Model], key: Any, values: Mapping[str, Any]) -> None:
        """Set ``values`` on the row whose primary key is ``key``."""
        meta = model._meta
        assignments = ", ".join(f'"{meta.fields_db_projection[name]}" = {{}}' for name in values)
        params = [meta.fields_map[name].to_db_value(value, None) for name, value in values.items()]  # type: ignore[arg-type]
        sql = f'UPDATE "{meta.db_table}" SET {assignments} WHERE "{meta.db_pk_column}" = {{}}'  # noqa: S608
        self._writes.append((sql, [*params, meta.pk.to_db_value(key, None)]))  # type: ignore[arg-type]

    async def execute(self) -> None:
        if not self._writes:
            return
        connection = connections.get("default")
        if is_postgres(connection):
            await self._one_statement(connection)
            return
        async with in_transaction() as transaction:
            for sql, values in self._writes:
                await transaction.execute_query(
                    sql.format(*("?" for _ in values)), [bind(value, False) for value in values]
                )

    async def _one_statement(self, connection: Any) -> None:
        """``WITH w0 AS (…), w1 AS (…) <last write>``: PostgreSQL runs every data-modifying
        CTE to completion whether or not the main statement reads it."""
        parts: list[str] = []
        params: list[Any] = []
        for sql, values in self._writes:
            marks = [f"${len(params) + n}" for n in range(1, len(values) + 1)]
            parts.append(sql.format(*marks))
            params.extend(values)
        *first, last = parts
        head = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(first))
        await connection.execute_query(f"WITH {head} {last}" if first else last, params)
