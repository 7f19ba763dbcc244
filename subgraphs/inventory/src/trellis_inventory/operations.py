"""The inventory's write operations, each ONE write transaction (all or nothing).

Every function opens ``database.write()`` once (twice at most when a concurrent duplicate forces
a retry) and calls no peer. Concurrency rests on the database, not on this process:

- stock changes are conditional ``UPDATE ... WHERE`` statements (see
  :mod:`trellis_inventory.repository`) whose returned row says whether the condition held;
- a reservation's status changes with ``UPDATE ... WHERE status = 'HELD'``, so of two concurrent
  releases or commits of one reservation exactly one changes stock;
- products are updated in id order inside a transaction, so two reservations never deadlock
  on PostgreSQL;
- the unique reservation reference makes ``reserve`` idempotent even for concurrent duplicates:
  the loser's insert fails (on PostgreSQL after waiting for the winner to commit), and it
  re-reads the winner's reservation in a new transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import (
    Conflict,
    Database,
    NotFound,
    OutOfStock,
    StockShortage,
    format_id,
)

from trellis_inventory import repository
from trellis_inventory.inputs import (
    MAX_STOCK,
    NewProduct,
    ProductChanges,
    ReservationRequest,
    StockAdjustment,
)
from trellis_inventory.models import (
    ProductRecord,
    ReservationState,
    StockReservationItemRecord,
    StockReservationRecord,
    utc_now,
)

__all__ = [
    "INITIAL_STOCK_REASON",
    "SHIPPED_REASON",
    "ReservationView",
    "adjust_stock",
    "commit_reservation",
    "create_product",
    "delete_product",
    "release_reservation",
    "reserve_stock",
    "update_product",
]

INITIAL_STOCK_REASON = "initial stock"
"""``reason`` of the movement a product's initial stock is recorded with."""

SHIPPED_REASON = "order shipped"
"""``reason`` of the movements a committed reservation takes out of stock."""

_RESERVE_ATTEMPTS = 3
_TRANSITION_ATTEMPTS = 2


@dataclass(frozen=True, slots=True)
class ReservationView:
    """A reservation with its items and their products, read in the transaction that wrote it.

    Attributes:
        record: The reservation row.
        items: ``(item, product)`` pairs in the order the caller listed them.
    """

    record: StockReservationRecord
    items: Sequence[tuple[StockReservationItemRecord, ProductRecord]]


def _violates(error: IntegrityError, constraint: str, sqlite_columns: str) -> bool:
    """Whether an IntegrityError is the violation of one unique constraint.

    PostgreSQL names the constraint in its message; SQLite names the columns
    (``UNIQUE constraint failed: products.sku``).
    """
    message = str(error.orig)
    return constraint in message or f"UNIQUE constraint failed: {sqlite_columns}" in message


def _sku_taken(sku: str, owner: int | None = None) -> Conflict:
    details: dict[str, Any] = {"sku": sku}
    if owner is not None:
        details["productId"] = format_id(owner)
    return Conflict(f"A product with sku {sku} already exists; skus are unique", details)


