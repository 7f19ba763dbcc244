"""The order notification outbox: telling the orders subgraph that an order's invoice is paid.

The transaction that makes an invoice with an ``order_id`` ``PAID`` also inserts an
``order_notifications`` row (transactional outbox), so the notification can never be lost nor
sent for a payment that rolled back. After the commit, ``recordPayment`` tries to deliver it at
once (one attempt, so a slow or absent orders subgraph does not hold the payment up); whatever
is still pending is delivered by :func:`deliver_order_notifications`, a background loop, oldest
first, every ``outbox_interval_seconds``. Delivery is at least once: ``markOrderPaid`` is
idempotent on the orders side, so a repeated delivery is harmless. The call goes to the orders
subgraph's own ``/graphql`` (see :mod:`trellis_subgraph.peers`), never through the router.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from trellis_subgraph import PeerClient, SubgraphServices, format_id

from trellis_billing import repository
from trellis_billing.settings import BillingSettings

__all__ = [
    "MARK_ORDER_PAID",
    "ORDERS_SERVICE",
    "deliver_notification",
    "deliver_now",
    "deliver_order_notifications",
    "deliver_pending",
]

logger = logging.getLogger(__name__)

ORDERS_SERVICE = "orders"
"""Service name of the orders subgraph."""

MARK_ORDER_PAID = "mutation ($id: ID!) { markOrderPaid(id: $id) { id status } }"
"""The notification: orders moves the order to ``PAID`` (idempotent on its side)."""


class _MarkedOrder(BaseModel):
    id: str
    status: str


class _MarkOrderPaid(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    mark_order_paid: _MarkedOrder = Field(alias="markOrderPaid")


async def deliver_notification(
    services: SubgraphServices, client: PeerClient, notification_id: int, order_id: int
) -> bool:
    """Deliver one outbox row: call ``markOrderPaid``, then record the outcome.

    Args:
        services: The running subgraph's services.
        client: The orders client to call with.
        notification_id: The outbox row.
        order_id: Its order.

    Returns:
        True if orders accepted it (the row is now delivered), False if it stays pending
        (``attempts`` and ``last_error`` updated).
    """
    try:
        await client.execute(
            MARK_ORDER_PAID,
            {"id": format_id(order_id)},
            result=_MarkOrderPaid,
            idempotent=True,
        )
    except Exception as error:  # any failure leaves the row pending for the next pass
        logger.warning("order notification %s (order %s): %s", notification_id, order_id, error)
        async with services.database.write() as session:
            await repository.mark_notification_failed(
                session, notification_id, f"{type(error).__name__}: {error}"
            )
        return False
    async with services.database.write() as session:
        await repository.mark_notification_delivered(session, notification_id, datetime.now(UTC))
    return True


async def deliver_now(services: SubgraphServices, notification_id: int, order_id: int) -> bool:
    """Try once to deliver a row just committed; never raises (the loop retries).

    Args:
        services: The running subgraph's services.
        notification_id: The outbox row.
        order_id: Its order.

    Returns:
        True if delivered.
    """
    peers = services.peers
    once = PeerClient(
        ORDERS_SERVICE, peers.directory, peers.http, dataclasses.replace(peers.policy, attempts=1)
    )
    try:
        return await deliver_notification(services, once, notification_id, order_id)
    except Exception:
        logger.exception("order notification %s: recording the attempt failed", notification_id)
        return False


async def deliver_pending(services: SubgraphServices, limit: int = 100) -> int:
    """Deliver pending outbox rows, oldest first, one at a time.

    Args:
        services: The running subgraph's services.
        limit: Most rows to try in this pass.

    Returns:
        How many were delivered.
    """
    async with services.database.sessions() as session:
        pending = [
            (row.id, row.order_id) for row in await repository.pending_notifications(session, limit)
        ]
    client = services.peers.client(ORDERS_SERVICE)
    delivered = 0
    for notification_id, order_id in pending:
        if await deliver_notification(services, client, notification_id, order_id):
            delivered += 1
    return delivered


async def deliver_order_notifications(services: SubgraphServices) -> None:
    """Background loop: deliver pending order notifications every ``outbox_interval_seconds``.

    The first pass comes one interval after start. Runs until cancelled (at shutdown); a failing
    pass is logged and the loop goes on.

    Args:
        services: The running subgraph's services.
    """
    while True:
        settings = services.settings  # read each pass: the config server may change it
        if not isinstance(settings, BillingSettings):
            settings = BillingSettings.model_construct()
        await asyncio.sleep(settings.outbox_interval_seconds)
        try:
            await deliver_pending(services, settings.outbox_batch_size)
        except Exception:
            logger.exception("delivering order notifications failed")
