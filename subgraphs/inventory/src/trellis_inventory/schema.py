"""The inventory subgraph schema: the product catalogue, stock levels and stock reservations.

Reservations are how orders hold stock: ``reserveStock`` (idempotent per reference, all items
or none), then ``commitReservation`` when the order ships or ``releaseStock`` when it is
cancelled. Every mutation writes in one transaction; see :mod:`trellis_inventory.operations`.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, TypeVar

import strawberry
from trellis_subgraph import (
    BadUserInput,
    Connection,
    FieldError,
    SubgraphInfo,
    federation_schema,
    format_id,
    page_request,
    parse_id,
    scope,
    validate_input,
)

from trellis_inventory import operations, repository
from trellis_inventory.inputs import (
    NewProduct,
    ProductChanges,
    ReservationRequest,
    StockAdjustment,
)
from trellis_inventory.operations import ReservationView
from trellis_inventory.types import Product, StockReservation, load_product

__all__ = [
    "MAX_IDS",
    "MAX_LOW_STOCK",
    "CreateProductInput",
    "MoneyInput",
    "Mutation",
    "Query",
    "StockItemInput",
    "UpdateProductInput",
    "schema",
]

T = TypeVar("T")

MAX_IDS = 1000
"""Most ids ``productsByIds`` takes at once."""

MAX_LOW_STOCK = 100
"""Largest ``first`` of ``lowStockProducts``."""


def _key(value: object, field: str) -> int:
    """A database id from a GraphQL ID argument, or BAD_USER_INPUT on ``field``."""
    key = parse_id(value)
    if key is None:
        raise BadUserInput.field(field, "is not a valid id")
    return key


def _given(value: T | None) -> T | None:
    """An optional argument's value, None when the client left it out (UNSET)."""
    return None if value is strawberry.UNSET else value


def _reservation(view: ReservationView) -> StockReservation:
    return StockReservation.from_record(view.record, list(view.items))


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input(description="An amount of money in minor units.")
class MoneyInput:
    """``MoneyInput``: integer minor units and an ISO 4217 code, never a float."""

    amount: int = strawberry.field(description="Amount in minor units (cents for USD), >= 0.")
    currency: str = strawberry.field(description="ISO 4217 code: 3 uppercase letters.")


@strawberry.input(description="A new product.")
class CreateProductInput:
    """``CreateProductInput``."""

    sku: str = strawberry.field(description="1 to 64 letters, digits, '-' or '_'; unique.")
    name: str = strawberry.field(description="1 to 200 characters.")
    description: str | None = strawberry.UNSET
    price: MoneyInput
    stock: int | None = strawberry.field(default=0, description="Initial units on hand, >= 0.")


@strawberry.input(description="Changes to a product; a field left out stays as it is.")
class UpdateProductInput:
    """``UpdateProductInput``: UNSET means unchanged; null clears ``description``."""

    sku: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="null clears the description."
    )
    price: MoneyInput | None = strawberry.UNSET


@strawberry.input(description="Units of one product.")
class StockItemInput:
    """``StockItemInput``."""

    product_id: strawberry.ID
    quantity: int = strawberry.field(description="1 to 1000 units.")


# --- queries --------------------------------------------------------------------------------


async def resolve_products(
    info: SubgraphInfo,
    first: Annotated[int | None, strawberry.argument(description="Page size, 1 to 100.")] = 20,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor of the last product seen.")
    ] = strawberry.UNSET,
    search: Annotated[
        str | None,
        strawberry.argument(description="Sku or name contains this text (case-insensitive)."),
    ] = strawberry.UNSET,
    in_stock: Annotated[
        bool | None,
        strawberry.argument(description="true: units available; false: none available."),
    ] = strawberry.UNSET,
) -> Connection[Product]:
    """A page of products by id."""
    after, search, in_stock = _given(after), _given(search), _given(in_stock)
    request = page_request(first, after)
    text = search.strip() if search else None
    async with info.context.use_session() as session:
        rows = await repository.product_page(session, request, search=text, in_stock=in_stock)
        total = await repository.count_products(session, search=text, in_stock=in_stock)
    return Connection[Product].build(
        request, rows, row_id=lambda row: row.id, node=Product.from_record, total_count=total
    )


async def resolve_product(info: SubgraphInfo, id: strawberry.ID) -> Product | None:
    """One product by id, or None."""
    return await load_product(info, _key(id, "id"))


