"""Building a subgraph's Strawberry federation schema with the kit's defaults."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema
from strawberry.types import ExecutionContext

from trellis_subgraph.errors import SubgraphError

__all__ = ["DOCUMENT_CACHE_SIZE", "SubgraphSchema", "federation_schema"]

DOCUMENT_CACHE_SIZE = 512
"""Entries in the parse and validation LRU caches (shared per process)."""


def _parser_cache() -> SchemaExtension:
    return ParserCache(maxsize=DOCUMENT_CACHE_SIZE)


def _validation_cache() -> SchemaExtension:
    return ValidationCache(maxsize=DOCUMENT_CACHE_SIZE)


class SubgraphSchema(Schema):
    """A Strawberry federation schema that logs unexpected errors only.

    Domain errors (:class:`~trellis_subgraph.errors.SubgraphError`: NOT_FOUND, CONFLICT,
    OUT_OF_STOCK, ...) are answers, not faults: they reach the client and are not logged with
    a traceback; every other error is logged as Strawberry does.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log the errors that are not domain errors.

        Args:
            errors: The operation's errors.
            execution_context: Strawberry's execution context.
        """
        unexpected = [e for e in errors if not isinstance(e.original_error, SubgraphError)]
        super().process_errors(unexpected, execution_context)


def federation_schema(
    query: type, types: Iterable[type] = (), mutation: type | None = None
) -> Schema:
    """Build a Federation 2 schema with parse and validation caching enabled.

    Spec: Apollo Federation 2 subgraph specification (``@link`` to federation v2, ``_service``,
    ``_entities``); Strawberry adds both root fields.

    Args:
        query: The ``Query`` root type.
        types: Extra types to include (e.g. entities reachable only through ``_entities``).
        mutation: The ``Mutation`` root type, if the subgraph has one.

    Returns:
        The schema, at Strawberry's default federation version.
    """
    return SubgraphSchema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=[_parser_cache, _validation_cache],
    )
