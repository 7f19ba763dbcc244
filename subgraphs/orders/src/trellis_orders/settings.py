"""Settings of the orders subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["OrdersSettings"]


class OrdersSettings(SubgraphSettings):
    """Settings of the orders subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "orders"

    port: int = Field(default=4004, ge=0, le=65535, description="TCP port to listen on.")
    saga_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "How long a placeOrder saga owns its PENDING order (seconds); once the lease "
            "expires, a retry or the recovery loop may roll the order back."
        ),
    )
    saga_recovery_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds between two rounds of the recovery loop, which rolls back PENDING orders "
            "whose lease expired (releasing their stock and voiding their invoice)."
        ),
    )
