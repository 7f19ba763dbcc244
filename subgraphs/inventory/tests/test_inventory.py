"""Federation contract of the inventory subgraph, through the real ASGI app on a temp SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from trellis_inventory.app import create_app
from trellis_inventory.schema import schema
from trellis_inventory.settings import InventorySettings
from trellis_subgraph import DemoProduct, demo_catalogue, subgraph_sdl
from trellis_subgraph.testing import count_statements, in_process_client, post_graphql

PRODUCT_FIELDS = "id sku name price { amount currency } stock"
ENTITIES = f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on Product {{ {PRODUCT_FIELDS} }} }}
}}
"""


def make_app(data_dir: Path) -> FastAPI:
    return create_app(InventorySettings(data_dir=data_dir, registry_url=None))


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app) as client:
        yield client


def representations(*ids: str) -> list[dict[str, str]]:
    return [{"__typename": "Product", "id": id_} for id_ in ids]


def product_json(product: DemoProduct) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "price": {"amount": product.price, "currency": product.currency},
        "stock": product.stock,
    }


async def test_service_sdl_declares_key_shareable_money_and_links_federation_v2(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(client, "{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert 'type Product @key(fields: "id")' in sdl
    assert "type Money @shareable" in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert sdl == subgraph_sdl(schema)


async def test_entities_resolve_in_order_with_unknown_ids_as_null(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(
        client, ENTITIES, {"representations": representations("5", "2", "0", "16")}
    )
    products = {p.id: p for p in demo_catalogue().products}
    assert "errors" not in body
    assert body["data"]["_entities"] == [
        product_json(products[5]),
        product_json(products[2]),
        None,
        product_json(products[16]),
    ]


async def test_entities_cost_one_sql_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    ids = [str(i) for i in range(16, 0, -1)] + ["77"]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(client, ENTITIES, {"representations": representations(*ids)})
    assert [e and e["id"] for e in body["data"]["_entities"]] == [*ids[:-1], None]
    assert log.count == 1, log.statements


async def test_root_fields_return_seeded_products(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client, f'{{ products {{ {PRODUCT_FIELDS} }} product(id: "4") {{ sku }} }}'
    )
    catalogue = demo_catalogue()
    assert body["data"]["products"] == [product_json(p) for p in catalogue.products]
    assert len(catalogue.products) >= 12
    assert body["data"]["product"] == {"sku": catalogue.products[3].sku}


async def test_migrations_create_the_schema(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"products", "alembic_version"} <= tables
    assert revision == "0001"


async def test_seeding_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        async with in_process_client(make_app(tmp_path)) as client:
            body = await post_graphql(client, "{ products { id } }")
            assert len(body["data"]["products"]) == len(demo_catalogue().products)
