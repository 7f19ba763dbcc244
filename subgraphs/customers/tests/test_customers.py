"""Federation contract of the customers subgraph, through the real ASGI app on a temp SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from trellis_customers.app import create_app
from trellis_customers.schema import schema
from trellis_customers.settings import CustomersSettings
from trellis_subgraph import demo_catalogue, subgraph_sdl
from trellis_subgraph.testing import count_statements, in_process_client, post_graphql

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id name email } }
}
"""


def make_app(data_dir: Path) -> FastAPI:
    return create_app(CustomersSettings(data_dir=data_dir, registry_url=None))


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app) as client:
        yield client


def representations(*ids: str) -> list[dict[str, str]]:
    return [{"__typename": "Customer", "id": id_} for id_ in ids]


async def test_service_sdl_declares_key_and_links_federation_v2(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, "{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert 'type Customer @key(fields: "id")' in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert sdl == subgraph_sdl(schema)


async def test_entities_resolve_in_order_with_unknown_ids_as_null(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(
        client, ENTITIES, {"representations": representations("3", "1", "999", "x", "3")}
    )
    customers = {c.id: c for c in demo_catalogue().customers}
    assert "errors" not in body
    assert body["data"]["_entities"] == [
        {"id": "3", "name": customers[3].name, "email": customers[3].email},
        {"id": "1", "name": customers[1].name, "email": customers[1].email},
        None,
        None,
        {"id": "3", "name": customers[3].name, "email": customers[3].email},
    ]


async def test_entities_cost_one_sql_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    ids = [str(i) for i in range(1, 13)] + ["404"]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(client, ENTITIES, {"representations": representations(*ids)})
    assert len(body["data"]["_entities"]) == len(ids)
    assert log.count == 1, log.statements


async def test_root_fields_return_seeded_customers(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, '{ customers { id name email } customer(id: "2") { name } }')
    expected = [
        {"id": str(c.id), "name": c.name, "email": c.email} for c in demo_catalogue().customers
    ]
    assert body["data"]["customers"] == expected
    assert body["data"]["customer"] == {"name": demo_catalogue().customers[1].name}


async def test_unknown_customer_is_null(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, '{ customer(id: "12345") { id } }')
    assert body == {"data": {"customer": None}}


async def test_migrations_create_the_schema(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"customers", "alembic_version"} <= tables
    assert revision == "0001"


async def test_seeding_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        async with in_process_client(make_app(tmp_path)) as client:
            body = await post_graphql(client, "{ customers { id } }")
            assert len(body["data"]["customers"]) == len(demo_catalogue().customers)


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json() == {"status": "UP"}
