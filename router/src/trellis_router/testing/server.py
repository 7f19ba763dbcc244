"""Serve mock subgraphs over real HTTP: one in-process aiohttp server per mock, free ports."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import orjson
from aiohttp import web

from .mock import MockSubgraph

__all__ = ["serve_mock_subgraphs"]


@asynccontextmanager
async def serve_mock_subgraphs(mocks: Iterable[MockSubgraph]) -> AsyncIterator[dict[str, str]]:
    """Serve each mock at ``http://127.0.0.1:<free port>/graphql`` (GraphQL over HTTP, POST JSON).

    Example:
        >>> async with serve_mock_subgraphs([mock]) as urls:  # doctest: +SKIP
        ...     urls["products"]
        'http://127.0.0.1:38211/graphql'

    Args:
        mocks: the mock subgraphs (distinct names).

    Yields:
        The routing URL of each mock, by subgraph name.

    Spec: GraphQL over HTTP, POST with ``application/json`` bodies.
    """
    async with AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        for mock in mocks:
            urls[mock.name] = await stack.enter_async_context(_serve(mock))
        yield urls


@asynccontextmanager
async def _serve(mock: MockSubgraph) -> AsyncIterator[str]:
    async def graphql(request: web.Request) -> web.Response:
        try:
            body: Any = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _json({"errors": [{"message": "The request body is not valid JSON."}]}, 400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _json({"errors": [{"message": "The request has no query."}]}, 400)
        result = mock.execute(body["query"], body.get("variables"), body.get("operationName"))
        return _json(result, 200)

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    site = web.SockSite(runner, sock)
    try:
        await site.start()
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        await runner.cleanup()
        sock.close()


def _json(body: Any, status: int) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")
