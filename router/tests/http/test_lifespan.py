"""The app's lifespan: follows a supergraph source; not ready until the first supergraph."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from trellis_router.configuration import RouterSettings
from trellis_router.http import create_app
from trellis_router.sources import FileSource, SupergraphUpdate

SDL_PATH = Path(__file__).parent / "shop.supergraph.graphql"


class NeverSource:
    """A source that never reports a supergraph."""

    async def updates(self) -> AsyncGenerator[SupergraphUpdate, None]:
        if False:  # pragma: no cover - makes this an async generator
            yield SupergraphUpdate()


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan around an httpx client over the ASGI transport."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield client


async def test_source_is_followed_in_lifespan():
    app = create_app(RouterSettings(), source=FileSource(SDL_PATH))
    async with running(app) as client:
        for _ in range(200):  # the source task loads the supergraph in a thread
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        assert (await client.get("/ready")).status_code == 200
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_not_ready_until_a_supergraph_arrives():
    app = create_app(RouterSettings(), source=NeverSource())
    async with running(app) as client:
        assert (await client.get("/ready")).status_code == 503
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"accept": "application/graphql-response+json"},
        )
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
