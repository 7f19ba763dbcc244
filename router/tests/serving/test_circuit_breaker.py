"""Circuit breakers per subgraph instance: closed -> open -> half-open -> closed, with the
state machine on a hand-moved clock and against real HTTP instances counting requests."""

from __future__ import annotations

import asyncio

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
    LoadBalancer,
    SubgraphFetchError,
)
from trellis_router.executor.circuit import CircuitBreakers, is_failure
from trellis_router.executor.traffic import TrafficSubgraphClient

from .conftest import closed_port_url, eventually
from .test_traffic import Scripted, scripted_fixture  # noqa: F401 (a fixture)

QUERY = orjson.dumps({"query": "{me{name}}", "variables": {}})
BREAKER = CircuitBreakerSettings(failure_threshold=2, open_seconds=10)


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(
    threshold: int = 2, open_seconds: float = 0.3, retries: int = 0, **more: object
) -> RouterSettings:
    breaker = CircuitBreakerSettings(failure_threshold=threshold, open_seconds=open_seconds)
    shaping = SubgraphTrafficShaping(retry_attempts=retries, circuit_breaker=breaker, **more)
    return RouterSettings(traffic_shaping=TrafficShapingSettings(all=shaping))


@pytest.fixture
async def transport():
    client = AiohttpSubgraphClient(timeout_seconds=5, connect_timeout_seconds=2)
    yield client
    await client.close()


@pytest.fixture
async def server():
    started = Scripted("s")
    await started.start()
    yield started
    await started.stop()


# -- the state machine -------------------------------------------------------------------------


def test_consecutive_failures_open_the_circuit_and_a_success_resets_the_count():
    clock = Clock()
    circuits = CircuitBreakers(clock)
    url = "http://a/graphql"
    circuits.failed(url, BREAKER)
    circuits.succeeded(url)
    circuits.failed(url, BREAKER)
    assert circuits.state(url, BREAKER) == "closed"
    circuits.failed(url, BREAKER)
    assert circuits.state(url, BREAKER) == "open"
    assert not circuits.admit(url, BREAKER)
    assert circuits.open_urls(BREAKER) == {url}


def test_half_open_admits_one_trial_whose_success_closes():
    clock = Clock()
    circuits = CircuitBreakers(clock)
    url = "http://a/graphql"
    circuits.failed(url, BREAKER)
    circuits.failed(url, BREAKER)
    clock.now += 9.9
    assert circuits.state(url, BREAKER) == "open"
    clock.now += 0.2
    assert circuits.state(url, BREAKER) == "half_open"
    assert circuits.admit(url, BREAKER)  # the trial
    assert circuits.refuses(url, BREAKER)
    assert not circuits.admit(url, BREAKER)  # only one at a time
    circuits.succeeded(url)
    assert circuits.state(url, BREAKER) == "closed"
    assert not circuits.tracked


def test_a_failed_trial_opens_again_and_a_cancelled_one_frees_the_slot():
    clock = Clock()
    circuits = CircuitBreakers(clock)
    url = "http://a/graphql"
    circuits.failed(url, BREAKER)
    circuits.failed(url, BREAKER)
    clock.now += 10
    assert circuits.admit(url, BREAKER)
    circuits.release(url)  # cancelled: no verdict
    assert circuits.admit(url, BREAKER)
    circuits.failed(url, BREAKER)  # one failure of the trial is enough
    assert circuits.state(url, BREAKER) == "open"
    clock.now += 10
    assert circuits.state(url, BREAKER) == "half_open"


def test_a_disabled_breaker_never_opens():
    circuits = CircuitBreakers(Clock())
    off = CircuitBreakerSettings(enabled=False, failure_threshold=1)
    for _ in range(3):
        circuits.failed("http://a/graphql", off)
    assert circuits.admit("http://a/graphql", off)
    assert not circuits.tracked


def test_what_counts_as_a_failure():
    assert is_failure(SubgraphFetchError("refused", kind="connect"))
    assert is_failure(SubgraphFetchError("reset", kind="disconnect"))
    assert is_failure(SubgraphFetchError("slow", kind="timeout"))
    assert is_failure(SubgraphFetchError("HTTP status 500", 500))
    assert not is_failure(SubgraphFetchError("HTTP status 404", 404))
    assert not is_failure(SubgraphFetchError("not JSON", 200, kind="response"))


# -- against real instances --------------------------------------------------------------------


async def test_the_circuit_opens_then_no_request_reaches_the_instance(server, transport):
    server.statuses = [503] * 10
    balancer = LoadBalancer(settings=settings())
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    for _ in range(2):
        with pytest.raises(SubgraphFetchError) as failed:
            await bound.fetch("accounts", server.url, QUERY, {})
        assert failed.value.status == 503
    for _ in range(3):
        with pytest.raises(SubgraphFetchError) as failed:
            await bound.fetch("accounts", server.url, QUERY, {})
        assert failed.value.kind == "connect"
        assert "circuit open" in failed.value.reason
    assert server.requests == 2  # counted server-side: no network call while open


async def test_half_open_trial_success_closes_the_circuit(server, transport):
    server.statuses = [503, 503]
    balancer = LoadBalancer(settings=settings(open_seconds=0.2))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    for _ in range(2):
        with pytest.raises(SubgraphFetchError):
            await bound.fetch("accounts", server.url, QUERY, {})
    breaker = balancer.traffic("accounts").circuit_breaker
    assert balancer.circuits.state(server.url, breaker) == "open"
    await eventually(lambda: balancer.circuits.state(server.url, breaker) == "half_open")
    response = await bound.fetch("accounts", server.url, QUERY, {})
    assert response["data"]["me"]["name"] == "s"
    assert balancer.circuits.state(server.url, breaker) == "closed"
    await bound.fetch("accounts", server.url, QUERY, {})
    assert server.requests == 4


