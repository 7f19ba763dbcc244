"""Demo data of the customers subgraph."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue

from trellis_customers import repository
from trellis_customers.models import CustomerRecord

__all__ = ["seed"]


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo customers when the table is empty.

    Args:
        session: A session inside a transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if the table already had rows.
    """
    if await repository.count_customers(session):
        return False
    session.add_all(
        CustomerRecord(id=c.id, name=c.name, email=c.email) for c in catalogue.customers
    )
    await session.flush()
    return True
