"""The customers subgraph as a real server: registry lifecycle and ``python -m`` (both DBs)."""

from __future__ import annotations

import asyncio
import sys

import httpx
from trellis_customers.app import create_app
from trellis_customers.settings import CustomersSettings
from trellis_subgraph.testing import RecordingRegistry, free_port, post_graphql, serve


async def test_registers_publishes_heartbeats_and_deregisters(database_url: str) -> None:
    peer = RecordingRegistry()
    async with serve(peer.app, free_port(), lifespan=False) as registry_url:
        port = free_port()
        settings = CustomersSettings(
            port=port,
            database_url=database_url,
            registry_url=registry_url,
            heartbeat_interval_seconds=0.02,
        )
        async with serve(create_app(settings), port) as url:
            await peer.wait_for(lambda p: len(p.paths("PUT")) >= 2)
            async with httpx.AsyncClient(base_url=url) as client:
                served_sdl = (await post_graphql(client, "{ _service { sdl } }"))["data"][
                    "_service"
                ]["sdl"]

    register, publish = peer.requests[0], peer.requests[1]
    instance_id = f"customers-127.0.0.1-{port}"
    assert register.path == "/v1/services/customers/instances"
    assert register.body["instance_id"] == instance_id
    assert register.body["routing_url"] == f"http://127.0.0.1:{port}/graphql"
    assert register.body["health_url"] == f"http://127.0.0.1:{port}/health"
    assert register.body["metadata"]["subgraph"] == "customers"
    assert publish.path == "/v1/subgraphs/customers"
    assert publish.body == {
        "sdl": served_sdl,
        "routing_url": f"http://127.0.0.1:{port}/graphql",
        "published_by": f"customers-127.0.0.1-{port}",
    }
    assert 'type Customer @key(fields: "id")' in served_sdl
    assert peer.paths("DELETE") == [f"/v1/services/customers/instances/{instance_id}"]


async def test_serves_while_the_registry_is_down(database_url: str) -> None:
    port = free_port()
    settings = CustomersSettings(
        port=port,
        database_url=database_url,
        registry_url=f"http://127.0.0.1:{free_port()}",
        registration_retry_seconds=0.02,
    )
    app = create_app(settings)
    async with serve(app, port) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/health")).json() == {"status": "UP"}
        body = await post_graphql(client, '{ customer(id: "1") { id } }')
        assert body == {"data": {"customer": {"id": "1"}}}
        assert app.state.registry_agent.registered is False


async def test_runs_as_a_module(database_url: str) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trellis_customers",
        "--port",
        str(port),
        "--registry-url",
        "",
        "--database-url",
        database_url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = None
            async with asyncio.timeout(60):
                while response is None:
                    assert process.returncode is None, "the subgraph process exited"
                    try:
                        response = await client.get("/health")
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
            assert response.json() == {"status": "UP"}
            body = await post_graphql(client, "{ customers(first: 100) { totalCount } }")
            assert body == {"data": {"customers": {"totalCount": 12}}}
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
    assert process.returncode in (0, -15)
