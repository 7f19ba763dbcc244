"""ORM models of the billing database.

Customer, product and order ids are plain integers: those rows live in other subgraphs'
databases. Amounts are integers in minor units of the invoice's ``currency``.

Tables::

    invoices                 one per invoice; status OPEN -> PAID | VOID
    invoice_items            its lines, unit prices frozen at billing time
    payments                 money received against an invoice
    invoice_number_counter   one row: the last invoice number issued (INV-0001 is 1)
    order_notifications      outbox: "order N's invoice is paid", delivered to orders
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = [
    "COUNTER_ROW_ID",
    "Base",
    "InvoiceItemRecord",
    "InvoiceNumberCounterRecord",
    "InvoiceRecord",
    "InvoiceStatus",
    "OrderNotificationRecord",
    "PaymentMethod",
    "PaymentRecord",
]

COUNTER_ROW_ID = 1
"""Id of the one row of ``invoice_number_counter``."""


class InvoiceStatus(enum.Enum):
    """Lifecycle of an invoice: ``OPEN`` until paid in full (``PAID``) or cancelled (``VOID``)."""

    OPEN = "OPEN"
    PAID = "PAID"
    VOID = "VOID"


class PaymentMethod(enum.Enum):
    """How a payment was received."""

    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"


class Base(ModelBase):
    """Declarative base of the billing database."""

    __abstract__ = True


class InvoiceRecord(Base):
    """A row of ``invoices``; amounts of its items are in minor units of ``currency``.

    ``status`` holds an :class:`InvoiceStatus` value; ``idempotency_key`` (unique when set)
    makes a retried ``createInvoice`` return the first invoice; ``order_id`` names the order the
    invoice bills, if any.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        Index("uq_invoices_idempotency_key", "idempotency_key", unique=True),
        Index("ix_invoices_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8), default=InvoiceStatus.OPEN.value)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(Integer)


class InvoiceItemRecord(Base):
    """A row of ``invoice_items``: quantity and unit price (minor units) frozen at billing time."""

    __tablename__ = "invoice_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)


class PaymentRecord(Base):
    """A row of ``payments``: ``amount`` (minor units of the invoice's currency, at least 1)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceNumberCounterRecord(Base):
    """The one row of ``invoice_number_counter``: ``last`` is the last number issued.

    Issuing takes the next number with ``UPDATE ... SET last = last + 1``, which locks the row
    until the issuing transaction ends: numbers are never reused and have no gaps.
    """

    __tablename__ = "invoice_number_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class OrderNotificationRecord(Base):
    """A row of the ``order_notifications`` outbox: tell orders that an order's invoice is paid.

    Written in the transaction that makes the invoice ``PAID``; ``delivered_at`` is set once the
    orders subgraph accepted ``markOrderPaid``. ``attempts`` counts delivery attempts and
    ``last_error`` keeps the latest failure.
    """

    __tablename__ = "order_notifications"
    __table_args__ = (Index("ix_order_notifications_pending", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
