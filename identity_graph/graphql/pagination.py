"""Relay connections with opaque keyset cursors (SPEC §9 "lists are Relay connections").

Two kinds: keyset pages read from the database (``Paging``, below) and pages of a
short list held whole (a person's consents, a case's attempts and reviews, an account's
cases: ``page_of_list``), which also take ``last``/``before`` as the Relay cursor
connections spec describes::

    all items ─► after? cut before and at it ─► before? cut at and after it
              ─► first? keep the first n ─► last? keep the last n ─► edges + pageInfo
    (an unknown or foreign cursor: CURSOR_INVALID; a size outside 1..100: PAGE_SIZE_INVALID)

Keyset pages that page both ways take a ``Paging``: the four arguments checked once, the
direction, the bound keys and the limit (a ``core.keyset.Window`` the service reads), and
the rows read turned into a connection::

    first/after/last/before ─► both first and last? PAGE_FIRST_AND_LAST (on last)
        ─► sizes 1..100, cursors of this kind ─► Paging(size, backward, after, before)
        ─► service: keyset.read(query, paging.window) (size + 1 rows, list order)
        ─► forwards: hasNextPage = the extra row came, hasPreviousPage = after given
           backwards: hasPreviousPage = the extra row came, hasNextPage = before given
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from identity_graph.core.errors import ValidationFailed
from identity_graph.core.keyset import Window
from identity_graph.graphql.input_rules import text

Node = TypeVar("Node")
Row = TypeVar("Row")
MAX_PAGE = 100

# The paging arguments every connection field takes.
After = Annotated[
    str | None,
    strawberry.argument(
        description="`pageInfo.endCursor` of the previous page; leave out for the first.",
        metadata=text(100),
    ),
]


# Paging arguments of the connections that also page backwards (``page_of_list``).
MaybeFirst = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size from the start (1 to {MAX_PAGE}); the default when neither "
        "`first` nor `last` is given."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(description=f"Page size from the end (1 to {MAX_PAGE})."),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="`pageInfo.startCursor` of the next page, to page backwards.",
        metadata=text(100),
    ),
]


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Items precede `startCursor` (forward keyset pages may answer false).",
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="Pass as `before` for the previous page."
    )


@strawberry.type(description="One item and its cursor.")
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: Node = strawberry.field(description="The item.")


@strawberry.type(description="A page of items.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(description="The items on this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")


def encode_cursor(kind: str, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_int_cursor(kind: str, cursor: str | None, field: str = "after") -> int | None:
    if cursor is None:
        return None
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        key = int(value)
        # Keys are database row ids: a signed 64-bit range, so nothing overflows a driver.
        if not 0 < key < 2**63:
            raise ValueError(value)
        return key
    except ValueError:
        raise ValidationFailed.single(field, "CURSOR_INVALID") from None


def decode_text_cursor(kind: str, cursor: str | None, field: str = "after") -> str | None:
    """The key of a cursor made by ``encode_cursor(kind, text)``; the caller parses it."""
    if cursor is None:
        return None
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.single(field, "CURSOR_INVALID") from None
    if prefix != kind or not value:
        raise ValidationFailed.single(field, "CURSOR_INVALID")
    return value


def page_size(first: int, field: str = "first") -> int:
    if first < 1 or first > MAX_PAGE:
        raise ValidationFailed.single(field, "PAGE_SIZE_INVALID", max=MAX_PAGE)
    return first


def page_of_list(
    items: Sequence[Row],
    kind: str,
    key: Callable[[Row], str],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int = 20,
) -> tuple[list[Row], PageInfo, list[str]]:
    """One page of ``items`` (the whole list, in order): the rows, the page info and each
    row's cursor. Raises ``ValidationFailed`` for a bad size or cursor."""
    if first is None and last is None:
        first = default
    sizes = {"first": first, "last": last}
    for field, size in sizes.items():
        if size is not None:
            page_size(size, field)
    keys = [key(item) for item in items]
    start, end = 0, len(items)
    for field, cursor in (("after", after), ("before", before)):
        value = decode_text_cursor(kind, cursor, field)
        if value is None:
            continue
        if value not in keys:
            raise ValidationFailed.single(field, "CURSOR_INVALID")
        if field == "after":
            start = max(start, keys.index(value) + 1)
        else:
            end = min(end, keys.index(value))
    end = max(start, end)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    cursors = [encode_cursor(kind, k) for k in keys[start:end]]
    info = PageInfo(
        has_next_page=end < len(items),
        end_cursor=cursors[-1] if cursors else None,
        has_previous_page=start > 0,
        start_cursor=cursors[0] if cursors else None,
    )
    return list(items[start:end]), info, cursors


