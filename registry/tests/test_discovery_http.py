"""Discovery over HTTP: register, list, heartbeat, deregister, expiry, index, routing URLs."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest
from trellis_registry import RegistrySettings
from trellis_registry.testing import ManualClock, serve_in_process, serve_over_http


def registration(instance_id: str, port: int, **metadata: str) -> dict[str, object]:
    return {
        "instance_id": instance_id,
        "routing_url": f"http://127.0.0.1:{port}/graphql",
        "health_url": f"http://127.0.0.1:{port}/health",
        "metadata": metadata,
    }


async def test_register_list_heartbeat_deregister(client: httpx.AsyncClient) -> None:
    registered = await client.post(
        "/v1/services/customers/instances", json=registration("customers-1", 4001, zone="a")
    )
    assert registered.status_code == 200
    instance = registered.json()
    assert instance == {
        "service": "customers",
        "instance_id": "customers-1",
        "routing_url": "http://127.0.0.1:4001/graphql",
        "health_url": "http://127.0.0.1:4001/health",
        "status": "UP",
        "status_override": None,
        "health": "UNKNOWN",
        "effective_status": "UP",
        "metadata": {"zone": "a"},
        "registered_at": instance["registered_at"],
        "last_heartbeat_at": instance["registered_at"],
        "lease_expires_at": instance["lease_expires_at"],
    }
    assert instance["registered_at"].endswith("Z")
    assert datetime.fromisoformat(instance["lease_expires_at"]) == datetime.fromisoformat(
        instance["registered_at"]
    ) + timedelta(seconds=30)
    assert int(registered.headers["X-Registry-Index"]) > 0

    services = (await client.get("/v1/services")).json()
    assert services["services"] == {"customers": [instance]}
    one = (await client.get("/v1/services/customers")).json()
    assert one["instances"] == [instance]
    assert one["index"] == services["index"]

    renewed = await client.put("/v1/services/customers/instances/customers-1/heartbeat")
    assert renewed.status_code == 200
    assert renewed.json()["last_heartbeat_at"] >= instance["last_heartbeat_at"]
    assert renewed.json()["registered_at"] == instance["registered_at"]

    deleted = await client.delete("/v1/services/customers/instances/customers-1")
    assert deleted.status_code == 204
    assert (await client.get("/v1/services")).json()["services"] == {}
    assert (await client.get("/v1/services/customers")).json()["instances"] == []

    again = await client.delete("/v1/services/customers/instances/customers-1")
    assert again.status_code == 404
    assert "customers-1" in again.json()["detail"]
    heartbeat = await client.put("/v1/services/customers/instances/customers-1/heartbeat")
    assert heartbeat.status_code == 404


async def test_metadata_is_optional(client: httpx.AsyncClient) -> None:
    body = registration("orders-1", 4004)
    del body["metadata"]
    response = await client.post("/v1/services/orders/instances", json=body)
    assert response.status_code == 200
    assert response.json()["metadata"] == {}


async def test_reregistering_replaces(client: httpx.AsyncClient) -> None:
    await client.post("/v1/services/customers/instances", json=registration("c-1", 4001))
    await client.post("/v1/services/customers/instances", json=registration("c-1", 5001, v="2"))
    instances = (await client.get("/v1/services/customers")).json()["instances"]
    assert [(i["instance_id"], i["routing_url"], i["metadata"]) for i in instances] == [
        ("c-1", "http://127.0.0.1:5001/graphql", {"v": "2"})
    ]


async def test_index_increases_on_changes_only(client: httpx.AsyncClient) -> None:
    async def index() -> int:
        value: int = (await client.get("/v1/services")).json()["index"]
        return value

    start = await index()
    await client.post("/v1/services/customers/instances", json=registration("c-1", 4001))
    after_register = await index()
    assert after_register > start
    await client.put("/v1/services/customers/instances/c-1/heartbeat")
    assert await index() == after_register
    await client.post("/v1/services/customers/instances", json=registration("c-2", 4011))
    after_second = await index()
    assert after_second > after_register
    await client.delete("/v1/services/customers/instances/c-1")
    assert await index() > after_second


async def test_expired_instances_are_swept(database_url: str) -> None:
    settings = RegistrySettings(
        database_url=database_url, lease_ttl_seconds=0.2, expiry_sweep_interval_seconds=0.05
    )
    async with serve_in_process(settings) as client:
        await client.post("/v1/services/customers/instances", json=registration("c-1", 4001))
        registered_index = (await client.get("/v1/services")).json()["index"]
        for _ in range(500):
            listing = (await client.get("/v1/services")).json()
            if listing["index"] > registered_index:
                break
            await asyncio.sleep(0.02)
        assert listing["index"] > registered_index, "the sweep never removed the instance"
        assert listing["services"] == {}
        heartbeat = await client.put("/v1/services/customers/instances/c-1/heartbeat")
        assert heartbeat.status_code == 404
        assert (await client.delete("/v1/services/customers/instances/c-1")).status_code == 404


async def test_expired_instance_is_hidden_before_the_sweep(
    settings: RegistrySettings, clock: ManualClock
) -> None:
    async with serve_in_process(settings, clock) as client:
        await client.post("/v1/services/customers/instances", json=registration("old", 4001))
        clock.advance(20)
        await client.post("/v1/services/customers/instances", json=registration("new", 4011))
        clock.advance(15)
        listing = (await client.get("/v1/services/customers")).json()
        assert [i["instance_id"] for i in listing["instances"]] == ["new"]
        expired = await client.put("/v1/services/customers/instances/old/heartbeat")
        assert expired.status_code == 404


async def test_routing_urls_list_live_instances_only(
    settings: RegistrySettings, clock: ManualClock
) -> None:
    async with serve_in_process(settings, clock) as client:
        await client.post("/v1/services/customers/instances", json=registration("c-old", 4000))
        clock.advance(20)
        for instance_id, port in [("c-1", 4001), ("c-2", 4011), ("c-3", 4011), ("c-4", 4021)]:
            await client.post(
                "/v1/services/customers/instances", json=registration(instance_id, port)
            )
        await client.post("/v1/services/orders/instances", json=registration("o-1", 4004))
        await client.post("/v1/services/billing/instances", json=registration("b-1", 4003))
        await client.delete("/v1/services/customers/instances/c-4")
        await client.delete("/v1/services/billing/instances/b-1")
        clock.advance(15)
        response = await client.get("/v1/routing-urls")
        assert response.status_code == 200
        body = response.json()
        assert body["subgraphs"] == {
            "customers": ["http://127.0.0.1:4001/graphql", "http://127.0.0.1:4011/graphql"],
            "orders": ["http://127.0.0.1:4004/graphql"],
        }
        assert body["index"] == (await client.get("/v1/services")).json()["index"]


async def test_registrations_survive_a_restart(settings: RegistrySettings) -> None:
    async with serve_in_process(settings) as client:
        registered = await client.post(
            "/v1/services/customers/instances", json=registration("c-1", 4001)
        )
        before = (await client.get("/v1/services")).json()
    async with serve_in_process(settings) as client:
        after = (await client.get("/v1/services")).json()
        assert after["index"] == before["index"]
        [kept] = after["services"]["customers"]
        # The lease restarts when the registry opens (the instance could not heartbeat while
        # it was down); everything else is as registered.
        assert kept["last_heartbeat_at"] >= registered.json()["last_heartbeat_at"]
        moving = {"last_heartbeat_at", "lease_expires_at"}
        assert {k: v for k, v in kept.items() if k not in moving} == {
            k: v for k, v in registered.json().items() if k not in moving
        }
        renewed = await client.put("/v1/services/customers/instances/c-1/heartbeat")
        assert renewed.status_code == 200


async def test_concurrent_registrations_are_all_kept(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/v1/services/inventory/instances", json=registration(f"i-{n}", 5000 + n))
            for n in range(20)
        )
    )
    assert [r.status_code for r in responses] == [200] * 20
    instances = (await client.get("/v1/services/inventory")).json()["instances"]
    assert sorted(i["instance_id"] for i in instances) == sorted(f"i-{n}" for n in range(20))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/services/customers/instances", {"routing_url": "http://h/graphql"}),
        (
            "/v1/services/customers/instances",
            {**registration("c-1", 4001), "routing_url": "not a url"},
        ),
        (
            "/v1/services/customers/instances",
            {**registration("c-1", 4001), "health_url": "ftp://h/health"},
        ),
        ("/v1/services/customers/instances", {**registration("c-1", 4001), "metadata": {"a": 1}}),
        ("/v1/services/customers/instances", {**registration("c/1", 4001)}),
        ("/v1/services/customers/instances", {**registration("c-1", 4001), "extra": True}),
        ("/v1/services/customers/instances", [1, 2]),
        ("/v1/services/bad%20name/instances", registration("c-1", 4001)),
    ],
)
async def test_bad_registrations_get_422(
    client: httpx.AsyncClient, path: str, body: object
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 422
    assert (await client.get("/v1/services")).json()["services"] == {}


async def test_malformed_json_gets_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/services/customers/instances",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "UP"}


async def test_over_real_http(settings: RegistrySettings) -> None:
    settings = settings.model_copy(update={"port": 0})
    async with serve_over_http(settings) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        registered = await http.post(
            "/v1/services/customers/instances", json=registration("c-1", 4001)
        )
        assert registered.status_code == 200
        urls = (await http.get("/v1/routing-urls")).json()["subgraphs"]
        assert urls == {"customers": ["http://127.0.0.1:4001/graphql"]}
