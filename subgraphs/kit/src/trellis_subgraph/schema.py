"""Building a subgraph's Strawberry federation schema with the kit's defaults."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.federation import Schema

__all__ = ["DOCUMENT_CACHE_SIZE", "federation_schema"]

DOCUMENT_CACHE_SIZE = 512
"""Entries in the parse and validation LRU caches (shared per process)."""


def _parser_cache() -> SchemaExtension:
    return ParserCache(maxsize=DOCUMENT_CACHE_SIZE)


def _validation_cache() -> SchemaExtension:
    return ValidationCache(maxsize=DOCUMENT_CACHE_SIZE)


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
    return Schema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=[_parser_cache, _validation_cache],
    )
