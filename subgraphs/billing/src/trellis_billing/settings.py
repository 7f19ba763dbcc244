"""Settings of the billing subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["BillingSettings"]


class BillingSettings(SubgraphSettings):
    """Settings of the billing subgraph (env prefix ``TRELLIS_``).

    Example:
        >>> BillingSettings(registry_url=None, outbox_interval_seconds=0.5)
    """

    subgraph_name = "billing"

    port: int = Field(default=4003, ge=0, le=65535, description="TCP port to listen on.")
    outbox_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description=(
            "Seconds between two passes of the loop that delivers pending order notifications "
            "(markOrderPaid) to the orders subgraph."
        ),
    )
    outbox_batch_size: int = Field(
        default=100,
        ge=1,
        description="Most pending order notifications one pass of the outbox loop delivers.",
    )
