"""Batch loads by primary key, and small helpers for hand-written SQL, without the query
builder.

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


def columns_of(model: type[Model], alias: str, prefix: str = "") -> str:
    """The model's columns for a SELECT list: ``alias."column" AS "prefixcolumn"``, so the
    rows of several models joined in one statement can be told apart (``model_from``).
    Call it after ``Tortoise.init``: foreign key columns are only known from then on."""
    return ", ".join(
        f'{alias}."{column}" AS "{prefix}{column}"'
        for column in model._meta.fields_db_projection.values()
    )


def model_from(model: type[M], row: dict[str, Any], prefix: str = "") -> M:
    """The instance ``columns_of(model, alias, prefix)`` selected, as the ORM builds it."""
    return model._init_from_db(
        **{column: row[prefix + column] for column in model._meta.fields_db_projection.values()}
    )


def any_of(values: Sequence[Any], postgres: bool, first: int = 1) -> tuple[str, list[Any]]:
    """The right side of a membership test and its parameters, numbered from ``first``:
    ``= ANY($1)`` with one array on PostgreSQL, ``IN (?, ?)`` on SQLite. Never empty
    (callers answer an empty list without a query)."""
    if not values:
        raise ValueError("an empty list matches nothing: skip the query")
    if postgres:
        return f"= ANY(${first})", [list(values)]
    marks = ", ".join("?" * len(values))
    return f"IN ({marks})", [bind(value, postgres) for value in values]


class Params:
    """A statement's parameters, collected as its text is written: ``params(value)`` adds
    one and answers its mark (``$n`` on PostgreSQL, ``?`` on SQLite)."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(bind(value, self.postgres))
        return f"${len(self.values)}" if self.postgres else "?"

    def any_of(self, values: Sequence[Any]) -> str:
        sql, params = any_of(values, self.postgres, len(self.values) + 1)
        self.values.extend(params)
        return sql
