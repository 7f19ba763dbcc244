"""GraphQL types of the billing subgraph.

Billing owns ``Invoice``; it contributes ``Customer.invoices`` to the customers subgraph's
entity and refers to ``Product`` by key only (``resolvable: false``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from trellis_subgraph import Money, SubgraphInfo, format_id, parse_id

from trellis_billing import repository
from trellis_billing.models import InvoiceItemRecord, InvoiceRecord

__all__ = ["Customer", "Invoice", "InvoiceItem", "Product", "load_invoice"]


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Product:
    """A reference to inventory's ``Product`` entity; billing only knows its key.

    No GraphQL description: the owning subgraph's description is the one that composes.

    Spec: Apollo Federation 2, ``@key(resolvable: false)``.
    """

    id: strawberry.ID


@strawberry.type(description="One line of an invoice.")
class InvoiceItem:
    """One line of an invoice; the unit price was frozen when the invoice was issued."""

    product: Product
    quantity: int
    unit_price: Money = strawberry.field(description="Unit price frozen at billing time.")
    line_total: Money = strawberry.field(description="Quantity times unit price.")

    @classmethod
    def from_record(cls, record: InvoiceItemRecord, currency: str) -> InvoiceItem:
        """Build the GraphQL value from a row (amounts in minor units of ``currency``)."""
        return cls(
            product=Product(id=format_id(record.product_id)),
            quantity=record.quantity,
            unit_price=Money(amount=record.unit_price, currency=currency),
            line_total=Money(amount=record.unit_price * record.quantity, currency=currency),
        )


async def resolve_invoice_customer(root: Invoice) -> Customer:
    """The invoice's customer, as a reference the router completes from customers."""
    return Customer(id=format_id(root.customer_id))


async def resolve_invoice_items(root: Invoice, info: SubgraphInfo) -> list[InvoiceItem]:
    """The invoice's items, batched across every invoice of the request."""
    records = await info.context.loader(repository.items_by_invoice_id).load(root.key)
    return [InvoiceItem.from_record(record, root.currency) for record in records]


async def resolve_invoice_total(root: Invoice, info: SubgraphInfo) -> Money:
    """The sum of the line totals, in minor units."""
    records = await info.context.loader(repository.items_by_invoice_id).load(root.key)
    amount = sum(record.unit_price * record.quantity for record in records)
    return Money(amount=amount, currency=root.currency)


@strawberry.federation.type(keys=["id"], description="An invoice issued to a customer.")
class Invoice:
    """The ``Invoice`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    number: str = strawberry.field(description="Invoice number, e.g. INV-0001.")
    issued_at: datetime
    key: strawberry.Private[int]
    customer_id: strawberry.Private[int]
    currency: strawberry.Private[str]
    customer: Customer = strawberry.field(resolver=resolve_invoice_customer)
    items: list[InvoiceItem] = strawberry.field(resolver=resolve_invoice_items)
    total: Money = strawberry.field(
        resolver=resolve_invoice_total, description="Sum of the line totals."
    )

    @classmethod
    def from_record(cls, record: InvoiceRecord) -> Invoice:
        """Build the GraphQL value from a row (SQLite returns naive times; they are UTC)."""
        issued_at = record.issued_at
        if issued_at.tzinfo is None:
            issued_at = issued_at.replace(tzinfo=UTC)
        return cls(
            id=format_id(record.id),
            number=record.number,
            issued_at=issued_at,
            key=record.id,
            customer_id=record.customer_id,
            currency=record.currency,
        )

    @classmethod
    async def resolve_reference(cls, info: SubgraphInfo, id: strawberry.ID) -> Invoice | None:
        """Resolve an ``Invoice`` representation through the request's DataLoader.

        Args:
            info: Resolver info (its context holds the loaders).
            id: The representation's key.

        Returns:
            The invoice, or None when no invoice has that id.
        """
        return await load_invoice(info, id)


async def resolve_customer_invoices(root: Customer, info: SubgraphInfo) -> list[Invoice]:
    """The customer's invoices, batched across every customer of the request."""
    key = parse_id(root.id)
    if key is None:
        return []
    records = await info.context.loader(repository.invoices_by_customer_id).load(key)
    return [Invoice.from_record(record) for record in records]


@strawberry.federation.type(keys=["id"])
class Customer:
    """The ``Customer`` entity; billing contributes its ``invoices``.

    No GraphQL description: the owning subgraph's description is the one that composes.

    Spec: Apollo Federation 2, entities contributed to by several subgraphs.
    """

    id: strawberry.ID
    invoices: list[Invoice] = strawberry.field(
        resolver=resolve_customer_invoices, description="The customer's invoices, by id."
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        """Resolve a ``Customer`` representation: the key is all billing needs (no SQL).

        Args:
            id: The representation's key.

        Returns:
            The reference.
        """
        return cls(id=id)


async def load_invoice(info: SubgraphInfo, id: object) -> Invoice | None:
    """Load one invoice by GraphQL id, batched with every other load of the request.

    Args:
        info: Resolver info.
        id: A GraphQL ID.

    Returns:
        The invoice, or None.
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.invoices_by_id).load(key)
    return None if record is None else Invoice.from_record(record)
