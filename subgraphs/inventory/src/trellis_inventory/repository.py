"""Queries of the inventory database (each function runs one SQL statement).

Read functions take the request's read session; the write functions are called inside one
``Database.write()`` transaction by :mod:`trellis_inventory.operations`. Stock changes are
conditional ``UPDATE ... WHERE`` statements whose returned row (or its absence) tells whether
the condition held, so they stay correct when transactions run concurrently (PostgreSQL READ
COMMITTED re-checks the condition on the newest row version after waiting for its lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from trellis_subgraph import PageRequest, group_by_keys, order_by_keys

from trellis_inventory.models import (
    ProductRecord,
    ReservationState,
    StockMovementRecord,
    StockReservationItemRecord,
    StockReservationRecord,
)

__all__ = [
    "MovementKey",
    "adjust_stock",
    "available_units",
    "count_products",
    "delete_unreserved_product",
    "held_references",
    "insert_movements",
    "insert_product",
    "insert_reservation",
    "insert_reservation_items",
    "items_by_reservation_id",
    "low_stock_products",
    "movements_by_product",
    "product_for_update",
    "product_page",
    "products_by_id",
    "release_units",
    "reservation_by_reference",
    "reservation_items_with_products",
    "reserve_units",
    "ship_units",
    "sku_owner",
    "transition_reservation",
    "update_product",
]

MovementKey = tuple[int, int]
"""Key of :func:`movements_by_product`: ``(product id, newest N movements)``."""

_available = ProductRecord.stock - ProductRecord.reserved


def _product_filters(search: str | None, in_stock: bool | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if search:
        filters.append(
            or_(
                ProductRecord.sku.icontains(search, autoescape=True),
                ProductRecord.name.icontains(search, autoescape=True),
            )
        )
    if in_stock is True:
        filters.append(_available > 0)
    elif in_stock is False:
        filters.append(_available <= 0)
    return filters


async def product_page(
    session: AsyncSession,
    request: PageRequest,
    *,
    search: str | None = None,
    in_stock: bool | None = None,
) -> Sequence[ProductRecord]:
    """One page of products by id, filtered.

    Args:
        session: The request's session.
        request: ``first`` / ``after``; ``request.limit`` rows are fetched.
        search: Keep products whose sku or name contains this text (case-insensitive).
        in_stock: True keeps products with units available, False those with none.

    Returns:
        Up to ``request.limit`` rows with ids above ``request.after_id``.
    """
    query = select(ProductRecord).where(*_product_filters(search, in_stock))
    if request.after_id is not None:
        query = query.where(ProductRecord.id > request.after_id)
    result = await session.scalars(query.order_by(ProductRecord.id).limit(request.limit))
    return result.all()


async def count_products(
    session: AsyncSession, *, search: str | None = None, in_stock: bool | None = None
) -> int:
    """Number of products matching the filters of :func:`product_page` (all pages).

    Args:
        session: A session.
        search: See :func:`product_page`.
        in_stock: See :func:`product_page`.

    Returns:
        The row count.
    """
    query = select(func.count()).select_from(ProductRecord)
    count = await session.scalar(query.where(*_product_filters(search, in_stock)))
    return count or 0


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


async def low_stock_products(
    session: AsyncSession, threshold: int, limit: int
) -> Sequence[ProductRecord]:
    """Products with at most ``threshold`` units available, fewest available first, then by id.

    Args:
        session: The request's session.
        threshold: Largest ``stock - reserved`` kept.
        limit: Rows wanted.

    Returns:
        The rows.
    """
    result = await session.scalars(
        select(ProductRecord)
        .where(_available <= threshold)
        .order_by(_available, ProductRecord.id)
        .limit(limit)
    )
    return result.all()


async def movements_by_product(
    session: AsyncSession, keys: list[MovementKey]
) -> list[list[StockMovementRecord]]:
    """Batch function: the newest movements of each product, newest first.

    One query for the whole batch: a window function numbers each product's movements from the
    newest, and the query keeps the largest ``N`` any key asks for; each key's own ``N`` is
    applied here.

    Args:
        session: The request's session.
        keys: ``(product id, N)`` pairs (one DataLoader batch).

    Returns:
        One list per key, at most ``N`` movements, newest first.
    """
    product_ids = sorted({product_id for product_id, _ in keys})
    most = max(limit for _, limit in keys)
    rank = (
        func.row_number()
        .over(partition_by=StockMovementRecord.product_id, order_by=StockMovementRecord.id.desc())
        .label("rank")
    )
    ranked = (
        select(StockMovementRecord, rank)
        .where(StockMovementRecord.product_id.in_(product_ids))
        .subquery()
    )
    movement = aliased(StockMovementRecord, ranked)
    result = await session.scalars(
        select(movement).where(ranked.c.rank <= most).order_by(movement.id.desc())
    )
    groups = group_by_keys(product_ids, result.all(), lambda row: row.product_id)
    by_product = dict(zip(product_ids, groups, strict=True))
    return [by_product[product_id][:limit] for product_id, limit in keys]


async def reservation_by_reference(
    session: AsyncSession, reference: str
) -> StockReservationRecord | None:
    """The reservation with this reference.

    Args:
        session: A session.
        reference: The caller's reference.

    Returns:
        The row, or None.
    """
    result = await session.scalars(
        select(StockReservationRecord)
        .where(StockReservationRecord.reference == reference)
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def items_by_reservation_id(
    session: AsyncSession, reservation_ids: list[int]
) -> list[list[StockReservationItemRecord]]:
    """Batch function: the items of each reservation, in the order they were listed.

    Args:
        session: The request's session.
        reservation_ids: Reservation ids (one DataLoader batch).

    Returns:
        One list per id.
    """
    result = await session.scalars(
        select(StockReservationItemRecord)
        .where(StockReservationItemRecord.reservation_id.in_(reservation_ids))
        .order_by(StockReservationItemRecord.id)
    )
    return group_by_keys(reservation_ids, result.all(), lambda row: row.reservation_id)


async def reservation_items_with_products(
    session: AsyncSession, reservation_id: int
) -> list[tuple[StockReservationItemRecord, ProductRecord]]:
    """The items of one reservation with their products, in the order they were listed.

    Args:
        session: A session.
        reservation_id: The reservation's id.

    Returns:
        ``(item, product)`` pairs.
    """
    result = await session.execute(
        select(StockReservationItemRecord, ProductRecord)
        .join(ProductRecord, ProductRecord.id == StockReservationItemRecord.product_id)
        .where(StockReservationItemRecord.reservation_id == reservation_id)
        .order_by(StockReservationItemRecord.id)
        .execution_options(populate_existing=True)
    )
    return [(item, product) for item, product in result]


async def available_units(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, int]:
    """Units available (``stock - reserved``) of the products that exist.

    Args:
        session: A session.
        product_ids: Product ids.

    Returns:
        Available units by product id; unknown ids are left out.
    """
    result = await session.execute(
        select(ProductRecord.id, _available).where(ProductRecord.id.in_(product_ids))
    )
    return {product_id: available for product_id, available in result}


async def sku_owner(session: AsyncSession, sku: str) -> int | None:
    """The id of the product that has this sku.

    Args:
        session: A session.
        sku: The sku (compared exactly).

    Returns:
        The product id, or None when the sku is free.
    """
    result: int | None = await session.scalar(
        select(ProductRecord.id).where(ProductRecord.sku == sku)
    )
    return result


async def held_references(session: AsyncSession, product_id: int) -> list[str]:
    """References of the ``HELD`` reservations that include a product, oldest first.

    Args:
        session: A session.
        product_id: The product's id.

    Returns:
        The references.
    """
    result = await session.scalars(
        select(StockReservationRecord.reference)
        .join(
            StockReservationItemRecord,
            StockReservationItemRecord.reservation_id == StockReservationRecord.id,
        )
        .where(
            StockReservationItemRecord.product_id == product_id,
            StockReservationRecord.status == ReservationState.HELD,
        )
        .order_by(StockReservationRecord.id)
    )
    return list(result.all())


async def product_for_update(session: AsyncSession, product_id: int) -> ProductRecord | None:
    """A product, its row locked until the transaction ends (``FOR UPDATE``; SQLite ignores it,
    its write transactions being serial already).

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.

    Returns:
        The row, or None.
    """
    result = await session.scalars(
        select(ProductRecord)
        .where(ProductRecord.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def insert_product(session: AsyncSession, values: Mapping[str, Any]) -> ProductRecord:
    """Insert a product.

    Args:
        session: A session inside a write transaction.
        values: Column values (no ``id``).

    Returns:
        The new row.

    Raises:
        sqlalchemy.exc.IntegrityError: If the sku is taken.
    """
    result = await session.scalars(insert(ProductRecord).values(**values).returning(ProductRecord))
    return result.one()


async def update_product(
    session: AsyncSession, product_id: int, values: Mapping[str, Any]
) -> ProductRecord | None:
    """Set columns of a product.

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.
        values: Column values.

    Returns:
        The updated row, or None when no product has that id.

    Raises:
        sqlalchemy.exc.IntegrityError: If the new sku is taken.
    """
    result = await session.scalars(
        update(ProductRecord)
        .where(ProductRecord.id == product_id)
        .values(**values)
        .returning(ProductRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one_or_none()


async def adjust_stock(
    session: AsyncSession, product_id: int, delta: int, now: datetime, *, most: int
) -> ProductRecord | None:
    """Add ``delta`` units to a product's stock if at least ``reserved`` units and at most
    ``most`` units remain.

    ``UPDATE products SET stock = stock + :delta WHERE id = :id AND stock + :delta >= reserved
    AND stock + :delta <= :most``.

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.
        delta: Units to add (negative to remove).
        now: The new ``updated_at``.
        most: Largest stock allowed.

    Returns:
        The updated row, or None when the product is unknown or the condition failed.
    """
    stock_after = ProductRecord.stock + delta
    result = await session.scalars(
        update(ProductRecord)
        .where(
            ProductRecord.id == product_id,
            stock_after >= ProductRecord.reserved,
            stock_after <= most,
        )
        .values(stock=stock_after, updated_at=now)
        .returning(ProductRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one_or_none()


async def delete_unreserved_product(session: AsyncSession, product_id: int) -> bool:
    """Delete a product that has no units reserved, with its movements and reservation items
    (``ON DELETE CASCADE``).

    ``reserved`` is the sum of the ``HELD`` reservations that include the product, so
    ``reserved = 0`` means no ``HELD`` reservation includes it.

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.

    Returns:
        True if the product was deleted; False when it is unknown or has reserved units.
    """
    result = await session.execute(
        delete(ProductRecord)
        .where(ProductRecord.id == product_id, ProductRecord.reserved == 0)
        .returning(ProductRecord.id)
    )
    return result.scalar_one_or_none() is not None


async def insert_movements(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert stock movements (one statement, executemany).

    Args:
        session: A session inside a write transaction.
        rows: Column values of each movement.
    """
    if rows:
        await session.execute(insert(StockMovementRecord), list(rows))


