"""Supergraph sources: file, registry (a real fake-registry server), state swaps."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from trellis_router.sources import FileSource, RegistrySource, SupergraphUpdate, apply_update
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

SDL = (Path(__file__).parents[1] / "http" / "shop.supergraph.graphql").read_text()


class FakeRegistry:
    """Serves /v1/supergraph (ETag, 304, 404) and /v1/routing-urls from attributes."""

    def __init__(self) -> None:
        self.sdl: str | None = None
        self.routing: dict[str, list[str]] = {}
        self.seen_etags: list[str | None] = []

    def app(self) -> Starlette:
        async def supergraph(request: Request) -> Response:
            self.seen_etags.append(request.headers.get("if-none-match"))
            if self.sdl is None:
                return Response(status_code=404)
            etag = f'"{hash(self.sdl)}"'
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
            return Response(self.sdl, media_type="text/plain", headers={"ETag": etag})

        async def routing_urls(request: Request) -> Response:
            return JSONResponse({"index": 1, "subgraphs": self.routing})

        return Starlette(
            routes=[Route("/v1/supergraph", supergraph), Route("/v1/routing-urls", routing_urls)]
        )


@pytest.fixture
async def registry() -> Any:
    fake = FakeRegistry()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # type: ignore[attr-defined]
    yield fake
    server.should_exit = True
    await task


async def test_registry_poll_follows_etag_and_routing_urls(registry):
    source = RegistrySource(registry.url, poll_interval_seconds=0.01)
    async with aiohttp.ClientSession() as session:
        assert await source.poll(session) == SupergraphUpdate(sdl=None, routing_urls={})
        registry.sdl = SDL
        registry.routing = {"accounts": ["http://a1/graphql", "http://a2/graphql"]}
        first = await source.poll(session)
        assert first is not None
        assert first.sdl == SDL
        assert first.routing_urls == registry.routing
        assert await source.poll(session) is None
        assert registry.seen_etags[-1] == f'"{hash(SDL)}"'
        registry.routing = {"accounts": ["http://a3/graphql"]}
        assert await source.poll(session) == SupergraphUpdate(
            sdl=None, routing_urls={"accounts": ["http://a3/graphql"]}
        )


async def test_registry_unreachable_is_no_update():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    source = RegistrySource(f"http://127.0.0.1:{port}")
    async with aiohttp.ClientSession() as session:
        assert await source.poll(session) is None


async def test_updates_stream_swaps_state(registry):
    registry.sdl = SDL
    registry.routing = {"reviews": ["http://r1/graphql"]}
    holder = StateHolder()
    source = RegistrySource(registry.url, poll_interval_seconds=0.01)
    updates = source.updates()
    update = await anext(updates)
    await updates.aclose()
    assert await apply_update(update, holder, update.routing_urls)
    assert holder.current is not None
    assert holder.current.routing.url_for("reviews") == "http://r1/graphql"
    assert holder.current.routing.url_for("accounts") == "http://127.0.0.1:9/graphql"


async def test_bad_supergraph_keeps_the_current_state():
    holder = StateHolder(RouterState.build(load_supergraph(SDL)))
    before = holder.current
    assert not await apply_update(SupergraphUpdate(sdl="type Query { x: Int }"), holder, None)
    assert holder.current is before


async def test_routing_update_keeps_supergraph_and_caches():
    holder = StateHolder(RouterState.build(load_supergraph(SDL)))
    before = holder.current
    assert before is not None
    routing = {"accounts": ["http://x/graphql"]}
    assert await apply_update(SupergraphUpdate(routing_urls=routing), holder, routing)
    after = holder.current
    assert after is not None and after is not before
    assert after.supergraph is before.supergraph
    assert after.caches is before.caches
    assert before.routing.url_for("accounts") == "http://127.0.0.1:9/graphql"
    assert after.routing.url_for("accounts") == "http://x/graphql"


def test_routing_table_round_robin():
    state = RouterState.build(
        load_supergraph(SDL), {"accounts": ["http://a1/graphql", "http://a2/graphql"]}
    )
    picks = [state.routing.url_for("accounts") for _ in range(4)]
    assert picks == ["http://a1/graphql", "http://a2/graphql"] * 2


async def test_file_source_yields_once(tmp_path):
    path = tmp_path / "supergraph.graphql"
    path.write_text(SDL)
    updates = [update async for update in FileSource(path).updates()]
    assert updates == [SupergraphUpdate(sdl=SDL)]
