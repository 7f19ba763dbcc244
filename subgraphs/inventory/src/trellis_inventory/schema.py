"""The inventory subgraph schema."""

from __future__ import annotations

import strawberry
from trellis_subgraph import SubgraphInfo, federation_schema

from trellis_inventory import repository
from trellis_inventory.types import Product, load_product

__all__ = ["Query", "schema"]


async def resolve_products(info: SubgraphInfo) -> list[Product]:
    """Every product, by id."""
    async with info.context.use_session() as session:
        records = await repository.all_products(session)
    return [Product.from_record(record) for record in records]


async def resolve_product(info: SubgraphInfo, id: strawberry.ID) -> Product | None:
    """One product by id, or None."""
    return await load_product(info, id)


@strawberry.type
class Query:
    """Root fields of the inventory subgraph."""

    products: list[Product] = strawberry.field(
        resolver=resolve_products, description="Every product, by id."
    )
    product: Product | None = strawberry.field(
        resolver=resolve_product, description="One product, or null when unknown."
    )


schema = federation_schema(Query)
"""The Strawberry federation schema of the inventory subgraph."""
