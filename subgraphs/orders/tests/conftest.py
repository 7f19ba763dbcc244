"""Fixtures of the orders tests: the orders app on ``database_url``, and its real peers.

``orders_alone`` runs only the orders app (in process, demo data seeded) for contract and
query tests. ``start_system`` serves the REAL customers, inventory and billing apps with
uvicorn on free ports, each on its own SQLite file in ``tmp_path``, wired to each other and to
the served orders app (billing's ``orders`` peer points back at it for ``markOrderPaid``).
Nothing is mocked; a peer going down is a real server stopping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from trellis_billing.app import create_app as create_billing_app
from trellis_billing.settings import BillingSettings
from trellis_customers.app import create_app as create_customers_app
from trellis_customers.settings import CustomersSettings
from trellis_inventory.app import create_app as create_inventory_app
from trellis_inventory.settings import InventorySettings
from trellis_orders.app import create_app as create_orders_app
from trellis_orders.settings import OrdersSettings
from trellis_subgraph.testing import free_port, in_process_client, post_graphql, serve

ORDER_FIELDS = """
id number status customer { id } items { product { id } quantity } invoice { id }
placedAt updatedAt confirmedAt paidAt shippedAt deliveredAt cancelledAt
"""

PLACE_ORDER = f"""
mutation ($customerId: ID!, $items: [OrderItemInput!]!, $key: String!) {{
  placeOrder(customerId: $customerId, items: $items, idempotencyKey: $key) {{ {ORDER_FIELDS} }}
}}
"""


class GraphQL:
    """A GraphQL client of one subgraph with assertion helpers."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole response body."""
        return await post_graphql(self.http, query, variables)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``data`` of a response that must have no errors."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first error of a response that must have errors."""
        body = await self.post(query, variables)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_seconds: float = 20.0, what: str = "condition"
) -> None:
    """Poll ``check`` until it holds (a guard against hanging, not a timing assertion)."""
    deadline = time.monotonic() + timeout_seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def items_input(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    """``[OrderItemInput]`` variables from ``(productId, quantity)`` pairs."""
    return [{"productId": product_id, "quantity": quantity} for product_id, quantity in pairs]


@dataclass
class Ports:
    """Ports of the served apps; ``billing_inventory`` is where billing looks for inventory."""

    customers: int
    inventory: int
    billing: int
    orders: int
    billing_inventory: int

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/graphql"


class System:
    """The four subgraphs served on free ports; orders on ``database_url``, peers on SQLite."""

    customers: GraphQL
    inventory: GraphQL
    billing: GraphQL
    orders: GraphQL

    def __init__(
        self,
        tmp_path: Path,
        database_url: str,
        *,
        billing_inventory_port: int | None = None,
        recovery_interval_seconds: float = 3600.0,
        lease_seconds: float = 60.0,
        orders_peer_attempts: int = 3,
        billing_peer_attempts: int = 3,
        billing_peer_backoff_seconds: float = 0.05,
    ) -> None:
        inventory = free_port()
        self.ports = Ports(
            customers=free_port(),
            inventory=inventory,
            billing=free_port(),
            orders=free_port(),
            billing_inventory=billing_inventory_port or inventory,
        )
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.recovery_interval_seconds = recovery_interval_seconds
        self.lease_seconds = lease_seconds
        self.orders_peer_attempts = orders_peer_attempts
        self.billing_peer_attempts = billing_peer_attempts
        self.billing_peer_backoff_seconds = billing_peer_backoff_seconds
        self._inventory_stack: AsyncExitStack | None = None
        self.orders_app: FastAPI | None = None

    def _sqlite(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.tmp_path}/{name}.db"

    def inventory_app(self) -> FastAPI:
        """A new inventory app on the same database file (a restart keeps its data)."""
        return create_inventory_app(
            InventorySettings(
                database_url=self._sqlite("inventory"), registry_url=None, seed_demo_data=False
            )
        )

    async def start_inventory(self, *, also_on: int | None = None) -> None:
        """Serve inventory on its port (and on ``also_on``, the same app without a lifespan)."""
        assert self._inventory_stack is None
        stack = AsyncExitStack()
        app = self.inventory_app()
        await stack.enter_async_context(serve(app, self.ports.inventory))
        if also_on is not None:
            await stack.enter_async_context(serve(app, also_on, lifespan=False))
        self._inventory_stack = stack

    async def stop_inventory(self) -> None:
        """Stop the inventory server(s): its port refuses connections afterwards."""
        assert self._inventory_stack is not None
        stack, self._inventory_stack = self._inventory_stack, None
        await stack.aclose()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[System]:
        ports = self.ports
        async with AsyncExitStack() as stack:
            customers = create_customers_app(
                CustomersSettings(database_url=self._sqlite("customers"), registry_url=None)
            )
            await stack.enter_async_context(serve(customers, ports.customers))
            await self.start_inventory()
            stack.push_async_callback(self._stop_inventory_if_running)
            billing = create_billing_app(
                BillingSettings(
                    database_url=self._sqlite("billing"),
                    registry_url=None,
                    seed_demo_data=False,
                    peer_urls={
                        "customers": ports.url(ports.customers),
                        "inventory": ports.url(ports.billing_inventory),
                        "orders": ports.url(ports.orders),
                    },
                    peer_timeout_seconds=30.0,
                    peer_attempts=self.billing_peer_attempts,
                    peer_backoff_seconds=self.billing_peer_backoff_seconds,
                    outbox_interval_seconds=0.2,
                )
            )
            await stack.enter_async_context(serve(billing, ports.billing))
            self.orders_app = create_orders_app(
                OrdersSettings(
                    database_url=self.database_url,
                    registry_url=None,
                    seed_demo_data=False,
                    peer_urls={
                        "inventory": ports.url(ports.inventory),
                        "billing": ports.url(ports.billing),
                    },
                    peer_timeout_seconds=30.0,
                    peer_attempts=self.orders_peer_attempts,
                    peer_backoff_seconds=0.05,
                    saga_lease_seconds=self.lease_seconds,
                    saga_recovery_interval_seconds=self.recovery_interval_seconds,
                )
            )
            await stack.enter_async_context(serve(self.orders_app, ports.orders))
            clients = {}
            for name in ("customers", "inventory", "billing", "orders"):
                port = getattr(ports, name)
                clients[name] = GraphQL(
                    await stack.enter_async_context(
                        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60.0)
                    )
                )
            self.customers = clients["customers"]
            self.inventory = clients["inventory"]
            self.billing = clients["billing"]
            self.orders = clients["orders"]
            yield self

    async def _stop_inventory_if_running(self) -> None:
        if self._inventory_stack is not None:
            await self.stop_inventory()

    # --- helpers over the real APIs -----------------------------------------------------------

    async def create_product(self, stock: int, price: int = 1250, sku: str | None = None) -> str:
        """Create a product in inventory; returns its id."""
        sku = sku or f"TEST-{free_port()}"
        data = await self.inventory.data(
            """
            mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }
            """,
            {
                "input": {
                    "sku": sku,
                    "name": f"Test product {sku}",
                    "price": {"amount": price, "currency": "USD"},
                    "stock": stock,
                }
            },
        )
        product_id: str = data["createProduct"]["id"]
        return product_id

    async def product(self, product_id: str) -> dict[str, int]:
        """``{stock, reserved, available}`` of a product, from inventory."""
        data = await self.inventory.data(
            "query ($id: ID!) { product(id: $id) { stock reserved available } }",
            {"id": product_id},
        )
        product: dict[str, int] = data["product"]
        return product

    async def place(
        self, key: str, items: list[dict[str, Any]], customer_id: str = "1"
    ) -> dict[str, Any]:
        """Call ``placeOrder``; returns the whole response body."""
        return await self.orders.post(
            PLACE_ORDER, {"customerId": customer_id, "items": items, "key": key}
        )

    async def invoices(self) -> list[dict[str, Any]]:
        """Every invoice billing holds (``id status total``), by id."""
        data = await self.billing.data(
            """
            { invoices(first: 100) { totalCount nodes { id status customer { id }
                total { amount currency } items { product { id } quantity } } } }
            """
        )
        nodes: list[dict[str, Any]] = data["invoices"]["nodes"]
        assert data["invoices"]["totalCount"] == len(nodes)
        return nodes

    async def order_count(self, status: str | None = None) -> int:
        """``orders(status).totalCount`` from the orders subgraph."""
        data = await self.orders.data(
            "query ($status: OrderStatus) { orders(status: $status) { totalCount } }",
            {"status": status},
        )
        count: int = data["orders"]["totalCount"]
        return count


