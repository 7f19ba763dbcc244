"""The billing subgraph schema: invoices, payments and ``Customer.invoices``."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from trellis_subgraph import (
    STAFF_OR_OWNER,
    BadUserInput,
    BatchLoad,
    Connection,
    Forbidden,
    SubgraphInfo,
    federation_schema,
    page_request,
    parse_id,
    scope,
)

from trellis_billing import invoicing, repository
from trellis_billing.models import InvoiceRecord, InvoiceStatus, PaymentMethod
from trellis_billing.types import Customer, Invoice, Product, load_invoice

__all__ = ["InvoiceItemInput", "Mutation", "Query", "schema"]

_BATCHES: tuple[BatchLoad[Any, Any], ...] = (
    repository.invoices_by_id,
    repository.invoices_by_customer,
    repository.items_by_invoice_id,
    repository.payments_by_invoice_id,
)


async def resolve_invoices(
    info: SubgraphInfo,
    first: Annotated[int | None, strawberry.argument(description="Page size, 1 to 100.")] = 20,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor of the last invoice already seen.")
    ] = strawberry.UNSET,
    status: Annotated[
        InvoiceStatus | None, strawberry.argument(description="Only invoices in this status.")
    ] = strawberry.UNSET,
    customer_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this customer's invoices.")
    ] = strawberry.UNSET,
) -> Connection[Invoice]:
    """A page of invoices by id, optionally of one status and/or one customer.

    A customer's request (:meth:`SubgraphContext.owner`) lists that customer's invoices only.

    Spec: GraphQL Cursor Connections Specification (``first`` / ``after``).

    Raises:
        BadUserInput: If ``first`` is outside 1..100, ``after`` is not a cursor or
            ``customerId`` is not an id.
        Forbidden: If a customer's request names another customer.
    """
    request = page_request(first, after if isinstance(after, str) else None)
    customer = None
    if isinstance(customer_id, str):
        customer = parse_id(customer_id)
        if customer is None:
            raise BadUserInput.field("customerId", "is not a valid id")
    owner = info.context.owner()
    if owner is not None:
        if customer is not None and customer != owner:
            raise Forbidden("a customer lists its own invoices only")
        customer = owner
    filters = repository.InvoiceFilter(
        status=status if isinstance(status, InvoiceStatus) else None, customer_id=customer
    )
    async with info.context.use_session() as session:
        rows = await repository.invoice_page(session, request, filters)
        total = await repository.count_invoices(session, filters)
    return Connection[Invoice].build(
        request, rows, row_id=lambda row: row.id, node=Invoice.from_record, total_count=total
    )


async def resolve_invoice(info: SubgraphInfo, id: strawberry.ID) -> Invoice | None:
    """One invoice by id, or None when unknown (or another customer's, for a customer).

    Raises:
        BadUserInput: If ``id`` is not an invoice id.
    """
    if parse_id(id) is None:
        raise BadUserInput.field("id", "is not a valid id")
    return await load_invoice(info, id)


@strawberry.type
class Query:
    """Root fields of the billing subgraph."""

    invoices: Connection[Invoice] = strawberry.federation.field(
        resolver=resolve_invoices,
        policy=STAFF_OR_OWNER,
        description=(
            "Invoices by id, a page at a time; `status` and `customerId` narrow the list."
        ),
    )
    invoice: Invoice | None = strawberry.federation.field(
        resolver=resolve_invoice,
        policy=STAFF_OR_OWNER,
        description="One invoice, or null when unknown.",
    )


@strawberry.input(description="One line of a new invoice; the price is inventory's, now.")
class InvoiceItemInput:
    """One requested invoice line."""

    product_id: strawberry.ID
    quantity: int = strawberry.field(description="Units, 1 to 1000.")


async def _after_write(info: SubgraphInfo, record: InvoiceRecord) -> Invoice:
    """Make the request's later reads see the commit, and build the returned invoice.

    The request's read session may hold a snapshot older than the write (SQLite WAL keeps one
    per read transaction) and its loaders may hold rows loaded before it: end the one and empty
    the others. Rows already handed out stay readable (detached, not expired).
    """
    async with info.context.use_session() as session:
        session.expunge_all()
        await session.rollback()
    for batch in _BATCHES:
        info.context.loader(batch).clear_all()
    return Invoice.from_record(record)


async def resolve_create_invoice(
    info: SubgraphInfo,
    customer_id: strawberry.ID,
    items: Annotated[
        list[InvoiceItemInput],
        strawberry.argument(description="1 to 50 lines; repeated products are summed."),
    ],
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description="The caller's key, 1 to 200 characters: a repeat returns the first invoice."
        ),
    ] = strawberry.UNSET,
    order_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="The order this invoice bills.")
    ] = strawberry.UNSET,
) -> Invoice:
    """Issue an invoice at inventory's current prices (see :func:`invoicing.create_invoice`)."""
    record = await invoicing.create_invoice(
        info.context.services,
        customer_id,
        [invoicing.ItemRequest(item.product_id, item.quantity) for item in items],
        idempotency_key if isinstance(idempotency_key, str) else None,
        order_id if isinstance(order_id, str) else None,
    )
    return await _after_write(info, record)


