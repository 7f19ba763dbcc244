"""Traffic shaping of subgraph requests: effective settings per subgraph, timeouts, the
concurrency cap and request compression; against real HTTP subgraph servers on free ports."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.traffic_shaping import (
    CircuitBreakerSettings,
    SubgraphTrafficShaping,
    TrafficShapingSettings,
)
from trellis_router.executor import AiohttpSubgraphClient, SubgraphFetchError
from trellis_router.executor.traffic import (
    DEFAULT_RETRY_BACKOFF_SECONDS,
    EffectiveTraffic,
    SlotTimeoutError,
    TrafficSubgraphClient,
    compress,
    effective_traffic,
    max_timeout_seconds,
)

from .conftest import _bound_socket, eventually

QUERY = orjson.dumps({"query": "{me{name}}", "variables": {}})


class Scripted:
    """A subgraph server on a free port that answers with the ``statuses`` given in turn
    (then 200), after ``delay`` seconds, and records what it received.

    Attributes:
        statuses: the HTTP statuses of the next answers (consumed; 200 once empty).
        delay: seconds before each answer.
        bodies: decoded request bodies.
        encodings: each request's Content-Encoding header ("" when none).
        sizes: each request body's size on the wire (Content-Length), in bytes.
        accept_encodings: each request's Accept-Encoding header.
        arrivals: the loop time of each request's arrival, in seconds.
        in_flight: requests being answered now; max_in_flight: the most at once.
    """

    def __init__(self, name: str = "s", statuses: list[int] | None = None, delay: float = 0):
        self.name = name
        self.statuses = list(statuses or [])
        self.delay = delay
        self.compress_responses = False
        self.bodies: list[dict[str, Any]] = []
        self.encodings: list[str] = []
        self.sizes: list[int | None] = []
        self.accept_encodings: list[str] = []
        self.arrivals: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def requests(self) -> int:
        return len(self.bodies)

    async def _graphql(self, request: web.Request) -> web.StreamResponse:
        self.arrivals.append(asyncio.get_running_loop().time())
        self.encodings.append(request.headers.get("Content-Encoding", ""))
        self.sizes.append(request.content_length)
        self.accept_encodings.append(request.headers.get("Accept-Encoding", ""))
        body = orjson.loads(await request.read())  # aiohttp decodes Content-Encoding
        self.bodies.append(body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        status = self.statuses.pop(0) if self.statuses else 200
        if status != 200:
            return web.Response(status=status, text="no")
        field = "rename" if body["query"].lstrip().startswith("mutation") else "me"
        answer = {"data": {field: {"name": self.name}}, "padding": "x" * 2000}
        response = web.Response(body=orjson.dumps(answer), content_type="application/json")
        if self.compress_responses:
            response.enable_compression()
        return response

    async def start(self) -> None:
        sock = _bound_socket()
        self.port = sock.getsockname()[1]
        app = web.Application()
        app.router.add_post("/graphql", self._graphql)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


@pytest.fixture(name="scripted")
async def scripted_fixture() -> AsyncIterator[Callable[..., Awaitable[Scripted]]]:
    started: list[Scripted] = []

    async def start(name: str = "s", statuses: list[int] | None = None, delay: float = 0):
        server = Scripted(name, statuses, delay)
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpSubgraphClient]:
    client = AiohttpSubgraphClient(timeout_seconds=10, connect_timeout_seconds=2)
    yield client
    await client.close()


def shaped(**subgraphs: SubgraphTrafficShaping) -> RouterSettings:
    return RouterSettings(traffic_shaping=TrafficShapingSettings(subgraphs=subgraphs))


# -- effective settings ------------------------------------------------------------------------


def test_flat_settings_are_the_defaults():
    settings = RouterSettings(subgraph_timeout_seconds=7, subgraph_retry_attempts=1)
    assert effective_traffic(settings, "accounts") == EffectiveTraffic(
        timeout_seconds=7,
        retry_attempts=1,
        retry_backoff_seconds=DEFAULT_RETRY_BACKOFF_SECONDS,
        max_concurrency=None,
        compression="identity",
        circuit_breaker=CircuitBreakerSettings(),
    )


def test_a_subgraph_entry_beats_all_which_beats_the_flat_settings():
    settings = RouterSettings(
        subgraph_timeout_seconds=7,
        subgraph_retry_attempts=1,
        traffic_shaping=TrafficShapingSettings(
            all=SubgraphTrafficShaping(
                timeout_seconds=5,
                max_concurrency=10,
                circuit_breaker=CircuitBreakerSettings(failure_threshold=3, open_seconds=2),
            ),
            subgraphs={
                "accounts": SubgraphTrafficShaping(
                    timeout_seconds=1,
                    compression="gzip",
                    circuit_breaker=CircuitBreakerSettings(open_seconds=9),
                )
            },
        ),
    )
    accounts = effective_traffic(settings, "accounts")
    other = effective_traffic(settings, "products")
    assert (accounts.timeout_seconds, other.timeout_seconds) == (1, 5)
    assert (accounts.retry_attempts, other.retry_attempts) == (1, 1)
    assert (accounts.max_concurrency, other.max_concurrency) == (10, 10)
    assert (accounts.compression, other.compression) == ("gzip", "identity")
    # breaker keys merge one by one: the subgraph's open_seconds, all's failure_threshold
    assert accounts.circuit_breaker == CircuitBreakerSettings(failure_threshold=3, open_seconds=9)
    assert other.circuit_breaker == CircuitBreakerSettings(failure_threshold=3, open_seconds=2)


def test_an_all_entry_without_a_breaker_keeps_the_default_breaker():
    settings = RouterSettings(
        traffic_shaping=TrafficShapingSettings(all=SubgraphTrafficShaping(timeout_seconds=3))
    )
    assert effective_traffic(settings, "accounts").circuit_breaker == CircuitBreakerSettings()
    off = shaped(accounts=SubgraphTrafficShaping(circuit_breaker={"enabled": False}))
    assert not effective_traffic(off, "accounts").circuit_breaker.enabled


def test_effective_settings_are_cached_per_settings_object():
    first = shaped(accounts=SubgraphTrafficShaping(timeout_seconds=2))
    assert effective_traffic(first, "accounts") is effective_traffic(first, "accounts")
    second = shaped(accounts=SubgraphTrafficShaping(timeout_seconds=4))
    assert effective_traffic(second, "accounts").timeout_seconds == 4
    assert effective_traffic(first, "accounts").timeout_seconds == 2


def test_the_transport_timeout_covers_the_longest_subgraph_timeout():
    settings = RouterSettings(
        subgraph_timeout_seconds=30,
        traffic_shaping=TrafficShapingSettings(
            all=SubgraphTrafficShaping(timeout_seconds=5),
            subgraphs={"slow": SubgraphTrafficShaping(timeout_seconds=120)},
        ),
    )
    assert max_timeout_seconds(settings) == 120
    assert max_timeout_seconds(RouterSettings(subgraph_timeout_seconds=9)) == 9


# -- timeouts ----------------------------------------------------------------------------------


async def test_each_subgraph_has_its_own_timeout(scripted, transport):
    server = await scripted(delay=0.3)
    client = TrafficSubgraphClient(
        transport, shaped(hasty=SubgraphTrafficShaping(timeout_seconds=0.05))
    )
    with pytest.raises(SubgraphFetchError) as failed:
        await client.fetch("hasty", server.url, QUERY, {})
    assert failed.value.kind == "timeout"
    assert not isinstance(failed.value, SlotTimeoutError)  # it was sent
    response = await client.fetch("patient", server.url, QUERY, {})
    assert response["data"] == {"me": {"name": "s"}}


async def test_a_longer_subgraph_timeout_outlasts_a_shorter_transport_timeout(scripted):
    server = await scripted(delay=0.3)
    settings = shaped(patient=SubgraphTrafficShaping(timeout_seconds=10))
    transport = AiohttpSubgraphClient(timeout_seconds=0.05)
    transport.set_timeouts(max_timeout_seconds(settings))  # as the router wires it
    try:
        client = TrafficSubgraphClient(transport, settings)
        assert (await client.fetch("patient", server.url, QUERY, {}))["data"]["me"]
    finally:
        await transport.close()


# -- concurrency -------------------------------------------------------------------------------


async def test_the_concurrency_cap_holds_server_side(scripted, transport):
    server = await scripted(delay=0.1)
    client = TrafficSubgraphClient(
        transport, shaped(accounts=SubgraphTrafficShaping(max_concurrency=2))
    )
    answers = await asyncio.gather(
        *(client.fetch("accounts", server.url, QUERY, {}) for _ in range(6))
    )
    assert len(answers) == 6
    assert server.max_in_flight == 2
    assert client.in_flight("accounts") == 0


async def test_without_a_cap_requests_overlap(scripted, transport):
    server = await scripted(delay=0.1)
    client = TrafficSubgraphClient(transport, RouterSettings())
    await asyncio.gather(*(client.fetch("accounts", server.url, QUERY, {}) for _ in range(6)))
    assert server.max_in_flight > 2


async def test_waiting_for_a_slot_counts_toward_the_timeout(scripted, transport):
    server = await scripted(delay=0.5)
    client = TrafficSubgraphClient(
        transport, shaped(accounts=SubgraphTrafficShaping(max_concurrency=1, timeout_seconds=5))
    )
    first = asyncio.create_task(client.fetch("accounts", server.url, QUERY, {}))
    await eventually(lambda: server.in_flight == 1)
    client.apply(shaped(accounts=SubgraphTrafficShaping(max_concurrency=1, timeout_seconds=0.05)))
    with pytest.raises(SlotTimeoutError) as failed:
        await client.fetch("accounts", server.url, QUERY, {})
    assert failed.value.kind == "timeout"
    assert "slot" in failed.value.reason
    assert (await first)["data"]["me"]["name"] == "s"
    assert server.requests == 1  # the second request was never sent


async def test_a_changed_cap_applies_to_new_requests(scripted, transport):
    server = await scripted(delay=0.1)
    client = TrafficSubgraphClient(
        transport, shaped(accounts=SubgraphTrafficShaping(max_concurrency=1))
    )
    await asyncio.gather(*(client.fetch("accounts", server.url, QUERY, {}) for _ in range(3)))
    assert server.max_in_flight == 1
    client.apply(shaped(accounts=SubgraphTrafficShaping(max_concurrency=3)))
    await asyncio.gather(*(client.fetch("accounts", server.url, QUERY, {}) for _ in range(6)))
    assert server.max_in_flight == 3


# -- compression -------------------------------------------------------------------------------


BIG = orjson.dumps({"query": "{me{name}}", "variables": {"note": "abc " * 2000}})


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_request_bodies_are_compressed_and_decoded_server_side(scripted, transport, encoding):
    server = await scripted()
    client = TrafficSubgraphClient(
        transport, shaped(accounts=SubgraphTrafficShaping(compression=encoding))
    )
    response = await client.fetch("accounts", server.url, BIG, {"x-trace": "1"})
    assert response["data"] == {"me": {"name": "s"}}
    assert server.encodings == [encoding]
    assert server.bodies == [orjson.loads(BIG)]
    size = server.sizes[0]
    assert size is not None and size < len(BIG) / 10


async def test_identity_sends_the_body_as_is(scripted, transport):
    server = await scripted()
    client = TrafficSubgraphClient(transport, RouterSettings())
    await client.fetch("accounts", server.url, BIG, {})
    assert server.encodings == [""]
    assert server.sizes == [len(BIG)]


async def test_compressed_responses_are_accepted_and_decoded(scripted, transport):
    server = await scripted()
    server.compress_responses = True
    response = await TrafficSubgraphClient(transport).fetch("accounts", server.url, QUERY, {})
    assert response["data"] == {"me": {"name": "s"}}
    assert "gzip" in server.accept_encodings[0]


def test_compress_round_trips():
    body = b'{"query":"{me{name}}"}' * 50
    assert gzip.decompress(compress(body, "gzip")) == body
    assert zlib.decompress(compress(body, "deflate")) == body
    assert compress(body, "identity") is body
