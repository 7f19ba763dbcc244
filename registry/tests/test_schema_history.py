"""Schema history: versions with who and when, supergraph revisions, rollback, and publishes
racing each other (one registry, and two registries sharing one store)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from trellis_registry import (
    ConcurrentPublishError,
    RegistrySettings,
    SchemaRegistry,
    SqlRegistryBackend,
    SubgraphNotFoundError,
    SubgraphVersion,
    SubgraphVersionNotFoundError,
    Supergraph,
    supergraph_id,
)
from trellis_registry.testing import ManualClock, serve_in_process

CUSTOMERS_V1 = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  customer(id: ID!): Customer
}

type Customer @key(fields: "id") {
  id: ID!
  name: String!
}
"""
CUSTOMERS_V2 = CUSTOMERS_V1.replace("name: String!", "name: String!\n  email: String")
# Customer.orders here as well: composes alone, but not with ORDERS (which owns that field).
CUSTOMERS_CLASH = CUSTOMERS_V1.replace("name: String!", "name: String!\n  orders: Int")
ORDERS = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  order(id: ID!): Order
}

type Order @key(fields: "id") {
  id: ID!
  customer: Customer!
}

type Customer @key(fields: "id") {
  id: ID!
  orders: [Order!]!
}
"""
INVENTORY = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  product(id: ID!): Product
}

type Product @key(fields: "id") {
  id: ID!
  sku: String!
}
"""
URL = "http://127.0.0.1:4001/graphql"
ORDERS_URL = "http://127.0.0.1:4004/graphql"


async def publish(
    client: httpx.AsyncClient, name: str, sdl: str, url: str = URL, **extra: str
) -> httpx.Response:
    return await client.post(
        f"/v1/subgraphs/{name}", json={"sdl": sdl, "routing_url": url, **extra}
    )


