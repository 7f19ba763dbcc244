"""Stage 2: validate the document against the API schema (cached per supergraph by text).

Spec: GraphQL §5 Validation; client error code ``GRAPHQL_VALIDATION_FAILED``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, validate

from .errors import GRAPHQL_VALIDATION_FAILED, RequestError

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["validate_document"]


def validate_document(state: RouterState, query: str, document: DocumentNode) -> None:
    """Validate a parsed document against the state's API schema.

    Args:
        state: the router state (API schema and validation cache).
        query: the document text (cache key).
        document: the parsed document.

    Raises:
        RequestError: ``GRAPHQL_VALIDATION_FAILED`` with every validation error.
    """
    cache = state.caches.validation
    errors = cache.get(query)
    if errors is None:
        errors = tuple(_format(e) for e in validate(state.supergraph.api_schema, document))
        cache.put(query, errors)
    if errors:
        raise RequestError(GRAPHQL_VALIDATION_FAILED, list(errors))


def _format(error: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out
