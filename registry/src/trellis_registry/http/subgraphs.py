"""Schema registry endpoints: ``/v1/subgraphs`` (publish, versions, rollback) and
``/v1/supergraph`` (the current artifact, a blocking query, and its history)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from trellis_registry.errors import SupergraphNotFoundError
from trellis_registry.http.blocking import INDEX_HEADER, BlockingQueryDep, wait_for_change
from trellis_registry.http.bodies import (
    NAME_PATTERN,
    CompositionErrorsBody,
    PublishBody,
    PublishResultBody,
    RollbackBody,
    SubgraphBody,
    SubgraphListBody,
    SubgraphSchemaBody,
    SubgraphVersionBody,
    SubgraphVersionsBody,
    SubgraphVersionSchemaBody,
    SupergraphHistoryBody,
    SupergraphRevisionBody,
)
from trellis_registry.http.dependencies import SchemaRegistryDep
from trellis_registry.subgraphs import PublishResult

__all__ = ["etag_matches", "router"]

router = APIRouter(tags=["schema registry"])

SubgraphName = Annotated[str, Path(pattern=NAME_PATTERN, description="The subgraph name.")]

_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {
        "model": CompositionErrorsBody,
        "description": "Composition failed, or (with refuse_breaking_changes) the schema "
        "breaks recorded operations: then the body also has `changes`.",
    }
}


def _result(result: PublishResult) -> PublishResultBody:
    return PublishResultBody(
        subgraph=result.subgraph,
        version=result.version,
        changed=result.changed,
        supergraph_id=result.supergraph_id,
    )


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


@router.post("/v1/subgraphs/{name}", responses=_REFUSED)
async def publish(
    name: SubgraphName, body: PublishBody, schema_registry: SchemaRegistryDep
) -> PublishResultBody:
    """Publishes a subgraph's SDL; refused with 409 and the errors when composition fails
    (or when it breaks recorded operations and the registry refuses breaking changes)."""
    return _result(
        await schema_registry.publish(name, body.sdl, body.routing_url, body.published_by)
    )


@router.post(
    "/v1/subgraphs/{name}/rollback",
    responses={**_REFUSED, 404: {"description": "Unknown subgraph or version."}},
)
async def rollback(
    name: SubgraphName, body: RollbackBody, schema_registry: SchemaRegistryDep
) -> PublishResultBody:
    """Publishes an earlier version's SDL and routing URL again as a new version, through the
    same checks as a publish (409 when it no longer composes); a no-op when already current."""
    return _result(await schema_registry.rollback(name, body.version, body.published_by))


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


@router.get("/v1/subgraphs/{name}/versions", responses={404: {"description": "Unknown."}})
async def list_versions(
    name: SubgraphName, schema_registry: SchemaRegistryDep
) -> SubgraphVersionsBody:
    """Lists every version of a subgraph, newest first (who and when, the SDL's sha256)."""
    versions = await schema_registry.versions(name)
    return SubgraphVersionsBody(
        subgraph=name, versions=[SubgraphVersionBody.of(version) for version in versions]
    )


@router.get("/v1/subgraphs/{name}/versions/{version}", responses={404: {"description": "Unknown."}})
async def fetch_version(
    name: SubgraphName,
    version: Annotated[int, Path(ge=1, description="The version number.")],
    schema_registry: SchemaRegistryDep,
) -> SubgraphVersionSchemaBody:
    """Returns one version of a subgraph with its SDL."""
    return SubgraphVersionSchemaBody.of(await schema_registry.version(name, version))


@router.get("/v1/supergraph/history")
async def supergraph_history(
    schema_registry: SchemaRegistryDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000, description="The most to return.")] = 20,
) -> SupergraphHistoryBody:
    """Lists the most recent supergraphs, newest first: revision, id, when, and the subgraph
    versions each was composed from."""
    index = await schema_registry.index()
    history = await schema_registry.history(limit)
    response.headers[INDEX_HEADER] = str(index)
    return SupergraphHistoryBody(
        index=index, supergraphs=[SupergraphRevisionBody.of(s) for s in history]
    )


@router.get(
    "/v1/supergraph",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The supergraph SDL."},
        304: {"description": "The client's copy (If-None-Match) is current."},
        400: {"description": "Bad index or wait."},
        404: {"description": "Nothing has been published yet."},
    },
)
async def fetch_supergraph(
    request: Request,
    blocking: BlockingQueryDep,
    schema_registry: SchemaRegistryDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Returns the current supergraph SDL with ``ETag: "<id>"``; 304 when it matches.

    A blocking query with ``?index=N&wait=30s``: the ``If-None-Match`` comparison happens
    after the wait, so a watcher gets 304 when the index moved but the supergraph did not.
    """
    await wait_for_change(request, blocking)
    index = await schema_registry.index()
    try:
        supergraph = await schema_registry.supergraph()
    except SupergraphNotFoundError as error:
        return JSONResponse(
            {"detail": str(error)}, status_code=404, headers={INDEX_HEADER: str(index)}
        )
    etag = f'"{supergraph.id}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", INDEX_HEADER: str(index)}
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=supergraph.sdl, media_type="text/plain; charset=utf-8", headers=headers)
