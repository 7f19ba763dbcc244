"""Queries of the orders database (each function runs one SQL statement, unless it says so).

Batch functions (``*_by_*``) take the request's session and one DataLoader batch of keys and
return one result per key. Write functions run inside a caller's ``write()`` transaction; state
changes are conditional ``UPDATE ... WHERE`` statements whose row count tells the caller whether
it won, so concurrent requests (and PostgreSQL's READ COMMITTED) stay correct.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import PageRequest, group_by_keys, order_by_keys

from trellis_orders.models import PENDING, OrderItemRecord, OrderNumberCounterRecord, OrderRecord

__all__ = [
    "COUNTER_ID",
    "CustomerOrdersKey",
    "NewItem",
    "claim_expired",
    "confirm_pending",
    "count_orders",
    "delete_pending",
    "expire_lease",
    "expired_pending",
    "find_by_idempotency_key",
    "get_order",
    "has_orders",
    "insert_pending",
    "items_by_order_id",
    "items_of",
    "next_order_number",
    "order_page",
    "orders_by_customer",
    "orders_by_id",
    "set_counter",
    "transition",
]

COUNTER_ID = 1
"""Primary key of the single ``order_number_counter`` row."""

CustomerOrdersKey = tuple[int, str | None]
"""Key of :func:`orders_by_customer`: a customer id and an optional status filter."""


@dataclass(frozen=True, slots=True)
class NewItem:
    """One validated, merged line of an order being placed."""

    product_id: int
    quantity: int


def _rowcount(result: object) -> int:
    return cast("CursorResult[Any]", result).rowcount


# --- reads (batch functions and pages) ---------------------------------------------------------


async def orders_by_id(session: AsyncSession, ids: list[int]) -> list[OrderRecord | None]:
    """Batch function: the orders with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Database ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(OrderRecord).where(OrderRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def items_by_order_id(
    session: AsyncSession, order_ids: list[int]
) -> list[list[OrderItemRecord]]:
    """Batch function: each order's items, by position.

    Args:
        session: The request's session.
        order_ids: Order ids (one DataLoader batch).

    Returns:
        One list per order id (empty for unknown orders).
    """
    result = await session.scalars(
        select(OrderItemRecord)
        .where(OrderItemRecord.order_id.in_(order_ids))
        .order_by(OrderItemRecord.order_id, OrderItemRecord.position)
    )
    return group_by_keys(order_ids, result.all(), lambda row: row.order_id)


async def orders_by_customer(
    session: AsyncSession, keys: list[CustomerOrdersKey]
) -> list[list[OrderRecord]]:
    """Batch function: each customer's purchase history, newest first, PENDING orders left out.

    Args:
        session: The request's session.
        keys: ``(customer id, status or None)`` pairs (one DataLoader batch); a status keeps
            only the orders in that status.

    Returns:
        One list per key, ordered by ``placed_at`` then id, both descending.
    """
    customer_ids = sorted({customer_id for customer_id, _ in keys})
    query = select(OrderRecord).where(
        OrderRecord.customer_id.in_(customer_ids), OrderRecord.status != PENDING
    )
    statuses = {status for _, status in keys}
    if None not in statuses:
        query = query.where(OrderRecord.status.in_(statuses))
    result = await session.scalars(
        query.order_by(OrderRecord.placed_at.desc(), OrderRecord.id.desc())
    )
    by_customer = group_by_keys(customer_ids, result.all(), lambda row: row.customer_id)
    groups = dict(zip(customer_ids, by_customer, strict=True))
    return [
        [row for row in groups[customer_id] if status is None or row.status == status]
        for customer_id, status in keys
    ]


def _filters(status: str | None, customer_id: int | None) -> list[ColumnElement[bool]]:
    filters = [
        OrderRecord.status == status if status is not None else OrderRecord.status != PENDING
    ]
    if customer_id is not None:
        filters.append(OrderRecord.customer_id == customer_id)
    return filters


async def order_page(
    session: AsyncSession, request: PageRequest, status: str | None, customer_id: int | None
) -> Sequence[OrderRecord]:
    """One page of orders by id (PENDING orders only when ``status`` asks for them).

    Args:
        session: The request's session.
        request: The page (``first``, ``after``).
        status: Only orders in this status; None means every status but PENDING.
        customer_id: Only this customer's orders, when given.

    Returns:
        Up to ``request.limit`` rows with ids above ``request.after_id``.
    """
    query = select(OrderRecord).where(*_filters(status, customer_id))
    if request.after_id is not None:
        query = query.where(OrderRecord.id > request.after_id)
    result = await session.scalars(query.order_by(OrderRecord.id).limit(request.limit))
    return result.all()


async def count_orders(session: AsyncSession, status: str | None, customer_id: int | None) -> int:
    """Number of orders matching the filters of :func:`order_page`.

    Args:
        session: The request's session.
        status: As for :func:`order_page`.
        customer_id: As for :func:`order_page`.

    Returns:
        The row count.
    """
    count = await session.scalar(
        select(func.count()).select_from(OrderRecord).where(*_filters(status, customer_id))
    )
    return count or 0


async def has_orders(session: AsyncSession) -> bool:
    """Whether the orders table holds any row.

    Args:
        session: A session.

    Returns:
        True when at least one order exists.
    """
    found = await session.scalar(select(OrderRecord.id).limit(1))
    return found is not None


async def get_order(
    session: AsyncSession, order_id: int, *, lock: bool = False
) -> OrderRecord | None:
    """One order, read afresh from the database (never the session's stale copy).

    Args:
        session: A session.
        order_id: The order's id.
        lock: Lock the row until the transaction ends (``FOR UPDATE``; ignored by SQLite,
            whose write transactions hold the database lock).

    Returns:
        The order, or None.
    """
    query = select(OrderRecord).where(OrderRecord.id == order_id)
    if lock:
        query = query.with_for_update()
    result = await session.scalars(query.execution_options(populate_existing=True))
    return result.one_or_none()


async def items_of(session: AsyncSession, order_id: int) -> Sequence[OrderItemRecord]:
    """One order's items, by position.

    Args:
        session: A session.
        order_id: The order's id.

    Returns:
        The rows.
    """
    result = await session.scalars(
        select(OrderItemRecord)
        .where(OrderItemRecord.order_id == order_id)
        .order_by(OrderItemRecord.position)
    )
    return result.all()


async def expired_pending(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[OrderRecord]:
    """PENDING orders whose saga lease has expired (nobody is placing them any more).

    Args:
        session: A session.
        now: The current time (UTC).
        limit: At most this many orders.

    Returns:
        The orders, oldest first.
    """
    result = await session.scalars(
        select(OrderRecord)
        .where(
            OrderRecord.status == PENDING,
            or_(OrderRecord.lease_until.is_(None), OrderRecord.lease_until <= now),
        )
        .order_by(OrderRecord.id)
        .limit(limit)
    )
    return result.all()


# --- writes (inside a write transaction) ---------------------------------------------------------


async def find_by_idempotency_key(session: AsyncSession, key: str) -> OrderRecord | None:
    """The order placed with an idempotency key, locked for the rest of the transaction.

    Args:
        session: A session inside a write transaction.
        key: The client's idempotency key.

    Returns:
        The order, or None.
    """
    result = await session.scalars(
        select(OrderRecord)
        .where(OrderRecord.idempotency_key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def next_order_number(session: AsyncSession) -> int:
    """Take the next order number from the counter row (locks it until the transaction ends).

    Args:
        session: A session inside a write transaction.

    Returns:
        The number, from 1.
    """
    result = await session.execute(
        update(OrderNumberCounterRecord)
        .where(OrderNumberCounterRecord.id == COUNTER_ID)
        .values(last_number=OrderNumberCounterRecord.last_number + 1)
        .returning(OrderNumberCounterRecord.last_number)
        .execution_options(synchronize_session=False)
    )
    return int(result.scalar_one())


async def set_counter(session: AsyncSession, last_number: int) -> None:
    """Set the last order number handed out (seeding).

    Args:
        session: A session inside a write transaction.
        last_number: The number the next order follows.
    """
    await session.execute(
        update(OrderNumberCounterRecord)
        .where(OrderNumberCounterRecord.id == COUNTER_ID)
        .values(last_number=last_number)
        .execution_options(synchronize_session=False)
    )


async def insert_pending(
    session: AsyncSession,
    *,
    number: str,
    customer_id: int,
    items: Sequence[NewItem],
    idempotency_key: str,
    saga_reference: str,
    lease_until: datetime,
    now: datetime,
) -> OrderRecord:
    """Insert a PENDING order and its items (two statements).

    Args:
        session: A session inside a write transaction.
        number: The order number, e.g. ``ORD-000001``.
        customer_id: The customer's id.
        items: The merged lines, in order.
        idempotency_key: The client's key (unique).
        saga_reference: The saga's reference (unique).
        lease_until: End of the saga's lease.
        now: The current time (UTC).

    Returns:
        The inserted order.

    Raises:
        sqlalchemy.exc.IntegrityError: If another order took the idempotency key meanwhile.
    """
    record = OrderRecord(
        number=number,
        customer_id=customer_id,
        status=PENDING,
        invoice_id=None,
        idempotency_key=idempotency_key,
        saga_reference=saga_reference,
        lease_until=lease_until,
        placed_at=now,
        updated_at=now,
    )
    session.add(record)
    await session.flush()
    await session.execute(
        insert(OrderItemRecord),
        [
            {
                "order_id": record.id,
                "position": position,
                "product_id": item.product_id,
                "quantity": item.quantity,
            }
            for position, item in enumerate(items, start=1)
        ],
    )
    return record


async def claim_expired(
    session: AsyncSession, order_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Take over a PENDING order whose lease expired, with a new lease.

    Args:
        session: A session inside a write transaction.
        order_id: The order's id.
        now: The current time (UTC).
        lease_until: The new lease's end; it identifies the new owner.

    Returns:
        True if this caller now owns the order.
    """
    result = await session.execute(
        update(OrderRecord)
        .where(
            OrderRecord.id == order_id,
            OrderRecord.status == PENDING,
            or_(OrderRecord.lease_until.is_(None), OrderRecord.lease_until <= now),
        )
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def confirm_pending(
    session: AsyncSession, order_id: int, lease_until: datetime, invoice_id: int, now: datetime
) -> bool:
    """PENDING → CONFIRMED with its invoice, if the caller still holds the lease.

    Args:
        session: A session inside a write transaction.
        order_id: The order's id.
        lease_until: The caller's lease (the value it wrote).
        invoice_id: The invoice billing created for the order.
        now: The current time (UTC).

    Returns:
        True if the order was confirmed.
    """
    result = await session.execute(
        update(OrderRecord)
        .where(
            OrderRecord.id == order_id,
            OrderRecord.status == PENDING,
            OrderRecord.lease_until == lease_until,
        )
        .values(
            status="CONFIRMED",
            invoice_id=invoice_id,
            confirmed_at=now,
            updated_at=now,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def expire_lease(
    session: AsyncSession, order_id: int, lease_until: datetime, now: datetime
) -> bool:
    """Give up a PENDING order: its lease ends now, so recovery (or a retry) takes it over.

    Args:
        session: A session inside a write transaction.
        order_id: The order's id.
        lease_until: The caller's lease (the value it wrote).
        now: The current time (UTC).

    Returns:
        True if the caller still held the lease.
    """
    result = await session.execute(
        update(OrderRecord)
        .where(
            OrderRecord.id == order_id,
            OrderRecord.status == PENDING,
            OrderRecord.lease_until == lease_until,
        )
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def delete_pending(session: AsyncSession, order_id: int, lease_until: datetime) -> bool:
    """Delete a rolled-back PENDING order (its items go with it: ``ON DELETE CASCADE``).

    Args:
        session: A session inside a write transaction.
        order_id: The order's id.
        lease_until: The caller's lease (the value it wrote).

    Returns:
        True if the caller still held the lease and the order is gone.
    """
    result = await session.execute(
        delete(OrderRecord)
        .where(
            OrderRecord.id == order_id,
            OrderRecord.status == PENDING,
            OrderRecord.lease_until == lease_until,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def transition(
    session: AsyncSession,
    order_id: int,
    *,
    from_status: str,
    to_status: str,
    stamp: str,
    now: datetime,
) -> bool:
    """Move an order from one status to the next, only if it is still in ``from_status``.

    Args:
        session: A session inside a write transaction.
        order_id: The order's id.
        from_status: The status the order must be in.
        to_status: The new status.
        stamp: The timestamp column set to ``now`` (e.g. ``paid_at``).
        now: The current time (UTC).

    Returns:
        True if the order moved; False if it was not in ``from_status`` (or does not exist).
    """
    result = await session.execute(
        update(OrderRecord)
        .where(OrderRecord.id == order_id, OrderRecord.status == from_status)
        .values({"status": to_status, "updated_at": now, stamp: now})
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1
