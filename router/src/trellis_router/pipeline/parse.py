"""Stage 1: parse the query text (LRU-cached by text).

Spec: GraphQL §2 Language; client error code ``GRAPHQL_PARSE_FAILED``.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, GraphQLError, parse

from .errors import GRAPHQL_PARSE_FAILED, RequestError

__all__ = ["parse_query"]


@lru_cache(maxsize=1000)
def _parse(query: str) -> DocumentNode:
    return parse(query)


def parse_query(query: str) -> DocumentNode:
    """Parse a client query.

    Args:
        query: the GraphQL document text.

    Returns:
        The document (shared between requests: never mutate it).

    Raises:
        RequestError: ``GRAPHQL_PARSE_FAILED`` on a syntax error.
    """
    try:
        return _parse(query)
    except GraphQLError as error:
        raise RequestError(GRAPHQL_PARSE_FAILED, [_format(error)]) from error


def _format(error: GraphQLError) -> dict[str, object]:
    out: dict[str, object] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out
