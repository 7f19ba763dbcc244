"""GraphQL types of the inventory subgraph."""

from __future__ import annotations

import strawberry
from trellis_subgraph import Money, SubgraphInfo, format_id, parse_id

from trellis_inventory import repository
from trellis_inventory.models import ProductRecord

__all__ = ["Product", "load_product"]


@strawberry.federation.type(keys=["id"], description="A product in the catalogue.")
class Product:
    """The ``Product`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    sku: str
    name: str
    price: Money = strawberry.field(description="Current unit price.")
    stock: int = strawberry.field(description="Units on hand.")

    @classmethod
    def from_record(cls, record: ProductRecord) -> Product:
        """Build the GraphQL value from a row."""
        return cls(
            id=format_id(record.id),
            sku=record.sku,
            name=record.name,
            price=Money(amount=record.price, currency=record.currency),
            stock=record.stock,
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
