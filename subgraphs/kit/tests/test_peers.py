"""The peer client against real HTTP peers: retries, errors, discovery through the registry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from trellis_registry.settings import RegistrySettings
from trellis_registry.testing import serve_over_http
from trellis_subgraph import (
    PeerError,
    PeerPolicy,
    Peers,
    RegistryPeerDirectory,
    StaticPeerDirectory,
    UpstreamUnavailable,
)
from trellis_subgraph.testing import free_port, serve

FAST = PeerPolicy(timeout_seconds=2.0, attempts=3, backoff_seconds=0.01)


class Echo(BaseModel):
    echo: str


class Peer:
    """A real GraphQL-speaking peer that fails its first ``failures`` requests with ``status``."""

    def __init__(self, failures: int = 0, status: int = 503) -> None:
        self.failures = failures
        self.status = status
        self.bodies: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/graphql", self.graphql, methods=["POST"])])

    async def graphql(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        if len(self.bodies) <= self.failures:
            return Response("unavailable", status_code=self.status)
        if body["query"].startswith("mutation fail"):
            return JSONResponse(
                {
                    "data": None,
                    "errors": [
                        {
                            "message": "Not enough stock",
                            "extensions": {"code": "OUT_OF_STOCK", "items": [{"productId": "1"}]},
                        }
                    ],
                }
            )
        return JSONResponse({"data": {"echo": body["variables"].get("text", "")}})


async def test_idempotent_call_is_retried_through_gateway_errors() -> None:
    peer = Peer(failures=2)
    port = free_port()
    async with serve(peer.app, port, lifespan=False):
        peers = Peers(StaticPeerDirectory({"echo": f"http://127.0.0.1:{port}/graphql"}), FAST)
        try:
            data = await peers.client("echo").execute(
                "query ($text: String) { echo }", {"text": "hi"}, result=Echo, idempotent=True
            )
        finally:
            await peers.aclose()
    assert data == Echo(echo="hi")
    assert len(peer.bodies) == 3


async def test_non_idempotent_call_is_not_retried_after_it_reached_the_peer() -> None:
    peer = Peer(failures=1)
    port = free_port()
    async with serve(peer.app, port, lifespan=False):
        peers = Peers(StaticPeerDirectory({"echo": f"http://127.0.0.1:{port}/graphql"}), FAST)
        try:
            with pytest.raises(UpstreamUnavailable) as raised:
                await peers.client("echo").execute(
                    "mutation { echo }", result=Echo, idempotent=False
                )
        finally:
            await peers.aclose()
    assert len(peer.bodies) == 1
    assert raised.value.extensions == {"code": "UPSTREAM_UNAVAILABLE", "service": "echo"}
    assert "The echo service is unavailable" in str(raised.value)
    assert "HTTP 503" in str(raised.value)


async def test_connection_refused_names_the_peer_after_every_attempt() -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    peers = Peers(StaticPeerDirectory({"inventory": url}), FAST)
    try:
        with pytest.raises(UpstreamUnavailable) as raised:
            await peers.client("inventory").execute("{ echo }", result=Echo, idempotent=False)
    finally:
        await peers.aclose()
    assert raised.value.service == "inventory"
    assert f"cannot connect to {url}" in raised.value.message


async def test_peer_graphql_errors_keep_their_code_and_are_not_retried() -> None:
    peer = Peer()
    port = free_port()
    async with serve(peer.app, port, lifespan=False):
        peers = Peers(StaticPeerDirectory({"inventory": f"http://127.0.0.1:{port}/graphql"}), FAST)
        try:
            with pytest.raises(PeerError) as raised:
                await peers.client("inventory").execute(
                    "mutation fail { echo }", result=Echo, idempotent=True
                )
        finally:
            await peers.aclose()
    assert len(peer.bodies) == 1
    assert raised.value.message == "Not enough stock"
    assert raised.value.extensions == {
        "code": "OUT_OF_STOCK",
        "items": [{"productId": "1"}],
        "service": "inventory",
    }


async def test_unknown_service_is_unavailable() -> None:
    peers = Peers(StaticPeerDirectory({}), FAST)
    try:
        with pytest.raises(UpstreamUnavailable, match="no routing URL is configured"):
            await peers.client("orders").execute("{ echo }", result=Echo, idempotent=True)
    finally:
        await peers.aclose()


async def test_registry_directory_finds_registered_instances(tmp_path: Path) -> None:
    peer = Peer()
    port = free_port()
    settings = RegistrySettings(
        host="127.0.0.1", port=0, database_url=f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    )
    async with (
        serve_over_http(settings) as registry_url,
        serve(peer.app, port, lifespan=False),
        httpx.AsyncClient() as http,
    ):
        directory = RegistryPeerDirectory(registry_url, http, cache_seconds=0)
        peers = Peers(directory, FAST, http)
        with pytest.raises(UpstreamUnavailable, match="lists no instance that is UP"):
            await peers.client("echo").execute("{ echo }", result=Echo, idempotent=True)
        response = await http.post(
            f"{registry_url}/v1/services/echo/instances",
            json={
                "instance_id": "echo-1",
                "routing_url": f"http://127.0.0.1:{port}/graphql",
                "health_url": f"http://127.0.0.1:{port}/health",
            },
        )
        assert response.status_code in (200, 201), response.text
        data = await peers.client("echo").execute(
            "query ($text: String) { echo }", {"text": "found"}, result=Echo, idempotent=True
        )
    assert data.echo == "found"


async def test_registry_down_is_reported_as_the_peer_unavailable() -> None:
    async with httpx.AsyncClient() as http:
        directory = RegistryPeerDirectory(f"http://127.0.0.1:{free_port()}", http)
        with pytest.raises(UpstreamUnavailable) as raised:
            await directory.routing_url("billing")
    assert raised.value.service == "billing"
    assert "the registry at" in raised.value.message


async def test_registry_directory_follows_instances_by_watch(tmp_path: Path) -> None:
    """A registered or removed instance is seen through the watch, not after a cache period."""
    settings = RegistrySettings(
        host="127.0.0.1", port=0, database_url=f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    )
    first, second = free_port(), free_port()

    def registration(instance_id: str, port: int) -> dict[str, str]:
        return {
            "instance_id": instance_id,
            "routing_url": f"http://127.0.0.1:{port}/graphql",
            "health_url": f"http://127.0.0.1:{port}/health",
        }

    async def urls_become(directory: RegistryPeerDirectory, expected: set[str]) -> None:
        async with asyncio.timeout(5):
            while True:
                seen = {await directory.routing_url("echo") for _ in range(4)}
                if seen == expected:
                    return
                await asyncio.sleep(0.05)

    async with serve_over_http(settings) as registry_url, httpx.AsyncClient() as http:
        await http.post(f"{registry_url}/v1/services/echo/instances", json=registration("a", first))
        directory = RegistryPeerDirectory(
            registry_url, http, cache_seconds=3600, watch_wait_seconds=30
        )
        try:
            assert await directory.routing_url("echo") == f"http://127.0.0.1:{first}/graphql"
            await http.post(
                f"{registry_url}/v1/services/echo/instances", json=registration("b", second)
            )
            await urls_become(
                directory,
                {f"http://127.0.0.1:{first}/graphql", f"http://127.0.0.1:{second}/graphql"},
            )
            await http.put(
                f"{registry_url}/v1/services/echo/instances/a/status",
                json={"status": "OUT_OF_SERVICE"},
            )
            await urls_become(directory, {f"http://127.0.0.1:{second}/graphql"})
        finally:
            await directory.aclose()
