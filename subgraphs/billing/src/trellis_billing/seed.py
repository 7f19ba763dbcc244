"""Demo data of the billing subgraph (unit prices equal inventory's seeded prices)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue

from trellis_billing import repository
from trellis_billing.models import InvoiceItemRecord, InvoiceRecord

__all__ = ["seed"]


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo invoices and their items when the tables are empty.

    Args:
        session: A session inside a transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if invoices already existed.
    """
    if await repository.count_invoices(session):
        return False
    for invoice in catalogue.invoices:
        session.add(
            InvoiceRecord(
                id=invoice.id,
                number=invoice.number,
                issued_at=invoice.issued_at,
                customer_id=invoice.customer_id,
                currency=invoice.currency,
            )
        )
    await session.flush()
    session.add_all(
        InvoiceItemRecord(
            invoice_id=invoice.id,
            position=position,
            product_id=item.product_id,
            quantity=item.quantity,
            unit_price=item.unit_price,
        )
        for invoice in catalogue.invoices
        for position, item in enumerate(invoice.items, start=1)
    )
    await session.flush()
    return True
