"""Calls to the peer subgraphs the order lifecycle drives: inventory and billing.

Every call here is idempotent by reference or key (a reservation reference, an invoice
idempotency key, an invoice id whose state only moves forward), so all are made with
``idempotent=True``: the kit retries them on any transport failure. Failures surface as the
kit's :class:`~trellis_subgraph.UpstreamUnavailable` (peer unreachable) or
:class:`~trellis_subgraph.PeerError` (the peer answered a GraphQL error; its code is kept).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from trellis_subgraph import Peers, UpstreamUnavailable, format_id, parse_id

from trellis_orders.repository import NewItem

__all__ = [
    "BILLING",
    "INVENTORY",
    "commit_reservation",
    "create_invoice",
    "release_stock",
    "reserve_stock",
    "void_invoice",
    "void_invoice_by_key",
]

INVENTORY = "inventory"
"""Service name of the inventory subgraph."""

BILLING = "billing"
"""Service name of the billing subgraph."""

RESERVE_STOCK = """
mutation ReserveStock($reference: String!, $items: [StockItemInput!]!) {
  reserveStock(reference: $reference, items: $items) { id status }
}
"""
RELEASE_STOCK = """
mutation ReleaseStock($reference: String!) {
  releaseStock(reference: $reference) { id status }
}
"""
COMMIT_RESERVATION = """
mutation CommitReservation($reference: String!) {
  commitReservation(reference: $reference) { id status }
}
"""
CREATE_INVOICE = """
mutation CreateInvoice(
  $customerId: ID!, $items: [InvoiceItemInput!]!, $idempotencyKey: String, $orderId: ID
) {
  createInvoice(
    customerId: $customerId, items: $items, idempotencyKey: $idempotencyKey, orderId: $orderId
  ) { id status }
}
"""
VOID_INVOICE = """
mutation VoidInvoice($invoiceId: ID!) {
  voidInvoice(invoiceId: $invoiceId) { id status }
}
"""
VOID_INVOICE_BY_KEY = """
mutation VoidInvoiceByKey($idempotencyKey: String!) {
  voidInvoiceByIdempotencyKey(idempotencyKey: $idempotencyKey) { id status }
}
"""


class _Answer(BaseModel):
    """What orders reads back from a peer's mutation: the entity's id and status."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: str


class _Reserved(BaseModel):
    reserve_stock: _Answer = Field(alias="reserveStock")


class _Released(BaseModel):
    release_stock: _Answer | None = Field(alias="releaseStock")


class _Committed(BaseModel):
    commit_reservation: _Answer = Field(alias="commitReservation")


class _Invoiced(BaseModel):
    create_invoice: _Answer = Field(alias="createInvoice")


class _Voided(BaseModel):
    void_invoice: _Answer = Field(alias="voidInvoice")


class _VoidedByKey(BaseModel):
    void_invoice: _Answer | None = Field(alias="voidInvoiceByIdempotencyKey")


def _items(items: Sequence[NewItem]) -> list[dict[str, object]]:
    return [{"productId": format_id(i.product_id), "quantity": i.quantity} for i in items]


async def reserve_stock(peers: Peers, reference: str, items: Sequence[NewItem]) -> None:
    """Hold stock for an order in inventory (``reserveStock``).

    Args:
        peers: The subgraph's peer clients.
        reference: The order's saga reference (the reservation's reference).
        items: The order's lines.

    Raises:
        PeerError: If inventory refused (``OUT_OF_STOCK`` with ``items``, ``NOT_FOUND``, ...).
        UpstreamUnavailable: If inventory could not be reached.
    """
    await peers.client(INVENTORY).execute(
        RESERVE_STOCK,
        {"reference": reference, "items": _items(items)},
        result=_Reserved,
        idempotent=True,
    )


async def release_stock(peers: Peers, reference: str) -> None:
    """Give back the stock held under a reference (``releaseStock``; harmless when none is).

    Args:
        peers: The subgraph's peer clients.
        reference: The order's saga reference.

    Raises:
        PeerError: If inventory refused.
        UpstreamUnavailable: If inventory could not be reached.
    """
    await peers.client(INVENTORY).execute(
        RELEASE_STOCK, {"reference": reference}, result=_Released, idempotent=True
    )


async def commit_reservation(peers: Peers, reference: str) -> None:
    """Turn an order's reservation into a stock decrement (``commitReservation``).

    Args:
        peers: The subgraph's peer clients.
        reference: The order's saga reference.

    Raises:
        PeerError: If inventory refused (e.g. no such reservation).
        UpstreamUnavailable: If inventory could not be reached.
    """
    await peers.client(INVENTORY).execute(
        COMMIT_RESERVATION, {"reference": reference}, result=_Committed, idempotent=True
    )


async def create_invoice(
    peers: Peers, customer_id: int, items: Sequence[NewItem], reference: str, order_id: int
) -> int:
    """Bill an order (``createInvoice``); billing checks the customer and freezes the prices.

    Args:
        peers: The subgraph's peer clients.
        customer_id: The order's customer.
        items: The order's lines.
        reference: The order's saga reference (the invoice's idempotency key).
        order_id: The order's id, recorded on the invoice.

    Returns:
        The invoice's id.

    Raises:
        PeerError: If billing refused (``NOT_FOUND`` customer, ``BAD_USER_INPUT``, ...).
        UpstreamUnavailable: If billing could not be reached, or answered an id that is not one.
    """
    data = await peers.client(BILLING).execute(
        CREATE_INVOICE,
        {
            "customerId": format_id(customer_id),
            "items": _items(items),
            "idempotencyKey": reference,
            "orderId": format_id(order_id),
        },
        result=_Invoiced,
        idempotent=True,
    )
    invoice_id = parse_id(data.create_invoice.id)
    if invoice_id is None:
        raise UpstreamUnavailable(BILLING, f"it answered invoice id {data.create_invoice.id!r}")
    return invoice_id


async def void_invoice(peers: Peers, invoice_id: int) -> None:
    """Void an order's invoice (``voidInvoice``; already VOID is fine).

    Args:
        peers: The subgraph's peer clients.
        invoice_id: The invoice's id.

    Raises:
        PeerError: If billing refused (``CONFLICT`` when the invoice is paid).
        UpstreamUnavailable: If billing could not be reached.
    """
    await peers.client(BILLING).execute(
        VOID_INVOICE, {"invoiceId": format_id(invoice_id)}, result=_Voided, idempotent=True
    )


async def void_invoice_by_key(peers: Peers, reference: str) -> None:
    """Void the invoice created under an idempotency key, if any
    (``voidInvoiceByIdempotencyKey``; harmless when billing never created it).

    Args:
        peers: The subgraph's peer clients.
        reference: The order's saga reference (the invoice's idempotency key).

    Raises:
        PeerError: If billing refused.
        UpstreamUnavailable: If billing could not be reached.
    """
    await peers.client(BILLING).execute(
        VOID_INVOICE_BY_KEY, {"idempotencyKey": reference}, result=_VoidedByKey, idempotent=True
    )
