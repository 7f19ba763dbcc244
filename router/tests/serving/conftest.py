"""Real HTTP stand-ins for the router's serving tests, each on a free port of 127.0.0.1.

- :class:`Instance`: one subgraph instance answering GraphQL over HTTP with canned data that
  names the instance (or HTTP 503, or slowly); it can be stopped and started again.
- :class:`ResettingInstance`: accepts a connection, reads the request, closes without answering.
- :class:`RegistryStandIn`: the registry's router contract: ``/v1/routing-urls`` and
  ``/v1/supergraph`` with blocking queries (``?index=N&wait=…``), ETag/304/404, and 503 or
  "down" on demand.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

SHOP_SDL = (Path(__file__).parents[1] / "http" / "shop.supergraph.graphql").read_text()


def _bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def closed_port_url() -> str:
    """A URL on a port where nothing listens (connection refused)."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/graphql"


class _Server:
    """An aiohttp app on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        sock = _bound_socket(self.port)
        self.port = sock.getsockname()[1]
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


class Instance(_Server):
    """A subgraph instance: answers ``{"data": {"me": {"name": <name>}}}`` to a query and
    ``{"data": {"rename": {"name": <name>}}}`` to a mutation.

    Attributes:
        name: names the instance in its answers.
        mode: ``ok``, ``unavailable`` (HTTP 503) or ``slow`` (answers after ``delay``).
        bodies: the request bodies received.
    """

    def __init__(self, name: str, mode: str = "ok", delay: float = 0.5) -> None:
        super().__init__()
        self.name = name
        self.mode = mode
        self.delay = delay
        self.bodies: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def app(self) -> web.Application:
        async def graphql(request: web.Request) -> web.Response:
            body = orjson.loads(await request.read())
            self.bodies.append(body)
            if self.mode == "unavailable":
                return web.Response(status=503, text="unavailable")
            if self.mode == "slow":
                await asyncio.sleep(self.delay)
            field = "rename" if body["query"].lstrip().startswith("mutation") else "me"
            answer = {"data": {field: {"name": self.name}}}
            return web.Response(body=orjson.dumps(answer), content_type="application/json")

        app = web.Application()
        app.router.add_post("/graphql", graphql)
        return app


class ResettingInstance:
    """Reads each request's head, then closes the connection without an answer."""

    def __init__(self) -> None:
        self.requests = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    async def start(self) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            else:
                self.requests += 1
            writer.close()

        self._server = await asyncio.start_server(handle, sock=_bound_socket())
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def _wait_seconds(text: str) -> float:
    match = _DURATION.match(text)
    assert match, f"bad wait {text!r}"
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


class RegistryStandIn(_Server):
    """The registry's contract for the router, with a monotonic index and blocking queries.

    Attributes:
        index: the registry index (bumped by :meth:`change`).
        sdl: the published supergraph (None: 404).
        routing: routing URLs by subgraph name.
        unavailable: answer HTTP 503 to everything.
        blocking: whether ``?index`` is honoured (False: an older registry, answers at once).
        routing_reads: ``(index param, wait param)`` of each routing URL read.
        supergraph_reads: how many times the supergraph was read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.index = 1
        self.sdl: str | None = None
        self.routing: dict[str, list[str]] = {}
        self.unavailable = False
        self.blocking = True
        self.routing_reads: list[tuple[str | None, str | None]] = []
        self.supergraph_reads = 0
        self._changed = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def change(self, **values: Any) -> None:
        """Set attributes (``sdl``, ``routing``), bump the index and wake blocking reads."""
        for name, value in values.items():
            setattr(self, name, value)
        self.index += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def stop(self) -> None:
        self._changed.set()  # like the registry: blocking reads end on shutdown
        self._changed = asyncio.Event()
        await super().stop()

    def app(self) -> web.Application:
        async def routing_urls(request: web.Request) -> web.Response:
            asked, wait = request.query.get("index"), request.query.get("wait")
            self.routing_reads.append((asked, wait))
            if self.blocking and asked is not None:
                deadline = asyncio.get_running_loop().time() + _wait_seconds(wait or "300s")
                while self.index <= int(asked) and self._runner is not None:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    try:
                        await asyncio.wait_for(self._changed.wait(), remaining)
                    except TimeoutError:
                        break
            if self.unavailable:
                return web.Response(status=503)
            body = {"index": self.index, "subgraphs": self.routing}
            headers = {"X-Registry-Index": str(self.index)}
            return web.json_response(body, headers=headers)

        async def supergraph(request: web.Request) -> web.Response:
            self.supergraph_reads += 1
            if self.unavailable:
                return web.Response(status=503)
            if self.sdl is None:
                return web.Response(status=404)
            etag = '"' + hashlib.sha256(self.sdl.encode()).hexdigest()[:16] + '"'
            headers = {"ETag": etag, "X-Registry-Index": str(self.index)}
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers=headers)
            return web.Response(text=self.sdl, headers=headers)

        app = web.Application()
        app.router.add_get("/v1/routing-urls", routing_urls)
        app.router.add_get("/v1/supergraph", supergraph)
        return app


@pytest.fixture
async def registry() -> AsyncIterator[RegistryStandIn]:
    stand_in = RegistryStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def start_instance() -> AsyncIterator[Callable[..., Awaitable[Instance]]]:
    started: list[Instance] = []

    async def start(name: str, mode: str = "ok", delay: float = 0.5) -> Instance:
        instance = Instance(name, mode, delay)
        await instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        await instance.stop()


@pytest.fixture
async def resetting() -> AsyncIterator[ResettingInstance]:
    instance = ResettingInstance()
    await instance.start()
    yield instance
    await instance.stop()


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``condition()`` holds (checked every 10 ms); fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.01)
