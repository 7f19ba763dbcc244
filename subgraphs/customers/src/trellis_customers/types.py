"""GraphQL types of the customers subgraph."""

from __future__ import annotations

import strawberry
from trellis_subgraph import SubgraphInfo, format_id, parse_id

from trellis_customers import repository
from trellis_customers.models import CustomerRecord

__all__ = ["Customer"]


@strawberry.federation.type(keys=["id"], description="A customer of the shop.")
class Customer:
    """The ``Customer`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    name: str
    email: str

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        """Build the GraphQL value from a row."""
        return cls(id=format_id(record.id), name=record.name, email=record.email)

    @classmethod
    async def resolve_reference(cls, info: SubgraphInfo, id: strawberry.ID) -> Customer | None:
        """Resolve a ``Customer`` representation through the request's DataLoader.

        Args:
            info: Resolver info (its context holds the loaders).
            id: The representation's key.

        Returns:
            The customer, or None when no customer has that id.
        """
        return await load_customer(info, id)


async def load_customer(info: SubgraphInfo, id: object) -> Customer | None:
    """Load one customer by GraphQL id, batched with every other load of the request.

    Args:
        info: Resolver info.
        id: A GraphQL ID.

    Returns:
        The customer, or None.
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.customers_by_id).load(key)
    return None if record is None else Customer.from_record(record)