@pytest.fixture
async def start_system(
    tmp_path: Path, database_url: str
) -> AsyncIterator[Callable[..., Awaitable[System]]]:
    """Factory: ``await start_system(**options)`` serves the four subgraphs until the test ends."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> System:
            system = System(tmp_path, database_url, **options)
            return await stack.enter_async_context(system.running())

        yield start


@pytest.fixture
async def system(start_system: Callable[..., Awaitable[System]]) -> System:
    """The four subgraphs with default options."""
    return await start_system()


def orders_settings(database_url: str, **overrides: Any) -> OrdersSettings:
    """Settings of an orders app alone: no registry, no reachable peers, a slow recovery loop."""
    options: dict[str, Any] = {
        "database_url": database_url,
        "registry_url": None,
        "saga_recovery_interval_seconds": 3600.0,
        **overrides,
    }
    return OrdersSettings(**options)


@pytest.fixture
def orders_app(database_url: str) -> FastAPI:
    """The orders app alone, demo data seeded."""
    return create_orders_app(orders_settings(database_url))


@pytest.fixture
async def orders(orders_app: FastAPI) -> AsyncIterator[GraphQL]:
    """A client of :func:`orders_app`, in process."""
    async with in_process_client(orders_app) as client:
        yield GraphQL(client)


@pytest.fixture
def helpers() -> Any:
    """Module-level helpers for tests (conftest is not importable under importlib mode)."""

    class Helpers:
        ORDER_FIELDS = ORDER_FIELDS
        PLACE_ORDER = PLACE_ORDER
        eventually = staticmethod(eventually)
        items = staticmethod(items_input)
        settings = staticmethod(orders_settings)

    return Helpers