async def insert_reservation(
    session: AsyncSession, reference: str, now: datetime
) -> StockReservationRecord:
    """Insert a ``HELD`` reservation.

    Args:
        session: A session inside a write transaction.
        reference: The caller's reference (unique).
        now: Its ``created_at`` and ``updated_at``.

    Returns:
        The new row.

    Raises:
        sqlalchemy.exc.IntegrityError: If a reservation already has this reference (on
            PostgreSQL the transaction is aborted then: retry in a new one).
    """
    result = await session.scalars(
        insert(StockReservationRecord)
        .values(reference=reference, status=ReservationState.HELD, created_at=now, updated_at=now)
        .returning(StockReservationRecord)
    )
    return result.one()


async def insert_reservation_items(
    session: AsyncSession, reservation_id: int, items: Sequence[tuple[int, int]]
) -> list[StockReservationItemRecord]:
    """Insert the items of a reservation, in order.

    Args:
        session: A session inside a write transaction.
        reservation_id: The reservation's id.
        items: ``(product id, quantity)`` pairs, one per product.

    Returns:
        The new rows, in order.
    """
    result = await session.scalars(
        insert(StockReservationItemRecord).returning(
            StockReservationItemRecord, sort_by_parameter_order=True
        ),
        [
            {"reservation_id": reservation_id, "product_id": product_id, "quantity": quantity}
            for product_id, quantity in items
        ],
    )
    return list(result.all())


