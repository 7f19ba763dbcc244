"""Relay-style cursor connections (``first`` / ``after``) over rows ordered by id.

Spec: GraphQL Cursor Connections Specification (Relay): ``edges { cursor node }``,
``pageInfo { hasNextPage hasPreviousPage startCursor endCursor }``. Cursors are opaque:
base64 of ``cursor:<id>``. Every subgraph declares ``PageInfo`` identically, so it is
``@shareable``; ``Connection[Customer]`` is named ``CustomerConnection`` by Strawberry.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from trellis_subgraph.errors import BadUserInput

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Connection",
    "Edge",
    "PageInfo",
    "PageRequest",
    "decode_cursor",
    "encode_cursor",
    "page_request",
]

DEFAULT_PAGE_SIZE = 20
"""``first`` when the client leaves it out."""

MAX_PAGE_SIZE = 100
"""Largest ``first`` a client may ask for."""

_PREFIX = "cursor:"

N = TypeVar("N")
R = TypeVar("R")


def encode_cursor(id: int) -> str:
    """The opaque cursor of a row.

    Args:
        id: The row's integer id.

    Returns:
        Base64 text, e.g. ``Y3Vyc29yOjc=`` for id 7.
    """
    return base64.b64encode(f"{_PREFIX}{id}".encode()).decode("ascii")


def decode_cursor(cursor: str, argument: str = "after") -> int:
    """Read a cursor made by :func:`encode_cursor`.

    Args:
        cursor: The cursor text.
        argument: The argument it came from, for the error.

    Returns:
        The row id.

    Raises:
        BadUserInput: If the text is not a cursor of this API.
    """
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    value = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not value.isdigit():
        raise BadUserInput.field(argument, "is not a cursor returned by this API")
    return int(value)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated ``first`` / ``after`` pair.

    Attributes:
        first: Rows wanted (1 to :data:`MAX_PAGE_SIZE`).
        after_id: Only rows with a greater id; None for the first page.
    """

    first: int
    after_id: int | None

    @property
    def limit(self) -> int:
        """Rows to fetch: one more than wanted, to learn whether a next page exists."""
        return self.first + 1


def page_request(first: int | None, after: str | None) -> PageRequest:
    """Validate connection arguments.

    Args:
        first: The ``first`` argument (None means :data:`DEFAULT_PAGE_SIZE`).
        after: The ``after`` cursor, or None.

    Returns:
        The request.

    Raises:
        BadUserInput: If ``first`` is outside 1..100 or ``after`` is not a cursor.
    """
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 < size <= MAX_PAGE_SIZE:
        raise BadUserInput.field("first", f"must be between 1 and {MAX_PAGE_SIZE}")
    return PageRequest(first=size, after_id=None if after is None else decode_cursor(after))


@strawberry.federation.type(shareable=True, description="Where a page sits in a connection.")
class PageInfo:
    """Relay ``PageInfo``.

    Spec: GraphQL Cursor Connections Specification, section 5 (PageInfo).
    """

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node with its cursor.")
class Edge(Generic[N]):
    """Relay edge: ``cursor`` and ``node``."""

    cursor: str
    node: N


@strawberry.type(description="A page of a list, with cursors to fetch the next one.")
class Connection(Generic[N]):
    """Relay connection, plus ``nodes`` (the edges' nodes) and ``totalCount``.

    Build one with :meth:`build` from the rows of a :class:`PageRequest` query.
    """

    edges: list[Edge[N]]
    nodes: list[N]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Items matching the filters, all pages.")

    @classmethod
    def build(
        cls,
        request: PageRequest,
        rows: Sequence[R],
        *,
        row_id: Callable[[R], int],
        node: Callable[[R], N],
        total_count: int,
    ) -> Connection[N]:
        """Build a page from at most ``request.limit`` rows ordered by id.

        Args:
            request: The validated arguments.
            rows: The rows the query returned (``LIMIT request.limit``, ``id > after_id``).
            row_id: A row's id (the cursor's content).
            node: Builds a GraphQL node from a row.
            total_count: Rows matching the filters, ignoring the page.

        Returns:
            The connection.
        """
        page = rows[: request.first]
        edges = [Edge(cursor=encode_cursor(row_id(row)), node=node(row)) for row in page]
        return cls(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=PageInfo(
                has_next_page=len(rows) > request.first,
                has_previous_page=request.after_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total_count,
        )
