"""The schema registry over HTTP: publish, versions, composition refusal, supergraph ETag."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
from trellis_registry import RegistrySettings
from trellis_registry.testing import serve_in_process

CUSTOMERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  customer(id: ID!): Customer
  customers: [Customer!]!
}

type Customer @key(fields: "id") {
  id: ID!
  name: String!
  email: String!
}
"""

CUSTOMERS_V2_SDL = CUSTOMERS_SDL.replace("email: String!", "email: String!\n  phone: String")

ORDERS_SDL = """
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

ORDERS_BREAKING_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  order(id: ID!): Order
}

type Order @key(fields: "id") {
  id: ID!
}

type Customer @key(fields: "id") {
  id: ID!
  name: Int!
}
"""

CUSTOMERS_URL = "http://127.0.0.1:4001/graphql"
ORDERS_URL = "http://127.0.0.1:4004/graphql"


async def publish(
    client: httpx.AsyncClient, name: str, sdl: str, routing_url: str
) -> httpx.Response:
    return await client.post(f"/v1/subgraphs/{name}", json={"sdl": sdl, "routing_url": routing_url})


async def index(client: httpx.AsyncClient) -> int:
    value: int = (await client.get("/v1/services")).json()["index"]
    return value


async def test_publish_composes_a_supergraph(client: httpx.AsyncClient) -> None:
    response = await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)
    assert response.status_code == 200
    result = response.json()
    assert result == {
        "subgraph": "customers",
        "version": 1,
        "changed": True,
        "supergraph_id": result["supergraph_id"],
    }

    supergraph = await client.get("/v1/supergraph")
    assert supergraph.status_code == 200
    assert supergraph.headers["content-type"] == "text/plain; charset=utf-8"
    assert supergraph.headers["etag"] == f'"{result["supergraph_id"]}"'
    assert hashlib.sha256(supergraph.content).hexdigest() == result["supergraph_id"]
    assert "https://specs.apollo.dev/join/" in supergraph.text
    assert CUSTOMERS_URL in supergraph.text
    assert "type Customer" in supergraph.text


async def test_versions_and_listing(client: httpx.AsyncClient) -> None:
    first = (await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)).json()
    orders = (await publish(client, "orders", ORDERS_SDL, ORDERS_URL)).json()
    assert (orders["version"], orders["changed"]) == (1, True)
    assert orders["supergraph_id"] != first["supergraph_id"]
    second = (await publish(client, "customers", CUSTOMERS_V2_SDL, CUSTOMERS_URL)).json()
    assert (second["version"], second["changed"]) == (2, True)

    listing = (await client.get("/v1/subgraphs")).json()["subgraphs"]
    assert [(s["name"], s["version"], s["routing_url"]) for s in listing] == [
        ("customers", 2, CUSTOMERS_URL),
        ("orders", 1, ORDERS_URL),
    ]
    assert all(
        set(s) == {"name", "routing_url", "version", "published_at", "published_by"}
        for s in listing
    )
    assert {s["published_by"] for s in listing} == {"unknown"}

    customers = (await client.get("/v1/subgraphs/customers")).json()
    assert customers["sdl"] == CUSTOMERS_V2_SDL
    assert customers["version"] == 2
    supergraph = (await client.get("/v1/supergraph")).text
    assert "phone" in supergraph
    assert ORDERS_URL in supergraph

    moved = (await publish(client, "orders", ORDERS_SDL, "http://10.0.0.7:4004/graphql")).json()
    assert (moved["version"], moved["changed"]) == (2, True)
    assert "http://10.0.0.7:4004/graphql" in (await client.get("/v1/supergraph")).text


async def test_republishing_the_same_schema_is_a_no_op(client: httpx.AsyncClient) -> None:
    first = (await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)).json()
    before = await index(client)
    again = await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)
    assert again.status_code == 200
    assert again.json() == {**first, "changed": False}
    assert await index(client) == before


async def test_publish_increases_the_index(client: httpx.AsyncClient) -> None:
    before = await index(client)
    await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)
    assert await index(client) > before


