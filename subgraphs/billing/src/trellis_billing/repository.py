"""Queries of the billing database (each function runs one SQL statement).

Batch functions (``async (session, keys) -> results in key order``) back the request's
DataLoaders. Write functions take a session inside :meth:`Database.write`; the ``lock_*``
functions take a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transaction
already holds the database's write lock) so that checks and the writes that follow them see no
concurrent change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import PageRequest, group_by_keys, order_by_keys

from trellis_billing.models import (
    COUNTER_ROW_ID,
    InvoiceItemRecord,
    InvoiceNumberCounterRecord,
    InvoiceRecord,
    InvoiceStatus,
    OrderNotificationRecord,
    PaymentRecord,
)

__all__ = [
    "CustomerInvoicesKey",
    "InvoiceFilter",
    "NewInvoice",
    "NewItem",
    "amount_paid",
    "count_invoices",
    "insert_invoice",
    "insert_items",
    "insert_order_notification",
    "insert_payment",
    "invoice_by_idempotency_key",
    "invoice_page",
    "invoice_total",
    "invoices_by_customer",
    "invoices_by_id",
    "issue_invoice_number",
    "items_by_invoice_id",
    "lock_invoice",
    "lock_invoice_by_idempotency_key",
    "mark_notification_delivered",
    "mark_notification_failed",
    "mark_paid",
    "mark_void",
    "payments_by_invoice_id",
    "pending_notifications",
]

CustomerInvoicesKey = tuple[int, InvoiceStatus | None]
"""Key of :func:`invoices_by_customer`: a customer id and an optional status filter."""


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """Filters of the ``invoices`` connection (None: no filter).

    Attributes:
        status: Only invoices in this status.
        customer_id: Only this customer's invoices.
    """

    status: InvoiceStatus | None = None
    customer_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of the filters."""
        conditions: list[ColumnElement[bool]] = []
        if self.status is not None:
            conditions.append(InvoiceRecord.status == self.status.value)
        if self.customer_id is not None:
            conditions.append(InvoiceRecord.customer_id == self.customer_id)
        return conditions


@dataclass(frozen=True, slots=True)
class NewItem:
    """One line of a new invoice; ``unit_price`` in minor units, frozen at billing time."""

    product_id: int
    quantity: int
    unit_price: int


@dataclass(frozen=True, slots=True)
class NewInvoice:
    """A new ``OPEN`` invoice (its number is issued in the inserting transaction).

    Attributes:
        issued_at: Issue time (timezone-aware UTC).
        customer_id: The customer billed.
        currency: ISO 4217 code of every amount.
        idempotency_key: Makes a retried creation return this invoice, if given.
        order_id: The order it bills, if any.
    """

    issued_at: datetime
    customer_id: int
    currency: str
    idempotency_key: str | None
    order_id: int | None


# -- reads --------------------------------------------------------------------------------------


async def invoice_page(
    session: AsyncSession, request: PageRequest, filters: InvoiceFilter
) -> Sequence[InvoiceRecord]:
    """One page of invoices by id: ``id > after_id``, at most ``request.limit`` rows.

    Args:
        session: The request's session.
        request: The validated ``first`` / ``after``.
        filters: Status and customer filters.

    Returns:
        The rows, ordered by id.
    """
    statement = select(InvoiceRecord).where(*filters.conditions())
    if request.after_id is not None:
        statement = statement.where(InvoiceRecord.id > request.after_id)
    result = await session.scalars(statement.order_by(InvoiceRecord.id).limit(request.limit))
    return result.all()


async def count_invoices(session: AsyncSession, filters: InvoiceFilter | None = None) -> int:
    """Number of invoices matching the filters.

    Args:
        session: A session.
        filters: Status and customer filters; every invoice when None.

    Returns:
        The row count.
    """
    conditions = filters.conditions() if filters is not None else []
    count = await session.scalar(select(func.count()).select_from(InvoiceRecord).where(*conditions))
    return count or 0


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


async def invoices_by_customer(
    session: AsyncSession, keys: list[CustomerInvoicesKey]
) -> list[list[InvoiceRecord]]:
    """Batch function: each customer's invoices (optionally of one status), by id.

    One query for the whole batch, even when the keys ask for different statuses (aliases):
    the status is filtered in SQL when every key asks for the same one, else per key here.

    Args:
        session: The request's session.
        keys: ``(customer_id, status or None)`` pairs (one DataLoader batch).

    Returns:
        One list per key (empty for customers without such invoices).
    """
    customer_ids = sorted({customer_id for customer_id, _ in keys})
    statuses = {status for _, status in keys}
    statement = select(InvoiceRecord).where(InvoiceRecord.customer_id.in_(customer_ids))
    if len(statuses) == 1 and (only := next(iter(statuses))) is not None:
        statement = statement.where(InvoiceRecord.status == only.value)
    result = await session.scalars(statement.order_by(InvoiceRecord.id))
    by_customer = group_by_keys(customer_ids, result.all(), lambda row: row.customer_id)
    groups = dict(zip(customer_ids, by_customer, strict=True))
    return [
        [row for row in groups[customer_id] if status is None or row.status == status.value]
        for customer_id, status in keys
    ]


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


async def payments_by_invoice_id(
    session: AsyncSession, invoice_ids: list[int]
) -> list[list[PaymentRecord]]:
    """Batch function: each invoice's payments, oldest first.

    Args:
        session: The request's session.
        invoice_ids: Invoice ids (one DataLoader batch).

    Returns:
        One list per invoice id.
    """
    result = await session.scalars(
        select(PaymentRecord)
        .where(PaymentRecord.invoice_id.in_(invoice_ids))
        .order_by(PaymentRecord.invoice_id, PaymentRecord.received_at, PaymentRecord.id)
    )
    return group_by_keys(invoice_ids, result.all(), lambda row: row.invoice_id)


async def invoice_by_idempotency_key(session: AsyncSession, key: str) -> InvoiceRecord | None:
    """The invoice created with this idempotency key.

    Args:
        session: A session.
        key: The idempotency key.

    Returns:
        The row, or None.
    """
    result = await session.scalars(
        select(InvoiceRecord).where(InvoiceRecord.idempotency_key == key)
    )
    return result.one_or_none()


async def pending_notifications(
    session: AsyncSession, limit: int
) -> Sequence[OrderNotificationRecord]:
    """Outbox rows not delivered yet, oldest first.

    Args:
        session: A session.
        limit: Most rows to return.

    Returns:
        The rows.
    """
    result = await session.scalars(
        select(OrderNotificationRecord)
        .where(OrderNotificationRecord.delivered_at.is_(None))
        .order_by(OrderNotificationRecord.id)
        .limit(limit)
    )
    return result.all()


# -- writes (inside Database.write) -----------------------------------------------------------


async def issue_invoice_number(session: AsyncSession) -> int:
    """Take the next invoice number: ``UPDATE ... SET last = last + 1 RETURNING last``.

    The update locks the counter row until the transaction ends, so concurrent issuers queue:
    a number is never reused, and a rolled-back transaction gives its number back (no gaps).

    Args:
        session: A session inside a write transaction.

    Returns:
        The number (1 for ``INV-0001``).
    """
    counter = InvoiceNumberCounterRecord
    result = await session.execute(
        update(counter)
        .where(counter.id == COUNTER_ROW_ID)
        .values(last=counter.last + 1)
        .returning(counter.last)
    )
    return result.scalar_one()


async def insert_invoice(session: AsyncSession, number: str, invoice: NewInvoice) -> InvoiceRecord:
    """Insert an ``OPEN`` invoice (without items).

    Args:
        session: A session inside a write transaction.
        number: Its number, e.g. ``INV-0041`` (see :func:`issue_invoice_number`).
        invoice: The invoice.

    Returns:
        The new row, its id set.

    Raises:
        sqlalchemy.exc.IntegrityError: If another invoice has the same idempotency key (the
            transaction is then unusable on PostgreSQL).
    """
    record = InvoiceRecord(
        number=number,
        issued_at=invoice.issued_at,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        status=InvoiceStatus.OPEN.value,
        idempotency_key=invoice.idempotency_key,
        order_id=invoice.order_id,
    )
    session.add(record)
    await session.flush()
    return record


async def insert_items(session: AsyncSession, invoice_id: int, items: Sequence[NewItem]) -> None:
    """Insert an invoice's items, positions 1, 2, ... in the given order.

    Args:
        session: A session inside a write transaction.
        invoice_id: The invoice.
        items: Its lines (at least one).
    """
    await session.execute(
        insert(InvoiceItemRecord),
        [
            {
                "invoice_id": invoice_id,
                "position": position,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
            }
            for position, item in enumerate(items, start=1)
        ],
    )


