"""ORM models of the customers database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = ["Base", "CustomerRecord"]


class Base(ModelBase):
    """Declarative base of the customers database."""

    __abstract__ = True


class CustomerRecord(Base):
    """A row of ``customers``."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )
