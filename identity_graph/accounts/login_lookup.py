"""The account a login names and its password hash, in one hand-written query.

Every password login starts here; two ORM queries (account, then credential) cost more
CPU in the query builder than in the database (bench/README.md, issue 16). The row is
turned into an ``Account`` exactly as the ORM does (``core/rows.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise import connections

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.models import Account
from identity_graph.core.rows import bind, is_postgres

_SELECT = (
    "SELECT a.*, c.id AS credential_id, c.hash AS credential_hash FROM accounts a"
    " LEFT JOIN password_credentials c ON c.account_id = a.id"
)
_BY = {
    "login_key": _SELECT + " WHERE a.kind = {} AND a.login_key = {}",
    "phone_index": _SELECT + " WHERE a.kind = {} AND a.phone_index = {}",
    "uscc": _SELECT
    + " JOIN enterprises e ON e.account_id = a.id WHERE a.kind = {} AND e.uscc = {}",
}
_EXTRA = ("credential_id", "credential_hash")


@dataclass(frozen=True)
class StoredCredential:
    id: int
    hash: str


@dataclass(frozen=True)
class AccountWithCredential:
    account: Account
    credential: StoredCredential | None


async def account_with_credential(
    kind: AccountKind, column: str, value: str
) -> AccountWithCredential | None:
    """The account of ``kind`` whose ``column`` (login key, phone index, or its unit's
    credit code) equals ``value``, with its password credential if it has one."""
    connection = connections.get("default")
    postgres = is_postgres(connection)
    marks = ("$1", "$2") if postgres else ("?", "?")
    rows = await connection.execute_query_dict(
        _BY[column].format(*marks), [bind(kind.value, postgres), value]
    )
    if not rows:
        return None
    row: dict[str, Any] = rows[0]
    account = Account._init_from_db(**{k: v for k, v in row.items() if k not in _EXTRA})
    if row["credential_id"] is None:
        return AccountWithCredential(account, None)
    return AccountWithCredential(
        account, StoredCredential(int(row["credential_id"]), str(row["credential_hash"]))
    )
