"""Order lifecycle after placement: pay, ship, deliver, cancel.

PENDING → CONFIRMED → PAID → SHIPPED → DELIVERED; CONFIRMED → CANCELLED. Every move is a
conditional ``UPDATE orders SET status = :to ... WHERE id = :id AND status = :from``; when it
changes no row the order is read again and the answer depends on where it is now, so concurrent
calls are safe. Peer calls (commit the reservation, void the invoice, release the stock) come
before the local update and are idempotent, so a failed step leaves the order where it was and
a retry completes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from trellis_subgraph import Conflict, NotFound, SubgraphServices

from trellis_orders import peers, repository
from trellis_orders.models import OrderRecord

__all__ = ["cancel_order", "deliver_order", "mark_order_paid", "ship_order"]

CONFIRMED = "CONFIRMED"
PAID = "PAID"
SHIPPED = "SHIPPED"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"


def _forbidden(record: OrderRecord, required: str, verb: str) -> Conflict:
    return Conflict(
        f"Order {record.number} is {record.status}; only {required} orders can be {verb}",
        {"status": record.status, "orderId": str(record.id)},
    )


async def _current(services: SubgraphServices, order_id: int) -> OrderRecord:
    async with services.database.sessions() as session:
        record = await repository.get_order(session, order_id)
    if record is None:
        raise NotFound("Order", order_id)
    return record


async def _move(
    services: SubgraphServices, order_id: int, from_status: str, to_status: str, stamp: str
) -> tuple[bool, OrderRecord]:
    async with services.database.write() as session:
        moved = await repository.transition(
            session,
            order_id,
            from_status=from_status,
            to_status=to_status,
            stamp=stamp,
            now=datetime.now(UTC),
        )
        record = await repository.get_order(session, order_id)
    if record is None:
        raise NotFound("Order", order_id)
    return moved, record


async def mark_order_paid(services: SubgraphServices, order_id: int) -> OrderRecord:
    """CONFIRMED → PAID; an order already PAID, SHIPPED or DELIVERED is returned unchanged.

    Billing calls it when the order's invoice becomes PAID, possibly more than once.

    Args:
        services: The running subgraph's services.
        order_id: The order's id.

    Returns:
        The order.

    Raises:
        NotFound: If no order has that id.
        Conflict: If the order is PENDING or CANCELLED (``extensions.status``).
    """
    moved, record = await _move(services, order_id, CONFIRMED, PAID, "paid_at")
    if moved or record.status in (PAID, SHIPPED, DELIVERED):
        return record
    raise _forbidden(record, CONFIRMED, "marked paid")


async def ship_order(services: SubgraphServices, order_id: int) -> OrderRecord:
    """PAID → SHIPPED: commit the order's stock reservation in inventory, then move.

    Args:
        services: The running subgraph's services.
        order_id: The order's id.

    Returns:
        The SHIPPED order.

    Raises:
        NotFound: If no order has that id.
        Conflict: If the order is not PAID (``extensions.status``).
        UpstreamUnavailable: If inventory could not be reached (the order stays PAID).
        PeerError: If inventory refused to commit the reservation (the order stays PAID).
    """
    record = await _current(services, order_id)
    if record.status != PAID:
        raise _forbidden(record, PAID, "shipped")
    await peers.commit_reservation(services.peers, record.saga_reference)
    moved, record = await _move(services, order_id, PAID, SHIPPED, "shipped_at")
    if not moved:
        raise _forbidden(record, PAID, "shipped")
    return record


async def deliver_order(services: SubgraphServices, order_id: int) -> OrderRecord:
    """SHIPPED → DELIVERED.

    Args:
        services: The running subgraph's services.
        order_id: The order's id.

    Returns:
        The DELIVERED order.

    Raises:
        NotFound: If no order has that id.
        Conflict: If the order is not SHIPPED (``extensions.status``).
    """
    moved, record = await _move(services, order_id, SHIPPED, DELIVERED, "delivered_at")
    if not moved:
        raise _forbidden(record, SHIPPED, "delivered")
    return record


async def cancel_order(services: SubgraphServices, order_id: int) -> OrderRecord:
    """CONFIRMED → CANCELLED: void the invoice, release the stock, then move.

    A CANCELLED order is returned unchanged. When a step fails the order stays CONFIRMED and a
    retry completes the cancellation (each step is idempotent).

    Args:
        services: The running subgraph's services.
        order_id: The order's id.

    Returns:
        The CANCELLED order.

    Raises:
        NotFound: If no order has that id.
        Conflict: If the order is PENDING, PAID, SHIPPED or DELIVERED (``extensions.status``).
        PeerError: If billing refused to void the invoice (``CONFLICT`` once it is paid) or
            inventory refused to release the stock.
        UpstreamUnavailable: If billing or inventory could not be reached.
    """
    record = await _current(services, order_id)
    if record.status == CANCELLED:
        return record
    if record.status != CONFIRMED:
        raise _forbidden(record, CONFIRMED, "cancelled")
    if record.invoice_id is not None:
        await peers.void_invoice(services.peers, record.invoice_id)
    await peers.release_stock(services.peers, record.saga_reference)
    moved, record = await _move(services, order_id, CONFIRMED, CANCELLED, "cancelled_at")
    if moved or record.status == CANCELLED:
        return record
    raise _forbidden(record, CONFIRMED, "cancelled")
