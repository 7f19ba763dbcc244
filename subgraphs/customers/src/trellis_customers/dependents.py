"""What the peer subgraphs hold for a customer: billing's invoices and orders' orders.

A customer may only be deleted when neither peer holds anything for them; the counts come from
the peers' own GraphQL endpoints (idempotent reads, retried by the kit's peer client).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from trellis_subgraph import PeerClient, SubgraphContext

__all__ = ["BILLING", "INVOICE_COUNT_QUERY", "ORDERS", "ORDER_COUNT_QUERY", "Dependents", "count"]

BILLING = "billing"
"""Service name of the billing subgraph."""

ORDERS = "orders"
"""Service name of the orders subgraph."""

INVOICE_COUNT_QUERY = "query ($id: ID!) { invoices(customerId: $id, first: 1) { totalCount } }"
"""Billing query: how many invoices a customer has."""

ORDER_COUNT_QUERY = "query ($id: ID!) { orders(customerId: $id, first: 1) { totalCount } }"
"""Orders query: how many orders a customer has (orders leaves PENDING ones out)."""


class _Total(BaseModel):
    model_config = ConfigDict(frozen=True)

    total_count: int = Field(alias="totalCount", ge=0)


class _InvoiceCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    invoices: _Total


class _OrderCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    orders: _Total


@dataclass(frozen=True, slots=True)
class Dependents:
    """How many invoices and orders the peers hold for one customer.

    Attributes:
        invoices: Invoices in billing (any status).
        orders: Orders in orders.
    """

    invoices: int
    orders: int

    @property
    def any(self) -> bool:
        """Whether the customer has any invoice or order."""
        return self.invoices > 0 or self.orders > 0


async def _invoices(client: PeerClient, customer_id: str) -> int:
    data = await client.execute(
        INVOICE_COUNT_QUERY, {"id": customer_id}, result=_InvoiceCount, idempotent=True
    )
    return data.invoices.total_count


async def _orders(client: PeerClient, customer_id: str) -> int:
    data = await client.execute(
        ORDER_COUNT_QUERY, {"id": customer_id}, result=_OrderCount, idempotent=True
    )
    return data.orders.total_count


async def count(context: SubgraphContext, customer_id: str) -> Dependents:
    """Ask billing and orders (concurrently) what they hold for a customer.

    Args:
        context: The request's context (its peer clients).
        customer_id: The customer's GraphQL id.

    Returns:
        The counts.

    Raises:
        UpstreamUnavailable: If a peer cannot be asked (billing's failure is reported first
            when both fail).
        PeerError: If a peer answered with a GraphQL error.
    """
    invoices, orders = await asyncio.gather(
        _invoices(context.peer(BILLING), customer_id),
        _orders(context.peer(ORDERS), customer_id),
        return_exceptions=True,
    )
    if isinstance(invoices, BaseException):
        raise invoices
    if isinstance(orders, BaseException):
        raise orders
    return Dependents(invoices=invoices, orders=orders)