async def reserve_units(
    session: AsyncSession, product_id: int, quantity: int, now: datetime
) -> ProductRecord | None:
    """Hold units of a product if that many are available.

    ``UPDATE products SET reserved = reserved + :q WHERE id = :id AND stock - reserved >= :q``.

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.
        quantity: Units to hold.
        now: The new ``updated_at``.

    Returns:
        The updated row, or None when the product is unknown or short of stock.
    """
    result = await session.scalars(
        update(ProductRecord)
        .where(ProductRecord.id == product_id, _available >= quantity)
        .values(reserved=ProductRecord.reserved + quantity, updated_at=now)
        .returning(ProductRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one_or_none()


async def release_units(
    session: AsyncSession, product_id: int, quantity: int, now: datetime
) -> ProductRecord:
    """Give back held units of a product (``reserved -= quantity``).

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.
        quantity: Units held by the reservation being released.
        now: The new ``updated_at``.

    Returns:
        The updated row.
    """
    result = await session.scalars(
        update(ProductRecord)
        .where(ProductRecord.id == product_id)
        .values(reserved=ProductRecord.reserved - quantity, updated_at=now)
        .returning(ProductRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one()


async def ship_units(
    session: AsyncSession, product_id: int, quantity: int, now: datetime
) -> ProductRecord:
    """Take held units out of stock (``stock -= quantity``, ``reserved -= quantity``).

    Args:
        session: A session inside a write transaction.
        product_id: The product's id.
        quantity: Units held by the reservation being committed.
        now: The new ``updated_at``.

    Returns:
        The updated row.
    """
    result = await session.scalars(
        update(ProductRecord)
        .where(ProductRecord.id == product_id)
        .values(
            stock=ProductRecord.stock - quantity,
            reserved=ProductRecord.reserved - quantity,
            updated_at=now,
        )
        .returning(ProductRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one()


async def transition_reservation(
    session: AsyncSession,
    reference: str,
    source: ReservationState,
    target: ReservationState,
    now: datetime,
) -> StockReservationRecord | None:
    """Move a reservation from one status to another if it is still in the first.

    ``UPDATE stock_reservations SET status = :target WHERE reference = :r AND status =
    :source``: of two concurrent transitions of the same reservation only one matches a row.

    Args:
        session: A session inside a write transaction.
        reference: The reservation's reference.
        source: The status it must have.
        target: The status it gets.
        now: The new ``updated_at``.

    Returns:
        The updated row, or None when no reservation with that reference had status ``source``.
    """
    result = await session.scalars(
        update(StockReservationRecord)
        .where(
            and_(
                StockReservationRecord.reference == reference,
                StockReservationRecord.status == source,
            )
        )
        .values(status=target, updated_at=now)
        .returning(StockReservationRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.one_or_none()
