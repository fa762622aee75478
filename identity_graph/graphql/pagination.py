"""Relay connections with opaque keyset cursors (SPEC §9 "lists are Relay connections")."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry

from identity_graph.core.errors import ValidationFailed
from identity_graph.graphql.input_rules import text

Node = TypeVar("Node")
Row = TypeVar("Row")
MAX_PAGE = 100

# The paging arguments every connection field takes.
First = Annotated[int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE}.")]
After = Annotated[
    str | None,
    strawberry.argument(
        description="`pageInfo.endCursor` of the previous page; leave out for the first.",
        metadata=text(100),
    ),
]


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


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


def build_connection(
    rows: Sequence[Row],
    first: int,
    kind: str,
    key: Callable[[Row], int | str],
    to_node: Callable[[Row], Node],
) -> Connection[Node]:
    """``rows`` holds up to ``first + 1`` items; the extra one only signals a next page."""
    visible = list(rows[:first])
    edges = [Edge(cursor=encode_cursor(kind, key(row)), node=to_node(row)) for row in visible]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )
