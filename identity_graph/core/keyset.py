"""Keyset windows over an ordered query: forwards past one key, or backwards before one.

A ``Window`` says which rows of a list ordered by one unique integer key to read; the
transport makes it from Relay's ``first``/``after``/``last``/``before`` and the service
hands its filtered query to ``read``::

    query ─► after? keep keys past it ─► before? keep keys short of it
          ─► forwards?  order as listed, limit ──────────────────────► rows
          ─► backwards? order reversed, limit ─► reverse ─────────────► rows

"Past" follows the list's order: ``key > after`` on an ascending list, ``key < after``
on a descending one. Rows come back in the list's order; ``limit`` usually asks one row
more than a page so the caller sees whether more follow (forwards: the last row;
backwards: the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

Model = TypeVar("Model", bound=Any)


@dataclass(frozen=True)
class Window:
    limit: int
    after: int | None = None
    before: int | None = None
    backward: bool = False


def forward(limit: int, after: int | None = None) -> Window:
    """The common case: ``limit`` rows past ``after`` (or from the start)."""
    return Window(limit=limit, after=after)


async def read(
    query: QuerySet[Model], window: Window, *, key: str = "id", descending: bool = False
) -> list[Model]:
    """The rows of ``query`` (ordered by ``key``, newest first if ``descending``) in
    ``window``, in the list's order."""
    past, short = ("lt", "gt") if descending else ("gt", "lt")
    if window.after is not None:
        query = query.filter(**{f"{key}__{past}": window.after})
    if window.before is not None:
        query = query.filter(**{f"{key}__{short}": window.before})
    reverse = window.backward != descending
    rows = list(await query.order_by(f"-{key}" if reverse else key).limit(window.limit))
    if window.backward:
        rows.reverse()
    return rows
