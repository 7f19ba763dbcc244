"""ORM models of the inventory database.

Invariants the schema keeps (CHECK constraints, so no code path can break them):

- ``products.reserved`` is the sum of the quantities of the ``HELD`` reservations that include
  the product, and ``0 <= reserved <= stock``; ``stock - reserved`` is what can be reserved.
- Every change of ``products.stock`` writes one ``stock_movements`` row in the same transaction,
  so the movements of a product sum to its stock.
- ``stock_reservations.reference`` is unique: it is the caller's idempotency key (orders uses
  its saga id).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase, utc_now

__all__ = [
    "Base",
    "ProductRecord",
    "ReservationState",
    "StockMovementRecord",
    "StockReservationItemRecord",
    "StockReservationRecord",
    "utc_now",
]


class ReservationState(StrEnum):
    """Lifecycle of a stock reservation: ``HELD`` then ``RELEASED`` or ``COMMITTED`` (final)."""

    HELD = "HELD"
    RELEASED = "RELEASED"
    COMMITTED = "COMMITTED"


class Base(ModelBase):
    """Declarative base of the inventory database."""

    __abstract__ = True


class ProductRecord(Base):
    """A row of ``products``; ``price`` is in minor units of ``currency``.

    ``stock`` counts the units on hand (reserved ones included), ``reserved`` the units held by
    ``HELD`` reservations.
    """

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("sku", name="uq_products_sku"),
        CheckConstraint("price >= 0", name="ck_products_price_non_negative"),
        CheckConstraint("stock >= 0", name="ck_products_stock_non_negative"),
        CheckConstraint(
            "reserved >= 0 AND stock >= reserved", name="ck_products_reserved_within_stock"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )


class StockMovementRecord(Base):
    """A row of ``stock_movements``: one change of a product's stock (the audit trail).

    ``delta`` is signed (units added or removed), ``stock_after`` the stock it left.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_product_id_id", "product_id", "id"),
        CheckConstraint("delta <> 0", name="ck_stock_movements_delta_non_zero"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("products.id", ondelete="CASCADE", name="fk_stock_movements_product"),
    )
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    stock_after: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StockReservationRecord(Base):
    """A row of ``stock_reservations``: units held for a caller's ``reference`` (unique)."""

    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_stock_reservations_reference"),
        CheckConstraint(
            "status IN ('HELD', 'RELEASED', 'COMMITTED')", name="ck_stock_reservations_status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class StockReservationItemRecord(Base):
    """A row of ``stock_reservation_items``: one product of a reservation (one row per product).

    ``id`` keeps the order in which the caller listed the items.
    """

    __tablename__ = "stock_reservation_items"
    __table_args__ = (
        UniqueConstraint("reservation_id", "product_id", name="uq_stock_reservation_items_product"),
        Index("ix_stock_reservation_items_product_id", "product_id"),
        CheckConstraint("quantity > 0", name="ck_stock_reservation_items_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey(
            "stock_reservations.id",
            ondelete="CASCADE",
            name="fk_stock_reservation_items_reservation",
        ),
    )
    product_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("products.id", ondelete="CASCADE", name="fk_stock_reservation_items_product"),
    )
    quantity: Mapped[int] = mapped_column(Integer)
