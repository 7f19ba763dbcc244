"""GraphQL types of the billing subgraph.

Billing owns ``Invoice`` (with its items and payments); it contributes ``Customer.invoices`` to
the customers subgraph's entity and refers to ``Product`` by key only (``resolvable: false``).
Every nested list is loaded through the request's DataLoaders: one SQL query per batch.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from trellis_subgraph import Money, SubgraphInfo, as_utc, as_utc_or_none, format_id, parse_id

from trellis_billing import repository
from trellis_billing.models import (
    InvoiceItemRecord,
    InvoiceRecord,
    InvoiceStatus,
    PaymentMethod,
    PaymentRecord,
)

__all__ = [
    "Customer",
    "Invoice",
    "InvoiceItem",
    "InvoiceStatus",
    "Payment",
    "PaymentMethod",
    "Product",
    "load_invoice",
]

strawberry.enum(
    InvoiceStatus,
    description="Lifecycle of an invoice: OPEN until paid in full (PAID) or cancelled (VOID).",
)
strawberry.enum(PaymentMethod, description="How a payment was received.")


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


@strawberry.type(description="Money received against an invoice.")
class Payment:
    """A payment; ``amount`` is in the invoice's currency."""

    id: strawberry.ID
    amount: Money = strawberry.field(description="Amount received, in minor units.")
    method: PaymentMethod
    received_at: datetime = strawberry.field(description="When the payment was received.")

    @classmethod
    def from_record(cls, record: PaymentRecord, currency: str) -> Payment:
        """Build the GraphQL value from a row (amount in minor units of ``currency``)."""
        return cls(
            id=format_id(record.id),
            amount=Money(amount=record.amount, currency=currency),
            method=PaymentMethod(record.method),
            received_at=as_utc(record.received_at),
        )


async def _total(root: Invoice, info: SubgraphInfo) -> int:
    records = await info.context.loader(repository.items_by_invoice_id).load(root.key)
    return sum(record.unit_price * record.quantity for record in records)


async def _paid(root: Invoice, info: SubgraphInfo) -> int:
    records = await info.context.loader(repository.payments_by_invoice_id).load(root.key)
    return sum(record.amount for record in records)


async def resolve_invoice_customer(root: Invoice) -> Customer:
    """The invoice's customer, as a reference the router completes from customers."""
    return Customer(id=format_id(root.customer_id))


async def resolve_invoice_items(root: Invoice, info: SubgraphInfo) -> list[InvoiceItem]:
    """The invoice's items, batched across every invoice of the request."""
    records = await info.context.loader(repository.items_by_invoice_id).load(root.key)
    return [InvoiceItem.from_record(record, root.currency) for record in records]


async def resolve_invoice_total(root: Invoice, info: SubgraphInfo) -> Money:
    """The sum of the line totals, in minor units."""
    return Money(amount=await _total(root, info), currency=root.currency)


async def resolve_invoice_payments(root: Invoice, info: SubgraphInfo) -> list[Payment]:
    """The invoice's payments, oldest first, batched across every invoice of the request."""
    records = await info.context.loader(repository.payments_by_invoice_id).load(root.key)
    return [Payment.from_record(record, root.currency) for record in records]


async def resolve_invoice_amount_paid(root: Invoice, info: SubgraphInfo) -> Money:
    """The sum of the payments, in minor units."""
    return Money(amount=await _paid(root, info), currency=root.currency)


async def resolve_invoice_balance_due(root: Invoice, info: SubgraphInfo) -> Money:
    """Total minus payments (0 once paid; a void invoice owes nothing)."""
    if root.status is InvoiceStatus.VOID:
        return Money(amount=0, currency=root.currency)
    total, paid = await asyncio.gather(_total(root, info), _paid(root, info))
    return Money(amount=max(total - paid, 0), currency=root.currency)


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
    status: InvoiceStatus
    payments: list[Payment] = strawberry.field(
        resolver=resolve_invoice_payments, description="Payments received, oldest first."
    )
    amount_paid: Money = strawberry.field(
        resolver=resolve_invoice_amount_paid, description="Sum of the payments."
    )
    balance_due: Money = strawberry.field(
        resolver=resolve_invoice_balance_due,
        description="What is still owed: total minus payments; zero when PAID or VOID.",
    )
    paid_at: datetime | None = strawberry.field(
        description="When the last payment settled the invoice; null unless PAID."
    )
    voided_at: datetime | None = strawberry.field(
        description="When the invoice was voided; null unless VOID."
    )

    @classmethod
    def from_record(cls, record: InvoiceRecord) -> Invoice:
        """Build the GraphQL value from a row (times as timezone-aware UTC)."""
        return cls(
            id=format_id(record.id),
            number=record.number,
            issued_at=as_utc(record.issued_at),
            key=record.id,
            customer_id=record.customer_id,
            currency=record.currency,
            status=InvoiceStatus(record.status),
            paid_at=as_utc_or_none(record.paid_at),
            voided_at=as_utc_or_none(record.voided_at),
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


async def resolve_customer_invoices(
    root: Customer,
    info: SubgraphInfo,
    status: Annotated[
        InvoiceStatus | None, strawberry.argument(description="Only invoices in this status.")
    ] = strawberry.UNSET,
) -> list[Invoice]:
    """The customer's invoices (of one status if asked), batched across the request's customers.

    A customer's request (:meth:`SubgraphContext.owner`) sees none of another customer's.
    """
    customer_id = parse_id(root.id)
    if customer_id is None:
        return []
    owner = info.context.owner()
    if owner is not None and owner != customer_id:
        return []
    wanted = status if isinstance(status, InvoiceStatus) else None
    records = await info.context.loader(repository.invoices_by_customer).load((customer_id, wanted))
    return [Invoice.from_record(record) for record in records]


@strawberry.federation.type(keys=["id"])
class Customer:
    """The ``Customer`` entity; billing contributes its ``invoices``.

    No GraphQL description on the type: the owning subgraph's description is the one that
    composes.

    Spec: Apollo Federation 2, entities contributed to by several subgraphs.
    """

    id: strawberry.ID
    invoices: list[Invoice] = strawberry.field(
        resolver=resolve_customer_invoices,
        description="The customer's invoices, by id.",
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
        The invoice, or None (also when a customer's request asks for another customer's).
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.invoices_by_id).load(key)
    if record is None:
        return None
    owner = info.context.owner()
    if owner is not None and owner != record.customer_id:
        return None
    return Invoice.from_record(record)
