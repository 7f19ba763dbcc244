"""Fixtures of the customers tests: the app on the ``database_url`` database, and its peers.

Peers are real servers on free ports, each on its own SQLite file in ``tmp_path`` and seeded
with the demo catalogue: the real billing app (invoices of customers 1..12) and the real orders
app (orders of some of them). For what the real orders app cannot be made to answer (orders but
no invoices, an error), a small real Starlette app stands in for orders, answering
``orders(customerId:, first:) { totalCount }`` with counts the test chooses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from trellis_customers.app import create_app
from trellis_customers.settings import CustomersSettings
from trellis_subgraph.testing import free_port, in_process_client, serve


def _closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}/graphql"


@pytest.fixture
def closed_url() -> Callable[[], str]:
    """Makes GraphQL URLs on ports nothing listens on (a peer that is down)."""
    return _closed_url


@pytest.fixture
def make_app(database_url: str) -> Callable[..., FastAPI]:
    """Build a customers app on the test database; peers default to closed ports."""

    def make(peer_urls: dict[str, str] | None = None, **overrides: Any) -> FastAPI:
        settings = CustomersSettings(
            database_url=database_url,
            registry_url=None,
            peer_urls=peer_urls or {"billing": _closed_url(), "orders": _closed_url()},
            peer_attempts=2,
            peer_backoff_seconds=0.01,
            **overrides,
        )
        return create_app(settings)

    return make


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app) as client:
        yield client


@pytest.fixture
async def billing_url(tmp_path: Path) -> AsyncIterator[str]:
    """The real billing subgraph, served on a free port (SQLite file in ``tmp_path``)."""
    # Imported here: billing is another package; only the tests that need it load it.
    from trellis_billing.app import create_app as create_billing_app
    from trellis_billing.settings import BillingSettings

    settings = BillingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db",
        registry_url=None,
        peer_urls={"inventory": _closed_url(), "orders": _closed_url()},
    )
    async with serve(create_billing_app(settings), free_port()) as base_url:
        yield f"{base_url}/graphql"


@pytest.fixture
async def orders_url(tmp_path: Path) -> AsyncIterator[str]:
    """The real orders subgraph, served on a free port (SQLite file in ``tmp_path``)."""
    # Imported here: orders is another package; only the tests that need it load it.
    from trellis_orders.app import create_app as create_orders_app
    from trellis_orders.settings import OrdersSettings

    settings = OrdersSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db",
        registry_url=None,
        peer_urls={"inventory": _closed_url(), "billing": _closed_url()},
    )
    async with serve(create_orders_app(settings), free_port()) as base_url:
        yield f"{base_url}/graphql"


@dataclass
class OrdersStub:
    """A stand-in orders subgraph: ``orders(customerId:)`` totals come from ``counts``.

    Attributes:
        url: Its GraphQL URL.
        counts: Orders per customer id (0 when absent).
        asked: Customer ids asked about, in order.
        error: When set, every answer is this GraphQL error instead.
    """

    url: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None

    async def graphql(self, request: Request) -> JSONResponse:
        body = await request.json()
        if "orders(customerId: $id, first: 1) { totalCount }" not in body["query"]:
            return JSONResponse({"errors": [{"message": "unexpected query"}]}, status_code=400)
        customer_id = body["variables"]["id"]
        self.asked.append(customer_id)
        if self.error is not None:
            return JSONResponse({"data": None, "errors": [self.error]})
        total = self.counts.get(customer_id, 0)
        return JSONResponse({"data": {"orders": {"totalCount": total}}})


@pytest.fixture
async def orders_stub() -> AsyncIterator[OrdersStub]:
    stub = OrdersStub()
    app = Starlette(routes=[Route("/graphql", stub.graphql, methods=["POST"])])
    async with serve(app, free_port(), lifespan=False) as base_url:
        stub.url = f"{base_url}/graphql"
        yield stub
