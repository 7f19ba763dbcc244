"""Demo data of the orders subgraph: the catalogue's SHIPPED and DELIVERED orders.

Their stock is already committed in inventory and their invoices are paid in billing (the same
catalogue seeds both), so nothing stays reserved and no saga is left to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue, DemoOrder, sync_id_sequences

from trellis_orders import repository
from trellis_orders.models import Base

__all__ = ["CHUNK_SIZE", "seed"]

CHUNK_SIZE = 5_000
"""Rows per bulk ``INSERT`` statement batch."""


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


def _order_row(order: DemoOrder, catalogue: DemoCatalogue) -> dict[str, Any]:
    invoice = catalogue.invoices[order.invoice_id - 1]
    return {
        "id": order.id,
        "number": order.number,
        "customer_id": order.customer_id,
        "status": order.status,
        "invoice_id": order.invoice_id,
        "idempotency_key": f"demo-order-{order.id}",
        "saga_reference": f"demo-order-{order.id}",
        "lease_until": None,
        "placed_at": order.placed_at,
        "updated_at": order.delivered_at or order.shipped_at,
        "confirmed_at": invoice.issued_at,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "cancelled_at": None,
    }


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo orders and their items when the tables are empty (bulk inserts).

    Args:
        session: A session inside a write transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if orders already existed.
    """
    if await repository.has_orders(session):
        return False
    # Core inserts of the tables (plain executemany), not ORM bulk inserts: several times faster.
    orders_table = Base.metadata.tables["orders"]
    items_table = Base.metadata.tables["order_items"]
    orders = catalogue.orders
    for chunk in _chunks(_order_row(order, catalogue) for order in orders):
        await session.execute(insert(orders_table), chunk)
    items = (
        {
            "order_id": order.id,
            "position": position,
            "product_id": item.product_id,
            "quantity": item.quantity,
        }
        for order in orders
        for position, item in enumerate(order.items, start=1)
    )
    for chunk in _chunks(items):
        await session.execute(insert(items_table), chunk)
    await repository.set_counter(session, max((order.id for order in orders), default=0))
    await sync_id_sequences(session, "orders", "order_items")
    return True
