"""In-flight deduplication against a real aiohttp subgraph server that counts requests and
holds its answers until the test releases them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
import pytest
from aiohttp import web
from trellis_router.configuration import RouterSettings
from trellis_router.executor import (
    AiohttpSubgraphClient,
    DedupingSubgraphClient,
    SubgraphFetchError,
)
from trellis_router.executor.dedupe import is_query

QUERY = b'{"query":"{me{id}}","operationName":null,"variables":{}}'
MUTATION = b'{"query":"mutation{bump{id}}","operationName":null,"variables":{}}'


@dataclass
class Subgraph:
    """Counts requests; answers once ``release`` is set."""

    url: str = ""
    count: int = 0
    status: int = 200
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        async with self.arrived:
            self.count += 1
            self.arrived.notify_all()
        await self.release.wait()
        body = orjson.dumps({"data": {"me": {"id": "1", "n": self.count}}})
        return web.Response(body=body, status=self.status, content_type="application/json")

    async def until_count(self, n: int) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: self.count >= n)


@pytest.fixture
async def subgraph() -> AsyncIterator[Subgraph]:
    state = Subgraph()
    app = web.Application()
    app.router.add_post("/graphql", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/graphql"
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[DedupingSubgraphClient]:
    inner = AiohttpSubgraphClient()
    yield DedupingSubgraphClient(inner)
    await inner.close()


async def test_identical_queries_in_flight_share_one_request(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    tasks = [
        asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {"x-tenant": "t1"}))
        for _ in range(3)
    ]
    await subgraph.until_count(1)
    subgraph.release.set()
    first, second, third = await asyncio.gather(*tasks)
    assert subgraph.count == 1
    assert first == second == third == {"data": {"me": {"id": "1", "n": 1}}}
    first["data"]["me"]["id"] = "changed"
    assert second["data"]["me"]["id"] == third["data"]["me"]["id"] == "1"


async def test_different_headers_or_bodies_are_not_shared(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    other = QUERY.replace(b"{}}", b'{"v":1}}')
    tasks = [
        asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {"x-tenant": "t1"})),
        asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {"x-tenant": "t2"})),
        asyncio.create_task(client.fetch("a", subgraph.url, other, {"x-tenant": "t1"})),
    ]
    await subgraph.until_count(3)
    subgraph.release.set()
    await asyncio.gather(*tasks)
    assert subgraph.count == 3


async def test_mutations_are_never_shared(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    tasks = [asyncio.create_task(client.fetch("a", subgraph.url, MUTATION, {})) for _ in range(2)]
    await subgraph.until_count(2)
    subgraph.release.set()
    await asyncio.gather(*tasks)
    assert subgraph.count == 2


async def test_followers_get_the_leaders_error(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    subgraph.status = 500
    tasks = [asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {})) for _ in range(2)]
    await subgraph.until_count(1)
    subgraph.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert subgraph.count == 1
    assert [type(r) for r in results] == [SubgraphFetchError, SubgraphFetchError]


async def test_followers_send_their_own_request_when_the_leader_is_cancelled(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    leader = asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {}))
    await subgraph.until_count(1)
    follower = asyncio.create_task(client.fetch("a", subgraph.url, QUERY, {}))
    await asyncio.sleep(0)
    leader.cancel()
    await subgraph.until_count(2)
    subgraph.release.set()
    assert (await follower)["data"]["me"]["id"] == "1"
    assert leader.cancelled()


async def test_requests_after_completion_are_sent_again(
    subgraph: Subgraph, client: DedupingSubgraphClient
) -> None:
    subgraph.release.set()
    await client.fetch("a", subgraph.url, QUERY, {})
    await client.fetch("a", subgraph.url, QUERY, {})
    assert subgraph.count == 2


def test_operation_kind_is_read_from_the_body() -> None:
    assert is_query(QUERY)
    assert is_query(b'{"query":"query Q__a__0($representations:[_Any!]!){x}"}')
    assert is_query(b'{"variables":{},"query":" { x }"}')
    assert not is_query(MUTATION)
    assert not is_query(b'{"query":"subscription{x}"}')
    assert not is_query(b'{"query":"queryX"}')
    assert not is_query(b"not json")


def test_setting_defaults_on_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RouterSettings().traffic_shaping_deduplicate_query is True
    monkeypatch.setenv("TRELLIS_ROUTER_TRAFFIC_SHAPING_DEDUPLICATE_QUERY", "false")
    assert RouterSettings().traffic_shaping_deduplicate_query is False
