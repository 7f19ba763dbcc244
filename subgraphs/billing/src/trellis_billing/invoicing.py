"""The billing workflows behind the mutations: issue, pay and void invoices.

Each workflow validates its arguments, calls peers (customers, inventory) *before* its one write
transaction, never inside it, and writes everything it changes in that one transaction. Peer
failures propagate: :class:`~trellis_subgraph.UpstreamUnavailable` naming the peer, or the
peer's own GraphQL error code through :class:`~trellis_subgraph.PeerError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import (
    BadUserInput,
    Conflict,
    NotFound,
    SubgraphServices,
    UpstreamUnavailable,
    format_id,
    merge_line_items,
    parse_id,
    validate_input,
)

from trellis_billing import outbox, repository
from trellis_billing.models import InvoiceRecord, InvoiceStatus, PaymentMethod

__all__ = [
    "CUSTOMER_QUERY",
    "MAX_ITEMS",
    "MAX_QUANTITY",
    "PRICES_QUERY",
    "ItemRequest",
    "create_invoice",
    "format_number",
    "record_payment",
    "void_invoice",
    "void_invoice_by_idempotency_key",
]

MAX_ITEMS = 50
"""Most lines of one invoice (after merging duplicate products)."""

MAX_QUANTITY = 1000
"""Largest quantity of one line."""

CUSTOMER_QUERY = "query ($id: ID!) { customer(id: $id) { id } }"
"""Asked of customers: does the customer exist?"""

PRICES_QUERY = "query ($ids: [ID!]!) { productsByIds(ids: $ids) { id price { amount currency } } }"
"""Asked of inventory: the products' prices now (they are frozen into the invoice)."""


def format_number(value: int) -> str:
    """The invoice number of a counter value: ``INV-0001``, ..., ``INV-12345``.

    Args:
        value: The counter value (1 or more).

    Returns:
        The number text.
    """
    return f"INV-{value:04d}"


def _database_id(value: object) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise ValueError("is not a valid id")
    return parsed


DatabaseId = Annotated[int, BeforeValidator(_database_id)]
"""A GraphQL ID argument that names a database row (a positive integer)."""

IdempotencyKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
"""An idempotency key: trimmed, 1 to 200 characters."""


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """One requested invoice line (``product_id`` is the GraphQL ID as the client wrote it)."""

    product_id: object
    quantity: int


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: DatabaseId
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class _CreateInvoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: DatabaseId
    items: list[_Item] = Field(min_length=1, max_length=MAX_ITEMS)
    idempotency_key: IdempotencyKey | None = None
    order_id: DatabaseId | None = None


class _Ref(BaseModel):
    id: str


class _CustomerLookup(BaseModel):
    customer: _Ref | None


class _Price(BaseModel):
    amount: int = Field(ge=0)
    currency: str


class _ProductPrice(BaseModel):
    id: str
    price: _Price


