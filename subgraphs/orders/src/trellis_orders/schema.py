"""The orders subgraph schema."""

from __future__ import annotations

import strawberry
from trellis_subgraph import (
    STAFF_OR_OWNER,
    BadUserInput,
    Connection,
    Forbidden,
    SubgraphInfo,
    federation_schema,
    page_request,
    parse_id,
    scope,
)

from trellis_orders import lifecycle, repository, saga
from trellis_orders.types import (
    Customer,
    Order,
    OrderItemInput,
    OrderStatus,
    load_order,
)

__all__ = ["Mutation", "Query", "schema"]


def _order_id(value: object, argument: str = "id") -> int:
    key = parse_id(value)
    if key is None:
        raise BadUserInput.field(argument, "is not a valid ID")
    return key


async def resolve_orders(
    info: SubgraphInfo,
    first: int | None = 20,
    after: str | None = None,
    status: OrderStatus | None = None,
    customer_id: strawberry.ID | None = None,
) -> Connection[Order]:
    """A page of orders by id; PENDING orders only when ``status: PENDING`` asks for them.

    A customer's request (:meth:`SubgraphContext.owner`) lists that customer's orders only.

    Raises:
        BadUserInput: If the page or ``customerId`` is invalid.
        Forbidden: If a customer's request names another customer.
    """
    request = page_request(first, after)
    customer = None if customer_id is None else _order_id(customer_id, "customerId")
    owner = info.context.owner()
    if owner is not None:
        if customer is not None and customer != owner:
            raise Forbidden("a customer lists its own orders only")
        customer = owner
    wanted = None if status is None else status.name
    async with info.context.use_session() as session:
        rows = await repository.order_page(session, request, wanted, customer)
        total = await repository.count_orders(session, wanted, customer)
    return Connection[Order].build(
        request, rows, row_id=lambda row: row.id, node=Order.from_record, total_count=total
    )


async def resolve_order(info: SubgraphInfo, id: strawberry.ID) -> Order | None:
    """One order by id, or None (also another customer's, for a customer's request)."""
    return await load_order(info, id)


@strawberry.type
class Query:
    """Root fields of the orders subgraph."""

    orders: Connection[Order] = strawberry.federation.field(
        resolver=resolve_orders,
        policy=STAFF_OR_OWNER,
        description=(
            "Orders by id. PENDING orders (still being placed) are left out unless `status` "
            "is PENDING; `customerId` keeps one customer's orders."
        ),
    )
    order: Order | None = strawberry.federation.field(
        resolver=resolve_order,
        policy=STAFF_OR_OWNER,
        description="One order, or null when unknown.",
    )


async def resolve_place_order(
    info: SubgraphInfo,
    customer_id: strawberry.ID,
    items: list[OrderItemInput],
    idempotency_key: str,
) -> Order:
    """Place an order: reserve its stock, issue its invoice, confirm it (see ``saga``)."""
    placement = saga.validate_placement(
        customer_id, [(item.product_id, item.quantity) for item in items], idempotency_key
    )
    record = await saga.place_order(info.context.services, placement)
    return Order.from_record(record)


async def resolve_mark_order_paid(info: SubgraphInfo, id: strawberry.ID) -> Order:
    """CONFIRMED → PAID (idempotent)."""
    return Order.from_record(await lifecycle.mark_order_paid(info.context.services, _order_id(id)))


async def resolve_ship_order(info: SubgraphInfo, id: strawberry.ID) -> Order:
    """PAID → SHIPPED, committing the stock reservation."""
    return Order.from_record(await lifecycle.ship_order(info.context.services, _order_id(id)))


async def resolve_deliver_order(info: SubgraphInfo, id: strawberry.ID) -> Order:
    """SHIPPED → DELIVERED."""
    return Order.from_record(await lifecycle.deliver_order(info.context.services, _order_id(id)))


async def resolve_cancel_order(info: SubgraphInfo, id: strawberry.ID) -> Order:
    """CONFIRMED → CANCELLED, voiding the invoice and releasing the stock."""
    return Order.from_record(await lifecycle.cancel_order(info.context.services, _order_id(id)))


@strawberry.type
class Mutation:
    """Mutations of the orders subgraph."""

    place_order: Order = strawberry.federation.field(
        requires_scopes=scope("orders:write"),
        resolver=resolve_place_order,
        description=(
            "Place an order: reserve its stock, issue its invoice, return it CONFIRMED. "
            "A retry with the same `idempotencyKey` returns the first result unchanged."
        ),
    )
    mark_order_paid: Order = strawberry.federation.field(
        requires_scopes=scope("orders:write"),
        resolver=resolve_mark_order_paid,
        description=(
            "CONFIRMED → PAID; called by billing when the order's invoice becomes PAID. "
            "An order already paid (or further along) is returned unchanged."
        ),
    )
    ship_order: Order = strawberry.federation.field(
        requires_scopes=scope("orders:write"),
        resolver=resolve_ship_order,
        description="PAID → SHIPPED; the reserved stock leaves inventory.",
    )
    deliver_order: Order = strawberry.federation.field(
        requires_scopes=scope("orders:write"),
        resolver=resolve_deliver_order,
        description="SHIPPED → DELIVERED.",
    )
    cancel_order: Order = strawberry.federation.field(
        requires_scopes=scope("orders:write"),
        resolver=resolve_cancel_order,
        description=(
            "CONFIRMED → CANCELLED: voids the invoice and releases the stock. "
            "A cancelled order is returned unchanged."
        ),
    )


schema = federation_schema(Query, types=[Customer, Order], mutation=Mutation)
"""The Strawberry federation schema of the orders subgraph."""
