"""Recognising a request cut off by its time budget (SPEC §11: no request holds a worker).

Two budgets cut work off: PostgreSQL's ``statement_timeout`` (``IDG_DATABASE_STATEMENT_TIMEOUT_MS``,
SQLSTATE 57014 ``query_canceled``) and the GraphQL request budget
(``IDG_GRAPHQL_TIMEOUT_SECONDS``, an asyncio timeout). Either is the caller's request being
too expensive, not a bug: transports answer ``REQUEST_TIMEOUT`` instead of ``INTERNAL_ERROR``.
"""

from __future__ import annotations

QUERY_CANCELED = "57014"


def is_timeout(error: BaseException | None) -> bool:
    """True when ``error``, or an error it was raised from, is a budget cut-off."""
    for _ in range(8):  # wrapped a few times at most (ORM, resolver); never loop on a cycle
        if error is None:
            return False
        if isinstance(error, TimeoutError) or getattr(error, "sqlstate", None) == QUERY_CANCELED:
            return True
        error = error.__cause__ or error.__context__
    return False