class _ProductPrices(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    products_by_ids: list[_ProductPrice | None] = Field(alias="productsByIds")


async def _check_customer(services: SubgraphServices, customer_id: int) -> None:
    answer = await services.peers.client("customers").execute(
        CUSTOMER_QUERY, {"id": format_id(customer_id)}, result=_CustomerLookup, idempotent=True
    )
    if answer.customer is None:
        raise NotFound("Customer", customer_id)


async def _price_lines(
    services: SubgraphServices, lines: list[tuple[int, int]]
) -> tuple[str, list[repository.NewItem]]:
    """Ask inventory for the prices now; returns the currency and the priced lines."""
    ids = [format_id(product_id) for product_id, _ in lines]
    answer = await services.peers.client("inventory").execute(
        PRICES_QUERY, {"ids": ids}, result=_ProductPrices, idempotent=True
    )
    products = answer.products_by_ids
    if len(products) != len(lines):
        raise UpstreamUnavailable(
            "inventory", f"it answered {len(products)} products for {len(lines)} ids"
        )
    for (product_id, _), product in zip(lines, products, strict=True):
        if product is None:
            raise NotFound("Product", product_id)
    priced = [product for product in products if product is not None]
    currencies = sorted({product.price.currency for product in priced})
    if len(currencies) > 1:
        raise BadUserInput.field(
            "items",
            "the products are priced in different currencies "
            f"({', '.join(currencies)}); one invoice has one currency",
        )
    items = [
        repository.NewItem(product_id=product_id, quantity=quantity, unit_price=p.price.amount)
        for (product_id, quantity), p in zip(lines, priced, strict=True)
    ]
    return currencies[0], items


async def _existing(services: SubgraphServices, key: str) -> InvoiceRecord | None:
    async with services.database.sessions() as session:
        return await repository.invoice_by_idempotency_key(session, key)


async def create_invoice(
    services: SubgraphServices,
    customer_id: object,
    items: list[ItemRequest],
    idempotency_key: str | None,
    order_id: object | None,
) -> InvoiceRecord:
    """Issue an ``OPEN`` invoice at today's prices, or return the one an idempotency key names.

    Steps: validate; an existing invoice with the idempotency key is returned as it is (no peer
    call); customers confirms the customer; inventory prices the products (duplicates merged);
    one write transaction takes the next number and inserts the invoice and its items. Two
    concurrent creations with one key: the second returns the first's invoice (and gives its
    number back, so numbers have no gaps).

    Args:
        services: The running subgraph's services.
        customer_id: The ``customerId`` argument.
        items: The ``items`` argument (1 to 50 lines, quantities 1 to 1000).
        idempotency_key: Makes retries return the first invoice.
        order_id: The order the invoice bills, if any.

    Returns:
        The invoice's row.

    Raises:
        BadUserInput: Invalid arguments, or products priced in different currencies.
        NotFound: Unknown customer or product.
        UpstreamUnavailable: Customers or inventory could not be reached.
        PeerError: Customers or inventory answered with an error (its code kept).
    """
    args = validate_input(
        _CreateInvoice,
        {
            "customer_id": customer_id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in items],
            "idempotency_key": idempotency_key,
            "order_id": order_id,
        },
        argument="",
    )
    key = args.idempotency_key
    if key is not None and (found := await _existing(services, key)) is not None:
        return found
    lines = merge_line_items(((i.product_id, i.quantity) for i in args.items), MAX_QUANTITY)
    await _check_customer(services, args.customer_id)
    currency, priced = await _price_lines(services, lines)
    invoice = repository.NewInvoice(
        issued_at=datetime.now(UTC),
        customer_id=args.customer_id,
        currency=currency,
        idempotency_key=key,
        order_id=args.order_id,
    )
    try:
        async with services.database.write() as session:
            return await _insert(session, invoice, priced)
    except _AlreadyCreated as created:
        return created.invoice
    except IntegrityError:  # a key inserted around the counter (not by this code): same answer
        if key is None or (winner := await _existing(services, key)) is None:
            raise
        return winner


class _AlreadyCreated(Exception):
    """Rolls the issuing transaction back (giving its number back): the key has an invoice."""

    def __init__(self, invoice: InvoiceRecord) -> None:
        super().__init__(invoice.number)
        self.invoice = invoice


async def _insert(
    session: AsyncSession, invoice: repository.NewInvoice, items: list[repository.NewItem]
) -> InvoiceRecord:
    """Issue the number, then insert; creators queue on the counter row until each commits.

    Taking the number first makes the idempotency check race-free: a concurrent creation with
    the same key commits before this transaction gets the counter, so the check (a new
    statement, READ COMMITTED on PostgreSQL) sees its invoice.
    """
    number = format_number(await repository.issue_invoice_number(session))
    if invoice.idempotency_key is not None:
        found = await repository.invoice_by_idempotency_key(session, invoice.idempotency_key)
        if found is not None:
            session.expunge(found)  # keeps its loaded state through the rollback
            raise _AlreadyCreated(found)
    record = await repository.insert_invoice(session, number, invoice)
    await repository.insert_items(session, record.id, items)
    return record


def _invoice_id(value: object, field: str) -> int:
    try:
        return _database_id(value)
    except ValueError:
        raise BadUserInput.field(field, "is not a valid id") from None


def _not_open(invoice: InvoiceRecord, rule: str) -> Conflict:
    return Conflict(
        f"Invoice {invoice.number} is {invoice.status}: only an OPEN invoice {rule}",
        {"status": invoice.status, "invoiceId": str(invoice.id)},
    )


