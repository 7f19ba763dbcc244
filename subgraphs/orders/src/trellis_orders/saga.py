"""``placeOrder`` as a saga with compensation, and the loop that recovers abandoned sagas.

Invariant: no reserved stock without an order, no order without its invoice.

1. **Claim** (one write transaction): the idempotency key names at most one order. A finished
   order is returned unchanged; a PENDING order under a live lease is being placed by someone
   else (CONFLICT); a PENDING order whose lease expired is taken over and rolled back first.
   Otherwise a PENDING order is inserted with a fresh ``saga_reference`` and a lease.
2. **Reserve** stock in inventory under the saga reference.
3. **Invoice** in billing, keyed by the saga reference and naming the order.
4. **Confirm** (one write transaction): invoice id, CONFIRMED, lease cleared.

When step 2 or 3 fails, the saga is **rolled back**: billing voids the invoice created under
the key, inventory releases the stock held under the reference (both harmless when nothing was
created), then the PENDING order is deleted. If a compensating call fails too, the order stays
PENDING with an expired lease and :func:`recover_pending_orders` finishes the rollback later.

Leases double as ownership tokens: every write to a PENDING order is conditional on the lease
value its owner wrote, so a retried ``placeOrder``, the recovery loop and a slow saga never act on
the same order at once. Peers are never called inside a write transaction.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from trellis_subgraph import (
    Conflict,
    PeerError,
    SubgraphError,
    SubgraphServices,
    UpstreamUnavailable,
    as_utc,
    merge_line_items,
    parse_id,
    validate_input,
)

from trellis_orders import peers, repository
from trellis_orders.models import PENDING, OrderItemRecord, OrderRecord
from trellis_orders.repository import NewItem
from trellis_orders.settings import OrdersSettings

__all__ = [
    "MAX_ITEMS",
    "MAX_KEY_LENGTH",
    "MAX_QUANTITY",
    "Placement",
    "place_order",
    "recover_expired_orders",
    "recover_pending_orders",
    "validate_placement",
]

logger = logging.getLogger(__name__)

MAX_ITEMS = 50
"""Most lines an order may have (before duplicates are merged)."""

MAX_QUANTITY = 1000
"""Most units of one product an order may ask for."""

MAX_KEY_LENGTH = 200
"""Longest idempotency key, in characters."""

CLAIM_ATTEMPTS = 5
"""Claim rounds before giving up (a round ends early on a unique-key race or a take-over)."""

RECOVERY_BATCH = 100
"""PENDING orders looked at per recovery round."""


def _now() -> datetime:
    return datetime.now(UTC)


def _settings(services: SubgraphServices) -> OrdersSettings:
    settings = services.settings
    return settings if isinstance(settings, OrdersSettings) else OrdersSettings()


# --- input ----------------------------------------------------------------------------------


def _id(value: object) -> int:
    parsed = parse_id(value)
    if parsed is None or parsed < 1:
        raise ValueError("is not a valid ID")
    return parsed


class _ItemArgs(BaseModel):
    product_id: Annotated[int, BeforeValidator(_id)]
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class _PlaceOrderArgs(BaseModel):
    customer_id: Annotated[int, BeforeValidator(_id)]
    items: list[_ItemArgs] = Field(min_length=1, max_length=MAX_ITEMS)
    idempotency_key: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_KEY_LENGTH)
    ]


@dataclass(frozen=True, slots=True)
class Placement:
    """Validated ``placeOrder`` arguments.

    Attributes:
        customer_id: The customer's id.
        items: The lines, duplicates merged (first occurrence keeps its place).
        idempotency_key: The client's key, trimmed.
    """

    customer_id: int
    items: tuple[NewItem, ...]
    idempotency_key: str

    def same_as(self, record: OrderRecord, items: Sequence[OrderItemRecord]) -> bool:
        """Whether an existing order was placed with these arguments (line order ignored).

        Args:
            record: The order.
            items: Its items.

        Returns:
            True when the customer and the quantity of every product are the same.
        """
        theirs = {item.product_id: item.quantity for item in items}
        mine = {item.product_id: item.quantity for item in self.items}
        return record.customer_id == self.customer_id and theirs == mine


def validate_placement(
    customer_id: object, items: Sequence[tuple[object, int]], idempotency_key: str
) -> Placement:
    """Validate ``placeOrder`` arguments and merge duplicate products.

    Args:
        customer_id: The ``customerId`` argument.
        items: ``(productId, quantity)`` per ``items`` entry.
        idempotency_key: The ``idempotencyKey`` argument.

    Returns:
        The placement.

    Raises:
        BadUserInput: With one entry per invalid field (``customerId``,
            ``items.0.productId``, ``items.2.quantity``, ``idempotencyKey``), including a
            product whose merged quantity exceeds :data:`MAX_QUANTITY`.
    """
    args = validate_input(
        _PlaceOrderArgs,
        {
            "customer_id": customer_id,
            "items": [{"product_id": p, "quantity": q} for p, q in items],
            "idempotency_key": idempotency_key,
        },
        argument="",
    )
    merged = merge_line_items(((i.product_id, i.quantity) for i in args.items), MAX_QUANTITY)
    return Placement(
        customer_id=args.customer_id,
        items=tuple(NewItem(product_id=p, quantity=q) for p, q in merged),
        idempotency_key=args.idempotency_key,
    )


# --- claim ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Owned:
    """A PENDING order this caller holds the lease of."""

    order_id: int
    reference: str
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class _Finished:
    """The idempotency key's order is past PENDING: the first call's result."""

    record: OrderRecord


@dataclass(frozen=True, slots=True)
class _Stale:
    """An abandoned PENDING order under the key, now owned by this caller for rollback."""

    owned: _Owned


def _still_placing(record: OrderRecord) -> Conflict:
    return Conflict(
        f"Order {record.number} is still being placed; retry later",
        {"status": record.status, "idempotencyKey": record.idempotency_key},
    )


async def _claim(
    services: SubgraphServices, placement: Placement, lease_seconds: float
) -> _Owned | _Finished | _Stale:
    now = _now()
    lease_until = now + timedelta(seconds=lease_seconds)
    async with services.database.write() as session:
        existing = await repository.find_by_idempotency_key(session, placement.idempotency_key)
        if existing is not None and existing.status != PENDING:
            items = await repository.items_of(session, existing.id)
            if not placement.same_as(existing, items):
                raise Conflict(
                    "idempotency key reused with different arguments: order "
                    f"{existing.number} was placed with it",
                    {"status": existing.status, "idempotencyKey": placement.idempotency_key},
                )
            return _Finished(existing)
        if existing is not None:
            lease = existing.lease_until
            if lease is not None and as_utc(lease) > now:
                raise _still_placing(existing)
            if not await repository.claim_expired(session, existing.id, now, lease_until):
                raise _still_placing(existing)
            return _Stale(_Owned(existing.id, existing.saga_reference, lease_until))
        number = await repository.next_order_number(session)
        reference = uuid.uuid4().hex
        record = await repository.insert_pending(
            session,
            number=f"ORD-{number:06d}",
            customer_id=placement.customer_id,
            items=placement.items,
            idempotency_key=placement.idempotency_key,
            saga_reference=reference,
            lease_until=lease_until,
            now=now,
        )
        return _Owned(record.id, reference, lease_until)


# --- rollback -----------------------------------------------------------------------------------


async def _compensate(services: SubgraphServices, reference: str) -> None:
    """ROLLBACK's peer half: void the invoice made under the key, release the stock held."""
    await peers.void_invoice_by_key(services.peers, reference)
    await peers.release_stock(services.peers, reference)


