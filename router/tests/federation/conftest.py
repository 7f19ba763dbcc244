"""Scenario discovery and the router app for the federation scenario tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from trellis_router.configuration import RouterSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph
from trellis_router.testing.scenario import Scenario, load_scenario

SCENARIOS_DIR = Path(__file__).parent / "scenarios"


def all_scenarios() -> list[Scenario]:
    """Every scenario folder under ``scenarios/``, sorted by name."""
    return [
        load_scenario(path)
        for path in sorted(SCENARIOS_DIR.iterdir())
        if (path / "subgraphs").is_dir()
    ]


@asynccontextmanager
async def router_client(
    supergraph_sdl: str, urls: Mapping[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """Our router's ASGI app (real pipeline, aiohttp subgraph client) routed to ``urls``."""
    supergraph = load_supergraph(supergraph_sdl)
    state = RouterState.build(supergraph, {name: [url] for name, url in urls.items()})
    client = AiohttpSubgraphClient(timeout_seconds=10)
    app = create_app(RouterSettings(expose_query_plan=True), StateHolder(state), client=client)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield http
    finally:
        await client.close()