def list_connection(
    rows: Sequence[Row], info: PageInfo, cursors: Sequence[str], to_node: Callable[[Row], Node]
) -> Connection[Node]:
    edges = [Edge(cursor=c, node=to_node(row)) for c, row in zip(cursors, rows, strict=True)]
    return Connection(edges=edges, page_info=info)


@dataclass(frozen=True)
class Paging:
    """Relay paging arguments of a keyset connection, validated (see the module diagram)."""

    kind: str
    size: int
    backward: bool
    after: Any = None
    before: Any = None

    @classmethod
    def of(
        cls,
        kind: str,
        *,
        first: int | None,
        after: str | None,
        last: int | None = None,
        before: str | None = None,
        default: int = 20,
        parse: Callable[[str], Any] | None = None,
    ) -> Paging:
        """Raises ``ValidationFailed`` naming the argument at fault. Cursors hold a row id,
        or with ``parse`` a text key it turns into the service's bound (a ``ValueError``
        from it: CURSOR_INVALID)."""
        if first is not None and last is not None:
            raise ValidationFailed.single("last", "PAGE_FIRST_AND_LAST")
        if last is not None:
            size, backward = page_size(last, "last"), True
        else:
            size, backward = page_size(default if first is None else first), False
        bounds = [
            _bound(kind, cursor, field, parse)
            for field, cursor in (("after", after), ("before", before))
        ]
        return cls(kind=kind, size=size, backward=backward, after=bounds[0], before=bounds[1])

    @property
    def window(self) -> Window:
        """What the service reads: one row more than a page, to tell whether more follow."""
        return Window(
            limit=self.size + 1, after=self.after, before=self.before, backward=self.backward
        )

    def connection(
        self,
        rows: Sequence[Row],
        key: Callable[[Row], int | str],
        to_node: Callable[[Row], Node],
    ) -> Connection[Node]:
        """``rows`` as read for ``window`` (list order, up to ``size + 1``)."""
        more = len(rows) > self.size
        if self.backward:
            visible = list(rows[len(rows) - self.size :]) if more else list(rows)
            has_previous, has_next = more, self.before is not None
        else:
            visible = list(rows[: self.size])
            has_previous, has_next = self.after is not None, more
        edges = [
            Edge(cursor=encode_cursor(self.kind, key(row)), node=to_node(row)) for row in visible
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                end_cursor=edges[-1].cursor if edges else None,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
            ),
        )


def _bound(kind: str, cursor: str | None, field: str, parse: Callable[[str], Any] | None) -> Any:
    if parse is None:
        return decode_int_cursor(kind, cursor, field)
    text = decode_text_cursor(kind, cursor, field)
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError:
        raise ValidationFailed.single(field, "CURSOR_INVALID") from None


def due_and_id(text: str) -> tuple[date, uuid.UUID]:
    """The key of a work queue ordered by due date, then id (``2026-11-30|<uuid>``)."""
    due, _, row_id = text.partition("|")
    return date.fromisoformat(due), uuid.UUID(row_id)


def due_key(row: Any) -> str:
    return f"{row.due_on.isoformat()}|{row.id}"