async def _roll_back(services: SubgraphServices, owned: _Owned) -> SubgraphError | None:
    """Roll an owned PENDING order back and delete it; on failure, expire its lease.

    Returns:
        None when the order is gone; the peer failure that stopped the rollback otherwise (the
        order then stays PENDING with an expired lease, for the recovery loop or a retry).
    """
    try:
        await _compensate(services, owned.reference)
    except (PeerError, UpstreamUnavailable) as error:
        logger.warning(
            "rollback of order %s (saga %s) failed, left for recovery: %s",
            owned.order_id,
            owned.reference,
            error.message,
        )
        async with services.database.write() as session:
            await repository.expire_lease(session, owned.order_id, owned.lease_until, _now())
        return error
    async with services.database.write() as session:
        await repository.delete_pending(session, owned.order_id, owned.lease_until)
    return None


# --- placeOrder ---------------------------------------------------------------------------------


async def _own_order(
    services: SubgraphServices, placement: Placement, lease_seconds: float
) -> _Owned | _Finished:
    for _ in range(CLAIM_ATTEMPTS):
        try:
            claimed = await _claim(services, placement, lease_seconds)
        except IntegrityError:
            # Another call inserted an order under the same key meanwhile (PostgreSQL; SQLite
            # serialises writers): look again in a new transaction.
            continue
        if not isinstance(claimed, _Stale):
            return claimed
        failure = await _roll_back(services, claimed.owned)
        if failure is not None:
            raise failure
    raise Conflict(
        "order is still being placed; retry later",
        {"status": PENDING, "idempotencyKey": placement.idempotency_key},
    )


