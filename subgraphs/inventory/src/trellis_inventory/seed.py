"""Demo data of the inventory subgraph.

Seeds the demo catalogue's products (nothing reserved) and, for each product with stock, the
"initial stock" movement that explains it, so every product's movements sum to its stock. Bulk
``INSERT`` statements in chunks keep it fast at benchmark sizes (thousands of products).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue, sync_id_sequences

from trellis_inventory import repository
from trellis_inventory.models import ProductRecord, StockMovementRecord, utc_now
from trellis_inventory.operations import INITIAL_STOCK_REASON

__all__ = ["CHUNK_SIZE", "seed"]

CHUNK_SIZE = 5000
"""Rows per bulk ``INSERT`` statement."""

T = TypeVar("T")


def _chunks(rows: Sequence[T], size: int = CHUNK_SIZE) -> Iterator[list[T]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo products and their initial stock movements when the table is empty.

    Args:
        session: A session inside a write transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if the table already had rows.
    """
    if await repository.count_products(session):
        return False
    now = utc_now()
    products: list[dict[str, Any]] = [
        {
            "id": p.id,
            "sku": p.sku,
            "name": p.name,
            "description": p.description,
            "price": p.price,
            "currency": p.currency,
            "stock": p.stock,
            "reserved": 0,
            "created_at": now,
            "updated_at": now,
        }
        for p in catalogue.products
    ]
    movements: list[dict[str, Any]] = [
        {
            "product_id": p.id,
            "delta": p.stock,
            "reason": INITIAL_STOCK_REASON,
            "stock_after": p.stock,
            "reference": None,
            "created_at": now,
        }
        for p in catalogue.products
        if p.stock > 0
    ]
    for chunk in _chunks(products):
        await session.execute(insert(ProductRecord), chunk)
    for chunk in _chunks(movements):
        await session.execute(insert(StockMovementRecord), chunk)
    await sync_id_sequences(session, "products", "stock_movements")
    return True
