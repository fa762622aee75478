"""A person's standing with one unit for one service, read in one database round trip: the
partner's hot path (``checks.py``, SPEC §13 "like introspection", bench/agents.py).

One statement joins the unit and its account, the person's binding with the unit (the live
one, else the latest ended one, for its reason), the person's account and the live grant of
the service. Nothing here is cached: every check sees the rows as they are committed, so a
grant revoked (or a binding ended, a unit locked, a person's verification lapsed) through
any worker or node is refused by the very next check everywhere.

Both key look-ups use unique indexes: the binding's ``live_key`` (``enterprise:person``) and
the grant's ``live_key`` (``binding:service``); only a person without a live binding falls
back to the ``(person_id, state)`` index for the latest ended one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from identity_graph.accounts.enums import AccountKind, AccountStatus, VerificationStatus
from identity_graph.agents.models import AgentBinding, AgentGrant, AgentRole, BindingState
from identity_graph.core.rows import is_postgres

_SQL = """
SELECT e.id AS unit_id, u.status AS unit_status, u.verification_status AS unit_verification,
       b.id AS binding_id, b.state AS binding_state, b.role AS binding_role,
       b.valid_from AS valid_from, b.expires_at AS valid_until,
       p.kind AS person_kind, p.status AS person_status,
       p.verification_status AS person_verification,
       g.id AS grant_id, g.expires_at AS grant_expires_at, g.revoked_at AS grant_revoked_at
FROM enterprises e
JOIN accounts u ON u.id = e.account_id
LEFT JOIN agent_bindings b ON b.id = COALESCE(
    (SELECT l.id FROM agent_bindings l
      WHERE l.live_key = CAST(e.id AS VARCHAR(36)) || ':' || {person_text}),
    (SELECT o.id FROM agent_bindings o
      WHERE o.person_id = {person} AND o.enterprise_id = e.id
      ORDER BY o.updated_at DESC LIMIT 1))
LEFT JOIN accounts p ON p.id = b.person_id
LEFT JOIN agent_grants g ON g.live_key = CAST(b.id AS VARCHAR(36)) || ':' || {service}
WHERE {unit_column} = {unit}
"""

_DATETIME = AgentBinding._meta.fields_map["expires_at"]
_GRANT_DATETIME = AgentGrant._meta.fields_map["expires_at"]


@dataclass(frozen=True)
class Unit:
    id: uuid.UUID
    status: AccountStatus
    verification: VerificationStatus


@dataclass(frozen=True)
class Binding:
    id: uuid.UUID
    state: BindingState
    role: AgentRole
    valid_from: datetime | None
    expires_at: datetime
    person_kind: AccountKind
    person_status: AccountStatus
    person_verification: VerificationStatus


@dataclass(frozen=True)
class Grant:
    id: int
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Standing:
    """What the check decides from: the unit, and the binding and grant if there are any."""

    unit: Unit
    binding: Binding | None
    grant: Grant | None


async def read_standing(
    unit_id: uuid.UUID | None, uscc: str | None, person_id: uuid.UUID, service_id: int
) -> Standing | None:
    """The standing, or None when no unit has that id (or credit code)."""
    connection = connections.get("default")
    postgres = is_postgres(connection)
    marks = iter(["$1", "$2", "$3", "$4"] if postgres else ["?"] * 4)
    sql = _SQL.format(
        person_text=next(marks),
        person=next(marks),
        service=next(marks),
        unit_column="e.id" if unit_id is not None else "e.uscc",
        unit=next(marks),
    )
    person: Any = person_id if postgres else str(person_id)
    unit: Any = uscc if unit_id is None else (unit_id if postgres else str(unit_id))
    rows = await connection.execute_query_dict(sql, [str(person_id), person, str(service_id), unit])
    return _standing(rows[0]) if rows else None


def _standing(row: dict[str, Any]) -> Standing:
    unit = Unit(
        _uuid(row["unit_id"]),
        AccountStatus(row["unit_status"]),
        VerificationStatus(row["unit_verification"]),
    )
    binding = None
    if row["binding_id"] is not None:
        binding = Binding(
            _uuid(row["binding_id"]),
            BindingState(row["binding_state"]),
            AgentRole(row["binding_role"]),
            _DATETIME.to_python_value(row["valid_from"]),
            _DATETIME.to_python_value(row["valid_until"]),
            AccountKind(row["person_kind"]),
            AccountStatus(row["person_status"]),
            VerificationStatus(row["person_verification"]),
        )
    grant = None
    if row["grant_id"] is not None:
        grant = Grant(
            int(row["grant_id"]),
            _GRANT_DATETIME.to_python_value(row["grant_expires_at"]),
            _GRANT_DATETIME.to_python_value(row["grant_revoked_at"]),
        )
    return Standing(unit, binding, grant)


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))  # asyncpg has its own UUID type; SQLite gives text
