"""A login session with its account and the account's person or unit row, in one query:
what UserInfo needs to answer a person's current claims (OIDC Core §5.3).

Each row is turned into its model exactly as the ORM does (``_init_from_db``), as in
``core/rows.py``; the three tables' columns are read under prefixes so that none shadows
another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from tortoise import connections
from tortoise.models import Model

from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.core.rows import bind, is_postgres
from identity_graph.sessions.tokens import LoginSession

M = TypeVar("M", bound=Model)
_TABLES: tuple[tuple[str, type[Model]], ...] = (
    ("a", Account),
    ("p", NaturalPerson),
    ("e", Enterprise),
)


def _columns(alias: str, model: type[Model]) -> list[str]:
    return [f'{alias}."{c}" AS "{alias}__{c}"' for c in model._meta.fields_db_projection.values()]


_SQL = (
    "SELECT s.expires_at AS s__expires_at, s.revoked_at AS s__revoked_at,"  # noqa: S608 - names from the models
    " s.acting_enterprise_id AS s__acting, "
    + ", ".join(column for alias, model in _TABLES for column in _columns(alias, model))
    + " FROM login_sessions s JOIN accounts a ON a.id = s.account_id"
    " LEFT JOIN natural_persons p ON p.id = a.id LEFT JOIN enterprises e ON e.id = a.id"
    " WHERE s.id = {}"
)
_EXPIRES = LoginSession._meta.fields_map["expires_at"]


@dataclass(frozen=True)
class SessionSubject:
    account: Account
    acting: uuid.UUID | None  # the unit the session acts for
    expires_at: datetime
    person: NaturalPerson | None
    unit: Enterprise | None


def _model(row: dict[str, Any], alias: str, model: type[M]) -> M | None:
    prefix = alias + "__"
    values = {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
    return model._init_from_db(**values) if values.get("id") is not None else None


async def session_subject(session_id: str) -> SessionSubject | None:
    """An unrevoked session (expiry not checked here) with its rows, or None."""
    try:
        key = uuid.UUID(session_id)
    except ValueError:
        return None
    connection = connections.get("default")
    postgres = is_postgres(connection)
    rows = await connection.execute_query_dict(
        _SQL.format("$1" if postgres else "?"), [bind(key, postgres)]
    )
    if not rows or rows[0]["s__revoked_at"] is not None:
        return None
    row = rows[0]
    expires = _EXPIRES.to_python_value(row["s__expires_at"])
    account = _model(row, "a", Account)
    if expires is None or account is None:
        return None
    acting = row["s__acting"]
    return SessionSubject(
        account,
        uuid.UUID(str(acting)) if acting else None,
        expires,
        _model(row, "p", NaturalPerson),
        _model(row, "e", Enterprise),
    )