async def resolve_record_payment(
    info: SubgraphInfo,
    invoice_id: strawberry.ID,
    amount: Annotated[
        int,
        strawberry.argument(
            description="Minor units of the invoice's currency, 1 up to the balance due."
        ),
    ],
    method: PaymentMethod,
) -> Invoice:
    """Record a payment (see :func:`invoicing.record_payment`)."""
    record = await invoicing.record_payment(info.context.services, invoice_id, amount, method)
    return await _after_write(info, record)


async def resolve_void_invoice(info: SubgraphInfo, invoice_id: strawberry.ID) -> Invoice:
    """Void an invoice (see :func:`invoicing.void_invoice`)."""
    record = await invoicing.void_invoice(info.context.services, invoice_id)
    return await _after_write(info, record)


async def resolve_void_invoice_by_idempotency_key(
    info: SubgraphInfo, idempotency_key: str
) -> Invoice | None:
    """Void the invoice created with a key (:func:`invoicing.void_invoice_by_idempotency_key`)."""
    record = await invoicing.void_invoice_by_idempotency_key(info.context.services, idempotency_key)
    return None if record is None else await _after_write(info, record)


@strawberry.type
class Mutation:
    """Mutations of the billing subgraph."""

    create_invoice: Invoice = strawberry.federation.field(
        requires_scopes=scope("billing:write"),
        resolver=resolve_create_invoice,
        description=(
            "Issue an OPEN invoice, unit prices frozen at inventory's current prices. A repeated "
            "`idempotencyKey` returns the invoice it created; `orderId` links the order it bills."
        ),
    )
    record_payment: Invoice = strawberry.federation.field(
        requires_scopes=scope("billing:write"),
        resolver=resolve_record_payment,
        description=(
            "Record a payment of `amount` minor units (at most the balance due) against an OPEN "
            "invoice; the invoice becomes PAID when nothing is left to pay."
        ),
    )
    void_invoice: Invoice = strawberry.federation.field(
        requires_scopes=scope("billing:write"),
        resolver=resolve_void_invoice,
        description="Void an OPEN invoice without payments; a VOID invoice is returned as is.",
    )
    void_invoice_by_idempotency_key: Invoice | None = strawberry.federation.field(
        requires_scopes=scope("billing:write"),
        resolver=resolve_void_invoice_by_idempotency_key,
        description=(
            "Void the invoice created with this idempotency key; null when there is none."
        ),
    )


schema = federation_schema(Query, types=[Customer, Product], mutation=Mutation)
"""The Strawberry federation schema of the billing subgraph."""
