"""Fixtures of the billing tests: the billing app on ``database_url``, its real peers, and a
small recording stand-in for the orders subgraph.

Peers are real: the customers and inventory apps, each served by uvicorn on a free port with
its own SQLite file in ``tmp_path`` (only billing uses the parametrized ``database_url``).
The orders subgraph is being written concurrently, so :class:`OrdersStub` (a tiny Starlette
app) answers ``markOrderPaid`` and records the calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from trellis_billing.app import create_app
from trellis_billing.settings import BillingSettings
from trellis_customers.app import create_app as create_customers_app
from trellis_customers.settings import CustomersSettings
from trellis_inventory.app import create_app as create_inventory_app
from trellis_inventory.settings import InventorySettings
from trellis_subgraph.testing import free_port, in_process_client, post_graphql, serve


@dataclass
class Billing:
    """A running billing app and a client calling it in process."""

    app: FastAPI
    client: httpx.AsyncClient

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole response body."""
        return await post_graphql(self.client, query, variables)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The response's ``data``, asserting there were no errors."""
        body = await self.graphql(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The response's only error, asserting ``data`` is null."""
        body = await self.graphql(query, variables)
        assert body["data"] is None, body
        assert len(body["errors"]) == 1, body["errors"]
        error: dict[str, Any] = body["errors"][0]
        return error

    async def sql(self, statement: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run SQL on billing's own database (one write transaction); the rows, if any."""
        async with self.app.state.database.write() as session:
            result = await session.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []


@dataclass(frozen=True)
class PeerApps:
    """The real customers and inventory subgraphs, served on free ports."""

    customers_url: str
    inventory_url: str
    inventory: httpx.AsyncClient

    @property
    def peer_urls(self) -> dict[str, str]:
        """The ``peer_urls`` setting that points billing at them."""
        return {"customers": self.customers_url, "inventory": self.inventory_url}


class OrdersStub:
    """A stand-in for the orders subgraph: answers ``markOrderPaid`` and records the order ids.

    Attributes:
        calls: Order ids of the ``markOrderPaid`` calls received, in order.
        error: When set, the GraphQL error message answered instead of data.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.error: str | None = None
        self._changed = asyncio.Condition()
        self.app = Starlette(routes=[Route("/graphql", self._graphql, methods=["POST"])])

    async def _graphql(self, request: Request) -> Response:
        body = await request.json()
        assert "markOrderPaid" in body["query"], body
        order_id = str(body["variables"]["id"])
        async with self._changed:
            self.calls.append(order_id)
            self._changed.notify_all()
        if self.error is not None:
            return JSONResponse(
                {"data": None, "errors": [{"message": self.error, "extensions": {"code": "X"}}]}
            )
        return JSONResponse({"data": {"markOrderPaid": {"id": order_id, "status": "PAID"}}})

    async def wait_for_calls(self, count: int, timeout_seconds: float = 15.0) -> None:
        """Wait until ``count`` calls arrived (a guard against hanging, not a timing check)."""
        async with asyncio.timeout(timeout_seconds), self._changed:
            await self._changed.wait_for(lambda: len(self.calls) >= count)


BillingFactory = Callable[..., AbstractAsyncContextManager[Billing]]


@pytest.fixture
def billing_settings(database_url: str, tmp_path: Path) -> Callable[..., BillingSettings]:
    """Build billing settings on ``database_url`` without a registry; keywords override."""

    def make(**overrides: Any) -> BillingSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "registry_url": None,
            "data_dir": tmp_path,
            "peer_backoff_seconds": 0.01,
            # no outbox pass during a test unless it asks for one (SQL counts stay exact)
            "outbox_interval_seconds": 3600.0,
        }
        values.update(overrides)
        return BillingSettings(**values)

    return make


@pytest.fixture
def start_billing(billing_settings: Callable[..., BillingSettings]) -> BillingFactory:
    """Start a billing app (lifespan included) with settings overrides, as a context manager."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Billing]:
        app = create_app(billing_settings(**overrides))
        async with in_process_client(app) as client:
            yield Billing(app, client)

    return start


@pytest.fixture
async def billing(start_billing: BillingFactory) -> AsyncIterator[Billing]:
    """Billing with the demo data and no reachable peers."""
    async with start_billing() as running:
        yield running


@pytest.fixture
async def peer_apps(tmp_path: Path) -> AsyncIterator[PeerApps]:
    """The real customers and inventory apps (demo data, SQLite files in ``tmp_path``)."""
    customers = create_customers_app(
        CustomersSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/customers.db", registry_url=None
        )
    )
    inventory = create_inventory_app(
        InventorySettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/inventory.db", registry_url=None
        )
    )
    async with (
        serve(customers, free_port()) as customers_url,
        serve(inventory, free_port()) as inventory_url,
        httpx.AsyncClient(base_url=inventory_url) as inventory_client,
    ):
        yield PeerApps(
            customers_url=f"{customers_url}/graphql",
            inventory_url=f"{inventory_url}/graphql",
            inventory=inventory_client,
        )


@pytest.fixture
async def billing_with_peers(
    start_billing: BillingFactory, peer_apps: PeerApps
) -> AsyncIterator[Billing]:
    """Billing whose ``peer_urls`` point at the real customers and inventory apps."""
    async with start_billing(peer_urls=peer_apps.peer_urls) as running:
        yield running


@pytest.fixture
def orders_stub() -> OrdersStub:
    """A recording stand-in for the orders subgraph (serve it with ``serve_orders``)."""
    return OrdersStub()


@pytest.fixture
def serve_orders(
    orders_stub: OrdersStub,
) -> Callable[[int], AbstractAsyncContextManager[str]]:
    """Serve the orders stand-in on a port; yields its GraphQL URL."""

    @asynccontextmanager
    async def run(port: int) -> AsyncIterator[str]:
        async with serve(orders_stub.app, port, lifespan=False) as url:
            yield f"{url}/graphql"

    return run


@pytest.fixture
def eventually() -> Callable[[Callable[[], Awaitable[bool]], float], Awaitable[None]]:
    """Poll an async condition until it holds (a guard against hanging, not a timing check)."""

    async def wait(condition: Callable[[], Awaitable[bool]], timeout_seconds: float = 15.0) -> None:
        async with asyncio.timeout(timeout_seconds):
            while True:
                if await condition():
                    return
                await asyncio.sleep(0.02)

    return wait
