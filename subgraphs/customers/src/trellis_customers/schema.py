"""The customers subgraph schema."""

from __future__ import annotations

import strawberry
from trellis_subgraph import SubgraphInfo, federation_schema

from trellis_customers import repository
from trellis_customers.types import Customer, load_customer

__all__ = ["Query", "schema"]


async def resolve_customers(info: SubgraphInfo) -> list[Customer]:
    """Every customer, by id."""
    async with info.context.use_session() as session:
        records = await repository.all_customers(session)
    return [Customer.from_record(record) for record in records]


async def resolve_customer(info: SubgraphInfo, id: strawberry.ID) -> Customer | None:
    """One customer by id, or None."""
    return await load_customer(info, id)


@strawberry.type
class Query:
    """Root fields of the customers subgraph."""

    customers: list[Customer] = strawberry.field(
        resolver=resolve_customers, description="Every customer, by id."
    )
    customer: Customer | None = strawberry.field(
        resolver=resolve_customer, description="One customer, or null when unknown."
    )


schema = federation_schema(Query)
"""The Strawberry federation schema of the customers subgraph."""