async def lock_invoice(session: AsyncSession, invoice_id: int) -> InvoiceRecord | None:
    """Read an invoice and lock its row until the transaction ends.

    Args:
        session: A session inside a write transaction.
        invoice_id: The invoice id.

    Returns:
        The row, or None when unknown.
    """
    result = await session.scalars(
        select(InvoiceRecord)
        .where(InvoiceRecord.id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def lock_invoice_by_idempotency_key(session: AsyncSession, key: str) -> InvoiceRecord | None:
    """Read the invoice created with an idempotency key and lock its row.

    Args:
        session: A session inside a write transaction.
        key: The idempotency key.

    Returns:
        The row, or None when no invoice has that key.
    """
    result = await session.scalars(
        select(InvoiceRecord)
        .where(InvoiceRecord.idempotency_key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def invoice_total(session: AsyncSession, invoice_id: int) -> int:
    """Sum of an invoice's line totals, in minor units.

    Args:
        session: A session.
        invoice_id: The invoice id.

    Returns:
        The total (0 without items).
    """
    total = await session.scalar(
        select(
            func.coalesce(func.sum(InvoiceItemRecord.unit_price * InvoiceItemRecord.quantity), 0)
        ).where(InvoiceItemRecord.invoice_id == invoice_id)
    )
    return int(total or 0)


async def amount_paid(session: AsyncSession, invoice_id: int) -> int:
    """Sum of an invoice's payments, in minor units.

    Args:
        session: A session.
        invoice_id: The invoice id.

    Returns:
        The amount (0 without payments).
    """
    paid = await session.scalar(
        select(func.coalesce(func.sum(PaymentRecord.amount), 0)).where(
            PaymentRecord.invoice_id == invoice_id
        )
    )
    return int(paid or 0)


async def insert_payment(
    session: AsyncSession, invoice_id: int, amount: int, method: str, received_at: datetime
) -> None:
    """Record a payment.

    Args:
        session: A session inside a write transaction (the invoice row locked).
        invoice_id: The invoice paid.
        amount: Minor units, at least 1.
        method: A :class:`~trellis_billing.models.PaymentMethod` value.
        received_at: When it was received (UTC).
    """
    await session.execute(
        insert(PaymentRecord).values(
            invoice_id=invoice_id, amount=amount, method=method, received_at=received_at
        )
    )


async def mark_paid(session: AsyncSession, invoice: InvoiceRecord, at: datetime) -> None:
    """Make a locked ``OPEN`` invoice ``PAID``.

    Args:
        session: The session that locked the row.
        invoice: The locked row (updated in place).
        at: The time it became paid (UTC).
    """
    invoice.status = InvoiceStatus.PAID.value
    invoice.paid_at = at
    await session.flush()


async def mark_void(session: AsyncSession, invoice: InvoiceRecord, at: datetime) -> None:
    """Make a locked ``OPEN`` invoice ``VOID``.

    Args:
        session: The session that locked the row.
        invoice: The locked row (updated in place).
        at: The time it was voided (UTC).
    """
    invoice.status = InvoiceStatus.VOID.value
    invoice.voided_at = at
    await session.flush()


async def insert_order_notification(
    session: AsyncSession, order_id: int, invoice_id: int, at: datetime
) -> int:
    """Add an outbox row telling orders that an order's invoice is paid.

    Args:
        session: The session of the transaction that made the invoice ``PAID``.
        order_id: The order.
        invoice_id: Its invoice.
        at: Creation time (UTC).

    Returns:
        The outbox row's id.
    """
    result = await session.execute(
        insert(OrderNotificationRecord)
        .values(order_id=order_id, invoice_id=invoice_id, created_at=at, attempts=0)
        .returning(OrderNotificationRecord.id)
    )
    return result.scalar_one()


async def mark_notification_delivered(
    session: AsyncSession, notification_id: int, at: datetime
) -> bool:
    """Record a successful delivery (counting the attempt), unless already delivered.

    Args:
        session: A session inside a write transaction.
        notification_id: The outbox row.
        at: Delivery time (UTC).

    Returns:
        True if this call marked it delivered.
    """
    row = OrderNotificationRecord
    result = await session.execute(
        update(row)
        .where(row.id == notification_id, row.delivered_at.is_(None))
        .values(delivered_at=at, attempts=row.attempts + 1, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_notification_failed(session: AsyncSession, notification_id: int, error: str) -> None:
    """Record a failed delivery attempt of a pending outbox row.

    Args:
        session: A session inside a write transaction.
        notification_id: The outbox row.
        error: What went wrong (kept in ``last_error``).
    """
    row = OrderNotificationRecord
    await session.execute(
        update(row)
        .where(row.id == notification_id, row.delivered_at.is_(None))
        .values(attempts=row.attempts + 1, last_error=error[:2000])
    )