async def resolve_products_by_ids(
    info: SubgraphInfo, ids: list[strawberry.ID]
) -> list[Product | None]:
    """The products with these ids, in order, None for unknown ids: one SQL query.

    Raises:
        BadUserInput: If an id does not parse (``ids.<index>``) or there are too many.
    """
    if len(ids) > MAX_IDS:
        raise BadUserInput.field("ids", f"must have at most {MAX_IDS} entries")
    keys: list[int] = []
    invalid: list[FieldError] = []
    for index, value in enumerate(ids):
        key = parse_id(value)
        if key is None:
            invalid.append(FieldError(f"ids.{index}", "is not a valid id"))
        else:
            keys.append(key)
    if invalid:
        raise BadUserInput("Invalid input: some ids are not valid ids", invalid)
    records = await info.context.loader(repository.products_by_id).load_many(keys)
    return [None if record is None else Product.from_record(record) for record in records]


async def resolve_low_stock_products(
    info: SubgraphInfo,
    threshold: Annotated[
        int, strawberry.argument(description="Largest number of available units kept, >= 0.")
    ] = 10,
    first: Annotated[
        int | None, strawberry.argument(description="Products wanted, 1 to 100.")
    ] = 50,
) -> list[Product]:
    """Products with at most ``threshold`` units available.

    Raises:
        BadUserInput: If ``threshold`` is negative or ``first`` outside 1..100.
    """
    limit = 50 if first is None else first
    if threshold < 0:
        raise BadUserInput.field("threshold", "must be at least 0")
    if not 0 < limit <= MAX_LOW_STOCK:
        raise BadUserInput.field("first", f"must be between 1 and {MAX_LOW_STOCK}")
    async with info.context.use_session() as session:
        rows = await repository.low_stock_products(session, threshold, limit)
    return [Product.from_record(row) for row in rows]


async def resolve_reservation(info: SubgraphInfo, reference: str) -> StockReservation | None:
    """The reservation with this reference, or None."""
    async with info.context.use_session() as session:
        record = await repository.reservation_by_reference(session, reference.strip())
    return None if record is None else StockReservation.from_record(record)


@strawberry.type
class Query:
    """Root fields of the inventory subgraph."""

    products: Connection[Product] = strawberry.field(
        resolver=resolve_products,
        description="Products by id, a page at a time, optionally filtered.",
    )
    product: Product | None = strawberry.field(
        resolver=resolve_product, description="One product, or null when unknown."
    )
    products_by_ids: list[Product | None] = strawberry.field(
        resolver=resolve_products_by_ids,
        description="One entry per id, in order; null for an unknown id.",
    )
    low_stock_products: list[Product] = strawberry.field(
        resolver=resolve_low_stock_products,
        description="Products with few units available, fewest first, then by id.",
    )
    reservation: StockReservation | None = strawberry.federation.field(
        requires_scopes=scope("inventory:read"),
        resolver=resolve_reservation,
        description="The reservation with this reference, or null.",
    )


# --- mutations ------------------------------------------------------------------------------


async def resolve_create_product(info: SubgraphInfo, input: CreateProductInput) -> Product:
    """Create a product; an initial stock above 0 is recorded as an "initial stock" movement.

    Raises:
        BadUserInput: If a field is invalid.
        Conflict: If the sku is taken.
    """
    data = dataclasses.asdict(input)
    data["description"] = _given(data["description"])
    new = validate_input(NewProduct, data)
    record = await operations.create_product(info.context.services.database, new)
    return Product.from_record(record)


async def resolve_update_product(
    info: SubgraphInfo, id: strawberry.ID, input: UpdateProductInput
) -> Product:
    """Change a product's sku, name, description or price.

    Raises:
        BadUserInput: If a field is invalid, or ``sku``, ``name`` or ``price`` is null.
        NotFound: If no product has that id.
        Conflict: If the new sku belongs to another product.
    """
    key = _key(id, "id")
    given: dict[str, Any] = {}
    for field in ("sku", "name", "description", "price"):
        value = getattr(input, field)
        if value is strawberry.UNSET:
            continue
        given[field] = dataclasses.asdict(value) if isinstance(value, MoneyInput) else value
    changes = validate_input(ProductChanges, given)
    record = await operations.update_product(
        info.context.services.database, key, changes, set(given)
    )
    return Product.from_record(record)


