"""ORM models of the customers database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = ["EMAIL_UNIQUE_CONSTRAINT", "Base", "CustomerRecord"]

EMAIL_UNIQUE_CONSTRAINT = "uq_customers_email"
"""Name of the unique constraint on ``customers.email`` (emails are stored lower-cased)."""


class Base(ModelBase):
    """Declarative base of the customers database."""

    __abstract__ = True


class CustomerRecord(Base):
    """A row of ``customers``.

    ``email`` is stored lower-cased, so its unique constraint makes emails unique regardless of
    case. The address is either wholly absent (every ``address_*`` column NULL) or has
    ``line1``, ``city``, ``postal_code`` and ``country`` (ISO 3166-1 alpha-2); ``line2`` is
    optional. Times are UTC. Ids are never reused (SQLite ``AUTOINCREMENT``, PostgreSQL
    sequence), so an id a peer still holds can never name a different customer.
    """

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("email", name=EMAIL_UNIQUE_CONSTRAINT),
        # Ids are never reused, not even the highest after a delete: peers hold customer ids.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    address_line1: Mapped[str | None] = mapped_column(String(200), default=None)
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    address_city: Mapped[str | None] = mapped_column(String(100), default=None)
    address_postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    address_country: Mapped[str | None] = mapped_column(String(2), default=None)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )
