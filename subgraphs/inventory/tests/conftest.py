"""Fixtures of the inventory tests: the real app on ``database_url`` (SQLite and PostgreSQL),
an in-process client and a small GraphQL helper.

Helpers live here as fixtures (the suite runs with ``--import-mode=importlib``, so test modules
do not import each other).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from trellis_inventory.app import create_app
from trellis_inventory.settings import InventorySettings
from trellis_subgraph import DemoCatalogue, demo_catalogue
from trellis_subgraph.testing import in_process_client, post_graphql

PRODUCT_FIELDS = """
  id sku name description price { amount currency } stock reserved available createdAt updatedAt
"""
RESERVATION_FIELDS = """
  id reference status createdAt updatedAt
  items { quantity product { id stock reserved available } }
"""


class GraphQL:
    """Posts operations to a subgraph and checks the shape of the answer.

    Args:
        client: A client whose base URL is the subgraph.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def body(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole response body."""
        return await post_graphql(self.client, query, variables)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of an answer that must have no errors."""
        body = await self.body(query, variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The one error of an answer that must fail: ``{message, extensions, ...}``."""
        body = await self.body(query, variables)
        assert len(body.get("errors", [])) == 1, body
        error: dict[str, Any] = body["errors"][0]
        return error

    async def create_product(
        self, sku: str, *, stock: int = 0, price: int = 1000, name: str | None = None
    ) -> str:
        """Create a product and return its id."""
        data = await self.data(
            """mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }""",
            {
                "input": {
                    "sku": sku,
                    "name": name or f"Product {sku}",
                    "price": {"amount": price, "currency": "USD"},
                    "stock": stock,
                }
            },
        )
        product_id: str = data["createProduct"]["id"]
        return product_id

    async def product(self, id: str, fields: str = PRODUCT_FIELDS) -> dict[str, Any]:
        """One product's fields (it must exist)."""
        data = await self.data(
            f"query ($id: ID!) {{ product(id: $id) {{ {fields} }} }}", {"id": id}
        )
        product: dict[str, Any] = data["product"]
        assert product is not None, id
        return product

    async def reserve(
        self, reference: str, items: list[tuple[str, int]], fields: str = RESERVATION_FIELDS
    ) -> dict[str, Any]:
        """The whole body of a ``reserveStock`` call."""
        return await self.body(
            f"""mutation ($reference: String!, $items: [StockItemInput!]!) {{
                  reserveStock(reference: $reference, items: $items) {{ {fields} }}
                }}""",
            {
                "reference": reference,
                "items": [{"productId": p, "quantity": q} for p, q in items],
            },
        )

    async def settle(
        self, mutation: str, reference: str, fields: str = RESERVATION_FIELDS
    ) -> dict[str, Any]:
        """The whole body of a ``releaseStock`` or ``commitReservation`` call."""
        return await self.body(
            f"mutation ($r: String!) {{ {mutation}(reference: $r) {{ {fields} }} }}",
            {"r": reference},
        )


@pytest.fixture
def settings(database_url: str) -> InventorySettings:
    """Settings of a test app: the parametrized database, no registry."""
    return InventorySettings(database_url=database_url, registry_url=None)


@pytest.fixture
def app(settings: InventorySettings) -> FastAPI:
    """The inventory app (not started)."""
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the started app (seeded with the demo catalogue)."""
    async with in_process_client(app) as client:
        yield client


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    """The GraphQL helper on :func:`client`."""
    return GraphQL(client)


@pytest.fixture
def graphql_helper() -> type[GraphQL]:
    """The helper class, for tests that build their own client (e.g. of a real server)."""
    return GraphQL


@pytest.fixture
def catalogue() -> DemoCatalogue:
    """The demo catalogue the app seeds."""
    return demo_catalogue()
