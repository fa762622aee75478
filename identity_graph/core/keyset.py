"""Keyset windows over an ordered query: forwards past one key, or backwards before one.

A ``Window`` says which rows of a list ordered by one unique integer key to read; the
transport makes it from Relay's ``first``/``after``/``last``/``before`` and the service
hands its filtered query to ``read``::

    query ─► after? keep keys past it ─► before? keep keys short of it
          ─► forwards?  order as listed, limit ──────────────────────► rows
          ─► backwards? order reversed, limit ─► reverse ─────────────► rows

"Past" follows the list's order: ``key > after`` on an ascending list, ``key < after``
on a descending one. A key over several columns (``("due_on", "id")``) compares its
bounds (tuples) column by column, the first column deciding. Rows come back in the
list's order; ``limit`` usually asks one row more than a page so the caller sees whether
more follow (forwards: the last row; backwards: the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

Model = TypeVar("Model", bound=Any)


@dataclass(frozen=True)
class Window:
    limit: int
    after: Any = None  # a key value, or a tuple of values for a key over several columns
    before: Any = None
    backward: bool = False


def forward(limit: int, after: Any = None) -> Window:
    """The common case: ``limit`` rows past ``after`` (or from the start)."""
    return Window(limit=limit, after=after)


def _beyond(columns: tuple[str, ...], bound: Any, op: str) -> Q:
    """Rows whose key compares ``op`` (gt/lt) to ``bound``, column by column."""
    values = bound if isinstance(bound, tuple) else (bound,)
    if len(values) != len(columns):
        raise ValueError(bound)
    condition = Q(**{f"{columns[-1]}__{op}": values[-1]})
    for column, value in zip(columns[-2::-1], values[-2::-1], strict=True):
        condition = Q(**{f"{column}__{op}": value}) | (Q(**{column: value}) & condition)
    return condition


async def read(
    query: QuerySet[Model],
    window: Window,
    *,
    key: str | tuple[str, ...] = "id",
    descending: bool = False,
) -> list[Model]:
    """The rows of ``query`` (ordered by ``key``, newest first if ``descending``) in
    ``window``, in the list's order."""
    columns = (key,) if isinstance(key, str) else key
    past, short = ("lt", "gt") if descending else ("gt", "lt")
    if window.after is not None:
        query = query.filter(_beyond(columns, window.after, past))
    if window.before is not None:
        query = query.filter(_beyond(columns, window.before, short))
    reverse = window.backward != descending
    order = [f"-{column}" if reverse else column for column in columns]
    rows = list(await query.order_by(*order).limit(window.limit))
    if window.backward:
        rows.reverse()
    return rows
