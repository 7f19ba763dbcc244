"""The billing subgraph schema."""

from __future__ import annotations

import strawberry
from trellis_subgraph import SubgraphInfo, federation_schema

from trellis_billing import repository
from trellis_billing.types import Customer, Invoice, load_invoice

__all__ = ["Query", "schema"]


async def resolve_invoices(info: SubgraphInfo) -> list[Invoice]:
    """Every invoice, by id."""
    async with info.context.use_session() as session:
        records = await repository.all_invoices(session)
    return [Invoice.from_record(record) for record in records]


async def resolve_invoice(info: SubgraphInfo, id: strawberry.ID) -> Invoice | None:
    """One invoice by id, or None."""
    return await load_invoice(info, id)


@strawberry.type
class Query:
    """Root fields of the billing subgraph."""

    invoices: list[Invoice] = strawberry.field(
        resolver=resolve_invoices, description="Every invoice, by id."
    )
    invoice: Invoice | None = strawberry.field(
        resolver=resolve_invoice, description="One invoice, or null when unknown."
    )


schema = federation_schema(Query, types=[Customer])
"""The Strawberry federation schema of the billing subgraph."""
