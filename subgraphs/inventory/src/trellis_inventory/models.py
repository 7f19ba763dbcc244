"""ORM models of the inventory database."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from trellis_subgraph import ModelBase

__all__ = ["Base", "ProductRecord"]


class Base(ModelBase):
    """Declarative base of the inventory database."""

    __abstract__ = True


class ProductRecord(Base):
    """A row of ``products``; ``price`` is in minor units of ``currency``."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
