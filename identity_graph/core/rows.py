"""Batch loads by primary key without the query builder.

DataLoaders and the bearer check run on every request; building their SQL through the
query builder cost more than the database round trip itself (bench/README.md). Rows are
turned into model instances exactly as the ORM does (``_init_from_db``), so the result is
indistinguishable from a ``filter(pk__in=...)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise import connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def is_postgres(connection: Any) -> bool:
    return bool(connection.capabilities.dialect == "postgres")


def bind(value: Any, postgres: bool) -> Any:
    """SQLite stores UUIDs as text; asyncpg takes them as they are."""
    return str(value) if isinstance(value, uuid.UUID) and not postgres else value


async def fetch_by_ids(model: type[M], ids: Sequence[Any]) -> list[M]:
    if not ids:
        return []
    meta = model._meta
    connection = connections.get(meta.default_connection or "default")
    postgres = is_postgres(connection)
    table, key = meta.db_table, meta.db_pk_column
    if postgres:
        sql = f'SELECT * FROM "{table}" WHERE "{key}" = ANY($1)'  # noqa: S608 - names from the model
        params: list[Any] = [list(ids)]
    else:
        marks = ",".join("?" * len(ids))
        sql = f'SELECT * FROM "{table}" WHERE "{key}" IN ({marks})'  # noqa: S608
        params = [bind(value, postgres) for value in ids]
    rows = await connection.execute_query_dict(sql, params)
    return [model._init_from_db(**row) for row in rows]


async def fetch_by_column(model: type[M], column: str, value: Any) -> M | None:
    """The first row whose ``column`` equals ``value`` (a unique column, in practice)."""
    meta = model._meta
    connection = connections.get(meta.default_connection or "default")
    postgres = is_postgres(connection)
    if column not in meta.fields_db_projection.values():
        raise ValueError(f"{meta.db_table} has no column {column}")
    mark = "$1" if postgres else "?"
    sql = f'SELECT * FROM "{meta.db_table}" WHERE "{column}" = {mark} LIMIT 1'  # noqa: S608
    rows = await connection.execute_query_dict(sql, [bind(value, postgres)])
    return model._init_from_db(**rows[0]) if rows else None
