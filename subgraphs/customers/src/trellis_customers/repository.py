"""Queries of the customers database (each function runs one SQL statement)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import order_by_keys

from trellis_customers.models import CustomerRecord

__all__ = ["all_customers", "count_customers", "customers_by_id"]


async def all_customers(session: AsyncSession) -> Sequence[CustomerRecord]:
    """Every customer, by id.

    Args:
        session: The request's session.

    Returns:
        The rows.
    """
    result = await session.scalars(select(CustomerRecord).order_by(CustomerRecord.id))
    return result.all()


async def customers_by_id(session: AsyncSession, ids: list[int]) -> list[CustomerRecord | None]:
    """Batch function: the customers with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Database ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(CustomerRecord).where(CustomerRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def count_customers(session: AsyncSession) -> int:
    """Number of customers.

    Args:
        session: A session.

    Returns:
        The row count.
    """
    count = await session.scalar(select(func.count()).select_from(CustomerRecord))
    return count or 0
