"""Queries of the inventory database (each function runs one SQL statement)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import order_by_keys

from trellis_inventory.models import ProductRecord

__all__ = ["all_products", "count_products", "products_by_id"]


async def all_products(session: AsyncSession) -> Sequence[ProductRecord]:
    """Every product, by id.

    Args:
        session: The request's session.

    Returns:
        The rows.
    """
    result = await session.scalars(select(ProductRecord).order_by(ProductRecord.id))
    return result.all()


async def products_by_id(session: AsyncSession, ids: list[int]) -> list[ProductRecord | None]:
    """Batch function: the products with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Database ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(ProductRecord).where(ProductRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def count_products(session: AsyncSession) -> int:
    """Number of products.

    Args:
        session: A session.

    Returns:
        The row count.
    """
    count = await session.scalar(select(func.count()).select_from(ProductRecord))
    return count or 0
