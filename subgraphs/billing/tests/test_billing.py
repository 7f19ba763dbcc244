"""Federation contract of the billing subgraph, through the real ASGI app on a temp SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from trellis_billing.app import create_app
from trellis_billing.schema import schema
from trellis_billing.settings import BillingSettings
from trellis_subgraph import DemoInvoice, demo_catalogue, subgraph_sdl
from trellis_subgraph.testing import count_statements, in_process_client, post_graphql

INVOICE_FIELDS = """
id number issuedAt customer { id }
items { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } }
total { amount currency }
"""
INVOICE_ENTITIES = f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on Invoice {{ {INVOICE_FIELDS} }} }}
}}
"""
CUSTOMER_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id invoices { number } } }
}
"""


def make_app(data_dir: Path) -> FastAPI:
    return create_app(BillingSettings(data_dir=data_dir, registry_url=None))


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app) as client:
        yield client


def representations(typename: str, *ids: str) -> list[dict[str, str]]:
    return [{"__typename": typename, "id": id_} for id_ in ids]


def money(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def invoice_json(invoice: DemoInvoice) -> dict[str, Any]:
    return {
        "id": str(invoice.id),
        "number": invoice.number,
        "issuedAt": invoice.issued_at.isoformat(),
        "customer": {"id": str(invoice.customer_id)},
        "items": [
            {
                "product": {"id": str(item.product_id)},
                "quantity": item.quantity,
                "unitPrice": money(item.unit_price, invoice.currency),
                "lineTotal": money(item.unit_price * item.quantity, invoice.currency),
            }
            for item in invoice.items
        ],
        "total": money(sum(i.unit_price * i.quantity for i in invoice.items), invoice.currency),
    }


async def test_service_sdl_declares_keys_and_links_federation_v2(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(client, "{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert 'type Invoice @key(fields: "id")' in sdl
    assert 'type Customer @key(fields: "id")' in sdl
    assert 'type Product @key(fields: "id", resolvable: false)' in sdl
    assert "type Money @shareable" in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert sdl == subgraph_sdl(schema)


async def test_invoice_entities_resolve_in_order_with_unknown_ids_as_null(
    client: httpx.AsyncClient,
) -> None:
    invoices = {i.id: i for i in demo_catalogue().invoices}
    body = await post_graphql(
        client, INVOICE_ENTITIES, {"representations": representations("Invoice", "7", "x", "1")}
    )
    assert "errors" not in body
    assert body["data"]["_entities"] == [invoice_json(invoices[7]), None, invoice_json(invoices[1])]


async def test_customer_entities_carry_their_invoices(client: httpx.AsyncClient) -> None:
    catalogue = demo_catalogue()
    reps = representations("Customer", "2", "9999", "1")
    body = await post_graphql(client, CUSTOMER_ENTITIES, {"representations": reps})

    def numbers(customer_id: int) -> list[dict[str, str]]:
        return [{"number": i.number} for i in catalogue.invoices if i.customer_id == customer_id]

    assert numbers(1) and numbers(2)
    assert body["data"]["_entities"] == [
        {"id": "2", "invoices": numbers(2)},
        {"id": "9999", "invoices": []},
        {"id": "1", "invoices": numbers(1)},
    ]


async def test_invoice_entities_cost_one_sql_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Invoice { id number issuedAt } }
    }
    """
    ids = [str(i) for i in range(1, 41)] + ["1000"]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(
            client, query, {"representations": representations("Invoice", *ids)}
        )
    assert len(body["data"]["_entities"]) == len(ids)
    assert log.count == 1, log.statements


async def test_customer_invoices_cost_one_sql_query(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = [str(c.id) for c in demo_catalogue().customers]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(
            client, CUSTOMER_ENTITIES, {"representations": representations("Customer", *ids)}
        )
    assert len(body["data"]["_entities"]) == len(ids)
    assert log.count == 1, log.statements


async def test_nested_items_and_totals_are_batched(app: FastAPI, client: httpx.AsyncClient) -> None:
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer { invoices { total { amount } items { quantity } } }
      }
    }
    """
    ids = [str(c.id) for c in demo_catalogue().customers]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(
            client, query, {"representations": representations("Customer", *ids)}
        )
    assert "errors" not in body
    assert log.count == 2, log.statements  # invoices by customer, then items by invoice


async def test_root_fields_return_seeded_invoices(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client, f'{{ invoices {{ {INVOICE_FIELDS} }} invoice(id: "3") {{ number }} }}'
    )
    catalogue = demo_catalogue()
    assert len(catalogue.invoices) >= 30
    assert body["data"]["invoices"] == [invoice_json(i) for i in catalogue.invoices]
    assert body["data"]["invoice"] == {"number": "INV-0003"}


async def test_frozen_unit_prices_equal_the_seeded_product_prices(
    client: httpx.AsyncClient,
) -> None:
    prices = {str(p.id): p.price for p in demo_catalogue().products}
    body = await post_graphql(
        client, "{ invoices { items { product { id } unitPrice { amount } } } }"
    )
    items = [item for invoice in body["data"]["invoices"] for item in invoice["items"]]
    assert items
    assert all(item["unitPrice"]["amount"] == prices[item["product"]["id"]] for item in items)


async def test_migrations_create_the_schema(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"invoices", "invoice_items", "alembic_version"} <= tables
    assert revision == "0001"


async def test_seeding_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        async with in_process_client(make_app(tmp_path)) as client:
            body = await post_graphql(client, "{ invoices { items { quantity } } }")
            invoices = body["data"]["invoices"]
            assert len(invoices) == len(demo_catalogue().invoices)
            assert sum(len(i["items"]) for i in invoices) == sum(
                len(i.items) for i in demo_catalogue().invoices
            )
