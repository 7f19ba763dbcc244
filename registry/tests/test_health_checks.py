"""Active health checks against a real small HTTP server that the tests start, stop and
make fail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from trellis_registry import (
    Discovery,
    HealthCheck,
    HealthChecker,
    InstanceStatus,
    Registration,
    RegistrySettings,
    SqlRegistryBackend,
)
from trellis_registry.testing import ManualClock, eventually, serve_over_http

TTL = timedelta(seconds=30)


@dataclass
class HealthEndpoint:
    """What the instance's ``/health`` answers."""

    status: int = 200
    delay_seconds: float = 0.0
    calls: int = 0


@contextlib.asynccontextmanager
async def health_server(endpoint: HealthEndpoint, port: int = 0) -> AsyncIterator[int]:
    async def health(request: Request) -> PlainTextResponse:
        endpoint.calls += 1
        await asyncio.sleep(endpoint.delay_seconds)
        return PlainTextResponse("health", status_code=endpoint.status)

    app = Starlette(routes=[Route("/health", health)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started or task.done())
        assert server.started, "the health server did not start"
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def backend(database_url: str, clock: ManualClock) -> AsyncIterator[SqlRegistryBackend]:
    store = SqlRegistryBackend(database_url, clock)
    await store.open()
    yield store
    await store.close()


def registration(port: int, instance_id: str = "c-1") -> Registration:
    return Registration(
        service="customers",
        instance_id=instance_id,
        routing_url=f"http://127.0.0.1:{port}/graphql",
        health_url=f"http://127.0.0.1:{port}/health",
        metadata={},
    )


async def health_of(discovery: Discovery, instance_id: str = "c-1") -> HealthCheck:
    listing = await discovery.instances("customers")
    [instance] = [i for i in listing.instances if i.instance_id == instance_id]
    return instance.health


async def test_outcomes_follow_consecutive_checks(
    backend: SqlRegistryBackend, clock: ManualClock
) -> None:
    discovery = Discovery(backend, TTL, clock)
    checker = HealthChecker(backend, TTL, clock, timeout_seconds=0.3, failures=2)
    endpoint = HealthEndpoint()
    async with health_server(endpoint) as port, httpx.AsyncClient() as client:
        await discovery.register(registration(port))
        assert await health_of(discovery) is HealthCheck.UNKNOWN

        assert await checker.check_once(client) == 1
        assert await health_of(discovery) is HealthCheck.PASSING
        index = await backend.current_index()
        assert await checker.check_once(client) == 0
        assert await backend.current_index() == index, "an unchanged outcome is not written"

        endpoint.status = 503
        assert await checker.check_once(client) == 0, "one failure is not enough"
        assert await health_of(discovery) is HealthCheck.PASSING
        assert await checker.check_once(client) == 1
        assert await health_of(discovery) is HealthCheck.CRITICAL
        listing = await discovery.instances()
        assert listing.instances[0].effective_status is InstanceStatus.DOWN
        assert listing.routing_urls() == {}
        assert listing.index > index

        endpoint.status = 204
        assert await checker.check_once(client) == 1, "one pass is enough"
        assert await health_of(discovery) is HealthCheck.PASSING

        endpoint.status, endpoint.delay_seconds = 200, 1.0
        await checker.check_once(client)
        assert await checker.check_once(client) == 1, "two timeouts"
        assert await health_of(discovery) is HealthCheck.CRITICAL
        endpoint.delay_seconds = 0.0
        assert await checker.check_once(client) == 1
        assert await health_of(discovery) is HealthCheck.PASSING

    # The server is gone: connections are refused.
    async with httpx.AsyncClient() as client:
        await checker.check_once(client)
        assert await checker.check_once(client) == 1
        assert await health_of(discovery) is HealthCheck.CRITICAL


async def test_a_refused_connection_fails_and_expired_instances_are_not_checked(
    backend: SqlRegistryBackend, clock: ManualClock
) -> None:
    discovery = Discovery(backend, TTL, clock)
    checker = HealthChecker(backend, TTL, clock, timeout_seconds=0.5, failures=1)
    endpoint = HealthEndpoint()
    async with health_server(endpoint) as port:
        await discovery.register(registration(port, "live"))
    # Nothing listens on that port any more.
    async with httpx.AsyncClient() as client:
        assert await checker.check_once(client) == 1
        assert await health_of(discovery, "live") is HealthCheck.CRITICAL

        async with health_server(endpoint) as port:
            clock.advance(31)
            await discovery.register(registration(port, "fresh"))
            calls = endpoint.calls
            assert await checker.check_once(client) == 1
            assert endpoint.calls == calls + 1, "only the live instance is checked"
            assert await health_of(discovery, "fresh") is HealthCheck.PASSING


def test_checker_arguments_are_checked(backend: SqlRegistryBackend) -> None:
    with pytest.raises(ValueError, match="failures"):
        HealthChecker(backend, TTL, failures=0)
    with pytest.raises(ValueError, match="timeout"):
        HealthChecker(backend, TTL, timeout_seconds=0)


async def test_the_registry_checks_in_the_background(
    settings: RegistrySettings, database_url: str
) -> None:
    settings = settings.model_copy(
        update={
            "port": 0,
            "health_checks": True,
            "health_check_interval_seconds": 0.05,
            "health_check_timeout_seconds": 0.5,
            "health_check_failures": 2,
        }
    )
    endpoint = HealthEndpoint()
    async with serve_over_http(settings) as url, httpx.AsyncClient(base_url=url) as http:

        async def instance() -> dict[str, object]:
            [body] = (await http.get("/v1/services/customers")).json()["instances"]
            return dict(body)

        async def health_is(expected: str) -> bool:
            return (await instance())["health"] == expected

        async with health_server(endpoint) as port:
            registered = await http.post(
                "/v1/services/customers/instances",
                json={
                    "instance_id": "c-1",
                    "routing_url": f"http://127.0.0.1:{port}/graphql",
                    "health_url": f"http://127.0.0.1:{port}/health",
                },
            )
            assert registered.status_code == 200
            await eventually(lambda: health_is("PASSING"))
            routing = (await http.get("/v1/routing-urls")).json()["subgraphs"]
            assert routing == {"customers": [f"http://127.0.0.1:{port}/graphql"]}

        # The instance's server stopped: it turns CRITICAL and leaves the routing URLs,
        # though it still heartbeats.
        await eventually(lambda: health_is("CRITICAL"))
        assert (await instance())["effective_status"] == "DOWN"
        assert (await http.put("/v1/services/customers/instances/c-1/heartbeat")).is_success
        assert (await http.get("/v1/routing-urls")).json()["subgraphs"] == {}

        async with health_server(endpoint, port):
            await eventually(lambda: health_is("PASSING"))
            assert (await instance())["effective_status"] == "UP"
