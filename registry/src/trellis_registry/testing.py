"""Helpers for tests that need a real registry: in-process (httpx) or over HTTP (uvicorn).

Other parts' tests (the router's registry source, the subgraph kit's registration) can use
`serve_over_http` to get a registry on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import uvicorn

from trellis_registry.backend import RegistryBackend
from trellis_registry.clock import Clock, utc_now
from trellis_registry.http.app import create_app
from trellis_registry.server import RegistryServer
from trellis_registry.settings import RegistrySettings

__all__ = ["ManualClock", "eventually", "free_port", "serve_in_process", "serve_over_http"]


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


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout_seconds: float = 20.0,
    interval_seconds: float = 0.01,
) -> None:
    """Polls a condition until it holds (tests of background work: sweeps, health checks).

    Args:
        condition: A callable returning a bool, or an awaitable of one.
        timeout_seconds: How long to keep polling, in seconds.
        interval_seconds: The pause between two polls, in seconds.

    Raises:
        AssertionError: The condition did not hold within the timeout.
    """
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        outcome = condition()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        await asyncio.sleep(interval_seconds)
    raise AssertionError(f"the condition did not hold within {timeout_seconds} s")


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve_in_process(
    settings: RegistrySettings,
    clock: Clock = utc_now,
    *,
    backend: RegistryBackend | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the registry app's lifespan and yields a client that calls it in-process.

    Args:
        settings: The registry settings (use a temporary ``database_url``).
        clock: The source of the current time.
        backend: The store, or None for the one the settings name.

    Yields:
        An `httpx.AsyncClient` whose base URL is ``http://registry.test``.
    """
    app = create_app(settings, backend=backend, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client,
    ):
        yield client


@contextlib.asynccontextmanager
async def serve_over_http(
    settings: RegistrySettings,
    *,
    backend: RegistryBackend | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[str]:
    """Runs the registry under uvicorn on ``settings.host`` and ``settings.port`` (port 0:
    the system picks a free one).

    Leaving the context shuts the server down gracefully (blocking queries in flight answer
    at once).

    Args:
        settings: The registry settings (use a temporary ``database_url``).
        backend: The store, or None for the one the settings name.
        clock: The source of the current time.

    Yields:
        The base URL, e.g. ``http://127.0.0.1:53127``.

    Raises:
        RuntimeError: The server stopped before it started listening.
    """
    app = create_app(settings, backend=backend, clock=clock)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", lifespan="on"
    )
    server = RegistryServer(config, app)

    async def serve() -> None:
        try:
            await server.serve()
        except SystemExit as error:  # uvicorn exits when it cannot bind or start up
            raise RuntimeError(f"the registry server could not start ({error.code})") from None

    task = asyncio.create_task(serve())
    try:
        while not server.started:
            if task.done():
                raise RuntimeError("the registry server stopped before it started")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{settings.host}:{port}"
    finally:
        server.should_exit = True
        await task