async def test_a_publish_that_breaks_composition_is_refused(client: httpx.AsyncClient) -> None:
    await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)
    await publish(client, "orders", ORDERS_SDL, ORDERS_URL)
    subgraphs_before = (await client.get("/v1/subgraphs")).json()
    supergraph_before = await client.get("/v1/supergraph")
    index_before = await index(client)

    refused = await publish(client, "orders", ORDERS_BREAKING_SDL, ORDERS_URL)

    assert refused.status_code == 409
    errors = refused.json()["errors"]
    assert errors
    assert all(set(error) == {"code", "message"} for error in errors)
    assert {error["code"] for error in errors} & {"INVALID_FIELD_SHARING", "FIELD_TYPE_MISMATCH"}
    assert (await client.get("/v1/subgraphs")).json() == subgraphs_before
    assert (await client.get("/v1/subgraphs/orders")).json()["sdl"] == ORDERS_SDL
    supergraph_after = await client.get("/v1/supergraph")
    assert supergraph_after.headers["etag"] == supergraph_before.headers["etag"]
    assert await index(client) == index_before


async def test_a_refused_first_publish_stores_nothing(client: httpx.AsyncClient) -> None:
    await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)
    refused = await publish(client, "orders", ORDERS_BREAKING_SDL, ORDERS_URL)
    assert refused.status_code == 409
    assert (await client.get("/v1/subgraphs/orders")).status_code == 404
    names = [s["name"] for s in (await client.get("/v1/subgraphs")).json()["subgraphs"]]
    assert names == ["customers"]


async def test_supergraph_etag_and_if_none_match(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/supergraph")
    assert missing.status_code == 404
    assert missing.json()["detail"]

    result = (await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)).json()
    etag = f'"{result["supergraph_id"]}"'

    not_modified = await client.get("/v1/supergraph", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    listed = await client.get("/v1/supergraph", headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304
    stale = await client.get("/v1/supergraph", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.headers["etag"] == etag

    await publish(client, "orders", ORDERS_SDL, ORDERS_URL)
    changed = await client.get("/v1/supergraph", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_unknown_subgraph_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/subgraphs")).json() == {"subgraphs": []}
    response = await client.get("/v1/subgraphs/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_concurrent_publishes_compose_against_each_other(
    client: httpx.AsyncClient,
) -> None:
    results = await asyncio.gather(
        publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL),
        publish(client, "orders", ORDERS_SDL, ORDERS_URL),
    )
    assert [r.status_code for r in results] == [200, 200]
    supergraph = await client.get("/v1/supergraph")
    ids = {r.json()["supergraph_id"] for r in results}
    assert supergraph.headers["etag"].strip('"') in ids
    assert CUSTOMERS_URL in supergraph.text
    assert ORDERS_URL in supergraph.text


async def test_bad_publishes(client: httpx.AsyncClient) -> None:
    for body in [
        {"sdl": "", "routing_url": CUSTOMERS_URL},
        {"sdl": CUSTOMERS_SDL},
        {"sdl": CUSTOMERS_SDL, "routing_url": "localhost:4001"},
        {"sdl": 3, "routing_url": CUSTOMERS_URL},
    ]:
        response = await client.post("/v1/subgraphs/customers", json=body)
        assert response.status_code == 422, body
    bad_name = await client.post(
        "/v1/subgraphs/9lives", json={"sdl": CUSTOMERS_SDL, "routing_url": CUSTOMERS_URL}
    )
    assert bad_name.status_code == 422

    unparsable = await publish(client, "customers", "type Query { broken", CUSTOMERS_URL)
    assert unparsable.status_code == 400
    assert "does not parse" in unparsable.json()["detail"]
    assert (await client.get("/v1/subgraphs")).json() == {"subgraphs": []}


async def test_schemas_survive_a_restart(settings: RegistrySettings) -> None:
    async with serve_in_process(settings) as client:
        published = (await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)).json()
        before = await client.get("/v1/supergraph")
        index_before = await index(client)
    async with serve_in_process(settings) as client:
        after = await client.get("/v1/supergraph")
        assert after.text == before.text
        assert after.headers["etag"] == f'"{published["supergraph_id"]}"'
        assert (await client.get("/v1/subgraphs/customers")).json()["version"] == 1
        assert await index(client) == index_before
        again = (await publish(client, "customers", CUSTOMERS_SDL, CUSTOMERS_URL)).json()
        assert again == {**published, "changed": False}
