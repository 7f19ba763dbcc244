"""Queries of the billing database (each function runs one SQL statement)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import group_by_keys, order_by_keys

from trellis_billing.models import InvoiceItemRecord, InvoiceRecord

__all__ = [
    "all_invoices",
    "count_invoices",
    "invoices_by_customer_id",
    "invoices_by_id",
    "items_by_invoice_id",
]


async def all_invoices(session: AsyncSession) -> Sequence[InvoiceRecord]:
    """Every invoice, by id.

    Args:
        session: The request's session.

    Returns:
        The rows.
    """
    result = await session.scalars(select(InvoiceRecord).order_by(InvoiceRecord.id))
    return result.all()


async def invoices_by_id(session: AsyncSession, ids: list[int]) -> list[InvoiceRecord | None]:
    """Batch function: the invoices with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Database ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(InvoiceRecord).where(InvoiceRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def invoices_by_customer_id(
    session: AsyncSession, customer_ids: list[int]
) -> list[list[InvoiceRecord]]:
    """Batch function: each customer's invoices, by id.

    Args:
        session: The request's session.
        customer_ids: Customer ids (one DataLoader batch).

    Returns:
        One list per customer id (empty for customers without invoices).
    """
    result = await session.scalars(
        select(InvoiceRecord)
        .where(InvoiceRecord.customer_id.in_(customer_ids))
        .order_by(InvoiceRecord.id)
    )
    return group_by_keys(customer_ids, result.all(), lambda row: row.customer_id)


async def items_by_invoice_id(
    session: AsyncSession, invoice_ids: list[int]
) -> list[list[InvoiceItemRecord]]:
    """Batch function: each invoice's items, in invoice order.

    Args:
        session: The request's session.
        invoice_ids: Invoice ids (one DataLoader batch).

    Returns:
        One list per invoice id.
    """
    result = await session.scalars(
        select(InvoiceItemRecord)
        .where(InvoiceItemRecord.invoice_id.in_(invoice_ids))
        .order_by(InvoiceItemRecord.invoice_id, InvoiceItemRecord.position)
    )
    return group_by_keys(invoice_ids, result.all(), lambda row: row.invoice_id)


async def count_invoices(session: AsyncSession) -> int:
    """Number of invoices.

    Args:
        session: A session.

    Returns:
        The row count.
    """
    count = await session.scalar(select(func.count()).select_from(InvoiceRecord))
    return count or 0