async def resolve_delete_product(info: SubgraphInfo, id: strawberry.ID) -> strawberry.ID:
    """Delete a product with its movements; refused while a HELD reservation includes it.

    Raises:
        NotFound: If no product has that id.
        Conflict: If units of it are reserved.
    """
    key = _key(id, "id")
    await operations.delete_product(info.context.services.database, key)
    return format_id(key)


async def resolve_adjust_stock(
    info: SubgraphInfo,
    product_id: strawberry.ID,
    delta: Annotated[
        int, strawberry.argument(description="Units to add (negative to remove), not 0.")
    ],
    reason: Annotated[str, strawberry.argument(description="Why, 1 to 200 characters.")],
) -> Product:
    """Change a product's stock, recording a movement.

    Raises:
        BadUserInput: If an argument is invalid.
        NotFound: If no product has that id.
        Conflict: If the stock would fall below the reserved units.
    """
    adjustment = validate_input(
        StockAdjustment, {"product_id": product_id, "delta": delta, "reason": reason}, argument=""
    )
    record = await operations.adjust_stock(info.context.services.database, adjustment)
    return Product.from_record(record)


async def resolve_reserve_stock(
    info: SubgraphInfo,
    reference: Annotated[
        str,
        strawberry.argument(
            description="The caller's idempotency key, 1 to 200 characters (e.g. a saga id)."
        ),
    ],
    items: Annotated[
        list[StockItemInput],
        strawberry.argument(description="1 to 50 items; repeated products are summed."),
    ],
) -> StockReservation:
    """Hold units of every item, all or nothing; a repeated reference returns its reservation.

    Raises:
        BadUserInput: If an argument is invalid.
        NotFound: If an item names an unknown product.
        OutOfStock: Listing every item short of stock.
    """
    request = validate_input(
        ReservationRequest,
        {
            "reference": reference,
            "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in items],
        },
        argument="",
    )
    view = await operations.reserve_stock(info.context.services.database, request)
    return _reservation(view)


async def resolve_release_stock(info: SubgraphInfo, reference: str) -> StockReservation | None:
    """Give back the units of a HELD reservation; null when no reservation has the reference.

    Raises:
        Conflict: If the reservation is COMMITTED.
    """
    view = await operations.release_reservation(info.context.services.database, reference.strip())
    return None if view is None else _reservation(view)


async def resolve_commit_reservation(info: SubgraphInfo, reference: str) -> StockReservation:
    """Take the units of a HELD reservation out of stock (the order shipped).

    Raises:
        NotFound: If no reservation has the reference.
        Conflict: If the reservation is RELEASED.
    """
    view = await operations.commit_reservation(info.context.services.database, reference.strip())
    return _reservation(view)


@strawberry.type
class Mutation:
    """Mutations of the inventory subgraph; each writes in one transaction."""

    create_product: Product = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_create_product,
        description="Add a product to the catalogue.",
    )
    update_product: Product = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_update_product,
        description="Change a product; fields left out of the input stay as they are.",
    )
    delete_product: strawberry.ID = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_delete_product,
        description=(
            "Delete a product and its stock movements; CONFLICT while a HELD reservation "
            "includes it. Returns the deleted id."
        ),
    )
    adjust_stock: Product = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_adjust_stock,
        description=(
            "Add or remove units on hand (a delivery, a stock count); CONFLICT when fewer "
            "units than are reserved would remain."
        ),
    )
    reserve_stock: StockReservation = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_reserve_stock,
        description=(
            "Hold units for a reference, all items or none (OUT_OF_STOCK lists the short "
            "ones). Idempotent: a known reference returns its reservation unchanged."
        ),
    )
    release_stock: StockReservation | None = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_release_stock,
        description=(
            "Give back the units of a HELD reservation (RELEASED is returned unchanged; "
            "CONFLICT when COMMITTED); null when the reference is unknown."
        ),
    )
    commit_reservation: StockReservation = strawberry.federation.field(
        requires_scopes=scope("inventory:write"),
        resolver=resolve_commit_reservation,
        description=(
            "Take the units of a HELD reservation out of stock when its order ships "
            "(COMMITTED is returned unchanged; CONFLICT when RELEASED)."
        ),
    )


schema = federation_schema(Query, mutation=Mutation)
"""The Strawberry federation schema of the inventory subgraph."""
