"""ORM models of the orders database.

Customer, product and invoice ids are plain integers: those rows live in other subgraphs'
databases. Status values are the ``OrderStatus`` names; timestamps are timezone-aware UTC
(SQLite hands them back naive).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = [
    "PENDING",
    "Base",
    "OrderItemRecord",
    "OrderNumberCounterRecord",
    "OrderRecord",
]

PENDING = "PENDING"
"""Status of an order whose placement saga has not finished yet."""


class Base(ModelBase):
    """Declarative base of the orders database."""

    __abstract__ = True


class OrderRecord(Base):
    """A row of ``orders``.

    ``saga_reference`` names the order's stock reservation (inventory) and is the idempotency
    key of its invoice (billing). ``lease_until`` is set while a placement saga (or the recovery
    loop) owns a PENDING order; an expired lease means whoever owned it gave up.
    """

    __tablename__ = "orders"
    __table_args__ = {"sqlite_autoincrement": True}  # never reuse a rolled-back order's id

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    invoice_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    saga_reference: Mapped[str] = mapped_column(String(64), unique=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OrderItemRecord(Base):
    """A row of ``order_items``: one product and its quantity, ``position`` from 1."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)


class OrderNumberCounterRecord(Base):
    """The single row of ``order_number_counter``: the last order number handed out."""

    __tablename__ = "order_number_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