async def rollback(
    client: httpx.AsyncClient, name: str, version: int, **extra: str
) -> httpx.Response:
    return await client.post(f"/v1/subgraphs/{name}/rollback", json={"version": version, **extra})


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
async def timed(settings: RegistrySettings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(settings, clock) as client:
        yield client


async def test_versions_record_who_and_when(timed: httpx.AsyncClient, clock: ManualClock) -> None:
    first = await publish(timed, "customers", CUSTOMERS_V1, published_by="ci@build-1")
    assert first.status_code == 200
    first_at = clock.now
    clock.advance(60)
    await publish(timed, "customers", CUSTOMERS_V2, "http://10.0.0.1:4001/graphql")

    listing = await timed.get("/v1/subgraphs/customers/versions")
    assert listing.status_code == 200
    assert listing.json() == {
        "subgraph": "customers",
        "versions": [
            {
                "version": 2,
                "routing_url": "http://10.0.0.1:4001/graphql",
                "published_at": "2025-01-01T12:01:00Z",
                "published_by": "unknown",
                "sdl_sha256": sha(CUSTOMERS_V2),
            },
            {
                "version": 1,
                "routing_url": URL,
                "published_at": "2025-01-01T12:00:00Z",
                "published_by": "ci@build-1",
                "sdl_sha256": sha(CUSTOMERS_V1),
            },
        ],
    }
    one = await timed.get("/v1/subgraphs/customers/versions/1")
    assert one.status_code == 200
    assert one.json() == {
        **listing.json()["versions"][1],
        "name": "customers",
        "sdl": CUSTOMERS_V1,
    }
    assert datetime.fromisoformat(one.json()["published_at"]) == first_at
    current = (await timed.get("/v1/subgraphs/customers")).json()
    assert (current["version"], current["published_by"]) == (2, "unknown")

    assert (await timed.get("/v1/subgraphs/customers/versions/3")).status_code == 404
    assert (await timed.get("/v1/subgraphs/orders/versions")).status_code == 404
    assert (await timed.get("/v1/subgraphs/orders/versions/1")).status_code == 404
    assert (await timed.get("/v1/subgraphs/customers/versions/0")).status_code == 422


async def test_published_by_is_bounded(client: httpx.AsyncClient) -> None:
    too_long = await publish(client, "customers", CUSTOMERS_V1, published_by="x" * 201)
    assert too_long.status_code == 422
    empty = await publish(client, "customers", CUSTOMERS_V1, published_by="")
    assert empty.status_code == 422
    fits = await publish(client, "customers", CUSTOMERS_V1, published_by="x" * 200)
    assert fits.status_code == 200


async def test_supergraph_history(timed: httpx.AsyncClient, clock: ManualClock) -> None:
    empty = await timed.get("/v1/supergraph/history")
    assert empty.status_code == 200
    assert empty.json()["supergraphs"] == []

    ids = []
    for name, sdl, url in [
        ("customers", CUSTOMERS_V1, URL),
        ("orders", ORDERS, ORDERS_URL),
        ("customers", CUSTOMERS_V2, URL),
    ]:
        ids.append((await publish(timed, name, sdl, url)).json()["supergraph_id"])
        clock.advance(1)
    await publish(timed, "customers", CUSTOMERS_V2, URL)  # a no-op stores nothing

    history = await timed.get("/v1/supergraph/history")
    body = history.json()
    assert body["index"] == int(history.headers["X-Registry-Index"])
    assert body["supergraphs"] == [
        {
            "revision": 3,
            "id": ids[2],
            "composed_at": "2025-01-01T12:00:02Z",
            "subgraph_versions": {"customers": 2, "orders": 1},
        },
        {
            "revision": 2,
            "id": ids[1],
            "composed_at": "2025-01-01T12:00:01Z",
            "subgraph_versions": {"customers": 1, "orders": 1},
        },
        {
            "revision": 1,
            "id": ids[0],
            "composed_at": "2025-01-01T12:00:00Z",
            "subgraph_versions": {"customers": 1},
        },
    ]
    limited = (await timed.get("/v1/supergraph/history", params={"limit": 1})).json()
    assert [s["revision"] for s in limited["supergraphs"]] == [3]
    assert (await timed.get("/v1/supergraph/history", params={"limit": 0})).status_code == 422


async def test_rollback_publishes_an_old_version_again(client: httpx.AsyncClient) -> None:
    v1 = (await publish(client, "customers", CUSTOMERS_V1)).json()
    await publish(client, "customers", CUSTOMERS_V2, "http://10.0.0.1:4001/graphql")

    rolled = await rollback(client, "customers", 1, published_by="ops@example")
    assert rolled.status_code == 200
    assert rolled.json() == {
        "subgraph": "customers",
        "version": 3,
        "changed": True,
        "supergraph_id": v1["supergraph_id"],
    }
    current = (await client.get("/v1/subgraphs/customers")).json()
    assert (current["version"], current["sdl"], current["routing_url"]) == (3, CUSTOMERS_V1, URL)
    assert current["published_by"] == "ops@example"
    supergraph = await client.get("/v1/supergraph")
    assert supergraph.headers["etag"] == f'"{v1["supergraph_id"]}"'
    versions = (await client.get("/v1/subgraphs/customers/versions")).json()["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    history = (await client.get("/v1/supergraph/history")).json()["supergraphs"]
    assert [(s["revision"], s["subgraph_versions"]) for s in history] == [
        (3, {"customers": 3}),
        (2, {"customers": 2}),
        (1, {"customers": 1}),
    ]

    index = int((await client.get("/v1/supergraph")).headers["X-Registry-Index"])
    again = await rollback(client, "customers", 1)
    assert again.status_code == 200
    assert again.json() == {**rolled.json(), "changed": False}, "already current: a no-op"
    same = await rollback(client, "customers", 3)
    assert same.json()["changed"] is False
    assert int((await client.get("/v1/supergraph")).headers["X-Registry-Index"]) == index


async def test_rollback_goes_through_composition(client: httpx.AsyncClient) -> None:
    await publish(client, "customers", CUSTOMERS_CLASH)
    await publish(client, "customers", CUSTOMERS_V1)
    await publish(client, "orders", ORDERS, ORDERS_URL)
    before = await client.get("/v1/supergraph")

    refused = await rollback(client, "customers", 1)
    assert refused.status_code == 409
    codes = {error["code"] for error in refused.json()["errors"]}
    assert codes & {"FIELD_TYPE_MISMATCH", "INVALID_FIELD_SHARING"}
    assert (await client.get("/v1/subgraphs/customers")).json()["version"] == 2
    assert (await client.get("/v1/supergraph")).headers["etag"] == before.headers["etag"]
    history = (await client.get("/v1/supergraph/history")).json()["supergraphs"]
    assert [s["revision"] for s in history] == [3, 2, 1]


async def test_rollback_of_unknown_versions(client: httpx.AsyncClient) -> None:
    missing = await rollback(client, "customers", 1)
    assert missing.status_code == 404
    await publish(client, "customers", CUSTOMERS_V1)
    unknown = await rollback(client, "customers", 7)
    assert unknown.status_code == 404
    assert "version 7" in unknown.json()["detail"]
    for body in [{"version": 0}, {"version": "one"}, {}, {"version": 1, "extra": 1}]:
        response = await client.post("/v1/subgraphs/customers/rollback", json=body)
        assert response.status_code == 422, body


async def test_concurrent_publishes_keep_revisions_gapless(client: httpx.AsyncClient) -> None:
    sdls = {"customers": CUSTOMERS_V1, "orders": ORDERS, "inventory": INVENTORY}
    responses = await asyncio.gather(
        *(
            publish(client, name, sdl, f"http://127.0.0.1:{4000 + n}/graphql")
            for n, (name, sdl) in enumerate(sdls.items())
        ),
        publish(client, "customers", CUSTOMERS_V2),
    )
    assert [r.status_code for r in responses] == [200] * 4
    history = (await client.get("/v1/supergraph/history")).json()["supergraphs"]
    assert [s["revision"] for s in history] == [4, 3, 2, 1]
    assert history[0]["subgraph_versions"] == {"customers": 2, "inventory": 1, "orders": 1}


@pytest.fixture
async def shared(database_url: str) -> AsyncIterator[tuple[SqlRegistryBackend, SqlRegistryBackend]]:
    first, second = SqlRegistryBackend(database_url), SqlRegistryBackend(database_url)
    await first.open()
    await second.open()
    yield first, second
    await first.close()
    await second.close()


class RacedBackend(SqlRegistryBackend):
    """A real store that lets another registry publish right after this one has read the
    current subgraphs, once: the race two registry replicas can run into."""

    def __init__(self, database_url: str, other: SchemaRegistry) -> None:
        super().__init__(database_url)
        self.other = other
        self.raced = False

    async def current_subgraphs(self) -> list[SubgraphVersion]:
        current = await super().current_subgraphs()
        if not self.raced:
            self.raced = True
            await self.other.publish("orders", ORDERS, ORDERS_URL, "replica-a")
        return current


async def test_a_publish_that_loses_a_race_composes_again(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    replica_a_store = SqlRegistryBackend(database_url)
    await replica_a_store.open()
    replica_a = SchemaRegistry(replica_a_store)
    await replica_a.publish("customers", CUSTOMERS_V1, URL, "replica-a")
    replica_b_store = RacedBackend(database_url, replica_a)
    await replica_b_store.open()
    try:
        replica_b = SchemaRegistry(replica_b_store)
        with caplog.at_level(logging.INFO, logger="trellis_registry.schema_registry"):
            result = await replica_b.publish("inventory", INVENTORY, URL, "replica-b")
        assert replica_b_store.raced
        assert "lost a race" in caplog.text
        assert (result.subgraph, result.version, result.changed) == ("inventory", 1, True)
        history = await replica_b_store.supergraph_history(10)
        assert [s.revision for s in history] == [3, 2, 1]
        assert dict(history[0].subgraph_versions) == {
            "customers": 1,
            "inventory": 1,
            "orders": 1,
        }
        assert history[0].id == result.supergraph_id
    finally:
        await replica_b_store.close()
        await replica_a_store.close()


async def test_a_stale_publication_is_refused(
    shared: tuple[SqlRegistryBackend, SqlRegistryBackend], clock: ManualClock
) -> None:
    store, _ = shared

    def publication(version: int, revision: int) -> tuple[SubgraphVersion, Supergraph]:
        sdl = f"supergraph {revision}"
        return (
            SubgraphVersion("customers", version, URL, CUSTOMERS_V1, clock.now),
            Supergraph(supergraph_id(sdl), sdl, clock.now, revision, {"customers": version}),
        )

    index = await store.save_publication(*publication(1, 1))
    for version, revision in [(1, 2), (2, 1), (3, 2), (2, 3)]:
        with pytest.raises(ConcurrentPublishError):
            await store.save_publication(*publication(version, revision))
    assert await store.current_index() == index
    assert await store.save_publication(*publication(2, 2)) > index


async def test_two_registries_on_one_store_publish_concurrently(
    shared: tuple[SqlRegistryBackend, SqlRegistryBackend],
) -> None:
    first, second = (SchemaRegistry(store) for store in shared)
    results = await asyncio.gather(
        first.publish("customers", CUSTOMERS_V1, URL),
        second.publish("orders", ORDERS, ORDERS_URL),
        first.publish("inventory", INVENTORY, "http://127.0.0.1:4002/graphql"),
        second.publish("customers", CUSTOMERS_V2, URL),
    )
    assert all(result.changed for result in results)
    history = await shared[0].supergraph_history(10)
    assert [s.revision for s in history] == [4, 3, 2, 1]
    assert dict(history[0].subgraph_versions) == {"customers": 2, "inventory": 1, "orders": 1}


async def test_versions_and_history_survive_a_restart(settings: RegistrySettings) -> None:
    async with serve_in_process(settings) as client:
        await publish(client, "customers", CUSTOMERS_V1, published_by="ci")
        await publish(client, "customers", CUSTOMERS_V2)
        versions = (await client.get("/v1/subgraphs/customers/versions")).json()
        history = (await client.get("/v1/supergraph/history")).json()
    async with serve_in_process(settings) as client:
        assert (await client.get("/v1/subgraphs/customers/versions")).json() == versions
        assert (await client.get("/v1/supergraph/history")).json() == history
        rolled = await rollback(client, "customers", 1)
        assert rolled.json()["version"] == 3
        after = (await client.get("/v1/supergraph/history")).json()
        assert after["index"] > history["index"]
        assert after["supergraphs"][0]["revision"] == 3


def test_version_not_found_is_a_subgraph_not_found() -> None:
    assert issubclass(SubgraphVersionNotFoundError, SubgraphNotFoundError)
