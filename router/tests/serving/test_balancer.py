"""Load balancing over subgraph instances: round robin, passive ejection, retries on another
instance; against real HTTP instances (and ports where nothing listens)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.traffic_shaping import (
    CircuitBreakerSettings,
    SubgraphTrafficShaping,
    TrafficShapingSettings,
)
from trellis_router.executor import (
    AiohttpSubgraphClient,
    BalancingSubgraphClient,
    BoundSubgraphClient,
    LoadBalancer,
    SubgraphFetchError,
)
from trellis_router.executor.balancer import backoff_seconds
from trellis_router.executor.traffic import TrafficSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SHOP_SDL, closed_port_url, eventually
from .test_traffic import scripted_fixture  # noqa: F401 (the scripted fixture)

QUERY = orjson.dumps({"query": "{me{name}}", "variables": {}})
MUTATION = orjson.dumps({"query": 'mutation{rename(name:"x"){name}}', "variables": {}})


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def aiohttp_client():
    client = AiohttpSubgraphClient(timeout_seconds=5, connect_timeout_seconds=2)
    yield client
    await client.close()


async def send(bound: BoundSubgraphClient, body: bytes = QUERY) -> dict[str, Any]:
    return await bound.fetch("accounts", bound.url_for("accounts"), body, {})


def recording(waits: list[float]) -> Callable[[float], Awaitable[None]]:
    """A sleep that records each backoff, then really waits it."""

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    return sleep


def retries(attempts: int, backoff: float = 0.01, **subgraphs: SubgraphTrafficShaping):
    return RouterSettings(
        traffic_shaping=TrafficShapingSettings(
            all=SubgraphTrafficShaping(
                retry_attempts=attempts,
                retry_backoff_seconds=backoff,
                circuit_breaker=CircuitBreakerSettings(failure_threshold=100),
            ),
            subgraphs=subgraphs,
        )
    )


def answered_by(response: dict[str, Any]) -> str:
    data = response["data"]
    return str((data.get("me") or data.get("rename"))["name"])


async def test_round_robin_over_the_instances(start_instance, aiohttp_client):
    a, b = await start_instance("a"), await start_instance("b")
    bound = BalancingSubgraphClient(aiohttp_client).bind({"accounts": (a.url, b.url)})
    answers = [answered_by(await send(bound)) for _ in range(4)]
    assert answers == ["a", "b", "a", "b"]


async def test_refused_connection_ejects_and_retries_on_the_twin(start_instance, aiohttp_client):
    dead, a = closed_port_url(), await start_instance("a")
    client = BalancingSubgraphClient(aiohttp_client)
    bound = client.bind({"accounts": (dead, a.url)})
    answers = [answered_by(await send(bound)) for _ in range(4)]
    assert answers == ["a"] * 4
    assert client.balancer.ejected == {dead}
    assert len(a.bodies) == 4  # the dead instance was tried once, then skipped


async def test_a_mutation_is_retried_when_the_connection_was_never_made(
    start_instance, aiohttp_client
):
    dead, a = closed_port_url(), await start_instance("a")
    bound = BalancingSubgraphClient(aiohttp_client).bind({"accounts": (dead, a.url)})
    assert answered_by(await send(bound, MUTATION)) == "a"


async def test_an_instance_stopped_mid_test_costs_no_failed_query(start_instance, aiohttp_client):
    a, b = await start_instance("a"), await start_instance("b")
    client = BalancingSubgraphClient(aiohttp_client)
    bound = client.bind({"accounts": (a.url, b.url)})
    assert {answered_by(await send(bound)) for _ in range(4)} == {"a", "b"}
    await b.stop()
    answers = [answered_by(await send(bound)) for _ in range(6)]
    assert answers == ["a"] * 6
    assert client.balancer.ejected == {b.url}


async def test_a_reset_after_sending_retries_a_query_but_not_a_mutation(
    start_instance, resetting, aiohttp_client
):
    twin = await start_instance("twin")
    client = BalancingSubgraphClient(aiohttp_client)
    routing = {"accounts": (resetting.url, twin.url)}
    query = await client.bind(routing).fetch("accounts", resetting.url, QUERY, {})
    assert answered_by(query) == "twin"
    assert resetting.requests == 1
    with pytest.raises(SubgraphFetchError) as failed:
        await client.bind(routing).fetch("accounts", resetting.url, MUTATION, {})
    assert failed.value.kind == "disconnect"
    assert resetting.requests == 2
    assert [body["query"] for body in twin.bodies] == ["{me{name}}"]  # never the mutation


async def test_503_is_retried_for_a_query_only(start_instance, aiohttp_client):
    busy, twin = await start_instance("busy", "unavailable"), await start_instance("twin")
    client = BalancingSubgraphClient(aiohttp_client)
    routing = {"accounts": (busy.url, twin.url)}
    assert answered_by(await client.bind(routing).fetch("accounts", busy.url, QUERY, {})) == "twin"
    with pytest.raises(SubgraphFetchError) as failed:
        await client.bind(routing).fetch("accounts", busy.url, MUTATION, {})
    assert failed.value.status == 503
    assert busy.url not in client.balancer.ejected  # a status is no connection failure
    assert len(twin.bodies) == 1


async def test_a_timeout_is_retried_for_a_query_only(start_instance):
    slow, twin = await start_instance("slow", "slow", 0.5), await start_instance("twin")
    inner = AiohttpSubgraphClient(timeout_seconds=0.1)
    try:
        client = BalancingSubgraphClient(inner)
        routing = {"accounts": (slow.url, twin.url)}
        query = await client.bind(routing).fetch("accounts", slow.url, QUERY, {})
        assert answered_by(query) == "twin"
        with pytest.raises(SubgraphFetchError) as failed:
            await client.bind(routing).fetch("accounts", slow.url, MUTATION, {})
        assert failed.value.kind == "timeout"
        assert slow.url not in client.balancer.ejected  # slow is not dead
        assert len(twin.bodies) == 1
    finally:
        await inner.close()


async def test_retries_stop_after_the_attempts_allowed(aiohttp_client):
    dead = [closed_port_url() for _ in range(4)]
    client = BalancingSubgraphClient(aiohttp_client, LoadBalancer(retry_attempts=2))
    with pytest.raises(SubgraphFetchError) as failed:
        await client.bind({"accounts": tuple(dead)}).fetch("accounts", dead[0], QUERY, {})
    assert failed.value.connect_failed
    assert client.balancer.ejected == set(dead[:3])  # the first try and two retries


async def test_the_only_instance_is_retried_after_a_backoff_and_never_skipped(aiohttp_client):
    dead = closed_port_url()
    waits: list[float] = []
    balancer = LoadBalancer(sleep=recording(waits), jitter=lambda: 0.0)
    bound = BalancingSubgraphClient(aiohttp_client, balancer).bind({"accounts": (dead,)})
    with pytest.raises(SubgraphFetchError):
        await send(bound)
    assert len(waits) == 2  # two retries on the same instance, each after a backoff
    assert bound.url_for("accounts") == dead  # the only instance is never skipped


def test_an_ejected_url_comes_back_after_the_ejection_time():
    clock = Clock()
    balancer = LoadBalancer(ejection_seconds=10, max_ejection_seconds=25, clock=clock)
    routing = {"accounts": ("http://a/graphql", "http://b/graphql")}
    balancer.eject("http://b/graphql")
    assert [balancer.url_for(routing, "accounts") for _ in range(3)] == ["http://a/graphql"] * 3
    clock.now += 10.5
    picks = {balancer.url_for(routing, "accounts") for _ in range(2)}
    assert picks == {"http://a/graphql", "http://b/graphql"}


def test_repeated_ejections_double_up_to_the_maximum_and_success_resets():
    clock = Clock()
    balancer = LoadBalancer(ejection_seconds=10, max_ejection_seconds=25, clock=clock)
    url = "http://b/graphql"
    durations = []
    for _ in range(3):
        start = clock.now
        balancer.eject(url)
        balancer.eject(url)  # concurrent failures of one outage count once
        while balancer.is_ejected(url):
            clock.now += 0.5
        durations.append(clock.now - start)
    assert durations == [10.0, 20.0, 25.0]
    balancer.succeeded(url)
    balancer.eject(url)
    clock.now += 10.5
    assert not balancer.is_ejected(url)


def test_every_instance_ejected_still_routes_somewhere():
    balancer = LoadBalancer()
    routing = {"accounts": ("http://a/graphql", "http://b/graphql")}
    balancer.eject("http://a/graphql")
    balancer.eject("http://b/graphql")
    picks = {balancer.url_for(routing, "accounts") for _ in range(2)}
    assert picks == {"http://a/graphql", "http://b/graphql"}


def test_ejections_outlive_the_routing_table():
    balancer = LoadBalancer()
    balancer.eject("http://b/graphql")
    newer = {"accounts": ("http://b/graphql", "http://c/graphql")}
    assert {balancer.url_for(newer, "accounts") for _ in range(3)} == {"http://c/graphql"}


async def test_through_the_router_a_killed_twin_fails_no_request(start_instance):
    a, b = await start_instance("a"), await start_instance("b")
    routing = {"accounts": [a.url, b.url]}
    holder = StateHolder(RouterState.build(load_supergraph(SHOP_SDL), routing))
    app = create_app(RouterSettings(), holder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as router:

            async def ask(body: dict[str, str]) -> str:
                response = await router.post("/graphql", json=body)
                payload = response.json()
                assert "errors" not in payload, payload
                data = payload["data"]
                return str((data.get("me") or data.get("rename"))["name"])

            assert {await ask({"query": "{ me { name } }"}) for _ in range(4)} == {"a", "b"}
            await b.stop()
            names = [await ask({"query": "{ me { name } }"}) for _ in range(5)]
            names += [await ask({"query": 'mutation { rename(name: "x") { name } }'})]
            assert names == ["a"] * 6
            assert app.state.balancer.ejected == {b.url}


# -- retries with backoff (traffic_shaping) ----------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_ten_times_the_base():
    assert [backoff_seconds(0.1, n, 0.0) for n in (1, 2, 3)] == [0.05, 0.1, 0.2]
    assert [backoff_seconds(0.1, n, 0.999999) for n in (1, 2)] == pytest.approx([0.1, 0.2])
    assert backoff_seconds(0.1, 5, 0.0) == pytest.approx(0.8)
    assert backoff_seconds(0.1, 6, 0.0) == pytest.approx(1.0)  # capped at 10 x base
    assert backoff_seconds(0.1, 60, 0.5) == pytest.approx(1.0)


async def test_a_flaky_instance_answers_on_the_third_try_with_growing_waits(
    scripted, aiohttp_client
):
    flaky = await scripted("flaky", [503, 503])
    waits: list[float] = []
    balancer = LoadBalancer(settings=retries(3, 0.02), sleep=recording(waits))
    bound = BalancingSubgraphClient(aiohttp_client, balancer).bind({"accounts": (flaky.url,)})
    assert answered_by(await send(bound)) == "flaky"
    assert flaky.requests == 3
    assert len(waits) == 2 and waits[1] > waits[0]  # backoff grows
    gaps = [
        later - earlier for earlier, later in zip(flaky.arrivals, flaky.arrivals[1:], strict=False)
    ]
    assert all(
        gap >= wait for gap, wait in zip(gaps, waits, strict=True)
    )  # the server saw the waits


async def test_a_flaky_instance_never_sees_a_mutation_twice(scripted, aiohttp_client):
    flaky = await scripted("flaky", [503, 503])
    balancer = LoadBalancer(settings=retries(3))
    bound = BalancingSubgraphClient(aiohttp_client, balancer).bind({"accounts": (flaky.url,)})
    with pytest.raises(SubgraphFetchError) as failed:
        await send(bound, MUTATION)
    assert failed.value.status == 503
    assert flaky.requests == 1
    assert answered_by(await send(bound, QUERY)) == "flaky"  # one 503 left, then retried
    assert [body["query"].startswith("mutation") for body in flaky.bodies] == [
        True,
        False,
        False,
    ]


async def test_a_retry_prefers_an_untried_twin_without_waiting(scripted, aiohttp_client):
    busy, twin = await scripted("busy", [503]), await scripted("twin")
    waits: list[float] = []
    balancer = LoadBalancer(settings=retries(2), sleep=recording(waits))
    bound = BalancingSubgraphClient(aiohttp_client, balancer).bind(
        {"accounts": (busy.url, twin.url)}
    )
    response = await bound.fetch("accounts", busy.url, QUERY, {})
    assert answered_by(response) == "twin"
    assert waits == []


async def test_retry_attempts_are_per_subgraph(scripted, aiohttp_client):
    flaky = await scripted("flaky", [503] * 5)
    settings = retries(3, accounts=SubgraphTrafficShaping(retry_attempts=0))
    client = BalancingSubgraphClient(aiohttp_client, LoadBalancer(settings=settings))
    routing = {"accounts": (flaky.url,), "products": (flaky.url,)}
    with pytest.raises(SubgraphFetchError):
        await client.bind(routing).fetch("accounts", flaky.url, QUERY, {})
    assert flaky.requests == 1  # no retry for accounts
    with pytest.raises(SubgraphFetchError):
        await client.bind(routing).fetch("products", flaky.url, QUERY, {})
    assert flaky.requests == 5  # products: the first try and three retries


async def test_applied_settings_change_the_retries(scripted, aiohttp_client):
    flaky = await scripted("flaky", [503] * 4)
    balancer = LoadBalancer(settings=retries(0))
    bound = BalancingSubgraphClient(aiohttp_client, balancer).bind({"accounts": (flaky.url,)})
    with pytest.raises(SubgraphFetchError):
        await send(bound)
    assert flaky.requests == 1
    balancer.apply(retries(3))
    assert answered_by(await send(bound)) == "flaky"
    assert flaky.requests == 5


async def test_a_timeout_is_not_retried_on_the_same_slow_instance(scripted, aiohttp_client):
    slow = await scripted("slow", delay=0.3)
    settings = retries(3, accounts=SubgraphTrafficShaping(timeout_seconds=0.05))
    balancer = LoadBalancer(settings=settings)
    inner = TrafficSubgraphClient(aiohttp_client, settings)
    bound = BalancingSubgraphClient(inner, balancer).bind({"accounts": (slow.url,)})
    with pytest.raises(SubgraphFetchError) as failed:
        await send(bound)
    assert failed.value.kind == "timeout"
    await eventually(lambda: slow.requests >= 1 and slow.in_flight == 0)
    assert slow.requests == 1
