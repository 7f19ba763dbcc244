"""Inbound in-flight deduplication (``traffic_shaping.inbound_deduplication``).

A real subgraph server holds its answers until the test releases them, so that identical client
requests are certainly in flight together; subgraph request deduplication is off, so every
execution the router makes shows as one subgraph request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from graphql import graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from trellis_router.configuration import RouterSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SUPERGRAPH_SDL, _accounts, _reviews, serve, stop


@dataclass
class GatedSubgraph:
    """A subgraph that answers only once :attr:`gate` is set; counts the requests it got."""

    schema: Any
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            body = orjson.loads(await request.body())
            self.requests.append(body)
            await self.gate.wait()
            result = await graphql(
                self.schema, body["query"], variable_values=body.get("variables")
            )
            return Response(orjson.dumps(result.formatted), media_type="application/json")

        return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])


@dataclass
class Router:
    client: httpx.AsyncClient
    app: Any
    accounts: GatedSubgraph


async def _poll(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


@pytest.fixture
def make_router() -> Callable[[bool], Awaitable[Router]]:
    return _make_router  # type: ignore[return-value]


_cleanups: list[Callable[[], Awaitable[None]]] = []


@pytest.fixture(autouse=True)
async def _cleanup() -> AsyncIterator[None]:
    yield
    while _cleanups:
        await _cleanups.pop()()


async def _make_router(enabled: bool) -> Router:
    accounts, reviews = GatedSubgraph(_accounts()), GatedSubgraph(_reviews())
    reviews.gate.set()
    urls = {}
    for name, server in (("accounts", accounts), ("reviews", reviews)):
        base, uv, task = await serve(server.app())
        urls[name] = [f"{base}/graphql"]
        _cleanups.append(lambda uv=uv, task=task: stop(uv, task))  # type: ignore[misc]
    holder = StateHolder(RouterState.build(load_supergraph(SUPERGRAPH_SDL), urls))
    subgraph_client = AiohttpSubgraphClient(timeout_seconds=10)
    _cleanups.append(subgraph_client.close)
    settings = RouterSettings.model_validate(
        {
            "traffic_shaping_deduplicate_query": False,
            "traffic_shaping": {"inbound_deduplication": enabled},
        }
    )
    app = create_app(settings, holder, client=subgraph_client)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://router")
    _cleanups.append(client.aclose)
    return Router(client, app, accounts)


QUERY = {"query": "query Me($id: ID!) { user(id: $id) { name reviews { body } } }"}


async def _concurrently(
    router: Router, bodies: list[dict[str, Any]], headers: list[dict[str, str]], waiting: int
) -> list[httpx.Response]:
    """Send the requests at once; release the subgraph when ``waiting`` of them are parked
    (waiting on the subgraph or on a shared execution)."""
    endpoint = router.app.state.endpoint
    tasks = [
        asyncio.create_task(router.client.post("/graphql", json=body, headers=header))
        for body, header in zip(bodies, headers, strict=True)
    ]
    await _poll(lambda: len(router.accounts.requests) + endpoint.inbound.shared >= waiting)
    router.accounts.gate.set()
    return list(await asyncio.gather(*tasks))


async def test_identical_queries_in_flight_share_one_execution_and_one_response(
    make_router: Callable[[bool], Awaitable[Router]],
) -> None:
    router = await make_router(True)
    body = {**QUERY, "variables": {"id": "1"}}
    responses = await _concurrently(router, [body] * 6, [{}] * 6, waiting=6)
    assert len(router.accounts.requests) == 1
    assert router.app.state.endpoint.inbound.shared == 5
    assert {response.content for response in responses} == {responses[0].content}
    assert responses[0].json() == {
        "data": {"user": {"name": "Ada", "reviews": [{"body": "Great"}, {"body": "Fine"}]}}
    }
    # once answered, the next identical request runs again
    router.accounts.gate.set()
    again = await router.client.post("/graphql", json=body)
    assert again.json() == responses[0].json()
    assert len(router.accounts.requests) == 2


async def test_different_variables_callers_or_media_types_are_not_shared(
    make_router: Callable[[bool], Awaitable[Router]],
) -> None:
    router = await make_router(True)
    one, two = {**QUERY, "variables": {"id": "1"}}, {**QUERY, "variables": {"id": "2"}}
    bodies = [one, two, one, one]
    headers = [
        {},
        {},
        {"authorization": "Bearer someone-else"},
        {"accept": "application/graphql-response+json"},
    ]
    responses = await _concurrently(router, bodies, headers, waiting=4)
    assert len(router.accounts.requests) == 4
    assert router.app.state.endpoint.inbound.shared == 0
    assert responses[1].json()["data"]["user"]["name"] == "Alan"
    assert all(response.status_code == 200 for response in responses)


async def test_mutations_are_never_shared(
    make_router: Callable[[bool], Awaitable[Router]],
) -> None:
    router = await make_router(True)
    body = {"query": 'mutation { rename(name: "Grace") { name } }'}
    responses = await _concurrently(router, [body] * 3, [{}] * 3, waiting=3)
    assert len(router.accounts.requests) == 3
    assert all(r.json() == {"data": {"rename": {"name": "Grace"}}} for r in responses)


async def test_off_by_default_every_request_executes(
    make_router: Callable[[bool], Awaitable[Router]],
) -> None:
    assert RouterSettings().traffic_shaping.inbound_deduplication is False
    router = await make_router(False)
    body = {**QUERY, "variables": {"id": "1"}}
    responses = await _concurrently(router, [body] * 4, [{}] * 4, waiting=4)
    assert len(router.accounts.requests) == 4
    assert all(r.json() == responses[0].json() for r in responses)


async def test_a_client_that_disconnects_does_not_cancel_the_shared_execution(
    make_router: Callable[[bool], Awaitable[Router]],
) -> None:
    router = await make_router(True)
    body = {**QUERY, "variables": {"id": "1"}}
    endpoint = router.app.state.endpoint
    first = asyncio.create_task(router.client.post("/graphql", json=body))
    await _poll(lambda: len(router.accounts.requests) == 1)
    second = asyncio.create_task(router.client.post("/graphql", json=body))
    await _poll(lambda: endpoint.inbound.shared == 1)
    first.cancel()
    router.accounts.gate.set()
    answer = await second
    assert answer.json()["data"]["user"]["name"] == "Ada"
    assert len(router.accounts.requests) == 1
