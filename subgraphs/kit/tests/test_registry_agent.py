"""The registry client and agent against a real HTTP peer that records requests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from trellis_subgraph import (
    CompositionRejected,
    InstanceRegistration,
    RegistryAgent,
    RegistryClient,
    UnknownInstance,
)
from trellis_subgraph.testing import RecordingRegistry, free_port, serve

REGISTRATION = InstanceRegistration(
    service="widgets",
    instance_id="widgets-127.0.0.1-4999",
    routing_url="http://127.0.0.1:4999/graphql",
    health_url="http://127.0.0.1:4999/health",
    metadata={"subgraph": "widgets"},
)
SDL = 'type Widget @key(fields: "id") { id: ID! }\n'
INSTANCE_PATH = "/v1/services/widgets/instances/widgets-127.0.0.1-4999"


@pytest.fixture
async def registry() -> AsyncIterator[tuple[RecordingRegistry, str]]:
    peer = RecordingRegistry()
    async with serve(peer.app, free_port(), lifespan=False) as url:
        yield peer, url


def agent_for(url: str) -> RegistryAgent:
    return RegistryAgent(
        RegistryClient(url),
        REGISTRATION,
        SDL,
        heartbeat_interval_seconds=0.02,
        retry_seconds=0.02,
    )


async def test_agent_registers_publishes_heartbeats_and_deregisters(
    registry: tuple[RecordingRegistry, str],
) -> None:
    peer, url = registry
    agent = agent_for(url)
    agent.start()
    await peer.wait_for(lambda p: len(p.paths("PUT")) >= 2)
    await agent.stop()

    register, publish = peer.requests[0], peer.requests[1]
    assert (register.method, register.path) == ("POST", "/v1/services/widgets/instances")
    assert register.body == {
        "instance_id": REGISTRATION.instance_id,
        "routing_url": REGISTRATION.routing_url,
        "health_url": REGISTRATION.health_url,
        "metadata": {"subgraph": "widgets"},
    }
    assert (publish.method, publish.path) == ("POST", "/v1/subgraphs/widgets")
    assert publish.body == {
        "sdl": SDL,
        "routing_url": REGISTRATION.routing_url,
        "published_by": REGISTRATION.instance_id,
    }
    assert peer.paths("PUT")[0] == f"{INSTANCE_PATH}/heartbeat"
    assert peer.requests[-1].method == "DELETE"
    assert peer.requests[-1].path == INSTANCE_PATH
    assert peer.instances == set()
    assert agent.last_publish is not None
    assert agent.last_publish.version == 1


async def test_agent_registers_again_when_the_registry_forgets_the_instance(
    registry: tuple[RecordingRegistry, str],
) -> None:
    peer, url = registry
    agent = agent_for(url)
    agent.start()
    await peer.wait_for(lambda p: len(p.paths("PUT")) >= 1)
    peer.instances.clear()  # the registry lost the instance, not the schema
    await peer.wait_for(lambda p: len(p.paths("POST")) >= 3 and bool(p.instances))
    await peer.wait_for(lambda p: len(p.paths("PUT")) >= 3)
    publishes = [p for p in peer.paths("POST") if p.startswith("/v1/subgraphs/")]
    assert len(publishes) == 1  # the registry still has this SDL: nothing to publish

    peer.published.clear()
    peer.instances.clear()  # a registry that lost everything
    await peer.wait_for(lambda p: len(p.paths("POST")) >= 5 and bool(p.instances))
    await agent.stop()

    registers = [p for p in peer.paths("POST") if p.endswith("/instances")]
    publishes = [p for p in peer.paths("POST") if p.startswith("/v1/subgraphs/")]
    assert len(registers) >= 3
    assert len(publishes) == 2


async def test_agent_keeps_heartbeating_when_composition_is_rejected(
    registry: tuple[RecordingRegistry, str], caplog: pytest.LogCaptureFixture
) -> None:
    peer, url = registry
    peer.reject_with = [{"code": "INVALID_FIELD_SHARING", "message": "Widget.id is not shared"}]
    agent = agent_for(url)
    with caplog.at_level(logging.ERROR, logger="trellis_subgraph.registry"):
        agent.start()
        await peer.wait_for(lambda p: len(p.paths("PUT")) >= 2)
        await agent.stop()

    assert [(e.code, e.message) for e in agent.composition_errors] == [
        ("INVALID_FIELD_SHARING", "Widget.id is not shared")
    ]
    assert agent.last_publish is None
    assert "INVALID_FIELD_SHARING" in caplog.text


async def test_agent_waits_for_a_registry_that_starts_late() -> None:
    port = free_port()
    agent = agent_for(f"http://127.0.0.1:{port}")
    agent.start()
    peer = RecordingRegistry()
    async with serve(peer.app, port, lifespan=False):
        await peer.wait_for(lambda p: len(p.paths("PUT")) >= 1)
        await agent.stop()
    assert peer.paths("POST")[0] == "/v1/services/widgets/instances"
    assert peer.paths("DELETE") == [INSTANCE_PATH]


async def test_client_reports_contract_errors(registry: tuple[RecordingRegistry, str]) -> None:
    peer, url = registry
    client = RegistryClient(url)
    try:
        with pytest.raises(UnknownInstance):
            await client.heartbeat("widgets", "nobody")
        assert await client.deregister("widgets", "nobody") is False
        peer.reject_with = [{"code": "SATISFIABILITY_ERROR", "message": "cannot reach Widget"}]
        with pytest.raises(CompositionRejected) as rejected:
            await client.publish("widgets", SDL, REGISTRATION.routing_url)
        assert rejected.value.errors[0].code == "SATISFIABILITY_ERROR"
    finally:
        await client.aclose()
