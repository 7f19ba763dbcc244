"""GraphQL types of the orders subgraph.

Orders owns ``Order``; it contributes ``Customer.orders`` to the customers subgraph's entity and
refers to ``Product`` and ``Invoice`` by key only (``resolvable: false``).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from trellis_subgraph import SubgraphInfo, as_utc, as_utc_or_none, format_id, parse_id

from trellis_orders import repository
from trellis_orders.models import OrderItemRecord, OrderRecord

__all__ = [
    "Customer",
    "Invoice",
    "Order",
    "OrderItem",
    "OrderItemInput",
    "OrderStatus",
    "Product",
    "load_order",
]


@strawberry.enum(description="Where an order is in its lifecycle.")
class OrderStatus(Enum):
    """Order lifecycle: PENDING → CONFIRMED → PAID → SHIPPED → DELIVERED; CONFIRMED → CANCELLED."""

    PENDING = strawberry.enum_value(
        "PENDING", description="Being placed: stock and invoice are not both settled yet."
    )
    CONFIRMED = strawberry.enum_value(
        "CONFIRMED", description="Stock reserved and invoice issued; awaiting payment."
    )
    PAID = strawberry.enum_value("PAID", description="The invoice is paid; ready to ship.")
    SHIPPED = strawberry.enum_value("SHIPPED", description="Handed to the carrier.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="Received by the customer.")
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="Cancelled before payment: stock released, invoice void."
    )


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Product:
    """A reference to inventory's ``Product`` entity; orders only knows its key.

    No GraphQL description: the owning subgraph's description is the one that composes.

    Spec: Apollo Federation 2, ``@key(resolvable: false)``.
    """

    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Invoice:
    """A reference to billing's ``Invoice`` entity; orders only knows its key.

    No GraphQL description: the owning subgraph's description is the one that composes.

    Spec: Apollo Federation 2, ``@key(resolvable: false)``.
    """

    id: strawberry.ID


@strawberry.type(description="One line of an order: a product and how many units of it.")
class OrderItem:
    """One line of an order."""

    product: Product
    quantity: int = strawberry.field(description="Units ordered (1 to 1000).")

    @classmethod
    def from_record(cls, record: OrderItemRecord) -> OrderItem:
        """Build the GraphQL value from a row."""
        return cls(product=Product(id=format_id(record.product_id)), quantity=record.quantity)


@strawberry.input(description="One line of an order to place.")
class OrderItemInput:
    """One requested line; duplicates of a product are merged by summing their quantities."""

    product_id: strawberry.ID
    quantity: int = strawberry.field(description="Units wanted (1 to 1000).")


async def resolve_order_customer(root: Order) -> Customer:
    """The order's customer, as a reference the router completes from customers."""
    return Customer(id=format_id(root.customer_id))


async def resolve_order_items(root: Order, info: SubgraphInfo) -> list[OrderItem]:
    """The order's items, batched across every order of the request."""
    records = await info.context.loader(repository.items_by_order_id).load(root.key)
    return [OrderItem.from_record(record) for record in records]


async def resolve_order_invoice(root: Order) -> Invoice | None:
    """The order's invoice as a reference billing completes; null while PENDING."""
    return None if root.invoice_key is None else Invoice(id=format_id(root.invoice_key))


@strawberry.federation.type(keys=["id"], description="A customer's order and its lifecycle.")
class Order:
    """The ``Order`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    number: str = strawberry.field(description="Order number, e.g. ORD-000001.")
    customer: Customer = strawberry.field(
        resolver=resolve_order_customer, description="The customer who placed the order."
    )
    items: list[OrderItem] = strawberry.field(
        resolver=resolve_order_items, description="The order's lines, duplicates merged."
    )
    status: OrderStatus
    invoice: Invoice | None = strawberry.field(
        resolver=resolve_order_invoice,
        description="The order's invoice; null while the order is PENDING.",
    )
    placed_at: datetime = strawberry.field(description="When the order was placed.")
    updated_at: datetime = strawberry.field(description="When the order last changed.")
    confirmed_at: datetime | None = strawberry.field(
        description="When stock was reserved and the invoice issued."
    )
    paid_at: datetime | None = strawberry.field(description="When the invoice was paid.")
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    key: strawberry.Private[int]
    customer_id: strawberry.Private[int]
    invoice_key: strawberry.Private[int | None]

    @classmethod
    def from_record(cls, record: OrderRecord) -> Order:
        """Build the GraphQL value from a row (SQLite returns naive times; they are UTC)."""
        return cls(
            id=format_id(record.id),
            number=record.number,
            status=OrderStatus[record.status],
            placed_at=as_utc(record.placed_at),
            updated_at=as_utc(record.updated_at),
            confirmed_at=as_utc_or_none(record.confirmed_at),
            paid_at=as_utc_or_none(record.paid_at),
            shipped_at=as_utc_or_none(record.shipped_at),
            delivered_at=as_utc_or_none(record.delivered_at),
            cancelled_at=as_utc_or_none(record.cancelled_at),
            key=record.id,
            customer_id=record.customer_id,
            invoice_key=record.invoice_id,
        )

    @classmethod
    async def resolve_reference(cls, info: SubgraphInfo, id: strawberry.ID) -> Order | None:
        """Resolve an ``Order`` representation through the request's DataLoader.

        Args:
            info: Resolver info (its context holds the loaders).
            id: The representation's key.

        Returns:
            The order, or None when no order has that id.
        """
        return await load_order(info, id)


async def resolve_customer_orders(
    root: Customer, info: SubgraphInfo, status: OrderStatus | None = None
) -> list[Order]:
    """The customer's purchase history, batched across every customer of the request.

    A customer's request (:meth:`SubgraphContext.owner`) sees none of another customer's.
    """
    key = parse_id(root.id)
    if key is None:
        return []
    owner = info.context.owner()
    if owner is not None and owner != key:
        return []
    records = await info.context.loader(repository.orders_by_customer).load(
        (key, None if status is None else status.name)
    )
    return [Order.from_record(record) for record in records]


@strawberry.federation.type(keys=["id"])
class Customer:
    """The ``Customer`` entity; orders contributes its ``orders``.

    No GraphQL description: the owning subgraph's description is the one that composes.

    Spec: Apollo Federation 2, entities contributed to by several subgraphs.
    """

    id: strawberry.ID
    orders: list[Order] = strawberry.field(
        resolver=resolve_customer_orders,
        description=(
            "The customer's purchase history, newest first; PENDING orders are left out. "
            "`status` keeps only the orders in that status."
        ),
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        """Resolve a ``Customer`` representation: the key is all orders needs (no SQL).

        Args:
            id: The representation's key.

        Returns:
            The reference.
        """
        return cls(id=id)


async def load_order(info: SubgraphInfo, id: object) -> Order | None:
    """Load one order by GraphQL id, batched with every other load of the request.

    Args:
        info: Resolver info.
        id: A GraphQL ID.

    Returns:
        The order, or None (also when a customer's request asks for another customer's).
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.orders_by_id).load(key)
    if record is None:
        return None
    owner = info.context.owner()
    if owner is not None and owner != record.customer_id:
        return None
    return Order.from_record(record)