async def record_payment(
    services: SubgraphServices, invoice_id: object, amount: int, method: PaymentMethod
) -> InvoiceRecord:
    """Record a (partial) payment; the invoice becomes ``PAID`` when the balance reaches 0.

    One write transaction locks the invoice row, so concurrent payments never overpay. When
    the payment settles an invoice that bills an order, the same transaction adds an outbox row;
    after the commit one delivery attempt is made (see :mod:`trellis_billing.outbox`): the
    payment stands whatever the orders subgraph answers.

    Args:
        services: The running subgraph's services.
        invoice_id: The ``invoiceId`` argument.
        amount: Minor units of the invoice's currency, at least 1, at most the balance due.
        method: How it was received.

    Returns:
        The invoice's row after the payment.

    Raises:
        BadUserInput: ``amount`` below 1, or above the balance due (``extensions.balanceDue``
            is then the balance as ``{amount, currency}``); ``invoiceId`` not an id.
        NotFound: Unknown invoice.
        Conflict: The invoice is not ``OPEN`` (``extensions.status``).
    """
    if amount < 1:
        raise BadUserInput.field("amount", "must be at least 1 (minor units)")
    key = _invoice_id(invoice_id, "invoiceId")
    notification: int | None = None
    async with services.database.write() as session:
        invoice = await repository.lock_invoice(session, key)
        if invoice is None:
            raise NotFound("Invoice", key)
        if invoice.status != InvoiceStatus.OPEN.value:
            raise _not_open(invoice, "accepts payments")
        balance = await repository.invoice_total(session, key) - await repository.amount_paid(
            session, key
        )
        if amount > balance:
            raise _overpayment(invoice, balance)
        now = datetime.now(UTC)
        await repository.insert_payment(session, key, amount, method.value, now)
        if amount == balance:
            await repository.mark_paid(session, invoice, now)
            if invoice.order_id is not None:
                notification = await repository.insert_order_notification(
                    session, invoice.order_id, key, now
                )
    if notification is not None and invoice.order_id is not None:
        await outbox.deliver_now(services, notification, invoice.order_id)
    return invoice


def _overpayment(invoice: InvoiceRecord, balance: int) -> BadUserInput:
    error = BadUserInput.field(
        "amount",
        f"exceeds the balance due of invoice {invoice.number} "
        f"({balance} minor units of {invoice.currency})",
    )
    error.details["balanceDue"] = {"amount": balance, "currency": invoice.currency}
    return error


async def _void(session: AsyncSession, invoice: InvoiceRecord) -> InvoiceRecord:
    if invoice.status == InvoiceStatus.VOID.value:
        return invoice
    if invoice.status != InvoiceStatus.OPEN.value:
        raise _not_open(invoice, "can be voided")
    paid = await repository.amount_paid(session, invoice.id)
    if paid > 0:
        details: dict[str, Any] = {"status": invoice.status, "invoiceId": str(invoice.id)}
        details["amountPaid"] = {"amount": paid, "currency": invoice.currency}
        raise Conflict(
            f"Invoice {invoice.number} has payments ({paid} minor units of {invoice.currency}): "
            "an invoice with payments cannot be voided",
            details,
        )
    await repository.mark_void(session, invoice, datetime.now(UTC))
    return invoice


async def void_invoice(services: SubgraphServices, invoice_id: object) -> InvoiceRecord:
    """Void an ``OPEN`` invoice without payments; a ``VOID`` one is returned unchanged.

    Args:
        services: The running subgraph's services.
        invoice_id: The ``invoiceId`` argument.

    Returns:
        The invoice's row, ``VOID``.

    Raises:
        BadUserInput: ``invoiceId`` is not an id.
        NotFound: Unknown invoice.
        Conflict: The invoice is ``PAID`` or has payments (``extensions.status``).
    """
    key = _invoice_id(invoice_id, "invoiceId")
    async with services.database.write() as session:
        invoice = await repository.lock_invoice(session, key)
        if invoice is None:
            raise NotFound("Invoice", key)
        return await _void(session, invoice)


async def void_invoice_by_idempotency_key(
    services: SubgraphServices, idempotency_key: str
) -> InvoiceRecord | None:
    """:func:`void_invoice` on the invoice created with an idempotency key.

    Orders calls it to compensate a failed saga: it works whether or not the invoice was
    created, and repeating it is harmless.

    Args:
        services: The running subgraph's services.
        idempotency_key: The key the invoice was created with.

    Returns:
        The invoice's row, ``VOID``, or None when no invoice has that key.

    Raises:
        BadUserInput: The key is empty.
        Conflict: The invoice is ``PAID`` or has payments (``extensions.status``).
    """
    key = idempotency_key.strip()
    if not key:
        raise BadUserInput.field("idempotencyKey", "must not be empty")
    async with services.database.write() as session:
        invoice = await repository.lock_invoice_by_idempotency_key(session, key)
        if invoice is None:
            return None
        return await _void(session, invoice)
