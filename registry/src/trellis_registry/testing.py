"""Helpers for tests that need a real registry: in-process (httpx) or over HTTP (uvicorn).

Other parts' tests (the router's registry source, the subgraph kit's registration) can use
`serve_over_http` to get a registry on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import uvicorn

from trellis_registry.clock import Clock, utc_now
from trellis_registry.http.app import create_app
from trellis_registry.settings import RegistrySettings

__all__ = ["ManualClock", "free_port", "serve_in_process", "serve_over_http"]


@dataclass(slots=True)
class ManualClock:
    """A `Clock` that only moves when told to.

    Attributes:
        now: The time it returns, timezone-aware UTC.
    """

    now: datetime

    def __call__(self) -> datetime:
        """Returns `now`."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Moves the clock forward.

        Args:
            seconds: How far, in seconds.
        """
        self.now += timedelta(seconds=seconds)


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve_in_process(
    settings: RegistrySettings, clock: Clock = utc_now
) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the registry app's lifespan and yields a client that calls it in-process.

    Args:
        settings: The registry settings (use a temporary ``database_url``).
        clock: The source of the current time.

    Yields:
        An `httpx.AsyncClient` whose base URL is ``http://registry.test``.
    """
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client,
    ):
        yield client


@contextlib.asynccontextmanager
async def serve_over_http(settings: RegistrySettings) -> AsyncIterator[str]:
    """Runs the registry under uvicorn on ``settings.host`` (port 0 picks a free one).

    Args:
        settings: The registry settings (use a temporary ``database_url``).

    Yields:
        The base URL, e.g. ``http://127.0.0.1:53127``.

    Raises:
        RuntimeError: The server stopped before it started listening.
    """
    port = settings.port or free_port()
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                raise RuntimeError("the registry server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://{settings.host}:{port}"
    finally:
        server.should_exit = True
        await task