async def test_half_open_trial_failure_opens_it_again(server, transport):
    server.statuses = [503] * 3
    balancer = LoadBalancer(settings=settings(open_seconds=0.2))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    for _ in range(2):
        with pytest.raises(SubgraphFetchError):
            await bound.fetch("accounts", server.url, QUERY, {})
    breaker = balancer.traffic("accounts").circuit_breaker
    await eventually(lambda: balancer.circuits.state(server.url, breaker) == "half_open")
    with pytest.raises(SubgraphFetchError) as trial:
        await bound.fetch("accounts", server.url, QUERY, {})
    assert trial.value.status == 503
    assert balancer.circuits.state(server.url, breaker) == "open"
    with pytest.raises(SubgraphFetchError) as refused:
        await bound.fetch("accounts", server.url, QUERY, {})
    assert "circuit open" in refused.value.reason
    assert server.requests == 3


async def test_half_open_lets_one_trial_through_while_others_fail_fast(server, transport):
    server.statuses = [503, 503]
    balancer = LoadBalancer(settings=settings(open_seconds=0.2))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    for _ in range(2):
        with pytest.raises(SubgraphFetchError):
            await bound.fetch("accounts", server.url, QUERY, {})
    breaker = balancer.traffic("accounts").circuit_breaker
    await eventually(lambda: balancer.circuits.state(server.url, breaker) == "half_open")
    server.delay = 0.2
    results = await asyncio.gather(
        *(bound.fetch("accounts", server.url, QUERY, {}) for _ in range(4)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, SubgraphFetchError)]
    assert len(refused) == 3
    assert all("circuit open" in error.reason for error in refused)
    assert server.requests == 3


async def test_an_open_instance_is_skipped_while_its_twin_serves(transport, scripted):
    bad, good = await scripted("bad", [503] * 10), await scripted("good")
    balancer = LoadBalancer(settings=settings(open_seconds=10))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (bad.url, good.url)})
    names = []
    for _ in range(8):
        try:
            response = await bound.fetch("accounts", bound.url_for("accounts"), QUERY, {})
            names.append(response["data"]["me"]["name"])
        except SubgraphFetchError:
            names.append("failed")
    assert bad.requests == 2
    assert names[-4:] == ["good"] * 4
    assert bad.url not in balancer.ejected  # a 503 opens the circuit, it does not eject


async def test_timeouts_count_as_failures(server, transport):
    server.delay = 0.3
    shaping = settings(timeout_seconds=0.05)
    balancer = LoadBalancer(settings=shaping)
    client = BalancingSubgraphClient(TrafficSubgraphClient(transport, shaping), balancer)
    bound = client.bind({"accounts": (server.url,)})
    kinds = []
    for _ in range(3):
        with pytest.raises(SubgraphFetchError) as failed:
            await bound.fetch("accounts", server.url, QUERY, {})
        kinds.append(failed.value.kind)
    assert kinds == ["timeout", "timeout", "connect"]
    await eventually(lambda: server.requests == 2 and server.in_flight == 0)


async def test_client_errors_do_not_open_the_circuit(server, transport):
    server.statuses = [400] * 4
    balancer = LoadBalancer(settings=settings())
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    for _ in range(4):
        with pytest.raises(SubgraphFetchError) as failed:
            await bound.fetch("accounts", server.url, QUERY, {})
        assert failed.value.status == 400
    assert server.requests == 4
    assert not balancer.circuits.tracked


async def test_a_whole_subgraph_down_fails_at_once_unlike_ejection(transport):
    dead = (closed_port_url(), closed_port_url())
    balancer = LoadBalancer(settings=settings(threshold=1, retries=1))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": dead})
    with pytest.raises(SubgraphFetchError) as failed:
        await bound.fetch("accounts", bound.url_for("accounts"), QUERY, {})
    assert "circuit open" not in failed.value.reason  # both tried, both refused
    assert balancer.ejected == set(dead)
    with pytest.raises(SubgraphFetchError) as fast:
        await bound.fetch("accounts", bound.url_for("accounts"), QUERY, {})
    assert fast.value.kind == "connect"
    assert "circuit open for every instance" in fast.value.reason


async def test_the_unbound_client_refuses_an_open_circuit(server, transport):
    server.statuses = [503] * 5
    client = BalancingSubgraphClient(transport, LoadBalancer(settings=settings(threshold=1)))
    with pytest.raises(SubgraphFetchError):
        await client.fetch("accounts", server.url, QUERY, {})
    with pytest.raises(SubgraphFetchError) as refused:
        await client.fetch("accounts", server.url, QUERY, {})
    assert "circuit open" in refused.value.reason
    assert server.requests == 1


async def test_breaker_settings_apply_live(server, transport):
    server.statuses = [503] * 5
    balancer = LoadBalancer(settings=settings(threshold=3))
    bound = BalancingSubgraphClient(transport, balancer).bind({"accounts": (server.url,)})
    with pytest.raises(SubgraphFetchError):
        await bound.fetch("accounts", server.url, QUERY, {})
    balancer.apply(settings(threshold=1))
    with pytest.raises(SubgraphFetchError):
        await bound.fetch("accounts", server.url, QUERY, {})
    with pytest.raises(SubgraphFetchError) as refused:
        await bound.fetch("accounts", server.url, QUERY, {})
    assert "circuit open" in refused.value.reason
    assert server.requests == 2
