"""The subgraph SDL, exactly as ``{ _service { sdl } }`` returns it."""

from __future__ import annotations

from strawberry.federation import Schema

__all__ = ["subgraph_sdl"]

SERVICE_SDL_QUERY = "{ _service { sdl } }"


def subgraph_sdl(schema: Schema) -> str:
    """Return the subgraph SDL by running ``{ _service { sdl } }`` against the schema.

    Spec: Apollo Federation subgraph specification, ``Query._service``.

    Args:
        schema: A Strawberry federation schema.

    Returns:
        The SDL text, byte for byte what the router and the registry receive.

    Raises:
        RuntimeError: If the schema cannot answer the query.
    """
    result = schema.execute_sync(SERVICE_SDL_QUERY)
    if result.errors or result.data is None:
        raise RuntimeError(f"_service query failed: {result.errors}")
    sdl: str = result.data["_service"]["sdl"]
    return sdl
