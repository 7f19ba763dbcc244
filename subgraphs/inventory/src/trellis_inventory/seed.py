"""Demo data of the inventory subgraph."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue

from trellis_inventory import repository
from trellis_inventory.models import ProductRecord

__all__ = ["seed"]


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo products when the table is empty.

    Args:
        session: A session inside a transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if the table already had rows.
    """
    if await repository.count_products(session):
        return False
    session.add_all(
        ProductRecord(
            id=p.id,
            sku=p.sku,
            name=p.name,
            price=p.price,
            currency=p.currency,
            stock=p.stock,
            reserved=0,
        )
        for p in catalogue.products
    )
    await session.flush()
    return True
