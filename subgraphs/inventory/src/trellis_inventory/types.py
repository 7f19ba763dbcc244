"""GraphQL types of the inventory subgraph.

Inventory owns the ``Product`` entity (``@key(fields: "id")``) and the stock reservations other
subgraphs hold for their orders. Nested fields load through per-request DataLoaders, so a list
of N products or reservations costs one SQL query per nested field, not N.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from trellis_subgraph import (
    BadUserInput,
    Money,
    NotFound,
    SubgraphInfo,
    as_utc,
    format_id,
    parse_id,
)

from trellis_inventory import repository
from trellis_inventory.models import (
    ProductRecord,
    StockMovementRecord,
    StockReservationItemRecord,
    StockReservationRecord,
)

__all__ = [
    "MAX_MOVEMENTS",
    "Product",
    "ReservationStatus",
    "ReservedItem",
    "StockMovement",
    "StockReservation",
    "load_product",
]

MAX_MOVEMENTS = 100
"""Largest ``first`` of ``Product.stockMovements``."""


@strawberry.type(description="One change of a product's stock: the audit trail.")
class StockMovement:
    """A row of ``stock_movements`` as GraphQL sees it."""

    id: strawberry.ID
    delta: int = strawberry.field(description="Units added (positive) or removed (negative).")
    reason: str = strawberry.field(description='Why the stock changed, e.g. "order shipped".')
    stock_after: int = strawberry.field(description="Units on hand after the change.")
    reference: str | None = strawberry.field(
        description="Reference of the reservation the change belongs to, if any."
    )
    created_at: datetime

    @classmethod
    def from_record(cls, record: StockMovementRecord) -> StockMovement:
        """Build the GraphQL value from a row."""
        return cls(
            id=format_id(record.id),
            delta=record.delta,
            reason=record.reason,
            stock_after=record.stock_after,
            reference=record.reference,
            created_at=as_utc(record.created_at),
        )


async def resolve_stock_movements(
    root: Product,
    info: SubgraphInfo,
    first: Annotated[
        int | None, strawberry.argument(description="Movements wanted, 1 to 100.")
    ] = 20,
) -> list[StockMovement]:
    """The product's newest movements, batched across every product of the request.

    Raises:
        BadUserInput: If ``first`` is outside 1..100.
    """
    limit = 20 if first is None else first
    if not 0 < limit <= MAX_MOVEMENTS:
        raise BadUserInput.field("first", f"must be between 1 and {MAX_MOVEMENTS}")
    records = await info.context.loader(repository.movements_by_product).load((root.key, limit))
    return [StockMovement.from_record(record) for record in records]


@strawberry.federation.type(keys=["id"], description="A product in the catalogue.")
class Product:
    """The ``Product`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    sku: str = strawberry.field(description="Stock keeping unit, unique.")
    name: str
    description: str | None
    price: Money = strawberry.field(description="Current unit price.")
    stock: int = strawberry.field(description="Units on hand, reserved ones included.")
    reserved: int = strawberry.field(
        description="Units held by reservations (orders not shipped yet)."
    )
    available: int = strawberry.field(description="Units that can be reserved: stock - reserved.")
    stock_movements: list[StockMovement] = strawberry.field(
        resolver=resolve_stock_movements, description="The audit trail of the stock, newest first."
    )
    created_at: datetime
    updated_at: datetime
    key: strawberry.Private[int]

    @classmethod
    def from_record(cls, record: ProductRecord) -> Product:
        """Build the GraphQL value from a row."""
        return cls(
            id=format_id(record.id),
            sku=record.sku,
            name=record.name,
            description=record.description,
            price=Money(amount=record.price, currency=record.currency),
            stock=record.stock,
            reserved=record.reserved,
            available=record.stock - record.reserved,
            created_at=as_utc(record.created_at),
            updated_at=as_utc(record.updated_at),
            key=record.id,
        )

    @classmethod
    async def resolve_reference(cls, info: SubgraphInfo, id: strawberry.ID) -> Product | None:
        """Resolve a ``Product`` representation through the request's DataLoader.

        Args:
            info: Resolver info (its context holds the loaders).
            id: The representation's key.

        Returns:
            The product, or None when no product has that id.
        """
        return await load_product(info, id)


async def load_product(info: SubgraphInfo, id: object) -> Product | None:
    """Load one product by GraphQL id, batched with every other load of the request.

    Args:
        info: Resolver info.
        id: A GraphQL ID.

    Returns:
        The product, or None.
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.products_by_id).load(key)
    return None if record is None else Product.from_record(record)


@strawberry.enum(description="Lifecycle of a stock reservation.")
class ReservationStatus(Enum):
    """``HELD`` until the order ships (``COMMITTED``) or is cancelled (``RELEASED``)."""

    HELD = strawberry.enum_value("HELD", description="The units are held for the reference.")
    RELEASED = strawberry.enum_value(
        "RELEASED", description="The units were given back to the available stock."
    )
    COMMITTED = strawberry.enum_value(
        "COMMITTED", description="The units shipped: they left the stock."
    )


async def resolve_reserved_product(root: ReservedItem, info: SubgraphInfo) -> Product:
    """The item's product: the one read with the reservation, or through the DataLoader.

    Raises:
        NotFound: If the product does not exist (the schema's foreign keys prevent it).
    """
    if root.loaded is not None:
        return root.loaded
    product = await load_product(info, root.product_key)
    if product is None:
        raise NotFound("Product", root.product_key)
    return product


@strawberry.type(description="Units of one product held by a reservation.")
class ReservedItem:
    """One item of a stock reservation."""

    product: Product = strawberry.field(resolver=resolve_reserved_product)
    quantity: int = strawberry.field(description="Units held.")
    product_key: strawberry.Private[int]
    loaded: strawberry.Private[Product | None] = None

    @classmethod
    def from_record(
        cls, record: StockReservationItemRecord, product: ProductRecord | None = None
    ) -> ReservedItem:
        """Build the GraphQL value from a row, with its product when it was read already."""
        return cls(
            quantity=record.quantity,
            product_key=record.product_id,
            loaded=None if product is None else Product.from_record(product),
        )


async def resolve_reservation_items(
    root: StockReservation, info: SubgraphInfo
) -> list[ReservedItem]:
    """The reservation's items, batched across every reservation of the request."""
    if root.loaded_items is not None:
        return root.loaded_items
    records = await info.context.loader(repository.items_by_reservation_id).load(root.key)
    return [ReservedItem.from_record(record) for record in records]


@strawberry.type(
    description=(
        "Units held for a caller's reference (e.g. an order) until they ship or are released."
    )
)
class StockReservation:
    """A row of ``stock_reservations`` as GraphQL sees it."""

    id: strawberry.ID
    reference: str = strawberry.field(
        description="The caller's reference; one reservation per reference."
    )
    status: ReservationStatus
    items: list[ReservedItem] = strawberry.field(resolver=resolve_reservation_items)
    created_at: datetime
    updated_at: datetime
    key: strawberry.Private[int]
    loaded_items: strawberry.Private[list[ReservedItem] | None] = None

    @classmethod
    def from_record(
        cls,
        record: StockReservationRecord,
        items: list[tuple[StockReservationItemRecord, ProductRecord]] | None = None,
    ) -> StockReservation:
        """Build the GraphQL value from a row, with its items when they were read already."""
        return cls(
            id=format_id(record.id),
            reference=record.reference,
            status=ReservationStatus(record.status),
            created_at=as_utc(record.created_at),
            updated_at=as_utc(record.updated_at),
            key=record.id,
            loaded_items=(
                None
                if items is None
                else [ReservedItem.from_record(item, product) for item, product in items]
            ),
        )
