"""Demo data of the billing subgraph (unit prices equal inventory's seeded prices).

Bulk inserts in chunks of rows (an executemany ``INSERT`` per chunk; ``COPY`` on PostgreSQL), so
the benchmark catalogue (100,000 invoices, ~300,000 items, ~70,000 payments) loads in seconds.
No outbox rows: the demo orders are already shipped, so orders knows they are paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Table, case, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue, DemoInvoice, sync_id_sequences

from trellis_billing import repository
from trellis_billing.models import (
    COUNTER_ROW_ID,
    Base,
    InvoiceItemRecord,
    InvoiceNumberCounterRecord,
    InvoiceRecord,
    PaymentRecord,
)

__all__ = ["CHUNK_SIZE", "VOIDED_AFTER", "seed"]

CHUNK_SIZE = 5000
"""Rows per ``INSERT`` statement."""

VOIDED_AFTER = timedelta(days=1)
"""How long after issue a demo ``VOID`` invoice was voided."""


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        yield chunk


async def _insert(session: AsyncSession, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    table = Base.metadata.tables[model.__tablename__]  # Core, not ORM: no work per row
    if session.get_bind().dialect.name == "postgresql":
        await _copy(session, table, rows)
        return
    for chunk in _chunks(rows):
        await session.execute(insert(table), chunk)


async def _copy(session: AsyncSession, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """PostgreSQL: ``COPY`` the rows in, on the session's connection and transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg.Connection
    for chunk in _chunks(rows):
        columns = list(chunk[0])  # columns left out (an item's id) take their defaults
        records = [tuple(row[name] for name in columns) for row in chunk]
        await driver.copy_records_to_table(table.name, records=records, columns=columns)


def _invoice_row(invoice: DemoInvoice) -> dict[str, Any]:
    paid = invoice.status == "PAID"
    return {
        "id": invoice.id,
        "number": invoice.number,
        "issued_at": invoice.issued_at,
        "customer_id": invoice.customer_id,
        "currency": invoice.currency,
        "status": invoice.status,
        "paid_at": invoice.payments[-1].received_at if paid and invoice.payments else None,
        "voided_at": invoice.issued_at + VOIDED_AFTER if invoice.status == "VOID" else None,
        "idempotency_key": None,
        "order_id": invoice.order_id,
    }


def _item_rows(invoices: Sequence[DemoInvoice]) -> Iterator[dict[str, Any]]:
    for invoice in invoices:
        for position, item in enumerate(invoice.items, start=1):
            yield {
                "invoice_id": invoice.id,
                "position": position,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
            }


def _payment_rows(invoices: Sequence[DemoInvoice]) -> Iterator[dict[str, Any]]:
    for invoice in invoices:
        for payment in invoice.payments:
            yield {
                "invoice_id": invoice.id,
                "amount": payment.amount,
                "method": payment.method,
                "received_at": payment.received_at,
            }


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo invoices, items and payments when there are no invoices yet.

    Statuses, payments and order links are the catalogue's; the invoice number counter is set
    to the last demo number, so the next invoice continues the sequence.

    Args:
        session: A session inside a write transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if invoices already existed.
    """
    if await repository.count_invoices(session):
        return False
    invoices = catalogue.invoices
    await _insert(session, InvoiceRecord, (_invoice_row(invoice) for invoice in invoices))
    await _insert(session, InvoiceItemRecord, _item_rows(invoices))
    await _insert(session, PaymentRecord, _payment_rows(invoices))
    last = max((int(invoice.number.removeprefix("INV-")) for invoice in invoices), default=0)
    counter = InvoiceNumberCounterRecord
    await session.execute(  # never move the counter back: numbers are not reused
        update(counter)
        .where(counter.id == COUNTER_ROW_ID)
        .values(last=case((counter.last > last, counter.last), else_=last))
    )
    await sync_id_sequences(session, "invoices", "invoice_items", "payments")
    return True
