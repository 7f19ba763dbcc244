"""Test helpers for subgraphs: in-process apps, real servers on free ports, SQL counting, and a
recording registry peer.

Nothing here replaces a real part: apps run with their real lifespan and database, servers are
real uvicorn servers, and :class:`RecordingRegistry` is a small HTTP peer that speaks the
registry API and records what it received.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

__all__ = [
    "RecordedRequest",
    "RecordingRegistry",
    "StatementLog",
    "count_statements",
    "free_port",
    "in_process_client",
    "post_graphql",
    "serve",
]


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def in_process_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and yield a client that calls it in process.

    Args:
        app: A Starlette/FastAPI app.

    Yields:
        An ``httpx.AsyncClient`` with base URL ``http://subgraph``.
    """
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://subgraph"
        ) as client,
    ):
        yield client


@asynccontextmanager
async def serve(app: ASGIApp, port: int, *, lifespan: bool = True) -> AsyncIterator[str]:
    """Serve an app with a real uvicorn server on 127.0.0.1 in the current event loop.

    Args:
        app: The ASGI app.
        port: The port (see :func:`free_port`).
        lifespan: Whether to run the app's lifespan.

    Yields:
        The base URL, e.g. ``http://127.0.0.1:54321``.

    Raises:
        RuntimeError: If the server stops before it starts listening.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on" if lifespan else "off",
        ws="none",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def post_graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation to ``/graphql`` and return the whole response body.

    Args:
        client: A client whose base URL is the subgraph.
        query: The operation text.
        variables: Its variables.

    Returns:
        The decoded JSON body (``data`` and maybe ``errors``).
    """
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    return body


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass(slots=True)
class StatementLog:
    """SQL statements executed while :func:`count_statements` was active."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of statements."""
        return len(self.statements)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementLog]:
    """Record every SQL query an engine executes (SQLAlchemy ``before_cursor_execute``).

    Transaction control (``BEGIN``, ``COMMIT``, ``ROLLBACK``, savepoints) is not a query and is
    left out.

    Args:
        engine: The async engine to watch.

    Yields:
        The log, filled while the block runs.
    """
    log = StatementLog()

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            log.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request received by :class:`RecordingRegistry`."""

    method: str
    path: str
    body: Any


class RecordingRegistry:
    """A small HTTP peer speaking the registry API, recording every request.

    It keeps the set of registered instances (so heartbeats of unknown instances get 404, as the
    contract says) and answers publishes with 200, or with 409 and ``reject_with`` errors.
    ``GET /v1/subgraphs/{name}`` answers the last accepted publish (404 before one); those reads
    are not recorded.

    Attributes:
        requests: Every request received, in order.
        instances: Registered ``(service, instance_id)`` pairs.
        reject_with: When not empty, publishes answer 409 with these ``{code, message}`` errors.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.instances: set[tuple[str, str]] = set()
        self.reject_with: list[dict[str, str]] = []
        self.published: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Condition()
        self.app = Starlette(
            routes=[
                Route("/v1/services/{service}/instances", self._register, methods=["POST"]),
                Route(
                    "/v1/services/{service}/instances/{instance_id}/heartbeat",
                    self._heartbeat,
                    methods=["PUT"],
                ),
                Route(
                    "/v1/services/{service}/instances/{instance_id}",
                    self._deregister,
                    methods=["DELETE"],
                ),
                Route("/v1/subgraphs/{name}", self._publish, methods=["POST"]),
                Route("/v1/subgraphs/{name}", self._fetch, methods=["GET"]),
            ]
        )

    def paths(self, method: str) -> list[str]:
        """Paths of the recorded requests with this method, in order."""
        return [r.path for r in self.requests if r.method == method]

    async def wait_for(
        self, predicate: Callable[[RecordingRegistry], bool], timeout_seconds: float = 10.0
    ) -> None:
        """Wait until ``predicate(self)`` holds (checked after every request).

        Args:
            predicate: The condition.
            timeout_seconds: Give up after this long (a guard against hanging, not a timing
                assertion).

        Raises:
            TimeoutError: If the condition does not hold in time.
        """
        async with asyncio.timeout(timeout_seconds), self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    async def _record(self, request: Request) -> Any:
        raw = await request.body()
        body = await request.json() if raw else None
        self.requests.append(RecordedRequest(request.method, request.url.path, body))
        return body

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _register(self, request: Request) -> Response:
        body = await self._record(request)
        self.instances.add((request.path_params["service"], body["instance_id"]))
        await self._notify()
        return JSONResponse({**body, "service": request.path_params["service"], "status": "UP"})

    async def _heartbeat(self, request: Request) -> Response:
        await self._record(request)
        key = (request.path_params["service"], request.path_params["instance_id"])
        await self._notify()
        if key not in self.instances:
            return JSONResponse({"errors": [{"message": "unknown instance"}]}, status_code=404)
        return JSONResponse({"status": "UP"})

    async def _deregister(self, request: Request) -> Response:
        await self._record(request)
        key = (request.path_params["service"], request.path_params["instance_id"])
        known = key in self.instances
        self.instances.discard(key)
        await self._notify()
        return Response(status_code=204 if known else 404)

    async def _fetch(self, request: Request) -> Response:
        current = self.published.get(request.path_params["name"])
        if current is None:
            return JSONResponse({"detail": "never published"}, status_code=404)
        return JSONResponse(current)

    async def _publish(self, request: Request) -> Response:
        body = await self._record(request)
        await self._notify()
        if self.reject_with:
            return JSONResponse({"errors": self.reject_with}, status_code=409)
        version = sum(1 for r in self.requests if r.path == request.url.path)
        self.published[request.path_params["name"]] = {**body, "version": version}
        return JSONResponse(
            {
                "subgraph": request.path_params["name"],
                "version": version,
                "changed": version == 1,
                "supergraph_id": f"sg-{version}",
            }
        )
