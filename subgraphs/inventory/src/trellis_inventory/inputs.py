"""Validation of the inventory mutations' arguments (pydantic, via ``validate_input``).

Strings are trimmed before their length is checked; a failed rule becomes ``BAD_USER_INPUT``
with ``extensions.fields`` naming the argument path as the client wrote it (``input.sku``,
``input.price.currency``, ``items.0.quantity``).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from trellis_subgraph import merge_line_items, parse_id

__all__ = [
    "MAX_ITEMS",
    "MAX_QUANTITY",
    "MAX_STOCK",
    "MAX_STOCK_DELTA",
    "NewProduct",
    "PriceValue",
    "ProductChanges",
    "ReservationRequest",
    "StockAdjustment",
    "StockItem",
]

MAX_QUANTITY = 1000
"""Largest quantity of one item of a reservation."""

MAX_ITEMS = 50
"""Most items in one reservation."""

MAX_STOCK = 1_000_000_000
"""Largest stock a product may have (keeps every sum inside a 32-bit integer column)."""

MAX_STOCK_DELTA = 1_000_000
"""Largest change of one ``adjustStock`` call, either way; also the largest initial stock."""

_SKU = re.compile(r"[A-Za-z0-9_-]+")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _sku(value: str) -> str:
    if not _SKU.fullmatch(value):
        raise ValueError("may contain only letters, digits, '-' and '_'")
    return value


def _currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise ValueError("must be an ISO 4217 code of 3 uppercase letters, e.g. USD")
    return value


def _product_id(value: object) -> int:
    key = parse_id(value)
    if key is None:
        raise ValueError("is not a product id")
    return key


def _blank_to_none(value: str) -> str | None:
    return value or None


def _non_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0")
    return value


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be null (leave the field out to keep it unchanged)")
    return value


Sku = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_sku)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = (
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2000),
        AfterValidator(_blank_to_none),
    ]
    | None
)
Currency = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_currency)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProductKey = Annotated[int, BeforeValidator(_product_id)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceValue(_Input):
    """A ``MoneyInput``: minor units and an ISO 4217 code."""

    amount: int = Field(ge=0, description="Minor units, at least 0.")
    currency: Currency


class NewProduct(_Input):
    """``CreateProductInput``."""

    sku: Sku
    name: Name
    description: Description = None
    price: PriceValue
    stock: int = Field(default=0, ge=0, le=MAX_STOCK_DELTA)


class ProductChanges(_Input):
    """``UpdateProductInput``: only the fields the client gave (null clears ``description``)."""

    sku: Sku | None = None
    name: Name | None = None
    description: Description = None
    price: PriceValue | None = None

    _required = field_validator("sku", "name", "price", mode="before")(_not_null)


class StockAdjustment(_Input):
    """The arguments of ``adjustStock``."""

    product_id: ProductKey
    delta: Annotated[int, Field(ge=-MAX_STOCK_DELTA, le=MAX_STOCK_DELTA), AfterValidator(_non_zero)]
    reason: Reason


class StockItem(_Input):
    """A ``StockItemInput``."""

    product_id: ProductKey
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class ReservationRequest(_Input):
    """The arguments of ``reserveStock``."""

    reference: Reference
    items: list[StockItem] = Field(min_length=1, max_length=MAX_ITEMS)

    def merged_items(self) -> list[tuple[int, int]]:
        """The items with duplicate products merged (quantities summed), in first-listed order.

        Returns:
            ``(product id, quantity)`` pairs, one per product.

        Raises:
            BadUserInput: If a product's summed quantity exceeds :data:`MAX_QUANTITY`.
        """
        return merge_line_items(((i.product_id, i.quantity) for i in self.items), MAX_QUANTITY)
