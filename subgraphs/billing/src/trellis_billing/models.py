"""ORM models of the billing database.

Customer and product ids are plain integers: those rows live in other subgraphs' databases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = ["Base", "InvoiceItemRecord", "InvoiceRecord"]


class Base(ModelBase):
    """Declarative base of the billing database."""

    __abstract__ = True


class InvoiceRecord(Base):
    """A row of ``invoices``; amounts of its items are in minor units of ``currency``."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    currency: Mapped[str] = mapped_column(String(3))


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
