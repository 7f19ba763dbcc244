"""The customers subgraph as a real server: registry lifecycle and ``python -m``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from trellis_customers.app import create_app
from trellis_customers.settings import CustomersSettings
from trellis_subgraph.testing import RecordingRegistry, free_port, post_graphql, serve


async def test_registers_publishes_heartbeats_and_deregisters(tmp_path: Path) -> None:
    peer = RecordingRegistry()
    async with serve(peer.app, free_port(), lifespan=False) as registry_url:
        port = free_port()
        settings = CustomersSettings(
            port=port,
            data_dir=tmp_path,
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
    assert publish.body == {"sdl": served_sdl, "routing_url": f"http://127.0.0.1:{port}/graphql"}
    assert peer.paths("DELETE") == [f"/v1/services/customers/instances/{instance_id}"]


async def test_serves_while_the_registry_is_down(tmp_path: Path) -> None:
    port = free_port()
    settings = CustomersSettings(
        port=port,
        data_dir=tmp_path,
        registry_url=f"http://127.0.0.1:{free_port()}",
        registration_retry_seconds=0.02,
    )
    app = create_app(settings)
    async with serve(app, port) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/health")).json() == {"status": "UP"}
        body = await post_graphql(client, '{ customer(id: "1") { id } }')
        assert body == {"data": {"customer": {"id": "1"}}}
        assert app.state.registry_agent.registered is False


def test_runs_as_a_module(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "trellis_customers", "--port", str(port)]
    command += ["--registry-url", "", "--database-url", f"sqlite+aiosqlite:///{tmp_path}/c.db"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            response = None
            while response is None:
                assert process.poll() is None, "the subgraph process exited"
                try:
                    response = client.get("/health")
                except httpx.ConnectError:
                    time.sleep(0.02)
            assert response.json() == {"status": "UP"}
            body = client.post("/graphql", json={"query": "{ customers { id } }"}).json()
            assert len(body["data"]["customers"]) == 12
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "c.db").exists()
