"""Load balancing over subgraph instances: round robin, passive ejection, retries on another
instance; against real HTTP instances (and ports where nothing listens)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from trellis_router.configuration import RouterSettings
from trellis_router.executor import (
    AiohttpSubgraphClient,
    BalancingSubgraphClient,
    BoundSubgraphClient,
    LoadBalancer,
    SubgraphFetchError,
)
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SHOP_SDL, closed_port_url

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


async def test_no_retry_without_another_instance(aiohttp_client):
    dead = closed_port_url()
    bound = BalancingSubgraphClient(aiohttp_client).bind({"accounts": (dead,)})
    with pytest.raises(SubgraphFetchError):
        await send(bound)
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