async def place_order(services: SubgraphServices, placement: Placement) -> OrderRecord:
    """Run the ``placeOrder`` saga.

    Args:
        services: The running subgraph's services.
        placement: The validated arguments.

    Returns:
        The CONFIRMED order, or the order the idempotency key already finished (unchanged).

    Raises:
        Conflict: If the key was used with other arguments, or its order is still being placed.
        PeerError: If inventory or billing refused (``OUT_OF_STOCK``, ``NOT_FOUND``, ...); the
            saga was rolled back.
        UpstreamUnavailable: If a peer could not be reached; the saga was rolled back, or is
            left to the recovery loop when a compensating call failed too.
    """
    lease_seconds = _settings(services).saga_lease_seconds
    owned = await _own_order(services, placement, lease_seconds)
    if isinstance(owned, _Finished):
        return owned.record
    try:
        await peers.reserve_stock(services.peers, owned.reference, placement.items)
        invoice_id = await peers.create_invoice(
            services.peers, placement.customer_id, placement.items, owned.reference, owned.order_id
        )
    except (PeerError, UpstreamUnavailable):
        await _roll_back(services, owned)
        raise
    async with services.database.write() as session:
        confirmed = await repository.confirm_pending(
            session, owned.order_id, owned.lease_until, invoice_id, _now()
        )
        record = await repository.get_order(session, owned.order_id)
    if not confirmed or record is None:
        # The lease ran out while the peers answered and the recovery loop took the order over
        # (it is rolling it back); a retry with the same key starts afresh once it is done.
        raise Conflict(
            "order placement outlived its lease and is being rolled back; retry later",
            {"status": PENDING, "idempotencyKey": placement.idempotency_key},
        )
    return record


# --- recovery -----------------------------------------------------------------------------------


async def recover_expired_orders(services: SubgraphServices) -> int:
    """One recovery round: roll back every PENDING order whose lease expired.

    Each order is claimed with a conditional update of its lease first, so a retried
    ``placeOrder`` (or another instance's loop) never rolls back the same order concurrently.

    Args:
        services: The running subgraph's services.

    Returns:
        How many orders were rolled back and deleted; the others wait for the next round.
    """
    lease_seconds = _settings(services).saga_lease_seconds
    async with services.database.sessions() as session:
        abandoned = await repository.expired_pending(session, _now(), RECOVERY_BATCH)
    recovered = 0
    for record in abandoned:
        now = _now()
        lease_until = now + timedelta(seconds=lease_seconds)
        async with services.database.write() as session:
            claimed = await repository.claim_expired(session, record.id, now, lease_until)
        if not claimed:
            continue
        owned = _Owned(record.id, record.saga_reference, lease_until)
        if await _roll_back(services, owned) is None:
            recovered += 1
            logger.info(
                "recovered abandoned order %s: invoice voided, stock released, order removed",
                record.number,
            )
    return recovered


async def recover_pending_orders(services: SubgraphServices) -> None:
    """Background loop: a recovery round every ``saga_recovery_interval_seconds``.

    Args:
        services: The running subgraph's services.
    """
    while True:
        interval = _settings(services).saga_recovery_interval_seconds  # live: read each round
        await asyncio.sleep(interval)
        try:
            await recover_expired_orders(services)
        except Exception:
            logger.exception("saga recovery round failed; trying again in %.1f s", interval)
