"""Graceful shutdown of a real ``trellis-router serve`` process (SIGTERM).

The router serves the shop supergraph whose ``accounts`` subgraph is a tiny aiohttp server in
this test that holds each answer until the test releases it, so a request is provably in flight
when the router gets SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest
from aiohttp import web

SHOP_SDL = (Path(__file__).parent / "http" / "shop.supergraph.graphql").read_text()
ROUTER = Path(sys.executable).parent / "trellis-router"
ME = {"data": {"me": {"__typename": "User", "id": "1", "name": "Ada"}}}


@dataclass
class SlowSubgraph:
    """Answers every POST with ``ME`` once released (or after ``hold_seconds``)."""

    hold_seconds: float
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def graphql(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrived.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), self.hold_seconds)
        return web.Response(body=orjson.dumps(ME), content_type="application/json")


@contextlib.asynccontextmanager
async def slow_subgraph(hold_seconds: float) -> AsyncIterator[SlowSubgraph]:
    subgraph = SlowSubgraph(hold_seconds)
    app = web.Application()
    app.router.add_post("/graphql", subgraph.graphql)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    subgraph.url = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    try:
        yield subgraph
    finally:
        subgraph.release.set()
        await runner.cleanup()
        sock.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def router_process(
    tmp_path: Path, accounts_url: str, env: dict[str, str]
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """``trellis-router serve`` on a free port, ready (``/health``); killed if still running."""
    supergraph = tmp_path / "shop.supergraph.graphql"
    accounts = 'ACCOUNTS @join__graph(name: "accounts", url: "http://127.0.0.1:9/graphql")'
    assert accounts in SHOP_SDL
    supergraph.write_text(
        SHOP_SDL.replace(
            accounts, f'ACCOUNTS @join__graph(name: "accounts", url: "{accounts_url}")'
        )
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    process = await asyncio.create_subprocess_exec(
        str(ROUTER),
        "serve",
        "--supergraph",
        str(supergraph),
        "--listen",
        f"127.0.0.1:{port}",
        env={**clean, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _until(lambda: _healthy(base), "the router never became healthy", process)
        yield process, base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _healthy(base: str) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{base}/health")).status_code == 200
    except (httpx.TransportError, OSError):
        # not listening yet; a connection reset while the server starts up can also escape
        # httpx's mapping as a bare OSError (ConnectionResetError)
        return False


async def _refused(base: str) -> bool:
    host, port = base.removeprefix("http://").split(":")
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except ConnectionRefusedError:
        return True
    writer.close()
    return False


async def _until(
    condition: Callable[[], Awaitable[bool]],
    message: str,
    process: asyncio.subprocess.Process | None = None,
    deadline_seconds: float = 20.0,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_seconds
    while not await condition():
        if process is not None and process.returncode is not None:
            stderr = await process.stderr.read() if process.stderr else b""
            pytest.fail(f"{message}: the router exited {process.returncode}: {stderr.decode()}")
        if loop.time() > deadline:
            pytest.fail(message)
        await asyncio.sleep(0.05)


async def _query(base: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{base}/graphql", json={"query": "{ me { id name } }"})


async def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    async with (
        slow_subgraph(hold_seconds=10) as subgraph,
        router_process(tmp_path, subgraph.url, {}) as (process, base),
    ):
        in_flight = asyncio.create_task(_query(base))
        await asyncio.wait_for(subgraph.arrived.wait(), 10)
        process.send_signal(signal.SIGTERM)
        await _until(lambda: _refused(base), "new connections were still accepted")
        assert not in_flight.done()
        subgraph.release.set()
        response = await asyncio.wait_for(in_flight, 10)
        assert response.status_code == 200
        assert response.json() == {"data": {"me": {"id": "1", "name": "Ada"}}}
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_requests_longer_than_the_grace_period_are_cut_off(tmp_path: Path) -> None:
    env = {"TRELLIS_ROUTER_GRACEFUL_SHUTDOWN_SECONDS": "0.2"}
    async with (
        slow_subgraph(hold_seconds=60) as subgraph,
        router_process(tmp_path, subgraph.url, env) as (process, base),
    ):
        in_flight = asyncio.create_task(_query(base))
        await asyncio.wait_for(subgraph.arrived.wait(), 10)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
        assert not subgraph.release.is_set()
        cut_off = await asyncio.wait_for(in_flight, 10)
        # uvicorn cancels the request's task and answers it with a plain 500.
        assert cut_off.status_code == 500
        assert cut_off.headers["connection"] == "close"
