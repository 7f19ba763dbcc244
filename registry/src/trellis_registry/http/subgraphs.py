"""Schema registry endpoints: ``/v1/subgraphs`` and ``/v1/supergraph``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from trellis_registry.http.bodies import (
    NAME_PATTERN,
    CompositionErrorsBody,
    PublishBody,
    PublishResultBody,
    SubgraphBody,
    SubgraphListBody,
    SubgraphSchemaBody,
)
from trellis_registry.http.dependencies import SchemaRegistryDep

__all__ = ["etag_matches", "router"]

router = APIRouter(tags=["schema registry"])

SubgraphName = Annotated[str, Path(pattern=NAME_PATTERN, description="The subgraph name.")]


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Tells whether an ``If-None-Match`` header matches an entity tag.

    Spec: RFC 9110 section 13.1.2 (weak comparison; ``*`` matches any current entity).

    Args:
        if_none_match: The header value: ``*`` or a comma-separated list of entity tags.
        etag: The current entity tag, quoted (``"<id>"``).

    Returns:
        True when the client's copy is current.
    """
    candidates = [candidate.strip() for candidate in if_none_match.split(",")]
    return any(candidate == "*" or candidate.removeprefix("W/") == etag for candidate in candidates)


@router.post(
    "/v1/subgraphs/{name}",
    responses={
        409: {
            "model": CompositionErrorsBody,
            "description": "Composition failed, or (with refuse_breaking_changes) the schema "
            "breaks recorded operations: then the body also has `changes`.",
        }
    },
)
async def publish(
    name: SubgraphName, body: PublishBody, schema_registry: SchemaRegistryDep
) -> PublishResultBody:
    """Publishes a subgraph's SDL; refused with 409 and the errors when composition fails
    (or when it breaks recorded operations and the registry refuses breaking changes)."""
    result = await schema_registry.publish(name, body.sdl, body.routing_url)
    return PublishResultBody(
        subgraph=result.subgraph,
        version=result.version,
        changed=result.changed,
        supergraph_id=result.supergraph_id,
    )


@router.get("/v1/subgraphs")
async def list_subgraphs(schema_registry: SchemaRegistryDep) -> SubgraphListBody:
    """Lists the current version of every published subgraph."""
    subgraphs = await schema_registry.subgraphs()
    return SubgraphListBody(subgraphs=[SubgraphBody.of(subgraph) for subgraph in subgraphs])


@router.get("/v1/subgraphs/{name}")
async def fetch_subgraph(
    name: SubgraphName, schema_registry: SchemaRegistryDep
) -> SubgraphSchemaBody:
    """Returns a subgraph's current version with its SDL; 404 when never published."""
    return SubgraphSchemaBody.of(await schema_registry.subgraph(name))


@router.get(
    "/v1/supergraph",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The supergraph SDL."},
        304: {"description": "The client's copy (If-None-Match) is current."},
        404: {"description": "Nothing has been published yet."},
    },
)
async def fetch_supergraph(
    schema_registry: SchemaRegistryDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Returns the current supergraph SDL with ``ETag: "<id>"``; 304 when it matches."""
    supergraph = await schema_registry.supergraph()
    etag = f'"{supergraph.id}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=supergraph.sdl, media_type="text/plain; charset=utf-8", headers=headers)