async def create_product(database: Database, new: NewProduct) -> ProductRecord:
    """Create a product; its initial stock (when above 0) is recorded as a movement.

    Args:
        database: The inventory database.
        new: The validated input.

    Returns:
        The new row.

    Raises:
        Conflict: If the sku is taken.
    """
    now = utc_now()
    try:
        async with database.write() as session:
            owner = await repository.sku_owner(session, new.sku)
            if owner is not None:
                raise _sku_taken(new.sku, owner)
            record = await repository.insert_product(
                session,
                {
                    "sku": new.sku,
                    "name": new.name,
                    "description": new.description,
                    "price": new.price.amount,
                    "currency": new.price.currency,
                    "stock": new.stock,
                    "reserved": 0,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if new.stock > 0:
                await repository.insert_movements(
                    session,
                    [_movement(record.id, new.stock, INITIAL_STOCK_REASON, new.stock, None, now)],
                )
            return record
    except IntegrityError as error:  # a concurrent create took the sku after our check
        if _violates(error, "uq_products_sku", "products.sku"):
            raise _sku_taken(new.sku) from error
        raise


async def update_product(
    database: Database, product_id: int, changes: ProductChanges, given: set[str]
) -> ProductRecord:
    """Change the fields of a product the client gave; the others stay as they are.

    Args:
        database: The inventory database.
        product_id: The product's id.
        changes: The validated input.
        given: Names of the input fields the client gave (``description`` given as None
            clears it).

    Returns:
        The updated row.

    Raises:
        NotFound: If no product has that id.
        Conflict: If the new sku belongs to another product.
    """
    values: dict[str, Any] = {}
    if "sku" in given and changes.sku is not None:
        values["sku"] = changes.sku
    if "name" in given and changes.name is not None:
        values["name"] = changes.name
    if "description" in given:
        values["description"] = changes.description
    if "price" in given and changes.price is not None:
        values["price"] = changes.price.amount
        values["currency"] = changes.price.currency
    try:
        async with database.write() as session:
            if not values:
                unchanged = await repository.product_for_update(session, product_id)
                if unchanged is None:
                    raise NotFound("Product", product_id)
                return unchanged
            if "sku" in values:
                owner = await repository.sku_owner(session, values["sku"])
                if owner is not None and owner != product_id:
                    raise _sku_taken(values["sku"], owner)
            record = await repository.update_product(
                session, product_id, {**values, "updated_at": utc_now()}
            )
            if record is None:
                raise NotFound("Product", product_id)
            return record
    except IntegrityError as error:
        if _violates(error, "uq_products_sku", "products.sku"):
            raise _sku_taken(values["sku"]) from error
        raise


async def delete_product(database: Database, product_id: int) -> None:
    """Delete a product with its stock movements and its items of released or committed
    reservations; refused while a ``HELD`` reservation includes it.

    Args:
        database: The inventory database.
        product_id: The product's id.

    Raises:
        NotFound: If no product has that id.
        Conflict: If units of it are held (``extensions``: ``reserved`` and the
            ``reservations``' references).
    """
    async with database.write() as session:
        if await repository.delete_unreserved_product(session, product_id):
            return
        product = await repository.product_for_update(session, product_id)
        if product is None:
            raise NotFound("Product", product_id)
        references = await repository.held_references(session, product_id)
        raise Conflict(
            f"Product {product_id} cannot be deleted: {product.reserved} units of it are held "
            f"by {len(references)} reservation(s); release or commit them first",
            {"reserved": product.reserved, "reservations": references},
        )


async def adjust_stock(database: Database, adjustment: StockAdjustment) -> ProductRecord:
    """Add (or remove) units of stock, recording the movement in the same transaction.

    Args:
        database: The inventory database.
        adjustment: The validated arguments.

    Returns:
        The updated row.

    Raises:
        NotFound: If no product has that id.
        Conflict: If the stock would fall below the reserved units (``extensions``: ``stock``,
            ``reserved``, ``delta``) or rise above :data:`MAX_STOCK`.
    """
    product_id, delta = adjustment.product_id, adjustment.delta
    now = utc_now()
    async with database.write() as session:
        record = await repository.adjust_stock(session, product_id, delta, now, most=MAX_STOCK)
        if record is None:
            current = await repository.product_for_update(session, product_id)
            if current is None:
                raise NotFound("Product", product_id)
            details = {"stock": current.stock, "reserved": current.reserved, "delta": delta}
            if current.stock + delta > MAX_STOCK:
                raise Conflict(
                    f"Adjusting product {product_id} by {delta} would take its stock above "
                    f"{MAX_STOCK} units",
                    details,
                )
            raise Conflict(
                f"Adjusting product {product_id} by {delta} would leave fewer units than are "
                f"reserved ({current.stock} in stock, {current.reserved} reserved)",
                details,
            )
        await repository.insert_movements(
            session, [_movement(product_id, delta, adjustment.reason, record.stock, None, now)]
        )
        return record


async def reserve_stock(database: Database, request: ReservationRequest) -> ReservationView:
    """Hold units of every item, all or nothing; idempotent per reference.

    When a reservation with the reference exists (whatever its status) it is returned unchanged
    and no stock moves.

    Args:
        database: The inventory database.
        request: The validated arguments.

    Returns:
        The reservation (new, or the existing one with that reference).

    Raises:
        NotFound: If an item names an unknown product (nothing is reserved).
        OutOfStock: Listing every item short of stock with the units available (nothing is
            reserved).
    """
    items = request.merged_items()
    for attempt in range(1, _RESERVE_ATTEMPTS + 1):
        try:
            return await _reserve_once(database, request.reference, items)
        except IntegrityError as error:
            # A concurrent call with the same reference won; the next attempt reads its result.
            duplicate = _violates(
                error, "uq_stock_reservations_reference", "stock_reservations.reference"
            )
            if not duplicate or attempt == _RESERVE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _reserve_once(
    database: Database, reference: str, items: list[tuple[int, int]]
) -> ReservationView:
    async with database.write() as session:
        existing = await repository.reservation_by_reference(session, reference)
        if existing is not None:
            return await _view(session, existing)
        now = utc_now()
        reservation = await repository.insert_reservation(session, reference, now)
        products: dict[int, ProductRecord] = {}
        short: list[tuple[int, int]] = []
        for product_id, quantity in sorted(items):
            record = await repository.reserve_units(session, product_id, quantity, now)
            if record is None:
                short.append((product_id, quantity))
            else:
                products[product_id] = record
        if short:
            # Raising rolls the whole transaction back: the units held above are given back.
            available = await repository.available_units(session, [p for p, _ in short])
            unknown = [product_id for product_id, _ in short if product_id not in available]
            if unknown:
                raise NotFound("Product", min(unknown))
            wanted = dict(short)
            raise OutOfStock(
                [
                    StockShortage(format_id(product_id), wanted[product_id], available[product_id])
                    for product_id, _ in items
                    if product_id in wanted
                ]
            )
        rows = await repository.insert_reservation_items(session, reservation.id, items)
        return ReservationView(reservation, [(row, products[row.product_id]) for row in rows])


async def release_reservation(database: Database, reference: str) -> ReservationView | None:
    """Give back the units of a ``HELD`` reservation (``HELD`` → ``RELEASED``).

    A released reservation is returned unchanged.

    Args:
        database: The inventory database.
        reference: The reservation's reference.

    Returns:
        The reservation, or None when no reservation has that reference.

    Raises:
        Conflict: If the reservation is ``COMMITTED`` (its units have shipped).
    """
    async with database.write() as session:
        outcome = await _settle(
            session, reference, ReservationState.RELEASED, repository.release_units
        )
        if outcome.moved is not None:
            return outcome.moved
        current = outcome.current
        if current is None:
            return None
        if current.status == ReservationState.COMMITTED:
            raise Conflict(
                f"Reservation {reference} is COMMITTED: its units have shipped and cannot be "
                "released",
                {"status": current.status, "reference": reference},
            )
        return await _view(session, current)


async def commit_reservation(database: Database, reference: str) -> ReservationView:
    """Take the units of a ``HELD`` reservation out of stock (``HELD`` → ``COMMITTED``).

    Each item lowers ``stock`` and ``reserved`` and is recorded as a movement (reason
    :data:`SHIPPED_REASON`, the reservation's reference). A committed reservation is returned
    unchanged.

    Args:
        database: The inventory database.
        reference: The reservation's reference.

    Returns:
        The reservation.

    Raises:
        NotFound: If no reservation has that reference.
        Conflict: If the reservation is ``RELEASED``.
    """
    async with database.write() as session:
        outcome = await _settle(
            session, reference, ReservationState.COMMITTED, repository.ship_units
        )
        committed = outcome.moved
        if committed is not None:
            now = committed.record.updated_at
            await repository.insert_movements(
                session,
                [
                    _movement(
                        product.id, -item.quantity, SHIPPED_REASON, product.stock, reference, now
                    )
                    for item, product in committed.items
                ],
            )
            return committed
        current = outcome.current
        if current is None:
            raise NotFound("StockReservation", reference)
        if current.status == ReservationState.RELEASED:
            raise Conflict(
                f"Reservation {reference} is RELEASED: its units were given back, so it cannot "
                "be committed",
                {"status": current.status, "reference": reference},
            )
        return await _view(session, current)


_ApplyUnits = Callable[[AsyncSession, int, int, datetime], Awaitable[ProductRecord]]
"""``repository.release_units`` or ``repository.ship_units``."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What :func:`_settle` did: ``moved`` when the transition happened, else ``current``, the
    reservation as it is (None when no reservation has the reference)."""

    moved: ReservationView | None
    current: StockReservationRecord | None


async def _settle(
    session: AsyncSession,
    reference: str,
    target: ReservationState,
    apply: _ApplyUnits,
) -> _Outcome:
    """Move a reservation from ``HELD`` to ``target``, or report its current state."""
    current: StockReservationRecord | None = None
    for _ in range(_TRANSITION_ATTEMPTS):
        moved = await _transition(session, reference, target, apply)
        if moved is not None:
            return _Outcome(moved, None)
        current = await repository.reservation_by_reference(session, reference)
        if current is None or current.status != ReservationState.HELD:
            break
        # HELD: a concurrent reserveStock committed it after the UPDATE above took its snapshot
        # (PostgreSQL READ COMMITTED); the next UPDATE sees it.
    return _Outcome(None, current)


async def _transition(
    session: AsyncSession,
    reference: str,
    target: ReservationState,
    apply: _ApplyUnits,
) -> ReservationView | None:
    """``HELD`` → ``target`` with ``apply`` run on every item, or None if not ``HELD``."""
    now = utc_now()
    record = await repository.transition_reservation(
        session, reference, ReservationState.HELD, target, now
    )
    if record is None:
        return None
    (items,) = await repository.items_by_reservation_id(session, [record.id])
    products: dict[int, ProductRecord] = {}
    for item in sorted(items, key=lambda row: row.product_id):
        products[item.product_id] = await apply(session, item.product_id, item.quantity, now)
    return ReservationView(record, [(item, products[item.product_id]) for item in items])


async def _view(session: AsyncSession, record: StockReservationRecord) -> ReservationView:
    return ReservationView(
        record, await repository.reservation_items_with_products(session, record.id)
    )


def _movement(
    product_id: int,
    delta: int,
    reason: str,
    stock_after: int,
    reference: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "delta": delta,
        "reason": reason,
        "stock_after": stock_after,
        "reference": reference,
        "created_at": now,
    }
